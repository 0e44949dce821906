"""Putting a batch of files on disk on Linux: written, flushed together, renamed.

This module owns the way :mod:`migrate.emit.files` writes on Linux. Each file
goes to a temporary of its own beside its target, kept open and locked (a
concurrent run's cleanup passes over a locked temporary); a batch of them is
flushed to disk by one ``syncfs`` call and renamed into place on a second
thread while the next batch is written. Creating a file on a local disk is
work for the CPU, not a wait: more threads only contend for Python's lock.
A failure, or Ctrl-C, closes and removes every temporary not renamed.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate.errors import OutputError

if sys.platform != "win32":
    import fcntl

# Every temporary's name starts with this marker; nothing else the tool writes does.
TEMP_PREFIX = ".migrate-tmp."

# Room in a temporary's name for the target's name (file names are limited to 255 bytes).
NAME_ROOM = 100

_BATCH = 64  # files written, then flushed to disk together, then renamed
_AHEAD = 2  # batches written and waiting for the flush: open files stay few


@functools.cache
def syncfs_call() -> Callable[[int], int] | None:
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


def write_batches(pairs: Sequence[tuple[str, str]], syncfs: Callable[[int], int]) -> None:
    """Each file to a temporary of its own, kept open and locked, a batch at a time on
    this thread; each batch flushed to disk at once (``syncfs``) and renamed on a second
    thread while the next is written. Creating a file on a local disk is work for the
    CPU, not a wait: more threads than two only contend for Python's lock."""
    handed: queue.Queue[list[_Temporary] | None] = queue.Queue(maxsize=_AHEAD)
    failed: list[BaseException] = []
    abandon = threading.Event()
    # Every temporary's path from before it exists until it is renamed: Ctrl-C may come
    # between any two steps of this thread, and whatever it leaves, none stays behind.
    ledger: set[str] = set()

    def flush() -> None:
        while (batch := handed.get()) is not None:
            if failed or abandon.is_set():
                _discard(batch)
                continue
            try:
                _flush(batch, syncfs, ledger)
            except BaseException as error:  # raised in the caller's thread
                failed.append(error)

    flusher = threading.Thread(target=flush, name="files-flush", daemon=True)
    flusher.start()
    try:
        for start in range(0, len(pairs), _BATCH):
            if failed:
                break
            batch = _create(pairs[start : start + _BATCH], ledger)
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
        if failed or abandon.is_set():
            for path in ledger:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    if failed:
        raise failed[0]


@dataclass(frozen=True)
class _Temporary:
    """A temporary written and still open (and locked), and the file it becomes."""

    descriptor: int
    path: str
    target: str


def _create(batch: Sequence[tuple[str, str]], ledger: set[str]) -> list[_Temporary]:
    """The temporaries of ``batch`` (text, target), written, open and locked, each in
    ``ledger`` from before it exists; none is left on an error."""
    created: list[_Temporary] = []
    target = batch[0][1]  # the file an error is about
    try:
        for text, target in batch:
            folder, name = os.path.split(target)
            descriptor, path = _open_temporary(folder, name, ledger)
            created.append(_Temporary(descriptor, path, target))
            try_lock(descriptor)
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


def _open_temporary(folder: str, name: str, ledger: set[str]) -> tuple[int, str]:
    """A new file in ``folder``, named as a temporary of the file ``name``, in ``ledger``
    before it exists: (descriptor, path)."""
    prefix = f"{TEMP_PREFIX}{name[:NAME_ROOM]}."
    for _ in range(tempfile.TMP_MAX):
        path = os.path.join(folder, prefix + os.urandom(6).hex())
        ledger.add(path)
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            ledger.discard(path)  # another's
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _flush(batch: Sequence[_Temporary], syncfs: Callable[[int], int], ledger: set[str]) -> None:
    """``batch`` on disk (one ``syncfs`` for each file system it is on), then renamed (and
    out of ``ledger``); closed either way, and what was not renamed removed."""
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
            ledger.discard(temporary.path)
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


def try_lock(descriptor: int) -> bool:
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
