"""The fast path gives what the full path gives (``migrate/fastpath.py``).

Every fixture is converted twice through the command line, in this process:
as users run it, and with ``MIGRATE_FULL_PATH=1``, which turns every shortcut
off (each document's node graph checked, each mapping searched for duplicate
keys, each cluster object written out as text). Exit code, stdout, stderr and
every file written must be identical. The broken and hostile inputs of
``fixtures/bad`` are compared the same way in ``tests/test_bad_inputs.py``.

The shortcuts' own reasoning is checked as properties: the text bound that
lets a document skip the node-graph check never passes a document that the
check refuses, and the quick cases of ``same`` agree with its general rules.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import fastpath
from migrate.app import scan
from migrate.chart import profile
from migrate.yaml import io as yamlio
from migrate.yaml import load
from tests.support import cluster
from tests.support.cli import invoke

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
# The built-in targets: the default (the newest chart) and the older layouts.
TARGETS = sorted(profile.load().targets)
# How changed chart defaults are handled: breaking ones kept (the default), all adopted,
# all kept.
POLICIES = {"": (), "adopt": ("--adopt-chart-defaults",), "preserve": ("--preserve-behavior",)}


def _convert_inputs() -> Iterator[Any]:
    yield pytest.param(["-R", "-f", "fixtures/manifests"], id="manifests")
    for target in TARGETS:
        for label, policy in POLICIES.items():
            arguments = ["-R", "-f", "fixtures/manifests", "--target", target, *policy]
            yield pytest.param(arguments, id="-".join(filter(None, ("manifests", target, label))))
    # A chart read from disk: its values.yaml goes through the YAML reader too.
    for chart in ("llama-stack-runconfig", "llama-stack-modular"):
        arguments = ["-R", "-f", "fixtures/manifests", "--chart", f"fixtures/charts/{chart}"]
        yield pytest.param(arguments, id=f"manifests-{chart}")
    yield pytest.param(["-f", "fixtures/cluster/objects.yaml"], id="cluster-objects")
    for folder in sorted((FIXTURES / "findings").iterdir()):
        for stem in ("raises", "clean"):
            path = folder / f"{stem}.yaml"
            if not path.is_file():
                continue
            extra: list[str] = []
            for candidate in (folder / f"{stem}.options", folder / "options"):
                if candidate.is_file():
                    lines = candidate.read_text("utf-8").splitlines()
                    extra = [line.strip() for line in lines if line.strip()]
                    break
            relative = path.relative_to(ROOT).as_posix()
            yield pytest.param(["-f", relative, *extra], id=f"{folder.name}-{stem}")


def _run(arguments: list[str], tmp: Path, full: bool) -> tuple[int, str, str, dict[str, bytes]]:
    """One in-process run from the repository root, writing under ``tmp``."""
    environment = {fastpath.ENV: "1" if full else "", "NO_COLOR": "1"}
    result = invoke(*arguments, env=environment)
    written = {
        path.relative_to(tmp).as_posix(): path.read_bytes()
        for path in sorted(tmp.rglob("*"))
        if path.is_file()
    }
    stdout = result.stdout.replace(str(tmp), "<out>")
    stderr = result.stderr.replace(str(tmp), "<out>")
    return result.returncode, stdout, stderr, written


@pytest.mark.parametrize("arguments", list(_convert_inputs()))
def test_convert_is_the_same_either_way(
    arguments: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files read and workloads planned in worker processes, even a few of them.
    monkeypatch.setattr(fastpath, "MIN_TASKS", 2)
    fast = _run(
        ["convert", *arguments, "-o", "json", "-d", str(tmp_path / "a")], tmp_path / "a", False
    )
    full = _run(
        ["convert", *arguments, "-o", "json", "-d", str(tmp_path / "b")], tmp_path / "b", True
    )
    assert fast == full
    assert fast[0] in (0, 1), fast[2]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("values", sorted(p.name for p in (FIXTURES / "values").glob("*.yaml")))
def test_values_is_the_same_either_way(values: str, target: str, tmp_path: Path) -> None:
    arguments = ["values", f"fixtures/values/{values}", "--target", target]
    fast = _run(arguments, tmp_path, False)
    assert fast == _run(arguments, tmp_path, True)
    # Findings at or above --fail-on error exit 1, the values printed all the same.
    assert fast[0] in (0, 1), fast[2]
    assert fast[1], fast[2]


def test_the_switch() -> None:
    for value, enabled in (("", True), ("0", True), ("1", False), ("yes", False)):
        os.environ[fastpath.ENV] = value
        try:
            assert fastpath.enabled() is enabled
        finally:
            del os.environ[fastpath.ENV]
    assert fastpath.enabled()


@pytest.mark.asyncio
async def test_scan_is_the_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = profile.load()
    objects = cluster.objects_from_manifest(FIXTURES / "cluster" / "objects.yaml")
    # A ConfigMap and a workload that are not Llama Stack: the shortcut drops those early.
    objects.append(cluster.deployment("web", "research", env={"LOG_LEVEL": "debug"}))
    async with cluster.running(tmp_path=tmp_path) as c:
        c.seed("main", objects)

        def run(full: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
            monkeypatch.setenv(fastpath.ENV, "1" if full else "")
            results = scan.scan(c.kubeconfig, [], chosen, all_namespaces=True)
            files = [(str(a.path), a.text) for a in scan.artifacts(results)]
            plans = [
                (o.plan.label, o.plan.status.value)
                for result in results
                for o in result.result.outcomes
            ]
            return files, plans, sum(result.requests for result in results)

        fast = await asyncio.to_thread(run, False)
        full = await asyncio.to_thread(run, True)
    assert fast == full
    assert fast[0], "the fixture has workloads to migrate"


# -- the reasoning behind the shortcuts ----------------------------------------------------


def _nested(draw: st.DrawFn) -> Any:
    """A chain of maps and lists, each level wrapping the next, with a leaf at the bottom."""
    depth = draw(st.integers(1, 260))
    kinds = draw(st.lists(st.sampled_from(["map", "list"]), min_size=depth, max_size=depth))
    node: Any = draw(st.sampled_from(["leaf", 1, None]))
    for kind in reversed(kinds):
        node = {"k": node} if kind == "map" else [node]
    return node


@st.composite
def _documents(draw: st.DrawFn) -> str:
    node = _nested(draw)
    style = draw(st.sampled_from([False, True, None]))
    indent = draw(st.integers(2, 4))
    return yaml.dump(
        node, default_flow_style=style, indent=indent, width=draw(st.sampled_from([80, 1 << 16]))
    )


@st.composite
def _compact(draw: st.DrawFn) -> str:
    """Block style at its densest: '- - - x', and sequences flush with their key."""
    depth = draw(st.integers(1, 260))
    kinds = draw(st.lists(st.sampled_from(["seq", "map"]), min_size=depth, max_size=depth))
    lines: list[str] = []
    column = 0
    prefix = ""
    for index, kind in enumerate(kinds):
        if kind == "seq":
            prefix += "- "
            continue
        lines.append(" " * column + prefix + "k:")
        key_column = column + len(prefix)
        following = kinds[index + 1] if index + 1 < len(kinds) else "leaf"
        # A sequence may stand flush under its key; anything else one column in.
        column = key_column if following == "seq" else key_column + 1
        prefix = ""
    lines.append(" " * column + prefix + "leaf")
    return "\n".join(lines) + "\n"


@st.composite
def _flow_pairs(draw: st.DrawFn) -> str:
    """Flow style at its densest: '[k: [k: x]]' opens two levels per bracket."""
    depth = draw(st.integers(1, 200))
    opens = draw(st.lists(st.sampled_from(["[k: ", "{k: ", "["]), min_size=depth, max_size=depth))
    closes = "".join("]" if o.startswith("[") else "}" for o in reversed(opens))
    return "".join(opens) + "leaf" + closes + "\n"


def _height(node: Any) -> int:
    """Levels of nodes, as ``check_graph`` counts them (a leaf is one)."""
    height, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        height = max(height, level)
        if isinstance(current, dict):
            stack += [(v, level + 1) for v in current.values()]
        elif isinstance(current, list):
            stack += [(v, level + 1) for v in current]
    return height


@settings(max_examples=300, deadline=None)
@given(st.one_of(_documents(), _compact(), _flow_pairs()))
def test_the_depth_bound_is_sound(text: str) -> None:
    if load.needs_graph_check(text):
        return
    data = yaml.safe_load(text)
    # Skipped: check_graph would pass it, the full path reads it the same.
    assert _height(data) <= load.MAX_DEPTH, text[:400]
    assert load.load_manifest(text) == data


def test_the_depth_bound_does_skip_real_manifests() -> None:
    text = (FIXTURES / "manifests" / "demo" / "seed-example.yaml").read_text()
    assert not load.needs_graph_check(text)
    assert load.needs_graph_check(text + "x: &a [1]\ny: *a\n")


def _slow_same(left: Any, right: Any) -> bool:
    """``same`` by its general rules only."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_slow_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_slow_same, left, right))
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, math.inf, math.nan]),
    st.sampled_from(["", "1", "a"]),
)
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", 1]), inner, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(_TREES, _TREES)
def test_same_agrees_with_its_general_rules(left: Any, right: Any) -> None:
    assert yamlio.same(left, right) == _slow_same(left, right)
    assert yamlio.same(left, left)
