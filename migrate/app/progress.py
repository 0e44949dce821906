"""The progress of a scan on a terminal: one line per context, nothing when piped.

This module owns what a person watching a scan sees while it runs: for each
context, the pages and objects read, the Llama Stack workloads found, and
whether it is reading, done, stopped or failed. Counts are updated from the
threads that read (under a lock: no page is lost); the lines are redrawn a
few times a second. rich is imported only when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Tally:
    """What one context has given so far."""

    context: str
    pages: int = 0
    objects: int = 0
    found: int = 0
    state: str = "reading"  # reading, planning, done, stopped, failed
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def page(self, objects: int) -> None:
        with self._lock:
            self.pages += 1
            self.objects += objects

    def kept(self) -> None:
        with self._lock:
            self.found += 1

    def line(self) -> str:
        return (
            f"{self.context}: {self.pages} pages, {self.objects} objects, "
            f"{self.found} Llama Stack workloads ({self.state})"
        )


Watch = Callable[[str], Tally]  # a context's name → its tally, shown while the scan runs


@contextlib.contextmanager
def progress() -> Iterator[Watch]:
    """A tally per context, shown as live lines on a terminal; on a pipe, kept silent."""
    tallies: list[Tally] = []

    def watch(context: str) -> Tally:
        tally = Tally(context)
        tallies.append(tally)
        return tally

    if not sys.stderr.isatty():
        yield watch
        return
    from rich.console import Console  # rich costs its import only on a terminal
    from rich.live import Live
    from rich.text import Text

    def lines() -> Text:
        return Text("\n".join(t.line() for t in list(tallies)) or "connecting")

    console = Console(stderr=True)
    with Live(console=console, get_renderable=lines, redirect_stdout=False, redirect_stderr=False):
        yield watch
