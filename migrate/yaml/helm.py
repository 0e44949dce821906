"""How Helm reads a plain scalar of a values file (go-yaml v2, then JSON).

This module owns one table of rules: YAML 1.1 booleans including ``y`` and
``n``, Go's integer syntax (``0x``, ``0o``, ``0b``, leading-zero octal, ``_``
between digits), and every number a float64 after the trip through JSON.
Writers ask :mod:`migrate.yaml.scalars` whether Helm reads a string back unquoted.
"""

from __future__ import annotations

import math
import re
from typing import Any

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
