"""The fixture charts render what migrate expects of the three chart generations.

The real ``llama-stack`` chart went through three ways of configuring the
server without ever changing its version (0.1.0, appVersion 0.3.3):

- ``llama-stack-legacy``: ``vectorStore`` values become four
  ``VECTOR_STORE_*`` env vars, read by the run.yaml baked into the image;
- ``llama-stack-runconfig``: ``runConfig`` is the whole run.yaml, written by
  ``toYaml`` into the ``<fullname>-config`` ConfigMap;
- ``llama-stack-modular``: one value per run.yaml section, put together in
  the ConfigMap around a fixed ``version``, ``image_name`` and ``apis``.

Besides checking the fixtures, these tests pin down the Helm behaviour that
migrate relies on when it writes a values overlay: how user values merge into
chart defaults, what Helm silently ignores (``runConfig`` on the modular
chart, ``env`` on every chart), and what survives Helm's ``toYaml`` on the
way into the ConfigMap's run.yaml.
"""

from __future__ import annotations

import copy
import tarfile
from operator import itemgetter
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from tests.support.helm import (
    LEGACY,
    MODULAR,
    RUNCONFIG,
    chart_default_values,
    package,
    render,
    render_documents,
    render_manifest_text,
)

PROFILE_CHART_VALUES = (
    Path(__file__).resolve().parents[2] / "migrate" / "profiles" / "tuw-ai" / "chart-values.yaml"
)

CHARTS = [
    pytest.param(LEGACY, id="legacy"),
    pytest.param(RUNCONFIG, id="runconfig"),
    pytest.param(MODULAR, id="modular"),
]
CONFIGMAP_CHARTS = [
    pytest.param(RUNCONFIG, id="runconfig"),
    pytest.param(MODULAR, id="modular"),
]

# Values key of the modular chart -> the run.yaml section it is written to,
# in the order the ConfigMap writes them.
MODULAR_SECTIONS = {
    "providers": "providers",
    "storage": "storage",
    "registeredResources": "registered_resources",
    "server": "server",
    "vectorStores": "vector_stores",
    "safety": "safety",
}
FIXED_HEAD = {
    "version": 2,
    "image_name": "tuw-ai",
    "apis": ["agents", "batches", "files", "inference", "safety", "tool_runtime", "vector_io"],
}

RUN_CONFIG_PATH = {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}
VLLM_URL = {
    "name": "VLLM_URL",
    "value": "http://vllm-prod-router-service.vllm.svc.cluster.local/v1",
}
PERSISTENCE_ENV = [
    {"name": "SQLITE_STORE_DIR", "value": "/home/lls/.llama/distributions/starter"},
    {"name": "HOME", "value": "/home/lls"},
]
PORT_ENV = {"name": "LLAMA_STACK_PORT", "value": "5001"}
MILVUS_ENV = [
    {"name": "MILVUS_DB_PATH", "value": "/home/lls/.llama/distributions/starter/milvus.db"},
    {"name": "MILVUS_URL", "value": "/home/lls/.llama/distributions/starter/milvus"},
]
RUNTIME_ENV = [VLLM_URL, *PERSISTENCE_ENV, PORT_ENV, *MILVUS_ENV]
VECTOR_STORE_DEFAULTS = {
    "VECTOR_STORE_DEFAULT_PROVIDER": "faiss",
    "VECTOR_STORE_EMBEDDING_PROVIDER": "sentence-transformers",
    "VECTOR_STORE_EMBEDDING_MODEL": "nomic-ai/nomic-embed-text-v1.5",
    "VECTOR_STORE_EMBEDDING_DIMENSION": "768",
}

# An env map as a user might try to pass extra container env vars.
ENV_OVERLAY: dict[str, Any] = {
    "env": {
        "EXTRA": "1",
        "VLLM_API_TOKEN": {"valueFrom": {"secretKeyRef": {"name": "vllm", "key": "token"}}},
    }
}


# --- helpers ---------------------------------------------------------------


