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

    found: list[Change] = []
    diff = DeepDiff(old, new, verbose_level=2)
    for report_type, items in diff.tree.items():
        kind = _KINDS.get(report_type)
        if kind is None:
            raise ValueError(f"unexpected difference of type {report_type}")
        for item in items:
            path: Path = tuple(item.path(output_format="list"))
            if kind == CHANGED and isinstance(item.t1, Mapping) and isinstance(item.t2, Mapping):
                # deepdiff replaces an empty mapping whole; report it key by key.
                found += _by_key(path, item.t1, item.t2)
                continue
            found.append(
                Change(
                    path,
                    kind,
                    old=None if kind == ADDED else item.t1,
                    new=None if kind == REMOVED else item.t2,
                )
            )
    order = {path: index for index, path in enumerate(_paths(new))}
    order.update({p: len(order) + i for i, p in enumerate(_paths(old)) if p not in order})
    return sorted(found, key=lambda c: (order.get(c.path, len(order)), c.dotted))


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
