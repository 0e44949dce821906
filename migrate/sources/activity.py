"""Which threads of this process are at work on what API servers sent.

This module owns one count: the threads at work on a list (a page decoded,
its objects sorted) rather than waiting for the API server's answer. Python
runs one thread at a time, so work that can wait (planning the workloads
read so far) asks first and fills the waits instead of slowing the lists
down. It orders work in time alone; no result depends on it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class Activity:
    """How many threads are at work on a list rather than waiting for its answers."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """This thread is at work on a list, from its first request to its end."""
        self._add(1)
        try:
            yield
        finally:
            self._add(-1)

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """This thread, at work on a list, waits for the API server's answer."""
        self._add(-1)
        try:
            yield
        finally:
            self._add(1)

    def _add(self, step: int) -> None:
        with self._changed:
            self._count += step
            if self._count == 0:
                self._changed.notify_all()

    def quiet(self, timeout: float) -> None:
        """Return once no thread is at work on a list, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._count <= 0, timeout)


ACTIVITY = Activity()  # of this process: every connection's lists
