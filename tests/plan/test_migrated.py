"""Workloads already on the new layout: the run.yaml their ConfigMap holds, checked as it runs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from migrate.chart import profile
from migrate.model import CompleteConfigMaps, Plan, Severity, Status
from migrate.plan.workload import plan
from migrate.yaml import io as yamlio
from tests.plan.pods import container, env, workload
from tests.support.cli import migrate

PROFILE = profile.load()
SEED = profile.load(target="runconfig")  # the seed's defaults: allowed_models: [] for vLLM
ROOT = Path(__file__).resolve().parents[2]
MOUNT = {"name": "config-volume", "mountPath": "/etc/llama-stack", "readOnly": True}


def migrated(
    extra_env: dict[str, str] | None = None,
    *,
    items: list[dict[str, str]] | None = None,
    mount: dict[str, Any] | None = None,
) -> Any:
    volume: dict[str, Any] = {"name": "config-volume", "configMap": {"name": "llama-stack-config"}}
    if items is not None:
        volume["configMap"]["items"] = items
    return workload(
        container(
            env(RUN_CONFIG_PATH="/etc/llama-stack/run.yaml", **(extra_env or {})),
            volumeMounts=[mount or MOUNT],
        ),
        pod={"volumes": [volume]},
    )


def run_yaml(config: Any) -> dict[str, str]:
    return {"run.yaml": yamlio.dump_run_yaml(config)}


def planned(document: Any, config_maps: Any) -> Plan:
    result = plan(document, PROFILE, config_maps)
    assert result.status is Status.ALREADY_MIGRATED
    return result


def ids(result: Plan) -> list[tuple[str, str]]:
    return [(f.id, f.severity.value) for f in result.findings]


def seed_config() -> dict[str, Any]:
    """The seed chart's default run.yaml (vLLM with allowed_models: [])."""
    return copy.deepcopy(dict(SEED.chart_defaults))


def test_the_configmap_run_yaml_is_read_and_kept_on_the_plan() -> None:
    config = dict(PROFILE.chart_defaults)
    result = planned(migrated(), {"llama-stack-config": run_yaml(config)})
    assert result.findings == ()
    assert yamlio.same(result.run_config, config)
    assert result.configmap == "llama-stack-config"


def test_items_name_the_key_that_becomes_run_yaml() -> None:
    config = dict(PROFILE.chart_defaults)
    maps = {"llama-stack-config": {"config": run_yaml(config)["run.yaml"]}}
    result = planned(migrated(items=[{"key": "config", "path": "run.yaml"}]), maps)
    assert yamlio.same(result.run_config, config)


@pytest.mark.parametrize(
    ("config_maps", "expected"),
    [
        ({}, "is not in the input"),
        (CompleteConfigMaps({}), "does not exist in the namespace"),
        ({"llama-stack-config": {"other.yaml": "a: 1"}}, "has no key run.yaml"),
        ({"llama-stack-config": {"run.yaml": "a: [1"}}, "the run.yaml was not checked"),
    ],
)
def test_a_run_yaml_that_cannot_be_read_is_said(config_maps: Any, expected: str) -> None:
    result = planned(migrated(), config_maps)
    (found,) = result.findings
    assert (found.id, found.severity) == ("configmap-not-read", Severity.WARNING)
    assert expected in found.message
    assert "llama-stack-config" in found.message
    assert result.run_config == {}


def test_empty_allowed_models_with_vllm_in_use_is_an_error() -> None:
    maps = {"llama-stack-config": run_yaml(seed_config())}
    result = planned(migrated({"VLLM_URL": "http://vllm:8000/v1"}), maps)
    assert ("chart-default-hazard", "error") in ids(result)
    (hazard,) = [f for f in result.findings if f.id == "chart-default-hazard"]
    assert "allowed_models" in hazard.message and "VLLM_URL" in hazard.message


def test_empty_allowed_models_in_a_provider_the_pod_does_not_run_is_quiet() -> None:
    # The seed's vLLM provider_id is ${env.VLLM_URL:+vllm}: empty without VLLM_URL.
    maps = {"llama-stack-config": run_yaml(seed_config())}
    result = planned(migrated(), maps)
    assert "chart-default-hazard" not in [f.id for f in result.findings]


def test_a_vllm_url_from_a_secret_is_not_judged() -> None:
    document = migrated()
    entries = document.data["spec"]["template"]["spec"]["containers"][0]["env"]
    entries.append(
        {"name": "VLLM_URL", "valueFrom": {"secretKeyRef": {"name": "vllm", "key": "url"}}}
    )
    result = planned(document, {"llama-stack-config": run_yaml(seed_config())})
    assert "chart-default-hazard" not in [f.id for f in result.findings]


def test_a_default_embedding_provider_the_pod_does_not_run_is_an_error() -> None:
    config = copy.deepcopy(dict(PROFILE.chart_defaults))
    config["vector_stores"]["default_embedding_model"]["provider_id"] = "vllm"
    result = planned(migrated(), {"llama-stack-config": run_yaml(config)})
    assert ("embedding-provider-not-enabled", "error") in ids(result)


def test_re_converting_the_seed_example_output_finds_the_hazard(tmp_path: Path) -> None:
    # The seed's own overlay adopted allowed_models: []; the pod sets VLLM_URL.
    first = migrate(
        "convert",
        "-f",
        str(ROOT / "fixtures/manifests/demo/seed-example.yaml"),
        "--target",
        "runconfig",
        "--adopt-chart-defaults",
        "-d",
        str(tmp_path),
    )
    assert first.returncode == 1, first.stderr
    again = migrate("convert", "-f", str(tmp_path), "-R", "--dry-run", "-o", "json")
    assert again.returncode == 1, again.stderr
    assert "chart-default-hazard" in again.stdout
    assert '"already migrated"' in again.stdout
