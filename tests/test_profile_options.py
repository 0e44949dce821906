"""The user's own template, chart and migrated set, and workloads that cannot be migrated."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.support.cli import migrate
from tests.test_convert import DEMO, ROOT, SEED_OVERLAY

CHART = ROOT / "fixtures" / "charts" / "llama-stack"


def overlay_of(root: Path, namespace: str, name: str) -> object:
    return yaml.safe_load((root / namespace / name / "values-overlay.yaml").read_text())


def test_chart_defaults_come_from_the_given_chart(tmp_path: Path) -> None:
    same = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "seed-example.yaml"),
        "-d",
        str(tmp_path / "a"),
        "--chart",
        str(CHART),
    )
    assert same.returncode == 0, same.stderr
    assert overlay_of(tmp_path / "a", "research", "llama-stack") == SEED_OVERLAY

    # A chart whose default vector store is already milvus needs no override for it.
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    values = (chart / "values.yaml").read_text()
    (chart / "values.yaml").write_text(
        values.replace("default_provider_id: faiss", "default_provider_id: milvus", 1)
    )
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "seed-example.yaml"),
        "-d",
        str(tmp_path / "b"),
        "--chart",
        str(chart),
    )
    assert run.returncode == 0, run.stderr
    overlay = overlay_of(tmp_path / "b", "research", "llama-stack")
    assert isinstance(overlay, dict)
    assert "default_provider_id" not in overlay["runConfig"]["vector_stores"]
    # The pod at defaults ran faiss; the chart moved to milvus: that is named as drift.
    at_defaults = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "defaults.yaml"),
        "-d",
        str(tmp_path / "c"),
        "--chart",
        str(chart),
    )
    assert "vector_stores.default_provider_id" in at_defaults.stdout


def test_a_chart_without_run_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicaCount: 1\n")
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "defaults.yaml"),
        "--chart",
        str(tmp_path),
        "--stdout",
    )
    assert run.returncode == 2
    assert (
        f"{tmp_path / 'values.yaml'}:1: the chart's values have no 'runConfig' section"
        in run.stderr
    )
    assert "Traceback" not in run.stderr


def test_own_template_drives_the_mapping(tmp_path: Path) -> None:
    template = yaml.safe_load((ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_text())
    template["vector_stores"]["default_provider_id"] = "${env.VECTOR_STORE_BACKEND:=faiss}"
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(
        (DEMO / "defaults.yaml")
        .read_text()
        .replace("VECTOR_STORE_DEFAULT_PROVIDER", "VECTOR_STORE_BACKEND")
        .replace("value: faiss", "value: qdrant")
    )
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(manifest),
        "-d",
        str(tmp_path / "out"),
        "--template",
        str(path),
    )
    assert run.returncode == 0, run.stderr
    overlay = overlay_of(tmp_path / "out", "default", "llama-stack")
    assert overlay == {"runConfig": {"vector_stores": {"default_provider_id": "qdrant"}}}


def test_a_template_that_is_not_a_run_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("- just\n- a list\n")
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "defaults.yaml"),
        "--template",
        str(path),
        "--stdout",
    )
    assert run.returncode == 2
    assert f"{path}:1: not a Llama Stack run.yaml" in run.stderr


def test_migrate_var_widens_the_baked_set(tmp_path: Path) -> None:
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "seed-example.yaml"),
        "-d",
        str(tmp_path),
        "--migrate-var",
        "MILVUS_*",
    )
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "research" / "llama-stack"
    deployment = yaml.safe_load((folder / "deployment.yaml").read_text())
    names = [e["name"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert "MILVUS_URL" not in names and "MILVUS_DB_PATH" not in names
    run_yaml = yaml.safe_load(
        yaml.safe_load((folder / "configmap.yaml").read_text())["data"]["run.yaml"]
    )
    (milvus,) = [
        p for p in run_yaml["providers"]["vector_io"] if p["provider_type"] == "inline::milvus"
    ]
    assert milvus["provider_id"] == "milvus"
    assert (
        milvus["config"]["db_path"] == "/home/lls/.llama/distributions/starter/milvus.db/milvus.db"
    )


def test_a_workload_that_cannot_be_migrated_exits_1_and_others_still_convert(
    tmp_path: Path,
) -> None:
    elsewhere = (
        (DEMO / "defaults.yaml")
        .read_text()
        .replace(
            "          env:\n",
            "          env:\n"
            "            - name: RUN_CONFIG_PATH\n"
            "              value: /opt/run.yaml\n",
            1,
        )
    )
    stream = elsewhere + "---\n" + (DEMO / "seed-example.yaml").read_text()
    run = migrate("convert", "-f", "-", "-d", str(tmp_path), stdin=stream)
    assert run.returncode == 1
    assert "Deployment default/llama-stack: error" in run.stdout
    assert "RUN_CONFIG_PATH is already set to '/opt/run.yaml'" in run.stdout
    assert overlay_of(tmp_path, "research", "llama-stack") == SEED_OVERLAY
    assert not (tmp_path / "default").exists()


def test_legacy_dialect_in_a_template_is_reported(tmp_path: Path) -> None:
    template = yaml.safe_load((ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_text())
    template["server"]["port"] = "${env.LLAMA_STACK_PORT:8321}"
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "defaults.yaml"),
        "--template",
        str(path),
        "--stdout",
    )
    assert run.returncode == 0, run.stderr
    assert (
        "server.port: ${env.LLAMA_STACK_PORT:8321} is the pre-0.2.13 placeholder dialect"
        in run.stderr
    )
    assert "[legacy-placeholder]" in run.stderr


def test_values_that_cannot_be_inlined_stay_env_vars_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: llama-stack}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: llama-stack
          image: ghcr.io/tu-wien-datalab/llama-stack:main
          env:
            - {name: VECTOR_STORE_EMBEDDING_MODEL, value: "${env.X}"}
            - {name: VECTOR_STORE_EMBEDDING_PROVIDER, value: "~/models"}
"""
    )
    run = migrate("convert", "--fail-on", "none", "-f", str(path), "-d", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert "VECTOR_STORE_EMBEDDING_MODEL stays an env var" in run.stdout
    assert "contains '${env.'" in run.stdout
    assert "VECTOR_STORE_EMBEDDING_PROVIDER stays an env var" in run.stdout
    assert "HOME is not known" in run.stdout
    overlay = overlay_of(tmp_path / "out", "default", "llama-stack")
    assert isinstance(overlay, dict)
    assert overlay["env"] == {
        "VECTOR_STORE_EMBEDDING_MODEL": "${env.X}",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "~/models",
    }
    model = overlay["runConfig"]["vector_stores"]["default_embedding_model"]
    assert model == {
        "provider_id": "${env.VECTOR_STORE_EMBEDDING_PROVIDER:=sentence-transformers}",
        "model_id": "${env.VECTOR_STORE_EMBEDDING_MODEL:=nomic-ai/nomic-embed-text-v1.5}",
    }


def test_names_that_are_not_kubernetes_names_never_reach_the_file_system(tmp_path: Path) -> None:
    hostile = (
        (DEMO / "defaults.yaml").read_text().replace("name: llama-stack\n", "name: ../../x\n", 1)
    )
    run = migrate(
        "convert", "--fail-on", "none", "-f", "-", "-d", str(tmp_path / "out"), stdin=hostile
    )
    assert run.returncode == 2
    assert "metadata.name '../../x' is not a valid Kubernetes object name" in run.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "x").exists()


