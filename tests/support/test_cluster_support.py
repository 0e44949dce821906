"""The cluster test support, exercised through the official ``kubernetes`` client.

The client is synchronous: every call runs in a thread (``asyncio.to_thread``) so that the
emulators keep serving on the test's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import kubernetes
import pytest
import urllib3

from tests.support.cluster import (
    FAKE_TOKEN,
    HELM_RELEASE_TYPE,
    Emulator,
    LabelSelectorError,
    api_client,
    decode_helm_release,
    delay,
    deployment,
    fail_once,
    forbid,
    helm_release_secret,
    match_labels,
    objects_from_manifest,
    requests,
    running,
)

T = TypeVar("T")


async def in_thread(fn: Callable[[], T]) -> T:
    return await asyncio.to_thread(fn)


def secret(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "stringData": {"key": name},
    }


def meta(obj: Any) -> Any:
    """The metadata of a typed client object (the models type it as optional)."""
    assert obj.metadata is not None
    return obj.metadata


def names_of(found: Any) -> list[str]:
    """The names of the items of a typed list answer."""
    return [str(meta(item).name) for item in found.items]


def raw(response: Any) -> Any:
    return json.loads(response.data)


def list_all_pages(call: Callable[..., Any], limit: int, **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of a raw (``_preload_content=False``) list call."""
    pages: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = raw(call(_preload_content=False, limit=limit, _continue=token, **kwargs))
        pages.append(page)
        token = page["metadata"].get("continue")
        if not token:
            return pages


