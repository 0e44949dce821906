"""The interface of the source stage: what every source gives, and its base error.

A source is read once and yields what it found as values: documents (manifest
files and stdin), workloads (a cluster context), a release revision (a Helm
release), and, in between, a :class:`Problem` for each part it could not
read, so that the other parts still go on. A source that passes over
something on purpose the person running it should know of (files reads a
directory without its subdirectories) yields a :class:`Note` among what it
found. Only a source that cannot be used at all raises a
:class:`SourceError`, which ends the run.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from migrate.errors import InputError

Found = TypeVar("Found", covariant=True)


class SourceError(InputError):
    """A source that cannot be used at all: the run stops (exit code 2 unless a subclass says)."""


@dataclass(frozen=True)
class Problem:
    """One part of a source that could not be read; the others go on."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Note:
    """Something a source passed over on purpose, worth a line; nothing went wrong."""

    message: str

    def __str__(self) -> str:
        return self.message


class Source(abc.ABC, Generic[Found]):
    """Something to read Kubernetes objects (or what describes them) from."""

    @abc.abstractmethod
    def read(self) -> Iterator[Found | Problem]:
        """What the source holds, in a stable order, and a problem for each part it could
        not read."""
