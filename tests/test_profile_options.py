"""The user's own template, chart and migrated set, and workloads that cannot be migrated."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.support import helm
from tests.support.cli import migrate
from tests.test_convert import DEMO, ROOT, SEED_OVERLAY

# The seed example's overlay in the layout of the default target (the newest chart):
# one values key per run.yaml section instead of the whole run.yaml under runConfig.
SEED_RUN_YAML = SEED_OVERLAY["runConfig"]
SEED_MODULAR_OVERLAY = {
    "vectorStores": SEED_RUN_YAML["vector_stores"],
    "registeredResources": SEED_RUN_YAML["registered_resources"],
}
# The vLLM and OpenAI providers as the pod ran them (no allowed_models): what the overlay
# keeps, by default, against the seed chart's breaking allowed_models: [] default.
POD_INFERENCE = yaml.safe_load((ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_text())[
    "providers"
]["inference"]


def overlay_of(root: Path, namespace: str, name: str) -> object:
    return yaml.safe_load((root / namespace / name / "values-overlay.yaml").read_text())


def convert_seed(output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return migrate(
        "convert", "--fail-on", "none", "-f", str(DEMO / "seed-example.yaml"),
        "-d", str(output), *extra,
    )  # fmt: skip


def test_chart_defaults_come_from_the_given_chart(tmp_path: Path) -> None:
    # Each fixture chart, as a directory and packaged, is recognised as its built-in target.
    keeping = {"runConfig": {**SEED_RUN_YAML, "providers": {"inference": POD_INFERENCE}}}
    for chart, name, expected in (
        (helm.MODULAR, "modular", SEED_MODULAR_OVERLAY),
        (helm.RUNCONFIG, "runconfig", keeping),
    ):
        packaged = helm.package(chart, tmp_path / "packaged" / name)
        for given in (chart, packaged):
            out = tmp_path / "same" / name / given.suffix
            same = convert_seed(out, "--chart", str(given))
            assert same.returncode == 0, same.stderr
            assert same.stdout.startswith(f"target: {name} ({given}: as the "), same.stdout
            assert overlay_of(out, "research", "llama-stack") == expected, given
            (next_line,) = [ln for ln in same.stdout.splitlines() if ln.startswith("  next: ")]
            assert next_line.startswith(f"  next: helm upgrade --install llama-stack {given} ")
            assert next_line.endswith(f"  # target: {name}")

    # A chart whose default vector store is already milvus needs no override for it.
    chart = tmp_path / "chart"
    shutil.copytree(helm.MODULAR, chart)
    values = (chart / "values.yaml").read_text()
    assert values.count("default_provider_id: faiss") == 1
    (chart / "values.yaml").write_text(
        values.replace("default_provider_id: faiss", "default_provider_id: milvus")
    )
    run = convert_seed(tmp_path / "b", "--chart", str(chart))
    assert run.returncode == 0, run.stderr
    # Its defaults are none of the built-in targets': it is named as the chart.
    assert run.stdout.startswith(f"target: chart ({chart}: modular keys "), run.stdout
    overlay = overlay_of(tmp_path / "b", "research", "llama-stack")
    assert isinstance(overlay, dict)
    assert "runConfig" not in overlay
    assert "default_provider_id" not in overlay["vectorStores"]
    assert overlay["vectorStores"]["default_embedding_model"]["model_id"] == (
        "intfloat/e5-mistral-7b-instruct"
    )
    # The release's own values (--values) count as the chart's defaults in the same way.
    release = tmp_path / "release.yaml"
    release.write_text("vectorStores:\n  default_provider_id: milvus\n")
    run = convert_seed(tmp_path / "r", "--chart", str(helm.MODULAR), "--values", str(release))
    assert run.returncode == 0, run.stderr
    assert overlay_of(tmp_path / "r", "research", "llama-stack") == overlay
    # The pod at defaults ran faiss; the chart moved to milvus: that is named as drift.
    at_defaults = migrate(
        "convert", "--fail-on", "none", "-f", str(DEMO / "defaults.yaml"),
        "-d", str(tmp_path / "c"), "--chart", str(chart),
    )  # fmt: skip
    assert at_defaults.returncode == 0, at_defaults.stderr
    assert (
        "  chart-default drift, adopted (--preserve-behavior keeps what the pod ran):\n"
        "    vector_stores.default_provider_id: faiss -> milvus\n"
    ) in at_defaults.stdout


def test_a_chart_without_run_config_is_refused(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: llama-stack\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicaCount: 1\n")

    def refused(path: Path) -> str:
        run = migrate(
            "convert", "--fail-on", "none", "-f", str(DEMO / "defaults.yaml"),
            "--chart", str(path), "--stdout",
        )  # fmt: skip
        assert run.returncode == 2, run.stdout + run.stderr
        assert "Traceback" not in run.stderr
        assert run.stdout == ""
        return run.stderr

    # No template renders run.yaml: refused, saying what was looked for.
    looked = (
        "no template renders a ConfigMap with 'run.yaml'; looked in templates/ for a "
        "ConfigMap whose data key 'run.yaml' is rendered by either one `toYaml .Values.<key>`"
    )
    assert refused(chart).startswith(f"error: {chart}: {looked}")
    # The old chart (VECTOR_STORE_* env vars, no ConfigMap) is no target either.
    legacy = refused(helm.LEGACY)
    assert legacy.startswith(f"error: {helm.LEGACY}: {looked}")
    assert "the old chart sets VECTOR_STORE_* env vars and has no such ConfigMap" in legacy
    # The template renders run.yaml from runConfig, and the values have none: file and line.
    shutil.copy(helm.RUNCONFIG / "templates" / "configmap.yaml", chart / "templates")
    assert refused(chart) == (
        f"error: {chart / 'values.yaml'}:1: the chart renders run.yaml from 'runConfig', "
        "but its values have no such section\n"
    )
    (chart / "values.yaml").write_text("replicaCount: 1\nrunConfig:\n")
    assert refused(chart).startswith(f"error: {chart / 'values.yaml'}:2: the chart renders ")


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
    for target, expected in (
        ((), {"vectorStores": {"default_provider_id": "qdrant"}}),
        (
            ("--target", "runconfig"),
            {"runConfig": {"vector_stores": {"default_provider_id": "qdrant"}}},
        ),
    ):
        out = tmp_path / "out" / "-".join(target)
        run = migrate(
            "convert", "--fail-on", "none", "-f", str(manifest), "-d", str(out),
            "--template", str(path), *target,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert overlay_of(out, "default", "llama-stack") == expected, target


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
            "              valueFrom:\n"
            "                secretKeyRef: {name: paths, key: run}\n",
            1,
        )
    )
    stream = elsewhere + "---\n" + (DEMO / "seed-example.yaml").read_text()
    run = migrate("convert", "-f", "-", "-d", str(tmp_path), stdin=stream)
    assert run.returncode == 1
    assert "Deployment default/llama-stack: error" in run.stdout
    assert "RUN_CONFIG_PATH is already set to a value not known offline" in run.stdout
    assert overlay_of(tmp_path, "research", "llama-stack") == SEED_MODULAR_OVERLAY
    assert not (tmp_path / "default").exists()
    # Only the workload that converted has a next step.
    (next_line,) = [line for line in run.stdout.splitlines() if line.startswith("  next: ")]
    assert next_line.startswith("  next: helm upgrade --install llama-stack <chart> -n research ")


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
    # No Helm release manages the workload: the patched manifest is the next step, and it
    # keeps both variables as they were; no chart passes extra env vars, so no env: key.
    assert "[env-not-carried]" not in run.stdout
    assert "  next: kubectl -n <namespace> apply -f " in run.stdout
    folder = tmp_path / "out" / "default" / "llama-stack"
    deployment = yaml.safe_load((folder / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    kept = {e["name"]: e.get("value") for e in container["env"] if e["name"] != "RUN_CONFIG_PATH"}
    assert kept == {
        "VECTOR_STORE_EMBEDDING_MODEL": "${env.X}",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "~/models",
    }
    overlay = overlay_of(tmp_path / "out", "default", "llama-stack")
    assert isinstance(overlay, dict)
    assert "env" not in overlay and "runConfig" not in overlay
    model = overlay["vectorStores"]["default_embedding_model"]
    assert model == {
        "provider_id": "${env.VECTOR_STORE_EMBEDDING_PROVIDER:=sentence-transformers}",
        "model_id": "${env.VECTOR_STORE_EMBEDDING_MODEL:=nomic-ai/nomic-embed-text-v1.5}",
    }

    # A Helm release manages it: after `helm upgrade` the pod would lack both, an error each.
    path.write_text(
        path.read_text().replace(
            "metadata: {name: llama-stack}",
            "metadata:\n  name: llama-stack\n  annotations: {meta.helm.sh/release-name: ai}",
        )
    )
    helm_run = migrate("convert", "-f", str(path), "-d", str(tmp_path / "helm"))
    assert helm_run.returncode == 1, helm_run.stdout + helm_run.stderr
    errors = [line for line in helm_run.stdout.splitlines() if line.startswith("    error: ")]
    assert len(errors) == 2, errors
    for name, error in zip(
        ("VECTOR_STORE_EMBEDDING_MODEL", "VECTOR_STORE_EMBEDDING_PROVIDER"), errors, strict=True
    ):
        assert error.startswith(f"    error: {name} must stay an env var ("), error
        assert "the target chart (modular) has no values key for extra env vars" in error
        assert error.endswith("[env-not-carried]")
    assert "next:" not in helm_run.stdout
    helm_overlay = overlay_of(tmp_path / "helm", "default", "llama-stack")
    assert isinstance(helm_overlay, dict) and "env" not in helm_overlay


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
    from migrate.chart.profile import looks_like_credential

    credentials = ["OPENAI_API_KEY", "VLLM_API_TOKEN", "PGVECTOR_PASSWORD", "CLIENT_SECRET"]
    credentials += ["HF_TOKEN", "DB_PASSWD", "GITHUB_PAT", "AWS_SECRET_ACCESS_KEY"]
    lookalikes = ["VLLM_MAX_TOKENS", "KEYCLOAK_URL", "AUTHOR", "MONKEY", "TOKENIZER_PATH"]
    assert [n for n in credentials + lookalikes if looks_like_credential(n)] == credentials
