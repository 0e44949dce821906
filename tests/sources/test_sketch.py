"""Pages decoded in part: each object's sketch is exactly the part its field tree names."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.plan import classify
from migrate.sources import sketch
from tests.support import sketches

KIND = ("apps/v1", "Deployment")
TREE = sketch.merged({"metadata": {"namespace": ...}}, classify.reads())

# Keys the tree names, and others; values of every JSON type, floats included.
_KEYS = st.sampled_from(
    ["metadata", "namespace", "name", "spec", "template", "containers", "image", "env",
     "value", "replicas", "kind", "x"]
)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


def _shaped(value: Any, tree: Any, draw: st.DrawFn) -> Any:
    """A value of mostly the tree's shape, with anything else here and there."""
    if tree is ... or draw(st.integers(0, 9)) == 0:
        return draw(_JSON)
    if isinstance(tree, dict):
        out = {}
        for key in draw(st.permutations([*tree, "other"])):
            if draw(st.booleans()):
                out[key] = _shaped(None, tree.get(key, ...), draw)
        return out
    return [_shaped(None, tree[0], draw) for _ in range(draw(st.integers(0, 3)))]


@st.composite
def _objects(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 19)) == 0:
        return draw(_JSON)  # not an object, or of another shape altogether
    return _shaped(None, TREE, draw)


def _body(items: list[Any], metadata: Any = None) -> bytes:
    page: dict[str, Any] = {"kind": "DeploymentList", "metadata": metadata or {}, "items": items}
    return json.dumps(page).encode()


def _expected_sketch(whole: dict[str, Any]) -> dict[str, Any]:
    try:
        pruned: dict[str, Any] = sketches.prune(whole, TREE)
    except sketches.Unfit:  # the whole object, as the list gives it
        return {"apiVersion": KIND[0], "kind": KIND[1]} | whole
    return pruned


@settings(max_examples=400, deadline=None)
@given(st.lists(_objects(), max_size=5), _JSON)
def test_each_sketch_is_the_part_the_tree_names_and_whole_is_json_loads(
    items: list[Any], metadata: Any
) -> None:
    body = _body(items, {"continue": "t", "other": metadata})
    page = sketch.Reader(TREE).page(body, KIND)
    reference = sketch.whole_page(body, KIND)
    assert page.metadata == json.loads(body)["metadata"]
    assert page.count == reference.count == len(items)
    objects = [item for item in json.loads(body)["items"] if type(item) is dict]
    assert len(page.items) == len(reference.items) == len(objects)
    for listed, loaded, whole in zip(page.items, reference.items, objects, strict=True):
        assert listed.sketch == _expected_sketch(whole)
        kinded = {"apiVersion": KIND[0], "kind": KIND[1]} | whole
        assert listed.whole() == loaded.whole() == kinded
        assert list(listed.whole()) == list(loaded.whole())  # the same order of keys


def test_a_missing_field_stays_missing_and_null_stays_null() -> None:
    items = [
        {"metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{}]}}}},
        {"metadata": None, "spec": {"template": {"spec": {"containers": [None]}}}},
    ]
    page = sketch.Reader(TREE).page(_body(items), KIND)
    assert [listed.sketch for listed in page.items] == [
        {"metadata": {}, "spec": {"template": {"spec": {"containers": [{}]}}}},
        {"metadata": None, "spec": {"template": {"spec": {"containers": [None]}}}},
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"metadata": {"namespace": NaN}}',  # Python's reader takes NaN; msgspec does not
        '{"spec": {"template": {"spec": {"containers": [{"name": "\\ud800"}]}}}}',
        '{"spec": {"template": {"spec": {"containers": [{"name": 1e400}]}}}}',
        '{"spec": {"template": {"spec": {"containers": "llama-stack"}}}}',  # not a list
    ],
)
def test_what_msgspec_reads_otherwise_is_read_whole_by_json(text: str) -> None:
    body = ('{"metadata": {}, "items": [{"metadata": {"namespace": "a"}}, ' + text + "]}").encode()
    page = sketch.Reader(TREE).page(body, KIND)
    whole = json.loads(body)["items"]
    assert [listed.whole() for listed in page.items] == [
        {"apiVersion": KIND[0], "kind": KIND[1]} | item for item in whole
    ]
    odd = page.items[1]
    assert odd.sketch is odd.whole()  # the object stands whole as its own sketch


def test_a_page_msgspec_does_not_read_raises_what_json_raises() -> None:
    reader = sketch.Reader(TREE)
    with pytest.raises(json.JSONDecodeError):
        reader.page(b'{"items": [', KIND)
    with pytest.raises(AttributeError):  # a page that is no object, as json.loads gives it
        reader.page(b"[1, 2]", KIND)
    page = reader.page(b'{"items": [{"a": NaN}, 3, "x"], "metadata": {}}', KIND)
    assert page.count == 3 and len(page.items) == 1 and math.isnan(page.items[0].sketch["a"])


def test_a_page_is_read_as_json_loads_reads_its_bytes() -> None:
    reader = sketch.Reader(TREE)
    # A byte that is no UTF-8, in a field no sketch decodes: refused as json.loads refuses it.
    bad = b'{"items": [{"metadata": {}, "status": {"x": "\xff"}}]}'
    with pytest.raises(UnicodeDecodeError):
        json.loads(bad)
    with pytest.raises(UnicodeDecodeError):
        reader.page(bad, KIND)
    # Another encoding json.loads reads, and a UTF-8 surrogate it lets pass.
    for body in (
        '{"items": [{"metadata": {"namespace": "a"}}]}'.encode("utf-16"),
        b'{"items": [{"metadata": {"namespace": "\xed\xa0\x80"}}]}',
    ):
        page = reader.page(body, KIND)
        assert [listed.whole() for listed in page.items] == [
            {"apiVersion": KIND[0], "kind": KIND[1]} | item for item in json.loads(body)["items"]
        ]


def test_duplicate_keys_keep_the_last_as_json_does() -> None:
    body = b'{"items": [{"metadata": {"namespace": "a"}, "metadata": {"namespace": "b"}}]}'
    (listed,) = sketch.Reader(TREE).page(body, KIND).items
    assert listed.sketch["metadata"] == {"namespace": "b"} == listed.whole()["metadata"]


def test_trees_merge_into_what_either_names() -> None:
    one = {"metadata": {"namespace": ...}, "spec": [{"a": ...}]}
    other = {"spec": [{"b": {"c": ...}}], "status": ...}
    assert sketch.merged(one, other) == {
        "metadata": {"namespace": ...},
        "spec": [{"a": ..., "b": {"c": ...}}],
        "status": ...,
    }
    assert sketch.merged({"a": {"b": ...}}, {"a": ...}) == {"a": ...}
    with pytest.raises(ValueError, match="different shapes"):
        sketch.merged({"a": [...]}, {"a": {"b": ...}})
