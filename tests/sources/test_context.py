"""A kubeconfig context as a source, against kmock's emulator over HTTP with the real client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from migrate.model import CompleteConfigMaps, Document, Workload
from migrate.sources import cluster, parallel
from migrate.sources.context import ContextSource, ListFault, _Progress, to_document
from migrate.sources.server_fields import clean
from tests.support import cluster as emulated
from tests.support.cluster import api, running


def configmap(name: str, namespace: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def wanted(data: Mapping[str, Any]) -> bool:
    return str(data["metadata"]["name"]).startswith("llama")


def read(kubeconfig: Path, namespaces: list[str | None]) -> list[Any]:
    connection = cluster.connect(kubeconfig, "main", "default", 5.0)
    return list(ContextSource(connection, namespaces, wanted).read())


@pytest.mark.asyncio
async def test_faults_then_configmaps_then_the_workloads_kept(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed(
            "main",
            [
                emulated.deployment("llama-a", "ai"),
                emulated.deployment("web", "ai"),
                emulated.deployment("llama-b", "locked"),
                configmap("settings", "ai", LOG="debug"),
                configmap("elsewhere", "web"),
            ],
        )
        emulated.forbid(c.emulators["main"], "apps/v1/deployments", "locked")
        items = await asyncio.to_thread(lambda: read(c.kubeconfig, ["ai", "locked"]))
    fault, settings, workload = items
    assert isinstance(fault, ListFault) and fault.forbidden and fault.namespace == "locked"
    assert "forbidden (403)" in fault.message
    assert isinstance(settings, Document) and settings.origin.file == "main: configmap ai/settings"
    assert isinstance(workload, Workload) and workload.document.name == "llama-a"
    # Every ConfigMap of the namespace was listed: a name not among them does not exist.
    assert isinstance(workload.config_maps, CompleteConfigMaps)
    assert workload.config_maps["settings"] == {"LOG": "debug"}
    assert "missing" in workload.config_maps and workload.config_maps["missing"] is None


@pytest.mark.asyncio
async def test_all_namespaces_are_one_list(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", [emulated.deployment("llama-a", "ai"), emulated.deployment("llama", "b")])
        items = await asyncio.to_thread(lambda: read(c.kubeconfig, [None]))
    assert [i.document.origin.file for i in items if isinstance(i, Workload)] == [
        "main: deployment ai/llama-a",
        "main: deployment b/llama",
    ]


def test_objects_lose_what_the_server_set() -> None:
    item = {
        "metadata": {
            "name": "x",
            "namespace": "ai",
            "uid": "1",
            "resourceVersion": "2",
            "annotations": {"deployment.kubernetes.io/revision": "3"},
        },
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "spec": {"replicas": 1},
        "status": {"replicas": 1},
    }
    assert clean(item) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "namespace": "ai"},
        "spec": {"replicas": 1},
    }
    document = to_document(item, "prod")
    assert document.text.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n")
    assert document.data == clean(item) and str(document.origin) == "prod: deployment ai/x"
    assert to_document(item, "prod", as_text=False).text == ""


@pytest.mark.asyncio
async def test_the_workloads_kept_are_told_once_their_lists_end_before_the_configmaps_do(
    tmp_path: Path,
) -> None:
    """What the scan asks Helm histories for as soon as it can: every workload kept, in the
    listing's order, while a ConfigMaps list is still held at the server."""
    told: list[tuple[list[str], bool]] = []
    config_maps_read: list[str] = []

    def listed(found: list[Document]) -> None:
        told.append(([d.origin.file for d in found], "slow" in config_maps_read))

    async with running(tmp_path=tmp_path) as c:
        c.seed(
            "main",
            [
                emulated.deployment("llama-a", "ai"),
                emulated.deployment("llama-b", "slow"),
                emulated.deployment("web", "ai"),
                configmap("settings", "slow"),
            ],
        )
        emulated.delay(c.emulators["main"], "GET /api/v1/namespaces/slow/configmaps", 1.0)

        def run() -> list[Document]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            source = ContextSource(
                connection,
                ["ai", "slow"],
                wanted,
                on_config_maps=lambda namespace, read: config_maps_read.append(namespace),
                on_listed=listed,
            )
            with parallel.Pool(4) as pool:
                return source.list_all(pool).found

        found = await asyncio.to_thread(run)
    assert told == [(["main: deployment ai/llama-a", "main: deployment slow/llama-b"], False)]
    assert [d.origin.file for d in found] == told[0][0]
    assert sorted(config_maps_read) == ["ai", "slow"]


@pytest.mark.asyncio
async def test_a_namespace_is_told_once_every_list_went_past_it(tmp_path: Path) -> None:
    """Across all namespaces an API server lists in key order, namespace by namespace: a
    namespace's workloads are told (for its Helm histories) as soon as the paged list goes
    on to the next namespace, before the list ends."""
    told: list[tuple[str, list[str], int]] = []

    async with running(tmp_path=tmp_path) as c:
        emulator = c.emulators["main"]
        c.seed(
            "main",
            [
                emulated.deployment("llama-1", "a"),
                emulated.deployment("llama-2", "a"),
                emulated.deployment("web", "a"),
                emulated.deployment("llama-3", "b"),
                emulated.deployment("llama-4", "c"),
                emulated.deployment("llama-5", "c"),
            ],
        )
        # Every page waits a little: the StatefulSets (none) are listed first.
        emulated.delay(emulator, "GET /apis/apps/v1/deployments", 0.2)

        # The Deployment pages answered so far (the next may be asked for already).
        answered: list[int] = []

        def namespace_done(namespace: str, found: list[Document]) -> None:
            told.append((namespace, [d.name for d in found], sum(1 for n in answered if n)))

        def run() -> list[Document]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            connection.on_page = answered.append  # objects per page (no StatefulSets)
            source = ContextSource(
                connection, [None], wanted, page_size=2, on_namespace=namespace_done
            )
            with parallel.Pool(4) as pool:
                return source.list_all(pool).found

        found = await asyncio.to_thread(run)
    assert [(namespace, names) for namespace, names, _ in told] == [
        ("a", ["llama-1", "llama-2"]),
        ("b", ["llama-3"]),
        ("c", ["llama-4", "llama-5"]),
    ]
    # a: on page 2 (which starts with a/web, then b); b: on page 3; c: when the list ended.
    assert [at for _, _, at in told] == [2, 3, 3]
    assert [d.name for d in found] == ["llama-1", "llama-2", "llama-3", "llama-4", "llama-5"]


