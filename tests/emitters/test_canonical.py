"""Text the fast writer wrote, patched by writing it anew: the patcher's bytes, or nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from migrate.emit import canonical, textpatch
from migrate.model import Edit, InsertItem, RemoveItems
from migrate.sources.context import to_document
from migrate.yaml import fastwrite

# Words both writers spell alike, words they spell otherwise (plain or quoted: "500m",
# "--port"), and now and then one the fast writer leaves to ruamel ("a: b").
_ALIKE = st.sampled_from(
    ["name", "value", "env", "a", "x-y", "/etc/z.yaml", "nginx:1.25", "a  b", "it's", "true",
     "null", "~", "0x1f", "012", "1:20", "=", "<<", "-1", "8080", "${env.A:=b}"]
)  # fmt: skip
_UNLIKE = st.sampled_from(["500m", "1Gi", "-x", "--port", "1.2.3", "-.nan", "a: b", ""])
_STRINGS = st.integers(0, 15).flatmap(lambda i: _UNLIKE if i == 0 else _ALIKE)
_SCALARS = st.integers(0, 19).flatmap(
    lambda i: st.none() if i == 0 else _STRINGS | st.integers(-5, 99) | st.booleans()
)
_ITEM = st.dictionaries(_STRINGS, _SCALARS, min_size=1, max_size=3)
_DATA = st.recursive(
    _SCALARS | _ITEM,
    lambda inner: (
        st.dictionaries(_STRINGS, inner, max_size=3) | st.lists(_ITEM | _SCALARS, max_size=3)
    ),
    max_leaves=8,
)
_TREES = st.dictionaries(_STRINGS, _DATA, min_size=1, max_size=4)


def _targets(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every mapping and list under ``node``."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += _targets(value, (*path, key))
    elif isinstance(node, list):
        found.append((path, node))
        for index, value in enumerate(node):
            found += _targets(value, (*path, index))
    return found


@st.composite
def _edits(draw: st.DrawFn, data: dict[str, Any]) -> list[Edit]:
    edits: list[Edit] = []
    for path, value in draw(
        st.lists(st.sampled_from(_targets(data)), min_size=1, max_size=3, unique_by=id)
    ):
        if isinstance(value, dict):  # a sequence under a key: new, null, or one there
            key = draw(st.sampled_from(list(value)) | _STRINGS) if value else draw(_STRINGS)
            current = value.get(key)
            if isinstance(current, list):
                path, value = (*path, key), current
            elif current is None:
                for _ in range(draw(st.integers(1, 2))):
                    edits.append(InsertItem((*path, key), 0, draw(_ITEM | _DATA)))
                continue
            else:
                continue
        if not path or not isinstance(path[-1], str):
            continue
        removed = draw(st.sets(st.integers(0, len(value) - 1))) if value else set()
        if removed:
            edits.append(RemoveItems(path, tuple(sorted(removed))))
        for _ in range(draw(st.integers(0, 2))):
            edits.append(InsertItem(path, draw(st.integers(0, len(value))), draw(_ITEM | _DATA)))
    return edits


@settings(max_examples=400, deadline=None)
@given(_TREES, st.data())
def test_the_shortcut_gives_the_patchers_bytes_or_nothing(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    text = fastwrite.dump(data)
    assume(text is not None)
    assert text is not None
    edits = draw.draw(_edits(data))
    shortcut = canonical.apply_edits(text, data, edits)
    event("shortcut" if shortcut is not None else "left to the patcher")
    if shortcut is not None:
        assert shortcut == textpatch.apply_edits(text, edits)


def test_a_workload_read_from_a_cluster_takes_the_shortcut() -> None:
    document = to_document(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "llama", "namespace": "ai"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "llama-stack",
                                "image": "llamastack/distribution-starter:0.3.3",
                                "env": [
                                    {"name": "VECTOR_STORE_DEFAULT_PROVIDER", "value": "milvus"},
                                    {"name": "HOME", "value": "/root"},
                                ],
                            }
                        ]
                    }
                }
            },
        },
        "main",
    )
    container = ("spec", "template", "spec", "containers", 0)
    edits: list[Edit] = [
        RemoveItems((*container, "env"), (0,)),
        InsertItem((*container, "env"), 0, {"name": "RUN_CONFIG_PATH", "value": "/etc/x.yaml"}),
        InsertItem((*container, "volumeMounts"), 0, {"name": "config", "readOnly": True}),
        InsertItem(("spec", "template", "spec", "volumes"), 0, {"configMap": {"name": "1-c"}}),
    ]
    expected = textpatch.apply_edits(document.text, edits)
    assert canonical.apply_edits(document.text, document.data, edits) is None  # "1-c"
    edits[-1] = InsertItem(("spec", "template", "spec", "volumes"), 0, {"name": "config"})
    expected = textpatch.apply_edits(document.text, edits)
    assert canonical.apply_edits(document.text, document.data, edits) == expected
    assert expected.exact


def test_where_the_writers_part_it_is_left_to_the_patcher() -> None:
    data = {"a": {"env": [{"name": "X"}], "empty": [], "n": None, "one": 1}, "b": {}}
    text = fastwrite.dump(data)
    assert text is not None
    cases: list[list[Edit]] = [
        [RemoveItems(("a", "env"), (0,))],  # emptied: the patcher writes "[]" on its own line
        [InsertItem(("a", "empty"), 0, "x")],  # "[]" is flow text, filled as such
        [InsertItem(("b", "new"), 0, "x")],  # "{}" too
        [InsertItem(("a", "env"), 0, {"name": None})],  # null: "null" or nothing
        [InsertItem(("a", "env"), 0, {"name": "1.2.3"})],  # quoted by one, plain by the other
        [InsertItem(("a", "env"), 0, 1.5)],
        [InsertItem(("a", "one"), 0, "x")],  # no sequence there: the patcher's error
    ]
    for case in cases:
        assert canonical.apply_edits(text, data, case) is None
    edits: list[Edit] = [
        InsertItem(("a", "n"), 0, "x"),
        RemoveItems(("a", "env"), (0,)),
        InsertItem(("a", "env"), 1, "y"),
    ]
    assert canonical.apply_edits(text, data, edits) == textpatch.apply_edits(text, edits)
    assert canonical.apply_edits(text + "# a comment\n", data, edits) is None
    # A null item ("- ") last in a mapping that gets a key.
    nulls = {"t": {"value": "name", "env": [None]}}
    text = fastwrite.dump(nulls)
    assert text is not None
    edits = [InsertItem(("t", "name"), 0, "name")]
    assert canonical.apply_edits(text, nulls, edits) == textpatch.apply_edits(text, edits)