@pytest.mark.asyncio
async def test_pages_return_every_object_once_in_namespace_name_order(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        names = [(ns, f"d{i:02}") for ns in ("b", "a", "c") for i in range(4)]
        cluster.seed("main", [deployment(name, ns) for ns, name in names])

        def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                every = list_all_pages(apps.list_deployment_for_all_namespaces, 5)
                one = list_all_pages(apps.list_namespaced_deployment, 2, namespace="b")
                return every, one

        every, one = await in_thread(read)

    assert len(every) == 3
    seen = [(d["metadata"]["namespace"], d["metadata"]["name"]) for p in every for d in p["items"]]
    assert seen == sorted(names)
    assert [len(p["items"]) for p in every] == [5, 5, 2]
    assert [p["metadata"].get("remainingItemCount") for p in every] == [7, 2, None]
    for page in every:
        assert page["kind"] == "DeploymentList"
        assert page["apiVersion"] == "apps/v1"
        assert page["metadata"]["resourceVersion"]
    assert [d["metadata"]["name"] for p in one for d in p["items"]] == [
        f"d{i:02}" for i in range(4)
    ]
    assert len(one) == 2
    item = every[0]["items"][0]
    assert item["apiVersion"] == "apps/v1"  # as seeded
    assert {"uid", "resourceVersion", "creationTimestamp"} <= set(item["metadata"])


@pytest.mark.asyncio
async def test_label_and_field_selectors_filter_lists(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        cluster.seed(
            "main",
            [
                secret("s1", "ns", {"owner": "helm", "name": "rel", "status": "deployed"}),
                secret("s2", "ns", {"owner": "helm", "name": "rel", "status": "superseded"}),
                secret("s3", "ns", {"owner": "helm", "name": "other", "status": "deployed"}),
                secret("s4", "ns", {"team": "x"}),
                secret("s5", "elsewhere", {"owner": "helm", "name": "rel", "status": "failed"}),
            ],
        )

        def names(selector: str, field: str | None = None) -> list[str]:
            with api_client(cluster.kubeconfig) as api:
                core = kubernetes.client.CoreV1Api(api)
                found = core.list_namespaced_secret(
                    "ns", label_selector=selector, field_selector=field
                )
                return names_of(found)

        assert await in_thread(lambda: names("owner=helm,name=rel")) == ["s1", "s2"]
        assert await in_thread(lambda: names("owner==helm,status!=deployed")) == ["s2"]
        assert await in_thread(lambda: names("name in (rel, other),status notin (superseded)")) == [
            "s1",
            "s3",
        ]
        assert await in_thread(lambda: names("!owner")) == ["s4"]
        assert await in_thread(lambda: names("team")) == ["s4"]
        assert await in_thread(lambda: names("", "metadata.name=s3")) == ["s3"]

        def bad_selector() -> int:
            with api_client(cluster.kubeconfig) as api:
                core = kubernetes.client.CoreV1Api(api)
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    core.list_namespaced_secret("ns", label_selector="owner in helm")
                return int(caught.value.status)

        assert await in_thread(bad_selector) == 400
        s1 = dict(cluster.emulators["main"].objects["v1/secrets", "ns", "s1"])
        assert s1["data"] == {"key": base64.b64encode(b"s1").decode()}
        assert "stringData" not in s1
        assert s1["type"] == "Opaque"


def test_match_labels_follows_the_selector_grammar() -> None:
    labels = {"a": "1", "b": "x", "example.com/c": "y"}
    assert match_labels("", labels)
    assert match_labels("a=1, b == x", labels)
    assert match_labels("a in (1,2),example.com/c notin (z)", labels)
    assert match_labels("d!=1,!d,a>0,a<2", labels)
    assert not match_labels("d in (1)", labels)
    assert not match_labels("a,d", labels)
    for bad in ("a in (1", "=a", "a=b=c", "a,", "a in ()", "-a=1", "a notin x"):
        with pytest.raises(LabelSelectorError):
            match_labels(bad, labels)


@pytest.mark.asyncio
async def test_two_contexts_reach_two_emulators(tmp_path: Path) -> None:
    async with running(("east", "west"), tmp_path=tmp_path) as cluster:
        cluster.seed("east", [deployment("e", "ns")])
        cluster.seed("west", [deployment("w1", "ns"), deployment("w2", "other")])

        def names(context: str | None) -> list[str]:
            with api_client(cluster.kubeconfig, context) as api:
                found = kubernetes.client.AppsV1Api(api).list_deployment_for_all_namespaces()
                return names_of(found)

        assert await in_thread(lambda: names("east")) == ["e"]
        assert await in_thread(lambda: names("west")) == ["w1", "w2"]
        assert await in_thread(lambda: names(None)) == ["e"]  # current-context is the first
        east = cluster.emulators["east"]
        west = cluster.emulators["west"]
        assert len(requests(east)) == 2
        assert len(requests(west)) == 1
        assert all(r.headers["Authorization"] == f"Bearer {FAKE_TOKEN}" for r in east)
        assert cluster.urls["east"] != cluster.urls["west"]


@pytest.mark.asyncio
async def test_forbid_answers_403_in_one_namespace_only(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        emulator = cluster.emulators["main"]
        cluster.seed("main", [deployment("a", "open"), deployment("b", "locked")])
        forbid(emulator, "apps/v1/deployments", "locked")

        def read() -> tuple[Any, list[str], list[str]]:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    apps.list_namespaced_deployment("locked")
                opened = names_of(apps.list_namespaced_deployment("open"))
                every = names_of(apps.list_deployment_for_all_namespaces())
                return caught.value, opened, every

        error, opened, every = await in_thread(read)

    assert error.status == 403
    status = json.loads(error.body)
    assert status["kind"] == "Status"
    assert status["reason"] == "Forbidden"
    assert status["code"] == 403
    assert 'cannot list resource "deployments" in API group "apps"' in status["message"]
    assert 'in the namespace "locked"' in status["message"]
    assert opened == ["a"]
    assert every == ["b", "a"]  # (namespace, name) order: "locked" < "open"


@pytest.mark.asyncio
async def test_forbid_at_cluster_scope_leaves_namespaces_readable(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        cluster.seed("main", [deployment("a", "open")])
        forbid(cluster.emulators["main"], "apps/v1/deployments", None)

        def read() -> tuple[int, int]:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    apps.list_deployment_for_all_namespaces()
                return int(caught.value.status), len(apps.list_namespaced_deployment("open").items)

        assert await in_thread(read) == (403, 1)


@pytest.mark.asyncio
async def test_fail_once_then_success(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        emulator = cluster.emulators["main"]
        cluster.seed("main", [deployment("a", "ns")])

        def list_raw() -> Any:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                return apps.list_deployment_for_all_namespaces(_preload_content=False)

        assert (await in_thread(list_raw)).status == 200  # an earlier request does not count
        fail_once(emulator, "GET /apis/apps/v1/deployments", 500)
        with pytest.raises(kubernetes.client.ApiException) as caught:
            await in_thread(list_raw)
        assert caught.value.status == 500
        assert json.loads(str(caught.value.body))["reason"] == "InternalError"
        assert len(raw(await in_thread(list_raw))["items"]) == 1
        assert len(raw(await in_thread(list_raw))["items"]) == 1


@pytest.mark.asyncio
async def test_delay_beyond_the_request_timeout_raises_a_timeout(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        emulator = cluster.emulators["main"]
        delay(emulator, "GET /api/v1/namespaces/slow/configmaps", 5)

        def list_in(namespace: str) -> float:
            start = time.perf_counter()
            with api_client(cluster.kubeconfig) as api:
                core = kubernetes.client.CoreV1Api(api)
                core.list_namespaced_config_map(namespace, _request_timeout=0.3)
            return time.perf_counter() - start

        started = time.perf_counter()
        with pytest.raises(urllib3.exceptions.MaxRetryError) as caught:
            await in_thread(lambda: list_in("slow"))
        elapsed = time.perf_counter() - started
        assert isinstance(caught.value.reason, urllib3.exceptions.ReadTimeoutError)
        assert 0.25 < elapsed < 1.5  # one attempt: retries are 0
        assert await in_thread(lambda: list_in("fast")) < 1.0
        shutdown = time.perf_counter()
    assert time.perf_counter() - shutdown < 1.0  # the held request does not delay shutdown


@pytest.mark.asyncio
async def test_unreachable_kubeconfig_refuses_connections(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        kubeconfig = cluster.unreachable_kubeconfig()

        def connect(context: str | None) -> int:
            with api_client(kubeconfig, context) as api:
                return len(kubernetes.client.CoreV1Api(api).list_namespace().items)

        started = time.perf_counter()
        with pytest.raises(urllib3.exceptions.MaxRetryError) as caught:
            await in_thread(lambda: connect(None))
        assert isinstance(caught.value.reason, urllib3.exceptions.NewConnectionError)
        assert "Connection refused" in str(caught.value.reason)
        assert time.perf_counter() - started < 1.0
        assert await in_thread(lambda: connect("main")) == 0  # the live context still answers


@pytest.mark.asyncio
async def test_helm_release_secret_decodes_back_through_the_client(tmp_path: Path) -> None:
    values = {"vectorStore": {"type": "pgvector", "url": "postgres://db?a=1&b=<2>"}, "z": [1, None]}
    defaults = {"replicas": 1, "vectorStore": {"type": "faiss"}}
    stored = helm_release_secret(
        "rel", "team", 3, "deployed", values, manifest="kind: X\n", chart_values=defaults
    )
    async with running(tmp_path=tmp_path) as cluster:
        cluster.seed("main", [stored, helm_release_secret("rel", "team", 2, "superseded", {})])

        def read() -> Any:
            with api_client(cluster.kubeconfig) as api:
                core = kubernetes.client.CoreV1Api(api)
                return core.list_namespaced_secret(
                    "team", label_selector="owner=helm,name=rel,status=deployed"
                ).items

        found = await in_thread(read)

    assert [s.metadata.name for s in found] == ["sh.helm.release.v1.rel.v3"]
    item = found[0]
    assert item.type == HELM_RELEASE_TYPE == "helm.sh/release.v1"
    labels = item.metadata.labels
    assert {k: labels[k] for k in ("name", "owner", "status", "version")} == {
        "name": "rel",
        "owner": "helm",
        "status": "deployed",
        "version": "3",
    }
    # The API's base64 (the client's field is still that text), then Helm's base64, then gzip.
    helm_text = base64.b64decode(item.data["release"])
    packed = base64.b64decode(helm_text, validate=True)
    assert packed[:3] == b"\x1f\x8b\x08"
    release = json.loads(gzip.decompress(packed))
    assert release == decode_helm_release(stored)
    assert release["name"] == "rel"
    assert release["namespace"] == "team"
    assert release["version"] == 3
    assert release["info"]["status"] == "deployed"
    assert release["config"] == values
    assert release["chart"]["values"] == defaults
    assert release["chart"]["metadata"] == {
        "name": "llama-stack",
        "version": "0.1.0",
        "apiVersion": "v2",
        "type": "application",
    }
    assert release["manifest"] == "kind: X\n"
    assert b"\\u0026" in gzip.decompress(packed)  # Go escapes & < > in JSON strings
    older = decode_helm_release(helm_release_secret("rel", "team", 2, "superseded", {}))
    assert "config" not in older  # omitempty: a release without user values has no config


@pytest.mark.asyncio
async def test_namespaces_are_listed_and_read(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        cluster.seed("main", [deployment("a", "apps"), secret("s", "vault", {})])
        cluster.seed(
            "main", [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}}]
        )

        def read() -> tuple[list[str], dict[str, str], int]:
            with api_client(cluster.kubeconfig) as api:
                core = kubernetes.client.CoreV1Api(api)
                listed = names_of(core.list_namespace())
                labels = meta(core.read_namespace("vault")).labels
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    core.read_namespace("nowhere")
                return listed, labels, int(caught.value.status)

        def read_pages() -> list[dict[str, Any]]:
            with api_client(cluster.kubeconfig) as api:
                return list_all_pages(kubernetes.client.CoreV1Api(api).list_namespace, 2)

        listed, labels, missing = await in_thread(read)
        pages = await in_thread(read_pages)

    assert listed == ["apps", "empty", "vault"]
    assert labels == {"kubernetes.io/metadata.name": "vault"}
    assert missing == 404
    assert [[n["metadata"]["name"] for n in p["items"]] for p in pages] == [
        ["apps", "empty"],
        ["vault"],
    ]
    assert pages[0]["kind"] == "NamespaceList"


@pytest.mark.asyncio
async def test_reads_are_recorded_as_get_only(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        emulator = cluster.emulators["main"]
        cluster.seed(
            "main", [deployment("a", "ns"), helm_release_secret("r", "ns", 1, "deployed", {})]
        )

        def scan() -> None:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                core = kubernetes.client.CoreV1Api(api)
                core.list_namespace()
                apps.list_deployment_for_all_namespaces(limit=500, _preload_content=False)
                apps.list_namespaced_stateful_set("ns")
                core.list_namespaced_config_map("ns")
                core.list_namespaced_secret("ns", label_selector="owner=helm,name=r")
                apps.read_namespaced_deployment("a", "ns")

        await in_thread(scan)

    assert requests(emulator) == [
        ("GET", "/api/v1/namespaces", {}),
        ("GET", "/apis/apps/v1/deployments", {"limit": "500"}),
        ("GET", "/apis/apps/v1/namespaces/ns/statefulsets", {}),
        ("GET", "/api/v1/namespaces/ns/configmaps", {}),
        ("GET", "/api/v1/namespaces/ns/secrets", {"labelSelector": "owner=helm,name=r"}),
        ("GET", "/apis/apps/v1/namespaces/ns/deployments/a", {}),
    ]
    assert {method for method, _, _ in requests(emulator)} == {"GET"}


@pytest.mark.asyncio
async def test_declared_kinds_list_empty_and_others_404(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:

        def read() -> tuple[dict[str, Any], int]:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                empty = raw(apps.list_stateful_set_for_all_namespaces(_preload_content=False))
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    kubernetes.client.BatchV1Api(api).list_job_for_all_namespaces()
                return empty, int(caught.value.status)

        empty, undeclared = await in_thread(read)

    assert empty == {
        "kind": "StatefulSetList",
        "apiVersion": "apps/v1",
        "metadata": {"resourceVersion": "1"},
        "items": [],
    }
    assert undeclared == 404


@pytest.mark.asyncio
async def test_continue_tokens_can_be_bad_or_expired(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as cluster:
        emulator = cluster.emulators["main"]
        cluster.seed("main", [deployment(f"d{i}", "ns") for i in range(3)])

        def status_for(token: str) -> int:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                with pytest.raises(kubernetes.client.ApiException) as caught:
                    apps.list_namespaced_deployment("ns", limit=1, _continue=token)
                return int(caught.value.status)

        def first_token() -> str:
            with api_client(cluster.kubeconfig) as api:
                apps = kubernetes.client.AppsV1Api(api)
                return str(meta(apps.list_namespaced_deployment("ns", limit=1))._continue)

        token = await in_thread(first_token)
        assert await in_thread(lambda: status_for("not-a-token")) == 400
        emulator.expire_continue_tokens()
        assert await in_thread(lambda: status_for(token)) == 410


def test_objects_from_manifest_as_the_cluster_holds_them(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "---\n# Source: chart/templates/a.yaml\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: run\n"
        "data:\n  when: 2025-01-01\n---\n"
        "---\n"
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: own\n"
        "stringData:\n  token: abc\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: n\n"
        "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: d\n"
    )
    objects = objects_from_manifest(manifest, namespace="rel")
    assert [(o["kind"], o["metadata"].get("namespace")) for o in objects] == [
        ("ConfigMap", "rel"),
        ("Secret", "own"),
        ("Namespace", None),
        ("Deployment", "rel"),
    ]
    assert objects[0]["data"] == {"when": "2025-01-01"}  # a string, as the API server reads it
    assert objects[1]["data"] == {"token": base64.b64encode(b"abc").decode()}
    emulator = Emulator()
    emulator.seed(objects)
    assert emulator.objects["v1/namespaces", None, "n"]["metadata"]["name"] == "n"
    assert emulator.objects["apps/v1/deployments", "rel", "d"]["kind"] == "Deployment"
    with pytest.raises(ValueError, match=r"needs metadata\.namespace"):
        emulator.seed(objects_from_manifest(manifest)[:1])
