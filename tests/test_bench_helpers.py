"""The scan benchmark's helpers: its clusters at a distance, and memory summed over workers.

The figures themselves are not tested (they take minutes and depend on the
machine); what they rest on is: a worker process's memory counts toward the
scan's peak, the benchmark's clusters keep their list answers and hold each
request for the latency, and one kubeconfig reaches each cluster by its context.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import clusters, probe
from tests.support.cluster import api_client, deployment, requests

_WORKER = """
import sys
held = bytearray(64 * 1024 * 1024)
held[::4096] = b"x" * len(held[::4096])
print("ready", flush=True)
sys.stdin.readline()
"""


def test_a_worker_process_memory_counts_toward_the_peak() -> None:
    # Against the size now, not this process's peak: other tests may have raised that.
    before = probe.status_kb("VmRSS")
    with probe.TreePeak(interval=0.01) as tree:
        worker = subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdout is not None and worker.stdin is not None
        assert worker.stdout.readline().strip() == "ready"
        assert worker.pid in probe.descendants()
        deadline = time.monotonic() + 30
        while tree.sampled_kb < before + 60 * 1024:
            assert time.monotonic() < deadline, "the worker's memory was never sampled"
            time.sleep(0.01)
        worker.communicate("\n")
    assert tree.workers >= 1
    assert tree.peak_kb >= before + 60 * 1024
    assert worker.pid not in probe.descendants()


def _names(kubeconfig: Path, context: str) -> tuple[list[str], str | None]:
    with api_client(kubeconfig, context) as api:
        request = api.param_serialize(
            method="GET",
            resource_path="/apis/apps/v1/deployments",
            query_params=[("limit", 1)],
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request)
        response.read()
        page = json.loads(response.data)
    return [item["metadata"]["name"] for item in page["items"]], page["metadata"].get("continue")


@pytest.mark.asyncio
async def test_the_benchmark_clusters_answer_each_context_late_and_keep_their_lists(
    tmp_path: Path,
) -> None:
    objects = [deployment("b-app", "team"), deployment("a-app", "team")]
    async with clusters.running(
        ["east", "west"], objects, latency=0.2, directory=tmp_path
    ) as fleet:
        start = time.monotonic()
        first = await asyncio.to_thread(_names, fleet.kubeconfig, "west")
        assert time.monotonic() - start >= 0.2  # held for the latency, at least
        assert first == (["a-app"], first[1]) and first[1]
        # A list asked again gets the answer kept, though the cluster changed meanwhile.
        fleet.emulators["west"].seed(deployment("0-app", "team"))
        assert await asyncio.to_thread(_names, fleet.kubeconfig, "west") == first
        # The other context is a cluster of its own, reached by its name; holding the same
        # objects, it shares the answers kept.
        assert await asyncio.to_thread(_names, fleet.kubeconfig, "east") == first
        assert [len(e.served) for e in fleet.emulators.values()] == [1, 2]
        assert fleet.requests() == 3
        # Answered requests are counted, and out of kmock's log (each new one is matched
        # against all in it).
        assert [len(requests(e)) for e in fleet.emulators.values()] == [0, 0]
        assert fleet.methods() == {"GET"}
