"""Helm-aware overlays: what to put in a values file so the chart renders a given run.yaml.

This module owns Helm's merge of user values into chart defaults (maps merge
key by key, lists and scalars are replaced whole, ``null`` deletes a key), the
minimal overlay that turns the chart's defaults into a desired configuration,
the three-way merge that separates env-caused changes from chart-default
drift, and the rules for which values survive Helm's trip through JSON and
``toYaml`` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.model import Path
from migrate.yaml.io import same
from migrate.yaml.scalars import plain_is_safe_text, plain_is_string


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        # Unpickled as this module's one MISSING, so that ``is MISSING`` still holds.
        return "MISSING"


MISSING: Any = _Missing()

# Go's JSON numbers are float64: integers beyond this lose digits.
_LARGEST_EXACT_INT = 2**53


@dataclass(frozen=True)
class Conflict:
    """A key where both the pod's env and the chart's defaults moved away from the template."""

    path: Path
    chart: Any
    env: Any


def merge3(base: Any, ours: Any, theirs: Any, conflicts: list[Conflict], path: Path = ()) -> Any:
    """Combine env-caused changes (``base`` → ``ours``) with chart changes (``base`` → ``theirs``).

    Where only the chart moved, the chart's value is taken; where only the env
    did, the env's; where both did, maps and equal-length lists are combined
    item by item and anything else keeps the env's value (a ``Conflict``).
    ``MISSING`` stands for an absent key on any side.
    """
    if same_or_missing(ours, base):
        return theirs
    if same_or_missing(theirs, base) or same_or_missing(theirs, ours):
        return ours
    if all(isinstance(v, Mapping) for v in (base, ours, theirs)):
        result: dict[Any, Any] = {}
        keys = list(theirs.keys()) + [k for k in ours if k not in theirs]
        for key in keys:
            value = merge3(
                base.get(key, MISSING),
                ours.get(key, MISSING),
                theirs.get(key, MISSING),
                conflicts,
                (*path, key),
            )
            if value is not MISSING:
                result[key] = value
        return result
    if all(isinstance(v, list) for v in (base, ours, theirs)) and (
        len(base) == len(ours) == len(theirs)
    ):
        return [
            merge3(b, o, t, conflicts, (*path, index))
            for index, (b, o, t) in enumerate(zip(base, ours, theirs, strict=True))
        ]
    conflicts.append(Conflict(path=path, chart=theirs, env=ours))
    return ours


def get_exact(tree: Any, path: Path) -> Any:
    """The value at ``path`` (mapping keys, list indices), or MISSING."""
    for part in path:
        inside = (isinstance(tree, Mapping) and part in tree) or (
            isinstance(tree, list) and isinstance(part, int) and 0 <= part < len(tree)
        )
        if not inside:
            return MISSING
        tree = tree[part]
    return tree


def differences(
    before: Any,
    after: Any,
    equal: Callable[[Any, Any], bool] | None = None,
    path: Path = (),
) -> list[tuple[Path, Any, Any]]:
    """Leaf-level differences between two configurations (MISSING for absent keys); maps
    compare key by key, equal-length lists item by item, anything else with ``equal``
    (default :func:`same_or_missing`)."""
    if before is after:
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[tuple[Path, Any, Any]] = []
        for key in list(before) + [k for k in after if k not in before]:
            found += differences(
                before.get(key, MISSING), after.get(key, MISSING), equal, (*path, key)
            )
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            found += differences(b, a, equal, (*path, index))
        return found
    if (equal or same_or_missing)(before, after):
        return []
    old_ids, new_ids = _by_provider(before), _by_provider(after)
    if old_ids is not None and new_ids is not None:
        # Provider lists of another length pair up by provider_id, so that a changed key
        # of one provider is still found at its own path (indices of ``after``).
        found = []
        for key, index in new_ids.items():
            old = before[old_ids[key]] if key in old_ids else MISSING
            found += differences(old, after[index], equal, (*path, index))
        if set(old_ids) - set(new_ids):
            found.append((path, before, after))  # a provider went away: the list itself
        return found
    return [(path, before, after)]


def _by_provider(items: Any) -> dict[str, int] | None:
    """provider_id → index, for a list of providers with distinct ids; else None."""
    if not isinstance(items, list):
        return None
    ids: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.get("provider_id") if isinstance(item, Mapping) else None
        if not isinstance(key, str) or key in ids:
            return None
        ids[key] = index
    return ids


def set_exact(tree: Any, path: Path, value: Any) -> Any:
    """``tree`` with ``value`` at ``path`` (MISSING removes the key), copied along the path
    only: the rest stays shared."""
    if not path:
        return value
    if value is MISSING and get_exact(tree, path) is MISSING:
        return tree
    head, rest = path[0], path[1:]
    if isinstance(tree, list) and isinstance(head, int):
        changed = list(tree)
        changed[head] = set_exact(tree[head], rest, value)
        return changed
    changed_map = dict(tree)
    inner = set_exact(tree.get(head, MISSING), rest, value) if rest else value
    if inner is MISSING:
        changed_map.pop(head, None)
    else:
        changed_map[head] = inner
    return changed_map


def same_or_missing(left: Any, right: Any) -> bool:
    """``same`` that also knows ``MISSING``."""
    if left is MISSING or right is MISSING:
        return left is right
    return same(left, right)


def helm_merge(defaults: Any, overlay: Any) -> Any:
    """What Helm renders from ``defaults`` with the user values ``overlay`` on top."""
    if isinstance(defaults, Mapping) and isinstance(overlay, Mapping):
        result = dict(defaults)
        for key, value in overlay.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = helm_merge(result[key], value)
            else:
                result[key] = _drop_nulls(value)
        return result
    return overlay


def _drop_nulls(value: Any) -> Any:
    # A new map from the user loses its null keys too: there is nothing to delete, nothing set.
    if isinstance(value, Mapping):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    return value


def helm_diff(defaults: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest values overlay with ``helm_merge(defaults, overlay) == desired``."""
    overlay: dict[str, Any] = {}
    for key, value in desired.items():
        if key not in defaults:
            overlay[key] = value
        elif not same(defaults[key], value):
            current = defaults[key]
            if isinstance(current, Mapping) and isinstance(value, Mapping):
                overlay[key] = helm_diff(current, value)
            else:
                overlay[key] = value
    for key in defaults:
        if key not in desired:
            overlay[key] = None
    return overlay


