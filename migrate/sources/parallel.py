"""Reading a cluster with a bounded number of threads, and giving up on what a stop cuts.

This module owns the threads of a scan's reads: a :class:`Pool` of at most
``size`` workers per cluster (the kubernetes client blocks, so each worker
holds at most one open request, and the pool's size bounds a cluster's open
connections), and a :class:`Batch` of tasks waited for together. When the
scan's :class:`~migrate.sources.cluster.Stop` fires, the tasks not done are
*cut*: their caller reads what they gathered so far, and whatever they still
return is dropped. Workers are daemon threads, so a request still open at a
stop never holds the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from migrate.sources.cluster import Stop

T = TypeVar("T")

PENDING, DONE, CUT = "pending", "done", "cut"
_POLL = 0.1  # seconds between looks at the stop while waiting


class Task(Generic[T]):
    """One call run by a pool: its value or its error once ``state`` is DONE."""

    def __init__(self, call: Callable[[], T], batch: Batch) -> None:
        self.call = call
        self.batch = batch
        self.state = PENDING
        self.value: T | None = None
        self.error: BaseException | None = None

    def result(self) -> T:
        """The value of a task that is DONE; its error raised if it failed."""
        if self.state != DONE:
            raise RuntimeError(f"task is {self.state}")
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # a call may return None itself

    def run(self) -> None:
        if self.state != PENDING:
            return  # cut before it started
        try:
            value = self.call()
        except Exception as error:  # kept for the caller, who raises it in its order
            self.batch.finish(self, None, error)
        else:
            self.batch.finish(self, value, None)


class Pool:
    """At most ``size`` daemon threads running tasks in the order submitted."""

    def __init__(self, size: int, name: str = "migrate") -> None:
        self.size = max(1, size)
        self.name = name
        self._queue: queue.SimpleQueue[Task[object] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def put(self, task: Task[T]) -> None:
        with self._lock:
            if len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._queue.put(task)  # type: ignore[arg-type]  # any task's value is an object

    def _work(self) -> None:
        while (task := self._queue.get()) is not None:
            task.run()

    def close(self) -> None:
        """Let the workers end once the tasks queued are done (or skipped, if cut)."""
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Batch:
    """Tasks on a pool, waited for together until each is done or the stop cuts it."""

    def __init__(self, pool: Pool, stop: Stop) -> None:
        self.pool = pool
        self.stop = stop
        self._changed = threading.Condition()
        self._pending = 0
        self._closed = False
        self._tasks: list[Task[object]] = []

    def submit(self, call: Callable[[], T]) -> Task[T]:
        """Run ``call`` on the pool; after a cut, the task is cut at once."""
        task: Task[T] = Task(call, self)
        with self._changed:
            if self._closed:
                task.state = CUT
                return task
            self._tasks.append(task)  # type: ignore[arg-type]  # any task's value is an object
            self._pending += 1
        self.pool.put(task)
        return task

    def finish(self, task: Task[T], value: T | None, error: BaseException | None) -> None:
        with self._changed:
            if task.state != PENDING:
                return  # cut meanwhile: too late
            task.value, task.error, task.state = value, error, DONE
            self._pending -= 1
            self._changed.notify_all()

    def wait(self) -> None:
        """Wait until no task of the batch is pending; at a stop, cut those that are."""
        with self._changed:
            while self._pending and not self.stop.fired():
                self._changed.wait(_POLL)
            if self._pending:
                self._closed = True
                self._pending = 0
                for task in self._tasks:
                    if task.state == PENDING:
                        task.state = CUT