def test_migrate_var_refuses_to_move_a_credential_into_the_configmap(tmp_path: Path) -> None:
    seed = str(DEMO / "seed-example.yaml")
    refused = migrate("convert", "-f", seed, "--dry-run", "--migrate-var", "VLLM_*")
    assert refused.returncode == 2
    assert refused.stderr == (
        "error: --migrate-var VLLM_*: would bake VLLM_API_TOKEN into the ConfigMap, and it "
        "looks like a credential; ConfigMaps are not secret. Pass --allow-credentials to do "
        "it anyway\n"
    )
    allowed = migrate(
        "convert", "-f", seed, "--dry-run", "--fail-on", "none",
        "--migrate-var", "VLLM_*", "--allow-credentials",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
    # A glob that reaches no credential needs no permission.
    narrow = migrate(
        "convert", "-f", seed, "--dry-run", "--fail-on", "none", "--migrate-var", "VLLM_URL"
    )
    assert narrow.returncode == 0, narrow.stderr


def test_credential_names_are_told_from_lookalikes() -> None:
    from migrate.profile import looks_like_credential

    credentials = ["OPENAI_API_KEY", "VLLM_API_TOKEN", "PGVECTOR_PASSWORD", "CLIENT_SECRET"]
    credentials += ["HF_TOKEN", "DB_PASSWD", "GITHUB_PAT", "AWS_SECRET_ACCESS_KEY"]
    lookalikes = ["VLLM_MAX_TOKENS", "KEYCLOAK_URL", "AUTHOR", "MONKEY", "TOKENIZER_PATH"]
    assert [n for n in credentials + lookalikes if looks_like_credential(n)] == credentials
