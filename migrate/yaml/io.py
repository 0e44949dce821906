"""YAML written so that every reader of our output loads it back as the same data.

This module owns the project's two writers: the ruamel round-trip writer in
the project's style (values overlays, values files, ConfigMaps), whose
quoting and float spelling come from :mod:`migrate.yaml.scalars`, with the
round-trip reading of a text it writes again and the spacing of end-of-line
comments; and the PyYAML writer of run.yaml, which Llama Stack reads with
PyYAML. It also owns the strict, type-aware equality used to decide whether
two configurations (or a text loaded back) are the same, and the key
(:func:`identity`) under which writers keep what they wrote once.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from migrate.yaml import fastwrite, scalars

_STR_TAG = "tag:yaml.org,2002:str"

# The C dumper writes exactly like the pure one, only faster.
_SafeDumper: Any = getattr(pyyaml, "CSafeDumper", pyyaml.SafeDumper)


class _Representer(RoundTripRepresenter):
    """Quotes every string that some YAML reader (Helm's included) would not load back as one."""

    def represent_str(self, data: str) -> Any:
        if not scalars.every_reader_reads_plain(data):
            return self.represent_scalar(_STR_TAG, data, style='"')
        return super().represent_str(data)


_Representer.add_representer(str, _Representer.represent_str)


def _represent_float(representer: RoundTripRepresenter, data: float) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:float", scalars.float_text(data))


_Representer.add_representer(float, _represent_float)


def new_writer() -> YAML:
    """A ruamel writer in the project's output style (2-space maps, indented sequences)."""
    writer = YAML(typ="rt")
    writer.Representer = _Representer
    writer.indent(mapping=2, sequence=4, offset=2)
    writer.width = 1 << 16
    writer.allow_unicode = True
    return writer


def to_commented(data: Any) -> Any:
    """Plain data to ruamel's commentable containers (key order kept)."""
    if isinstance(data, Mapping):
        result = CommentedMap()
        for key, value in data.items():
            result[key] = to_commented(value)
        return result
    if isinstance(data, list):
        return CommentedSeq(to_commented(item) for item in data)
    return data


_WRITERS = threading.local()


def dump(data: Any, writer: YAML | None = None) -> str:
    """Serialise ``data`` (plain or ruamel containers) to YAML text."""
    if writer is None:
        # Setting a writer up costs as much as a small dump: one per thread, reused.
        writer = getattr(_WRITERS, "writer", None) or new_writer()
        _WRITERS.writer = writer
    stream = io.StringIO()
    writer.dump(data, stream)
    return stream.getvalue()


def dump_plain(data: Mapping[str, Any]) -> str:
    """Plain data (no comments) as :func:`dump` writes it; without ruamel where
    :mod:`migrate.yaml.fastwrite` can be sure of the text (about 20 times faster)."""
    text = fastwrite.dump(data)
    return dump(to_commented(data)) if text is None else text


def spaced_comments(text: str, comments: Iterable[str]) -> str:
    """``text`` (a :func:`dump`) with two spaces before each of the end-of-line ``comments``.

    ruamel puts one space before a comment when the value is long; two read better.
    """
    for comment in comments:
        text = re.sub(rf"(?m)(\S) +(# {re.escape(comment)})$", r"\1  \2", text)
    return text


class RoundTripError(ValueError):
    """ruamel could not read a text; the message is the first line of its own."""


def load_round_trip(text: str) -> Any:
    """``text`` as ruamel's round-trip loader reads it (comments and key order kept), to be
    changed and written again by :func:`dump`."""
    try:
        return YAML(typ="rt").load(text)
    except RuamelYAMLError as error:
        raise RoundTripError(str(error).splitlines()[0]) from None


class _PlainDumper(_SafeDumper):  # type: ignore[misc]
    """Writes shared objects out in full: Helm's toYaml never writes anchors either."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_run_yaml(data: Any) -> str:
    """run.yaml text for Llama Stack, which reads it with PyYAML: PyYAML writes it.

    PyYAML quotes every string its own loader would read as another type, so
    the text loads back to ``data`` exactly.
    """
    text: str = pyyaml.dump(
        data,
        Dumper=_PlainDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )
    return text


_PLAIN = (str, int, bool, type(None))


def identity(data: Any) -> object | None:
    """A hashable key equal for exactly the plain data every writer writes alike: the
    same types and values, in the same order (``1``, ``1.0`` and ``True`` differ); None
    for data with any other type (ruamel's containers and scalars among them)."""
    kind = type(data)
    if kind is dict:
        items = []
        for key, value in data.items():
            pair = (identity(key), identity(value))
            if pair[0] is None or pair[1] is None:
                return None
            items.append(pair)
        return ("map", tuple(items))
    if kind is list:
        elements = tuple(identity(item) for item in data)
        return None if any(e is None for e in elements) else ("seq", elements)
    if kind is float:
        return ("float", repr(data))
    if kind in _PLAIN:
        return (kind.__name__, data)
    return None


def same(left: Any, right: Any) -> bool:
    """Deep equality that tells 1, 1.0 and True apart and treats NaN as equal to NaN."""
    if left is right:  # shared subtrees; NaN is the same as itself here too
        return True
    kind = type(left)
    if kind is type(right) and kind in _ATOMS:  # the common cases, without ABC checks
        if kind is dict:
            return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
        if kind is list:
            return len(left) == len(right) and all(map(same, left, right))
        return bool(left == right)
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


# Types compared without the general rules: containers of exactly these types, and
# scalars whose equality is already exact (no NaN, no 1 == 1.0 == True).
_ATOMS = frozenset({dict, list, str, int, bool, type(None)})
