"""Planning one workload in-process: its status, findings, variables and edits."""

from __future__ import annotations

from typing import Any

import pytest

from migrate.chart import profile
from migrate.engine import kube_env
from migrate.model import Classification, InsertItem, Path, Plan, RemoveItems, Severity, Status
from migrate.plan.workload import plan
from migrate.yaml import io as yamlio
from tests.plan.pods import container, env, workload

PROFILE = profile.load()
CHECKSUM = {"checksum/config": "0"}  # a rollout trigger, so no-rollout-trigger stays quiet
ENV: Path = ("spec", "template", "spec", "containers", 0, "env")
SECRET_MODEL = {
    "name": "VECTOR_STORE_EMBEDDING_MODEL",
    "valueFrom": {"secretKeyRef": {"name": "models", "key": "embedding"}},
}
HELM = {"meta.helm.sh/release-name": "llama-stack"}


def planned(*containers: dict[str, Any], **options: Any) -> Plan:
    config_maps = options.pop("config_maps", {})
    assume = options.pop("assume", None)
    options.setdefault("pod_annotations", CHECKSUM)
    return plan(workload(*containers, **options), PROFILE, config_maps, assume=assume)


def found(result: Plan) -> list[tuple[str, str]]:
    return [(f.id, f.severity.value) for f in result.findings]


def fate(result: Plan, name: str) -> tuple[Classification, bool, str | None]:
    (variable,) = [v for v in result.variables if v.name == name]
    return variable.classification, variable.removed, variable.reason


# -- workloads that are not planned ------------------------------------------------------


def test_a_pod_without_containers_or_without_llama_stack_is_not_llama_stack() -> None:
    assert planned().status is Status.NOT_LLAMA_STACK
    assert planned(container(name="web", image="nginx")).status is Status.NOT_LLAMA_STACK


@pytest.mark.parametrize(
    ("pod", "message"),
    [
        ({"containers": {"name": "llama-stack"}}, "the pod template has no containers"),
        ({"volumes": {"name": "data"}}, "spec.template.spec: volumes is a dict, not a list"),
    ],
)
def test_an_invalid_pod_template_is_an_error(pod: dict[str, Any], message: str) -> None:
    document = workload(container(), pod=pod)
    result = plan(document, PROFILE, {})
    assert (result.status, result.container) == (Status.ERROR, None)
    assert [(f.id, f.message) for f in result.findings] == [("workload-invalid", message)]


def test_two_servers_are_ambiguous() -> None:
    result = planned(container(name="a"), container(name="b"))
    assert result.status is Status.ERROR
    assert found(result) == [("container-ambiguous", "error")]


def test_a_container_with_its_own_config_is_reported_not_migrated() -> None:
    result = planned(container(args=["--config", "/config/run.yaml"]))
    assert (result.status, result.container) == (Status.NOT_MIGRATED, "llama-stack")
    (own,) = result.findings
    assert own.id == "own-config"
    assert own.message.startswith("container llama-stack passes --config: it does not start")


def test_an_env_list_that_an_alias_shares_is_not_edited() -> None:
    shared = env(VECTOR_STORE_DEFAULT_PROVIDER="milvus")
    sidecar = container(name="shipper", image="fluent/fluent-bit")
    sidecar["env"] = server_env = shared
    server = container(name="llama-stack")
    server["env"] = server_env  # the same list object: a YAML anchor and its alias
    result = planned(sidecar, server)
    assert (result.status, result.container) == (Status.ERROR, "llama-stack")
    (problem,) = result.findings
    assert problem.id == "shared-node"
    assert problem.message.startswith("the env list of container llama-stack is a YAML anchor")


def test_a_migrated_pod_is_recognised() -> None:
    migrated = container(
        env(RUN_CONFIG_PATH="/etc/llama-stack/run.yaml"),
        volumeMounts=[{"name": "config-volume", "mountPath": "/etc/llama-stack/"}],
    )
    volume = {"name": "config-volume", "configMap": {"name": "llama-stack-config"}}
    run_yaml = {"run.yaml": yamlio.dump_run_yaml(PROFILE.chart_defaults)}
    result = planned(
        migrated, pod={"volumes": [volume]}, config_maps={"llama-stack-config": run_yaml}
    )
    assert (result.status, result.findings, result.edits) == (Status.ALREADY_MIGRATED, (), ())
    # A volume at the mount that is no ConfigMap: recognised, and its run.yaml not read.
    result = planned(migrated, pod={"volumes": [{"name": "config-volume"}]})
    assert result.status is Status.ALREADY_MIGRATED
    assert [f.id for f in result.findings] == ["configmap-not-read"]


