"""What docs/findings.md says of a finding's severity is what both commands report.

``migrate convert`` (on a manifest) and ``migrate values`` (on the same release's old
values) are run as a user runs them, under each policy; the severity each reports for
``chart-default-hazard`` must be the one the documentation gives for that policy: the
usual severity of the table and of the section, or the other one its severity note names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrate.plan.findings import CATALOGUE
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = "fixtures/manifests/demo/seed-example.yaml"  # the pod sets VLLM_URL
VALUES = "fixtures/values/seed.yaml"  # the same release's old values (vllm.url set)
HAZARD = "chart-default-hazard"
POLICIES = {
    "default": (),
    "--preserve-behavior": ("--preserve-behavior",),
    "--adopt-chart-defaults": ("--adopt-chart-defaults",),
}


def documented() -> tuple[str, str]:
    """The usual severity and the severity line of the ID in docs/findings.md."""
    page = (ROOT / "docs" / "findings.md").read_text("utf-8")
    (row,) = re.findall(rf"^\| \[`{HAZARD}`\]\(#{HAZARD}\) \| (\w+) \|", page, re.MULTILINE)
    section = page.split(f"## {HAZARD}\n\n", 1)[1].split("\n\n", 1)[0]
    return row, " ".join(section.split())


def convert_severities(options: tuple[str, ...]) -> set[str]:
    args = ("convert", "-f", MANIFEST, "--target", "runconfig", "--dry-run", "-o", "json")
    run = migrate(*args, *options)
    assert run.returncode in (0, 1), run.stderr
    report = json.loads(run.stdout)
    return {f["severity"] for w in report["workloads"] for f in w["findings"] if f["id"] == HAZARD}


def values_severities(options: tuple[str, ...]) -> set[str]:
    run = migrate("values", VALUES, "--target", "runconfig", *options)
    assert run.returncode in (0, 1), run.stderr
    return {
        line.partition(": ")[0] for line in run.stderr.splitlines() if line.endswith(f"[{HAZARD}]")
    }


@pytest.mark.parametrize("policy", POLICIES)
def test_both_commands_report_the_documented_severity(policy: str) -> None:
    usual, line = documented()
    rule = CATALOGUE[HAZARD]
    assert usual == rule.severity.value
    assert line == f"**Severity:** {usual} ({rule.severity_note})"
    options = POLICIES[policy]
    reported = convert_severities(options)
    assert reported == values_severities(options), "convert and values disagree"
    if policy == "--adopt-chart-defaults":
        # The other severity, and the note names both the case and the commands.
        assert reported == {"error"}
        assert rule.severity_note is not None
        assert rule.severity_note.startswith("an error with --adopt-chart-defaults")
        assert "`migrate convert` and `migrate values`" in rule.severity_note
    else:
        assert reported == {usual}
