"""The difference model of reports: one change per key, dotted path, old → new.

This module owns turning two configurations into an ordered list of
:class:`Change` records. deepdiff finds the differences (types count: ``768``
and ``768.0`` and ``"768"`` are three values); the records keep only what a
reader needs, in the order the keys appear in the configuration. Workloads of
one run mostly differ from the chart defaults alike: on the fast path what
deepdiff finds is kept for each pair of differing parts, by their
:func:`~migrate.yaml.io.identity`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate import fastpath
from migrate.engine.evaluate import format_path
from migrate.model import Path
from migrate.yaml.io import identity, same

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


# Differences worked out ahead (:func:`ahead`), by the ids of the two trees, which they
# hold so that the ids stay theirs: [old, new, changes, how many calls are to take them].
# Workloads with the same values share their run.yaml; each takes them once.
_AHEAD: dict[tuple[int, int], list[Any]] = {}
_AHEAD_LOCK = threading.Lock()

# What deepdiff found, unordered, by the identities of the two trees' differing parts.
_FOUND: dict[tuple[object, object], tuple[Change, ...]] = {}
_MAX_FOUND = 4096


def ahead(old: Any, new: Any) -> None:
    """Work out ``changes(old, new)`` now, on a thread with time to spare (a scan's
    planner while the lists are read), for one later call with these very trees."""
    with _AHEAD_LOCK:
        if _taken_again(old, new):
            return
    remember(old, new, _changes(old, new))


def remember(old: Any, new: Any, found: list[Change]) -> None:
    """``found`` are ``changes(old, new)``, worked out elsewhere (a scan's second process):
    one later call with these very trees takes them."""
    with _AHEAD_LOCK:
        if not _taken_again(old, new):
            _AHEAD[(id(old), id(new))] = [old, new, found, 1]


def _taken_again(old: Any, new: Any) -> bool:
    """Whether the differences of these very trees are kept already, now for one more
    call (the caller holds the lock)."""
    known = _AHEAD.get((id(old), id(new)))
    if known is None or known[0] is not old or known[1] is not new:
        return False
    known[3] += 1
    return True


def changes(old: Any, new: Any) -> list[Change]:
    """Every key whose value differs between ``old`` and ``new``, in document order."""
    if _AHEAD:
        with _AHEAD_LOCK:
            key = (id(old), id(new))
            known = _AHEAD.get(key)
            if known is not None and known[0] is old and known[1] is new:
                known[3] -= 1
                if not known[3]:
                    del _AHEAD[key]
                return list(known[2])
    return _changes(old, new)


def _changes(old: Any, new: Any) -> list[Change]:
    old_part, new_part = _unequal(old, new)
    key = (identity(old_part), identity(new_part)) if fastpath.enabled() else (None, None)
    found = _FOUND.get(key) if None not in key else None
    if found is None:
        found = tuple(_differences(old_part, new_part))
        if None not in key and len(_FOUND) < _MAX_FOUND:
            _FOUND[key] = found
    return sorted(found, key=lambda c: (_position(c.path, new, old), c.dotted))


def prepare() -> None:
    """Import deepdiff now (a few hundredths of a second), for a caller with time to spare
    before its first difference: a scan's planner, while the first pages are on their way."""
    import deepdiff.path  # noqa: F401  (and deepdiff with it)


def _differences(old_part: Any, new_part: Any) -> list[Change]:
    """What deepdiff finds between the differing parts of two trees, in its order."""
    from deepdiff import DeepDiff
    from deepdiff.path import parse_path

    found: list[Change] = []
    # The text view: the tree view folds together additions with equal values. Leaves
    # are compared as typed text: deepdiff takes False for 0 and 1 for 1.0 inside lists.
    leaves: dict[str, Any] = {}
    diff = DeepDiff(_encode(old_part, leaves), _encode(new_part, leaves), verbose_level=2)
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
    return found


def _unequal(old: Any, new: Any) -> tuple[Any, Any]:
    """Both trees without the mapping entries they share unchanged.

    deepdiff finds nothing in those entries; leaving them out spares it walking
    a whole run.yaml to find the few keys a plan changed. Lists stay whole, so
    every index is the index in the full tree.
    """
    if not (isinstance(old, Mapping) and isinstance(new, Mapping)):
        return old, new
    old_part: dict[Any, Any] = {}
    new_part: dict[Any, Any] = {}
    for key, value in old.items():
        if key not in new:
            old_part[key] = value
        elif not same(value, new[key]):
            old_part[key], new_part[key] = _unequal(value, new[key])
    for key, value in new.items():
        if key not in old:
            new_part[key] = value
    return old_part, new_part


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


def _position(path: Path, new: Any, old: Any) -> tuple[int, tuple[int, ...]]:
    """Where ``path`` stands in document order: in ``new`` if it is there, else in ``old``
    (after everything of ``new``)."""
    found = _steps(path, new)
    if found is not None:
        return 0, found
    found = _steps(path, old)
    return (1, found) if found is not None else (2, ())


def _steps(path: Path, tree: Any) -> tuple[int, ...] | None:
    """The position of each step of ``path`` among its siblings; None if not in ``tree``."""
    steps: list[int] = []
    node = tree
    for step in path:
        if isinstance(node, Mapping) and step in node:
            steps.append(list(node).index(step))
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            steps.append(step)
        else:
            return None
        node = node[step]
    return tuple(steps)
