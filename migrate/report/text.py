"""The text report: rich tables on a terminal, plain aligned text when piped.

This module owns the layout a person reads in a shell. The plain layout is
the stable one (golden tests pin it); the rich layout shows the same cells
in tables, or in stacked rows where a table would not fit the terminal
(:mod:`migrate.report.terminal` lays them out, never cutting a word), and
follows rich's own colour rules, NO_COLOR included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any, TextIO

from migrate.report.interface import Renderer
from migrate.report.summary import llama_stack, plural
from migrate.report.values import side

_DRIFT_ADOPTED = "chart-default drift, adopted (--preserve-behavior keeps what the pod ran)"
_DRIFT_PINNED = "chart-default drift, kept as the pod ran it (the overlay pins it)"
_DRIFT_MIXED = "chart-default drift, adopted except where marked (kept)"


def _env_rows(workload: Mapping[str, Any]) -> list[list[str]]:
    return [
        [v["name"], v["source"], v["classification"], ", ".join(v["keys"]) or "-"]
        for v in workload["variables"]
    ]


def _difference_rows(workload: Mapping[str, Any]) -> list[list[str]]:
    return [[d["path"], side(d, "old"), side(d, "new")] for d in workload["differences"]]


def _drift_rows(workload: Mapping[str, Any]) -> list[list[str]]:
    mixed = _drift_title(workload) == _DRIFT_MIXED
    return [
        [
            d["path"],
            side(d, "before"),
            side(d, "after") + ("  (kept)" if mixed and not d["adopted"] else ""),
        ]
        for d in workload["drift"]
    ]


def _restore_title(restore: Mapping[str, Any]) -> str:
    old, now = restore["oldRevision"], restore["currentRevision"]
    return f"changed by the upgrade, revision {old} -> {now} ({restore['file']} restores it)"


def _drift_title(workload: Mapping[str, Any]) -> str:
    adopted = {d["adopted"] for d in workload["drift"]}
    if adopted == {True}:
        return _DRIFT_ADOPTED
    return _DRIFT_PINNED if adopted == {False} else _DRIFT_MIXED


def _heading(workload: Mapping[str, Any]) -> str:
    return f"{workload['kind']} {workload['namespace']}/{workload['name']}: {workload['status']}"


def _facts(workload: Mapping[str, Any], verify: bool = False) -> list[tuple[str, str]]:
    facts = [("source", workload["source"])]
    if workload["container"]:
        facts.append(("container", workload["container"]))
    if workload["helmRelease"]:
        facts.append(("helm release", workload["helmRelease"]))
    if workload["recognisedBy"]:
        facts.append(("recognised by", workload["recognisedBy"]))
    if verify and workload["verified"] is None and workload["status"] == "needs migration":
        facts.append(("verified", "not asked: no Helm release manages it"))
    if workload["verified"] is not None:
        facts.append(
            (
                "verified",
                "yes, Helm's render resolves like the old pod"
                if workload["verified"]
                else "no (see verify-mismatch)",
            )
        )
    return facts


def _table(rows: Sequence[Sequence[str]], header: Sequence[str], indent: str) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


class TextRenderer(Renderer):
    """The plain layout, or rich tables when written to a terminal."""

    def render(self, report: Mapping[str, Any]) -> str:
        return render(report)

    def write(self, report: Mapping[str, Any], stream: TextIO) -> None:
        if stream.isatty():
            print_rich(report, stream)
        else:
            super().write(report, stream)


def render(report: Mapping[str, Any]) -> str:
    """The plain layout (:func:`print_rich` has the same content for a terminal)."""
    target = report["target"]
    lines: list[str] = [f"target: {target['name']} ({target['description']})", ""]
    for workload in llama_stack(report):
        lines.append(_heading(workload))
        lines += [
            f"  {name}: {value}" for name, value in _facts(workload, report["options"]["verify"])
        ]
        if workload["variables"]:
            lines.append("  env:")
            header = ["VARIABLE", "SOURCE", "CLASSIFICATION", "RUNCONFIG KEYS"]
            lines += _table(_env_rows(workload), header, "    ")
        if workload["differences"] and workload["restore"]:
            lines.append(f"  {_restore_title(workload['restore'])}:")
            lines += [f"    {p}: {old} -> {new}" for p, old, new in _difference_rows(workload)]
        elif workload["differences"]:
            lines.append("  differences from the chart defaults (set by values-overlay.yaml):")
            lines += [f"    {p}: {old} -> {new}" for p, old, new in _difference_rows(workload)]
        elif workload["status"] == "needs migration":
            lines.append("  differences from the chart defaults: none")
        if workload["drift"]:
            lines.append(f"  {_drift_title(workload)}:")
            lines += [f"    {p}: {old} -> {new}" for p, old, new in _drift_rows(workload)]
        if workload["findings"]:
            lines.append("  findings:")
            lines += [
                f"    {f['severity']}: {f['message']} [{f['id']}]" for f in workload["findings"]
            ]
        if workload["files"]:
            verb = "would write" if report["dryRun"] else "wrote"
            lines.append(f"  {verb}: {', '.join(workload['files'])}")
        if workload["next"]:
            lines.append(f"  next: {workload['next']}")
        lines.append("")
    if not llama_stack(report):
        lines += ["no Llama Stack workloads found", ""]
    others = report["summary"]["notLlamaStack"]
    if others:
        lines += [
            f"{plural(others, 'other workload')} without Llama Stack (listed with -o json)",
            "",
        ]
    return "\n".join(lines)


def print_rich(report: Mapping[str, Any], stream: IO[str], width: int | None = None) -> None:
    """The same content as :func:`render`, for a terminal ``width`` cells wide (by
    default, rich finds it): tables where they fit, never a word cut."""
    from migrate.report.terminal import Screen

    screen = Screen(stream, width)
    severity_style = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    target = report["target"]
    screen.say(("target: ", "dim"), (f"{target['name']} ({target['description']})", ""))
    for workload in llama_stack(report):
        screen.heading(_heading(workload))
        for name, value in _facts(workload, report["options"]["verify"]):
            screen.say((f"{name}: ", "dim"), (value, ""))
        if workload["variables"]:
            header = ["variable", "source", "classification", "runConfig keys"]
            screen.table("env", header, _env_rows(workload))
        if workload["differences"] and workload["restore"]:
            restore = workload["restore"]
            header = [
                f"revision {restore['oldRevision']}",
                f"revision {restore['currentRevision']}",
            ]
            title = _restore_title(restore)
            screen.table(title, ["key", *header], _difference_rows(workload))
        elif workload["differences"]:
            header = ["key", "chart default", "this workload"]
            screen.table("differences from the chart defaults", header, _difference_rows(workload))
        if workload["drift"]:
            header = ["key", "pod ran", "new chart"]
            screen.table(_drift_title(workload), header, _drift_rows(workload))
        for found in workload["findings"]:
            style = severity_style[found["severity"]]
            screen.say(
                (found["severity"], style), (f" {found['id']} ", "dim"), (found["message"], "")
            )
        if workload["files"]:
            verb = "would write" if report["dryRun"] else "wrote"
            screen.say((f"{verb}: ", "dim"), (", ".join(workload["files"]), ""))
        if workload["next"]:
            screen.command(("next:", "bold"), workload["next"])
        screen.blank()
    if not llama_stack(report):
        screen.say(("no Llama Stack workloads found", ""))
    others = report["summary"]["notLlamaStack"]
    if others:
        screen.say(
            (f"{plural(others, 'other workload')} without Llama Stack (listed with -o json)", "")
        )
