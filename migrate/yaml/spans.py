"""Which lines a node's text takes, and the text of each item of a ``kind: List``.

This module owns the reading of node extents from the parser's marks: the last
line a node reaches (:func:`end_line` for the node itself, :func:`last_line`
for a block collection, whose own end mark runs past trailing comments), and
cutting the items of a ``kind: List`` out of the document's text, so that each
item can be patched as a document of its own.
"""

from __future__ import annotations

from typing import Any

from migrate.yaml.load import compose


def end_line(node: Any) -> int:
    """The line a node's end mark closes: an end at column 0 closed the line before."""
    mark = node.end_mark
    return int(mark.line) if mark.column > 0 else int(mark.line) - 1


def last_line(node: Any) -> int:
    """The last line holding text of ``node`` or anything inside it (not before its first)."""
    if isinstance(node.value, list):
        last = node.start_mark.line
        for child in node.value:
            parts = child if isinstance(child, tuple) else (child,)
            for part in parts:
                last = max(last, last_line(part))
        return int(last)
    return max(int(node.start_mark.line), end_line(node))


def list_items(text: str) -> list[tuple[int, str]]:
    """(first line, standalone dedented text) of each item of the block ``items:`` list
    of the document ``text``; empty when the list is written in flow style."""
    root = compose(text)
    items = None
    for key, value in getattr(root, "value", []):
        if getattr(key, "value", None) == "items":
            items = value
    if items is None or getattr(items, "flow_style", False):
        return []
    lines = text.splitlines(keepends=True)
    spans: list[tuple[int, str]] = []
    starts = [item.start_mark.line for item in items.value]
    for index, item in enumerate(items.value):
        begin = starts[index]
        end = last_line(item) + 1
        if index + 1 < len(starts):
            # Up to the next item's '-', which may stand on a line of its own, or
            # before comments ('- # ...'), above the line where its content starts.
            dash = (n for n in range(end, starts[index + 1]) if lines[n].lstrip().startswith("-"))
            end = next(dash, starts[index + 1])
        column = item.start_mark.column
        block = lines[begin:end]
        spans.append(
            (begin, "".join(_dedent(line, column, i == 0) for i, line in enumerate(block)))
        )
    return spans


def _dedent(line: str, column: int, first: bool) -> str:
    if first:
        return line[column:]
    prefix = line[:column]
    if prefix.strip() == "":
        return line[column:] if len(line) > column else line.lstrip(" ")
    return line.lstrip(" ")
