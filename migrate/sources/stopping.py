"""When a scan stops early, and what a list that it cut (or could not read) becomes.

This module owns :class:`Stop`, the one signal every connection and worker
of a scan asks before each request (``--deadline`` passed, or Ctrl-C), and
:class:`Fault`, a list that could not be read: recorded, and the scan goes
on. :mod:`migrate.sources.cluster` raises them under its own names.
"""

from __future__ import annotations

import threading
import time


class Fault(Exception):
    """One list that could not be read; recorded, and the scan goes on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "forbidden", "unavailable" or "stopped" (deadline, Ctrl-C)
        self.message = message


class Stop:
    """Whether a scan must stop early: its deadline passed, or it was interrupted.

    Shared by every connection and worker of a scan; safe to ask from any thread.
    """

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline  # seconds from now, None: none
        self._end = None if deadline is None else time.monotonic() + deadline
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason = ""
        self.interrupted = False

    def interrupt(self) -> None:
        """Stop now: the user pressed Ctrl-C (SIGINT)."""
        self._fire("the scan was interrupted (Ctrl-C)", interrupted=True)

    def _fire(self, reason: str, *, interrupted: bool = False) -> None:
        with self._lock:
            if not self._event.is_set():
                self.reason = reason
                self.interrupted = interrupted
                self._event.set()

    def fired(self) -> bool:
        """True once the scan must stop."""
        if not self._event.is_set() and self._end is not None and time.monotonic() >= self._end:
            self._fire(f"the --deadline of {self.deadline:g} s passed")
        return self._event.is_set()

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self._end is None else max(0.0, self._end - time.monotonic())

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` or until the scan must stop; True if it must."""
        left = self.remaining()
        self._event.wait(seconds if left is None else min(seconds, left))
        return self.fired()

    def fault(self, what: str) -> Fault:
        """The fault of a list that the stop cut: ``what`` was not read (to its end)."""
        self.fired()
        return Fault("stopped", f"listing {what} stopped: {self.reason}")
