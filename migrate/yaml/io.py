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
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from migrate import fastpath
from migrate.errors import InputError
from migrate.yaml.helm import helm_reads_plain

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER_11 = pyyaml.resolver.Resolver()
_RESOLVER_12 = VersionedResolver(version=(1, 2))


# The C loader and dumper resolve exactly like the pure ones, only faster.
_SafeLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
_SafeDumper: Any = getattr(pyyaml, "CSafeDumper", pyyaml.SafeDumper)


# A document's node graph is checked before anything is built from it: the
# program walks documents recursively, and aliases let a few bytes stand for a
# tree of any size ("billion laughs"). Real manifests and run.yaml files nest a
# few dozen levels; this bound keeps every walk far from Python's recursion limit.
MAX_DEPTH = 200


def check_graph(root: Any) -> None:
    """Raise a marked error if the document at ``root`` is recursive, nested deeper
    than MAX_DEPTH once its aliases are expanded, or expanded mostly by aliases.

    The aliasing rule is go-yaml's, which kubectl uses ("document contains
    excessive aliasing"): past 1,000 nodes, at most 99% of them may come from
    alias expansion, down to 10% from 4,000,000 nodes on.
    """
    measured: dict[int, tuple[int, int]] = {}  # node id → (height, expanded size)
    scalars: set[int] = set()
    inside: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = [measured.get(id(k), (1, 1)) for k in _children(node)]
            measured[key] = (1 + max((h for h, _ in kids), default=0), 1 + sum(s for _, s in kids))
            inside.discard(key)
            continue
        if key in measured or key in scalars:
            continue
        if key in inside:
            raise _graph_error("the node anchored here contains an alias of itself", node)
        if isinstance(node, pyyaml.ScalarNode):
            scalars.add(key)
            continue
        inside.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    height, total = measured.get(id(root), (1, 1))
    if height > MAX_DEPTH:
        raise _graph_error(f"nested more than {MAX_DEPTH} levels deep", _deepest(root, measured))
    unique = len(measured) + len(scalars)
    aliased = total - unique
    if aliased > 100 and total > 1000 and aliased / total > _allowed_alias_ratio(total):
        raise _graph_error(
            f"document contains excessive aliasing ({unique} nodes expand to {total}; "
            "the largest repeated one starts here)",
            max(_repeated(root), key=lambda n: measured.get(id(n), (1, 1))[1], default=root),
        )


def _children(node: Any) -> list[Any]:
    if isinstance(node, pyyaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, pyyaml.SequenceNode):
        return list(node.value)
    return []


def _allowed_alias_ratio(total: int) -> float:
    low, high = 400_000, 4_000_000
    if total <= low:
        return 0.99
    if total >= high:
        return 0.10
    return 0.99 - 0.89 * (total - low) / (high - low)


def _deepest(root: Any, measured: dict[int, tuple[int, int]]) -> Any:
    """The node at depth MAX_DEPTH + 1 on the deepest path from ``root``."""
    node = root
    for _ in range(MAX_DEPTH):
        node = max(_children(node), key=lambda n: measured.get(id(n), (1, 1))[0])
    return node


