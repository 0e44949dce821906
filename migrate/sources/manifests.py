"""Manifest files as a source of Kubernetes objects.

This module owns turning paths (files, directories with or without
recursion, ``-`` for stdin) into documents: multi-document YAML, ``kind:
List`` (as ``kubectl get -o yaml`` prints it) and ``helm template`` output.
Each document keeps its own text, so emitters can patch it line by line, and
its origin, so every message can name the file and line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml import MarkedYAMLError, YAMLError
from yaml.reader import ReaderError

from migrate.errors import InputError
from migrate.model import Document, Origin
from migrate.yaml.io import (
    describe_reader_error,
    load_manifest,
    reader_error_position,
    same,
    split_lines,
)

STDIN = "-"
_SUFFIXES = (".yaml", ".yml", ".json")
# A line starting with '---' or '...' at column 0 always ends a document in YAML.
_MARKER = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n]|$)")


def paths(arguments: Iterable[str], recursive: bool) -> list[str]:
    """The files named by ``-f`` arguments, in a stable order, like kubectl does."""
    found: list[str] = []
    for argument in arguments:
        if argument == STDIN:
            found.append(STDIN)
            continue
        path = Path(argument)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found += sorted(
                str(p) for p in path.glob(pattern) if p.is_file() and p.suffix in _SUFFIXES
            )
        elif path.exists():
            found.append(str(path))
        else:
            raise InputError(f"{argument}: no such file or directory")
    return found


def read(path: str) -> str:
    """The text of one input, decoded as UTF-8 (a BOM is dropped)."""
    try:
        raw = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"{_name(path)}:{line}: not UTF-8 text (byte {error.start})") from None
    return text


def _name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def documents(path: str, text: str, problems: list[str] | None = None) -> Iterator[Document]:
    """The Kubernetes objects of one file, ``List`` items unpacked.

    A document that cannot be read raises InputError, or, when ``problems`` is
    given, is recorded there and skipped: the file's other documents go on.
    """
    name = _name(path)
    for first_line, chunk in split(text):
        try:
            yield from _chunk(name, first_line, chunk)
        except InputError as error:
            if problems is None:
                raise
            problems.append(str(error))


def _chunk(name: str, first_line: int, chunk: str) -> list[Document]:
    try:
        data = load_manifest(chunk)
    except MarkedYAMLError as error:
        raise InputError(_describe(name, first_line, error)) from None
    except ReaderError as error:
        line, column = reader_error_position(chunk, error)
        raise InputError(
            f"{name}:{first_line + line}:{column + 1}: invalid YAML: {describe_reader_error(error)}"
        ) from None
    except YAMLError as error:
        raise InputError(f"{name}:{first_line}: invalid YAML: {error}") from None
    except RecursionError:
        raise InputError(f"{name}:{first_line}: invalid YAML: nested too deeply") from None
    if data is None:
        return []
    origin = Origin(name, first_line)
    if not isinstance(data, Mapping):
        raise InputError(f"{origin}: a Kubernetes object must be a mapping")
    if data.get("kind") == "List" or (
        str(data.get("kind", "")).endswith("List") and isinstance(data.get("items"), list)
    ):
        return list(_list_items(chunk, data, origin))
    return [Document(text=chunk, data=data, origin=origin)]


def _describe(name: str, first_line: int, error: MarkedYAMLError) -> str:
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


def split(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each document of a YAML stream.

    Comment lines and a ``---`` before the first document stay with it, and a
    ``...`` end marker stays with the document it ends, so a document's text
    is all of its lines.
    """
    lines = split_lines(text)
    start = 0
    for number, line in enumerate(lines):
        marker = _MARKER.match(line)
        if not marker:
            continue
        if line.startswith("..."):
            if _has_content(lines[start:number]):
                yield start + 1, "".join(lines[start : number + 1])
            start = number + 1
            continue
        if _has_content(lines[start:number]):
            yield start + 1, "".join(lines[start:number])
            start = number + 1
        # A '---' after nothing but comments opens the same document they precede.
        content = line[3:].split("#", 1)[0].strip()
        if content and start > number:
            start = number
    if _has_content(lines[start:]):
        yield start + 1, "".join(lines[start:])


def _has_content(lines: list[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def _list_items(chunk: str, data: Mapping[str, Any], origin: Origin) -> Iterator[Document]:
    items = data.get("items")
    if not isinstance(items, list):
        raise InputError(f"{origin}: a List without items")
    spans = _item_spans(chunk)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InputError(f"{origin}: items[{index}] is not a mapping")
        first, text = spans[index] if index < len(spans) else (0, "")
        item_origin = Origin(origin.file, origin.line + first)
        if not text or not _reads_as(text, item):
            text = _dump_plain(item)
        yield Document(text=text, data=item, origin=item_origin)


def _reads_as(text: str, item: Mapping[str, Any]) -> bool:
    """Whether an item's own text loads back as the item (else it is written out anew)."""
    try:
        return same(load_manifest(text), item)
    except YAMLError:
        return False


def _item_spans(chunk: str) -> list[tuple[int, str]]:
    """Each item of a block ``items:`` list as standalone, dedented text."""
    node = yaml.compose(
        chunk, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
    )
    items_node = None
    for key, value in getattr(node, "value", []):
        if getattr(key, "value", None) == "items":
            items_node = value
    if items_node is None or getattr(items_node, "flow_style", False):
        return []
    lines = chunk.splitlines(keepends=True)
    spans: list[tuple[int, str]] = []
    starts = [item.start_mark.line for item in items_node.value]
    for index, item in enumerate(items_node.value):
        begin = starts[index]
        end = _last_line(item) + 1
        if index + 1 < len(starts):
            # Up to the next item's '-', which may stand on a line of its own, or
            # before comments ('- # ...'), above the line where its content starts.
            dash = (n for n in range(end, starts[index + 1]) if lines[n].lstrip().startswith("-"))
            end = next(dash, starts[index + 1])
        column = item.start_mark.column
        block = lines[begin:end]
        text = "".join(_dedent(line, column, first=i == 0) for i, line in enumerate(block))
        spans.append((begin, text))
    return spans


def _last_line(node: Any) -> int:
    if isinstance(node.value, list):
        last = node.start_mark.line
        for child in node.value:
            parts = child if isinstance(child, tuple) else (child,)
            for part in parts:
                last = max(last, _last_line(part))
        return int(last)
    end = node.end_mark
    # A scalar ending at column 0 of a line ended on the line before.
    return int(end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line)


def _dedent(line: str, column: int, first: bool) -> str:
    if first:
        return line[column:]
    prefix = line[:column]
    if prefix.strip() == "":
        return line[column:] if len(line) > column else line.lstrip(" ")
    return line.lstrip(" ")


def _dump_plain(data: Mapping[str, Any]) -> str:
    from migrate.yaml import io as yamlio

    return yamlio.dump(yamlio.to_commented(data))
