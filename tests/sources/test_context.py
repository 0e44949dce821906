"""A kubeconfig context as a source, against kmock's emulator over HTTP with the real client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from migrate.model import CompleteConfigMaps, Document, Workload
from migrate.sources import cluster, parallel
from migrate.sources.context import ContextSource, ListFault, to_document
from migrate.sources.server_fields import clean
from tests.support import cluster as emulated
from tests.support.cluster import running


def configmap(name: str, namespace: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def wanted(document: Document) -> bool:
    return document.name.startswith("llama")


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