def test_a_list_that_comes_back_to_a_namespace_tells_it_again_with_what_is_new() -> None:
    """Should a list not keep to key order, a namespace told already is told again with
    the workloads found since (the scan's last call, with every workload, asks for any
    history still missing)."""

    def workload(name: str, namespace: str) -> Document:
        return to_document(emulated.deployment(name, namespace), "main", as_text=False)

    kept: list[Document] = []
    progress = _Progress([(cluster.DEPLOYMENTS, None, kept)])

    def move(namespace: str | None, *names: str) -> list[tuple[str, list[str]]]:
        done = progress.moved(0, namespace)
        kept.extend(workload(name, namespace or "") for name in names)
        return [(n, [d.name for d in found]) for n, found in done]

    assert move("a", "llama-1") == []
    assert move("b", "llama-2") == [("a", ["llama-1"])]
    assert move("a", "llama-3") == [("b", ["llama-2"])]
    assert move(None) == [("a", ["llama-3"])]


def _deployment_requests(emulator: Any) -> list[dict[str, str]]:
    return [query for _, path, query in emulated.requests(emulator) if "deployments" in path]


@pytest.mark.asyncio
async def test_the_next_page_is_asked_for_while_this_ones_objects_are_looked_at(
    tmp_path: Path,
) -> None:
    """Paging stays one request at a time (each needs the last one's ``continue``), but the
    request for page 2 is out before page 1's objects are handed over: the API server
    prepares it meanwhile. No request more than the pages is sent."""
    async with running(tmp_path=tmp_path) as c:
        emulator = c.emulators["main"]
        c.seed("main", [emulated.deployment(f"llama-{i}", "ai") for i in range(5)])

        def run() -> tuple[list[str], list[int]]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            names: list[str] = []
            asked_while_held: list[int] = []
            for item in connection.list(cluster.DEPLOYMENTS, None, page_size=2):
                names.append(item["metadata"]["name"])
                if len(names) in (1, 3):  # the first object of pages 1 and 2, held here
                    wanted = len(names) // 2 + 2
                    for _ in range(200):
                        if len(_deployment_requests(emulator)) >= wanted:
                            break
                        time.sleep(0.01)
                    asked_while_held.append(len(_deployment_requests(emulator)))
            return names, asked_while_held

        names, asked = await asyncio.to_thread(run)
        sent = _deployment_requests(emulator)
    assert names == [f"llama-{i}" for i in range(5)]
    assert asked == [2, 3]
    assert len(sent) == 3
    assert "continue" not in sent[0] and all("continue" in query for query in sent[1:])


@pytest.mark.asyncio
async def test_a_page_asked_for_ahead_is_dropped_at_a_stop(tmp_path: Path) -> None:
    """A stop while a page's objects are looked at ends the list there, as if the next
    page had not been asked for: its answer is not handed over."""
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", [emulated.deployment(f"llama-{i}", "ai") for i in range(5)])

        def run() -> tuple[list[str], cluster.Fault | None]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            names: list[str] = []
            try:
                for item in connection.list(cluster.DEPLOYMENTS, None, page_size=2):
                    names.append(item["metadata"]["name"])
                    if len(names) == 2:
                        time.sleep(0.2)  # the answer to page 2 has come meanwhile
                        connection.stop.interrupt()
            except cluster.Fault as fault:
                return names, fault
            return names, None

        names, fault = await asyncio.to_thread(run)
    assert names == ["llama-0", "llama-1"]
    assert fault is not None and fault.kind == "stopped"


@pytest.mark.asyncio
async def test_a_page_asked_for_ahead_that_fails_is_asked_again(tmp_path: Path) -> None:
    """The request sent ahead is the page's first attempt: a 500 to it is retried as any
    other, and the list is read whole."""
    async with running(tmp_path=tmp_path) as c:
        emulator = c.emulators["main"]
        c.seed("main", [emulated.deployment(f"llama-{i}", "ai") for i in range(5)])
        # The second request for Deployments (page 2's, sent ahead) is answered 500.
        second = emulator["GET /apis/apps/v1/deployments"][1:2]
        second << 500 << api.status_body(500, "injected failure (500)")

        def run() -> tuple[list[str], int]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            listed = connection.list(cluster.DEPLOYMENTS, None, page_size=2)
            return [item["metadata"]["name"] for item in listed], connection.requests

        names, sent = await asyncio.to_thread(run)
        asked = _deployment_requests(emulator)
    assert names == [f"llama-{i}" for i in range(5)]
    assert sent == len(asked) == 4  # pages 1, 2 (failed, then again) and 3
    assert asked[1] == asked[2]  # the same continue token, asked again
