"""What the scan benchmark's child processes measure about themselves: time and memory.

Each measured run is a child process of its own, so that its memory is its
own. This module owns the child's side: the resident sizes read from
``/proc`` (the baseline after imports, the peak), the peak summed over any
worker processes the child starts, and the start signal that lets several
children begin their work at the same moment.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import TracebackType

READY = "ready"  # a waiting child prints this, then starts when it reads a line


def status_kb(field: str, pid: int | str = "self") -> int:
    """A size from /proc/PID/status: VmRSS now, VmHWM the peak of that program (0 if gone).

    getrusage's ru_maxrss is no use here: Linux carries it over ``exec`` from the
    forked parent, which holds the emulator and its objects.
    """
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0  # a zombie has no sizes


def descendants(pid: int | str = "self") -> list[int]:
    """The processes started by ``pid`` and, in turn, by them (from /proc/PID/task/*/children)."""
    found: list[int] = []
    stack = [str(pid)]
    while stack:
        current = stack.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            found += [int(child) for child in children]
            stack += children
    return found


class TreePeak:
    """The peak resident size of this process plus its worker processes, summed.

    This process's own peak comes exact from VmHWM. Workers' sizes can only be
    sampled while they live, so a thread adds up the resident sizes of the whole
    tree every ``interval`` seconds; the larger of the two is the peak.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.sampled_kb = 0
        self.workers = 0  # the most worker processes seen at once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            workers = descendants()
            if not workers:
                continue
            self.workers = max(self.workers, len(workers))
            total = status_kb("VmRSS") + sum(status_kb("VmRSS", pid) for pid in workers)
            self.sampled_kb = max(self.sampled_kb, total)

    @property
    def peak_kb(self) -> int:
        return max(status_kb("VmHWM"), self.sampled_kb)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()


def wait_for_start() -> None:
    """Tell the parent this child is ready (imports done), then wait for its go."""
    print(READY, flush=True)
    sys.stdin.readline()


def clock() -> float:
    """A clock shared by every process of the machine (CLOCK_MONOTONIC)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)
