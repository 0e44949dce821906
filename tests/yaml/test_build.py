"""The shortcut past PyYAML's constructor (``migrate/yaml/build.py``) builds what it builds.

Each reader of the project that goes through it (PyYAML's safe reading, the
run.yaml reader, the manifest reader) reads drawn documents twice: as users
run it, and with ``MIGRATE_FULL_PATH=1``, where PyYAML's constructor builds
every document. The data (types included), which objects are shared by
anchors, and any error must be the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import fastpath
from migrate.errors import InputError
from migrate.yaml import load

READERS: dict[str, Callable[[str], Any]] = {
    "safe": load.load_safe,
    "run.yaml": lambda text: load.load_run_yaml(text, "run.yaml"),
    "manifest": load.load_manifest,
}

# Pieces of YAML that take each way: plain scalars of every core type, quoted ones,
# tags, anchors and aliases, merge keys, keys twice, keys that are collections.
_SCALARS = st.sampled_from(
    [
        "a", "'1'", '"x\\ty"', "1", "0x1f", "017", "1_000", "1:20", "-0", "1.5", ".inf",
        "-.NaN", "1e3", "true", "yes", "Off", "~", "null", "", "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "!!str 1", "!!int '7'", "!!float 1", "!!binary aGVsbG8=", "!!bool yes", "!!null ''",
        "=", "!!timestamp 2002-12-14", "<<", "!custom x", "'${env.A:=b}'",
    ]
)  # fmt: skip
_KEYS = st.sampled_from(["a", "b", "1", "true", "~", "=", "2001-12-14", "1.5", '"a"', "? [x]"])


def _block(draw: Any, depth: int, indent: str) -> list[str]:
    """A block mapping at ``indent``, with anchors, aliases and merge keys among its values."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(_KEYS)
        head = f"{indent}{key}:" if not key.startswith("?") else f"{indent}{key}\n{indent}:"
        choice = draw(st.integers(0, 6 if depth < 3 else 2))
        if choice <= 2:
            lines.append(f"{head} {draw(_SCALARS)}".rstrip())
        elif choice == 3:
            lines.append(f"{head} &{draw(st.sampled_from('pq'))}")
            lines += _block(draw, depth + 1, indent + "  ")
        elif choice == 4:
            lines.append(f"{head} *{draw(st.sampled_from('pq'))}")
        elif choice == 5:
            lines.append(f"{indent}<<: *{draw(st.sampled_from('pq'))}")
        else:
            lines.append(head)
            for _ in range(draw(st.integers(1, 2))):
                lines.append(f"{indent}- {draw(_SCALARS)}".rstrip())
            if draw(st.booleans()):
                lines.append(f"{indent}- {{k: [1, *p], j: !!set {{x}}}}")
    return lines


@st.composite
def _documents(draw: Any) -> str:
    return "\n".join(_block(draw, 0, "")) + "\n"


def _read(reader: Callable[[str], Any], text: str) -> tuple[str, Any]:
    try:
        return "data", reader(text)
    except (yaml.YAMLError, InputError, TypeError, ValueError, RecursionError) as error:
        return "error", f"{type(error).__name__}: {error}"


def _written(data: Any) -> str:
    """The data as PyYAML writes it: types, order, and shared (or recursive) objects as
    anchors, so that equal text means the same data shared alike."""
    return yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False)


@settings(max_examples=500, deadline=None)
@given(_documents(), st.sampled_from(sorted(READERS)))
def test_the_shortcut_builds_what_pyyaml_builds(text: str, reader: str) -> None:
    fast = _read(READERS[reader], text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(fastpath.ENV, "1")
        full = _read(READERS[reader], text)
    assert fast[0] == full[0], (fast, full)
    if fast[0] == "error":
        assert fast[1] == full[1]
    else:
        assert _written(fast[1]) == _written(full[1])


def test_the_shortcut_is_taken_for_plain_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain document is built without PyYAML's constructor; its own calls are counted."""
    calls: list[str] = []
    original = yaml.constructor.BaseConstructor.construct_document

    def counted(self: Any, node: Any) -> Any:
        calls.append(type(self).__name__)
        return original(self, node)

    monkeypatch.setattr(yaml.constructor.BaseConstructor, "construct_document", counted)
    text = "a: [1, 2.5, true, ~, x]\nb: &s {c: d}\ne: *s\n"
    for reader in READERS.values():
        data = reader(text)
        assert data["e"] is data["b"]
    assert calls == []
    READERS["safe"]("a: !!set {x}\n")  # another tag: PyYAML's constructor
    assert len(calls) == 1


@settings(max_examples=200, deadline=None)
@given(_documents())
def test_data_built_from_a_node_graph_leaves_it_as_it_was(text: str) -> None:
    """The patcher reads a text once: its node graph, then the data built from that graph,
    which must stay as composed (PyYAML's constructor flattens merge keys in place)."""
    try:
        root = load.compose(text)
        expected = _read(load.load_safe, text)
    except yaml.YAMLError:
        return
    before = yaml.serialize(root, Dumper=yaml.SafeDumper)
    try:
        built, data = load.load_safe_node(root)
    except yaml.YAMLError as error:
        built, data = True, error
    assert yaml.serialize(root, Dumper=yaml.SafeDumper) == before
    if built and not isinstance(data, yaml.YAMLError):
        assert expected[0] == "data"
        assert _written(data) == _written(expected[1])
    elif built:
        assert expected == ("error", f"{type(data).__name__}: {data}")
