"""Byte-preserving edits of sequences in one YAML document.

This module owns the patching of Kubernetes manifests at the text level: removing and
inserting items of sequences (``env``, ``volumeMounts``, ``volumes``, ...) by splicing
the original text at the positions the YAML composer reports, so that every line
outside the edited spans stays byte-identical (comments, quoting, indentation, blank
lines, line endings).  A ruamel round-trip dump cannot promise that, because it
re-indents and re-flows the whole document.

Every result is verified: the patched text is loaded back and compared, type for
type, with :func:`apply_edits_to_data` applied to the loaded original, under YAML
1.1 as kubectl reads manifests (with libyaml, where PyYAML has it).  When the text
cannot be patched in place, or the patch does not verify, the edits are applied to a
ruamel round-trip tree instead and the result is marked ``exact=False``; if even that
does not verify, :class:`PatchError` is raised.

What is YAML's and not the patcher's comes from :mod:`migrate.yaml`: the loader and
composer (:mod:`~migrate.yaml.load`), line arithmetic (:mod:`~migrate.yaml.lines`),
the splice engine that puts the new text in (:mod:`~migrate.yaml.splice`) and the
spelling of every scalar (:mod:`~migrate.yaml.scalars`).  The module stays over 400
lines because the edit semantics, their reference implementation on plain data, the
node geometry of each kind of sequence and the fallback are one contract, tested
together (``tests/emitters/test_textpatch.py``): split up, each part would only make
sense with the others open beside it.

Edit semantics (shared by :func:`apply_edits` and :func:`apply_edits_to_data`)
-------------------------------------------------------------------------------
* Every path is resolved against the ORIGINAL document, before any edit is applied;
  list indices inside a path refer to the original lists too.
* All edits whose paths lead to the same sequence form one group.  For a sequence of
  original length ``n`` (``n = 0`` when the key is missing or null):

  - ``RemoveItems`` indices are original positions, ``0 <= i < n``; an index may be
    removed only once over all edits of the group.
  - ``InsertItem(index=i)`` needs ``0 <= i <= n`` and places its value immediately
    before original item ``i`` -- at the place item ``i`` had, whether or not it is
    removed -- or at the end when ``i == n``.  Several insertions at the same index
    keep the order in which they were given.

  So the result reads: for ``i`` in ``0..n``, first the values inserted at ``i`` (in
  edit order), then original item ``i`` unless it is removed.  Removals and insertions
  therefore commute; only the relative order of insertions at one index matters.
  The caller's "remove some env items, then insert at index 0" puts the new items
  first, followed by the surviving originals in their original order.
* An ``InsertItem`` whose final key is missing or null in an existing parent mapping
  creates the sequence (a new key goes at the end of the mapping; a null value is
  replaced where it stands).  ``RemoveItems`` never creates anything.
* An edit whose path runs through an item removed by another edit is rejected.
* Violations raise :class:`PatchError`.

Text patching (``exact=True``)
------------------------------
* Block sequence items are removed as whole lines, from the line of the dash (which
  may stand alone above the content) through the line holding the item's last
  scalar, so an end-of-line comment there goes too.  Comment and blank lines between
  items stay.  Removing every item without inserting leaves an explicit ``[]`` line,
  since the key would otherwise load as null.
* New items are written as new lines before original item ``i`` (after the last
  item's last line for ``i == n``) with the dash and content columns of the sibling
  items; nested values follow the document's mapping indent and its habit of
  indenting sequences under their key or not.
* Flow sequences (JSON included) are rewritten as one flow text inside their
  brackets: kept items keep their text, new items are written as JSON, and a
  one-item-per-line layout is kept.  Comments inside the brackets are lost.
* A missing key is added after the last line of its parent block mapping, at the
  parent's key column, or as the last entry of a flow (JSON) mapping.  An empty
  value (``env:``) gets the items on the lines below its key; ``null`` or ``~`` is
  replaced by a flow list.
* Strings are written plain only when YAML 1.1 and 1.2 readers both take them back
  as the same string, otherwise double-quoted with escapes JSON also understands.
* New lines use the document's line break (``\r\n`` or ``\n``).

Fallback (``exact=False``): aliases inside the edited sequence or the mapping that
gets a new key, merge keys or duplicate keys along a path, compact nested sequences
(``- - a``), an anchor or tag on an edited flow sequence or null, inserted values
that are not plain data (dates, sets, ...), and any text patch that does not load
back as the reference result.
"""

