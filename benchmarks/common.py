"""What every benchmark shares: timing by repeats, ratios, the machine, the result rows.

A benchmark measures the project against a baseline in the same run, so the
machine's speed cancels out of the ratio. Each measurement is repeated and the
median kept; machines here are shared and noisy.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_SCRATCH: list[Path] = []  # the run's one folder for what benchmarks write


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """A new folder for one benchmark's files, removed when the benchmark process ends,
    not before: ext4 passes over the inodes freed in the last minutes when it makes a
    file, so a benchmark that removed thousands of files would slow the file creation
    of the next by minutes, and measure its own cleanup."""
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="migrate-bench-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    yield Path(tempfile.mkdtemp(dir=_SCRATCH[0]))


@dataclass(frozen=True)
class Row:
    """One line of the performance table."""

    benchmark: str
    measured: str
    goal: str
    met: bool | None  # None: a figure with no goal of its own
    detail: str = ""

    def line(self) -> str:
        verdict = {True: "met", False: "NOT MET", None: ""}[self.met]
        return f"{self.benchmark}: {self.measured} (goal {self.goal}) {verdict}".rstrip()


def median_seconds(action: Callable[[], Any], repeats: int, *, warmup: int = 1) -> float:
    """The median wall time of ``action`` over ``repeats`` runs, after ``warmup`` unmeasured."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(
    actions: dict[str, Callable[[], Any]],
    repeats: int,
    *,
    warmup: int = 1,
    at_most: dict[str, int] | None = None,
) -> dict[str, float]:
    """Median wall time of each action, run in turns so drift hits all of them alike.

    ``at_most`` caps the repeats of slow actions (they take part in the first rounds).
    """
    limits = at_most or {}
    for _ in range(warmup):
        for action in actions.values():
            action()
    times: dict[str, list[float]] = {name: [] for name in actions}
    order = list(actions)
    shuffle = random.Random(0).shuffle
    for round_ in range(repeats):
        shuffle(order)  # no action always runs after the same one
        for name in order:
            if round_ >= limits.get(name, repeats):
                continue
            gc.collect()  # each starts from a clean heap, not the last one's garbage
            start = time.perf_counter()
            actions[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow what a command prints (its report), as when piped to a file."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def machine() -> str:
    """A one-line description of where the figures were taken."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        total = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory = f", {int(total) / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x"
