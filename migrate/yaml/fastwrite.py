"""The project's YAML writer for plain data, fast: ruamel's exact text, or nothing.

This module owns writing plain data (what JSON gives: mappings, lists,
strings, integers, booleans, null) in the output style of
:func:`migrate.yaml.io.dump` without ruamel's pure-Python emitter, which
costs milliseconds a Kubernetes object. :func:`dump` writes only what it is
sure ruamel writes alike: block mappings and sequences, strings that go out
plain or, where some reader would not read them back as strings, in double
quotes with nothing to escape. On anything else (floats, multi-line or
non-ASCII strings, nested sequences, long keys, ...) it returns None and the
caller writes with ruamel. ``tests/yaml/test_fastwrite.py`` holds it to
ruamel's bytes on drawn data.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from migrate.yaml import scalars

_MAX_KEY = 100  # ruamel writes a key of 128 characters or more as a complex key ("? ")
_MAX_TEXT = 4096  # far below the writer's width (65,536), past which ruamel folds lines
# Deeper data is left to ruamel, and its text read back, so that the loaders refuse what
# nests past their bound (load.MAX_DEPTH, 200 levels) as they refuse it in any text.
_MAX_INDENT = 2 * 100
# Starts of a plain scalar that ruamel looks at more closely (YAML's indicators): left
# to it. A dash is one only before a space ("- x"); "--port" is plain.
_NO_PLAIN_START = frozenset("?:,[]{}#&*!|>'\"%@` ")


class _Unsure(Exception):
    """Something ruamel may write otherwise than this module would."""


@functools.lru_cache(maxsize=1 << 14)
def string_text(text: str) -> str | None:
    """``text`` as ruamel writes it in the project's style (and :func:`dump` with it),
    None if unsure."""
    if not text or len(text) > _MAX_TEXT or not all(" " <= c <= "~" for c in text):
        return None
    if scalars.every_reader_reads_plain(text):
        if (
            text[0] in _NO_PLAIN_START
            or text.startswith("- ")
            or text == "-"
            or text[-1] == " "
            or text.endswith(":")
            or ": " in text
            or " #" in text
            or text.startswith(("---", "..."))
        ):
            return None
        return text
    if '"' in text or "\\" in text:
        return None
    return f'"{text}"'


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        written = string_text(value)
        if written is None:
            raise _Unsure
        return written
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    raise _Unsure


def _key(key: Any) -> str:
    if not isinstance(key, str) or len(key) > _MAX_KEY:
        raise _Unsure
    return _scalar(key)


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    return "[]" if isinstance(value, list) else _scalar(value)


def _mapping(data: Mapping[Any, Any], indent: str, out: list[str]) -> None:
    if len(indent) > _MAX_INDENT:
        raise _Unsure
    for key, value in data.items():
        name = _key(key)
        if value is None or (isinstance(value, Mapping | list) and value):
            out.append(f"{indent}{name}:\n")  # null is written as nothing
            if isinstance(value, Mapping):
                _mapping(value, indent + "  ", out)
            elif value is not None:
                _sequence(value, indent + "  ", out)
        else:
            out.append(f"{indent}{name}: {_empty_or_scalar(value)}\n")


def _sequence(data: list[Any], indent: str, out: list[str]) -> None:
    """Items with their dash at ``indent``, their content two further in."""
    inner = indent + "  "
    for item in data:
        if isinstance(item, Mapping) and item:
            start = len(out)
            _mapping(item, inner, out)
            out[start] = f"{indent}- {out[start][len(inner) :]}"
        elif isinstance(item, list) and item:
            raise _Unsure
        else:
            out.append(f"{indent}- {'' if item is None else _empty_or_scalar(item)}\n")


def dump(data: Any) -> str | None:
    """``data`` (a non-empty mapping of plain data) as :func:`migrate.yaml.io.dump` writes
    it, or None where that cannot be told without ruamel."""
    if not isinstance(data, Mapping) or not data:
        return None
    out: list[str] = []
    try:
        _mapping(data, "", out)
    except _Unsure:
        return None
    return "".join(out)