from __future__ import annotations

import copy
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from migrate.model import Edit, InsertItem, Path, RemoveItems
from migrate.yaml import load, scalars, splice
from migrate.yaml.io import same
from migrate.yaml.lines import NEWLINE, Lines

__all__ = [
    "Edit",
    "InsertItem",
    "PatchError",
    "Patched",
    "Path",
    "RemoveItems",
    "apply_edits",
    "apply_edits_to_data",
]


@dataclass(frozen=True)
class Patched:
    """The patched document; ``exact`` tells whether untouched lines are byte-identical."""

    text: str
    exact: bool


class PatchError(Exception):
    """The edits do not fit the document, or no verified result could be produced."""


# ---------------------------------------------------------------------------
# Reference semantics on plain data
# ---------------------------------------------------------------------------


@dataclass
class _Group:
    """All edits of one target sequence, expressed against its original items."""

    removed: set[int] = field(default_factory=set)
    inserts: dict[int, list[Any]] = field(default_factory=dict)  # index -> values in order


@dataclass
class _DataGroup(_Group):
    length: int = 0
    container: Any = None  # the list itself, or the parent mapping when missing
    key: Any = None
    missing: bool = False


def _check_edit(edit: object) -> None:
    if not isinstance(edit, RemoveItems | InsertItem):
        raise PatchError(f"not an edit: {edit!r}")
    if not isinstance(edit.path, tuple) or not all(
        isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in edit.path
    ):
        raise PatchError(f"path must be a tuple of keys and indices: {edit.path!r}")
    indices = edit.indices if isinstance(edit, RemoveItems) else (edit.index,)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in indices):
        raise PatchError(f"indices must be integers: {edit!r}")


def _locate(root: Any, path: Path) -> tuple[Any, Any, Any]:
    """(value at path, parent mapping, final key); the mapping part only when it applies."""
    node = root
    for depth, elem in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, dict):
            if elem not in node:
                if last:
                    return None, node, elem
                raise PatchError(f"path {path!r}: key {elem!r} not found")
            if last:
                return node[elem], node, elem
            node = node[elem]
        elif isinstance(node, list):
            if isinstance(elem, str) or not 0 <= elem < len(node):
                raise PatchError(f"path {path!r}: no item {elem!r} in a list of {len(node)}")
            node = node[elem]
        else:
            raise PatchError(f"path {path!r}: cannot descend into {type(node).__name__}")
    return node, None, None


def _plan(root: Any, edits: Sequence[Edit], convert: Callable[[Any], Any]) -> list[_DataGroup]:
    groups: dict[tuple[Any, ...], _DataGroup] = {}
    for edit in edits:
        _check_edit(edit)
        value, parent, key = _locate(root, edit.path)
        gkey: tuple[Any, ...]
        if isinstance(value, list):
            gkey = ("seq", id(value))
            if gkey not in groups:
                groups[gkey] = _DataGroup(length=len(value), container=value)
        elif value is None and parent is not None and isinstance(edit, InsertItem):
            gkey = ("missing", id(parent), key)
            if gkey not in groups:
                groups[gkey] = _DataGroup(container=parent, key=key, missing=True)
        else:
            raise PatchError(f"path {edit.path!r}: no sequence there")
        group = groups[gkey]
        if isinstance(edit, RemoveItems):
            for i in edit.indices:
                if not 0 <= i < group.length:
                    raise PatchError(f"path {edit.path!r}: index {i} out of range")
                if i in group.removed:
                    raise PatchError(f"path {edit.path!r}: index {i} removed twice")
                group.removed.add(i)
        else:
            if not 0 <= edit.index <= group.length:
                raise PatchError(f"path {edit.path!r}: insert index {edit.index} out of range")
            group.inserts.setdefault(edit.index, []).append(convert(edit.value))
    for edit in edits:
        for other in edits:
            if not isinstance(other, RemoveItems):
                continue
            cut = len(other.path)
            if (
                len(edit.path) > cut
                and edit.path[:cut] == other.path
                and edit.path[cut] in other.indices
            ):
                raise PatchError(f"path {edit.path!r} lies inside a removed item")
    return list(groups.values())


