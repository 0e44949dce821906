"""Python data built from a PyYAML node graph, as PyYAML's safe constructor builds it.

This module owns a shortcut past PyYAML's constructor, whose generic
machinery (a generator per mapping, state kept per node) costs more than
parsing does in C. :func:`build` gives exactly what ``construct_document``
gives for documents of plain mappings, sequences and the scalars of YAML's
core types, with anchors shared as PyYAML shares them; on anything else (merge
keys, other tags, a key that is not a scalar or comes twice, a node that
holds itself) and off the fast path it is ``construct_document``. ``tests/yaml/test_build.py``
holds the two to each other on drawn documents.
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from migrate import fastpath

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# The scalar tags whose safe constructors are plain functions of the node.
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp")
)


_KEY_TAGS = _SCALARS | {_STR}


class _Other(Exception):
    """A node the shortcut leaves to PyYAML's constructor."""


def build(node: Any, constructor: Any) -> Any:
    """``constructor.construct_document(node)``, the same data, faster where it can be."""
    built, data = plain(node, constructor)
    return data if built else constructor.construct_document(node)


def plain(node: Any, constructor: Any) -> tuple[bool, Any]:
    """(True, the data) where :func:`build` needs no PyYAML constructor for ``node``, which
    is then left as it is; else (False, None): PyYAML's constructor may change the node
    (it flattens merge keys in place), so the caller builds from a node of its own."""
    if fastpath.enabled() and _safe(constructor):
        try:
            return True, _build(node, constructor, {}, set())
        except _Other:
            pass
    return False, None


def _safe(constructor: Any) -> bool:
    """Whether ``constructor`` builds collections as PyYAML's safe constructor does; a
    subclass whose mappings differ only in refusing duplicate keys says so with
    ``REFUSES_DUPLICATE_KEYS`` (a mapping with fewer entries than keys is left to it)."""
    kind = type(constructor)
    table = constructor.yaml_constructors
    return (
        (
            kind.construct_mapping is SafeConstructor.construct_mapping
            or getattr(kind, "REFUSES_DUPLICATE_KEYS", False)
        )
        and kind.construct_object is SafeConstructor.construct_object
        and table.get(_MAP) is SafeConstructor.construct_yaml_map
        and table.get(_SEQ) is SafeConstructor.construct_yaml_seq
        and table.get(_STR) is SafeConstructor.construct_yaml_str
    )


def _build(node: Any, constructor: Any, built: dict[int, Any], open_: set[int]) -> Any:
    key = id(node)
    if key in built:  # an alias: the same object, as PyYAML gives it
        return built[key]
    kind, tag = type(node), node.tag
    value: Any
    if kind is ScalarNode:
        if tag == _STR:
            value = node.value
        elif tag in _SCALARS:  # functions of the node alone (and the class's tables)
            value = constructor.yaml_constructors[tag](constructor, node)
        else:
            raise _Other
    elif kind is MappingNode and tag == _MAP:
        if key in open_:
            raise _Other
        open_.add(key)
        value = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag not in _KEY_TAGS:
                raise _Other  # merge keys, '=' keys, collections as keys
            name = _build(key_node, constructor, built, open_)
            value[name] = _build(value_node, constructor, built, open_)
        if len(value) != len(node.value):
            raise _Other  # a key twice: the constructor's own rule decides
        open_.discard(key)
    elif kind is SequenceNode and tag == _SEQ:
        if key in open_:
            raise _Other
        open_.add(key)
        value = [_build(item, constructor, built, open_) for item in node.value]
        open_.discard(key)
    else:
        raise _Other
    built[key] = value
    return value
