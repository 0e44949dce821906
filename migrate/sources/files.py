"""Manifest files and stdin as a source: ``-f`` arguments in, documents out.

This module owns the order of reading (arguments as given, a directory's
files sorted, as kubectl does) and what a file that cannot be read becomes:
a :class:`~migrate.sources.interface.Problem`, while the other files go on.
Parsing a file into documents is :mod:`migrate.sources.manifests`' job.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from migrate.errors import InputError
from migrate.model import Document
from migrate.sources import manifests
from migrate.sources.interface import Problem, Source


class Files(Source[Document]):
    """The documents of every file named by ``-f`` arguments (``-`` reads stdin).

    ``namespace`` is the namespace of documents that name none, as ``kubectl -n``
    applies it.
    """

    def __init__(
        self, arguments: Sequence[str], recursive: bool = False, namespace: str | None = None
    ) -> None:
        self.arguments = tuple(arguments)
        self.recursive = recursive
        self.namespace = namespace

    def read(self) -> Iterator[Document | Problem]:
        for argument in self.arguments:
            try:
                paths = manifests.paths([argument], self.recursive)
            except InputError as error:
                yield Problem(str(error))
                continue
            for path in paths:
                try:
                    text = manifests.read(path)
                except InputError as error:
                    yield Problem(str(error))
                    continue
                yield from self._documents(path, text)

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
