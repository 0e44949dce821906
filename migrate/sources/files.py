"""Manifest files and stdin as a source: ``-f`` arguments in, documents out.

This module owns the order of reading (arguments as given, a directory's
files sorted, as kubectl does) and what a file that cannot be read becomes:
a :class:`~migrate.sources.interface.Problem`, while the other files go on.
Parsing a file into documents is :mod:`migrate.sources.manifests`' job.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from migrate import fastpath
from migrate.errors import InputError
from migrate.model import Document
from migrate.sources import manifests
from migrate.sources.interface import Note, Problem, Source


class Files(Source[Document | Note]):
    """The documents of every file named by ``-f`` arguments (``-`` reads stdin).

    ``namespace`` is the namespace of documents that name none, as ``kubectl -n``
    applies it. A directory read without ``recursive`` whose subdirectories hold
    manifest files gives a :class:`Note` saying so, after its own documents.
    """

    def __init__(
        self, arguments: Sequence[str], recursive: bool = False, namespace: str | None = None
    ) -> None:
        self.arguments = tuple(arguments)
        self.recursive = recursive
        self.namespace = namespace

    def read(self) -> Iterator[Document | Problem | Note]:
        for argument in self.arguments:
            try:
                paths = manifests.paths([argument], self.recursive)
            except InputError as error:
                yield Problem(str(error))
                continue
            if manifests.STDIN in paths:
                for path in paths:
                    yield from self._file(path)
            else:
                # Each file is read on its own, so many are shared among processes.
                for found in fastpath.ordered_map(self._file, paths):
                    yield from found
            if not self.recursive:
                yield from _skipped(argument)

    def _file(self, path: str) -> list[Document | Problem]:
        """What one file gives, in order: its documents, and a problem for each that
        cannot be read (or one for the file)."""
        try:
            text = manifests.read(path)
        except InputError as error:
            return [Problem(str(error))]
        return list(self._documents(path, text))

    def _documents(self, path: str, text: str) -> Iterator[Document | Problem]:
        # The manifest reader records a document it cannot read and goes on with the next.
        unreadable: list[str] = []
        for document in manifests.documents(path, text, unreadable):
            while unreadable:
                yield Problem(unreadable.pop(0))
            if self.namespace is not None:
                document = replace(document, namespace_default=self.namespace)
            yield document
        yield from (Problem(message) for message in unreadable)


def _skipped(argument: str) -> Iterator[Note]:
    """A note for the subdirectories of ``argument`` that hold manifests, read only with -R."""
    directories, found = manifests.skipped(argument)
    if found:
        yield Note(
            f"{argument}: skipped {plural(directories, 'subdirectory', 'subdirectories')} "
            f"holding {plural(found, 'YAML file')}; -R descends into subdirectories"
        )


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
