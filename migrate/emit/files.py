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
Every file is on disk before it is renamed. On Linux files go in batches:
the temporaries of a batch are written, flushed to disk together by one
``syncfs`` call, then renamed, on a second thread while the next batch is
written. Elsewhere each file is flushed (``fsync``) on a
thread of its own, a few at a time, so that the file system commits their
flushes together.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import queue
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from migrate.errors import OutputError

if sys.platform != "win32":
    import fcntl

# Every temporary's name starts with this marker; nothing else the tool writes does.
TEMP_PREFIX = ".migrate-tmp."

# Room in a temporary's name for the target's name (file names are limited to 255 bytes).
_NAME_ROOM = 100


@dataclass(frozen=True)
class Artifact:
    """One file to write, relative to the output directory."""

    path: PurePosixPath
    text: str


def is_temporary(name: str) -> bool:
    """Whether a file called ``name`` is a temporary of this module (finished or not)."""
    return name.startswith(TEMP_PREFIX)


def write(root: Path, artifacts: Sequence[Artifact], *, force: bool) -> list[Path]:
    """Write ``artifacts`` under ``root``; returns the paths written."""
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
    syncfs = _syncfs()
    if syncfs is not None:
        _write_batches(
            [(a.text, os.fspath(t)) for a, t in zip(artifacts, targets, strict=True)], syncfs
        )
        return targets
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
    return targets


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
_BATCH = 64  # files written, then flushed to disk together, then renamed
_AHEAD = 2  # batches written and waiting for the flush: open files stay few


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs``: every file of one file system on disk in one call; None
    elsewhere (each file is then flushed on its own)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def _write_batches(pairs: Sequence[tuple[str, str]], syncfs: Callable[[int], int]) -> None:
    """Each file to a temporary of its own, kept open and locked, a batch at a time on
    this thread; each batch flushed to disk at once (``syncfs``) and renamed on a second
    thread while the next is written. Creating a file on a local disk is work for the
    CPU, not a wait: more threads than two only contend for Python's lock."""
    handed: queue.Queue[list[_Temporary] | None] = queue.Queue(maxsize=_AHEAD)
    failed: list[BaseException] = []
    abandon = threading.Event()

    def flush() -> None:
        while (batch := handed.get()) is not None:
            if failed or abandon.is_set():
                _discard(batch)
                continue
            try:
                _flush(batch, syncfs)
            except BaseException as error:  # raised in the caller's thread
                failed.append(error)

    flusher = threading.Thread(target=flush, name="files-flush", daemon=True)
    flusher.start()
    try:
        for start in range(0, len(pairs), _BATCH):
            if failed:
                break
            batch = _create(pairs[start : start + _BATCH])
            try:
                handed.put(batch)
            except BaseException:
                _discard(batch)
                raise
    except BaseException:
        abandon.set()  # what was not flushed yet is not renamed
        raise
    finally:
        handed.put(None)
        flusher.join()
    if failed:
        raise failed[0]


@dataclass(frozen=True)
class _Temporary:
    """A temporary written and still open (and locked), and the file it becomes."""

    descriptor: int
    path: str
    target: str


def _create(batch: Sequence[tuple[str, str]]) -> list[_Temporary]:
    """The temporaries of ``batch`` (text, target), written, open and locked; none is
    left on an error."""
    created: list[_Temporary] = []
    target = batch[0][1]  # the file an error is about
    try:
        for text, target in batch:
            folder, name = os.path.split(target)
            descriptor, path = _open_temporary(folder, name)
            created.append(_Temporary(descriptor, path, target))
            _try_lock(descriptor)
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(descriptor, view) :]
            os.fchmod(descriptor, 0o644)
    except BaseException as error:
        _discard(created)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot write: {error.strerror}") from None
        raise
    return created


def _open_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new file in ``folder``, named as a temporary of the file ``name``: (descriptor,
    path)."""
    prefix = f"{TEMP_PREFIX}{name[:_NAME_ROOM]}."
    for _ in range(tempfile.TMP_MAX):
        path = os.path.join(folder, prefix + os.urandom(6).hex())
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _flush(batch: Sequence[_Temporary], syncfs: Callable[[int], int]) -> None:
    """``batch`` on disk (one ``syncfs`` for each file system it is on), then renamed;
    closed either way, and what was not renamed removed."""
    current = batch[0].target
    renamed = 0
    try:
        devices: dict[int, _Temporary] = {}
        for temporary in batch:
            devices.setdefault(os.fstat(temporary.descriptor).st_dev, temporary)
        for temporary in devices.values():
            current = temporary.target
            if syncfs(temporary.descriptor) != 0:
                number = _errno()
                raise OSError(number, os.strerror(number))
        for temporary in batch:
            current = temporary.target
            os.replace(temporary.path, temporary.target)
            renamed += 1
    except OSError as error:
        raise OutputError(f"{current}: cannot write: {error.strerror}") from None
    finally:
        _discard(batch[renamed:])
        for temporary in batch[:renamed]:
            os.close(temporary.descriptor)


def _discard(batch: Sequence[_Temporary]) -> None:
    """Close and remove temporaries that will not be renamed."""
    for temporary in batch:
        with contextlib.suppress(OSError):
            os.close(temporary.descriptor)
        with contextlib.suppress(OSError):
            os.unlink(temporary.path)


def _errno() -> int:
    import ctypes

    return ctypes.get_errno()


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
        if not _try_lock(descriptor):
            return False  # a live writer holds it
        path.unlink()
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return True


def _try_lock(descriptor: int) -> bool:
    """Take the exclusive lock on an open file without waiting; false when it is held."""
    if sys.platform == "win32":
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # no locks on this file system: nothing tells a live writer apart
    return True


def _atomic_write(target: Path, text: str) -> None:
    prefix = f"{TEMP_PREFIX}{target.name[:_NAME_ROOM]}."
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        # The file stays open, and locked, until it has its final name.
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            _try_lock(stream.fileno())
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
