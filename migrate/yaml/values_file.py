"""A Helm values file read as Helm reads it, with the lines each top-level entry takes.

This module owns reading a values file (:func:`read`: the data Helm sees, by
:class:`~migrate.yaml.helm.HelmLoader`, and the nodes with their marks) and
answering where things stand in its text: the lines of a top-level entry with
its own comments, the entries of a block mapping, the comment after a key,
the line a key or a value is written on. The values writer splices by these
lines; planning names them in its messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml as pyyaml

from migrate.errors import InputError
from migrate.yaml import helm
from migrate.yaml.lines import YAML_BREAK, Lines
from migrate.yaml.spans import end_line


@dataclass(frozen=True)
class Entry:
    """One entry of a block mapping, as written."""

    name: str | None  # its key as Helm reads it, None for a key that is not a string
    first: int  # the line of its key
    last: int  # the last line of its value (the key's own for an empty value)


@dataclass(frozen=True)
class ValuesFile:
    """A values file: its text, lines, composed nodes and the data Helm would see."""

    text: str
    name: str
    lines: Lines
    root: Any  # the top-level node, None for an empty file
    pairs: tuple[tuple[Any, Any], ...]  # the top-level entries as written (merges not applied)
    data: dict[Any, Any]

    # -- top-level keys ----------------------------------------------------

    def index(self, key: str) -> int | None:
        """Where ``key`` stands among the top-level entries as written."""
        found = [i for i, (k, _) in enumerate(self.pairs) if key_text(k) == key]
        return found[-1] if found else None

    def has(self, key: str) -> bool:
        """Whether ``key`` is written as a top-level entry (not only merged in)."""
        return self.index(key) is not None

    def require_direct(self, key: str) -> None:
        """Refuse ``key`` when it comes in only through a merge key, which cannot be edited."""
        if key in self.data and not self.has(key):
            raise InputError(
                f"{self.name}:{self.root.start_mark.line + 1}: '{key}' comes in through a merge "
                "key (<<), which migrate values cannot edit; write it out first"
            )

    def key_line(self, index: int) -> int:
        """The line of top-level entry ``index``'s key, 0-based."""
        return int(self.pairs[index][0].start_mark.line)

    def key_column(self, index: int = 0) -> int:
        """The column of top-level entry ``index``'s key (0 for a file without entries)."""
        return int(self.pairs[index][0].start_mark.column) if self.pairs else 0

    def is_flow(self) -> bool:
        """Whether the whole file is one flow mapping (JSON)."""
        return isinstance(self.root, pyyaml.MappingNode) and bool(self.root.flow_style)

    def value_lines(self, key: str, path: tuple[str, ...]) -> list[int]:
        """The line (1-based) of the value under top-level ``key`` and of each step of
        ``path`` below it; a step not written where it is looked for keeps the line before
        (line 1 before the first)."""
        index = self.index(key)
        node = self.pairs[index][1] if index is not None else None
        found = [node.start_mark.line + 1 if node is not None else 1]
        for part in path:
            node = _child(node, part)
            found.append(node.start_mark.line + 1 if node is not None else found[-1])
        return found

    # -- the lines an entry takes -----------------------------------------------

    def bound(self) -> int:
        """The line after the top-level mapping (before a '...' end marker, if any)."""
        if self.root is None:
            return self.lines.count
        mark = self.root.end_mark
        return min(int(mark.line) + (1 if mark.column > 0 else 0), self.lines.count)

    def following(self, index: int) -> int:
        """The line where what follows top-level entry ``index`` begins."""
        if index + 1 < len(self.pairs):
            return self.key_line(index + 1)
        return self.bound()

    def last_line(self, index: int) -> int:
        """The last line holding text of top-level entry ``index``.

        Comment-only lines at the end do not count, except inside block scalars,
        which the scalar nodes' marks cover.
        """
        lines = self.lines
        key, value = self.pairs[index]
        start, following = key.start_mark.line, self.following(index)
        last = following - 1
        while last > start and (lines.blank(last) or lines.comment(last)):
            last -= 1
        for node in _walk(value, set()):
            if not start <= node.start_mark.line < following:
                continue  # an alias: the anchored node stands elsewhere
            if isinstance(node, pyyaml.ScalarNode) or getattr(node, "flow_style", False):
                last = max(last, end_line(node))
        while last > start and lines.blank(last):  # a block scalar's marks reach past blank lines
            last -= 1
        return max(last, int(key.end_mark.line))

    def span(self, index: int) -> tuple[int, int]:
        """First and last line of top-level entry ``index`` with its own comments.

        An entry owns the comment lines right above its key at the key's column,
        and the more indented comment lines after its value; comment lines at the
        key's column after the value belong to what follows.
        """
        lines = self.lines
        key = self.pairs[index][0]
        column = key.start_mark.column
        last = self.last_line(index)
        owned = last
        for line in range(last + 1, self.following(index)):
            if lines.comment(line):
                if lines.indent(line) <= column:
                    break
                owned = line
            elif not lines.blank(line):
                break
        first = key.start_mark.line
        floor = self.last_line(index - 1) if index > 0 else -1
        while first - 1 > floor and lines.comment(first - 1) and lines.indent(first - 1) == column:
            first -= 1
        return first, owned

    def refuse_shared_anchors(self, index: int) -> None:
        """Entry ``index`` cannot go if other entries are aliases of anchors defined in it."""
        key, value = self.pairs[index]
        start, following = key.start_mark.line, self.following(index)
        inside = {id(n) for n in _walk(value, set()) if start <= n.start_mark.line < following}
        for other, (other_key, other_value) in enumerate(self.pairs):
            if other != index and any(id(n) in inside for n in _walk(other_value, set())):
                raise InputError(
                    f"{self.name}:{other_key.start_mark.line + 1}: {key_text(other_key)} uses "
                    f"an anchor defined in {key_text(key)} (line {start + 1}), which is removed; "
                    "write the value out first"
                )

    # -- inside an entry ----------------------------------------------------------

    def block_entries(self, index: int) -> tuple[int, list[Entry]] | None:
        """The column and the entries of top-level entry ``index``'s value, when that is a
        block mapping with entries below its key; entries outside the entry's lines (from
        aliases) are left out."""
        key, value = self.pairs[index]
        key_line = key.start_mark.line
        if not (
            isinstance(value, pyyaml.MappingNode)
            and not value.flow_style
            and value.value
            and value.start_mark.line > key_line
        ):
            return None
        following = self.following(index)
        entries: list[Entry] = []
        for entry_key, entry in value.value:
            line = entry_key.start_mark.line
            if key_line < line < following:
                last = line if _empty_scalar(entry) else max(line, end_line(entry))
                entries.append(Entry(key_text(entry_key), line, last))
        return value.value[0][0].start_mark.column, entries

    def null_or_empty(self, index: int) -> bool:
        """Whether Helm reads top-level entry ``index``'s value as null or as ``{}``."""
        value = self.pairs[index][1]
        if isinstance(value, pyyaml.ScalarNode):
            return value.tag == helm.PLAIN_TAG and helm.helm_scalar(value.value) is None
        return isinstance(value, pyyaml.MappingNode) and not value.value

    def key_comment(self, index: int) -> str | None:
        """The comment after top-level entry ``index``'s key and its null or empty value."""
        key, value = self.pairs[index]
        lines = self.lines
        if _empty_scalar(value):
            after = lines[key.start_mark.line][key.end_mark.column :].lstrip(" ")[1:]
        else:
            after = lines[value.end_mark.line][value.end_mark.column :]
        return after.strip() if after.strip().startswith("#") else None

    def key_as_written(self, index: int) -> str:
        """Top-level entry ``index``'s key, as its text spells it."""
        key = self.pairs[index][0]
        return self.lines[key.start_mark.line][key.start_mark.column : key.end_mark.column]

    def key_name(self, index: int) -> str | None:
        """Top-level entry ``index``'s key as Helm reads it (None: not a string)."""
        return key_text(self.pairs[index][0])


