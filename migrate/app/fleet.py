"""Some contexts of a scan in a second process: a fleet shares the machine's CPUs.

One process reads and plans with one CPU at a time (Python's global lock),
however many threads it runs; a fleet of contexts is mostly that work. This
module owns handing part of a scan's contexts to one forked child: it scans
them as the parent scans its own (a thread each), sends each context's
progress as it goes and its result, or its error, at the end, pickled, the
profile passed by reference. Ctrl-C in the parent reaches the child as
SIGUSR1, and the child delivers what it read, as the parent does; the
deadline is the same instant in both (a monotonic clock is the machine's).
Should the child die or send what cannot be read, its contexts are left
undone, for the caller to scan itself. Its results sent, the child waits:
told the output directory (once the parent has checked every file of the run
and made every directory), it writes its contexts' files while the parent
writes the others, and says how that went; the pipe closed without a word,
it ends. One child, not one per CPU: each
process holds a copy of what the parent had, and a scan's memory is bounded.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from migrate import fastpath
from migrate.app import progress
from migrate.emit import files
from migrate.emit.files import Artifact
from migrate.errors import OutputError

_HEADER = struct.Struct("!Q")  # the length of each message
_TALLY_EVERY = 0.2  # seconds between progress messages


class Job(Protocol):
    """What the scan runs for one context (:class:`migrate.app.scan._Job`)."""

    tally: progress.Tally
    ended: threading.Event
    result: Any
    error: Exception | None

    def start(self, settings: Any) -> None: ...


J = TypeVar("J", bound=Job)


def possible(contexts: int, shared: bool) -> bool:
    """Whether part of ``contexts`` contexts may be scanned in a forked child: more than
    one context and more than one CPU, on Linux, with the fast path on, not in a worker
    already, and nothing loaded that a fork would break (``shared`` False: Helm's
    library for --verify)."""
    return (
        contexts > 1
        and shared
        and fastpath.enabled()
        and sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and len(os.sched_getaffinity(0)) > 1
        and not multiprocessing.current_process().daemon
    )


@contextlib.contextmanager
def dismissing(children: list[Child[Any]]) -> Iterator[None]:
    """Whatever happens, the children in ``children`` (there by the end) end then: those
    not told to write anything write nothing."""
    try:
        yield
    finally:
        for child in children:
            child.dismiss()


def writing(children: Sequence[Child[Any]], files: Sequence[tuple[object, int]]) -> Writing | None:
    """The share of a run's files that a child waiting in ``children`` writes: those of
    its results. ``files`` gives, for each outcome in order, its result (the ContextResult
    of a job) and how many files it has. None without such a child."""
    for child in children:
        if child.failed:  # its contexts were scanned again here: their files are ours
            continue
        theirs = {id(job.result) for job in child.jobs}
        indices: list[int] = []
        at = 0
        for result, count in files:
            if id(result) in theirs:
                indices += range(at, at + count)
            at += count
        return child.elsewhere(indices)
    return None


def split(jobs: Sequence[J]) -> tuple[list[J], list[J]]:
    """(the parent's, the child's): every other context goes to the child."""
    return list(jobs[0::2]), list(jobs[1::2])


@dataclass
class Child(Generic[J]):
    """A forked child scanning ``jobs``; their tallies, results and errors come back.
    Then it waits: told to, it writes the files of its results (:meth:`elsewhere`)."""

    jobs: list[J]
    shared: list[object]
    extra: tuple[Callable[[Any], object], Callable[[Any, object], None]] | None = None
    pid: int = 0
    failed: bool = False  # died, or sent what could not be read: its jobs are undone
    ended: threading.Event = field(default_factory=threading.Event)  # reaped
    results_in: threading.Event = field(default_factory=threading.Event)  # or it died
    done: int = 0  # results received
    orders: int = -1  # where the child reads what to do once its results are sent
    wrote: threading.Event = field(default_factory=threading.Event)  # or it died
    write_error: str | None = None

    def interrupt(self) -> None:
        """Ctrl-C: the child stops reading and sends what it has."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGUSR1)

    def wait(self) -> None:
        """Until every result is in (or the child died)."""
        while not self.results_in.wait(0.1):  # short waits, for Ctrl-C to come through
            pass

    def dismiss(self) -> None:
        """The child writes nothing and ends (done once; no harm after :meth:`elsewhere`)."""
        if self.orders >= 0:
            with contextlib.suppress(OSError):
                os.close(self.orders)
            self.orders = -1

    def elsewhere(self, indices: Sequence[int]) -> Writing:
        """The child's share of a run's files, those at ``indices`` among them, for
        :func:`migrate.emit.files.write`."""
        return Writing(self, indices)


