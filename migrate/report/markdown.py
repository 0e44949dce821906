"""The Markdown report: a summary table, then one section per workload.

This module owns the layout pasted into a pull request: GitHub-flavoured
tables with pipes and line breaks escaped, commands in fenced blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migrate.report.interface import Renderer
from migrate.report.summary import by_severity, findings_count, llama_stack, plural
from migrate.report.values import side


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "\\`")


def _code(text: str) -> str:
    body = text.replace("|", "\\|").replace("\n", " ")
    return f"`` {body} ``" if "`" in body else f"`{body}`"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _count(workload: Mapping[str, Any]) -> str:
    counts: dict[str, int] = {}
    for found in workload["findings"]:
        counts[found["severity"]] = counts.get(found["severity"], 0) + 1
    return by_severity(counts, every=False) or "none"


class MarkdownRenderer(Renderer):
    """The layout pasted into a pull request."""

    def render(self, report: Mapping[str, Any]) -> str:
        return render(report)


def render(report: Mapping[str, Any]) -> str:
    """The report in GitHub-flavoured Markdown."""
    summary = report["summary"]
    title = "Llama Stack runConfig migration" + (" (dry run)" if report["dryRun"] else "")
    target = report["target"]
    lines = [
        f"## {title}",
        "",
        f"Target chart: {_code(target['name'])} ({_cell(target['description'])})",
        "",
    ]
    lines.append(
        f"{plural(summary['workloads'], 'Llama Stack workload')}: "
        f"{summary['needsMigration']} to migrate, "
        f"{summary['alreadyMigrated']} already migrated, "
        f"{plural(summary['errors'], 'workload')} in error. "
        f"{findings_count(summary['findings']).capitalize()}."
    )
    lines.append("")
    workloads = llama_stack(report)
    if not workloads:
        return "\n".join(lines)
    rows = [
        [
            _cell(f"{w['kind']} {w['namespace']}/{w['name']}"),
            _cell(w["status"]),
            str(len(w["differences"])),
            _count(w),
        ]
        for w in workloads
    ]
    lines += _table(["Workload", "Status", "Keys set", "Findings"], rows)
    for workload in workloads:
        lines += ["", f"### {workload['kind']} {workload['namespace']}/{workload['name']}", ""]
        facts = [f"Status: **{workload['status']}**", f"source {_code(workload['source'])}"]
        if workload["container"]:
            facts.append(f"container {_code(workload['container'])}")
        if workload["helmRelease"]:
            facts.append(f"Helm release {_code(workload['helmRelease'])}")
        if workload["verified"] is not None:
            facts.append("verified with Helm" if workload["verified"] else "**verify failed**")
        lines.append(" · ".join(facts))
        if workload["findings"]:
            lines += ["", "**Findings**", ""]
            lines += _table(
                ["Severity", "ID", "Message"],
                [
                    [f["severity"], _code(f["id"]), _cell(f["message"])]
                    for f in workload["findings"]
                ],
            )
        restore = workload["restore"]
        if workload["differences"]:
            if restore:
                old, now = restore["oldRevision"], restore["currentRevision"]
                title = (
                    f"**Changed by the upgrade** (revision {old} to {now}; "
                    f"`{restore['file']}` restores it)"
                )
                columns = ["Key", f"Revision {old}", f"Revision {now}"]
            else:
                title = "**Differences from the chart defaults** (set by the overlay)"
                columns = ["Key", "Chart default", "This workload"]
            lines += ["", title, ""]
            lines += _table(
                columns,
                [
                    [_code(d["path"]), _cell(side(d, "old")), _cell(side(d, "new"))]
                    for d in workload["differences"]
                ],
            )
        if workload["drift"]:
            lines += ["", "**Chart-default drift**", ""]
            lines += _table(
                ["Key", "Pod ran", "New chart", "Overlay"],
                [
                    [
                        _code(d["path"]),
                        _cell(side(d, "before")),
                        _cell(side(d, "after")),
                        "adopted" if d["adopted"] else "kept as the pod ran it",
                    ]
                    for d in workload["drift"]
                ],
            )
        if workload["variables"]:
            lines += ["", "<details><summary>Env</summary>", ""]
            lines += _table(
                ["Variable", "Source", "Classification", "runConfig keys"],
                [
                    [
                        _code(v["name"]),
                        _cell(v["source"]),
                        _cell(v["classification"]),
                        _cell(", ".join(v["keys"]) or "-"),
                    ]
                    for v in workload["variables"]
                ],
            )
            lines += ["", "</details>"]
        if workload["next"]:
            lines += ["", "**Next step**", "", "```sh", workload["next"], "```"]
    lines.append("")
    return "\n".join(lines)