def _only(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    matches = [doc for doc in documents if doc.get("kind") == kind]
    assert len(matches) == 1, f"expected one {kind}, got {len(matches)}"
    return matches[0]


def _pod_spec(documents: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = _only(documents, "Deployment")["spec"]["template"]["spec"]
    return spec


def _container(documents: list[dict[str, Any]]) -> dict[str, Any]:
    containers = _pod_spec(documents)["containers"]
    assert [c["name"] for c in containers] == ["llama-stack"]
    container: dict[str, Any] = containers[0]
    return container


def _env(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = _container(documents).get("env") or []
    return env


def _env_values(documents: list[dict[str, Any]]) -> dict[str, Any]:
    entries = _env(documents)
    names = [entry["name"] for entry in entries]
    assert len(names) == len(set(names)), f"duplicate env names: {names}"
    return {entry["name"]: entry.get("value") for entry in entries}


def _run_yaml_text(documents: list[dict[str, Any]]) -> str:
    text = _only(documents, "ConfigMap")["data"]["run.yaml"]
    assert isinstance(text, str)
    return text


def _run_yaml(documents: list[dict[str, Any]]) -> dict[str, Any]:
    parsed = yaml.safe_load(_run_yaml_text(documents))
    assert isinstance(parsed, dict)
    return parsed


def _profile_run_config() -> dict[str, Any]:
    profile = yaml.safe_load(PROFILE_CHART_VALUES.read_text(encoding="utf-8"))
    run_config: dict[str, Any] = profile["runConfig"]
    return run_config


def _default_run_config() -> dict[str, Any]:
    run_config: dict[str, Any] = chart_default_values(RUNCONFIG)["runConfig"]
    return copy.deepcopy(run_config)


def _without_allowed_models(run_config: dict[str, Any]) -> dict[str, Any]:
    """``run_config`` with the ``allowed_models`` key dropped from every inference provider."""
    result = copy.deepcopy(run_config)
    for provider in result["providers"]["inference"]:
        provider.get("config", {}).pop("allowed_models", None)
    return result


def _modular_default_run_yaml() -> dict[str, Any]:
    """What the modular chart renders by default: the profile's run.yaml minus allowed_models."""
    return _without_allowed_models(_profile_run_config())


# --- every chart -------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_metadata_is_the_same_in_every_generation(chart: Path) -> None:
    metadata = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))

    assert metadata["name"] == "llama-stack"
    assert metadata["version"] == "0.1.0"
    assert metadata["appVersion"] == "0.3.3"
    assert "migrate test fixture" in metadata["description"]


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_lints_without_warnings(chart: Path) -> None:
    report = helm_python.lint(chart, namespace="ai")

    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize(
    ("release", "fullname"),
    [
        ("llama-stack", "llama-stack"),
        ("prod", "prod-llama-stack"),
        ("my-llama-stack", "my-llama-stack"),
    ],
)
def test_objects_are_named_after_release_in_release_namespace(
    chart: Path, release: str, fullname: str
) -> None:
    documents = render_documents(chart, release=release, namespace="ai")

    kinds = ["Deployment", "PersistentVolumeClaim", "Service"]
    if chart != LEGACY:
        kinds.append("ConfigMap")
    assert sorted(doc["kind"] for doc in documents) == sorted(kinds)
    for doc in documents:
        suffix = "-config" if doc["kind"] == "ConfigMap" else ""
        assert doc["metadata"]["name"] == fullname + suffix
        assert doc["metadata"]["namespace"] == "ai"
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/instance"] == release
        assert labels["app.kubernetes.io/name"] == "llama-stack"
        assert labels["helm.sh/chart"] == "llama-stack-0.1.0"
        assert labels["app.kubernetes.io/version"] == "0.3.3"
    deployment = _only(documents, "Deployment")
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector == {
        "app.kubernetes.io/name": "llama-stack",
        "app.kubernetes.io/instance": release,
    }
    assert _only(documents, "Service")["spec"]["selector"] == selector
    assert deployment["spec"]["template"]["metadata"]["labels"].items() >= selector.items()


@pytest.mark.parametrize("chart", CHARTS)
def test_fullname_override_names_every_object(chart: Path) -> None:
    documents = render_documents(chart, {"fullnameOverride": "lls"}, release="prod")

    names = {doc["kind"]: doc["metadata"]["name"] for doc in documents}
    assert names.pop("ConfigMap", "lls-config") == "lls-config"
    assert set(names.values()) == {"lls"}
    volumes = {volume["name"]: volume for volume in _pod_spec(documents)["volumes"]}
    assert volumes["data-volume"]["persistentVolumeClaim"] == {"claimName": "lls"}
    if chart != LEGACY:
        assert volumes["config-volume"]["configMap"] == {"name": "lls-config"}
    # The container keeps the chart's own name.
    assert _container(documents)["name"] == "llama-stack"


@pytest.mark.parametrize("chart", CHARTS)
def test_name_override_changes_the_name_part_and_the_name_label(chart: Path) -> None:
    documents = render_documents(chart, {"nameOverride": "stack"}, release="prod")

    for doc in documents:
        suffix = "-config" if doc["kind"] == "ConfigMap" else ""
        assert doc["metadata"]["name"] == "prod-stack" + suffix
        assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == "stack"
    assert _container(documents)["name"] == "llama-stack"


@pytest.mark.parametrize("chart", CHARTS)
def test_container_image_and_init_container(chart: Path) -> None:
    documents = render_documents(chart)

    container = _container(documents)
    assert container["image"] == "ghcr.io/tu-wien-datalab/llama-stack:main"
    assert container["imagePullPolicy"] == "Always"
    assert container["args"] == ["--port", "5001"]
    (init,) = _pod_spec(documents)["initContainers"]
    assert init["name"] == "setup-permissions"
    assert init["volumeMounts"] == [{"name": "data-volume", "mountPath": "/home/lls/.llama"}]
    assert "env" not in init


@pytest.mark.parametrize(
    ("chart", "expected"),
    [
        pytest.param(
            LEGACY,
            [*RUNTIME_ENV, *({"name": n, "value": v} for n, v in VECTOR_STORE_DEFAULTS.items())],
            id="legacy",
        ),
        pytest.param(RUNCONFIG, [RUN_CONFIG_PATH, *RUNTIME_ENV], id="runconfig"),
        pytest.param(MODULAR, [RUN_CONFIG_PATH, *RUNTIME_ENV], id="modular"),
    ],
)
def test_default_env(chart: Path, expected: list[dict[str, str]]) -> None:
    assert _env(render_documents(chart)) == expected


@pytest.mark.parametrize("chart", CHARTS)
def test_vllm_token_and_max_tokens_follow_the_url(chart: Path) -> None:
    overlay = {"vllm": {"apiKey": "sk-test", "maxTokens": 8192}}

    names = [entry["name"] for entry in _env(render_documents(chart, overlay))]
    env = _env_values(render_documents(chart, overlay))

    start = names.index("VLLM_URL")
    assert names[start : start + 3] == ["VLLM_URL", "VLLM_API_TOKEN", "VLLM_MAX_TOKENS"]
    assert env["VLLM_API_TOKEN"] == "sk-test"
    assert env["VLLM_MAX_TOKENS"] == "8192"


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("url", ["", None])
def test_without_vllm_url_no_vllm_env_is_set(chart: Path, url: str | None) -> None:
    overlay = {"vllm": {"url": url, "apiKey": "sk-test", "maxTokens": 8192}}

    env = _env_values(render_documents(chart, overlay))

    assert not [name for name in env if name.startswith("VLLM_")]
    assert "LLAMA_STACK_PORT" in env


@pytest.mark.parametrize("chart", CHARTS)
def test_telemetry_env_only_while_enabled(chart: Path) -> None:
    overlay = {"telemetry": {"enabled": True, "sinks": "console,otel", "serviceName": "otel:4318"}}

    entries = _env(render_documents(chart, overlay))

    names = [entry["name"] for entry in entries]
    start = names.index("LLAMA_STACK_PORT") + 1
    assert entries[start : start + 2] == [
        {"name": "TELEMETRY_SINKS", "value": "console,otel"},
        {"name": "OTEL_SERVICE_NAME", "value": "otel:4318"},
    ]
    default_names = [entry["name"] for entry in _env(render_documents(chart))]
    assert "TELEMETRY_SINKS" not in default_names
    assert "OTEL_SERVICE_NAME" not in default_names


@pytest.mark.parametrize("chart", CHARTS)
def test_without_persistence_no_claim_no_data_volume_no_state_env(chart: Path) -> None:
    values = {"persistence": {"enabled": False}}

    rendered = render(chart, values)
    documents = render_documents(chart, values)

    assert "llama-stack/templates/pvc.yaml" not in rendered
    pod = _pod_spec(documents)
    assert "initContainers" not in pod
    volumes = pod.get("volumes") or []
    mounts = _container(documents).get("volumeMounts") or []
    assert "data-volume" not in [volume["name"] for volume in volumes]
    assert "data-volume" not in [mount["name"] for mount in mounts]
    env = _env_values(documents)
    assert "SQLITE_STORE_DIR" not in env
    assert "HOME" not in env
    # The Milvus paths are fixed in the template, whatever the persistence.
    assert [env[entry["name"]] for entry in MILVUS_ENV] == [entry["value"] for entry in MILVUS_ENV]
    if chart != LEGACY:
        assert [volume["name"] for volume in volumes] == ["config-volume"]


@pytest.mark.parametrize("chart", CHARTS)
def test_extra_volumes_and_mounts_come_after_the_charts_own(chart: Path) -> None:
    overlay: dict[str, list[dict[str, Any]]] = {
        "volumes": [{"name": "extra", "secret": {"secretName": "s"}}],
        "volumeMounts": [{"name": "extra", "mountPath": "/etc/llama-stack/run.yaml"}],
    }

    documents = render_documents(chart, overlay)

    assert _pod_spec(documents)["volumes"][-1] == overlay["volumes"][0]
    assert _container(documents)["volumeMounts"][-1] == overlay["volumeMounts"][0]


@pytest.mark.parametrize("chart", CHARTS)
def test_env_value_renders_nothing(chart: Path) -> None:
    # No generation of the chart reads an env (or any other passthrough)
    # value: Helm accepts it and the output does not change.
    assert render_manifest_text(chart, ENV_OVERLAY) == render_manifest_text(chart)
    assert "EXTRA" not in _env_values(render_documents(chart, ENV_OVERLAY))


@pytest.mark.parametrize("chart", CHARTS)
def test_packaged_chart_renders_like_the_directory(chart: Path, tmp_path: Path) -> None:
    archive = package(chart, tmp_path / "packaged")

    assert archive.name == "llama-stack-0.1.0.tgz"
    assert archive.parent == tmp_path / "packaged"
    with tarfile.open(archive) as tar:
        members = tar.getnames()
    assert "llama-stack/Chart.yaml" in members
    assert "llama-stack/values.yaml" in members
    assert all(member.startswith("llama-stack/") for member in members)
    overlay = {"persistence": {"enabled": False}, "vllm": {"apiKey": "x"}}
    assert render(archive, overlay, release="prod", namespace="ai") == render(
        chart, overlay, release="prod", namespace="ai"
    )
    assert chart_default_values(archive) == chart_default_values(chart)


@pytest.mark.parametrize(
    ("chart", "sources"),
    [
        pytest.param(LEGACY, ["pvc", "service", "deployment"], id="legacy"),
        pytest.param(RUNCONFIG, ["configmap", "pvc", "service", "deployment"], id="runconfig"),
        pytest.param(MODULAR, ["configmap", "pvc", "service", "deployment"], id="modular"),
    ],
)
def test_render_manifest_text_is_helm_template_output(chart: Path, sources: list[str]) -> None:
    text = render_manifest_text(chart, release="prod", namespace="ai")

    first = sources[0]
    assert text.startswith(f"---\n# Source: llama-stack/templates/{first}.yaml\napiVersion: v1\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    # Helm's install order: by kind, not by file name.
    assert [line for line in text.splitlines() if line.startswith("# Source: ")] == [
        f"# Source: llama-stack/templates/{source}.yaml" for source in sources
    ]
    assert text.count("---\n# Source: ") == len(sources)
    parsed = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    expected = render_documents(chart, release="prod", namespace="ai")
    assert sorted(parsed, key=itemgetter("kind")) == sorted(expected, key=itemgetter("kind"))


@pytest.mark.parametrize(
    ("chart", "templates"),
    [
        pytest.param(LEGACY, ["deployment", "pvc", "service"], id="legacy"),
        pytest.param(RUNCONFIG, ["configmap", "deployment", "pvc", "service"], id="runconfig"),
        pytest.param(MODULAR, ["configmap", "deployment", "pvc", "service"], id="modular"),
    ],
)
def test_render_skips_helpers_and_keys_by_template_path(chart: Path, templates: list[str]) -> None:
    rendered = render(chart)

    assert list(rendered) == [f"llama-stack/templates/{name}.yaml" for name in templates]
    assert all(text.strip() for text in rendered.values())


# --- legacy chart: VECTOR_STORE_* env vars ----------------------------------


def test_legacy_has_no_config_map_and_no_run_config_path() -> None:
    documents = render_documents(LEGACY)

    assert [doc for doc in documents if doc["kind"] == "ConfigMap"] == []
    assert "RUN_CONFIG_PATH" not in _env_values(documents)
    assert [volume["name"] for volume in _pod_spec(documents)["volumes"]] == ["data-volume"]
    assert "runConfig" not in chart_default_values(LEGACY)


def test_legacy_defaults_render_the_four_vector_store_env_vars() -> None:
    env = _env_values(render_documents(LEGACY))

    assert {name: env.get(name) for name in VECTOR_STORE_DEFAULTS} == VECTOR_STORE_DEFAULTS


def test_legacy_custom_vector_store_values_change_the_env_vars() -> None:
    overlay = {
        "vectorStore": {
            "defaultProvider": "milvus",
            "embedding": {
                "provider": "vllm",
                "model": "intfloat/e5-mistral-7b-instruct",
                "dimension": 4096,
            },
        }
    }

    env = _env_values(render_documents(LEGACY, overlay))

    assert {name: env.get(name) for name in VECTOR_STORE_DEFAULTS} == {
        "VECTOR_STORE_DEFAULT_PROVIDER": "milvus",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "vllm",
        "VECTOR_STORE_EMBEDDING_MODEL": "intfloat/e5-mistral-7b-instruct",
        # quote turns the number into the string a container env value must be.
        "VECTOR_STORE_EMBEDDING_DIMENSION": "4096",
    }


@pytest.mark.parametrize(
    ("overlay", "absent"),
    [
        ({"defaultProvider": None}, "VECTOR_STORE_DEFAULT_PROVIDER"),
        ({"defaultProvider": ""}, "VECTOR_STORE_DEFAULT_PROVIDER"),
        ({"embedding": {"provider": None}}, "VECTOR_STORE_EMBEDDING_PROVIDER"),
        ({"embedding": {"model": ""}}, "VECTOR_STORE_EMBEDDING_MODEL"),
        ({"embedding": {"dimension": None}}, "VECTOR_STORE_EMBEDDING_DIMENSION"),
        ({"embedding": {"dimension": 0}}, "VECTOR_STORE_EMBEDDING_DIMENSION"),
    ],
)
def test_legacy_empty_vector_store_value_leaves_its_env_var_out(
    overlay: dict[str, Any], absent: str
) -> None:
    env = _env_values(render_documents(LEGACY, {"vectorStore": overlay}))

    assert absent not in env
    expected = {name: value for name, value in VECTOR_STORE_DEFAULTS.items() if name != absent}
    assert {name: env[name] for name in expected} == expected


@pytest.mark.parametrize("section", [None, ""], ids=["null", "empty-string"])
def test_legacy_without_vector_store_section_renders_no_vector_store_env(
    section: str | None,
) -> None:
    env = _env(render_documents(LEGACY, {"vectorStore": section}))

    assert env == RUNTIME_ENV


# --- runconfig chart: runConfig rendered whole -------------------------------


def test_runconfig_default_run_config_matches_the_builtin_profile() -> None:
    defaults = chart_default_values(RUNCONFIG)

    assert defaults["runConfig"] == _profile_run_config()
    (vllm,) = [
        p for p in defaults["runConfig"]["providers"]["inference"] if "vllm" in p["provider_type"]
    ]
    assert vllm["config"]["allowed_models"] == []
    assert "vectorStore" not in defaults
    assert not set(MODULAR_SECTIONS) & set(defaults)


@pytest.mark.parametrize(
    ("release", "fullname"), [("llama-stack", "llama-stack"), ("prod", "prod-llama-stack")]
)
def test_runconfig_config_map_holds_the_default_run_config(release: str, fullname: str) -> None:
    documents = render_documents(RUNCONFIG, release=release, namespace="ai")

    config_map = _only(documents, "ConfigMap")
    assert config_map["metadata"]["name"] == f"{fullname}-config"
    assert list(config_map["data"]) == ["run.yaml"]
    run_yaml = _run_yaml(documents)
    assert run_yaml == _default_run_config()
    # toYaml writes map keys in sorted order.
    assert list(run_yaml) == sorted(run_yaml)


@pytest.mark.parametrize("chart", CONFIGMAP_CHARTS)
def test_deployment_reads_run_yaml_from_the_config_map(chart: Path) -> None:
    documents = render_documents(chart, release="prod")

    container = _container(documents)
    assert container["env"][0] == RUN_CONFIG_PATH
    assert not [e for e in container["env"] if e["name"].startswith("VECTOR_STORE_")]
    assert container["volumeMounts"] == [
        {"name": "config-volume", "mountPath": "/etc/llama-stack", "readOnly": True},
        {"name": "data-volume", "mountPath": "/home/lls/.llama"},
    ]
    assert _pod_spec(documents)["volumes"] == [
        {"name": "config-volume", "configMap": {"name": "prod-llama-stack-config"}},
        {"name": "data-volume", "persistentVolumeClaim": {"claimName": "prod-llama-stack"}},
    ]
    # No checksum/config annotation: a ConfigMap change alone rolls no pod.
    assert "annotations" not in _only(documents, "Deployment")["spec"]["template"]["metadata"]


@pytest.mark.parametrize("chart", CONFIGMAP_CHARTS)
def test_vector_store_value_is_ignored_by_the_config_map_charts(chart: Path) -> None:
    overlay = {"vectorStore": {"defaultProvider": "milvus", "embedding": {"dimension": 4096}}}

    assert render_manifest_text(chart, overlay) == render_manifest_text(chart)


def test_runconfig_and_modular_render_the_same_deployment() -> None:
    overlay = {
        "vllm": {"apiKey": "sk-test"},
        "telemetry": {"enabled": True},
        "podAnnotations": {"team": "ai"},
    }

    for values in (None, overlay):
        seed = _only(render_documents(RUNCONFIG, values, release="prod"), "Deployment")
        modular = _only(render_documents(MODULAR, values, release="prod"), "Deployment")
        assert seed == modular


def test_runconfig_overlay_changes_exactly_that_key() -> None:
    overlay = {"runConfig": {"vector_stores": {"default_provider_id": "milvus"}}}

    run_yaml = _run_yaml(render_documents(RUNCONFIG, overlay))

    expected = _default_run_config()
    assert expected["vector_stores"]["default_provider_id"] == "faiss"
    expected["vector_stores"]["default_provider_id"] = "milvus"
    assert run_yaml == expected


def test_helm_merge_maps_merge_key_by_key() -> None:
    overlay = {
        "runConfig": {
            "vector_stores": {
                "default_embedding_model": {"model_id": "intfloat/e5-mistral-7b-instruct"}
            }
        }
    }

    vector_stores = _run_yaml(render_documents(RUNCONFIG, overlay))["vector_stores"]

    assert vector_stores == {
        "default_provider_id": "faiss",
        "default_embedding_model": {
            "provider_id": "sentence-transformers",
            "model_id": "intfloat/e5-mistral-7b-instruct",
        },
    }


@pytest.mark.parametrize(
    ("chart", "overlay"),
    [
        pytest.param(LEGACY, {"vectorStore": {"embedding": {}}}, id="legacy"),
        pytest.param(RUNCONFIG, {"runConfig": {}}, id="runconfig"),
        pytest.param(MODULAR, {key: {} for key in MODULAR_SECTIONS}, id="modular"),
    ],
)
def test_helm_merge_an_empty_map_changes_nothing(chart: Path, overlay: dict[str, Any]) -> None:
    # An empty map merges into the default map: it cannot clear a section.
    assert render_manifest_text(chart, overlay) == render_manifest_text(chart)


def test_helm_merge_lists_are_replaced_whole() -> None:
    # One item that changes only the dimension: if Helm merged lists item by
    # item, the other keys of the default model would survive.
    overlay = {
        "runConfig": {
            "registered_resources": {"models": [{"metadata": {"embedding_dimension": 4096}}]}
        }
    }

    run_yaml = _run_yaml(render_documents(RUNCONFIG, overlay))

    assert run_yaml["registered_resources"]["models"] == [
        {"metadata": {"embedding_dimension": 4096}}
    ]
    default_shields = _default_run_config()["registered_resources"]["shields"]
    assert run_yaml["registered_resources"]["shields"] == default_shields


def test_helm_merge_lists_replaced_whole_removes_allowed_models() -> None:
    # The overlay that clears the seed's allowed_models: [] carries the whole
    # inference list without the key.
    inference = _without_allowed_models(_default_run_config())["providers"]["inference"]
    overlay = {"runConfig": {"providers": {"inference": inference}}}

    run_yaml = _run_yaml(render_documents(RUNCONFIG, overlay))

    assert run_yaml == _without_allowed_models(_default_run_config())


def test_helm_merge_null_deletes_a_default_key() -> None:
    overlay = {
        "runConfig": {
            "safety": None,
            "vector_stores": {"default_embedding_model": None},
        }
    }

    run_yaml = _run_yaml(render_documents(RUNCONFIG, overlay))

    assert "safety" not in run_yaml
    assert run_yaml["vector_stores"] == {"default_provider_id": "faiss"}
    expected = _default_run_config()
    del expected["safety"]
    del expected["vector_stores"]["default_embedding_model"]
    assert run_yaml == expected


# What a value placed in runConfig through an overlay looks like in the
# rendered run.yaml, and what PyYAML's safe_load reads back from that text.
# Values travel to Helm as JSON and are written by toYaml (Go).
THROUGH_TOYAML = [
    # A float with a fraction keeps its value, written in exponent form.
    ("float_fraction", 1234567.5, "1.2345675e+06", 1234567.5),
    # A whole float loses its float type: it comes back as an int.
    ("float_whole", 1000.0, "1000", 1000),
    ("float_negative_zero", -0.0, "0", 0),
    # Exponent forms without a dot are not floats to PyYAML (YAML 1.1): strings.
    ("float_huge", 1e21, "1e+21", "1e+21"),
    ("float_tiny", 1e-7, "1e-07", "1e-07"),
    # Integers pass through float64: above 2**53 precision is lost.
    ("int_beyond_2_53", 2**53 + 1, "9007199254740992", 2**53),
    # Strings that YAML 1.1 would read as something else are quoted.
    ("string_base60", "1:20", '"1:20"', "1:20"),
    ("string_on", "on", '"on"', "on"),
    ("string_true", "true", '"true"', "true"),
    ("string_null", "null", '"null"', "null"),
    ("string_octal", "012", '"012"', "012"),
    ("string_placeholder", "${env.X:=1}", "${env.X:=1}", "${env.X:=1}"),
    # A multi-line string becomes a block scalar, indented by nindent.
    ("string_multiline", "a\nb", "|-", "a\nb"),
]


def test_values_through_helm_to_yaml_read_back_with_pyyaml() -> None:
    probe = {key: value for key, value, _, _ in THROUGH_TOYAML}

    documents = render_documents(RUNCONFIG, {"runConfig": {"probe": probe}})

    text = _run_yaml_text(documents)
    written: dict[str, str] = {}
    for line in text.splitlines():
        key, _, rest = line.strip().partition(": ")
        if line.startswith("  ") and key in probe:
            written[key] = rest
    read_back = yaml.safe_load(text)["probe"]
    for key, _, expected_text, expected_value in THROUGH_TOYAML:
        assert written[key] == expected_text, key
        assert read_back[key] == expected_value, key
        assert type(read_back[key]) is type(expected_value), key


def test_values_through_a_modular_section_read_back_like_runconfig() -> None:
    # The modular chart writes each section with toYaml | nindent 6 under its
    # key: the same values come back as from the runConfig chart.
    probe = {key: value for key, value, _, _ in THROUGH_TOYAML}

    seed = _run_yaml(render_documents(RUNCONFIG, {"runConfig": {"server": {"probe": probe}}}))
    modular = _run_yaml(render_documents(MODULAR, {"server": {"probe": probe}}))

    assert modular["server"] == seed["server"]
    for key, _, _, expected_value in THROUGH_TOYAML:
        assert type(modular["server"]["probe"][key]) is type(expected_value), key


# --- modular chart: one value per run.yaml section ---------------------------


def test_modular_default_sections_match_the_profile_without_allowed_models() -> None:
    defaults = chart_default_values(MODULAR)
    expected = _modular_default_run_yaml()

    for key, section in MODULAR_SECTIONS.items():
        assert defaults[key] == expected[section], key
    (vllm,) = [p for p in defaults["providers"]["inference"] if "vllm" in p["provider_type"]]
    assert "allowed_models" not in vllm["config"]
    assert "allowed_models" in _profile_run_config()["providers"]["inference"][0]["config"]
    for absent in ("runConfig", "vectorStore", "version", "image_name", "apis", "env"):
        assert absent not in defaults


def test_modular_config_map_holds_the_assembled_run_yaml() -> None:
    documents = render_documents(MODULAR, release="prod", namespace="ai")

    config_map = _only(documents, "ConfigMap")
    assert config_map["metadata"]["name"] == "prod-llama-stack-config"
    assert list(config_map["data"]) == ["run.yaml"]
    run_yaml = _run_yaml(documents)
    assert run_yaml == _modular_default_run_yaml()
    assert list(run_yaml) == [*FIXED_HEAD, *MODULAR_SECTIONS.values()]
    assert _run_yaml_text(documents).startswith(
        "version: 2\nimage_name: tuw-ai\napis:\n"
        "  - agents\n  - batches\n  - files\n  - inference\n"
        "  - safety\n  - tool_runtime\n  - vector_io\nproviders:\n"
    )


@pytest.mark.parametrize("key", list(MODULAR_SECTIONS))
@pytest.mark.parametrize("empty", [None, [], ""], ids=["null", "empty-list", "empty-string"])
def test_modular_leaves_an_empty_section_out(key: str, empty: list[Any] | str | None) -> None:
    # null deletes the default; an empty list or string replaces it, and
    # `with` skips the empty value. (An empty map would merge instead.)
    run_yaml = _run_yaml(render_documents(MODULAR, {key: empty}))

    expected = _modular_default_run_yaml()
    del expected[MODULAR_SECTIONS[key]]
    assert run_yaml == expected
    assert {name: run_yaml[name] for name in FIXED_HEAD} == FIXED_HEAD


def test_modular_with_every_section_empty_keeps_the_fixed_head() -> None:
    run_yaml = _run_yaml(render_documents(MODULAR, dict.fromkeys(MODULAR_SECTIONS)))

    assert run_yaml == FIXED_HEAD


def test_modular_version_image_name_and_apis_cannot_be_set() -> None:
    overlay = {"version": 3, "image_name": "other", "apis": ["inference"]}

    assert render_manifest_text(MODULAR, overlay) == render_manifest_text(MODULAR)


def test_modular_ignores_a_run_config_value_silently() -> None:
    # The seed's way of customising (a runConfig overlay) on the newest chart:
    # Helm renders without a word, and the pod gets the chart defaults.
    overlay = {
        "runConfig": {
            "vector_stores": {
                "default_provider_id": "milvus",
                "default_embedding_model": {
                    "provider_id": "vllm",
                    "model_id": "intfloat/e5-mistral-7b-instruct",
                },
            },
            "registered_resources": {
                "models": [
                    {
                        "model_id": "intfloat/e5-mistral-7b-instruct",
                        "provider_id": "vllm",
                        "provider_model_id": "intfloat/e5-mistral-7b-instruct",
                        "model_type": "embedding",
                        "metadata": {"embedding_dimension": 4096},
                    }
                ]
            },
        }
    }

    assert render_manifest_text(MODULAR, overlay) == render_manifest_text(MODULAR)
    assert _run_yaml(render_documents(MODULAR, overlay)) == _modular_default_run_yaml()


def test_modular_section_overlay_changes_exactly_that_key() -> None:
    overlay = {"vectorStores": {"default_provider_id": "milvus"}}

    run_yaml = _run_yaml(render_documents(MODULAR, overlay))

    expected = _modular_default_run_yaml()
    expected["vector_stores"]["default_provider_id"] = "milvus"
    assert run_yaml == expected


def test_modular_lists_are_replaced_whole_and_null_deletes_a_key() -> None:
    overlay = {
        "registeredResources": {"models": [{"metadata": {"embedding_dimension": 4096}}]},
        "vectorStores": {"default_embedding_model": None},
    }

    run_yaml = _run_yaml(render_documents(MODULAR, overlay))

    expected = _modular_default_run_yaml()
    expected["registered_resources"]["models"] = [{"metadata": {"embedding_dimension": 4096}}]
    del expected["vector_stores"]["default_embedding_model"]
    assert run_yaml == expected
