"""How Helm reads a values file (go-yaml v2, then JSON).

This module owns Helm's reading rules: one table for plain scalars (YAML 1.1
booleans including ``y`` and ``n``, Go's integer syntax with ``0x``, ``0o``,
``0b``, leading-zero octal and ``_`` between digits, every number a float64
after the trip through JSON) and :class:`HelmLoader`, PyYAML with those rules,
which keeps the nodes and their marks for the values writer. The writers ask
:mod:`migrate.yaml.scalars` whether Helm reads a string back unquoted.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml as pyyaml

from migrate.yaml.load import refuse_duplicate_keys

# go-yaml v2's table of plain scalars with a fixed meaning.
FIXED: dict[str, Any] = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"], True),
    **dict.fromkeys(["on", "On", "ON"], True),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE"], False),
    **dict.fromkeys(["off", "Off", "OFF"], False),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], None),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], math.nan),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
# Go's strconv.ParseInt(s, 0, 64) syntax, once go-yaml has removed every "_".
_GO_INT = re.compile(r"([+-]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# strconv.ParseFloat on text starting with ".", where "_" may separate digits.
_GO_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")
_INT64 = 2**63
_UINT64 = 2**64


def helm_scalar(text: str) -> Any:
    """What Helm's values loader makes of the plain (unquoted, untagged) scalar ``text``.

    go-yaml v2 resolves it (YAML 1.1 booleans including ``y`` and ``n``, Go's
    integer syntax with ``0x``/``0o``/``0b`` and leading-zero octal, ``_``
    ignored in numbers; timestamps stay text), then the value passes through
    JSON, so every number comes back as a float (float64). Infinities and NaN
    are returned as such; Helm refuses a values file holding them.
    """
    if text != "<<" and text in FIXED:
        return FIXED[text]
    first = text[0]
    if first == ".":
        if _GO_DOT_FLOAT.fullmatch(text):
            value = float(text)
            if not math.isinf(value):
                return value
        return text
    if first not in "+-0123456789":
        return text
    plain = text.replace("_", "")
    match = _GO_INT.fullmatch(plain)
    if match:
        number = _go_int(match.group(2))
        signed = -number if match.group(1) == "-" else number
        if -_INT64 <= signed < _INT64 or (not match.group(1) and number < _UINT64):
            return float(signed)
    if _GO_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):  # Go reports overflow as an error: the text stays a string
            return value
    binary = re.fullmatch(r"0b([+-]?)([01]+)", plain)
    if binary:
        number = int(binary.group(2), 2)
        signed = -number if binary.group(1) == "-" else number
        if -_INT64 <= signed < _INT64 or (not binary.group(1) and number < _UINT64):
            return float(signed)
    return text


def _go_int(digits: str) -> int:
    if len(digits) > 2 and digits[1] in "bB":
        return int(digits[2:], 2)
    if len(digits) > 2 and digits[1] in "oO":
        return int(digits[2:], 8)
    if len(digits) > 2 and digits[1] in "xX":
        return int(digits[2:], 16)
    if digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
PLAIN_TAG = "tag:migrate,2025:helm-plain"
"""The tag of a plain scalar: go-yaml v2's rules type it when it is constructed."""
_EXPLICIT: dict[str, type] = {  # explicit tags Helm's loader accepts on a scalar
    "tag:yaml.org,2002:int": float,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}

_BaseLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


class HelmLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML with Helm's scalar rules, refusing duplicate keys."""

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is pyyaml.ScalarNode and implicit[0]:
            return MERGE_TAG if value == "<<" else PLAIN_TAG
        resolved: str = super().resolve(kind, value, implicit)
        return resolved

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # Helm tells 1 and True apart (go-yaml keys keep their types).
        refuse_duplicate_keys(self, node, lambda key: (type(key), key))
        return super().construct_mapping(node, deep=deep)


class HelmRefusal(pyyaml.MarkedYAMLError):
    """A scalar Helm's loader refuses: a number JSON cannot hold, or a wrong explicit tag."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def _construct_plain(loader: HelmLoader, node: Any) -> Any:
    value = helm_scalar(node.value)
    if isinstance(value, float) and not math.isfinite(value):
        raise HelmRefusal(
            f"{node.value!r} is {value!r}, which Helm cannot load (values pass through JSON)",
            node.start_mark,
        )
    return value


def _construct_explicit(loader: HelmLoader, node: Any) -> Any:
    value = _construct_plain(loader, node) if node.value else None
    if not isinstance(value, _EXPLICIT[node.tag]):
        raise HelmRefusal(f"{node.value!r} is not a valid {node.tag}", node.start_mark)
    return value


HelmLoader.yaml_constructors = {
    STR_TAG: pyyaml.constructor.SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:map": pyyaml.constructor.SafeConstructor.construct_yaml_map,
    "tag:yaml.org,2002:seq": pyyaml.constructor.SafeConstructor.construct_yaml_seq,
    PLAIN_TAG: _construct_plain,
    MERGE_TAG: lambda loader, node: node.value,  # "<<" as a value is text
    **dict.fromkeys(_EXPLICIT, _construct_explicit),
    None: pyyaml.constructor.SafeConstructor.construct_undefined,
}
