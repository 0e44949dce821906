"""YAML reading and writing with the semantics of the programs that read our output.

This module owns three things: loading run.yaml templates and chart values
the way Llama Stack 0.3.3 loads run.yaml (PyYAML ``safe_load``, YAML 1.1
rules), writing YAML that every reader (PyYAML, ruamel, Helm's go-yaml) loads
back as the same data, and the strict, type-aware equality used to decide
whether two configurations are the same.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from migrate.engine.helmyaml import helm_reads_plain
from migrate.errors import InputError

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER_11 = pyyaml.resolver.Resolver()
_RESOLVER_12 = VersionedResolver(version=(1, 2))


# The C loader and dumper resolve exactly like the pure ones, only faster.
_SafeLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
_SafeDumper: Any = getattr(pyyaml, "CSafeDumper", pyyaml.SafeDumper)


class ManifestLoader(_SafeLoader):  # type: ignore[misc]
    """Kubernetes manifests as kubectl reads them (YAML 1.1, timestamps stay text),
    refusing duplicate keys, which kubectl rejects too."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def refuse_duplicate_keys(
    loader: Any, node: Any, identity: Callable[[Any], Any] = lambda key: key
) -> None:
    """Raise a marked error at the second of two equal keys of mapping ``node``.

    Merge keys (``<<``) are skipped; ``identity`` decides which keys are equal.
    """
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(identity(key), key_node)
        except TypeError:
            continue
        if first is not key_node:
            raise pyyaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first at line {first.start_mark.line + 1})",
                key_node.start_mark,
            )


ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
ManifestLoader.add_constructor("tag:yaml.org,2002:map", ManifestLoader.construct_yaml_map)


def load_manifest(text: str) -> Any:
    """One manifest document; raises ``yaml.MarkedYAMLError`` with positions."""
    return pyyaml.load(text, Loader=ManifestLoader)


def load_run_yaml(text: str, source: str) -> Any:
    """Load a run.yaml or values file exactly as Llama Stack reads run.yaml."""
    try:
        return pyyaml.load(text, Loader=_SafeLoader)
    except pyyaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{where}: invalid YAML: {problem}") from None


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


class _Representer(RoundTripRepresenter):
    """Quotes every string that some YAML reader (Helm's included) would not load back as one."""

    def represent_str(self, data: str) -> Any:
        if not (plain_is_string(data) and plain_is_safe_text(data) and helm_reads_plain(data)):
            return self.represent_scalar(_STR_TAG, data, style='"')
        return super().represent_str(data)


_Representer.add_representer(str, _Representer.represent_str)


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


def dump(data: Any, writer: YAML | None = None) -> str:
    """Serialise ``data`` (plain or ruamel containers) to YAML text."""
    stream = io.StringIO()
    (writer or new_writer()).dump(data, stream)
    return stream.getvalue()


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


def same(left: Any, right: Any) -> bool:
    """Deep equality that tells 1, 1.0 and True apart and treats NaN as equal to NaN."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)