@pytest.mark.parametrize(
    ("server", "pod", "config_maps", "message"),
    [
        (
            container(volumeMounts=[{"name": "x", "mountPath": "/etc/llama-stack/run.yaml"}]),
            {},
            {},
            "something is already mounted at /etc/llama-stack/run.yaml, which would shadow "
            "the ConfigMap mounted at /etc/llama-stack",
        ),
        (
            container(),
            {"volumes": [{"name": "config-volume", "emptyDir": {}}]},
            {},
            "the pod already has a volume named config-volume",
        ),
        (
            container(),
            {},
            {"llama-stack-config": {"run.yaml": "", "extra": ""}},
            "a ConfigMap named llama-stack-config already exists with other keys (extra); ",
        ),
    ],
)
def test_what_the_new_layout_would_clash_with_is_a_layout_conflict(
    server: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, Any], message: str
) -> None:
    result = planned(server, pod=pod, config_maps=config_maps)
    assert (result.status, result.container) == (Status.ERROR, "llama-stack")
    (conflict,) = result.findings
    assert conflict.id == "layout-conflict" and conflict.message.startswith(message)


# -- a planned workload --------------------------------------------------------------------


def test_a_migrated_variable_is_baked_removed_and_replaced_by_the_configmap() -> None:
    result = planned(container(env(LOG_LEVEL="info", VECTOR_STORE_DEFAULT_PROVIDER="sqlite-vec")))
    assert (result.status, result.container, result.configmap) == (
        Status.NEEDS_MIGRATION,
        "llama-stack",
        "llama-stack-config",
    )
    assert fate(result, "VECTOR_STORE_DEFAULT_PROVIDER") == (Classification.MIGRATED, True, None)
    assert fate(result, "LOG_LEVEL") == (Classification.OTHER, False, None)
    assert fate(result, "VECTOR_STORE_EMBEDDING_DIMENSION") == (
        Classification.MIGRATED,
        False,
        "unset: the template's default is baked",
    )
    assert result.overlay["vector_stores"]["default_provider_id"] == "sqlite-vec"
    assert result.overlay_sources[("vector_stores", "default_provider_id")] == (
        "VECTOR_STORE_DEFAULT_PROVIDER"
    )
    assert result.edits == (
        RemoveItems(ENV, (1,)),
        InsertItem(ENV, 0, {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}),
        InsertItem(
            (*ENV[:-1], "volumeMounts"),
            0,
            {"name": "config-volume", "mountPath": "/etc/llama-stack", "readOnly": True},
        ),
        InsertItem(
            ("spec", "template", "spec", "volumes"),
            0,
            {"name": "config-volume", "configMap": {"name": "llama-stack-config"}},
        ),
    )
    assert found(result) == [("silent-revert", "warning")]


def test_a_variable_another_entry_expands_keeps_its_entry() -> None:
    result = planned(
        container(
            env(
                VECTOR_STORE_DEFAULT_PROVIDER="milvus",
                LABEL="store-$(VECTOR_STORE_DEFAULT_PROVIDER)",
            )
        )
    )
    assert fate(result, "VECTOR_STORE_DEFAULT_PROVIDER") == (
        Classification.MIGRATED,
        False,
        "left in env because another env var expands $(VECTOR_STORE_DEFAULT_PROVIDER)",
    )
    assert not any(isinstance(edit, RemoveItems) for edit in result.edits)


def test_without_a_namespace_default_is_assumed_and_said() -> None:
    result = planned(container(env(VECTOR_STORE_DEFAULT_PROVIDER="faiss")), namespace=None)
    assert (result.status, result.namespace) == (Status.NEEDS_MIGRATION, "default")
    assert found(result)[0] == ("namespace-not-given", "info")


def test_the_env_problems_become_findings_of_their_rules_naming_the_container() -> None:
    entries = [
        *env(VECTOR_STORE_DEFAULT_PROVIDER="faiss", A="a"),
        *env(A="b"),
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "elsewhere", "key": "b"}}},
    ]
    result = planned(container(entries))
    assert [(f.id, f.severity, f.message) for f in result.findings] == [
        (
            "env-problem",
            Severity.WARNING,
            "container llama-stack: env[2] (A) redefines the variable of env[1]; "
            "the last definition wins",
        ),
        (
            "unresolved-reference",
            Severity.WARNING,
            "container llama-stack: env[3] (B): it comes from ConfigMap 'elsewhere' key 'b', "
            "which is not in the input (optional: false)",
        ),
    ]


def test_a_secret_variable_stays_and_a_helm_release_cannot_carry_it() -> None:
    result = planned(container([SECRET_MODEL]), annotations=HELM)
    kept, removed, reason = fate(result, "VECTOR_STORE_EMBEDDING_MODEL")
    assert (kept, removed) == (Classification.KEPT, False)
    assert reason == "it comes from Secret 'models' key 'embedding', which is never read"
    assert found(result) == [
        ("secret-variable", "warning"),
        ("env-not-carried", "error"),
        ("silent-revert", "warning"),
    ]
    # Without a Helm release the patched manifest, which keeps the entry, is the route.
    assert "env-not-carried" not in [f.id for f in planned(container([SECRET_MODEL])).findings]


def test_an_assumed_value_is_baked_as_if_the_pod_had_it() -> None:
    result = planned(
        container([SECRET_MODEL]), assume={"VECTOR_STORE_EMBEDDING_MODEL": "all-minilm"}
    )
    assert fate(result, "VECTOR_STORE_EMBEDDING_MODEL") == (
        Classification.MIGRATED,
        True,
        kube_env.ASSUMED,
    )
    assert result.overlay["vector_stores"]["default_embedding_model"]["model_id"] == "all-minilm"
