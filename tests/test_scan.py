"""``migrate scan`` against kmock's Kubernetes emulator, over HTTP, with the real client.

Every test ends by checking that the emulator saw GET requests only: a scan
never changes anything. The synchronous client runs in a thread (or the
command line in a subprocess) while the emulator serves on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import pytest
import yaml

from migrate import model, report
from migrate.app import convert as pipeline
from migrate.app import scan
from migrate.chart import profile
from migrate.model import Status
from migrate.sources import manifests
from tests.support import cluster
from tests.support.cli import migrate
from tests.support.cluster import Cluster, running

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "manifests" / "demo"
OBJECTS = ROOT / "fixtures" / "cluster" / "objects.yaml"
PROFILE = profile.load()
SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text())
T = TypeVar("T")


async def in_thread(fn: Callable[[], T]) -> T:
    return await asyncio.to_thread(fn)


def only_get(c: Cluster) -> None:
    for emulator in c.emulators.values():
        seen = cluster.requests(emulator)
        assert seen, "the scan sent requests"
        assert {method for method, _, _ in seen} == {"GET"}, seen


def secret_reads(c: Cluster) -> list[tuple[str, dict[str, str]]]:
    return [
        (path, params)
        for emulator in c.emulators.values()
        for _, path, params in cluster.requests(emulator)
        if "/secrets" in path
    ]


def run_scan(c: Cluster, **options: Any) -> list[scan.ContextResult]:
    contexts = options.pop("contexts", [])
    return scan.scan(c.kubeconfig, contexts, PROFILE, **options)


def files(results: list[scan.ContextResult]) -> dict[str, str]:
    return {str(a.path): a.text for a in scan.artifacts(results)}


def fault_ids(result: scan.ContextResult) -> list[tuple[str | None, str]]:
    return [(namespace, found.id) for namespace, found in result.faults]


def workload(name: str, namespace: str, **env: str) -> dict[str, Any]:
    return cluster.deployment(
        name,
        namespace,
        env=env,
        image="ghcr.io/tu-wien-datalab/llama-stack:main" if env else "nginx:1.27",
    )


@pytest.mark.asyncio
async def test_scan_gives_the_plans_and_bytes_of_convert(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", cluster.objects_from_manifest(OBJECTS))
        results = await in_thread(lambda: run_scan(c, all_namespaces=True))
        only_get(c)
    documents = list(manifests.documents(str(OBJECTS), OBJECTS.read_text()))
    converted = pipeline.convert(documents, PROFILE)
    expected = {f"main/{a.path}": a.text for o in converted.outcomes for a in o.artifacts}
    # The files that migrate are the same bytes; rollback/ holds each input as it was read
    # (from the cluster: without the server's fields) and commands for its context.
    scanned_files = files(results)
    assert scanned_files.keys() == expected.keys()
    assert {k: v for k, v in scanned_files.items() if "/rollback/" not in k} == {
        k: v for k, v in expected.items() if "/rollback/" not in k
    }
    assert len(expected) == 15  # three workloads, three files and two in rollback/ each
    scanned = {o.plan.label: o.plan for o in results[0].result.outcomes}
    assert {label: plan.status for label, plan in scanned.items()} == {
        "Deployment research/llama-stack": Status.NEEDS_MIGRATION,
        "StatefulSet search/assistant": Status.NEEDS_MIGRATION,
        "Deployment default/llama-stack": Status.NEEDS_MIGRATION,
    }
    for outcome in converted.outcomes:
        theirs = scanned[outcome.plan.label]
        assert theirs.status is outcome.plan.status
        assert theirs.overlay == outcome.plan.overlay
        assert theirs.run_config == outcome.plan.run_config
        assert [f.id for f in theirs.findings] == [f.id for f in outcome.plan.findings]


@pytest.mark.asyncio
async def test_demo_manifests_scan_to_the_same_plans_as_convert(tmp_path: Path) -> None:
    paths = sorted(DEMO.glob("*.yaml"))
    documents = [d for path in paths for d in manifests.documents(str(path), path.read_text())]
    async with running(tmp_path=tmp_path) as c:
        for path in paths:
            c.seed("main", cluster.objects_from_manifest(path))
        results = await in_thread(lambda: run_scan(c, all_namespaces=True))
        only_get(c)
        # Secrets are never read for env values: only Helm's release records, by label.
        assert {params.get("labelSelector") for _, params in secret_reads(c)} <= {
            "owner=helm,name=llama-stack"
        }
    converted = {o.plan.label: o.plan for o in pipeline.convert(documents, PROFILE).outcomes}
    scanned = {o.plan.label: o.plan for o in results[0].result.outcomes}
    assert scanned.keys() == converted.keys()
    assert len(scanned) == 4
    for label, plan in converted.items():
        assert scanned[label].status is plan.status, label
        assert scanned[label].overlay == plan.overlay, label
        assert scanned[label].env_values == plan.env_values, label
        assert [v.classification for v in scanned[label].variables] == [
            v.classification for v in plan.variables
        ], label
    # team-config: configMapKeyRef and envFrom configMapRef resolved from the cluster,
    # the secretKeyRef left an env var without reading the Secret.
    assistant = scanned["StatefulSet search/assistant"]
    assert assistant.overlay["vector_stores"]["default_embedding_model"] == {
        "model_id": "all-MiniLM-L6-v2"
    }
    assert "secret-variable" in {f.id for f in assistant.findings}


@pytest.mark.asyncio
async def test_pages_selectors_and_request_count(tmp_path: Path) -> None:
    objects = [workload(f"web-{i:04d}", f"team-{i % 3}") for i in range(1200)]
    objects += [
        workload("llama-stack", "team-1", VECTOR_STORE_DEFAULT_PROVIDER="sqlite-vec"),
        workload("llama-stack", "team-2", VECTOR_STORE_EMBEDDING_DIMENSION="384"),
    ]
    objects[-1]["metadata"]["labels"] = {"app": "rag"}
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", objects)
        results = await in_thread(lambda: run_scan(c, all_namespaces=True))
        only_get(c)
        seen = cluster.requests(c.emulators["main"])
        deployment_pages = [p for _, path, p in seen if path == "/apis/apps/v1/deployments"]
        assert len(deployment_pages) == 3  # 1,202 objects, 500 a page
        assert [p.get("limit") for p in deployment_pages] == ["500"] * 3
        assert "continue" not in deployment_pages[0] and "continue" in deployment_pages[2]
        config_maps = [path for _, path, _ in seen if path.endswith("/configmaps")]
        assert sorted(config_maps) == [
            "/api/v1/namespaces/team-1/configmaps",
            "/api/v1/namespaces/team-2/configmaps",
        ]  # once per namespace with a Llama Stack workload, none for the others
        assert results[0].requests == len(seen) == 3 + 1 + 2

        selected = await in_thread(lambda: run_scan(c, all_namespaces=True, selector="app=rag"))
        only_get(c)
    labels = [o.plan.label for o in selected[0].result.outcomes]
    assert labels == ["Deployment team-2/llama-stack"]
    assert [o.plan.label for o in results[0].result.outcomes] == [
        "Deployment team-1/llama-stack",
        "Deployment team-2/llama-stack",
    ]


@pytest.mark.asyncio
async def test_namespaces_and_a_forbidden_one(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed(
            "main",
            [
                workload("llama-stack", "open", VECTOR_STORE_DEFAULT_PROVIDER="sqlite-vec"),
                workload("llama-stack", "locked", VECTOR_STORE_DEFAULT_PROVIDER="sqlite-vec"),
            ],
        )
        cluster.forbid(c.emulators["main"], "apps/v1/deployments", "locked")
        (result,) = await in_thread(lambda: run_scan(c, namespaces=["open", "locked"]))
        only_get(c)
    assert [o.plan.label for o in result.result.outcomes] == ["Deployment open/llama-stack"]
    assert fault_ids(result) == [("locked", "namespace-forbidden")]
    assert result.namespaces == ("open", "locked")


@pytest.mark.asyncio
async def test_one_500_is_retried_and_a_timeout_becomes_a_finding(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", [workload("llama-stack", "ai", VECTOR_STORE_DEFAULT_PROVIDER="milvus")])
        emulator = c.emulators["main"]
        cluster.fail_once(emulator, "GET /apis/apps/v1/namespaces/ai/deployments")
        (result,) = await in_thread(lambda: run_scan(c, namespaces=["ai"]))
        assert fault_ids(result) == []
        assert len(result.result.outcomes) == 1
        assert result.requests == 1 + 1 + 1 + 1  # failed, retried, statefulsets, configmaps

        cluster.delay(emulator, "GET /apis/apps/v1/namespaces/slow/statefulsets", 2.0)
        (slow,) = await in_thread(lambda: run_scan(c, namespaces=["slow"], timeout=0.3))
        only_get(c)
    assert fault_ids(slow) == [("slow", "api-unavailable")]
    (_, found), *_ = slow.faults
    assert "timed out" in found.message and found.severity.value == "error"


@pytest.mark.asyncio
async def test_two_contexts_are_scanned_and_grouped(tmp_path: Path) -> None:
    async with running(("eu", "us"), tmp_path=tmp_path) as c:
        c.seed("eu", [workload("llama-stack", "ai", VECTOR_STORE_DEFAULT_PROVIDER="milvus")])
        c.seed("us", [workload("llama-stack", "ai", VECTOR_STORE_DEFAULT_PROVIDER="faiss")])
        results = await in_thread(lambda: run_scan(c, contexts=["eu", "us"], namespaces=["ai"]))
        only_get(c)
    assert [r.context for r in results] == ["eu", "us"]
    written = files(results)
    assert sorted(written) == sorted(
        f"{context}/ai/llama-stack/{name}"
        for context in ("eu", "us")
        for name in (
            "values-overlay.yaml",
            "configmap.yaml",
            "deployment.yaml",
            "rollback/deployment.yaml.orig",
            "rollback/README.md",
        )
    )
    eu = yaml.safe_load(written["eu/ai/llama-stack/values-overlay.yaml"])
    us = yaml.safe_load(written["us/ai/llama-stack/values-overlay.yaml"])
    # The default target is the newest (modular) chart: its own keys, no runConfig.
    assert eu == {"vectorStores": {"default_provider_id": "milvus"}}
    assert us == {}


def release_objects(revisions: list[tuple[int, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The seed example's Deployment and Helm's Secrets for its release."""
    objects = [
        o
        for o in cluster.objects_from_manifest(OBJECTS)
        if o["metadata"]["namespace"] == "research"
    ]
    objects += [
        cluster.helm_release_secret("llama-stack", "research", revision, status, values)
        for revision, status, values in revisions
    ]
    # An unrelated Secret that must never be read.
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "api-keys", "namespace": "research"},
            "stringData": {"OPENAI_API_KEY": "SENTINEL-scan-secret"},
        }
    )
    return objects


