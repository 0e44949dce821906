"""How one value is spelled in YAML text: when a string may go unquoted, how it is quoted, floats.

This module owns every quoting decision and the one float spelling of the
project's writers. A string is written plain only when each reader of our
output reads it back as that same string: YAML 1.1 (PyYAML, so Llama Stack,
and kubectl), YAML 1.2 (ruamel) and Helm (go-yaml v2, see
:mod:`migrate.yaml.helm`). Two kinds of writer ask:

* the ruamel writer (:mod:`migrate.yaml.io`), whose emitter already quotes
  what YAML syntax needs: :func:`every_reader_reads_plain`;
* text written without an emitter (the manifest patcher's new lines), which
  must also avoid indicators and non-ASCII text itself: :func:`plain_text_ok`,
  with :func:`double_quoted` (a string JSON reads too) otherwise.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import yaml as pyyaml
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from migrate.yaml.helm import helm_scalar

_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_RESOLVER_11 = pyyaml.resolver.Resolver()
_RESOLVER_12 = VersionedResolver(version=(1, 2))


class Unwritable(ValueError):
    """A value that has no portable plain spelling, or is not a scalar."""


@functools.lru_cache(maxsize=1 << 14)
def plain_is_string(text: str) -> bool:
    """True when ``text`` written as a plain scalar loads back as that string everywhere."""
    implicit = (True, False)
    tag_11 = _RESOLVER_11.resolve(pyyaml.ScalarNode, text, implicit)  # type: ignore[no-untyped-call]
    tag_12 = _RESOLVER_12.resolve(ScalarNode, text, implicit)
    return bool(tag_11 == _STR_TAG and tag_12 == _STR_TAG)


# YAML reads these as line breaks even inside quotes; only escapes keep them intact.
_UNICODE_BREAKS = frozenset("\x85\u2028\u2029")


def plain_is_safe_text(text: str) -> bool:
    """Whether ``text`` may be written unescaped: printable, no Unicode line breaks."""
    return text.isprintable() and not (_UNICODE_BREAKS & set(text))


def helm_reads_plain(text: str) -> bool:
    """Whether ``text`` written unquoted is read back by Helm as that same string."""
    return bool(text) and helm_scalar(text) == text and isinstance(helm_scalar(text), str)


def every_reader_reads_plain(text: str) -> bool:
    """Whether ``text`` may be left to an emitter unquoted: YAML 1.1, 1.2 and Helm all read
    it back as that string, and it holds nothing that must be escaped."""
    return plain_is_string(text) and plain_is_safe_text(text) and helm_reads_plain(text)


_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Starts that some YAML 1.1 readers (go-yaml v2 behind kubectl) take for numbers in
# forms ruamel does not; quoting them costs nothing.
_NUMBER_STARTS = frozenset("0123456789+-.")
_SHORT_BOOLS = frozenset({"y", "Y", "n", "N"})


def plain_text_ok(text: str) -> bool:
    """True when ``text`` written plain, without an emitter's checks, loads back as the same
    string in YAML 1.1 and 1.2: printable ASCII that starts with no indicator or digit."""
    if not text or text != text.strip() or text[0] in _INDICATORS or text[0] in _NUMBER_STARTS:
        return False
    if not all(" " <= c <= "~" for c in text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or text in _SHORT_BOOLS:
        return False
    return plain_is_string(text)


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _needs_escape(c: str) -> bool:
    o = ord(c)
    return (
        o < 0x20
        or 0x7F <= o <= 0x9F
        or 0xD800 <= o <= 0xDFFF
        or o in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
    )


def double_quoted(text: str) -> str:
    """A double-quoted scalar that is also a valid JSON string."""
    out = ['"']
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif _needs_escape(c):
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def float_text(value: float) -> str:
    """A float as PyYAML spells it: ``1e+16`` gains a dot (``1.0e+16``), or YAML 1.1 readers
    (PyYAML, so Llama Stack) take it for text; ``.nan``, ``.inf`` and ``-.inf``."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e", 1)
    return text


_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
_FLOAT_11 = re.compile(r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?\Z")


def scalar_text(value: Any, flow: bool) -> str:
    """``value`` (None, bool, int, float or str) as text written without an emitter: a
    string plain where :func:`plain_text_ok` allows it outside ``flow`` (JSON) context,
    else double-quoted. Raises :class:`Unwritable` for a float whose spelling YAML 1.1
    and 1.2 would not both read as a float, and for anything else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = float_text(value)
        if math.isnan(value) or math.isinf(value):
            return text
        if not _FLOAT_11.match(text) or not all(
            r.resolve(ScalarNode, text, (True, False)) == _FLOAT_TAG for r in _RESOLVERS
        ):
            raise Unwritable(f"float {value!r} has no portable plain form")
        return text
    if isinstance(value, str):
        return value if not flow and plain_text_ok(value) else double_quoted(value)
    raise Unwritable(f"cannot render {type(value).__name__}")
