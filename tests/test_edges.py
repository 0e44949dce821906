"""Runtime facts at the edges of a pod: mount paths that shadow the ConfigMap, an empty HOME."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Classification, Plan, Status
from migrate.sources import manifests
from tests.support.cli import migrate as run

PROFILE = profile.load()
ROOT = Path(__file__).resolve().parents[1]


def deployment(env: list[dict[str, Any]], mounts: list[dict[str, Any]] | None = None) -> str:
    container: dict[str, Any] = {
        "name": "llama-stack",
        "image": "ghcr.io/tu-wien-datalab/llama-stack:main",
        "env": env,
    }
    volumes: list[dict[str, Any]] = []
    if mounts:
        container["volumeMounts"] = mounts
        volumes = [{"name": m["name"], "emptyDir": {}} for m in mounts]
    document = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "llama-stack", "namespace": "ai"},
        "spec": {
            "selector": {"matchLabels": {"app": "llama-stack"}},
            "template": {
                "metadata": {"labels": {"app": "llama-stack"}},
                "spec": {"containers": [container], "volumes": volumes},
            },
        },
    }
    return yaml.safe_dump(document, sort_keys=False)


def plan_of(text: str) -> Plan:
    result = pipeline.convert(list(manifests.documents("pod.yaml", text)), PROFILE)
    (outcome,) = result.outcomes
    return outcome.plan


MODEL = {"name": "VECTOR_STORE_EMBEDDING_MODEL", "value": "all-MiniLM-L6-v2"}


@pytest.mark.parametrize(
    ("mount_path", "sub_path"),
    [
        ("/etc/llama-stack/", None),
        ("/etc/llama-stack/run.yaml", "run.yaml"),
        ("/etc/llama-stack//", None),
        ("/etc/llama-stack/extra", None),
    ],
)
def test_a_mount_at_or_under_the_configmap_path_is_a_conflict(
    mount_path: str, sub_path: str | None
) -> None:
    mount: dict[str, Any] = {"name": "own", "mountPath": mount_path}
    if sub_path:
        mount["subPath"] = sub_path
    plan = plan_of(deployment([MODEL], [mount]))
    assert plan.status is Status.ERROR
    (found,) = plan.findings
    assert found.id == "layout-conflict"
    assert "would shadow the ConfigMap" in found.message


def test_a_mount_beside_the_configmap_path_is_no_conflict() -> None:
    plan = plan_of(deployment([MODEL], [{"name": "own", "mountPath": "/etc/llama-stack-2"}]))
    assert plan.status is Status.NEEDS_MIGRATION


def test_a_migrated_pod_with_a_trailing_slash_is_already_migrated() -> None:
    run_config = {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}
    mount = {"name": "config-volume", "mountPath": "/etc/llama-stack/", "readOnly": True}
    assert plan_of(deployment([run_config], [mount])).status is Status.ALREADY_MIGRATED


@pytest.mark.parametrize("home", ["", None])
def test_an_empty_or_absent_home_is_unknown_and_a_tilde_value_stays(home: str | None) -> None:
    env: list[dict[str, Any]] = [{"name": "VECTOR_STORE_EMBEDDING_MODEL", "value": "~/models/e5"}]
    if home is not None:
        env.insert(0, {"name": "HOME", "value": home})
    plan = plan_of(deployment(env))
    (model,) = [v for v in plan.variables if v.name == "VECTOR_STORE_EMBEDDING_MODEL"]
    assert model.classification is Classification.KEPT
    assert not model.removed
    assert "~/models/e5" not in yaml.safe_dump(dict(plan.run_config))


def test_a_known_home_bakes_a_tilde_value() -> None:
    env = [
        {"name": "HOME", "value": "/home/lls"},
        {"name": "VECTOR_STORE_EMBEDDING_MODEL", "value": "~/models/e5"},
    ]
    plan = plan_of(deployment(env))
    (model,) = [v for v in plan.variables if v.name == "VECTOR_STORE_EMBEDDING_MODEL"]
    assert model.classification is Classification.MIGRATED
    assert plan.run_config["vector_stores"]["default_embedding_model"]["model_id"] == (
        "/home/lls/models/e5"
    )


def configmap(name: str, data: dict[str, str]) -> str:
    document = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "ai"},
        "data": data,
    }
    return yaml.safe_dump(document, sort_keys=False)


def test_a_configmap_of_the_same_name_with_other_keys_is_a_conflict() -> None:
    log = {"configMapKeyRef": {"name": "llama-stack-config", "key": "log"}}
    uses: list[dict[str, Any]] = [MODEL, {"name": "LOG", "valueFrom": log}]
    text = configmap("llama-stack-config", {"log": "debug"}) + "---\n" + deployment(uses)
    result = pipeline.convert(list(manifests.documents("pod.yaml", text)), PROFILE)
    (outcome,) = result.outcomes
    assert outcome.plan.status is Status.ERROR and not outcome.artifacts
    (found,) = outcome.plan.findings
    assert found.id == "layout-conflict" and "(log)" in found.message


def test_a_configmap_of_the_same_name_with_only_run_yaml_is_taken_over() -> None:
    text = configmap("llama-stack-config", {"run.yaml": "version: 2\n"}) + "---\n"
    result = pipeline.convert(
        list(manifests.documents("pod.yaml", text + deployment([MODEL]))), PROFILE
    )
    (outcome,) = result.outcomes
    assert outcome.plan.status is Status.NEEDS_MIGRATION


def test_a_manifest_without_namespace_says_so_and_takes_one_from_n(tmp_path: Path) -> None:
    seed = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
    text = "".join(
        line for line in seed.read_text().splitlines(True) if not line.startswith("  namespace:")
    )
    source = tmp_path / "template.yaml"
    source.write_text(text)
    done = run("convert", "-f", str(source), "--dry-run", "-o", "json")
    (workload,) = json.loads(done.stdout)["workloads"]
    assert "namespace-not-given" in [f["id"] for f in workload["findings"]]
    assert " -n <namespace> " in workload["next"]
    out = tmp_path / "out"
    done = run("convert", "-f", str(source), "-n", "research", "-d", str(out), "-o", "json")
    (workload,) = json.loads(done.stdout)["workloads"]
    assert "namespace-not-given" not in [f["id"] for f in workload["findings"]]
    assert " -n research " in workload["next"]
    written = yaml.safe_load((out / "research" / "llama-stack" / "configmap.yaml").read_text())
    assert written["metadata"]["namespace"] == "research"
    # The patched workload keeps its text: kubectl -n places it.
    patched = (out / "research" / "llama-stack" / "deployment.yaml").read_text()
    assert "\n  namespace:" not in patched


@pytest.mark.parametrize("where", ["command", "args", "subPathExpr"])
def test_a_variable_that_command_args_or_subpathexpr_expand_stays(where: str) -> None:
    text = deployment([MODEL])
    document = yaml.safe_load(text)
    container = document["spec"]["template"]["spec"]["containers"][0]
    reference = "$(VECTOR_STORE_EMBEDDING_MODEL)"
    if where == "subPathExpr":
        container["volumeMounts"] = [
            {"name": "data", "mountPath": "/models", "subPathExpr": reference}
        ]
        document["spec"]["template"]["spec"]["volumes"] = [{"name": "data", "emptyDir": {}}]
    else:
        container[where] = ["llama", "stack", "run", f"--model={reference}"]
    plan = plan_of(yaml.safe_dump(document, sort_keys=False))
    (model,) = [v for v in plan.variables if v.name == "VECTOR_STORE_EMBEDDING_MODEL"]
    # Baked into run.yaml, and its entry kept for the reference.
    assert model.classification is Classification.MIGRATED
    assert not model.removed
    assert model.reason is not None and "expands $(VECTOR_STORE_EMBEDDING_MODEL)" in model.reason


# -- anchors and aliases ------------------------------------------------------------------

_ENV_LINES = [
    "- name: VECTOR_STORE_DEFAULT_PROVIDER\n  value: milvus\n",
    "- name: VECTOR_STORE_EMBEDDING_MODEL\n  value: all-MiniLM-L6-v2\n",
    "- name: HOME\n  value: /home/lls\n",
    "- name: LOG_LEVEL\n  value: info\n",
]


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line if line.strip() else line for line in text.splitlines(True))


@st.composite
def anchored_pods(draw: st.DrawFn) -> str:
    """A pod whose Llama Stack container shares its env list, its mounts or single env
    entries with sidecars and init containers through anchors and aliases."""
    entries = draw(st.lists(st.sampled_from(range(len(_ENV_LINES))), min_size=1, unique=True))
    anchor_items = draw(st.sets(st.sampled_from(entries)))
    anchor_env = draw(st.booleans())
    anchor_mounts = draw(st.booleans())
    env_text = ""
    for index in entries:
        line = _ENV_LINES[index]
        if index in anchor_items:
            line = line.replace("- name:", f"- &item{index}\n  name:", 1)
        env_text += line
    others: list[str] = []
    for position in range(draw(st.integers(0, 3))):
        uses: list[str] = []
        if anchor_env and draw(st.booleans()):
            uses.append("env: *env")
        elif len(anchor_items) > 0 and draw(st.booleans()):
            shared = draw(st.sampled_from(sorted(anchor_items)))
            uses.append(f"env:\n  - *item{shared}\n  - name: OWN\n    value: x")
        if anchor_mounts and draw(st.booleans()):
            uses.append("volumeMounts: *mounts")
        body = "\n".join([f"name: side{position}", "image: busybox", *uses])
        others.append("- " + _indent(body, 2)[2:])
    init = draw(st.booleans())
    llama = "\n".join(
        [
            "- name: llama-stack",
            "  image: ghcr.io/tu-wien-datalab/llama-stack:main",
            "  env:" + (" &env" if anchor_env else ""),
            _indent(env_text, 4).rstrip("\n"),
            "  volumeMounts:" + (" &mounts" if anchor_mounts else ""),
            "    - name: data",
            "      mountPath: /data",
        ]
    )
    containers = llama + ("\n" + "\n".join(others[1:] if init else others) if others else "")
    spec = ["containers:", _indent(containers, 2)]
    if init and others:
        # After the containers: an alias must follow its anchor in the text.
        spec += ["initContainers:", _indent(others[0], 2)]
    spec += ["volumes:", "  - name: data", "    emptyDir: {}"]
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llama-stack\n"
        "  namespace: ai\nspec:\n  selector:\n    matchLabels: {app: l}\n  template:\n"
        "    metadata:\n      labels: {app: l}\n    spec:\n" + _indent("\n".join(spec), 6) + "\n"
    )


def _others(data: Any) -> list[Any]:
    pod = data["spec"]["template"]["spec"]
    containers = [c for c in pod["containers"] if c["name"] != "llama-stack"]
    return containers + list(pod.get("initContainers") or [])


@settings(max_examples=150, deadline=None)
@given(text=anchored_pods())
def test_no_container_but_the_llama_stack_one_ever_changes(text: str) -> None:
    original = yaml.safe_load(text)
    result = pipeline.convert(list(manifests.documents("pod.yaml", text)), PROFILE)
    (outcome,) = result.outcomes
    if outcome.plan.status is Status.ERROR:
        # Refused, nothing written: a shared node, or a sidecar that shares the variables
        # so that it looks like Llama Stack too.
        assert [f.id for f in outcome.plan.findings] in (["shared-node"], ["container-ambiguous"])
        assert not outcome.artifacts
        return
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    patched_text = next(a.text for a in outcome.artifacts if a.path.name == "deployment.yaml")
    patched = yaml.safe_load(patched_text)
    assert _others(patched) == _others(original)
    (llama,) = [
        c for c in patched["spec"]["template"]["spec"]["containers"] if c["name"] == "llama-stack"
    ]
    assert llama["env"][0]["name"] == "RUN_CONFIG_PATH"
    assert not [e for e in llama["env"] if e["name"].startswith("VECTOR_STORE_")]


# -- which workloads are this chart's Llama Stack pods ---------------------------------------


def _with_container(**fields: Any) -> str:
    document = yaml.safe_load(deployment([MODEL]))
    document["spec"]["template"]["spec"]["containers"][0].update(fields)
    return yaml.safe_dump(document, sort_keys=False)


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"args": ["llama", "stack", "run", "/etc/config/stack_run_config.yaml"]}, "llama stack"),
        ({"command": ["sh", "-c", "llama stack run /etc/config/run.yaml --port 8321"]}, "run"),
        ({"args": ["--config", "/etc/config/run.yaml"]}, "--config"),
        ({"args": ["--config=/etc/config/run.yaml"]}, "--config"),
    ],
)
def test_a_pod_that_runs_its_own_config_is_reported_not_migrated(
    fields: dict[str, Any], why: str
) -> None:
    plan = plan_of(_with_container(**fields))
    assert plan.status is Status.NOT_MIGRATED
    (found,) = plan.findings
    assert (found.id, found.severity.value) == ("own-config", "info")
    assert why in found.message


def test_own_config_by_env_and_a_distro_name_is_no_file() -> None:
    env = [MODEL, {"name": "LLAMA_STACK_CONFIG", "value": "/etc/config/run.yaml"}]
    assert plan_of(deployment(env)).status is Status.NOT_MIGRATED
    other = [MODEL, {"name": "RUN_CONFIG_PATH", "value": "/etc/other/run.yaml"}]
    assert plan_of(deployment(other)).status is Status.NOT_MIGRATED
    # `llama stack run tuw-ai` names the baked distribution: the image's run.yaml.
    plan = plan_of(_with_container(args=["llama", "stack", "run", "tuw-ai"]))
    assert plan.status is Status.NEEDS_MIGRATION


def test_the_operator_controller_and_an_empty_pod_are_not_llama_stack() -> None:
    document = yaml.safe_load(deployment([]))
    container = document["spec"]["template"]["spec"]["containers"][0]
    container.update(name="manager", image="quay.io/llamastack/llama-stack-k8s-operator:v0.4")
    assert plan_of(yaml.safe_dump(document)).status is Status.NOT_LLAMA_STACK
    document["spec"]["template"]["spec"]["containers"] = []
    assert plan_of(yaml.safe_dump(document)).status is Status.NOT_LLAMA_STACK


def test_a_sidecar_sharing_the_env_does_not_make_the_pod_ambiguous() -> None:
    document = yaml.safe_load(deployment([MODEL]))
    containers = document["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "exporter", "image": "busybox", "env": [MODEL]})
    plan = plan_of(yaml.safe_dump(document, sort_keys=False))
    assert plan.status is Status.NEEDS_MIGRATION and plan.container == "llama-stack"
    assert plan.recognised is not None and "image" in plan.recognised


@pytest.mark.parametrize("kind", ["DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"])
def test_other_kinds_that_run_the_container_are_named_not_dropped(kind: str) -> None:
    pod = yaml.safe_load(deployment([MODEL]))["spec"]["template"]
    spec: dict[str, Any]
    if kind == "Pod":
        spec = pod["spec"]
    elif kind == "CronJob":
        spec = {"schedule": "@daily", "jobTemplate": {"spec": {"template": pod}}}
    else:
        spec = {"selector": {"matchLabels": {"app": "llama-stack"}}, "template": pod}
    document = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    result = pipeline.convert(
        list(manifests.documents("k.yaml", yaml.safe_dump(document))), PROFILE
    )
    (outcome,) = result.outcomes
    assert outcome.plan.status is Status.NOT_MIGRATED and not outcome.artifacts
    assert [f.id for f in outcome.plan.findings] == ["kind-not-migrated"]


def test_three_variables_without_the_dimension_point_at_an_older_image() -> None:
    env = [
        {"name": "VECTOR_STORE_DEFAULT_PROVIDER", "value": "milvus"},
        {"name": "VECTOR_STORE_EMBEDDING_PROVIDER", "value": "vllm"},
        {"name": "VECTOR_STORE_EMBEDDING_MODEL", "value": "intfloat/e5-mistral-7b-instruct"},
    ]
    found = {f.id: f for f in plan_of(deployment(env)).findings}
    assert "--template" in found["older-image"].message
    env.append({"name": "VECTOR_STORE_EMBEDDING_DIMENSION", "value": "4096"})
    assert "older-image" not in {f.id for f in plan_of(deployment(env)).findings}


def test_a_template_with_another_provider_count_still_finds_the_hazard(tmp_path: Path) -> None:
    builtin = (ROOT / "migrate" / "profiles" / "tuw-ai" / "template-run.yaml").read_text()
    extra = (
        "    - provider_id: ${env.OLLAMA_URL:+ollama}\n"
        "      provider_type: remote::ollama\n"
        "      config:\n"
        "        url: ${env.OLLAMA_URL:=http://localhost:11434}\n"
    )
    at = builtin.index("    - provider_id: openai")
    template = tmp_path / "run.yaml"
    template.write_text(builtin[:at] + extra + builtin[at:])
    seed = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
    common = ("convert", "-f", str(seed), "--dry-run", "-o", "json", "--template", str(template))
    for policy, severity in ((), "warning"), (("--adopt-chart-defaults",), "error"):
        done = run(*common, "--target", "runconfig", *policy)
        (workload,) = json.loads(done.stdout)["workloads"]
        hazards = [f for f in workload["findings"] if f["id"] == "chart-default-hazard"]
        assert [f["severity"] for f in hazards] == [severity], done.stderr
        assert "providers.inference[0].config.allowed_models" in hazards[0]["message"]


def test_a_baked_variable_that_an_adopted_default_still_reads_keeps_its_entry(
    tmp_path: Path,
) -> None:
    """The image's run.yaml names the vLLM provider statically; the chart's default gates it
    with ${env.VLLM_URL:+vllm}. Baking VLLM_URL (--migrate-var) and removing its entry would
    switch the provider off: the entry stays, and the envFrom value behind it stays hidden."""
    builtin = (ROOT / "migrate" / "profiles" / "tuw-ai" / "template-run.yaml").read_text()
    template = tmp_path / "run.yaml"
    template.write_text(
        builtin.replace(
            "    - provider_id: ${env.VLLM_URL:+vllm}\n", "    - provider_id: vllm\n", 1
        )
    )
    env: list[dict[str, Any]] = [MODEL, {"name": "VLLM_URL", "value": "http://vllm.ai/v1"}]
    document = yaml.safe_load(deployment(env))
    container = document["spec"]["template"]["spec"]["containers"][0]
    container["envFrom"] = [{"configMapRef": {"name": "defaults"}}]
    defaults = configmap("defaults", {"VLLM_URL": "http://other/v1"})
    text = defaults + "---\n" + yaml.safe_dump(document)
    chosen = profile.load(template=template, extra_vars=("VLLM_URL",))
    (outcome,) = pipeline.convert(list(manifests.documents("pod.yaml", text)), chosen).outcomes
    (vllm,) = [v for v in outcome.plan.variables if v.name == "VLLM_URL"]
    assert not vllm.removed
    assert vllm.reason is not None and "still reads it" in vllm.reason
    patched = next(a.text for a in outcome.artifacts if a.path.name == "deployment.yaml")
    assert "http://vllm.ai/v1" in patched
