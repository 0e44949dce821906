"""Work shared among processes gives what one process gives (``migrate/fastpath.py``).

Files are read and workloads planned in forked workers when there are many
of them. The results must come back in order, holding the caller's own
documents and profile, with the absent-key sentinel still itself; a task
that fails in a worker must fail in the caller as it fails there alone; and
a conversion large enough to be shared must write, print and exit exactly as
``MIGRATE_FULL_PATH=1`` (one process, every shortcut off) does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from benchmarks.generate import generate
from migrate import fastpath
from migrate.app import convert
from migrate.app.result import Policy
from migrate.chart import profile
from migrate.engine.overlay import MISSING
from migrate.model import Workload
from migrate.sources import workloads
from migrate.sources.files import Files
from tests.support.cli import ROOT, environment, invoke

SHARED = {"a": 1}


@pytest.fixture
def share_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Share even two tasks among processes."""
    monkeypatch.setattr(fastpath, "MIN_TASKS", 2)
    monkeypatch.delenv(fastpath.ENV, raising=False)
    if fastpath.processes(2) < 2:
        pytest.skip("one CPU (or no fork): nothing is shared")


def _task(number: int) -> tuple[int, int, dict[str, int], Any, MappingProxyType[str, int]]:
    if number == 13:
        raise ValueError(f"task {number} refused")
    return number, os.getpid(), SHARED, MISSING, MappingProxyType({"n": number})


def test_results_come_back_in_order_with_the_callers_objects(share_all: None) -> None:
    tasks = [n for n in range(40) if n != 13]
    results = fastpath.ordered_map(_task, tasks, shared=[SHARED])
    assert [r[0] for r in results] == tasks
    assert {r[1] for r in results} - {os.getpid()}, "no task ran in a worker"
    assert all(r[2] is SHARED for r in results)
    assert all(r[3] is MISSING for r in results)
    assert [dict(r[4]) for r in results] == [{"n": n} for n in tasks]
    assert all(isinstance(r[4], MappingProxyType) for r in results)
    # Without ``shared``, equal copies come back.
    copies = fastpath.ordered_map(_task, tasks)
    assert all(r[2] == SHARED and r[2] is not SHARED for r in copies)


def test_a_failing_task_fails_in_the_caller(share_all: None) -> None:
    with pytest.raises(ValueError, match="task 13 refused"):
        fastpath.ordered_map(_task, list(range(40)))


def test_one_process_when_few_or_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "MIN_TASKS", 10)
    assert fastpath.processes(9) == 1
    monkeypatch.setenv(fastpath.ENV, "1")
    assert fastpath.processes(1000) == 1
    assert {r[1] for r in fastpath.ordered_map(_task, list(range(12)))} == {os.getpid()}


def test_planning_shared_gives_the_outcomes_of_one_process(
    share_all: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = generate(tmp_path / "manifests", 120, llama_share=0.2)
    documents, problems, _ = convert.read(Files([str(corpus.root)], recursive=True))
    assert not problems
    items = list(workloads.gather(documents))
    chosen = profile.load()
    for policy in (Policy(), Policy(preserve_behavior=True)):
        shared = convert.plan_all(items, chosen, policy, documents=len(documents))
        monkeypatch.setenv(fastpath.ENV, "1")
        alone = convert.plan_all(items, chosen, policy, documents=len(documents))
        monkeypatch.delenv(fastpath.ENV)
        assert shared == alone
        migrating = [o for o in shared.outcomes if o.artifacts]
        assert len(migrating) == corpus.llama_stack
        # Each outcome holds the very document it was planned from, in input order.
        found = [i.document for i in items if isinstance(i, Workload)]
        assert all(a.plan.document is b for a, b in zip(shared.outcomes, found, strict=True))


def test_reading_shared_gives_the_documents_of_one_process(
    share_all: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "m", 30)
    (tmp_path / "m" / "bad.yaml").write_text("a: [\n", encoding="utf-8")
    (tmp_path / "m" / "latin1.yaml").write_bytes(b"kind: Pod\nname: caf\xe9\n")
    source = Files([str(tmp_path / "m")], recursive=True, namespace="ns")
    shared = convert.read(source)
    monkeypatch.setenv(fastpath.ENV, "1")
    assert shared == convert.read(source)
    assert len(shared[1]) == 2  # the two files that cannot be read, in their place


def test_a_large_conversion_is_the_same_as_the_full_path(tmp_path: Path) -> None:
    """Enough files and workloads to be shared at the default threshold."""
    corpus = generate(tmp_path / "manifests", 2 * fastpath.MIN_TASKS)
    runs = []
    for full in (False, True):
        out = tmp_path / ("full" if full else "fast")
        env = {fastpath.ENV: "1" if full else "", "NO_COLOR": "1"}
        result = invoke("convert", "-R", "-f", str(corpus.root), "-d", str(out), env=env)
        written = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }
        text = result.stdout.replace(str(out), "<out>"), result.stderr.replace(str(out), "<out>")
        runs.append((result.returncode, text, written))
    assert runs[0] == runs[1]
    assert runs[0][0] in (0, 1)
    assert len(runs[0][2]) > corpus.llama_stack


def test_ctrl_c_stops_the_workers_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the workers leave it to the
    caller, which stops them; none prints its own traceback."""
    corpus = generate(tmp_path / "manifests", 10 * fastpath.MIN_TASKS)
    out = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-m", "migrate", "convert", "-R", "-f", str(corpus.root), "-d", str(out)],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
    deadline = time.monotonic() + 120
    while run.poll() is None and not children.read_text().split():
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.01)
    if run.poll() is None:
        os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert b"Traceback" not in stderr, stderr.decode()
    assert b"Worker" not in stderr, stderr.decode()
    leftovers = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in leftovers if p.name.startswith(".migrate-tmp.")]
