"""Loading YAML: manifests as kubectl reads them, run.yaml as Llama Stack does, with limits.

This module owns the project's loaders of Kubernetes manifests and run.yaml
(PyYAML, with libyaml where PyYAML has it): the checks every document passes
before anything is built from it (depth and alias expansion, duplicate keys),
the positions a load error is reported at, and the plain composer that gives
the text patcher its nodes with their marks. Helm's reading of a values file
is :mod:`migrate.yaml.helm`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import yaml as pyyaml

from migrate import fastpath
from migrate.errors import InputError
from migrate.yaml.build import build, plain
from migrate.yaml.lines import YAML_BREAK, split_lines

# The C loader resolves exactly like the pure one, only faster.
_PyYAMLSafeLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)

_REMEMBERED = 4096  # plain scalars whose tag each loader class keeps
_REMEMBERED_LENGTH = 64  # longer scalars are worked out each time


class _SafeLoader(_PyYAMLSafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader, keeping the tag it gives each short plain scalar.

    A manifest's scalars repeat (``name``, ``value``, ``true``, ``80``), and
    PyYAML works out each one's tag anew with the regular expressions of its
    first character. The tag depends on the text and the class's resolvers
    alone (no loader here adds path resolvers, and each class's implicit ones
    are set as this module is read), so each class keeps its own.
    """

    _tags: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._tags = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not pyyaml.ScalarNode or not implicit[0] or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        tags = self._tags
        tag = tags.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= _REMEMBERED_LENGTH and len(tags) < _REMEMBERED:
                tags[value] = tag
        return tag


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
    brackets = text.count("[") + text.count("{")
    # The bound fails when the widest run is at least this long; a line whose start has
    # that many of the run's characters (in any order) is searched for first.
    wide = (MAX_DEPTH - 4 - 2 * brackets + 1) // 2
    if wide <= 0:
        return True
    if (_WIDE.get(wide) or _wide(wide)).search(text) is None:
        return False
    return widest_run(text) >= wide


def widest_run(text: str) -> int:
    """The longest run of indentation and block indicators that starts a line of ``text``."""
    return max(map(len, _LEADING.findall(text)), default=0)


_WIDE: dict[int, re.Pattern[str]] = {}


def _wide(width: int) -> re.Pattern[str]:
    return _WIDE.setdefault(width, re.compile(rf"^[ \t?:-]{{{width}}}", re.MULTILINE))


class _CheckedLoader(_SafeLoader):
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
        return build(node, self)


class ManifestLoader(_CheckedLoader):
    """Kubernetes manifests as kubectl reads them (YAML 1.1, timestamps stay text),
    refusing duplicate keys, which kubectl rejects too."""

    REFUSES_DUPLICATE_KEYS = True  # and builds mappings otherwise alike (migrate.yaml.build)

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
        try:
            mapping = super().construct_mapping(node, deep=deep)
        except pyyaml.constructor.ConstructorError:
            refuse_duplicate_keys(self, node)  # a key twice is named first, as on the full path
            raise
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


def load_document(text: str, name: str, first_line: int) -> Any:
    """The manifest document ``text``, which starts at line ``first_line`` (1-based) of the
    file ``name``, as :func:`load_manifest` reads it; a document that cannot be read raises
    InputError naming the file's line and column."""
    try:
        return load_manifest(text)
    except pyyaml.MarkedYAMLError as error:
        raise InputError(_describe(name, first_line, error)) from None
    except pyyaml.reader.ReaderError as error:
        line, column = reader_error_position(text, error)
        raise InputError(
            f"{name}:{first_line + line}:{column + 1}: invalid YAML: {describe_reader_error(error)}"
        ) from None
    except pyyaml.YAMLError as error:
        raise InputError(f"{name}:{first_line}: invalid YAML: {error}") from None
    except RecursionError:
        raise InputError(f"{name}:{first_line}: invalid YAML: nested too deeply") from None


def _describe(name: str, first_line: int, error: pyyaml.MarkedYAMLError) -> str:
    """``file:line:column: invalid YAML: problem (context at line N)``, lines of the file."""
    mark = error.problem_mark or error.context_mark
    line = first_line + (mark.line if mark is not None else 0)
    column = f":{mark.column + 1}" if mark is not None else ""
    message = f"{name}:{line}{column}: invalid YAML: {error.problem or error.context}"
    context = error.context_mark
    if error.context and context is not None and context is not mark:
        message += (
            f" ({error.context} at line {first_line + context.line}, column {context.column + 1})"
        )
    return message


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
    if not lines or YAML_BREAK.search(lines[-1]):
        return len(lines), 0
    return len(lines) - 1, len(lines[-1])


def describe_reader_error(error: pyyaml.reader.ReaderError) -> str:
    """``unacceptable character #x0000: control characters are not allowed``, on one line."""
    character = error.character
    code = ord(character) if isinstance(character, str) else int(character)
    return f"unacceptable character #x{code:04x}: {error.reason}"


def compose(text: str) -> Any:
    """The node graph of the single document ``text``, with marks. No limits are checked:
    the text is a document a checked loader has read already, or the caller's own."""
    return pyyaml.compose(text, Loader=_SafeLoader)


def load_safe_node(node: Any) -> tuple[bool, Any]:
    """(True, data): ``node`` (a :func:`compose` of a text) as :func:`load_safe` reads that
    text, the node left as it is; (False, None) where only a load of the text can tell."""
    loader = _SafeLoader("")
    try:
        return plain(node, loader)
    finally:
        loader.dispose()


def load_safe(text: str) -> Any:
    """``text`` as PyYAML's ``safe_load`` reads it (YAML 1.1, timestamps as dates); no limits
    are checked, as in :func:`compose`."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else build(node, loader)
    finally:
        loader.dispose()