@dataclass
class Writing:
    """A child's files of a run (:class:`migrate.emit.files.Elsewhere`)."""

    child: Child[Any]
    positions: Sequence[int]

    def indices(self) -> Sequence[int]:
        return self.positions

    def start(self, root: Path) -> None:
        order = memoryview(os.fsencode(root))
        try:
            while order:
                order = order[os.write(self.child.orders, order) :]
        except OSError:
            pass  # it died: finish() says so
        self.child.dismiss()  # the end of the order

    def finish(self) -> None:
        while not self.child.wrote.wait(0.1):  # short waits, for Ctrl-C to come through
            pass
        if self.child.write_error is not None:
            raise OutputError(self.child.write_error)


def start(
    jobs: list[J],
    settings: Any,
    stop: Any,
    shared: Sequence[object],
    extra: tuple[Callable[[Any], object], Callable[[Any, object], None]] | None = None,
    files_of: Callable[[Any], Sequence[Artifact]] = lambda result: (),
) -> Child[J]:
    """Fork a child that scans ``jobs`` with ``settings``; ``stop`` is the scan's
    (:class:`~migrate.sources.cluster.Stop`), which SIGUSR1 interrupts in the child.
    ``extra`` is (what the child works out from a job's result and sends with it, what
    the parent does with that): work the child had time for, not part of the result.
    ``files_of`` gives the files of a job's result, which the child writes if told to."""
    child = Child(jobs, list(shared), extra)
    read, write = os.pipe()
    orders, child.orders = os.pipe()
    # The child's collector leaves what it starts with alone: scanning it would copy
    # every page of the parent's heap into the child. Ctrl-C is held back while it is
    # forked, so that it is not born with the parent's handler.
    gc.freeze()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGUSR1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # a fork while threads run
        pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        os.close(child.orders)
        _child(jobs, settings, stop, write, orders, child, files_of)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    gc.unfreeze()
    os.close(write)
    os.close(orders)
    child.pid = pid
    threading.Thread(target=_receive, args=(child, read), name="fleet", daemon=True).start()
    return child


def _child(
    jobs: Sequence[Job],
    settings: Any,
    stop: Any,
    write: int,
    orders: int,
    child: Child[Any],
    files_of: Callable[[Any], Sequence[Artifact]],
) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, lambda number, frame: stop.interrupt())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGUSR1})
        references = {id(item): index for index, item in enumerate(child.shared)}
        send = _sender(write, references)
        for job in jobs:
            job.start(settings)
        for index, job in enumerate(jobs):
            while not job.ended.wait(_TALLY_EVERY):
                for other, each in enumerate(jobs):
                    send(("tally", other, _tally(each.tally)))
            send(("tally", index, _tally(job.tally)))
            worked_out = (
                child.extra[0](job.result) if child.extra and job.result is not None else None
            )
            send(("done", index, job.result, job.error, worked_out))
        root = _order(orders)  # empty: nothing to write
        if root:
            artifacts = [a for job in jobs if job.result is not None for a in files_of(job.result)]
            try:
                files.put(artifacts, [Path(root).joinpath(*a.path.parts) for a in artifacts])
            except OutputError as error:
                send(("wrote", str(error)))
            else:
                send(("wrote", None))
        code = 0
    finally:
        os._exit(code)


def _order(orders: int) -> str:
    """What the parent says once the results are in: the output directory to write the
    files under, or nothing (the pipe closed without a word)."""
    received = b""
    while chunk := os.read(orders, 1 << 16):
        received += chunk
    return os.fsdecode(received)


def _tally(tally: progress.Tally) -> tuple[int, int, int, str]:
    return tally.pages, tally.objects, tally.found, tally.state


def _sender(write: int, references: dict[int, int]) -> Callable[[object], None]:
    def send(message: object) -> None:
        data = fastpath.dumps(message, references)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(write, view) :]

    return send


def _receive(child: Child[Any], read: int) -> None:
    """Read the child's messages until it closes the pipe; then reap it."""
    try:
        with open(read, "rb", buffering=1 << 16) as stream:
            while (header := stream.read(_HEADER.size)) and len(header) == _HEADER.size:
                (length,) = _HEADER.unpack(header)
                data = stream.read(length)
                if len(data) != length:
                    break
                message = fastpath.loads(data, child.shared)
                if message[0] == "tally":
                    _, index, (pages, objects, found, state) = message
                    tally = child.jobs[index].tally
                    tally.pages, tally.objects, tally.found, tally.state = (
                        pages,
                        objects,
                        found,
                        state,
                    )
                elif message[0] == "wrote":
                    child.write_error = message[1]
                    child.wrote.set()
                else:
                    _, index, result, error, worked_out = message
                    job = child.jobs[index]
                    if child.extra and result is not None:
                        child.extra[1](result, worked_out)
                    job.result, job.error = result, error
                    job.ended.set()
                    child.done += 1
                    if child.done == len(child.jobs):
                        child.results_in.set()
    except Exception:  # anything unreadable: the jobs are the parent's
        pass
    finally:
        child.failed = child.done < len(child.jobs)
        child.results_in.set()
        os.waitpid(child.pid, 0)
        if not child.wrote.is_set():  # told to write, it died first
            child.write_error = "the scan's second process ended before it wrote its files"
            child.wrote.set()
        child.ended.set()
