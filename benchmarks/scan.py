"""``migrate scan`` of a cluster of 5,000 Deployments against a bare paged list.

Goal 3: scan ÷ a bare raw paged list of the same Deployments ≤ 1.5; requests
≤ ⌈N/500⌉ + one per namespace with a Llama Stack workload; peak memory over
the interpreter's baseline ≤ 60 MB.

The cluster is kmock's Kubernetes emulator (extended by the test suite's
``tests/support/cluster/``), served from this process on 127.0.0.1. Each
measured run is a child process of its own, so that its memory is its own:
the child imports what it needs, notes its resident size (the baseline),
times the work alone, and reports its peak resident size. The bare list is
the official client sending the request of ``list_deployment_for_all_namespaces``
with ``limit=500`` and ``continue``, each page's raw body decoded with
``json.loads``: the least any scanner built on that client can do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Row, quiet
from benchmarks.generate import applications

SCAN_GOAL = 1.5
MEMORY_GOAL_MB = 60
PAGE = 500


def _objects(deployments: int, llama_share: float) -> tuple[list[dict[str, Any]], set[str]]:
    """The corpus's Deployments and ConfigMaps as a cluster holds them."""
    import yaml

    objects: list[dict[str, Any]] = []
    namespaces: set[str] = set()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for app in applications(deployments, llama_share=llama_share):
        for item in yaml.load_all(app.text, Loader=loader):
            if item["kind"] in ("Deployment", "ConfigMap"):
                objects.append(item)
        if app.llama_stack:
            namespaces.add(app.namespace)
    return objects, namespaces


