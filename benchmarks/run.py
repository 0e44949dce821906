"""Every benchmark, then ``docs/performance.md`` written anew from the figures.

``make bench`` runs this. Each goal the run does not meet gets a profile of
where the time goes (pyinstrument, when installed) under the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import children, convert, scan
from benchmarks import help as help_screen
from benchmarks.common import ROOT, Row, machine, quiet, workspace
from benchmarks.generate import generate

PROFILE_LINES = 80
NOTES = Path(__file__).with_name("performance-notes.md")  # the unchanging part of the page


def _profile(action: Callable[[], None]) -> str | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    action()  # warm: imports and caches are not what is asked about
    profiler = Profiler(interval=0.001)
    profiler.start()
    action()
    profiler.stop()
    return trimmed(profiler, "action")


def trimmed(profiler: Any, root: str) -> str:
    """The call tree from the frame named ``root`` on, frames under 3% left out."""
    text = profiler.output_text(
        unicode=True, color=False, processor_options={"filter_threshold": 0.03}
    )
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if f" {root} " in line), 0)
    return "\n".join(lines[start : start + PROFILE_LINES])


def convert_profile(deployments: int) -> str | None:
    with workspace() as temporary:
        corpus = generate(Path(temporary) / "manifests", deployments)
        scratch = Path(temporary) / "out"
        scratch.mkdir()
        with quiet():
            return _profile(convert.convert_action(corpus.root, scratch))


def scan_profile(deployments: int) -> str | None:
    with workspace() as temporary:
        path = Path(temporary) / "profile.txt"
        os.environ[children.PROFILE_ENV] = str(path)  # read by the scan's child process
        try:
            scan.run(deployments, repeats=1)
        finally:
            del os.environ[children.PROFILE_ENV]
        return path.read_text() if path.exists() else None


FLEET_REPEATS = 3  # a sequential scan of 8 contexts at 50 ms takes a minute


def scan_rows(repeats: int) -> list[Row]:
    """Goal 3: one context as the emulator answers and at a network's distance, then a fleet."""
    rows = scan.run(5000, repeats)
    rows += scan.run(
        5000,
        min(repeats, FLEET_REPEATS),
        latency_ms=scan.LATENCY_MS,
        label=f"3. scan ÷ bare raw paged list, {scan.LATENCY_MS} ms latency",
    )[:1]
    rows += scan.run(5000, repeats, llama_share=0.0, label="3. scan ÷ list, no Llama Stack")[:1]
    rows += scan.fleet(8, 5000, min(repeats, FLEET_REPEATS), latency_ms=scan.LATENCY_MS)
    return rows


def document(rows: list[Row], profiles: dict[str, str], seconds: float) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand.",
        f"Last run: {today}, {seconds / 60:.1f} minutes, on {machine()}.",
        "",
        "Every figure is a ratio against a baseline measured in the same run, in",
        "turns with it, so that the machine's speed and load cancel out; each time is",
        "the median of several repeats. The inputs come from `benchmarks/generate.py`:",
        "one file per application, a Deployment and a Service each, a ConfigMap for",
        "some, comments and hand-written quoting, spread over six namespaces; every",
        "tenth (convert) or hundredth (scan) Deployment is a Llama Stack release of",
        "the legacy chart, customised through VECTOR_STORE_* values or a ConfigMap, or",
        "at the defaults.",
        "",
        "| Benchmark | Measured | Goal | |",
        "|---|---|---|---|",
    ]
    for row in rows:
        verdict = {True: "met", False: "**not met**", None: ""}[row.met]
        lines.append(f"| {row.benchmark} | {row.measured} | {row.goal} | {verdict} |")
    lines += ["", "## Inputs and settings", ""]
    lines += [f"- {row.benchmark}: {row.detail}" for row in rows if row.detail]
    lines += ["", *NOTES.read_text().splitlines()]
    for title, text in profiles.items():
        lines += [
            "",
            f"### Profile: {title}",
            "",
            "pyinstrument, one warm run; library frames folded, frames under 3% of the",
            "run left out; times include the profiler's own cost, the shares hold:",
            "",
            "```text",
            text,
            "```",
        ]
    return "\n".join(lines) + "\n"


_EXPLAINED = Path(__file__).with_name("performance-notes.md").read_text().splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Write the report here (docs/performance.md).")
    parser.add_argument("--quick", action="store_true", help="Fewer repeats.")
    parser.add_argument(
        "--only",
        choices=["scan"],
        help="Only these figures, printed (the page needs them all: not with --write).",
    )
    arguments = parser.parse_args()
    if arguments.only and arguments.write:
        parser.error("--only prints some figures; --write needs them all")
    start = dt.datetime.now()
    repeats = 3 if arguments.quick else 5
    if arguments.only == "scan":
        for row in scan_rows(repeats):
            print(row.line(), flush=True)
            if row.detail:
                print(f"    {row.detail}")
        return
    rows = convert.run(2000, repeats)
    rows += scan_rows(repeats)
    rows += help_screen.run(21 if not arguments.quick else 7)
    rows += convert.growth(repeats=repeats)
    for row in rows:
        print(row.line(), flush=True)
    profiles: dict[str, str] = {}
    if any(row.met is False and row.benchmark.startswith(("1.", "2.")) for row in rows):
        found = convert_profile(2000)
        if found:
            profiles["convert, 2,000 Deployments"] = found
    if any(row.met is False and row.benchmark.startswith("3.") for row in rows):
        found = scan_profile(5000)
        if found:
            profiles["scan, 5,000 Deployments"] = found
    seconds = (dt.datetime.now() - start).total_seconds()
    text = document(rows, profiles, seconds)
    if arguments.write:
        target = arguments.write if arguments.write.is_absolute() else ROOT / arguments.write
        target.write_text(text)
        print(f"wrote {target}")
    else:
        print(text)


if __name__ == "__main__":
    main()
