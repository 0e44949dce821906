"""Writing artifacts safely, or as one YAML stream for stdout.

This module owns the only writes the tool makes: every file goes to a
temporary name in its own directory and is renamed into place, so a reader
never sees half a file; nothing that exists is overwritten unless asked, and
that is checked for every file before the first one is written.

A run that is killed (SIGKILL, power loss) can leave a temporary behind; it
can never leave a partial file at a final path. Temporaries are named
``.migrate-tmp.<file name>.<random>`` so that they cannot be mistaken for
output, and every run removes the stale ones it finds in the directories it
writes to. A writer holds an advisory lock (``flock``) on its temporary until
the rename, so a concurrent run never removes a temporary still in use.
Every file is on disk before it is renamed. On Linux files go in batches
(:mod:`migrate.emit.batches`); elsewhere each file is flushed (``fsync``) on
a thread of its own, a few at a time, so that the file system commits their
flushes together. A scan's second process may write its share of a run's
files (:class:`Elsewhere`), once this module has checked them all.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from migrate.emit import batches
from migrate.emit.batches import NAME_ROOM, try_lock
from migrate.errors import OutputError

# Every temporary's name starts with this marker; nothing else the tool writes does.
TEMP_PREFIX = batches.TEMP_PREFIX


@dataclass(frozen=True)
class Artifact:
    """One file to write, relative to the output directory."""

    path: PurePosixPath
    text: str


def is_temporary(name: str) -> bool:
    """Whether a file called ``name`` is a temporary of this module (finished or not)."""
    return name.startswith(TEMP_PREFIX)


class Elsewhere(Protocol):
    """Some of a run's files, written by another process once every file is checked and
    every directory made (a scan's second process writes those of its contexts)."""

    def indices(self) -> Collection[int]:
        """Which of the artifacts (by position) the other process writes."""
        ...

    def start(self, root: Path) -> None:
        """Write them under ``root`` now."""
        ...

    def finish(self) -> None:
        """Wait until they are written; raises OutputError for one that could not be."""
        ...


def write(
    root: Path,
    artifacts: Sequence[Artifact],
    *,
    force: bool,
    elsewhere: Elsewhere | None = None,
) -> list[Path]:
    """Write ``artifacts`` under ``root``; returns the paths written. Those ``elsewhere``
    writes are checked here, with every other, and written by it at the same time."""
    targets = [root.joinpath(*artifact.path.parts) for artifact in artifacts]
    if not targets:
        return targets
    disk = _OnDisk(root, [artifact.path.parts for artifact in artifacts])
    names = [os.fspath(target) for target in targets]
    _check(names, force, disk)
    remove_stale_temporaries(
        Path(directory)
        for directory in dict.fromkeys(os.path.dirname(name) for name in names)
        if disk.kind(directory) == _DIRECTORY
    )
    # The directories first, all of them, so that one that cannot be made stops the run
    # before any file is written.
    first_file: dict[str, str] = {}
    for name in names:
        first_file.setdefault(os.path.dirname(name), name)
    for directory, name in first_file.items():
        try:
            disk.make(directory)
        except OSError as error:
            raise OutputError(f"{name}: cannot write: {error.strerror}") from None
    if elsewhere is None:
        put(artifacts, targets)
        return targets
    theirs = frozenset(elsewhere.indices())
    elsewhere.start(root)
    try:
        put(
            [a for index, a in enumerate(artifacts) if index not in theirs],
            [t for index, t in enumerate(targets) if index not in theirs],
        )
    finally:
        elsewhere.finish()  # their files are whole, or not there, either way
    return targets


def put(artifacts: Sequence[Artifact], targets: Sequence[Path]) -> None:
    """Write each artifact to its target, whose directory exists (:func:`write` without
    its checks: for a process that writes part of a run's files)."""
    if not targets:
        return
    syncfs = batches.syncfs_call()
    if syncfs is not None:
        batches.write_batches(
            [(a.text, os.fspath(t)) for a, t in zip(artifacts, targets, strict=True)], syncfs
        )
        return
    # Each file waits for the disk (fsync) on a thread of its own, a few at a time, so
    # the file system commits them together; every file is still written atomically.
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        futures = [
            pool.submit(_atomic_write, target, artifact.text)
            for artifact, target in zip(artifacts, targets, strict=True)
        ]
        for target, future in zip(targets, futures, strict=True):
            try:
                future.result()
            except OSError as error:
                for other in futures:
                    other.cancel()
                raise OutputError(f"{target}: cannot write: {error.strerror}") from None


def _check(targets: Sequence[str], force: bool, disk: _OnDisk) -> None:
    """Refuse before writing: a file that exists (without ``force``), or that is not a
    file, or a file where a directory must go (it would stop the run half-way)."""
    if not force:
        existing = [t for t in targets if disk.kind(t) != _ABSENT]
        if existing:
            shown = ", ".join(existing[:3]) + (" …" if len(existing) > 3 else "")
            raise OutputError(f"would overwrite {shown}; pass --force to replace")
    fine: set[str] = set()  # directories whose nearest existing ancestor is a directory
    for target in targets:
        if disk.kind(target) not in (_ABSENT, _FILE):
            raise OutputError(f"{target}: exists and is not a file")
        parent = os.path.dirname(target) or "."
        while parent not in fine:
            kind = disk.kind(parent)
            if kind != _ABSENT:
                if kind != _DIRECTORY:
                    raise OutputError(f"{target}: cannot write: {parent} is not a directory")
                break
            up = os.path.dirname(parent) or "."
            if up == parent:
                break
            parent = up
        fine.add(os.path.dirname(target) or ".")


_ABSENT, _DIRECTORY, _FILE, _OTHER = "absent", "directory", "file", "other"


class _OnDisk:
    """What is at the paths of one write, and the directories it makes.

    Below ``root`` it reads a directory's listing once, and a directory that does
    not exist holds nothing, so checking a run's files costs a few system calls,
    not several for each file. Elsewhere (the root, what is above it, what a
    symbolic link leads to, a directory it may not list) it asks ``stat``.
    """

    def __init__(self, root: Path, parts: Iterable[Sequence[str]]) -> None:
        self._root = os.fspath(root)
        self._inside: set[str] = set()  # below the root, reached by plain names
        for path in parts:
            here = self._root
            for part in path[:-1]:
                if not part or part in (".", "..") or os.sep in part:
                    break
                here = os.path.join(here, part)
                self._inside.add(here)
        self._kinds: dict[str, str] = {}
        self._listings: dict[str, dict[str, os.DirEntry[str]] | None] = {}
        self._made: set[str] = set()

    def kind(self, path: str) -> str:
        found = self._kinds.get(path)
        if found is None:
            found = self._kinds[path] = self._kind(path)
        return found

    def _kind(self, path: str) -> str:
        if path in self._made:
            return _DIRECTORY
        parent, name = os.path.split(path)
        if parent != self._root and parent not in self._inside:
            return _stat_kind(path)
        if parent in self._listings:
            listing = self._listings[parent]
        else:
            listing = self._listings[parent] = self._list(parent)
        if listing is None:  # not listed: asked of the file system
            return _stat_kind(path)
        entry = listing.get(name)
        if entry is None:
            return _ABSENT
        if entry.is_symlink():
            return _stat_kind(path)
        if entry.is_dir(follow_symlinks=False):
            return _DIRECTORY
        return _FILE if entry.is_file(follow_symlinks=False) else _OTHER

    def _list(self, directory: str) -> dict[str, os.DirEntry[str]] | None:
        """The entries of ``directory``; {} if it does not exist, None if it cannot be listed."""
        kind = self.kind(directory)
        if kind != _DIRECTORY:
            return {} if kind == _ABSENT else None
        try:
            with os.scandir(directory) as entries:
                return {entry.name: entry for entry in entries}
        except OSError:
            return None

    def make(self, directory: str) -> None:
        """Make ``directory`` and the directories above it that do not exist."""
        missing: list[str] = []
        while self.kind(directory) == _ABSENT:
            missing.append(directory)
            up = os.path.dirname(directory) or "."
            if up == directory:
                break
            directory = up
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                if not os.path.isdir(path):
                    raise
            self._made.add(path)
            self._kinds[path] = _DIRECTORY
            self._listings[path] = {}


def _stat_kind(path: str) -> str:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return _ABSENT
    if stat.S_ISDIR(status.st_mode):
        return _DIRECTORY
    return _FILE if stat.S_ISREG(status.st_mode) else _OTHER


_WRITERS = 8  # files flushed (fsync) at once, where there is no syncfs


def remove_stale_temporaries(directories: Iterable[Path]) -> list[Path]:
    """Remove the temporaries that interrupted runs left in ``directories``.

    A temporary that a running writer still holds is kept; a directory that
    does not exist or cannot be read is passed over (writing there reports
    the problem). Returns the paths removed.
    """
    removed: list[Path] = []
    for directory in directories:
        try:
            with os.scandir(directory) as entries:
                candidates = [
                    Path(entry.path)
                    for entry in entries
                    if is_temporary(entry.name) and entry.is_file(follow_symlinks=False)
                ]
        except OSError:
            continue
        removed += (path for path in candidates if _remove_if_stale(path))
    return removed


def _remove_if_stale(path: Path) -> bool:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if not try_lock(descriptor):
            return False  # a live writer holds it
        path.unlink()
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return True


def _atomic_write(target: Path, text: str) -> None:
    prefix = f"{TEMP_PREFIX}{target.name[:NAME_ROOM]}."
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        # The file stays open, and locked, until it has its final name.
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            try_lock(stream.fileno())
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink(missing_ok=True)
        raise


def write_file(target: Path, text: str) -> None:
    """Write one file atomically, replacing what is there (callers decide whether it may)."""
    if target.exists() and not target.is_file():
        raise OutputError(f"{target}: exists and is not a file")
    remove_stale_temporaries([target.parent])
    try:
        _atomic_write(target, text)
    except OSError as error:
        raise OutputError(f"{target}: cannot write: {error.strerror}") from None


def write_new_file(target: Path, text: str, *, force: bool) -> None:
    """Write one file atomically; an existing file only with ``force``."""
    if target.exists() and not force:
        raise OutputError(f"would overwrite {target}; pass --force to replace")
    write_file(target, text)


def stream(documents: Sequence[str]) -> str:
    """The texts of ``documents`` as one multi-document YAML stream (``--stdout``); a
    document that opens with its own '---' keeps it."""
    parts: list[str] = []
    for index, text in enumerate(documents):
        first = next(
            (line for line in text.splitlines() if line.strip() and not line.startswith("#")), ""
        )
        if index and not first.startswith("---"):
            parts.append("---\n")
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)