SEED_VALUES = {
    "vectorStore": {
        "defaultProvider": "milvus",
        "embedding": {
            "provider": "vllm",
            "model": "intfloat/e5-mistral-7b-instruct",
            "dimension": 4096,
        },
    },
    "vllm": {"url": "http://vllm-router.vllm.svc.cluster.local/v1"},
    "env": {"OPENAI_API_KEY": "SENTINEL-release-values", "LOG_LEVEL": "info"},
}


@pytest.mark.asyncio
async def test_helm_values_come_from_the_last_deployed_revision(tmp_path: Path) -> None:
    failed = {"vectorStore": {"defaultProvider": "qdrant"}, "replicaCount": 9}
    revisions = [(1, "superseded", {}), (2, "deployed", SEED_VALUES), (3, "failed", failed)]
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", release_objects(revisions))
        (result,) = await in_thread(lambda: run_scan(c, namespaces=["research"], helm_values=True))
        only_get(c)
        reads = secret_reads(c)
    assert reads and all(
        params.get("labelSelector") == "owner=helm,name=llama-stack" for _, params in reads
    )
    written = files([result])
    values = yaml.safe_load(written["main/research/llama-stack/helm-values.yaml"])
    assert "vectorStore" not in values and values["vllm"] == SEED_VALUES["vllm"]
    # The default target is the newest (modular) chart: its own keys, no runConfig.
    assert values["vectorStores"]["default_provider_id"] == "milvus" and "runConfig" not in values
    assert values["registeredResources"]["models"][0]["metadata"] == {"embedding_dimension": 4096}
    assert "replicaCount" not in values  # nothing of the failed revision
    # A credential of the release's values stays in the release (reuse-values keeps it).
    assert values["env"] == {"LOG_LEVEL": "info"}
    assert "env.OPENAI_API_KEY" in written["main/research/llama-stack/helm-values.yaml"]
    plan = result.result.outcomes[0].plan
    assert not {"helm-values-mismatch", "helm-release-unreadable"} & {f.id for f in plan.findings}
    assert all("SENTINEL" not in text for text in written.values())
    data = report.build(
        result.result.outcomes,
        result.result.documents,
        report.Options(command="scan"),
        profile=PROFILE,
        contexts=[result.context] * len(result.result.outcomes),
        scan=[{"context": "main", "namespaces": result.namespaces, "requests": 0, "faults": []}],
    )
    for output in report.FORMATS:
        assert "SENTINEL" not in report.render(data, output), output


