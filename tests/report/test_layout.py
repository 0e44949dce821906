"""The text report on a terminal: no name, key, path or command is ever cut.

Each report is laid out on a terminal of a given width and compared with
the same report on a terminal wide enough for anything: every word of the
narrow layout must be a word of the wide one (a cut word leaves pieces that
are not), every name and key of the report must be a whole word of it, each
``next:`` command must sit whole on one line, and only a line that holds a
single word wider than the terminal, or a command, may be wider than it.
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from migrate import report
from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.report import terminal, text
from migrate.report.summary import llama_stack

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
WIDTHS = (60, 80, 120)
WIDE = 1_000
# The characters rich draws tables and rules with.
BOX = "━╇┃│─╋┿┼"


def lay_out(data: Mapping[str, Any], width: int) -> list[str]:
    """The report as a terminal ``width`` cells wide shows it (colour off)."""
    stream = io.StringIO()
    text.print_rich(data, stream, width)
    return stream.getvalue().splitlines()


def words(line: str) -> list[str]:
    return [word for word in line.split() if word.strip(BOX)]


def reports() -> list[dict[str, Any]]:
    """The reports of every manifest of the fixtures, for the newest chart and for the
    seed's chart (whose defaults drift)."""
    return list(_reports())


@functools.cache
def _reports() -> tuple[dict[str, Any], ...]:
    paths = sorted((FIXTURES / "manifests").rglob("*.yaml"))
    paths += sorted((FIXTURES / "findings").glob("*/raises.yaml"))
    found = []
    for target in ("modular", "runconfig"):
        chosen = profile.load(target=target)
        for path in paths:
            result = pipeline.convert(pipeline.load([str(path)], False), chosen)
            options = report.Options(target=chosen.target.name)
            found.append(report.build(result.outcomes, result.documents, options, profile=chosen))
    return tuple(found)


def _workloads(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The workloads the text report shows."""
    yield from llama_stack(data)


def longest_report() -> dict[str, Any]:
    """One workload that carries the longest names of the fixtures' reports: variable,
    source, run.yaml key, values, workload name and namespace, file and command."""
    every = [w for data in reports() for w in _workloads(data)]
    variables = [v for w in every for v in w["variables"]]
    differences = [d for w in every for d in w["differences"]]
    drift = [d for w in every for d in w["drift"]]
    keys = sorted({k for v in variables for k in v["keys"]}, key=len, reverse=True)
    longest = functools.partial(max, key=len)
    base = next(w for w in every if w["next"] and w["differences"])
    workload = copy.deepcopy(dict(base))
    workload["name"] = longest([w["name"] for w in every])
    workload["namespace"] = longest([w["namespace"] for w in every])
    workload["variables"] = [
        {
            **variables[0],
            "name": longest([v["name"] for v in variables]),
            "source": longest([v["source"] for v in variables]),
            "keys": keys[:3],
        }
    ]
    workload["differences"] = [
        {"path": keys[0], "change": "changed", "old": longest(sides), "new": longest(sides)}
        for sides in [[str(d.get(s, "")) for d in differences for s in ("old", "new")]]
    ]
    workload["drift"] = [max(drift, key=lambda d: len(d["path"]))]
    workload["files"] = [longest([f for w in every for f in w["files"]] or ["x"])]
    workload["next"] = longest([w["next"] for w in every if w["next"]])
    data = copy.deepcopy(reports()[0])
    data["workloads"] = [workload]
    return data


def assert_nothing_cut(data: Mapping[str, Any], width: int) -> None:
    wide = [word for line in lay_out(data, WIDE) for word in words(line)]
    vocabulary = set(wide) | {f"{word}:" for word in wide}
    lines = lay_out(data, width)
    shown = {word for line in lines for word in words(line)}
    # A word cut in two leaves pieces that are no word of the wide layout.
    assert shown <= vocabulary, sorted(shown - vocabulary)
    for workload in _workloads(data):
        names = [f"{workload['namespace']}/{workload['name']}:", *workload["files"]]
        for variable in workload["variables"]:
            names += [variable["name"], variable["source"], *variable["keys"]]
        names += [d["path"] for d in [*workload["differences"], *workload["drift"]]]
        for name in names:
            assert name in shown or f"{name}," in shown, (name, width)
        if workload["next"]:
            assert any(workload["next"] in line for line in lines), (workload["next"], width)
    commands = [w["next"] for w in _workloads(data) if w["next"]]
    for line in lines:
        single = len(line.split()) == 1
        assert cell_len(line) <= width or single or any(c in line for c in commands), (
            width,
            line,
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_longest_names_of_the_fixtures_are_never_cut(width: int) -> None:
    assert_nothing_cut(longest_report(), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_workload_of_the_fixtures_is_cut(width: int) -> None:
    data = copy.deepcopy(reports()[0])
    data["workloads"] = [w for each in reports() for w in _workloads(each)]
    assert_nothing_cut(data, width)


def test_a_table_that_fits_is_drawn_and_one_that_does_not_is_stacked() -> None:
    data = longest_report()
    (variable,) = data["workloads"][0]["variables"]
    wide = "\n".join(lay_out(data, 200))
    assert "┃ classification ┃" in wide
    narrow = "\n".join(lay_out(data, 60))
    assert "┃" not in narrow
    assert f"\nenv:\n  {variable['name']}\n    source: {variable['source']}\n" in narrow
    assert "\n    classification: " in narrow


def test_the_next_command_is_never_wrapped() -> None:
    data = longest_report()
    command = data["workloads"][0]["next"]
    assert command.startswith("helm upgrade ")
    for width in (*WIDTHS, len(command) + 6):
        lines = lay_out(data, width)
        (line,) = [line for line in lines if command in line]
        # Alone on its line where "next: " and it do not fit together.
        assert line == (f"next: {command}" if len(command) + 6 <= width else command)


_NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789", min_size=1, max_size=70)
_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.[]0123456789", min_size=1, max_size=100)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(min_value=20, max_value=200),
    name=_NAME,
    source=_KEY,
    keys=st.lists(_KEY, min_size=1, max_size=4),
    value=st.text(alphabet="abc/-:. ", min_size=1, max_size=120),
    namespace=_KEY,
)
def test_no_word_is_cut_whatever_the_names_and_the_width(
    width: int, name: str, source: str, keys: list[str], value: str, namespace: str
) -> None:
    data = longest_report()
    workload = data["workloads"][0]
    workload["namespace"] = namespace
    workload["variables"][0].update(name=name, source=source, keys=keys)
    workload["differences"][0].update(path=keys[0], old=value, new=name)
    workload["findings"] = [{"severity": "warning", "id": "silent-revert", "message": value}]
    workload["next"] = f"helm upgrade --install {name} <chart> -n {namespace} -f {keys[-1]}"
    assert_nothing_cut(data, width)


def test_words_break_at_spaces_only_and_a_wide_word_moves_left() -> None:
    line = "aaa bbbbbbbbbbbb cc"
    breaks = terminal.wrap(line, 10, indent=2, hang=2)
    assert [line[s:e] for s, e, _ in breaks] == ["aaa", "bbbbbbbbbbbb", "cc"]
    assert [margin for _, _, margin in breaks] == [2, 0, 4]
