"""Readings of a built report that every layout shares, and the one-line summary.

This module owns which workloads a person is shown (the Llama Stack ones;
the others are counted), how a count is worded, and the summary line a run
prints on stderr whatever the report's format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.model import Status


def llama_stack(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The workloads of ``report`` that are Llama Stack ones."""
    return [w for w in report["workloads"] if w["status"] != Status.NOT_LLAMA_STACK.value]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def by_severity(counts: Mapping[str, int], *, every: bool = True) -> str:
    """Findings counted by severity, worst first: ``1 error, 2 warnings, 3 info``
    (``info`` is not pluralised); with ``every`` False, only the severities met."""
    shown = [s for s in ("error", "warning", "info") if every or counts.get(s)]
    return ", ".join(
        f"{counts.get(s, 0)} info" if s == "info" else plural(counts.get(s, 0), s) for s in shown
    )


def findings_count(counts: Mapping[str, int]) -> str:
    """``3 findings: 0 errors, 2 warnings, 1 info``: what is counted, then by severity."""
    total = sum(counts.get(s, 0) for s in ("error", "warning", "info"))
    return f"{plural(total, 'finding')}: {by_severity(counts)}"


def summary_line(report: Mapping[str, Any]) -> str:
    """The one line for stderr: the workloads by status (``in error`` is a status),
    then the findings by severity."""
    s = report["summary"]
    ignored = sum(s["ignored"].values())
    text = (
        f"{plural(s['workloads'], 'Llama Stack workload')} in "
        f"{plural(s['documents'], 'document')}: "
        f"{s['needsMigration']} to migrate, {s['alreadyMigrated']} already migrated, "
        + (f"{s['notMigrated']} not migrated, " if s["notMigrated"] else "")
        + f"{plural(s['errors'], 'workload')} in error; {findings_count(s['findings'])}"
    )
    if ignored:
        text += f" ({ignored} ignored)"
    if report["dryRun"]:
        text += "; dry run: nothing written"
    return text
