"""The switch between the fast path and the full path, and the work shared by processes.

This module owns two decisions. First, whether the shortcuts are taken. Each
shortcut skips work only where it can prove the outcome is the same: a
node-graph check skipped when the text cannot hold a deep or aliased graph,
the duplicate-key search run only when a mapping came out shorter than its
keys, cluster objects written out as text only when they are Llama Stack
workloads, and independent pieces of work (files read, workloads planned)
shared among processes. Setting ``MIGRATE_FULL_PATH=1`` takes the full path
everywhere, in one process; the test suite runs every fixture both ways and
requires identical output.

Second, how work is shared (:func:`ordered_map`): the worker processes are
forked, so they start with the caller's objects; only each task's index goes
to them, and their results come back in the order of the tasks. Objects the
caller names as shared travel as references, so a result that holds one gets
the caller's own object back. A task that fails in a worker is run again in
the caller, which so meets the same error at the same point as a run in one
process does.
"""

from __future__ import annotations

import copyreg
import gc
import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

ENV = "MIGRATE_FULL_PATH"

# Below this many tasks a run stays in one process: forking and the results' trip
# back cost more than they save. Tests lower it to share even the smallest inputs.
MIN_TASKS = 64

_Task = TypeVar("_Task")
_Result = TypeVar("_Result")


def enabled() -> bool:
    """True unless ``MIGRATE_FULL_PATH`` is set to something other than ``0``."""
    return os.environ.get(ENV, "") in ("", "0")


def processes(tasks: int) -> int:
    """How many processes share ``tasks`` independent tasks: one per CPU this process
    may use, or 1 (work stays in the caller) when the fast path is off, the tasks
    are few, the platform cannot fork safely, other threads run (a fork copies
    none of them, and whatever they hold locked stays locked in the copy), or this
    is a worker already."""
    if not enabled() or tasks < max(MIN_TASKS, 2) or not sys.platform.startswith("linux"):
        return 1
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if multiprocessing.current_process().daemon:  # a worker itself: its work stays in it
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), tasks))


def ordered_map(
    function: Callable[[_Task], _Result],
    tasks: Sequence[_Task],
    shared: Iterable[object] = (),
) -> list[_Result]:
    """``[function(task) for task in tasks]``, shared among processes where that pays.

    ``shared`` are objects that results may hold and that must come back as the
    caller's own (the tasks' documents, the profile): they are passed by reference.
    """
    count = processes(len(tasks))
    if count == 1:
        return [function(task) for task in tasks]
    global _WORK
    objects = list(shared)
    references = {id(item): index for index, item in enumerate(objects)}
    _WORK = (function, tasks, references)
    results: list[_Result] = []
    # The workers' collector leaves the objects they start with alone: scanning them
    # would copy every page of the caller's heap into each worker.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(tasks) // (count * 16))
        # Ctrl-C is held back while the workers are forked, so that none is born
        # without the handler that leaves it to the caller; it arrives here after.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool = context.Pool(count, initializer=_leave_interrupts)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        with pool:
            # Each result is unpacked as it comes, while the workers go on with the next.
            for index, data in enumerate(pool.imap(_run, range(len(tasks)), chunksize=chunk)):
                if data is None:  # it failed in the worker: here it fails (or not) as alone
                    results.append(function(tasks[index]))
                else:
                    results.append(_Unpickler(io.BytesIO(data), objects).load())
    finally:
        _WORK = None
        gc.unfreeze()
    return results


def dumps(obj: object, references: dict[int, int]) -> bytes:
    """``obj`` pickled, the objects whose ids ``references`` holds sent as their index."""
    buffer = io.BytesIO()
    _SharingPickler(buffer, references).dump(obj)
    return buffer.getvalue()


def loads(data: bytes, objects: Sequence[object]) -> Any:
    """What :func:`dumps` pickled, with ``objects`` (by index) for the shared ones."""
    return _Unpickler(io.BytesIO(data), objects).load()


# What the forked workers run: set by the caller just before it forks.
_WORK: tuple[Callable[[Any], Any], Sequence[Any], dict[int, int]] | None = None


def _leave_interrupts() -> None:
    """Ctrl-C is the caller's to handle: it stops the workers, which print nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run(index: int) -> bytes | None:
    assert _WORK is not None
    function, tasks, references = _WORK
    try:
        result = function(tasks[index])
        buffer = io.BytesIO()
        pickler = _SharingPickler(buffer, references) if references else _Pickler(buffer)
        pickler.dump(result)
        return buffer.getvalue()
    except Exception:
        return None


def _mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _read_only, (dict(proxy),)


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


# Read-only views (the frozen records' mappings) travel as the mappings they show.
_DISPATCH = {**copyreg.dispatch_table, MappingProxyType: _mapping_proxy}


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = _DISPATCH


class _SharingPickler(_Pickler):
    """Shared objects go as their index among them."""

    def __init__(self, file: io.BytesIO, references: dict[int, int]) -> None:
        super().__init__(file)
        self._references = references

    def persistent_id(self, obj: Any) -> int | None:
        return self._references.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, objects: Sequence[object]) -> None:
        super().__init__(file)
        self._objects = objects

    def persistent_load(self, pid: Any) -> object:
        return self._objects[pid]
