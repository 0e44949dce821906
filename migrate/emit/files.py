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
    if root.exists():
        _check(targets, force)
        remove_stale_temporaries(dict.fromkeys(target.parent for target in targets))
    else:  # nothing under it exists: what is above it is the same for every file
        _check(targets[:1], force)
    # The directories first, all of them, so that one that cannot be made stops the run
    # before any file is written.
    first_file: dict[Path, Path] = {}
    for target in targets:
        first_file.setdefault(target.parent, target)
    for directory, target in first_file.items():
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{target}: cannot write: {error.strerror}") from None
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


def _check(targets: Sequence[Path], force: bool) -> None:
    """Refuse before writing: a file that exists (without ``force``), or that is not a
    file, or a file where a directory must go (it would stop the run half-way)."""
    if not force:
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            shown = ", ".join(existing[:3]) + (" …" if len(existing) > 3 else "")
            raise OutputError(f"would overwrite {shown}; pass --force to replace")
    for target in targets:
        if target.exists() and not target.is_file():
            raise OutputError(f"{target}: exists and is not a file")
        for parent in target.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutputError(f"{target}: cannot write: {parent} is not a directory")
                break


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