def _apply_in_place(
    root: Any,
    edits: Sequence[Edit],
    new_list: Callable[[], list[Any]],
    convert: Callable[[Any], Any],
) -> None:
    for group in _plan(root, edits, convert):
        if group.missing:
            seq = new_list()
            group.container[group.key] = seq
        else:
            seq = group.container
        # Deleting from the back keeps the remaining indices valid; the survivors are
        # then in original order, so walking the slots places each insertion.
        for i in sorted(group.removed, reverse=True):
            del seq[i]
        pos = 0
        for slot in range(group.length + 1):
            for value in group.inserts.get(slot, []):
                seq.insert(pos, value)
                pos += 1
            if slot < group.length and slot not in group.removed:
                pos += 1


def apply_edits_to_data(data: Any, edits: Sequence[Edit], *, own: bool = False) -> Any:
    """Apply ``edits`` to a deep copy of plain ``data``; the reference semantics. With
    ``own``, ``data`` is the caller's to change (it was just read): no copy is made, as a
    deep copy shares inside it what ``data`` shares (anchors) and nothing else."""
    result = data if own else copy.deepcopy(data)
    _apply_in_place(result, edits, list, copy.deepcopy)
    return result


# ---------------------------------------------------------------------------
# Loading and comparing
# ---------------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


# Manifests are read as kubectl reads them: YAML 1.1, by libyaml where available.
_VERSIONS = ((1, 1),)


def _load(text: str, version: tuple[int, int] = (1, 1)) -> Any:
    return load.load_safe(text)


def _references(
    text: str, edits: Sequence[Edit], root: Any = None
) -> list[tuple[tuple[int, int], Any]]:
    """The expected data under each YAML version a reader may apply; ``root`` is the
    text's node graph (:func:`load.compose`), if at hand, so as not to read it again.

    YAML 1.2 is the reference; the 1.1 reading (kubectl's) is checked as well when
    the document and the edits make sense under it, so that no rewritten scalar
    changes its 1.1 meaning unnoticed.
    """
    references = []
    for version in _VERSIONS:
        try:
            built, original = (False, None) if root is None else load.load_safe_node(root)
            if not built:
                original = _load(text, version)
        except Exception as exc:
            if version == _VERSIONS[0]:
                raise PatchError(f"not a single valid YAML document: {exc}") from exc
            continue
        try:
            references.append((version, apply_edits_to_data(original, edits, own=True)))
        except PatchError:
            if version == _VERSIONS[0]:
                raise
    return references


def _verifies(text: str, references: list[tuple[tuple[int, int], Any]]) -> bool:
    try:
        return all(same(_load(text, version), data) for version, data in references)
    except Exception:
        return False


# ---------------------------------------------------------------------------
# Rendering values (scalars are spelled by migrate.yaml.scalars)
# ---------------------------------------------------------------------------


class _Unsupported(Exception):
    """The document or value is outside what the text patcher handles."""


