"""A page of a list decoded in part: of each object, only what the scan looks at first.

This module owns decoding the pages of the workload lists. A scan keeps about
one object in a hundred, and building every other one in full, to look at a few
fields of it, was most of the cost of reading a page. So each object of a page
is kept as its raw JSON, and only the fields that a *field tree* names are
decoded (msgspec, with a schema made from the tree): the object's **sketch**.
The whole object is decoded, by the standard library's JSON reader as every
other answer is, only when the scan asks for it (:meth:`Listed.whole`).

A field tree names fields by key: a mapping of keys to the trees of their
values, a list of one tree (every item of a list), or :data:`ANY` (the value
as it is). The sketch of an object is exactly the part the tree names: values of
the shape the tree names, or null, are kept (a key that is missing stays
missing); anything else, and anything msgspec reads differently from Python's
reader (NaN, a lone surrogate), makes the object stand whole as its own
sketch, and a page msgspec does not read is decoded whole. What the scan
decides from a sketch it must decide from the whole object alike: the owner of
the tree holds its readers to that (``tests/plan/test_classify.py``), and
``tests/sources/test_sketch.py`` holds the decoder to a reference of that part
(``tests/support/sketches.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional, TypeAlias, TypedDict

import msgspec

ANY: Any = ...  # a leaf of a field tree: the value as it is
Tree: TypeAlias = Any  # Mapping[str, Tree] | list[Tree] (of one) | ANY


def merged(one: Tree, other: Tree) -> Tree:
    """The field tree that names what either tree names."""
    if one is ANY or other is ANY:
        return ANY
    if isinstance(one, Mapping) and isinstance(other, Mapping):
        keys = [*one, *(key for key in other if key not in one)]
        return {
            key: merged(one[key], other[key])
            if key in one and key in other
            else one.get(key, other.get(key))
            for key in keys
        }
    if isinstance(one, list) and isinstance(other, list):
        return [merged(one[0], other[0])]
    raise ValueError(f"field trees of different shapes: {one!r}, {other!r}")


Kind: TypeAlias = tuple[str, str]  # the apiVersion and kind of a list's objects


class Listed:
    """One object of a page: its sketch, and the whole object on demand, with the
    ``apiVersion`` and ``kind`` of its list where it has none of its own."""

    __slots__ = ("_kind", "_raw", "_whole", "sketch")

    def __init__(self, sketch: dict[str, Any], kind: Kind, raw: msgspec.Raw | None = None) -> None:
        self.sketch = sketch
        self._kind = kind
        self._raw = raw
        self._whole: dict[str, Any] | None = None
        if raw is None:
            self._whole = _kinded(sketch, kind)

    def whole(self) -> dict[str, Any]:
        """The whole object, as ``json.loads`` reads it."""
        if self._whole is None:
            whole = json.loads(bytes(self._raw or b""))
            assert type(whole) is dict  # its sketch was decoded from a JSON object
            self._whole = _kinded(whole, self._kind)
        return self._whole


def _kinded(whole: dict[str, Any], kind: Kind) -> dict[str, Any]:
    whole.setdefault("apiVersion", kind[0])
    whole.setdefault("kind", kind[1])
    return whole


@dataclass(frozen=True)
class Page:
    """A decoded page: the list's ``metadata`` and its objects (those that are JSON
    objects, of ``count`` items in all)."""

    metadata: Any
    items: list[Listed]
    count: int


# Types made at run time, for msgspec to read: TypedDict, Optional and list called as
# functions of what the tree holds.
_typed_dict: Any = TypedDict
_optional: Any = Optional
_list: Any = list


class _Page(TypedDict, total=False):
    metadata: Any
    items: list[msgspec.Raw] | None


def _schema(tree: Tree, name: str, top: bool = False) -> Any:
    """The msgspec type of the values ``tree`` fits: null allowed but at the top."""
    if tree is ANY:
        return Any
    if isinstance(tree, Mapping):
        fields = {key: _schema(sub, f"{name}_{i}") for i, (key, sub) in enumerate(tree.items())}
        made = _typed_dict(name, fields, total=False)
        return made if top else _optional[made]
    return _optional[_list[_schema(tree[0], f"{name}_item")]]


class Reader:
    """Pages decoded with the sketches of their objects for one field tree."""

    def __init__(self, tree: Tree) -> None:
        self._sketch = msgspec.json.Decoder(_schema(tree, "Sketch", top=True))

    def page(self, body: bytes, kind: Kind) -> Page:
        """``body`` decoded; raises what ``json.loads`` raises on it."""
        try:
            # As text first: a byte that is no UTF-8 would otherwise pass in a part of an
            # object not decoded (json.loads refuses the page; it also reads other
            # encodings, and UTF-8 surrogates).
            page = _PAGE.decode(body.decode("utf-8"))
        except (UnicodeDecodeError, msgspec.MsgspecError):
            return whole_page(body, kind)
        decode: Callable[[msgspec.Raw], dict[str, Any]] = self._sketch.decode
        items: list[Listed] = []
        raws = page.get("items") or ()
        for raw in raws:
            try:
                items.append(Listed(decode(raw), kind, raw))
            except msgspec.MsgspecError:  # not of the tree's shape: whole
                whole = json.loads(bytes(raw))
                if type(whole) is dict:
                    items.append(Listed(whole, kind))
        return Page(page.get("metadata"), items, len(raws))


_PAGE = msgspec.json.Decoder(_Page)


def whole_page(body: bytes | str, kind: Kind) -> Page:
    """``body`` decoded whole, by ``json.loads``: each object its own sketch."""
    page: Any = json.loads(body)
    items = page.get("items") or []
    listed = [Listed(item, kind) for item in items if type(item) is dict]
    return Page(page.get("metadata"), listed, len(items))
