"""Manifest files as a source of Kubernetes objects.

This module owns turning paths (files, directories with or without
recursion, ``-`` for stdin) into documents: multi-document YAML, ``kind:
List`` (as ``kubectl get -o yaml`` prints it) and ``helm template`` output.
Each document keeps its own text, so emitters can patch it line by line, and
its origin, so every message can name the file and line. A workload that
carries the fields the API server sets (``kubectl get`` output) is read
without them (:mod:`migrate.sources.server_fields`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from yaml import YAMLError

from migrate.errors import InputError
from migrate.model import Document, Origin
from migrate.sources import server_fields
from migrate.yaml import io as yamlio
from migrate.yaml import load, spans
from migrate.yaml.lines import split_lines

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


def skipped(argument: str) -> tuple[int, int]:
    """For a directory read without recursion: how many of its subdirectories hold
    manifest files (at any depth), and how many files those are."""
    path = Path(argument)
    if argument == STDIN or not path.is_dir():
        return 0, 0
    holding: set[str] = set()
    files = 0
    for found in path.glob("*/**/*"):
        if found.suffix in _SUFFIXES and found.is_file():
            holding.add(found.relative_to(path).parts[0])
            files += 1
    return len(holding), files


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
            # A workload as `kubectl get -o yaml` prints it loses what the server set.
            yield from map(server_fields.strip, _chunk(name, first_line, chunk))
        except InputError as error:
            if problems is None:
                raise
            problems.append(str(error))


def _chunk(name: str, first_line: int, chunk: str) -> list[Document]:
    data = load.load_document(chunk, name, first_line)
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
    texts = spans.list_items(chunk)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InputError(f"{origin}: items[{index}] is not a mapping")
        first, text = texts[index] if index < len(texts) else (0, "")
        item_origin = Origin(origin.file, origin.line + first)
        if not text or not _reads_as(text, item):
            text = _dump_plain(item)
        yield Document(text=text, data=item, origin=item_origin)


def _reads_as(text: str, item: Mapping[str, Any]) -> bool:
    """Whether an item's own text loads back as the item (else it is written out anew)."""
    try:
        return yamlio.same(load.load_manifest(text), item)
    except YAMLError:
        return False


def _dump_plain(data: Mapping[str, Any]) -> str:
    return yamlio.dump_plain(data)
