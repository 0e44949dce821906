"""``migrate convert`` end to end, through the installed command as a user runs it."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.support import helm
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "fixtures" / "manifests"
DEMO = MANIFESTS / "demo"

# The customisation example of the chart's configuration summary (Milvus, vLLM-served
# e5-mistral-7b-instruct, 4096 dimensions), as data.
SEED_OVERLAY: dict[str, Any] = {
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


def files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def convert_seed(output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``migrate convert`` of the seed example into ``output``, findings not failing the run."""
    return migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "seed-example.yaml"),
        "-d",
        str(output),
        *extra,
    )


def test_seed_example_gives_the_seed_overlay_and_nothing_more(tmp_path: Path) -> None:
    run = convert_seed(tmp_path)
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "research" / "llama-stack"
    assert sorted(p.name for p in folder.iterdir()) == [
        "configmap.yaml",
        "deployment.yaml",
        "values-overlay.yaml",
    ]
    overlay = yaml.safe_load((folder / "values-overlay.yaml").read_text())
    assert overlay == SEED_OVERLAY
    text = (folder / "values-overlay.yaml").read_text()
    assert "embedding_dimension: 4096  # VECTOR_STORE_EMBEDDING_DIMENSION" in text
    assert "default_provider_id: milvus  # VECTOR_STORE_DEFAULT_PROVIDER" in text