def _repeated(root: Any) -> list[Any]:
    """Nodes reached more than once (through aliases), each once."""
    seen: set[int] = set()
    repeated: dict[int, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            repeated[id(node)] = node
            continue
        seen.add(id(node))
        stack.extend(_children(node))
    return list(repeated.values())


def _graph_error(problem: str, node: Any) -> pyyaml.MarkedYAMLError:
    return pyyaml.composer.ComposerError(None, None, problem, node.start_mark)


# The longest run of indentation and block indicators ('- ', '? ', ': ') at the start
# of any line: every block collection starts within it.
_LEADING = re.compile(r"^[ \t]*(?:[-?:][ \t]+)*", re.MULTILINE)


def needs_graph_check(text: str) -> bool:
    """False only when the text alone proves that ``check_graph`` would pass.

    Without an anchor there is no alias, so no recursion and no expansion.
    Depth: in block style each level of nesting starts a collection at least
    one column further right, except a sequence written flush under its key,
    whose entries move right again; so a collection nested d levels deep
    starts at column d/2 - 1 or beyond, within the indentation and indicators
    that begin its line. In flow style each '[' or '{' opens at most two
    levels (a sequence, and the one-pair mapping of ``[a: b]``).
    """
    if "&" in text:
        return True
    widest = max(map(len, _LEADING.findall(text)), default=0)
    brackets = text.count("[") + text.count("{")
    return 2 * widest + 4 + 2 * brackets >= MAX_DEPTH


class _CheckedLoader(_SafeLoader):  # type: ignore[misc]
    """A safe loader that checks each document's node graph before building it."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # The shortcuts need the text; a stream is checked in full.
        self._text: str | None = stream if isinstance(stream, str) and fastpath.enabled() else None

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if self._text is None or needs_graph_check(self._text):
            check_graph(node)
        return self.construct_document(node)


class ManifestLoader(_CheckedLoader):
    """Kubernetes manifests as kubectl reads them (YAML 1.1, timestamps stay text),
    refusing duplicate keys, which kubectl rejects too."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # Merged keys may repeat; a text that cannot hold a merge key ('<<' or an
        # explicit '!!merge' tag) takes the shortcut in every mapping.
        text = self._text
        self._search_every_mapping = text is None or "<<" in text or "merge" in text

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if self._search_every_mapping:
            refuse_duplicate_keys(self, node)
            return super().construct_mapping(node, deep=deep)
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):  # two keys were equal: find and name them
            refuse_duplicate_keys(self, node)
        return mapping


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
# A lone `=` is YAML 1.1's "value" key. Safe loaders know no constructor for it; Kubernetes
# and Helm (Go YAML) read the string "=", and real CRDs hold it (an enum item `- =`).
ManifestLoader.add_constructor("tag:yaml.org,2002:value", ManifestLoader.construct_yaml_str)


def load_manifest(text: str) -> Any:
    """One manifest document; raises ``yaml.MarkedYAMLError`` with positions."""
    return pyyaml.load(text, Loader=ManifestLoader)


def load_run_yaml(text: str, source: str) -> Any:
    """Load a run.yaml or values file exactly as Llama Stack reads run.yaml."""
    try:
        # The same construction as safe_load; pathological node graphs are refused first.
        return pyyaml.load(text, Loader=_CheckedLoader)
    except pyyaml.reader.ReaderError as error:
        line, column = reader_error_position(text, error)
        raise InputError(
            f"{source}:{line + 1}:{column + 1}: invalid YAML: {describe_reader_error(error)}"
        ) from None
    except pyyaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{where}: invalid YAML: {problem}") from None


def reader_error_position(text: str, error: pyyaml.reader.ReaderError) -> tuple[int, int]:
    """0-based line and column in ``text`` of a character the YAML reader refused.

    The C reader counts UTF-8 bytes, the pure one characters.
    """
    if _SafeLoader is pyyaml.SafeLoader:
        before = text[: error.position]
    else:
        before = text.encode("utf-8", "surrogatepass")[: error.position].decode("utf-8", "replace")
    lines = split_lines(before)
    if not lines or _LINE_BREAK.search(lines[-1]):
        return len(lines), 0
    return len(lines) - 1, len(lines[-1])


# YAML's line breaks; str.splitlines also breaks at \v, \f and \x1c-\x1e, which YAML does not.
_BREAKS = "\r\n\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"\r\n|[{_BREAKS}]")
_LINE = re.compile(f"[^{_BREAKS}]*(?:\r\n|[{_BREAKS}])|[^{_BREAKS}]+$")


def split_lines(text: str) -> list[str]:
    """``text.splitlines(keepends=True)``, broken only at YAML's line breaks (as its marks are)."""
    return _LINE.findall(text)


def describe_reader_error(error: pyyaml.reader.ReaderError) -> str:
    """``unacceptable character #x0000: control characters are not allowed``, on one line."""
    character = error.character
    code = ord(character) if isinstance(character, str) else int(character)
    return f"unacceptable character #x{code:04x}: {error.reason}"


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


def _represent_float(representer: RoundTripRepresenter, data: float) -> Any:
    """Floats as PyYAML spells them: ``1e+16`` gains a dot (``1.0e+16``), or YAML 1.1
    readers (PyYAML, so Llama Stack) take it for text."""
    if math.isnan(data):
        text = ".nan"
    elif math.isinf(data):
        text = ".inf" if data > 0 else "-.inf"
    else:
        text = repr(data)
        if "e" in text and "." not in text:
            text = text.replace("e", ".0e", 1)
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


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
