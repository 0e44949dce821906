"""``migrate scan`` of releases already upgraded: their Helm history read from an emulated cluster.

Each history is built as Helm stores it (:mod:`tests.support.cluster.history`):
the old env-var chart installed, then upgraded to the ConfigMap chart, every
revision's manifest rendered by Helm. The emulator holds the release Secrets
and the live objects of the last deployed revision; the scan may only GET.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.app import scan
from migrate.chart import profile
from migrate.model import Plan, Severity, Status
from tests.support import cluster, helm
from tests.support.cli import migrate
from tests.support.cluster import Cluster, running
from tests.support.cluster import history as histories
from tests.support.cluster.history import Step

PROFILE = profile.load()
RELEASE, NAMESPACE = "rag", "research"
CUSTOM = {
    "vectorStore": {
        "defaultProvider": "milvus",
        "embedding": {
            "provider": "vllm",
            "model": "intfloat/e5-mistral-7b-instruct",
            "dimension": 4096,
        },
    }
}
REVERTED = [Step(helm.LEGACY, CUSTOM), Step(helm.MODULAR)]


def history(*steps: Step) -> histories.StoredHistory:
    return histories.upgrades(RELEASE, NAMESPACE, steps)


async def scanned(tmp_path: Path, stored: histories.StoredHistory) -> tuple[Plan, dict[str, str]]:
    """The one Llama Stack workload's plan and the files of a scan of ``stored``; GET only."""
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", stored.objects())
        (result,) = await asyncio.to_thread(
            lambda: scan.scan(c.kubeconfig, [], PROFILE, namespaces=[NAMESPACE])
        )
        only_get(c)
    (outcome,) = [o for o in result.result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    return outcome.plan, {str(a.path): a.text for a in scan.artifacts([result])}


def only_get(c: Cluster) -> None:
    for emulator in c.emulators.values():
        assert {method for method, _, _ in cluster.requests(emulator)} == {"GET"}


def ids(plan: Plan) -> list[tuple[str, str]]:
    return [(f.id, f.severity.value) for f in plan.findings]


@pytest.mark.asyncio
async def test_an_upgrade_that_reverted_the_settings_is_an_error_with_a_restore(
    tmp_path: Path,
) -> None:
    plan, files = await scanned(tmp_path, history(*REVERTED))
    assert plan.status is Status.ALREADY_MIGRATED
    assert ids(plan) == [("upgrade-reverted", "error")]
    (found,) = plan.findings
    assert "revision 1" in found.message and "revision 2" in found.message
    assert "milvus -> faiss" in found.message and "4096 -> 768" in found.message
    restore = yaml.safe_load(files[f"main/{NAMESPACE}/rag-llama-stack/restore-overlay.yaml"])
    assert restore["vectorStores"]["default_provider_id"] == "milvus"
    assert restore["registeredResources"]["models"][0]["metadata"] == {"embedding_dimension": 4096}
    assert plan.release_revision == 2


@pytest.mark.asyncio
async def test_a_faithful_upgrade_is_clean(tmp_path: Path) -> None:
    plan, files = await scanned(tmp_path, history(Step(helm.LEGACY), Step(helm.MODULAR)))
    assert plan.status is Status.ALREADY_MIGRATED
    assert ids(plan) == []
    assert not any(name.endswith("restore-overlay.yaml") for name in files)


@pytest.mark.asyncio
async def test_the_seeds_empty_allowed_models_with_vllm_in_use_is_an_error(
    tmp_path: Path,
) -> None:
    # The seed's chart (runConfig:) sets allowed_models: [] on the vLLM provider; the
    # release keeps vLLM on (the legacy chart's default vllm.url carries over).
    vllm = {"vllm": {"url": "http://vllm.vllm.svc.cluster.local/v1"}}
    stored = history(Step(helm.LEGACY, vllm), Step(helm.RUNCONFIG, vllm))
    plan, _ = await scanned(tmp_path, stored)
    assert ("chart-default-hazard", "error") in ids(plan)
    (hazard,) = [f for f in plan.findings if f.id == "chart-default-hazard"]
    assert "allowed_models" in hazard.message and "the pod runs with it now" in hazard.message


@pytest.mark.asyncio
async def test_a_pruned_history_is_said(tmp_path: Path) -> None:
    stored = history(Step(helm.LEGACY, CUSTOM), Step(helm.MODULAR), Step(helm.MODULAR))
    plan, _ = await scanned(tmp_path, stored.pruned(2))
    assert ids(plan) == [("release-history-incomplete", "warning")]
    assert "revisions 3 to 3" in plan.findings[0].message
    assert "--history-max" in plan.findings[0].message


@pytest.mark.asyncio
async def test_a_failed_last_revision_is_named_and_the_revert_still_found(
    tmp_path: Path,
) -> None:
    stored = history(*REVERTED, Step(helm.MODULAR, {"replicaCount": 2}, fails=True))
    plan, _ = await scanned(tmp_path, stored)
    assert sorted(ids(plan)) == [
        ("release-history-incomplete", "warning"),
        ("upgrade-reverted", "error"),
    ]
    (failed,) = [f for f in plan.findings if f.id == "release-history-incomplete"]
    assert "revision 3" in failed.message and "failed" in failed.message
    assert plan.release_revision == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["base64", "helm-base64", "gzip", "json", "not-an-object"])
async def test_a_release_secret_that_cannot_be_decoded_is_a_finding(
    tmp_path: Path, how: histories.Corruption
) -> None:
    plan, _ = await scanned(tmp_path, history(*REVERTED).corrupted(1, how))
    found = [f for f in plan.findings if f.id == "release-history-incomplete"]
    assert found and all(f.severity is Severity.WARNING for f in found)
    assert any("sh.helm.release.v1.rag.v1" in f.message for f in found)
    assert "upgrade-reverted" not in [f.id for f in plan.findings]


@pytest.mark.asyncio
async def test_the_configmap_driver_is_read_too(tmp_path: Path) -> None:
    plan, _ = await scanned(tmp_path, history(*REVERTED).in_config_maps())
    assert ids(plan) == [("upgrade-reverted", "error")]


@pytest.mark.asyncio
async def test_the_command_line_exits_1_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    async with running(tmp_path=tmp_path) as c:
        c.seed("main", history(*REVERTED).objects())
        run = await asyncio.to_thread(
            lambda: migrate(
                "scan",
                "--kubeconfig",
                str(c.kubeconfig),
                "-n",
                NAMESPACE,
                "--dry-run",
                "-d",
                str(out),
                "-o",
                "json",
            )
        )
    assert run.returncode == 1, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    (workload,) = [w for w in report["workloads"] if w["status"] == "already migrated"]
    assert workload["restore"] == {
        "oldRevision": 1,
        "currentRevision": 2,
        "file": "restore-overlay.yaml",
    }
    assert workload["next"].startswith("helm upgrade --install rag ")
    assert "restore-overlay.yaml" in workload["next"]
    assert not out.exists()
