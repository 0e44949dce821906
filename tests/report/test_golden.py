"""Whole reports, as a user gets them, against files checked in under golden/.

Each case runs the command line in a subprocess from the repository root
with relative paths, so the reports are the same on every machine. To
accept a deliberate change, run with MIGRATE_UPDATE_GOLDEN=1 and review the
diff of golden/.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from migrate import __version__
from tests.support.cli import migrate

GOLDEN = Path(__file__).parent / "golden"

CASES: dict[str, tuple[str, ...]] = {
    "demo": ("-R", "-f", "fixtures/manifests/demo"),
    "demo-preserve": ("-R", "-f", "fixtures/manifests/demo", "--preserve-behavior"),
    "commented": ("-f", "fixtures/manifests/commented.yaml"),
    "all": ("-R", "-f", "fixtures/manifests"),
    "ignored": (
        "-R",
        "-f",
        "fixtures/manifests/demo",
        "--ignore",
        "no-rollout-trigger",
        "--ignore",
        "vector-store-risk search/*",
    ),
}
SUFFIXES = {"text": "txt", "json": "json", "markdown": "md"}


def report(case: str, output: str) -> subprocess.CompletedProcess[str]:
    return migrate("convert", *CASES[case], "--dry-run", "-d", "out", "-o", output)


@pytest.mark.parametrize("output", list(SUFFIXES))
@pytest.mark.parametrize("case", list(CASES))
def test_report_matches_golden(case: str, output: str) -> None:
    run = report(case, output)
    # No case raises a finding at or above the default --fail-on error.
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    # The tool's version is the one part that changes without a change of behaviour.
    text = run.stdout.replace(__version__, "VERSION")
    golden = GOLDEN / f"{case}.{SUFFIXES[output]}"
    if os.environ.get("MIGRATE_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_case() -> None:
    expected = {f"{case}.{suffix}" for case in CASES for suffix in SUFFIXES.values()}
    assert {path.name for path in GOLDEN.iterdir()} == expected


def test_summary_line_goes_to_stderr_and_payload_to_stdout() -> None:
    run = report("demo", "json")
    assert run.stdout.startswith("{")
    assert run.stderr.splitlines() == [
        "4 Llama Stack workloads in 6 documents: 3 to migrate, 1 already migrated, "
        "0 workloads in error; 10 findings: 0 errors, 7 warnings, 3 info; dry run: nothing written"
    ]
