"""The fixture charts render what migrate expects of the two chart generations.

Besides checking the fixtures, these tests pin down the Helm behaviour that
migrate relies on when it writes a values overlay: how user values merge into
the chart's runConfig, and what survives Helm's ``toYaml`` on the way into the
ConfigMap's run.yaml.
"""

from __future__ import annotations

import copy
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helm import (
    FIXTURE_CHARTS,
    chart_default_values,
    render,
    render_documents,
    render_manifest_text,
)

LEGACY = FIXTURE_CHARTS / "llama-stack-legacy"
CURRENT = FIXTURE_CHARTS / "llama-stack"
PROFILE_CHART_VALUES = (
    Path(__file__).resolve().parents[2] / "migrate" / "profiles" / "tuw-ai" / "chart-values.yaml"
)

VECTOR_STORE_DEFAULTS = {
    "VECTOR_STORE_DEFAULT_PROVIDER": "faiss",
    "VECTOR_STORE_EMBEDDING_PROVIDER": "sentence-transformers",
    "VECTOR_STORE_EMBEDDING_MODEL": "nomic-ai/nomic-embed-text-v1.5",
    "VECTOR_STORE_EMBEDDING_DIMENSION": "768",
}
RUNTIME_ENV_DEFAULTS = {
    "VLLM_URL": "http://vllm-prod-router-service.vllm.svc.cluster.local/v1",
    "SQLITE_STORE_DIR": "/home/lls/.llama/distributions/starter",
    "HOME": "/home/lls",
    "LLAMA_STACK_PORT": "5001",
    "MILVUS_DB_PATH": "/home/lls/.llama/distributions/starter/milvus.db",
    "MILVUS_URL": "/home/lls/.llama/distributions/starter/milvus",
}


# --- helpers ---------------------------------------------------------------