def _flow(value: Any) -> str:
    """JSON-compatible flow text (JSON is valid YAML flow)."""
    if isinstance(value, dict):
        pairs = (f"{scalars.scalar_text(k, True)}: {_flow(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalars.scalar_text(value, True)


@dataclass(frozen=True)
class _Style:
    map_indent: int = 2  # nested mapping keys, relative to the parent key
    seq_offset: int = 2  # dash of a sequence under a key, relative to that key (0: indentless)
    item_offset: int = 2  # item content, relative to its dash

    def item_lines(self, values: Sequence[Any], dash: int, content: int, own: bool) -> list[str]:
        """Block lines for sequence items with dashes at ``dash`` and content at ``content``."""
        lines: list[str] = []
        for value in values:
            body = self.node_lines(value, content)
            if own:
                lines.append(" " * dash + "-")
                lines.append(" " * content + body[0])
            else:
                lines.append(" " * dash + "-" + " " * (content - dash - 1) + body[0])
            lines.extend(body[1:])
        return lines

    def node_lines(self, value: Any, col: int) -> list[str]:
        """Block lines for ``value`` at column ``col``; the first line comes unindented."""
        if isinstance(value, dict) and value:
            lines: list[str] = []
            for key, sub in value.items():
                if isinstance(key, dict | list):
                    raise _Unsupported("complex mapping key")
                head = (" " * col if lines else "") + scalars.scalar_text(key, False) + ":"
                if isinstance(sub, dict) and sub:
                    inner = col + self.map_indent
                    sub_lines = self.node_lines(sub, inner)
                    lines.append(head)
                    lines.append(" " * inner + sub_lines[0])
                    lines.extend(sub_lines[1:])
                elif isinstance(sub, list) and sub:
                    dash = col + self.seq_offset
                    lines.append(head)
                    lines.extend(self.item_lines(sub, dash, dash + self.item_offset, False))
                else:
                    lines.append(head + " " + self.node_lines(sub, col)[0])
            return lines
        if isinstance(value, list) and value:
            # A compact nested sequence: its first dash sits on the caller's line.
            lines = self.item_lines(value, col, col + self.item_offset, False)
            lines[0] = lines[0][col:]
            return lines
        if isinstance(value, dict):
            return ["{}"]
        if isinstance(value, list):
            return ["[]"]
        return [scalars.scalar_text(value, False)]


def _empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.start_mark.index == node.end_mark.index


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def _nodes(root: Node) -> Iterator[Node]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):  # the children as _children gives them
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _shared(root: Node) -> set[int]:
    """Ids of nodes reached more than once, i.e. through aliases."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        stack.extend(_children(node))
    return shared


def _detect_style(root: Node, lines: Lines) -> _Style:
    seq_offsets: Counter[int] = Counter()
    map_indents: Counter[int] = Counter()
    item_offsets: Counter[int] = Counter()
    for node in _nodes(root):
        if isinstance(node, MappingNode) and not node.flow_style:
            for key, value in node.value:
                if not isinstance(value, SequenceNode | MappingNode) or value.flow_style:
                    continue
                kline, kcol = lines.line(key.start_mark.index), lines.col(key.start_mark.index)
                if lines.line(value.start_mark.index) <= kline:
                    continue
                vcol = lines.col(value.start_mark.index)
                if isinstance(value, SequenceNode) and vcol >= kcol:
                    seq_offsets[vcol - kcol] += 1
                elif isinstance(value, MappingNode) and vcol > kcol:
                    map_indents[vcol - kcol] += 1
        elif isinstance(node, SequenceNode) and not node.flow_style:
            dash = lines.col(node.start_mark.index)
            for item in node.value:
                text = lines.get(lines.line(item.start_mark.index))
                icol = lines.col(item.start_mark.index)
                if icol > dash + 1 and text[dash : dash + 1] == "-" and not text[:dash].strip():
                    item_offsets[icol - dash] += 1

    def pick(counter: Counter[int], default: int) -> int:
        return counter.most_common(1)[0][0] if counter else default

    return _Style(pick(map_indents, 2), pick(seq_offsets, 2), pick(item_offsets, 2))


# ---------------------------------------------------------------------------
# The text patcher
# ---------------------------------------------------------------------------


_KEY_LINE_REST = re.compile(r"[ \t]*:[ \t]*(#[^\n]*)?\r?\n?\Z")
_NULL_TOKENS = frozenset({"null", "Null", "NULL", "~"})


class _TextPatcher:
    def __init__(self, text: str, root: Node, style: _Style, lines: Lines | None = None) -> None:
        self.text = text
        self.root = root
        self.style = style
        self.lines = lines or Lines(text, NEWLINE)
        # Without an anchor ("&"), no node is reached twice.
        self.shared = _shared(root) if "&" in text else set()
        self.splices: list[splice.Splice] = []

    # -- node geometry ----------------------------------------------------

    def content_end(self, node: Node) -> int | None:
        """End of the last character that belongs to ``node``'s content, if any.

        A block collection's own end mark runs past trailing comments and blank
        lines, so it is derived from the scalars and flow collections inside.
        """
        if isinstance(node, ScalarNode):
            start, end = node.start_mark.index, node.end_mark.index
            if start == end:
                return None
            if node.style in ("|", ">"):
                # A block scalar's end mark lies past its trailing blank lines and the
                # indentation of the next line.  The blank lines are part of a kept
                # ("|+") value; otherwise they belong to whatever follows.
                body = self.text[start:end]
                kept = node.value.endswith("\n\n")
                return int(start) + len(body.rstrip(" \t") if kept else body.rstrip())
            return int(end)
        if getattr(node, "flow_style", False):
            return int(node.end_mark.index)
        ends = [e for child in _children(node) if (e := self.content_end(child)) is not None]
        if isinstance(node, SequenceNode):  # an item left empty ("- ") ends at its dash
            ends += [int(i.start_mark.index) for i in node.value if _empty(i)]
        return max(ends, default=None)

    def indent_before(self, index: int) -> str | None:
        """The whitespace before ``index`` when nothing else precedes it on its line."""
        prefix = self.text[self.lines.start(self.lines.line(index)) : index]
        return prefix if not prefix.strip(" \t") else None

    def has_alias(self, node: Node) -> bool:
        return bool(self.shared) and any(id(n) in self.shared for n in _nodes(node))

    def is_dash_line(self, line: int, col: int) -> bool:
        text = self.lines.get(line)
        return (
            len(text) > col
            and text[col] == "-"
            and not text[:col].strip(" ")
            and (len(text) == col + 1 or text[col + 1] in " \t\r\n")
        )

    # -- resolution -------------------------------------------------------

    def resolve(self, path: Path) -> tuple[Node | None, MappingNode | None, Node | None]:
        """(node, parent mapping, key node); node is None for a missing final key."""
        node: Node = self.root
        parent: MappingNode | None = None
        keynode: Node | None = None
        for depth, elem in enumerate(path):
            if isinstance(node, MappingNode):
                if not isinstance(elem, str):
                    raise _Unsupported("non-string key")
                if any(k.tag == _MERGE for k, _ in node.value):
                    raise _Unsupported("merge keys")
                hits = [
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, ScalarNode) and k.tag == _STR and k.value == elem
                ]
                if len(hits) > 1:
                    raise _Unsupported("duplicate key")
                if not hits:
                    if depth == len(path) - 1:
                        return None, node, None
                    raise _Unsupported("key not found")
                parent, keynode = node, hits[0][0]
                node = hits[0][1]
            elif isinstance(node, SequenceNode):
                if isinstance(elem, str) or not 0 <= elem < len(node.value):
                    raise _Unsupported("index out of range")
                parent, keynode = None, None
                node = node.value[elem]
            else:
                raise _Unsupported("path runs into a scalar")
        return node, parent, keynode

    # -- edits ------------------------------------------------------------

    def add(self, start: int, end: int, text: str, depth: int) -> None:
        self.splices.append(splice.Splice(start, end, text, depth))

    def block_text(self, lines: list[str]) -> str:
        nl = self.lines.first_newline
        return "".join(line + nl for line in lines)

    def patch(self, edits: Sequence[Edit]) -> str:
        groups: dict[Path, _Group] = {}
        for edit in edits:
            group = groups.setdefault(edit.path, _Group())
            if isinstance(edit, RemoveItems):
                group.removed.update(edit.indices)
            else:
                group.inserts.setdefault(edit.index, []).append(edit.value)
        targets: set[int] = set()
        for path, group in groups.items():
            node, parent, keynode = self.resolve(path)
            if node is not None:
                if id(node) in targets:
                    raise _Unsupported("two paths reach one node")
                targets.add(id(node))
            if node is None:
                if parent is None or group.removed or set(group.inserts) != {0}:
                    raise _Unsupported("edits do not fit a missing key")
                self.missing_key(path, parent, group)
            elif isinstance(node, SequenceNode):
                if self.has_alias(node):
                    raise _Unsupported("aliases inside the sequence")
                n = len(node.value)
                if any(not 0 <= i < n for i in group.removed) or any(
                    not 0 <= i <= n for i in group.inserts
                ):
                    raise _Unsupported("indices do not fit the text")
                if node.flow_style:
                    self.flow_sequence(path, node, group)
                else:
                    self.block_sequence(path, node, parent, keynode, group)
            elif isinstance(node, ScalarNode) and node.tag == _NULL:
                if parent is None or keynode is None or group.removed:
                    raise _Unsupported("edits do not fit a null value")
                if set(group.inserts) != {0}:
                    raise _Unsupported("edits do not fit a null value")
                self.null_value(path, node, parent, keynode, group)
            else:
                raise _Unsupported("target is not a sequence")
        return splice.apply(self.text, self.splices, newline=self.lines.first_newline)

    def block_sequence(
        self,
        path: Path,
        seq: SequenceNode,
        parent: MappingNode | None,
        keynode: Node | None,
        group: _Group,
    ) -> None:
        lines = self.lines
        dash_col = lines.col(seq.start_mark.index)
        # Per item: (dash line, last line, content column or None, content on own line).
        spans: list[tuple[int, int, int | None, bool]] = []
        prev_last = lines.line(seq.start_mark.index) - 1
        for item in seq.value:
            end = self.content_end(item)
            content_line = lines.line(item.start_mark.index) if end is not None else None
            dash_line = prev_last + 1
            while not self.is_dash_line(dash_line, dash_col):
                stripped = lines.get(dash_line).strip()
                if dash_line >= lines.count or (stripped and not stripped.startswith("#")):
                    raise _Unsupported("cannot find the dash of an item")
                dash_line += 1
            if content_line is not None and content_line < dash_line:
                raise _Unsupported("item content before its dash")
            last = dash_line if end is None else max(dash_line, lines.line(end - 1))
            col = lines.col(item.start_mark.index) if end is not None else None
            own = content_line is not None and content_line > dash_line
            spans.append((dash_line, last, col, own))
            prev_last = last

        depth = len(path)
        n = len(spans)
        removed = set(group.removed)
        ends: dict[int, int] = {}  # the last line each removed item takes away
        for i in group.removed:
            last = spans[i][1]
            if self.would_join(seq, spans, removed, i):
                # The blank lines after the removed item would join a block scalar
                # that keeps them ("|+") before it: they go with the item.
                while self.lines.blank(last + 1) and (i + 1 == n or last + 1 < spans[i + 1][0]):
                    last += 1
            ends[i] = last
        for slot in range(n + 1):
            values = group.inserts.get(slot)
            if not values:
                continue
            ref = spans[min(slot, n - 1)]
            content_col = ref[2] if ref[2] is not None else dash_col + self.style.item_offset
            text = self.block_text(self.style.item_lines(values, dash_col, content_col, ref[3]))
            at = (
                lines.start(spans[slot][0])
                if slot < n
                else lines.after(ends.get(n - 1, spans[-1][1]))
            )
            self.add(at, at, text, depth)
        if len(group.removed) == n and not group.inserts:
            # With every item gone the key would load as null; an explicit empty flow
            # sequence keeps it a list.  It must sit deeper than an indentless owner key.
            indent = dash_col
            if parent is not None and keynode is not None:
                key_col = lines.col(keynode.start_mark.index)
                if indent <= key_col:
                    indent = key_col + self.style.map_indent
            at = lines.start(spans[0][0])
            self.add(at, at, self.block_text([" " * indent + "[]"]), depth)
        for i in group.removed:
            self.add(lines.start(spans[i][0]), lines.after(ends[i]), "", depth)

    def would_join(
        self,
        seq: SequenceNode,
        spans: Sequence[tuple[int, int, int | None, bool]],
        removed: set[int],
        i: int,
    ) -> bool:
        """Whether what follows removed item ``i`` would come right after a block scalar
        that keeps the blank lines after it: the last of the nearest item kept before
        ``i``, with nothing but blank lines and removed items between."""
        kept = next((j for j in range(i - 1, -1, -1) if j not in removed), None)
        if kept is None or not self.keeps_blank_lines(seq.value[kept]):
            return False
        gaps = (line for j in range(kept, i) for line in range(spans[j][1] + 1, spans[j + 1][0]))
        return all(self.lines.blank(line) for line in gaps)

    def keeps_blank_lines(self, node: Node) -> bool:
        """Whether ``node`` ends with a block scalar that keeps the blank lines after it
        (its header says "+"), so that a blank line put after it would change its value."""
        while isinstance(node, MappingNode | SequenceNode) and not node.flow_style:
            if not node.value:
                return False
            last = node.value[-1]
            node = last[1] if isinstance(node, MappingNode) else last
        if not isinstance(node, ScalarNode) or node.style not in ("|", ">"):
            return False
        start = node.start_mark.index
        header = self.text[start : self.lines.after(self.lines.line(start))].split("#", 1)[0]
        return "+" in header

    def flow_sequence(self, path: Path, seq: SequenceNode, group: _Group) -> None:
        lines, text = self.lines, self.text
        start, end = seq.start_mark.index, seq.end_mark.index
        if text[start : start + 1] != "[" or text[end - 1 : end] != "]":
            raise _Unsupported("flow sequence with anchor or tag")
        items = seq.value
        pieces: list[str] = []
        for slot in range(len(items) + 1):
            pieces.extend(_flow(v) for v in group.inserts.get(slot, []))
            if slot < len(items) and slot not in group.removed:
                item_end = self.content_end(items[slot])
                if item_end is None:
                    raise _Unsupported("empty flow item")
                pieces.append(text[items[slot].start_mark.index : item_end])
        if not pieces:
            new = "[]"
        elif items and lines.line(items[0].start_mark.index) != lines.line(start):
            # Keep a one-item-per-line layout (pretty-printed JSON) as it was.
            nl = lines.first_newline
            pad = self.indent_before(items[0].start_mark.index)
            closing = ""
            if (close_pad := self.indent_before(end - 1)) is not None:
                closing = nl + close_pad
            if pad is None:
                raise _Unsupported("first flow item shares its line")
            new = "[" + nl + pad + ("," + nl + pad).join(pieces) + closing + "]"
        else:
            new = "[" + ", ".join(pieces) + "]"
        self.add(start, end, new, len(path))

    def missing_key(self, path: Path, parent: MappingNode, group: _Group) -> None:
        if self.has_alias(parent):
            raise _Unsupported("missing key in an aliased mapping")
        if parent.flow_style:
            self.missing_key_flow(path, parent, group)
            return
        end = self.content_end(parent)
        if end is None:
            raise _Unsupported("empty parent mapping")
        key_col = self.lines.col(parent.value[0][0].start_mark.index)
        dash = key_col + self.style.seq_offset
        head = " " * key_col + scalars.scalar_text(path[-1], False) + ":"
        body = self.style.item_lines(group.inserts[0], dash, dash + self.style.item_offset, False)
        at = self.lines.after(self.lines.line(end - 1))
        self.add(at, at, self.block_text([head, *body]), len(path) - 1)

    def missing_key_flow(self, path: Path, parent: MappingNode, group: _Group) -> None:
        # JSON manifests come this way; a JSON entry keeps them JSON.
        text, lines = self.text, self.lines
        end = parent.end_mark.index
        if text[end - 1 : end] != "}":
            raise _Unsupported("unexpected end of a flow mapping")
        entry = f"{scalars.scalar_text(path[-1], True)}: {_flow(group.inserts[0])}"
        if not parent.value:
            start = parent.start_mark.index
            if text[start : start + 1] != "{" or text[start + 1 : end - 1].strip():
                raise _Unsupported("flow mapping with anchor, tag or comment")
            self.add(start + 1, end - 1, entry, len(path) - 1)
            return
        last_key, last_value = parent.value[-1]
        last_end = self.content_end(last_value)
        if last_end is None or text[last_end : end - 1].strip():
            raise _Unsupported("trailing comma or comment in a flow mapping")
        pad = self.indent_before(last_key.start_mark.index)
        sep = ", " if pad is None else "," + lines.first_newline + pad
        self.add(last_end, last_end, sep + entry, len(path) - 1)

    def null_value(
        self, path: Path, node: ScalarNode, parent: MappingNode, keynode: Node, group: _Group
    ) -> None:
        start, end = node.start_mark.index, node.end_mark.index
        values = group.inserts[0]
        if start != end:
            if self.text[start:end] not in _NULL_TOKENS:
                raise _Unsupported("null with anchor or tag")
            self.add(start, end, _flow(values), len(path))
            return
        if parent.flow_style:
            raise _Unsupported("empty value in a flow mapping")
        key_end = keynode.end_mark.index
        key_line = self.lines.line(key_end - 1)
        if not _KEY_LINE_REST.match(self.text, key_end, self.lines.after(key_line)):
            raise _Unsupported("unexpected text after the key")
        dash = self.lines.col(keynode.start_mark.index) + self.style.seq_offset
        body = self.style.item_lines(values, dash, dash + self.style.item_offset, False)
        at = self.lines.after(key_line)
        self.add(at, at, self.block_text(body), len(path))


# ---------------------------------------------------------------------------
# Round-trip fallback
# ---------------------------------------------------------------------------


def _to_round_trip(value: Any) -> Any:
    """Copy plain data into ruamel types, quoting strings a YAML 1.1 reader would misread."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[_to_round_trip(k)] = _to_round_trip(v)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_to_round_trip(v) for v in value)
    if isinstance(value, str) and not scalars.plain_text_ok(value):
        return DoubleQuotedScalarString(value)
    return copy.deepcopy(value)