@pytest.mark.asyncio
async def test_helm_values_for_the_runconfig_target_keep_the_runconfig_key(tmp_path: Path) -> None:
    chosen = profile.load(target="runconfig")
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", release_objects([(1, "deployed", SEED_VALUES)]))
        (result,) = await in_thread(
            lambda: scan.scan(c.kubeconfig, [], chosen, namespaces=["research"], helm_values=True)
        )
        only_get(c)
    written = files([result])
    values = yaml.safe_load(written["main/research/llama-stack/helm-values.yaml"])
    overlay = yaml.safe_load(written["main/research/llama-stack/values-overlay.yaml"])
    for converted in (values, overlay):
        assert converted["runConfig"]["vector_stores"]["default_provider_id"] == "milvus"
        assert not {"vectorStores", "registeredResources", "providers"} & converted.keys()
    assert "vectorStore" not in values and values["vllm"] == SEED_VALUES["vllm"]


@pytest.mark.asyncio
async def test_verify_renders_the_chart_with_the_release_values(tmp_path: Path) -> None:
    from tests.support import helm

    chosen = profile.load(chart=helm.MODULAR)
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", release_objects([(1, "deployed", SEED_VALUES)]))

        def scanned(helm_values: bool) -> scan.ContextResult:
            (result,) = scan.scan(
                c.kubeconfig,
                [],
                chosen,
                namespaces=["research"],
                helm_values=helm_values,
                verify=True,
            )
            return result

        with_release = await in_thread(lambda: scanned(True))
        chart_defaults_only = await in_thread(lambda: scanned(False))
        only_get(c)
    (plan,) = [o.plan for o in with_release.result.outcomes if o.artifacts]
    # The release's vllm.url is the pod's: Helm renders the pod it had.
    assert plan.verified is True, plan.findings
    (plan,) = [o.plan for o in chart_defaults_only.result.outcomes if o.artifacts]
    # Without them, Helm renders the chart's default vllm.url: named, not hidden.
    assert plan.verified is False
    (found,) = [f for f in plan.findings if f.id == "verify-mismatch"]
    assert "providers.inference[0].config.url" in found.message
    assert "SENTINEL" not in found.message


