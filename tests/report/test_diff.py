"""The report's change model: deepdiff's findings, as dotted paths, old → new."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import fastpath
from migrate.model import Path
from migrate.report import diff
from migrate.report.diff import ADDED, CHANGED, REMOVED, Change, changes
from migrate.yaml.io import same

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 768.0, 1.5]),
    st.sampled_from(["", "768", "faiss", "milvus", "true", "a.b", "x y"]),
)
_keys = st.sampled_from(["a", "b", "c", "model_id", "with.dot", "0"])
_trees = st.recursive(
    _scalars,
    lambda inner: (
        st.dictionaries(_keys, inner, max_size=4) | st.lists(inner, min_size=0, max_size=3)
    ),
    max_leaves=12,
)
_roots = st.dictionaries(_keys, _trees, max_size=4)


def _apply(tree: Any, found: list[Change]) -> Any:
    """Replay ``found`` on ``tree``: list removals name old indices, additions new ones."""
    tree = copy.deepcopy(tree)
    removals = sorted((c for c in found if c.change == REMOVED), key=_key, reverse=True)
    additions = sorted((c for c in found if c.change == ADDED), key=_key)
    for change in [*removals, *additions, *(c for c in found if c.change == CHANGED)]:
        parent = _at(tree, change.path[:-1])
        key = change.path[-1]
        if change.change == REMOVED:
            del parent[key]
        elif isinstance(parent, list) and change.change == ADDED:
            parent.insert(int(key), change.new)
        else:
            parent[key] = change.new
    return tree


def _key(change: Change) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:06d}") if isinstance(p, int) else (1, p) for p in change.path)


def _at(tree: Any, path: Path) -> Any:
    for part in path:
        tree = tree[part]
    return tree


@settings(max_examples=300, deadline=None)
@given(_roots, _roots)
def test_changes_rebuild_the_new_tree_from_the_old(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    found = changes(old, new)
    assert same(_apply(old, found), new)
    assert (not found) == same(old, new)


@settings(max_examples=200, deadline=None)
@given(_roots)
def test_a_tree_has_no_changes_against_itself(tree: dict[str, Any]) -> None:
    assert changes(tree, copy.deepcopy(tree)) == []


def test_types_count_and_paths_are_dotted_in_document_order() -> None:
    old = {"registered_resources": {"models": [{"metadata": {"embedding_dimension": 768}}]}}
    new = {
        "vector_stores": {"default_provider_id": "milvus"},
        "registered_resources": {"models": [{"metadata": {"embedding_dimension": "768"}}]},
    }
    assert [(c.dotted, c.change, c.old, c.new) for c in changes(old, new)] == [
        ("vector_stores", ADDED, None, {"default_provider_id": "milvus"}),
        ("registered_resources.models[0].metadata.embedding_dimension", CHANGED, 768, "768"),
    ]


def test_differences_worked_out_ahead_are_taken_once_and_only_for_the_same_trees() -> None:
    old = {"a": 1, "b": [1, 2]}
    new = {"a": 2, "b": [1, 2, 3]}
    expected = changes(old, new)
    diff.ahead(old, new)
    kept = diff._AHEAD  # what is kept, to see it taken
    assert changes(old, {"a": 2, "b": [1, 2, 3]}) == expected  # an equal tree: anew
    assert (id(old), id(new)) in kept
    assert changes(old, new) == expected
    assert (id(old), id(new)) not in kept  # taken, once
    assert changes(old, new) == expected


@settings(max_examples=300, deadline=None)
@given(_roots, _roots)
def test_what_is_kept_for_equal_differing_parts_is_what_deepdiff_finds(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    """A second pair that differs alike (the same differing parts, the new tree's keys in
    another order) takes what deepdiff found for the first, in its own document order."""
    reordered = copy.deepcopy(dict(reversed(new.items())))
    fast = [changes(old, new), changes(copy.deepcopy(old), reordered)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(fastpath.ENV, "1")
        full = [changes(old, new), changes(old, reordered)]
    assert fast == full


def test_differences_worked_out_ahead_for_shared_trees_are_taken_once_per_workload() -> None:
    """Workloads with the same values share one run.yaml: worked out ahead (here, or in a
    second process) once per workload, the differences are taken once per workload."""
    old = {"a": 1, "b": [1, 2]}
    new = {"a": 2, "b": [1, 2, 3]}
    expected = changes(old, new)
    diff.ahead(old, new)
    diff.ahead(old, new)
    diff.remember(old, new, expected)
    kept = diff._AHEAD
    for _ in range(3):
        assert (id(old), id(new)) in kept
        assert changes(old, new) == expected
    assert (id(old), id(new)) not in kept