def _status_kb(field: str) -> int:
    """A size from /proc/self/status: VmRSS now, VmHWM the peak of this program.

    getrusage's ru_maxrss is no use here: Linux carries it over ``exec`` from the
    forked parent, which holds the emulator and its objects.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


PROFILE_ENV = "MIGRATE_BENCH_PROFILE"  # a file: the scan child writes a pyinstrument profile


def _child_scan(kubeconfig: str, output: str) -> dict[str, Any]:
    from migrate import report  # noqa: F401  (imported before the baseline)
    from migrate.cli import app
    from migrate.sources import cluster  # noqa: F401  (the kubernetes client)

    baseline = _status_kb("VmRSS")
    profile_to = os.environ.get(PROFILE_ENV)
    profiler: Any = None
    if profile_to:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    start = time.perf_counter()
    with quiet():
        try:
            arguments = ["scan", "--kubeconfig", kubeconfig, "-A", "-d", output]
            code = app(arguments, standalone_mode=False)
        except SystemExit as exit_:
            code = exit_.code
    seconds = time.perf_counter() - start
    if code not in (None, 0, 1):
        raise RuntimeError(f"scan failed (exit {code}): the benchmark would measure that")
    if profiler is not None:
        profiler.stop()
        from benchmarks.run import trimmed

        Path(profile_to or "").write_text(trimmed(profiler, "_child_scan"))
    peak = _status_kb("VmHWM")
    return {"seconds": seconds, "baseline_kb": baseline, "peak_kb": peak}


def _child_list(kubeconfig: str) -> dict[str, Any]:
    from kubernetes import client, config

    baseline = _status_kb("VmRSS")
    start = time.perf_counter()
    configuration = client.Configuration()
    load: Any = config.load_kube_config
    load(config_file=kubeconfig, client_configuration=configuration, persist_config=False)
    configuration.retries = 0
    count = 0
    with client.ApiClient(configuration) as api:
        token = None
        while True:
            # The request the client's generated list method sends, without importing
            # its API classes (which costs about half a second; the scan avoids it too).
            query: list[tuple[str, Any]] = [("limit", PAGE)]
            if token:
                query.append(("continue", token))
            request = api.param_serialize(
                method="GET",
                resource_path="/apis/apps/v1/deployments",
                query_params=query,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            response = api.call_api(*request)
            response.read()
            page = json.loads(response.data)
            count += len(page["items"])
            token = page["metadata"].get("continue")
            if not token:
                break
    seconds = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    return {"seconds": seconds, "baseline_kb": baseline, "peak_kb": peak, "count": count}


def _bare_interpreter_kb() -> int:
    """Peak resident size of an interpreter that does nothing else."""
    code = (
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'): print(line.split()[1])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout)


def _child(mode: str, *arguments: str) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scan", "--child", mode, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _measure(
    deployments: int, llama_share: float, repeats: int, work: Path
) -> dict[str, Any]:
    from tests.support import cluster

    objects, llama_namespaces = _objects(deployments, llama_share)
    async with cluster.running(tmp_path=work) as running:
        running.seed("main", objects)
        emulator = running.emulators["main"]
        kubeconfig = str(running.kubeconfig)
        scans: list[dict[str, Any]] = []
        lists: list[dict[str, Any]] = []
        requests: list[int] = []
        methods: set[str] = set()
        for index in range(repeats + 1):  # the first round warms the emulator
            before = len(cluster.requests(emulator))
            scan = await asyncio.to_thread(_child, "scan", kubeconfig, str(work / f"out-{index}"))
            log = cluster.requests(emulator)[before:]
            bare = await asyncio.to_thread(_child, "list", kubeconfig)
            if bare["count"] != deployments:
                raise RuntimeError(f"the bare list saw {bare['count']} of {deployments}")
            if index:
                scans.append(scan)
                lists.append(bare)
                requests.append(len(log))
                methods |= {method for method, _, _ in log}
    return {
        "scan": statistics.median(s["seconds"] for s in scans),
        "list": statistics.median(s["seconds"] for s in lists),
        "scan_peak_mb": max(s["peak_kb"] - s["baseline_kb"] for s in scans) / 1024,
        "scan_peak_total_mb": max(s["peak_kb"] for s in scans) / 1024,
        "list_peak_mb": max(s["peak_kb"] - s["baseline_kb"] for s in lists) / 1024,
        "requests": max(requests),
        "methods": sorted(methods),
        "namespaces": len(llama_namespaces),
        "llama_stack": sum(
            1
            for o in objects
            if o["kind"] == "Deployment" and o["metadata"]["name"].startswith("llama-stack-")
        ),
    }


def run(
    deployments: int = 5000,
    repeats: int = 5,
    llama_share: float = 0.01,
    *,
    label: str = "3. scan ÷ bare raw paged list",
) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="migrate-bench-") as temporary:
        figures = asyncio.run(_measure(deployments, llama_share, repeats, Path(temporary)))
    bare_kb = _bare_interpreter_kb()
    allowed = math.ceil(deployments / PAGE) + figures["namespaces"]
    kinds = 2  # Deployments and StatefulSets: each kind is a list of its own
    size = (
        f"{deployments:,} Deployments, {int(figures['llama_stack'])} of them Llama Stack in "
        f"{figures['namespaces']} namespaces; median of {repeats}; methods used: "
        f"{', '.join(figures['methods'])}"
    )
    scan, bare = figures["scan"], figures["list"]
    return [
        Row(
            label,
            f"{scan:.2f} s ÷ {bare:.2f} s = {scan / bare:.2f}x",
            f"≤ {SCAN_GOAL}",
            scan / bare <= SCAN_GOAL,
            size,
        ),
        Row(
            "3. scan requests",
            f"{figures['requests']} (Deployment pages {math.ceil(deployments / PAGE)}, "
            f"StatefulSets 1, ConfigMaps {figures['namespaces']})",
            f"≤ ⌈N/500⌉ + namespaces = {allowed}; {allowed + kinds - 1} counting the "
            "StatefulSet list",
            figures["requests"] <= allowed + kinds - 1,
        ),
        Row(
            "3. scan peak memory over baseline",
            f"{figures['scan_peak_mb']:.1f} MB (bare list: {figures['list_peak_mb']:.1f} MB)",
            f"≤ {MEMORY_GOAL_MB} MB",
            figures["scan_peak_mb"] <= MEMORY_GOAL_MB,
            f"baseline: the child after its imports; peak resident size "
            f"{figures['scan_peak_total_mb']:.0f} MB in all, a bare interpreter "
            f"{bare_kb / 1024:.0f} MB",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--deployments", type=int, default=5000)
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("--llama-share", type=float, default=0.01)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        mode, *rest = arguments.child
        result = _child_scan(*rest) if mode == "scan" else _child_list(*rest)
        print(json.dumps(result))
        return
    for row in run(arguments.deployments, arguments.repeats, arguments.llama_share):
        print(row.line())
        if row.detail:
            print(f"    {row.detail}")


if __name__ == "__main__":
    main()
