"""The profile in-process: the built-in data, each option of ``load``, and what follows
from the template (mapping, readers, legacy placeholders, baseline)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from migrate.chart import profile
from migrate.chart.profile import Hazard, OlderImage
from migrate.errors import InputError
from migrate.yaml.io import same
from tests.support import helm

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN_TEMPLATE = ROOT / "migrate" / "profiles" / "tuw-ai" / "template-run.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


# -- the built-in profile -------------------------------------------------------------------


def test_the_built_in_profile() -> None:
    chosen = profile.load()
    assert (chosen.name, chosen.template_source) == ("tuw-ai", "built-in profile tuw-ai")
    assert same(chosen.template, yaml.safe_load(BUILT_IN_TEMPLATE.read_text("utf-8")))
    assert chosen.target.name == "modular" and chosen.target is chosen.targets["modular"]
    assert chosen.chart_source == "built-in target modular"
    assert chosen.chart_defaults is chosen.target.defaults
    assert chosen.migrated_vars == ("VECTOR_STORE_*",)
    assert chosen.run_config_path == "/etc/llama-stack/run.yaml"
    assert (chosen.env_name, chosen.file_name, chosen.volume_name) == (
        "RUN_CONFIG_PATH",
        "run.yaml",
        "config-volume",
    )
    assert chosen.configmap_for("team-a") == "team-a-config"
    assert chosen.container_images == ("*llama-stack*", "*llama_stack*", "*llamastack*")
    assert chosen.container_names == ("llama-stack",)
    assert chosen.container_env == ("VECTOR_STORE_*", "RUN_CONFIG_PATH")
    assert chosen.container_exclude == ("*llama-stack-k8s-operator*", "*llama-stack-operator*")


def test_older_images_and_hazards_with_their_messages_on_one_line() -> None:
    chosen = profile.load()
    (older,) = chosen.older_images
    assert older.when_set == (
        "VECTOR_STORE_DEFAULT_PROVIDER",
        "VECTOR_STORE_EMBEDDING_PROVIDER",
        "VECTOR_STORE_EMBEDDING_MODEL",
    )
    assert older.when_unset == "VECTOR_STORE_EMBEDDING_DIMENSION"
    assert older.message.startswith("sets three VECTOR_STORE_* variables but not ")
    assert older.message.endswith("default dimension 768 may not be what the pod ran")
    assert "\n" not in older.message and "  " not in older.message
    assert chosen.hazards == (
        Hazard(
            key="allowed_models",
            when_set="VLLM_URL",
            message="the chart's default adds allowed_models: [] to the vLLM provider, and "
            "under Llama Stack 0.3.3 an empty list refuses every model of that provider "
            "(chat and vLLM-served embeddings alike)",
        ),
    )


def test_the_legacy_values_section_and_its_variables() -> None:
    chosen = profile.load()
    assert chosen.legacy_section == "vectorStore"
    assert chosen.legacy_values == (
        (("defaultProvider",), "VECTOR_STORE_DEFAULT_PROVIDER"),
        (("embedding", "provider"), "VECTOR_STORE_EMBEDDING_PROVIDER"),
        (("embedding", "model"), "VECTOR_STORE_EMBEDDING_MODEL"),
        (("embedding", "dimension"), "VECTOR_STORE_EMBEDDING_DIMENSION"),
    )


def test_the_mapping_readers_and_legacy_of_the_built_in_template() -> None:
    chosen = profile.load()
    assert chosen.mapping() == {
        "VECTOR_STORE_EMBEDDING_MODEL": [
            ("registered_resources", "models", 0, "model_id"),
            ("registered_resources", "models", 0, "provider_model_id"),
            ("vector_stores", "default_embedding_model", "model_id"),
        ],
        "VECTOR_STORE_EMBEDDING_PROVIDER": [
            ("registered_resources", "models", 0, "provider_id"),
            ("vector_stores", "default_embedding_model", "provider_id"),
        ],
        "VECTOR_STORE_EMBEDDING_DIMENSION": [
            ("registered_resources", "models", 0, "metadata", "embedding_dimension")
        ],
        "VECTOR_STORE_DEFAULT_PROVIDER": [("vector_stores", "default_provider_id")],
    }
    assert chosen.mapping() is chosen.mapping()  # walked once per profile
    # Readers are every variable, migrated or not.
    assert chosen.readers["VLLM_URL"] == [
        ("providers", "inference", 0, "provider_id"),
        ("providers", "inference", 0, "config", "url"),
    ]
    assert {k: v for k, v in chosen.readers.items() if k in chosen.mapping()} == chosen.mapping()
    assert len(chosen.readers) == 26
    assert chosen.legacy == []


def test_the_baseline_is_the_template_with_no_migrated_variable_set() -> None:
    chosen = profile.load()
    baseline = chosen.baseline(None)
    assert baseline["vector_stores"] == {
        "default_provider_id": "faiss",
        "default_embedding_model": {
            "provider_id": "sentence-transformers",
            "model_id": "nomic-ai/nomic-embed-text-v1.5",
        },
    }
    # Variables that are not migrated keep their placeholders.
    assert baseline["providers"]["inference"][0]["config"]["url"] == "${env.VLLM_URL:=}"
    assert chosen.baseline(None) is baseline  # one per HOME, shared


# -- the options of load -------------------------------------------------------------------


def test_an_own_template_replaces_the_built_in_one(tmp_path: Path) -> None:
    template = write(
        tmp_path / "run.yaml",
        """\
        apis: [vector_io]
        vector_stores:
          dir: ${env.VECTOR_STORE_DIR:=~/data}
          port: ${env.PORT:=1}
          old: ${env.VECTOR_STORE_OLD:default}
        """,
    )
    chosen = profile.load(template=template)
    assert chosen.template_source == str(template)
    assert chosen.mapping() == {"VECTOR_STORE_DIR": [("vector_stores", "dir")]}
    assert chosen.readers == {
        "VECTOR_STORE_DIR": [("vector_stores", "dir")],
        "PORT": [("vector_stores", "port")],
    }
    assert chosen.legacy == [(("vector_stores", "old"), "${env.VECTOR_STORE_OLD:default}")]
    # ~ in a default is the container's HOME.
    assert chosen.baseline("/home/lls")["vector_stores"]["dir"] == "/home/lls/data"
    assert chosen.baseline(None)["vector_stores"]["dir"] == "${env.VECTOR_STORE_DIR:=~/data}"
    # The target is the built-in one still.
    assert chosen.target is chosen.targets["modular"]


def test_a_template_that_cannot_be_read_names_the_file(tmp_path: Path) -> None:
    def refused(template: Path) -> str:
        with pytest.raises(InputError) as caught:
            profile.load(template=template)
        return str(caught.value)

    listed = write(tmp_path / "list.yaml", "- a\n")
    assert refused(listed) == (
        f"{listed}:1: not a Llama Stack run.yaml (expected a mapping with 'providers' or 'apis')"
    )
    broken = write(tmp_path / "broken.yaml", "apis: [a\nproviders: {}\n")
    assert refused(broken).startswith(f"{broken}:2:")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"apis: [caf\xe9]\n")
    assert refused(latin) == f"{latin}: not UTF-8 text (byte 10)"
    missing = tmp_path / "missing.yaml"
    assert refused(missing) == f"{missing}: cannot read: No such file or directory"


def test_each_built_in_target_and_an_unknown_one() -> None:
    for name in ("runconfig", "modular", "modular-1543ca5"):
        chosen = profile.load(target=name)
        assert chosen.target.name == name
        assert chosen.target is chosen.targets[name]
    with pytest.raises(InputError) as caught:
        profile.load(target="nope")
    assert str(caught.value) == (
        "--target nope: no such target; the built-in targets are runconfig, modular, "
        "modular-1543ca5 (`migrate targets` describes them)"
    )


def test_a_chart_is_the_target_and_is_not_named_twice() -> None:
    chosen = profile.load(chart=helm.RUNCONFIG)
    assert chosen.target.name == "runconfig" and chosen.target.chart == helm.RUNCONFIG
    assert chosen.chart_source == str(helm.RUNCONFIG)
    assert chosen.targets == profile.load().targets  # the built-in ones stay listed
    with pytest.raises(InputError) as caught:
        profile.load(chart=helm.RUNCONFIG, target="runconfig")
    assert str(caught.value) == "--target and --chart name the target twice; give one of them"


def test_release_values_merge_in_order_onto_the_chosen_target(tmp_path: Path) -> None:
    one = write(tmp_path / "one.yaml", "vectorStores:\n  default_provider_id: milvus\n")
    two = write(tmp_path / "two.yaml", "vectorStores:\n  default_provider_id: qdrant\n")
    empty = write(tmp_path / "empty.yaml", "# nothing\n")
    chosen = profile.load(values=(one, two, empty))
    assert chosen.target.release_values == (str(one), str(two), str(empty))
    assert chosen.target.release_data == (
        {"vectorStores": {"default_provider_id": "milvus"}},
        {"vectorStores": {"default_provider_id": "qdrant"}},
        {},
    )
    assert chosen.chart_defaults["vector_stores"]["default_provider_id"] == "qdrant"
    # The built-in target itself is not changed for other loads.
    assert chosen.targets["modular"].release_values == ()
    seed = profile.load(target="runconfig", values=(one,))
    assert seed.target.name == "runconfig"
    # The modular key is no runConfig key: it is merged but renders nothing.
    assert seed.chart_defaults == profile.load(target="runconfig").chart_defaults


def test_release_values_that_cannot_be_read_name_the_file_and_line(tmp_path: Path) -> None:
    def refused(values: Path) -> str:
        with pytest.raises(InputError) as caught:
            profile.load(values=(values,))
        return str(caught.value)

    listed = write(tmp_path / "list.yaml", "- a\n")
    assert refused(listed) == f"{listed}:1: Helm values must be a mapping, not a list"
    broken = write(tmp_path / "broken.yaml", "a: 1\nb: c: d\n")
    assert refused(broken).startswith(f"{broken}:2:")
    missing = tmp_path / "missing.yaml"
    assert refused(missing) == f"{missing}: cannot read: No such file or directory"


def test_extra_variables_widen_the_migrated_set() -> None:
    chosen = profile.load(extra_vars=("VLLM_URL", "MILVUS_*"))
    assert chosen.migrated_vars == ("VECTOR_STORE_*", "VLLM_URL", "MILVUS_*")
    assert chosen.mapping()["VLLM_URL"] == chosen.readers["VLLM_URL"]
    assert chosen.mapping()["MILVUS_DB_PATH"] == [
        ("providers", "vector_io", 2, "config", "db_path")
    ]
    assert "MILVUS_URL" in chosen.mapping() and "VLLM_MAX_TOKENS" not in chosen.mapping()


def test_an_extra_variable_that_holds_a_credential_needs_allow_credentials() -> None:
    with pytest.raises(InputError) as caught:
        profile.load(extra_vars=("VLLM_*",))
    assert str(caught.value) == (
        "--migrate-var VLLM_*: would bake VLLM_API_TOKEN into the ConfigMap, and it looks "
        "like a credential; ConfigMaps are not secret. Pass --allow-credentials to do it anyway"
    )
    with pytest.raises(InputError) as caught:
        profile.load(extra_vars=("PGVECTOR_HOST", "*_API_KEY"))
    assert str(caught.value).startswith(
        "--migrate-var *_API_KEY: would bake BRAVE_SEARCH_API_KEY, OPENAI_API_KEY, "
        "QDRANT_API_KEY, TAVILY_SEARCH_API_KEY into the ConfigMap, and these look like a "
        "credential; "
    )
    with pytest.raises(InputError, match=r"^--migrate-var QDRANT_\*: would bake QDRANT_API_KEY "):
        profile.load(extra_vars=("QDRANT_*",))
    allowed = profile.load(extra_vars=("VLLM_*",), allow_credentials=True)
    assert "VLLM_API_TOKEN" in allowed.mapping()


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("OPENAI_API_KEY", True),
        ("VLLM_API_TOKEN", True),
        ("DBPASSWORD", True),
        ("db-passwd", True),
        ("GITHUB_PAT", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("SSH_PRIVATE_KEY", True),
        ("MAX_TOKENS", False),
        ("VLLM_MAX_TOKENS", False),
        ("KEYCLOAK_URL", False),
        ("PATH", False),
        ("VECTOR_STORE_EMBEDDING_MODEL", False),
    ],
)
def test_names_that_look_like_credentials(name: str, credential: bool) -> None:
    assert profile.looks_like_credential(name) is credential


# -- a profile of other data ---------------------------------------------------------------

MINIMAL = """\
name: small
template: template.yaml
layouts:
  whole:
    whole: config
