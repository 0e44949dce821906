"""``migrate scan`` of several clusters at once: the same bytes as one request at a time,
a bound on open requests, ``--deadline`` and Ctrl-C, and progress on a terminal.

The emulators serve on the test's loop while the command line runs in a
subprocess (waited for in a thread). Nothing here asserts a duration: a
deadline is tested against a request held far longer than it.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migrate import fastpath
from migrate.app import fleet, run, scan
from migrate.chart import profile
from migrate.emit import files
from migrate.errors import OutputError
from migrate.report.formats import Format
from tests.support import cluster
from tests.support.cli import ROOT, environment, migrate
from tests.support.cluster import Cluster, Emulator, running

OBJECTS = ROOT / "fixtures" / "cluster" / "objects.yaml"
PROFILE = profile.load()
LLAMA = "ghcr.io/tu-wien-datalab/llama-stack:main"
SEED_VALUES = {"vectorStore": {"defaultProvider": "milvus"}, "env": {"LOG_LEVEL": "info"}}
NAMESPACES = ("-n", "research", "-n", "search", "-n", "default", "-n", "ai", "-n", "web")


def llama(namespace: str, provider: str) -> dict[str, Any]:
    return cluster.deployment(
        "llama-stack", namespace, env={"VECTOR_STORE_DEFAULT_PROVIDER": provider}, image=LLAMA
    )


def seed_fleet(c: Cluster) -> None:
    """Each context: the seed objects (three Llama Stack workloads, one a Helm release with
    a history), one more in ``ai``, and web servers, over two pages in the first."""
    for index, context in enumerate(c.contexts):
        objects = cluster.objects_from_manifest(OBJECTS)
        objects += [
            cluster.helm_release_secret("llama-stack", "research", 1, "superseded", {}),
            cluster.helm_release_secret("llama-stack", "research", 2, "deployed", SEED_VALUES),
            llama("ai", ("milvus", "faiss", "sqlite-vec")[index % 3]),
        ]
        objects += [
            cluster.deployment(f"web-{n:04d}", "web", image="nginx:1.27")
            for n in range(600 if index == 0 else 40)
        ]
        c.seed(context, objects)
    # The first context answers slowest: its results come last, yet are reported first.
    c.emulators[c.contexts[0]].latency = 0.05


def inject_faults(c: Cluster) -> None:
    """A forbidden namespace in the second context, a failing one (through the retries)
    in the third; faults are used up by a run, so each run gets its own."""
    second, third = c.emulators[c.contexts[1]], c.emulators[c.contexts[2]]
    cluster.forbid(second, "apps/v1/statefulsets", "search")
    cluster.fail(third, "GET /api/v1/namespaces/ai/configmaps", 503, times=4)


async def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(migrate, *args)


def fault_ids(report: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {s["context"]: [(f["namespace"], f["id"]) for f in s["faults"]] for s in report["scan"]}


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def first_whole_second_cut(report: dict[str, Any], out: Path, first: str, second: str) -> None:
    """Both namespaces of the ``first`` context were read and written; of the ``second``,
    ``ai`` only: ``slow`` was cut, and nothing of it was written."""
    assert [(w["context"], w["namespace"]) for w in report["workloads"]] == [
        (first, "ai"),
        (first, "slow"),
        (second, "ai"),
    ]
    written = tree(out)
    assert f"{second}/ai/llama-stack/values-overlay.yaml" in written
    assert not any(name.startswith(f"{second}/slow") for name in written)


@pytest.mark.asyncio
async def test_one_request_at_a_time_and_many_give_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "migrated"
    runs: dict[str, tuple[int, str, str, dict[str, bytes]]] = {}
    async with running(("eu", "us", "ap"), tmp_path=tmp_path) as c:
        seed_fleet(c)
        # One request at a time, many; and many in one process, without the fast path's
        # shortcuts (contexts in a second process, workloads planned while lists go on).
        for run, bound, shortcuts in (("1", "1", "0"), ("8", "8", "0"), ("full", "8", "1")):
            inject_faults(c)
            done = await asyncio.to_thread(
                migrate,
                "scan", "--kubeconfig", str(c.kubeconfig), *(f"--context={n}" for n in c.contexts),
                *NAMESPACES, "--helm-values", "-d", str(out), "-o", "json",
                "--max-connections", bound,
                extra_env={"MIGRATE_FULL_PATH": shortcuts},
            )  # fmt: skip
            runs[run] = (done.returncode, done.stdout, done.stderr, tree(out))
            shutil.rmtree(out)
        peaks = {name: e.peak_in_flight for name, e in c.emulators.items()}
    assert runs["1"] == runs["8"] == runs["full"]
    code, stdout, stderr, written = runs["8"]
    assert code == 1, stderr  # api-unavailable is an error
    report = json.loads(stdout)
    assert [s["context"] for s in report["scan"]] == ["eu", "us", "ap"]
    faults = fault_ids(report)
    assert faults == {
        "eu": [],
        "us": [("search", "namespace-forbidden")],
        "ap": [("ai", "api-unavailable")],
    }
    assert [w["context"] for w in report["workloads"]] == ["eu"] * 4 + ["us"] * 3 + ["ap"] * 4
    assert "eu/research/llama-stack/helm-values.yaml" in written
    assert "pages," not in stderr  # no progress lines on a pipe
    assert max(peaks.values()) > 1  # the second run did open several requests at once


@pytest.mark.asyncio
@pytest.mark.parametrize("bound", [1, 3])
async def test_the_bound_on_open_requests_holds_at_the_emulator(tmp_path: Path, bound: int) -> None:
    async with running(("a", "b"), tmp_path=tmp_path, latency=0.05) as c:
        namespaces = [f"team-{n}" for n in range(10)]
        for context in c.contexts:
            c.seed(context, [llama(namespace, "milvus") for namespace in namespaces])
        results = await asyncio.to_thread(
            lambda: scan.scan(
                c.kubeconfig,
                c.contexts,
                PROFILE,
                namespaces=namespaces,
                max_connections=bound,
            )
        )
        peaks = [e.peak_in_flight for e in c.emulators.values()]
    # 20 workload lists, then 10 ConfigMap lists, per cluster: the bound is reached, not passed.
    assert peaks == [bound, bound]
    assert [len(r.result.outcomes) for r in results] == [10, 10]
    assert [r.requests for r in results] == [30, 30]


@pytest.mark.asyncio
async def test_a_deadline_keeps_what_was_read_and_names_what_was_not(tmp_path: Path) -> None:
    out = tmp_path / "migrated"
    async with running(("fast", "cut", "silent"), tmp_path=tmp_path) as c:
        for context in c.contexts:
            c.seed(context, [llama("ai", "milvus"), llama("slow", "faiss")])
        cluster.delay(c.emulators["cut"], "GET /apis/apps/v1/namespaces/slow/deployments", 60.0)
        c.emulators["silent"].latency = 60.0  # nothing answered before the deadline
        base = ("scan", "--kubeconfig", str(c.kubeconfig), "-n", "ai", "-n", "slow")
        partial = await run_cli(
            *base, "--context", "fast", "--context", "cut", "--deadline", "3", "-d", str(out),
            "-o", "json",
        )  # fmt: skip
        nothing = await run_cli(
            *base, *(f"--context={n}" for n in c.contexts), "--deadline", "3", "--dry-run",
            "-o", "json",
        )  # fmt: skip
    # A fault where the deadline cut; what was read is planned and written; exit 1 (an error).
    assert partial.returncode == 1, partial.stderr
    report = json.loads(partial.stdout)
    faults = fault_ids(report)
    assert faults == {"fast": [], "cut": [("slow", "scan-incomplete")]}
    (message,) = [f["message"] for f in report["scan"][1]["faults"]]
    assert message == (
        "listing Deployments in namespace slow stopped: the --deadline of 3 s passed"
    )
    first_whole_second_cut(report, out, "fast", "cut")
    # A context that gave nothing in time: the report still comes, and exit code 3.
    assert nothing.returncode == 3, nothing.stderr
    report = json.loads(nothing.stdout)
    silent = report["scan"][2]
    assert silent["context"] == "silent"
    assert [(f["namespace"], f["id"]) for f in silent["faults"]] == [
        ("ai", "scan-incomplete"),
        ("slow", "scan-incomplete"),
        ("ai", "scan-incomplete"),
        ("slow", "scan-incomplete"),
    ]
    assert "Traceback" not in nothing.stderr


# Python leaves SIGINT ignored if it starts so (as under some test runners): restore it.
_INTERRUPTIBLE = """\
import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.argv = ["migrate", *sys.argv[1:]]
runpy.run_module("migrate", run_name="__main__")
"""


async def interrupted(
    arguments: list[str], held: Emulator, expected: set[str], *, settle: float
) -> tuple[int, str, str]:
    """Run ``migrate scan ARGUMENTS``; once ``held`` (an emulator) has seen the requests of
    ``expected`` and holds one open, wait ``settle`` seconds, press Ctrl-C, and give the
    exit code, stdout and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTIBLE, "scan", *arguments],
        cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        for _ in range(600):
            seen = {path for _, path, _ in cluster.requests(held)}
            if expected <= seen and held.in_flight == 1:
                break
            assert process.poll() is None, process.communicate()
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the scan did not get midway: {seen}")
        await asyncio.sleep(settle)  # the answers read by the client
        process.send_signal(signal.SIGINT)
        stdout, stderr = await asyncio.to_thread(process.communicate, timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stdout, stderr


@pytest.mark.asyncio
async def test_ctrl_c_mid_scan_reports_what_was_read_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "migrated"
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", [llama("ai", "milvus"), llama("slow", "faiss")])
        emulator = c.emulators["main"]
        cluster.delay(emulator, "GET /apis/apps/v1/namespaces/slow/deployments", 60.0)
        # Mid-scan: everything answered but the held list.
        expected = {
            "/apis/apps/v1/namespaces/ai/deployments",
            "/apis/apps/v1/namespaces/slow/deployments",
            "/apis/apps/v1/namespaces/ai/statefulsets",
            "/apis/apps/v1/namespaces/slow/statefulsets",
            "/api/v1/namespaces/ai/configmaps",
        }
        arguments = ["--kubeconfig", str(c.kubeconfig), "-n", "ai", "-n", "slow"]
        returncode, stdout, stderr = await interrupted(
            [*arguments, "-d", str(out), "-o", "json"], emulator, expected, settle=0.5
        )
    assert returncode == scan.EXIT_INTERRUPTED == 130, stderr
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    ((namespace, found_id, message),) = [
        (f["namespace"], f["id"], f["message"]) for f in report["scan"][0]["faults"]
    ]
    assert (namespace, found_id) == ("slow", "scan-incomplete")
    assert message.endswith("stopped: the scan was interrupted (Ctrl-C)")
    assert [w["namespace"] for w in report["workloads"]] == ["ai"]
    written = tree(out)
    assert "main/ai/llama-stack/values-overlay.yaml" in written
    assert not [p for p in out.rglob("*") if files.is_temporary(p.name)]
    assert not any(name.startswith("main/slow") for name in written)


def read_terminal(fd: int) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError as error:  # EIO once the other side is closed
            if error.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.asyncio
async def test_progress_is_a_line_per_context_on_a_terminal(tmp_path: Path) -> None:
    async with running(("eu", "us"), tmp_path=tmp_path) as c:
        for context in c.contexts:
            c.seed(context, [llama("ai", "milvus"), llama("ml", "faiss")])
            c.seed(context, [cluster.deployment("web", "ai", image="nginx:1.27")])
        leader, follower = os.openpty()
        try:
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "migrate", "scan", "--kubeconfig", str(c.kubeconfig),
                 "--context", "eu", "--context", "us", "-A", "--dry-run"],
                cwd=ROOT, env=environment(extra_env={"TERM": "xterm", "COLUMNS": "120"}),
                stdout=subprocess.PIPE, stderr=follower, timeout=120, check=False,
            )  # fmt: skip
            os.close(follower)
            shown = read_terminal(leader)
        finally:
            os.close(leader)
    assert done.returncode == 0, shown
    for context in ("eu", "us"):
        # Deployments (one page, 3 objects) and StatefulSets (one page, none) across all
        # namespaces; ConfigMaps of ai and ml (a page each).
        line = f"{context}: 4 pages, 3 objects, 2 Llama Stack workloads (done)"
        assert line in shown, shown


