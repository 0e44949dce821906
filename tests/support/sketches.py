"""The reference of a sketch: the part of an object that a field tree names.

``migrate.sources.sketch`` decodes this part of each listed object with msgspec;
the tests hold it, and the recogniser's verdict on it, to this plain reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.sources.sketch import ANY, Tree


class Unfit(Exception):
    """A value is not of the shape the field tree names."""


def prune(value: Any, tree: Tree) -> Any:
    """The part of ``value`` that ``tree`` names; raises :class:`Unfit`."""
    if tree is ANY or value is None:
        return value
    if isinstance(tree, Mapping):
        if type(value) is not dict:
            raise Unfit
        return {key: prune(value[key], sub) for key, sub in tree.items() if key in value}
    if type(value) is not list:
        raise Unfit
    return [prune(item, tree[0]) for item in value]
