"""The difference model of reports: one change per key, dotted path, old → new.

This module owns turning two configurations into an ordered list of
:class:`Change` records. deepdiff finds the differences (types count: ``768``
and ``768.0`` and ``"768"`` are three values); the records keep only what a
reader needs, in the order the keys appear in the configuration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.engine.evaluate import Path, format_path

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"

_KINDS = {
    "values_changed": CHANGED,
    "type_changes": CHANGED,
    "dictionary_item_added": ADDED,
    "iterable_item_added": ADDED,
    "dictionary_item_removed": REMOVED,
    "iterable_item_removed": REMOVED,
}


@dataclass(frozen=True)
class Change:
    """One key whose value differs; ``old`` is unset for ADDED, ``new`` for REMOVED."""

    path: Path
    change: str
    old: Any = None
    new: Any = None

    @property
    def dotted(self) -> str:
        return format_path(self.path)


def changes(old: Any, new: Any) -> list[Change]:
    """Every key whose value differs between ``old`` and ``new``, in document order."""
    from deepdiff import DeepDiff
    from deepdiff.path import parse_path

    found: list[Change] = []
    # The text view: the tree view folds together additions with equal values. Leaves
    # are compared as typed text: deepdiff takes False for 0 and 1 for 1.0 inside lists.
    leaves: dict[str, Any] = {}
    diff = DeepDiff(_encode(old, leaves), _encode(new, leaves), verbose_level=2)
    for report_type, items in diff.items():
        kind = _KINDS.get(report_type)
        if kind is None:
            raise ValueError(f"unexpected difference of type {report_type}")
        for where, detail in items.items():
            path: Path = tuple(parse_path(where))  # type: ignore[no-untyped-call]
            if kind == CHANGED:
                before = _decode(detail["old_value"], leaves)
                after = _decode(detail["new_value"], leaves)
                if isinstance(before, Mapping) and isinstance(after, Mapping):
                    # deepdiff replaces an empty mapping whole; report it key by key.
                    found += _by_key(path, before, after)
                else:
                    found.append(Change(path, kind, old=before, new=after))
            elif kind == ADDED:
                found.append(Change(path, kind, new=_decode(detail, leaves)))
            else:
                found.append(Change(path, kind, old=_decode(detail, leaves)))
    order = {path: index for index, path in enumerate(_paths(new))}
    order.update({p: len(order) + i for i, p in enumerate(_paths(old)) if p not in order})
    return sorted(found, key=lambda c: (order.get(c.path, len(order)), c.dotted))


_TAG = "\x00migrate:"


def _encode(tree: Any, leaves: dict[str, Any]) -> Any:
    """Every leaf as text naming its type and value; ``leaves`` maps the text back."""
    if isinstance(tree, Mapping):
        return {key: _encode(value, leaves) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_encode(value, leaves) for value in tree]
    text = f"{_TAG}{type(tree).__name__}:{tree!r}"
    leaves.setdefault(text, tree)
    return text


def _decode(tree: Any, leaves: Mapping[str, Any]) -> Any:
    if isinstance(tree, Mapping):
        return {key: _decode(value, leaves) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_decode(value, leaves) for value in tree]
    return leaves[tree]


def _by_key(path: Path, old: Mapping[Any, Any], new: Mapping[Any, Any]) -> list[Change]:
    found = [Change((*path, key), REMOVED, old=old[key]) for key in old if key not in new]
    found += [Change((*path, key), ADDED, new=new[key]) for key in new if key not in old]
    for key in old:
        if key in new:
            found += [
                Change((*path, key, *c.path), c.change, c.old, c.new)
                for c in changes(old[key], new[key])
            ]
    return found


def _paths(tree: Any, path: Path = ()) -> Iterator[Path]:
    yield path
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from _paths(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, (*path, index))