def outcomes(results: list[scan.ContextResult]) -> list[Any]:
    """What a scan gives, as data: per context its files, plans' findings and faults."""
    return [
        (
            r.context,
            [(str(a.path), a.text) for o in r.result.outcomes for a in o.artifacts],
            [(o.plan.label, o.plan.status, o.plan.findings) for o in r.result.outcomes],
            r.faults,
            r.gave_nothing,
        )
        for r in results
    ]


@pytest.mark.asyncio
async def test_a_second_process_gives_its_contexts_and_if_it_fails_they_are_scanned_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every other context goes to a forked child. Its results are those of one process;
    a child that cannot send them leaves its contexts to the parent, with the same result."""
    forks: list[int] = []
    started = fleet.start

    def start(*args: Any, **kwargs: Any) -> Any:
        child = started(*args, **kwargs)
        forks.append(child.pid)
        return child

    def scan_all(c: Cluster) -> list[Any]:
        results = scan.scan(c.kubeconfig, c.contexts, PROFILE, all_namespaces=True)
        return outcomes(results)

    monkeypatch.setattr(fleet, "start", start)
    async with running(("eu", "us", "ap"), tmp_path=tmp_path) as c:
        seed_fleet(c)
        monkeypatch.setattr(fleet, "possible", lambda contexts, shared: False)
        alone = await asyncio.to_thread(scan_all, c)
        monkeypatch.setattr(fleet, "possible", lambda contexts, shared: True)
        together = await asyncio.to_thread(scan_all, c)
        assert len(forks) == 1
        # The child cannot send its results (pickling fails there): the parent scans them.
        monkeypatch.setattr(fastpath, "dumps", lambda *a: (_ for _ in ()).throw(OSError))
        rescued = await asyncio.to_thread(scan_all, c)
        assert len(forks) == 2
    assert [r[0] for r in alone] == ["eu", "us", "ap"]
    assert sum(len(r[1]) for r in alone) > 10
    assert together == alone
    assert rescued == alone


@pytest.mark.asyncio
async def test_ctrl_c_reaches_the_second_process_of_a_fleet(tmp_path: Path) -> None:
    """Two contexts: the second is scanned in the forked child, whose list is held. Ctrl-C
    stops both; each delivers what it read, and nothing is half-written."""
    out = tmp_path / "migrated"
    async with running(("one", "two"), tmp_path=tmp_path) as c:
        for context in c.contexts:
            c.seed(context, [llama("ai", "milvus"), llama("slow", "faiss")])
        held = c.emulators["two"]
        cluster.delay(held, "GET /apis/apps/v1/namespaces/slow/deployments", 60.0)
        arguments = ["--kubeconfig", str(c.kubeconfig), "--context=one", "--context=two"]
        # The first context done, the second's answers read, its one list held.
        returncode, stdout, stderr = await interrupted(
            [*arguments, "-n", "ai", "-n", "slow", "-d", str(out), "-o", "json"],
            held,
            {"/api/v1/namespaces/ai/configmaps"},
            settle=1.0,
        )
    assert returncode == scan.EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    assert fault_ids(report) == {"one": [], "two": [("slow", "scan-incomplete")]}
    first_whole_second_cut(report, out, "one", "two")
    assert not [p for p in out.rglob("*") if files.is_temporary(p.name)]


@pytest.mark.asyncio
async def test_the_second_process_writes_its_contexts_files_and_names_one_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked child writes the files of its contexts, after the parent checked them
    all: the same bytes as one process writes. A file it cannot write is the run's error,
    by name, and no temporary is left."""
    log = tmp_path / "renames.log"
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:  # who puts each file in place
        if "/refused/" in str(target) and "/us/" in str(target):
            raise PermissionError(errno.EACCES, "Permission denied")
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()} {Path(target).relative_to(tmp_path)}\n")
        real_replace(source, target)

    async with running(("eu", "us", "ap"), tmp_path=tmp_path) as c:
        seed_fleet(c)
        clusters = scan.Clusters(c.kubeconfig, tuple(c.contexts), all_namespaces=True)

        def scan_into(name: str) -> int:
            request = run.Request(output_dir=tmp_path / name, output=Format.JSON)
            return scan.main(request, clusters, lambda line: None)

        monkeypatch.setattr(fleet, "possible", lambda contexts, shared: False)
        assert await asyncio.to_thread(scan_into, "alone") == 0
        monkeypatch.setattr(fleet, "possible", lambda contexts, shared: True)
        monkeypatch.setattr(os, "replace", replace)  # the child is forked with it
        assert await asyncio.to_thread(scan_into, "shared") == 0
        with pytest.raises(OutputError) as raised:
            await asyncio.to_thread(scan_into, "refused")
    alone = tree(tmp_path / "alone")
    assert tree(tmp_path / "shared") == alone
    writers: dict[str, set[str]] = {}
    for line in log.read_text("utf-8").splitlines():
        pid, path = line.split(" ", 1)
        if path.startswith("shared/"):
            writers.setdefault(path.split("/")[1], set()).add(pid)
    parent = str(os.getpid())
    assert writers["eu"] == writers["ap"] == {parent}
    assert len(writers["us"]) == 1 and writers["us"] != {parent}  # the child, alone
    assert str(raised.value).startswith(str(tmp_path / "refused" / "us"))
    assert str(raised.value).endswith(": cannot write: Permission denied")
    refused = tmp_path / "refused"
    assert not [p for p in refused.rglob("*") if files.is_temporary(p.name)]
    assert all(alone[name] == data for name, data in tree(refused).items())
    assert not [name for name in tree(refused) if name.startswith("us/")]