def leaves(tree: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar of ``tree`` with its path; empty maps and lists count as scalars."""
    if isinstance(tree, Mapping) and tree:
        for key, value in tree.items():
            yield from leaves(value, (*path, key))
    elif isinstance(tree, list) and tree:
        for index, value in enumerate(tree):
            yield from leaves(value, (*path, index))
    else:
        yield path, tree


def helm_refusal(value: Any) -> str | None:
    """Why Helm cannot carry ``value`` from a values file into run.yaml unchanged, or None."""
    if value is None:
        return "a null cannot be set through Helm values (null deletes the key)"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > _LARGEST_EXACT_INT:
            return f"Helm carries numbers as float64 and {value} would lose digits"
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"{value!r} cannot be written in a Helm values file (values travel as JSON)"
        if value.is_integer():
            return f"Helm turns the whole float {value!r} into the integer {int(value)}"
        # toYaml writes floats in Go's shortest %g form; a one-digit mantissa in exponent
        # form ("1e-07") has no dot, and PyYAML reads that back as a string.
        digits = repr(abs(value)).split("e")[0].replace(".", "").strip("0")
        if len(digits) < 2 and not 1e-4 <= abs(value) < 1e6:
            return f"Helm's toYaml writes {value!r} in exponent form, which run.yaml reads as text"
        return None
    if isinstance(value, str):
        if not plain_is_safe_text(value):
            return (
                f"{value!r} holds control characters or Unicode line breaks, which Helm's "
                "toYaml does not write back unchanged"
            )
        if not plain_is_string(value):
            return (
                f"Helm's toYaml may write {value!r} unquoted, and run.yaml would then read "
                "it as another type"
            )
        return None
    if isinstance(value, Mapping | list):
        return None
    return f"values of type {type(value).__name__} cannot be carried by Helm"