@pytest.mark.asyncio
async def test_helm_values_that_do_not_explain_the_pod_or_no_deployed_revision(
    tmp_path: Path,
) -> None:
    other = {"vectorStore": {"defaultProvider": "faiss"}}
    async with running(("a", "b"), tmp_path=tmp_path) as c:
        c.seed("a", release_objects([(1, "deployed", other)]))
        c.seed("b", release_objects([(1, "failed", SEED_VALUES)]))
        results = await in_thread(
            lambda: run_scan(c, contexts=["a", "b"], namespaces=["research"], helm_values=True)
        )
        only_get(c)
    mismatch, missing = (r.result.outcomes[0].plan for r in results)
    assert "helm-values-mismatch" in {f.id for f in mismatch.findings}
    assert "helm-release-unreadable" in {f.id for f in missing.findings}
    assert "a/research/llama-stack/helm-values.yaml" in files(results)
    assert "b/research/llama-stack/helm-values.yaml" not in files(results)


async def cli(*args: str) -> tuple[int, str, str]:
    """The command line in a subprocess, waited for in a thread: the emulator serves
    on this loop meanwhile."""
    run = await in_thread(lambda: migrate(*args))
    return run.returncode, run.stdout, run.stderr


@pytest.mark.asyncio
async def test_command_line_report_and_exit_codes(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", cluster.objects_from_manifest(OBJECTS))
        cluster.forbid(c.emulators["main"], "apps/v1/statefulsets", "search")
        code, out, err = await cli(
            "scan", "--kubeconfig", str(c.kubeconfig), "-n", "research", "-n", "search",
            "--dry-run", "-o", "json",
        )  # fmt: skip
        only_get(c)
        assert code == 0, err
        report = json.loads(out)
        jsonschema.Draft202012Validator(SCHEMA).validate(report)
        assert report["command"] == "scan"
        assert report["target"]["name"] == "modular" and report["target"]["layout"] == "modular"
        assert report["options"]["adoptChartDefaults"] is False
        assert report["options"]["verify"] is False
        assert all(w["verified"] is None for w in report["workloads"])  # no --verify
        assert report["scan"][0]["context"] == "main"
        assert [(w["namespace"], w["name"], w["status"]) for w in report["workloads"]] == [
            ("research", "llama-stack", "needs migration")
        ]
        assert [f["namespace"] for f in report["scan"][0]["faults"]] == ["search"]
        assert {w["context"] for w in report["workloads"]} == {"main"}
        nexts = {w["name"]: w["next"] for w in report["workloads"]}
        assert nexts["llama-stack"] == (
            "helm upgrade --install llama-stack <chart> -n research --kube-context main "
            "--reset-then-reuse-values -f migrated/main/research/llama-stack/values-overlay.yaml"
            "  # target: modular"
        )
        assert "dry run: nothing written" in err

        # Adopting the seed chart's breaking default is an error: no command is handed
        # out for it, unless the finding is ignored.
        adopt = ("--dry-run", "-o", "json", "--target", "runconfig", "--adopt-chart-defaults")
        for ignore, expected_code in (((), 1), (("--ignore", "chart-default-hazard"), 0)):
            code, out, err = await cli(
                "scan", "--kubeconfig", str(c.kubeconfig), "-n", "research", *adopt, *ignore
            )  # fmt: skip
            assert code == expected_code, err
            seed = next(w for w in json.loads(out)["workloads"] if w["name"] == "llama-stack")
            hazard = [f["severity"] for f in seed["findings"] if f["id"] == "chart-default-hazard"]
            if ignore:
                assert hazard == [] and seed["next"].endswith(
                    "values-overlay.yaml  # target: runconfig"
                )
            else:
                assert hazard == ["error"] and seed["next"] is None

        out_dir = tmp_path / "out"
        code, _, err = await cli(
            "scan", "--kubeconfig", str(c.kubeconfig), "-A", "-d", str(out_dir), "--fail-on", "none"
        )  # fmt: skip
        assert code == 0, err
        assert (out_dir / "main" / "research" / "llama-stack" / "values-overlay.yaml").is_file()

        unreachable = c.unreachable_kubeconfig(tmp_path)
        code, out, err = await cli("scan", "--kubeconfig", str(unreachable), "--timeout", "1")
        assert code == 3, err
        assert err.startswith("error: context unreachable: cannot reach the API server")
        assert len(err.splitlines()) == 1 and "Traceback" not in err and out == ""

        cluster.fail(c.emulators["main"], "GET /apis/apps/v1/namespaces/ai/deployments", 401)
        code, _, err = await cli("scan", "--kubeconfig", str(c.kubeconfig), "-n", "ai")
        assert code == 3 and "rejected the credentials (401" in err, err
        only_get(c)


def test_context_names_become_safe_directory_names() -> None:
    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    assert scan.folder(arn) == "arn_aws_eks_eu-west-1_123456789012_cluster_prod"
    assert scan.folder("..") == "context"


@pytest.mark.parametrize(
    ("metadata", "release"),
    [
        ({"annotations": {"meta.helm.sh/release-name": "x"}, "namespace": "ai"}, ("x", "ai")),
        (
            {
                "annotations": {
                    "meta.helm.sh/release-name": "x",
                    "meta.helm.sh/release-namespace": "ops",
                },
                "namespace": "ai",
            },
            ("x", "ops"),
        ),
        (
            {"labels": {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "y"}},
            ("y", "default"),
        ),
        ({"labels": {"app.kubernetes.io/instance": "y"}, "namespace": "ai"}, None),
        ({"annotations": "not a mapping", "labels": None, "namespace": "ai"}, None),
    ],
)
def test_the_helm_release_that_owns_a_workload(
    metadata: dict[str, Any], release: tuple[str, str] | None
) -> None:
    # The scan reads the values of this release (name, namespace) from its Secrets.
    assert model.owner_release(metadata) == release
