"""The patched manifest of a workload whose text is the fast writer's, written anew.

This module owns a shortcut of :mod:`migrate.emit.textpatch` (``fastpath``).
Where a workload's text is exactly what :mod:`migrate.yaml.fastwrite` writes
for its data (a workload a scan read from a cluster), patching the text in
place gives what the fast writer writes for the patched data, and that reads
back as the patched data (``tests/yaml/test_fastwrite.py``). So the text is
written anew, without the patcher's parse, style walk and proof. Only where
the two are known to agree: edits of block sequences that have items, a
sequence put under a key of a mapping that has entries, inserted values whose
every string both spell alike, with no null in them, and a sequence that keeps
or gets an item. Anything else is left to the patcher, which also raises what
is wrong with the edits. ``tests/emitters/test_canonical.py`` holds the
shortcut to the patcher's bytes on drawn data and edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrate.emit import textpatch
from migrate.model import Edit, InsertItem, RemoveItems
from migrate.yaml import fastwrite, scalars


def apply_edits(text: str, data: Any, edits: Sequence[Edit]) -> textpatch.Patched | None:
    """What :func:`textpatch.apply_edits` gives for ``text``, whose data is ``data``;
    None where this module cannot tell."""
    if not edits or not _agree(data, edits) or fastwrite.dump(data) != text:
        return None
    try:
        patched = textpatch.apply_edits_to_data(data, edits)
    except textpatch.PatchError:
        return None
    written = fastwrite.dump(patched)
    return textpatch.Patched(written, True) if written is not None else None


def _agree(data: Any, edits: Sequence[Edit]) -> bool:
    """Whether the patcher writes these edits of this data as the fast writer would."""
    removed: dict[tuple[Any, ...], int] = {}
    inserted: dict[tuple[Any, ...], int] = {}
    lengths: dict[tuple[Any, ...], int] = {}
    for edit in edits:
        target = _target(data, edit.path)
        if target is None:
            return False
        lengths[edit.path] = target
        if isinstance(edit, RemoveItems):
            if target == 0:  # nothing to remove: an error the patcher tells
                return False
            removed[edit.path] = removed.get(edit.path, 0) + len(set(edit.indices))
        elif isinstance(edit, InsertItem) and _spelled_alike(edit.value):
            inserted[edit.path] = inserted.get(edit.path, 0) + 1
        else:
            return False
    # The patcher writes an emptied sequence as "[]" on a line of its own.
    return all(count < lengths[path] or path in inserted for path, count in removed.items())


def _target(data: Any, path: tuple[Any, ...]) -> int | None:
    """The length of the block sequence at ``path`` (0: none yet, under a key of a
    mapping with entries); None where the two writers may part."""
    node = data
    for step in path[:-1]:
        in_list = type(node) is list and type(step) is int and 0 <= step < len(node)
        if not in_list and not (type(node) is dict and step in node):
            return None
        node = node[step]
    if type(node) is not dict or not node or not path or not _spelled_alike(path[-1]):
        return None
    value = node.get(path[-1])
    if value is None:
        return 0
    # An empty sequence is written "[]", which the patcher fills as flow text.
    return len(value) if type(value) is list and value else None


def _spelled_alike(value: Any) -> bool:
    """Whether the patcher spells every key and scalar of ``value`` as the fast writer."""
    if type(value) is str:
        return fastwrite.string_text(value) == scalars.scalar_text(value, False)
    if type(value) is dict:
        return all(_spelled_alike(k) and _spelled_alike(v) for k, v in value.items())
    if type(value) is list:
        return all(_spelled_alike(item) for item in value)
    return type(value) in (bool, int)
