"""Helm merge, minimal overlays and the three-way merge of env changes with chart drift."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.engine import overlay
from migrate.engine.overlay import MISSING, Conflict
from migrate.yaml.io import same


def test_helm_merge_rules() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "l": [1, 2], "d": "x"}
    merged = overlay.helm_merge(defaults, {"a": {"b": 5}, "l": [3], "d": None, "n": {"k": None}})
    assert merged == {"a": {"b": 5, "c": 2}, "l": [3], "n": {}}


def test_diff_is_minimal_and_lists_are_whole() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "models": [{"id": "x", "dim": 768}], "gone": 1}
    desired = {"a": {"b": 1, "c": 3}, "models": [{"id": "y", "dim": 768}]}
    values = overlay.helm_diff(defaults, desired)
    assert values == {"a": {"c": 3}, "models": [{"id": "y", "dim": 768}], "gone": None}
    assert overlay.helm_merge(defaults, values) == desired


def test_diff_tells_types_apart() -> None:
    assert overlay.helm_diff({"x": 1}, {"x": True}) == {"x": True}
    assert overlay.helm_diff({"x": 1}, {"x": 1.0}) == {"x": 1.0}
    assert overlay.helm_diff({"x": 1}, {"x": 1}) == {}


def test_merge3_takes_chart_where_env_did_not_move() -> None:
    base = {"p": [{"id": "vllm", "config": {"url": "u"}}], "v": "faiss"}
    ours = {"p": [{"id": "vllm", "config": {"url": "u"}}], "v": "milvus"}
    theirs = {"p": [{"id": "vllm", "config": {"url": "u", "allowed": []}}], "v": "faiss"}
    conflicts: list[Conflict] = []
    assert overlay.merge3(base, ours, theirs, conflicts) == {
        "p": [{"id": "vllm", "config": {"url": "u", "allowed": []}}],
        "v": "milvus",
    }
    assert conflicts == []


def test_merge3_combines_items_and_records_conflicts() -> None:
    conflicts: list[Conflict] = []
    result = overlay.merge3(
        {"m": [{"id": "a", "dim": 1}]},
        {"m": [{"id": "b", "dim": 1}]},
        {"m": [{"id": "a", "dim": 2}]},
        conflicts,
    )
    assert result == {"m": [{"id": "b", "dim": 2}]}
    assert overlay.merge3({"k": 1}, {"k": 2}, {"k": 3}, conflicts) == {"k": 2}
    assert conflicts == [Conflict(path=("k",), chart=3, env=2)]


def test_merge3_missing_keys() -> None:
    conflicts: list[Conflict] = []
    assert overlay.merge3({"a": 1}, {"a": 1}, {}, conflicts) == {}
    assert overlay.merge3({}, {"a": 1}, {}, conflicts) == {"a": 1}
    assert overlay.merge3(MISSING, MISSING, 3, conflicts) == 3


@pytest.mark.parametrize(
    ("value", "carried"),
    [
        (None, False),
        (True, True),
        (4096, True),
        (2**53 + 1, False),
        (1000.0, False),
        (math.inf, False),
        (math.nan, False),
        (0.5, True),
        (1234567.5, True),
        (1e-7, False),
        (1.5e-7, True),
        ("milvus", True),
        ("on", False),
        ("1:20", False),
        ("2024-01-01", False),
        ("null", False),
        ("\x85", False),
        ("a\u2028b", False),
        ("modèle-ünïcødé-模型", True),
        ({"a": 1}, True),
    ],
)
def test_helm_refusal(value: Any, carried: bool) -> None:
    assert (overlay.helm_refusal(value) is None) is carried


_scalars = st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", True, None, 1.5]))
_trees = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3),
    ),
    max_leaves=12,
)


@given(
    defaults=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), _trees, max_size=4),
    desired=st.dictionaries(st.sampled_from(["a", "b", "c", "e"]), _trees, max_size=4),
)
def test_diff_then_merge_gives_desired(defaults: dict[str, Any], desired: dict[str, Any]) -> None:
    values = overlay.helm_diff(defaults, desired)
    merged = overlay.helm_merge(defaults, values)
    if not any(v is None for _, v in overlay.leaves(desired)):
        assert same(merged, desired)


@given(base=_trees, ours=_trees, theirs=_trees)
def test_merge3_identities(base: Any, ours: Any, theirs: Any) -> None:
    conflicts: list[Conflict] = []
    assert same(overlay.merge3(base, base, theirs, conflicts), theirs)
    assert same(overlay.merge3(base, ours, base, conflicts), ours)