def read(text: str, source: str) -> ValuesFile:
    """The values file ``text`` (named ``source`` in messages) as Helm reads it."""
    lines = Lines(text)
    loader = helm.HelmLoader(text)
    try:
        root = loader.get_single_node()
        pairs = tuple(root.value) if isinstance(root, pyyaml.MappingNode) else ()
        data = loader.construct_document(root) if root is not None else None
    except pyyaml.YAMLError as error:
        raise InputError(_yaml_problem(error, source, lines)) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{source}:{root.start_mark.line + 1}: the values are {kind(data)}, not a mapping"
        )
    return ValuesFile(text, source, lines, root, pairs, data)


def _yaml_problem(error: pyyaml.YAMLError, source: str, lines: Lines) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is not None:
        where = f"{source}:{mark.line + 1}:{mark.column + 1}"
    elif isinstance(getattr(error, "position", None), int):
        position = error.position  # type: ignore[attr-defined]
        where = f"{source}:{len(YAML_BREAK.findall(lines.text, 0, position)) + 1}"
    else:
        where = f"{source}:1"
    if isinstance(error, helm.HelmRefusal):
        return f"{where}: {problem}"
    return f"{where}: invalid YAML: {problem}"


def kind(value: Any) -> str:
    """What a value Helm read is, for messages: ``null``, ``a mapping``, ``a number``, ..."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a number"
    return "a string"


def key_text(node: Any) -> str | None:
    """A key node as Helm reads it, when that is a string."""
    if not isinstance(node, pyyaml.ScalarNode):
        return None
    if node.tag == helm.STR_TAG:
        return str(node.value)
    if node.tag == helm.PLAIN_TAG:
        value = helm.helm_scalar(node.value)
        return value if isinstance(value, str) else None
    return None


def _child(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node as written, or None."""
    if not isinstance(node, pyyaml.MappingNode):
        return None
    found = [v for k, v in node.value if key_text(k) == key]
    return found[-1] if found else None


def _empty_scalar(node: Any) -> bool:
    """An entry with nothing after its colon, whose marks stand at the next token."""
    return isinstance(node, pyyaml.ScalarNode) and node.tag == helm.PLAIN_TAG and node.value == ""


def _walk(node: Any, seen: set[int]) -> Iterator[Any]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if isinstance(node, pyyaml.MappingNode):
        for key, value in node.value:
            yield from _walk(key, seen)
            yield from _walk(value, seen)
    elif isinstance(node, pyyaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, seen)