def test_defaults_give_no_overlay_keys(tmp_path: Path) -> None:
    run = migrate(
        "convert", "--fail-on", "none", "-f", str(DEMO / "defaults.yaml"), "-d", str(tmp_path)
    )
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "default" / "llama-stack"
    assert yaml.safe_load((folder / "values-overlay.yaml").read_text()) == {}
    deployment = yaml.safe_load((folder / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert [e["name"] for e in container["env"]] == ["RUN_CONFIG_PATH", "HOME"]


def test_configmap_holds_the_chart_defaults_merged_with_the_overlay(tmp_path: Path) -> None:
    assert convert_seed(tmp_path).returncode == 0
    folder = tmp_path / "research" / "llama-stack"
    configmap = yaml.safe_load((folder / "configmap.yaml").read_text())
    assert configmap["metadata"] == {
        "name": "llama-stack-config",
        "namespace": "research",
        "labels": {
            "app.kubernetes.io/name": "llama-stack",
            "app.kubernetes.io/instance": "llama-stack",
        },
    }
    run_yaml = yaml.safe_load(configmap["data"]["run.yaml"])
    defaults = helm.chart_default_values(helm.FIXTURE_CHARTS / "llama-stack")["runConfig"]
    assert run_yaml["vector_stores"] == SEED_OVERLAY["runConfig"]["vector_stores"]
    assert (
        run_yaml["registered_resources"]["models"]
        == (SEED_OVERLAY["runConfig"]["registered_resources"]["models"])
    )
    assert run_yaml["providers"] == defaults["providers"]
    assert set(run_yaml) == set(defaults)


def test_patched_manifest_points_the_pod_at_the_configmap(tmp_path: Path) -> None:
    assert convert_seed(tmp_path).returncode == 0
    deployment = yaml.safe_load((tmp_path / "research/llama-stack/deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    env = pod["containers"][0]["env"]
    assert env[0] == {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}
    assert not [e for e in env if e["name"].startswith("VECTOR_STORE_")]
    assert pod["containers"][0]["volumeMounts"][0] == {
        "name": "config-volume",
        "mountPath": "/etc/llama-stack",
        "readOnly": True,
    }
    assert pod["volumes"][0] == {
        "name": "config-volume",
        "configMap": {"name": "llama-stack-config"},
    }


def test_converting_converted_output_changes_nothing(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert (
        migrate("convert", "--fail-on", "none", "-R", "-f", str(DEMO), "-d", str(first)).returncode
        == 0
    )
    before = files(first)
    second = tmp_path / "second"
    run = migrate("convert", "--fail-on", "none", "-R", "-f", str(first), "-d", str(second))
    assert run.returncode == 0, run.stderr
    assert not second.exists()
    assert files(first) == before
    workloads = [
        line for line in run.stdout.splitlines() if line.startswith(("Deployment", "StatefulSet"))
    ]
    assert workloads and all(line.endswith(": already migrated") for line in workloads)


def test_stdout_prints_manifests_and_writes_nothing(tmp_path: Path) -> None:
    text = (DEMO / "seed-example.yaml").read_text()
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        "-",
        "--stdout",
        "-d",
        str(tmp_path / "out"),
        stdin=text,
    )
    assert run.returncode == 0, run.stderr
    documents = list(yaml.safe_load_all(run.stdout))
    assert [d["kind"] for d in documents] == ["ConfigMap", "Deployment"]
    assert not (tmp_path / "out").exists()
    assert "1 to migrate" in run.stderr


def test_existing_output_is_not_overwritten_without_force(tmp_path: Path) -> None:
    target = tmp_path / "research" / "llama-stack" / "configmap.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    run = convert_seed(tmp_path)
    assert run.returncode == 2
    assert "--force" in run.stderr and "Traceback" not in run.stderr
    assert target.read_text() == "mine\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["configmap.yaml"]
    forced = convert_seed(tmp_path, "--force")
    assert forced.returncode == 0
    assert target.read_text().startswith("apiVersion: v1")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\n---\nkind: Deployment\nmetadata: {name: x\n")
    run = migrate("convert", "--fail-on", "none", "-f", str(bad), "-d", str(tmp_path / "out"))
    assert run.returncode == 2
    assert f"{bad}:6:1: invalid YAML:" in run.stderr and "',' or '}'" in run.stderr
    assert "flow mapping at line 5, column 11" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_secret_sourced_variable_stays_and_its_keys_read_it(tmp_path: Path) -> None:
    run = migrate(
        "convert", "--fail-on", "none", "-f", str(DEMO / "team-config.yaml"), "-d", str(tmp_path)
    )
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "search" / "assistant"
    overlay = yaml.safe_load((folder / "values-overlay.yaml").read_text())
    assert overlay["runConfig"]["vector_stores"]["default_provider_id"] == (
        "${env.VECTOR_STORE_DEFAULT_PROVIDER:=faiss}"
    )
    assert overlay["runConfig"]["registered_resources"]["models"][0]["metadata"] == {
        "embedding_dimension": 384
    }
    assert "env" not in overlay
    statefulset = yaml.safe_load((folder / "statefulset.yaml").read_text())
    env = statefulset["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env] == ["RUN_CONFIG_PATH", "VECTOR_STORE_DEFAULT_PROVIDER"]
    assert "VECTOR_STORE_DEFAULT_PROVIDER (secretKeyRef) must still reach the pod" in run.stdout


def test_list_and_helm_template_inputs(tmp_path: Path) -> None:
    rendered = helm.render_manifest_text(
        helm.FIXTURE_CHARTS / "llama-stack-legacy",
        {"vectorStore": {"defaultProvider": "milvus"}},
        release="prod",
        namespace="ai",
    )
    run = migrate(
        "convert", "--fail-on", "none", "-f", "-", "-d", str(tmp_path / "helm"), stdin=rendered
    )
    assert run.returncode == 0, run.stderr
    overlay = yaml.safe_load(
        (tmp_path / "helm/ai/prod-llama-stack/values-overlay.yaml").read_text()
    )
    assert overlay == {"runConfig": {"vector_stores": {"default_provider_id": "milvus"}}}

    items = [yaml.safe_load((DEMO / n).read_text()) for n in ("seed-example.yaml", "defaults.yaml")]
    listing = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False)
    run = migrate(
        "convert", "--fail-on", "none", "-f", "-", "-d", str(tmp_path / "list"), stdin=listing
    )
    assert run.returncode == 0, run.stderr
    listed = files(tmp_path / "list")
    assert sorted(listed) == sorted(
        f"{ns}/llama-stack/{n}"
        for ns in ("default", "research")
        for n in ("configmap.yaml", "deployment.yaml", "values-overlay.yaml")
    )
    assert yaml.safe_load(listed["research/llama-stack/values-overlay.yaml"]) == SEED_OVERLAY


@pytest.mark.parametrize("fixture", sorted(p.name for p in MANIFESTS.rglob("*.yaml")))
def test_patched_manifests_pass_strict_schema_validation(tmp_path: Path, fixture: str) -> None:
    (source,) = MANIFESTS.rglob(fixture)
    run = migrate("convert", "--fail-on", "none", "-f", str(source), "-d", str(tmp_path))
    assert run.returncode == 0, run.stderr
    outputs = [p for p in tmp_path.rglob("*.yaml") if p.name != "values-overlay.yaml"]
    for path in outputs:
        document: Any = yaml.safe_load(path.read_text())
        kubernetes_validate.validate(document, "1.33", strict=True)


def test_untouched_lines_stay_byte_identical(tmp_path: Path) -> None:
    source = MANIFESTS / "commented.yaml"
    run = migrate("convert", "--fail-on", "none", "-f", str(source), "-d", str(tmp_path))
    assert run.returncode == 0, run.stderr
    (patched_path,) = tmp_path.rglob("deployment.yaml")
    original = source.read_text().splitlines(keepends=True)
    patched = patched_path.read_text().splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=original, b=patched, autojunk=False)
    removed: list[str] = []
    added: list[str] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        assert tag in ("equal", "delete", "insert"), (tag, original[a1:a2], patched[b1:b2])
        removed += original[a1:a2] if tag == "delete" else []
        added += patched[b1:b2] if tag == "insert" else []
    # Exactly the three migrated entries go, nothing else; the comments around them stay.
    start = original.index(
        "                # --- vector store: the part that moves to runConfig ---\n"
    )
    end = original.index("                # keep this one last\n")
    assert removed == original[start + 1 : end]
    assert "".join(added).count("RUN_CONFIG_PATH") == 1
    assert "".join(added).count("name: config-volume") == 2
    assert all("#" not in line for line in added)
    # New lines follow the file's own four-space sequence style.
    assert "                -   name: RUN_CONFIG_PATH\n" in added


def test_preserve_behavior_pins_the_inference_providers_as_the_pod_ran_them(
    tmp_path: Path,
) -> None:
    seed = str(DEMO / "seed-example.yaml")
    adopted = migrate("convert", "--fail-on", "none", "-f", seed, "-d", str(tmp_path / "a"))
    assert "[chart-default-hazard]" in adopted.stdout and "this pod sets VLLM_URL" in adopted.stdout
    run = migrate(
        "convert", "--fail-on", "none", "-f", seed, "-d", str(tmp_path / "p"), "--preserve-behavior"
    )
    assert run.returncode == 0, run.stderr
    assert "[chart-default-hazard]" not in run.stdout
    overlay = yaml.safe_load((tmp_path / "p/research/llama-stack/values-overlay.yaml").read_text())
    template = yaml.safe_load((ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_text())
    assert overlay["runConfig"]["providers"] == {"inference": template["providers"]["inference"]}
    assert "allowed_models" not in str(overlay)
    assert {k: v for k, v in overlay["runConfig"].items() if k != "providers"} == (
        SEED_OVERLAY["runConfig"]
    )


def test_pods_without_vllm_get_no_hazard_warning(tmp_path: Path) -> None:
    run = migrate(
        "convert", "--fail-on", "none", "-f", str(DEMO / "defaults.yaml"), "-d", str(tmp_path)
    )
    assert run.returncode == 0, run.stderr
    assert "chart-default drift, adopted" in run.stdout
    assert "providers.inference[0].config.allowed_models: (absent) -> []" in run.stdout
    assert "[chart-default-hazard]" not in run.stdout


def test_help_does_not_import_the_kubernetes_client() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['migrate', '--help']\n"
        "try:\n    runpy.run_module('migrate', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('kubernetes', 'deepdiff', 'ruamel', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "convert" in run.stdout
    assert "HEAVY []" in run.stdout


def test_stdout_stream_keeps_one_document_per_object() -> None:
    run = migrate("convert", "--fail-on", "none", "-R", "-f", str(MANIFESTS), "--stdout")
    assert run.returncode == 0, run.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(run.stdout)]
    assert kinds == ["ConfigMap", "Deployment"] * 3 + ["ConfigMap", "StatefulSet"]


def test_json_input_stays_json(tmp_path: Path) -> None:
    source = tmp_path / "deploy.json"
    source.write_text(
        json.dumps(yaml.safe_load((DEMO / "seed-example.yaml").read_text()), indent=2)
    )
    run = migrate("convert", "--fail-on", "none", "-f", str(source), "-d", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    patched = json.loads((tmp_path / "out/research/llama-stack/deployment.yaml").read_text())
    env = patched["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0]["name"] == "RUN_CONFIG_PATH"
    assert "VECTOR_STORE_DEFAULT_PROVIDER" not in json.dumps(env)


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    bad = tmp_path / "dup.yaml"
    bad.write_text("# header\napiVersion: apps/v1\nkind: Deployment\nkind: StatefulSet\n")
    run = migrate("convert", "--fail-on", "none", "-f", str(bad), "-d", str(tmp_path / "out"))
    assert run.returncode == 2
    assert f"{bad}:4:1: invalid YAML: found duplicate key 'kind' (first at line 3)" in run.stderr
    assert "Traceback" not in run.stderr