targets:
  - name: only
    layout: whole
    values: values.yaml
    description: |
      one
      chart
default_target: only
migrated_vars: [APP_*]
run_config:
  env_name: CONFIG
  mount_path: /etc/app/
  file_name: app.yaml
  configmap_name: "{workload}-app"
  volume_name: app
container:
  images: ["*app*"]
  names: [app]
  env: [APP_*]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A profile folder that ``load`` reads in place of the package data."""
    monkeypatch.setattr(profile, "resources", SimpleNamespace(files=lambda package: tmp_path))
    home = tmp_path / "small"
    home.mkdir()
    write(home / "template.yaml", "apis: [x]\nsetting: ${env.APP_SETTING:=on}\n")
    write(home / "values.yaml", "config:\n  apis: [x]\n")
    write(home / "profile.yaml", MINIMAL)
    return home


def test_the_optional_parts_of_a_profile_default_to_none(folder: Path) -> None:
    chosen = profile.load("small")
    assert chosen.name == "small" and chosen.template_source == "built-in profile small"
    assert chosen.target.name == "only" and chosen.target.description == "one chart"
    assert chosen.target.defaults == {"apis": ["x"]}
    assert chosen.run_config_path == "/etc/app/app.yaml"
    assert chosen.configmap_for("w") == "w-app"
    assert chosen.mapping() == {"APP_SETTING": [("setting",)]}
    assert (chosen.container_exclude, chosen.older_images, chosen.hazards) == ((), (), ())
    assert (chosen.legacy_section, chosen.legacy_values) == ("", ())


def test_profile_data_that_is_not_usable_is_refused(folder: Path) -> None:
    write(folder / "values.yaml", "- 1\n")
    with pytest.raises(InputError) as caught:
        profile.load("small")
    assert str(caught.value) == "profile small: values.yaml is not a mapping"
    write(folder / "values.yaml", "config:\n  other: 1\n")
    with pytest.raises(InputError, match=r"^built-in target only: the chart's values do not "):
        profile.load("small")
    write(folder / "profile.yaml", MINIMAL.replace("    whole: config\n", "    - config\n"))
    with pytest.raises(InputError) as caught:
        profile.load("small")
    assert str(caught.value) == "profile small: layout whole is not a mapping"
    write(folder / "values.yaml", "config:\n  apis: [x]\n")
    write(folder / "profile.yaml", MINIMAL)
    write(folder / "template.yaml", "setting: 1\n")
    with pytest.raises(InputError) as caught:
        profile.load("small")
    assert str(caught.value) == (
        "template.yaml:1: not a Llama Stack run.yaml "
        "(expected a mapping with 'providers' or 'apis')"
    )


def test_older_images_and_hazards_are_read_from_the_profile(folder: Path) -> None:
    extra = """\
older_images:
  - when_set: [APP_A, APP_B]
    when_unset: APP_C
    message: >-
      an older
      image
hazards:
  - key: k
    when_set: APP_A
    message: "a  chart
      default"
legacy_values:
  section: app
  variables:
    a.b: APP_A
"""
    write(folder / "profile.yaml", MINIMAL + extra)
    chosen = profile.load("small")
    assert chosen.older_images == (OlderImage(("APP_A", "APP_B"), "APP_C", "an older image"),)
    assert chosen.hazards == (Hazard("k", "APP_A", "a chart default"),)
    assert (chosen.legacy_section, chosen.legacy_values) == ("app", ((("a", "b"), "APP_A"),))
