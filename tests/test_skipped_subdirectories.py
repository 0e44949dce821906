"""A directory given without -R whose manifests are all in subdirectories: said, not silent.

Through the command line: the note is a line on stderr before the summary and
an entry of the report's ``inputNotes``; the exit code stays that of the
findings (0 here), and with -R the note is gone and the workload converted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"


def test_a_directory_without_r_says_how_many_yaml_files_its_subdirectories_hold(
    tmp_path: Path,
) -> None:
    manifests = tmp_path / "manifests"
    (manifests / "research").mkdir(parents=True)
    (manifests / "search").mkdir()
    shutil.copy(SEED, manifests / "research" / "llama-stack.yaml")
    shutil.copy(SEED, manifests / "search" / "llama-stack.yaml")
    note = (
        f"note: {manifests}: skipped 2 subdirectories holding 2 YAML files; "
        "-R descends into subdirectories"
    )

    run = migrate("convert", "-f", str(manifests), "--dry-run", "-o", "json")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == note and len(lines) == 2, run.stderr
    report = json.loads(run.stdout)
    assert report["inputNotes"] == [note.removeprefix("note: ")]
    assert report["summary"]["workloads"] == 0

    run = migrate("convert", "-f", str(manifests), "--dry-run")
    assert run.stderr.splitlines()[0] == note
    assert "no Llama Stack workloads found" in run.stdout

    run = migrate("convert", "-R", "-f", str(manifests), "--dry-run", "-o", "json")
    assert "note:" not in run.stderr
    assert json.loads(run.stdout)["inputNotes"] == []
