"""``migrate scan`` of clusters of 5,000 Deployments against bare paged lists.

Goal 3: one context — scan ÷ a bare raw paged list of the same Deployments
≤ 1.5 as the emulator answers (no added latency) and ≤ 1.3 when every
request is answered after a fixed delay (50 ms, as a nearby API server);
requests ≤ ⌈N/500⌉ + one per namespace with a Llama Stack workload; peak
memory over the interpreter's baseline ≤ 60 MB. A fleet of 8 contexts, with
the delay — a scan of all 8 ÷ the bare lists of all 8 run at once, one process
each (the floor on this machine) ≤ 1.5; the scan's peak memory, summed over
its worker processes if any, ≤ 150 MB over its baseline.

Each cluster is kmock's Kubernetes emulator (extended by the test suite's
``tests/support/cluster/``), one per context, served from this process on
127.0.0.1, answering every request after the delay (``benchmarks/clusters.py``).
Each measured run is a child process of its own, so that its memory is its
own: the child imports what it needs, notes its resident size (the baseline),
times the work alone, and reports its peak resident size
(``benchmarks/children.py``). The bare list is the official client sending the
request of ``list_deployment_for_all_namespaces`` with ``limit=500`` and
``continue``, each page's raw body decoded with ``json.loads``: the least any
scanner built on that client can do.

``python -m benchmarks.scan`` runs one context; ``--contexts 8 --latency-ms 50``
runs the fleet alone.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import children, clusters
from benchmarks.common import Row, workspace
from benchmarks.generate import applications

SCAN_GOAL = 1.5
LATENCY_GOAL = 1.3
FLEET_GOAL = 1.5
MEMORY_GOAL_MB = 60
FLEET_MEMORY_GOAL_MB = 150
LATENCY_MS = 50
HISTORY_LISTS = 2  # releases' histories: Helm keeps them in Secrets, or ConfigMaps


@functools.cache
def _objects(deployments: int, llama_share: float) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The corpus's Deployments and ConfigMaps as a cluster holds them (seeding copies them)."""
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
    return objects, frozenset(namespaces)


# --- the clusters and the measurements ---------------------------------------------------------


def _clusters(
    contexts: Sequence[str], deployments: int, llama_share: float, latency_ms: int, work: Path
) -> contextlib.AbstractAsyncContextManager[clusters.Fleet]:
    """Emulated clusters, one per context, each holding the corpus, answering after the delay."""
    objects, _ = _objects(deployments, llama_share)
    return clusters.running(contexts, objects, latency=latency_ms / 1000, directory=work)


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return float(statistics.median(run[key] for run in runs))


def _over_baseline_mb(runs: list[dict[str, Any]]) -> float:
    return float(max(run["peak_kb"] - run["baseline_kb"] for run in runs)) / 1024


async def _measure(
    deployments: int, llama_share: float, repeats: int, latency_ms: int, work: Path
) -> dict[str, Any]:
    async with _clusters(("main",), deployments, llama_share, latency_ms, work) as running:
        kubeconfig = str(running.kubeconfig)
        scans: list[dict[str, Any]] = []
        lists: list[dict[str, Any]] = []
        requests: list[int] = []
        for index in range(repeats + 1):  # the first round warms the emulator
            before = running.requests()
            scan = await asyncio.to_thread(
                children.run, "scan", kubeconfig, str(work / f"out-{index}")
            )
            sent = running.requests() - before
            bare = await asyncio.to_thread(children.run, "list", kubeconfig, "main")
            if bare["count"] != deployments:
                raise RuntimeError(f"the bare list saw {bare['count']} of {deployments}")
            if index:
                scans.append(scan)
                lists.append(bare)
                requests.append(sent)
    return {
        "scan": _median(scans),
        "list": _median(lists),
        "scan_peak_mb": _over_baseline_mb(scans),
        "scan_peak_total_mb": max(s["peak_kb"] for s in scans) / 1024,
        "list_peak_mb": _over_baseline_mb(lists),
        "requests": max(requests),
        "methods": sorted(running.methods()),
    }


def _describe(deployments: int, llama_share: float) -> tuple[int, int, int, int]:
    """How many Deployments are Llama Stack, in how many namespaces, of how many Helm
    releases, and how many requests read those releases' histories (a list of Secrets,
    then of ConfigMaps, for up to ``SET_SIZE`` releases of one namespace)."""
    from migrate.model import owner_release
    from migrate.sources.helm_history import SET_SIZE

    objects, namespaces = _objects(deployments, llama_share)
    llama = [
        o
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["name"].startswith("llama-stack-")
    ]
    releases = {r for o in llama if (r := owner_release(o["metadata"])) is not None}
    by_namespace = collections.Counter(namespace for _, namespace in releases)
    lists = sum(HISTORY_LISTS * math.ceil(n / SET_SIZE) for n in by_namespace.values())
    return len(llama), len(namespaces), len(releases), lists


def _latency(latency_ms: int) -> str:
    return f"{latency_ms} ms latency" if latency_ms else "no added latency"


