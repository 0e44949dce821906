"""Leaving mapping entries out of a document's text: the data loses exactly those entries,
and every line of a block document that is not theirs stays, in order, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.model import Path
from migrate.yaml import entries
from migrate.yaml import io as yamlio
from migrate.yaml.load import load_manifest

KUBECTL = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "4"
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment"}
  creationTimestamp: "2025-02-11T09:30:12Z"  # set by the server
  labels:
    app: web
  managedFields:
  - apiVersion: apps/v1
    fieldsV1:
      f:spec: {}
  # a comment between entries stays
  name: web
spec:
  replicas: 1
status:
  replicas: 1
"""


def test_block_entries_go_as_whole_lines_with_their_comments_on_them() -> None:
    paths: list[Path] = [
        ("metadata", "annotations"),
        ("metadata", "creationTimestamp"),
        ("metadata", "managedFields"),
        ("status",),
    ]
    assert entries.remove(KUBECTL, paths) == (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n"
        "  # a comment between entries stays\n  name: web\nspec:\n  replicas: 1\n"
    )


def test_one_annotation_of_several_goes_alone() -> None:
    path: Path = ("metadata", "annotations", "deployment.kubernetes.io/revision")
    text = entries.remove(KUBECTL, [path])
    assert "revision" not in text and "last-applied-configuration: |" in text


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([("b",)], '{\n  "a": 1,\n  "c": {"d": 2, "e": 3}\n}\n'),
        ([("c",)], '{\n  "a": 1,\n  "b": [1, 2]\n}\n'),
        ([("a",), ("b",)], '{\n  "c": {"d": 2, "e": 3}\n}\n'),
        ([("b",), ("c",)], '{\n  "a": 1\n}\n'),
        ([("c", "d"), ("c", "e")], '{\n  "a": 1,\n  "b": [1, 2],\n  "c": {}\n}\n'),
    ],
)
def test_flow_entries_go_with_their_commas(paths: list[Path], expected: str) -> None:
    text = '{\n  "a": 1,\n  "b": [1, 2],\n  "c": {"d": 2, "e": 3}\n}\n'
    assert entries.remove(text, paths) == expected
    json.loads(expected)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("a: 1\n", ("b",)),  # not there
        ("a: 1\n", ("a", "b")),  # not a mapping
        ("- a: 1\n  b: 2\n", ("a",)),  # the root is a list
        ("x: &m {a: 1}\ny:\n  <<: *m\n", ("y", "a")),  # only merged in
    ],
)
def test_an_entry_not_written_where_its_path_says_is_refused(text: str, path: Path) -> None:
    with pytest.raises(entries.Unremovable):
        entries.remove(text, [path])


def _without(data: dict[str, Any], paths: list[Path]) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    for path in paths:
        node = copy
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]
    return copy  # type: ignore[no-any-return]


def _paths(data: Any, prefix: Path = ()) -> list[Path]:
    found: list[Path] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    return found


_keys = st.sampled_from(["a", "b", "c", "status", "uid", "x-y", "managedFields"])
_leaf = st.one_of(st.integers(), st.text("ab #:'\"", max_size=6), st.none(), st.booleans())
_tree = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_keys, inner, min_size=1, max_size=4)
    ),
    max_leaves=14,
)
_documents = st.dictionaries(_keys, _tree, min_size=2, max_size=5)


@settings(max_examples=200, deadline=None)
@given(_documents, st.data(), st.sampled_from(["block", "flow", "json"]))
def test_the_data_loses_exactly_the_entries_and_block_lines_stay(
    data: dict[str, Any], draw: st.DataObject, style: str
) -> None:
    candidates = _paths(data)
    chosen = draw.draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True))
    # no path inside another, and a mapping keeps at least one entry (the caller's case)
    chosen = [p for p in chosen if not any(p[: len(q)] == q and p != q for q in chosen)]
    expected = _without(data, chosen)
    if any(_empty_mapping_left(data, expected, p) for p in chosen):
        return
    if style == "json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = pyyaml.safe_dump(data, default_flow_style=style == "flow", sort_keys=False)
    removed = entries.remove(text, chosen)
    assert yamlio.same(load_manifest(removed), expected)
    if style == "block":
        kept = removed.splitlines(keepends=True)
        lines = iter(text.splitlines(keepends=True))
        assert all(line in lines for line in kept), "a line of the output was not in the input"


def _empty_mapping_left(before: Any, after: Any, path: Path) -> bool:
    """Whether removing ``path`` leaves its block mapping empty (which would load as null)."""
    parent = after
    for step in path[:-1]:
        parent = parent[step]
    return isinstance(parent, dict) and not parent