def _only(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    matches = [doc for doc in documents if doc.get("kind") == kind]
    assert len(matches) == 1, f"expected one {kind}, got {len(matches)}"
    return matches[0]


def _container(documents: list[dict[str, Any]]) -> dict[str, Any]:
    containers = _only(documents, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["llama-stack"]
    container: dict[str, Any] = containers[0]
    return container


def _env(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = _container(documents).get("env", [])
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


def _default_run_config() -> dict[str, Any]:
    run_config: dict[str, Any] = chart_default_values(CURRENT)["runConfig"]
    return copy.deepcopy(run_config)


# --- legacy chart: VECTOR_STORE_* env vars ----------------------------------


def test_legacy_defaults_render_the_four_vector_store_env_vars() -> None:
    env = _env_values(render_documents(LEGACY))

    assert {name: env.get(name) for name in VECTOR_STORE_DEFAULTS} == VECTOR_STORE_DEFAULTS


def test_legacy_defaults_render_the_runtime_env_vars() -> None:
    env = _env_values(render_documents(LEGACY))

    assert {name: env.get(name) for name in RUNTIME_ENV_DEFAULTS} == RUNTIME_ENV_DEFAULTS
    assert "RUN_CONFIG_PATH" not in env


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
        "VECTOR_STORE_EMBEDDING_DIMENSION": "4096",
    }


@pytest.mark.parametrize(
    ("overlay", "absent"),
    [
        ({"defaultProvider": None}, "VECTOR_STORE_DEFAULT_PROVIDER"),
        ({"embedding": {"provider": None}}, "VECTOR_STORE_EMBEDDING_PROVIDER"),
        ({"embedding": {"model": ""}}, "VECTOR_STORE_EMBEDDING_MODEL"),
        ({"embedding": {"dimension": None}}, "VECTOR_STORE_EMBEDDING_DIMENSION"),
    ],
)
def test_legacy_empty_vector_store_value_leaves_its_env_var_out(
    overlay: dict[str, Any], absent: str
) -> None:
    env = _env_values(render_documents(LEGACY, {"vectorStore": overlay}))

    assert absent not in env
    expected = {name: value for name, value in VECTOR_STORE_DEFAULTS.items() if name != absent}
    assert {name: env[name] for name in expected} == expected


def test_legacy_without_vector_store_section_renders_no_vector_store_env() -> None:
    env = _env_values(render_documents(LEGACY, {"vectorStore": None}))

    assert not [name for name in env if name.startswith("VECTOR_STORE_")]


def test_legacy_optional_runtime_env_vars_can_be_unset() -> None:
    env = _env_values(render_documents(LEGACY, {"vllm": {"url": None}, "milvus": {"url": ""}}))

    assert "VLLM_URL" not in env
    assert "MILVUS_URL" not in env
    assert env["MILVUS_DB_PATH"] == RUNTIME_ENV_DEFAULTS["MILVUS_DB_PATH"]


def test_legacy_extra_env_map_adds_values_and_value_from_entries() -> None:
    secret_ref = {"valueFrom": {"secretKeyRef": {"name": "vllm-token", "key": "token"}}}
    overlay = {"env": {"VLLM_MAX_TOKENS": 8192, "ZZ_NOTE": "on", "VLLM_API_TOKEN": secret_ref}}

    entries = _env(render_documents(LEGACY, overlay))

    by_name = {entry["name"]: entry for entry in entries}
    assert by_name["VLLM_MAX_TOKENS"] == {"name": "VLLM_MAX_TOKENS", "value": "8192"}
    assert by_name["ZZ_NOTE"] == {"name": "ZZ_NOTE", "value": "on"}
    assert by_name["VLLM_API_TOKEN"] == {"name": "VLLM_API_TOKEN", **secret_ref}
    # The extra entries come after the chart's own ones, in name order.
    assert [entry["name"] for entry in entries[-3:]] == [
        "VLLM_API_TOKEN",
        "VLLM_MAX_TOKENS",
        "ZZ_NOTE",
    ]


@pytest.mark.parametrize(
    ("release", "fullname"),
    [
        ("llama-stack", "llama-stack"),
        ("prod", "prod-llama-stack"),
        ("my-llama-stack", "my-llama-stack"),
    ],
)
def test_legacy_objects_are_named_after_release_and_namespace(release: str, fullname: str) -> None:
    documents = render_documents(LEGACY, release=release, namespace="ai")

    assert sorted(doc["kind"] for doc in documents) == [
        "Deployment",
        "PersistentVolumeClaim",
        "Service",
    ]
    for doc in documents:
        assert doc["metadata"]["name"] == fullname
        assert doc["metadata"]["namespace"] == "ai"
        assert doc["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        assert doc["metadata"]["labels"]["app.kubernetes.io/instance"] == release
    container = _container(documents)
    assert container["image"] == "ghcr.io/tu-wien-datalab/llama-stack:main"


def test_legacy_without_persistence_skips_the_claim() -> None:
    rendered = render(LEGACY, {"persistence": {"enabled": False}})

    assert "llama-stack/templates/pvc.yaml" not in rendered
    documents = render_documents(LEGACY, {"persistence": {"enabled": False}})
    volumes = _only(documents, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "data-volume", "emptyDir": {}}]


# --- new chart: runConfig ConfigMap ------------------------------------------


def test_current_chart_default_run_config_matches_the_builtin_profile() -> None:
    profile = yaml.safe_load(PROFILE_CHART_VALUES.read_text(encoding="utf-8"))

    assert chart_default_values(CURRENT)["runConfig"] == profile["runConfig"]
    assert "vectorStore" not in chart_default_values(CURRENT)


@pytest.mark.parametrize(
    ("release", "fullname"), [("llama-stack", "llama-stack"), ("prod", "prod-llama-stack")]
)
def test_current_chart_config_map_holds_the_default_run_config(release: str, fullname: str) -> None:
    documents = render_documents(CURRENT, release=release, namespace="ai")

    config_map = _only(documents, "ConfigMap")
    assert config_map["metadata"]["name"] == f"{fullname}-config"
    assert config_map["metadata"]["namespace"] == "ai"
    assert list(config_map["data"]) == ["run.yaml"]
    assert _run_yaml(documents) == _default_run_config()


def test_current_chart_deployment_reads_run_yaml_from_the_config_map() -> None:
    documents = render_documents(CURRENT, release="prod")

    container = _container(documents)
    assert container["env"][0] == {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}
    assert {
        "name": "config-volume",
        "mountPath": "/etc/llama-stack",
        "readOnly": True,
    } in container["volumeMounts"]
    volumes = _only(documents, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "config-volume", "configMap": {"name": "prod-llama-stack-config"}} in volumes
    assert _only(documents, "ConfigMap")["metadata"]["name"] == "prod-llama-stack-config"


def test_current_chart_has_no_vector_store_env_but_the_same_runtime_env() -> None:
    overlay = {"env": {"EXTRA": "1"}, "vectorStore": {"defaultProvider": "milvus"}}
    current = _env(render_documents(CURRENT, overlay))
    legacy = _env(render_documents(LEGACY, overlay))

    assert not [entry for entry in current if entry["name"].startswith("VECTOR_STORE_")]
    legacy_runtime = [entry for entry in legacy if not entry["name"].startswith("VECTOR_STORE_")]
    assert current[1:] == legacy_runtime


def test_current_chart_overlay_changes_exactly_that_key() -> None:
    overlay = {"runConfig": {"vector_stores": {"default_provider_id": "milvus"}}}

    run_yaml = _run_yaml(render_documents(CURRENT, overlay))

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

    vector_stores = _run_yaml(render_documents(CURRENT, overlay))["vector_stores"]

    assert vector_stores == {
        "default_provider_id": "faiss",
        "default_embedding_model": {
            "provider_id": "sentence-transformers",
            "model_id": "intfloat/e5-mistral-7b-instruct",
        },
    }


def test_helm_merge_lists_are_replaced_whole() -> None:
    # One item that changes only the dimension: if Helm merged lists item by
    # item, the other keys of the default model would survive.
    overlay = {
        "runConfig": {
            "registered_resources": {"models": [{"metadata": {"embedding_dimension": 4096}}]}
        }
    }

    run_yaml = _run_yaml(render_documents(CURRENT, overlay))

    assert run_yaml["registered_resources"]["models"] == [
        {"metadata": {"embedding_dimension": 4096}}
    ]
    default_shields = _default_run_config()["registered_resources"]["shields"]
    assert run_yaml["registered_resources"]["shields"] == default_shields


def test_helm_merge_null_deletes_a_default_key() -> None:
    overlay = {
        "runConfig": {
            "safety": None,
            "vector_stores": {"default_embedding_model": None},
        }
    }

    run_yaml = _run_yaml(render_documents(CURRENT, overlay))

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
]


def test_values_through_helm_to_yaml_read_back_with_pyyaml() -> None:
    probe = {key: value for key, value, _, _ in THROUGH_TOYAML}

    documents = render_documents(CURRENT, {"runConfig": {"probe": probe}})

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


# --- support helpers ----------------------------------------------------------


def test_render_manifest_text_is_helm_template_output() -> None:
    text = render_manifest_text(CURRENT, {"env": {"EXTRA": "x"}}, release="prod", namespace="ai")

    assert text.startswith("---\n# Source: llama-stack/templates/configmap.yaml\napiVersion: v1\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    sources = [line for line in text.splitlines() if line.startswith("# Source: ")]
    # Helm's install order: by kind, not by file name.
    assert sources == [
        "# Source: llama-stack/templates/configmap.yaml",
        "# Source: llama-stack/templates/pvc.yaml",
        "# Source: llama-stack/templates/service.yaml",
        "# Source: llama-stack/templates/deployment.yaml",
    ]
    assert text.count("---\n# Source: ") == len(sources)
    parsed = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    expected = render_documents(CURRENT, {"env": {"EXTRA": "x"}}, release="prod", namespace="ai")
    assert sorted(parsed, key=itemgetter("kind")) == sorted(expected, key=itemgetter("kind"))


def test_render_skips_notes_and_keys_by_template_path() -> None:
    rendered = render(CURRENT)

    assert list(rendered) == [
        "llama-stack/templates/configmap.yaml",
        "llama-stack/templates/deployment.yaml",
        "llama-stack/templates/pvc.yaml",
        "llama-stack/templates/service.yaml",
    ]
    assert all(text.strip() for text in rendered.values())