def run(
    deployments: int = 5000,
    repeats: int = 5,
    llama_share: float = 0.01,
    *,
    latency_ms: int = 0,
    label: str = "3. scan ÷ bare raw paged list",
) -> list[Row]:
    """One context: the ratio, then the requests and the memory."""
    with workspace() as temporary:
        figures = asyncio.run(
            _measure(deployments, llama_share, repeats, latency_ms, Path(temporary))
        )
    bare_kb = children.bare_interpreter_kb()
    llama, namespaces, releases, history_lists = _describe(deployments, llama_share)
    pages = math.ceil(deployments / children.PAGE)
    allowed = pages + namespaces
    # Beyond the goal's count: the StatefulSets, a kind of its own, and the Helm releases'
    # histories, read from both of Helm's stores (Secrets, ConfigMaps), many at a time.
    counted = allowed + 1 + history_lists
    size = (
        f"{deployments:,} Deployments, {llama} of them Llama Stack in {namespaces} namespaces; "
        f"{_latency(latency_ms)}; median of {repeats}; methods used: "
        f"{', '.join(figures['methods'])}"
    )
    scan, bare = figures["scan"], figures["list"]
    goal = LATENCY_GOAL if latency_ms else SCAN_GOAL
    return [
        Row(
            label,
            f"{scan:.2f} s ÷ {bare:.2f} s = {scan / bare:.2f}x",
            f"≤ {goal}",
            scan / bare <= goal,
            size,
        ),
        Row(
            "3. scan requests",
            f"{figures['requests']} (Deployment pages {pages}, StatefulSets 1, ConfigMaps "
            f"{namespaces}, Helm histories {history_lists})",
            f"≤ ⌈N/500⌉ + namespaces = {allowed}; {counted} counting the StatefulSet list "
            f"and the histories of {releases} releases",
            figures["requests"] <= counted,
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


async def _measure_fleet(
    contexts: Sequence[str],
    deployments: int,
    llama_share: float,
    repeats: int,
    latency_ms: int,
    work: Path,
) -> dict[str, Any]:
    async with _clusters(contexts, deployments, llama_share, latency_ms, work) as running:
        kubeconfig = str(running.kubeconfig)
        # Unmeasured: a scan of one context and a floor warm the emulators (their kept
        # answers are shared) and the file cache of the imports.
        await asyncio.to_thread(children.run, "scan", kubeconfig, str(work / "warm"), contexts[0])
        await asyncio.to_thread(children.lists_at_once, kubeconfig, contexts)
        scans: list[dict[str, Any]] = []
        floors: list[float] = []
        lists: list[dict[str, Any]] = []
        requests: list[int] = []
        for index in range(repeats):
            before = running.requests()
            output = str(work / f"fleet-{index}")
            scans.append(
                await asyncio.to_thread(children.run, "scan", kubeconfig, output, *contexts)
            )
            requests.append(running.requests() - before)
            bare = await asyncio.to_thread(children.lists_at_once, kubeconfig, contexts)
            if any(run["count"] != deployments for run in bare):
                raise RuntimeError(f"a bare list saw fewer than {deployments} Deployments")
            floors.append(max(run["end"] for run in bare) - min(run["start"] for run in bare))
            lists += bare
    return {
        "scan": _median(scans),
        "floor": statistics.median(floors),
        "one_list": _median(lists),
        "scan_peak_mb": _over_baseline_mb(scans),
        "workers": max(run["workers"] for run in scans),
        "list_peak_mb": _over_baseline_mb(lists),
        "requests": max(requests),
    }


def fleet(
    contexts: int = 8,
    deployments: int = 5000,
    repeats: int = 3,
    llama_share: float = 0.01,
    *,
    latency_ms: int = LATENCY_MS,
) -> list[Row]:
    """Several contexts: the scan of all ÷ their bare lists at once, and the scan's memory."""
    names = [f"cluster-{index + 1}" for index in range(contexts)]
    with workspace() as temporary:
        figures = asyncio.run(
            _measure_fleet(names, deployments, llama_share, repeats, latency_ms, Path(temporary))
        )
    llama, namespaces, _, _ = _describe(deployments, llama_share)
    scan, floor = figures["scan"], figures["floor"]
    workers = figures["workers"]
    return [
        Row(
            f"3. scan of {contexts} contexts ÷ their {contexts} bare lists at once",
            f"{scan:.2f} s ÷ {floor:.2f} s = {scan / floor:.2f}x",
            f"≤ {FLEET_GOAL}",
            scan / floor <= FLEET_GOAL,
            f"{contexts} emulated clusters of {deployments:,} Deployments each, {llama} of them "
            f"Llama Stack in {namespaces} namespaces; {_latency(latency_ms)}; the floor is "
            f"the first start to the last end of {contexts} bare lists, one process each "
            f"(each list's own time among them: {figures['one_list']:.2f} s); median of {repeats}; "
            f"{figures['requests']} requests a scan",
        ),
        Row(
            f"3. scan of {contexts} contexts, peak memory over baseline",
            f"{figures['scan_peak_mb']:.1f} MB (a bare list: {figures['list_peak_mb']:.1f} MB)",
            f"≤ {FLEET_MEMORY_GOAL_MB} MB",
            figures["scan_peak_mb"] <= FLEET_MEMORY_GOAL_MB,
            "summed over the scan's worker processes: "
            + (f"at most {workers} at once" if workers else "none started"),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--deployments", type=int, default=5000, help="Per context.")
    parser.add_argument("-r", "--repeats", type=int, default=None)
    parser.add_argument("--llama-share", type=float, default=0.01)
    parser.add_argument(
        "--contexts", type=int, default=1, help="More than one: the fleet's figures alone."
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=None,
        help=f"Delay of every answer (default: none for one context, {LATENCY_MS} for a fleet).",
    )
    arguments = parser.parse_args()
    if arguments.contexts > 1:
        latency = LATENCY_MS if arguments.latency_ms is None else arguments.latency_ms
        rows = fleet(
            arguments.contexts,
            arguments.deployments,
            arguments.repeats or 3,
            arguments.llama_share,
            latency_ms=latency,
        )
    else:
        rows = run(
            arguments.deployments,
            arguments.repeats or 5,
            arguments.llama_share,
            latency_ms=arguments.latency_ms or 0,
        )
    for row in rows:
        print(row.line())
        if row.detail:
            print(f"    {row.detail}")


if __name__ == "__main__":
    main()