_PREAMBLE = re.compile(r"(?:(?:[ \t]*(?:#[^\n]*)?|%[^\n]*)\n)*---(?=[ \t\n])([ \t]*\n)?")
_DUMPED_START = re.compile(r"\A(?:%[^\n]*\n)*---[ \t]*\n")


def _round_trip(text: str, edits: Sequence[Edit], style: _Style) -> str:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16
    yaml.map_indent = style.map_indent
    yaml.sequence_indent = style.seq_offset + style.item_offset
    yaml.sequence_dash_offset = style.seq_offset
    data = yaml.load(text)
    _apply_in_place(data, edits, CommentedSeq, _to_round_trip)
    buf = io.StringIO()
    # The dumper drops comments before a leading "---" and the marker itself.
    normalized = text.replace("\r\n", "\n")
    preamble = _PREAMBLE.match(normalized)
    if preamble is not None and preamble.group(1) is None:
        # Something follows the marker on its line; let the dumper write the marker.
        yaml.explicit_start = True
        preamble = None
    yaml.dump(data, buf)
    result = buf.getvalue()
    if preamble:
        # A "%YAML" directive makes the dumper write its own start; keep only ours.
        result = preamble.group(0) + _DUMPED_START.sub("", result, count=1)
    if "\r\n" in text:
        result = result.replace("\r\n", "\n").replace("\n", "\r\n")
    return result


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def apply_edits(text: str, edits: Sequence[Edit]) -> Patched:
    """Apply ``edits`` to the single YAML document ``text``, keeping untouched lines intact."""
    try:
        root = load.compose(text)
    except Exception:
        root = None
    expected = _references(text, edits, root)
    if not edits:
        return Patched(text, True)
    lines = Lines(text, NEWLINE)
    style = _detect_style(root, lines) if root is not None else _Style()
    if root is not None:
        try:
            candidate = _TextPatcher(text, root, style, lines).patch(edits)
        except (_Unsupported, scalars.Unwritable, splice.Overlap):
            pass
        else:
            if _verifies(candidate, expected):
                return Patched(candidate, True)
    try:
        fallback = _round_trip(text, edits, style)
    except Exception as exc:
        raise PatchError(f"round-trip fallback failed: {exc}") from exc
    if _verifies(fallback, expected):
        return Patched(fallback, False)
    raise PatchError("neither the text patch nor the round-trip dump verified")
