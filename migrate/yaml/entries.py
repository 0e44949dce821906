"""Leaving mapping entries out of a document's text, every other byte kept.

This module owns removing entries (a key and its value) from the mappings of
one YAML document by splicing its text (:mod:`migrate.yaml.splice`) at the
positions the composer reports. An entry of a block mapping goes as whole
lines, from its key's line through the last line its value takes (with an
end-of-line comment there); comment and blank lines around it stay. Entries
of a flow mapping (JSON) go with the commas that separate them from the
entries kept. The caller checks what the new text loads as: an entry reached
through an alias or a merge key is not where the path says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml as pyyaml

from migrate.model import Path
from migrate.yaml import load, spans
from migrate.yaml.lines import Lines
from migrate.yaml.splice import Splice, apply


class Unremovable(ValueError):
    """An entry the text does not hold where its path says, or not on lines of its own."""


def remove(text: str, paths: Sequence[Path]) -> str:
    """``text`` without the mapping entry at each of ``paths`` (keys from the root; no path
    inside another); raises :class:`Unremovable` when one cannot be cut out of the text."""
    root = load.compose(text)
    lines = Lines(text)
    removed: dict[int, tuple[Any, set[int]]] = {}  # id of a mapping node → node, entry indices
    for path in paths:
        mapping, index = _entry(root, path)
        removed.setdefault(id(mapping), (mapping, set()))[1].add(index)
    splices: list[Splice] = []
    for mapping, indices in removed.values():
        if mapping.flow_style:
            splices += _flow(mapping, sorted(indices))
        else:
            splices += [_block(lines, mapping.value[index]) for index in sorted(indices)]
    return apply(text, splices)


def _entry(root: Any, path: Path) -> tuple[Any, int]:
    """The mapping node holding the entry at ``path``, and the entry's index in it."""
    node = root
    for depth, step in enumerate(path):
        if not isinstance(node, pyyaml.MappingNode):
            raise Unremovable(f"{'.'.join(map(str, path[:depth])) or 'the root'} is no mapping")
        found = [
            index
            for index, (key, _) in enumerate(node.value)
            if isinstance(key, pyyaml.ScalarNode) and key.value == step
        ]
        if len(found) != 1:
            raise Unremovable(f"{'.'.join(map(str, path[: depth + 1]))} is not written once")
        if depth == len(path) - 1:
            return node, found[0]
        node = node.value[found[0]][1]
    raise Unremovable("an empty path names no entry")


def _block(lines: Lines, entry: tuple[Any, Any]) -> Splice:
    """The lines of one block mapping entry, as a splice that removes them."""
    key, value = entry
    first = key.start_mark.line
    if lines.text[lines.start(first) : key.start_mark.index].strip(" \t\ufeff"):
        raise Unremovable(f"line {first + 1}: the key does not start its line")
    last = max(first, spans.last_line(value))
    return Splice(lines.start(first), lines.after(last), "")


def _flow(mapping: Any, indices: list[int]) -> list[Splice]:
    """Splices that remove the entries at ``indices`` of a flow mapping with their commas:
    each run of removed entries up to the next entry kept, or from the one before it."""
    pairs = mapping.value
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    splices: list[Splice] = []
    for run in runs:
        first, last = run[0], run[-1]
        if last + 1 < len(pairs):
            start, end = pairs[first][0].start_mark.index, pairs[last + 1][0].start_mark.index
        elif first > 0:
            start, end = pairs[first - 1][1].end_mark.index, pairs[last][1].end_mark.index
        else:
            start, end = pairs[first][0].start_mark.index, pairs[last][1].end_mark.index
        splices.append(Splice(start, end, ""))
    return splices
