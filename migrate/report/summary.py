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


def summary_line(report: Mapping[str, Any]) -> str:
    """The one line for stderr."""
    s = report["summary"]
    findings = s["findings"]
    ignored = sum(s["ignored"].values())
    text = (
        f"{plural(s['workloads'], 'Llama Stack workload')} in "
        f"{plural(s['documents'], 'document')}: "
        f"{s['needsMigration']} to migrate, {s['alreadyMigrated']} already migrated, "
        + (f"{s['notMigrated']} not migrated, " if s["notMigrated"] else "")
        + f"{s['errors']} errors; findings: {findings['error']} error, "
        f"{findings['warning']} warning, {findings['info']} info"
    )
    if ignored:
        text += f" ({ignored} ignored)"
    if report["dryRun"]:
        text += "; dry run: nothing written"
    return text
