"""``migrate convert`` end to end, through the installed command as a user runs it."""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.support import helm
from tests.support.cli import migrate, python

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "fixtures" / "manifests"
DEMO = MANIFESTS / "demo"

# The customisation example of the chart's configuration summary (Milvus, vLLM-served
# e5-mistral-7b-instruct, 4096 dimensions), as the run.yaml sections it sets.
SEED_RUN_YAML: dict[str, Any] = {
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
# The same, in the seed chart's layout (--target runconfig): the whole run.yaml under runConfig.
SEED_OVERLAY: dict[str, Any] = {"runConfig": SEED_RUN_YAML}
# The same, in the newest chart's layout (the default target): one values key per section.
SEED_MODULAR_OVERLAY: dict[str, Any] = {
    "vectorStores": SEED_RUN_YAML["vector_stores"],
    "registeredResources": SEED_RUN_YAML["registered_resources"],
}
# The vLLM and OpenAI providers as the pod ran them (no allowed_models), from the image's run.yaml.
POD_INFERENCE: list[Any] = yaml.safe_load(
    (ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_text()
)["providers"]["inference"]


def files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def body(overlay_text: str) -> str:
    """An overlay without its header comment (which describes the target chart)."""
    return "".join(line for line in overlay_text.splitlines(True) if not line.startswith("#"))


def chart_run_yaml(chart: Path, values: dict[str, Any] | None) -> Any:
    """The run.yaml that ``chart`` renders into its ConfigMap with ``values``."""
    documents = helm.render_documents(chart, values, release="llama-stack", namespace="research")
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    assert configmap["metadata"]["name"] == "llama-stack-config"
    return yaml.safe_load(configmap["data"]["run.yaml"])


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
        "rollback",
        "values-overlay.yaml",
    ]
    # The default target is the newest chart: its modular keys, and no env: key.
    overlay = yaml.safe_load((folder / "values-overlay.yaml").read_text())
    assert overlay == SEED_MODULAR_OVERLAY
    text = (folder / "values-overlay.yaml").read_text()
    assert "embedding_dimension: 4096  # VECTOR_STORE_EMBEDDING_DIMENSION" in text
    assert "default_provider_id: milvus  # VECTOR_STORE_DEFAULT_PROVIDER" in text
    # The newest chart has no allowed_models default: nothing to keep, no hazard.
    assert run.stdout.startswith("target: modular ")
    assert "[chart-default-hazard]" not in run.stdout
    assert "chart-default drift" not in run.stdout
    (next_line,) = [line for line in run.stdout.splitlines() if line.startswith("  next: ")]
    assert next_line.startswith("  next: helm upgrade --install llama-stack <chart> -n research ")
    assert next_line.endswith(f"-f {folder / 'values-overlay.yaml'}  # target: modular")


def test_seed_example_for_the_seed_chart_adopting_its_defaults_is_the_seed_overlay(
    tmp_path: Path,
) -> None:
    run = convert_seed(tmp_path, "--target", "runconfig", "--adopt-chart-defaults")
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "research" / "llama-stack"
    text = (folder / "values-overlay.yaml").read_text()
    assert yaml.safe_load(text) == SEED_OVERLAY
    assert "embedding_dimension: 4096  # VECTOR_STORE_EMBEDDING_DIMENSION" in text
    assert "default_provider_id: milvus  # VECTOR_STORE_DEFAULT_PROVIDER" in text
    # Adopting allowed_models: [] while VLLM_URL is set breaks the pod: an error, no next step.
    assert run.stdout.startswith("target: runconfig ")
    assert "chart-default drift, adopted" in run.stdout
    assert "providers.inference[0].config.allowed_models: (absent) -> []" in run.stdout
    hazards = [line for line in run.stdout.splitlines() if "[chart-default-hazard]" in line]
    assert len(hazards) == 1 and hazards[0].startswith("    error: ")
    assert "this pod sets VLLM_URL" in hazards[0]
    assert "next:" not in run.stdout


def test_seed_example_for_the_seed_chart_keeps_the_inference_providers(tmp_path: Path) -> None:
    run = convert_seed(tmp_path, "--target", "runconfig")
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "research" / "llama-stack"
    text = (folder / "values-overlay.yaml").read_text()
    # The seed's keys, plus the whole inference list as the pod ran it (no allowed_models).
    assert yaml.safe_load(text) == {
        "runConfig": {**SEED_RUN_YAML, "providers": {"inference": POD_INFERENCE}}
    }
    assert not re.search(r"^ *allowed_models:", body(text), re.MULTILINE)  # no such key
    assert (
        "    inference:  # kept as the pod ran it, not the chart's default "
        "providers.inference[0].config.allowed_models: [], which would break this pod "
        "(chart-default-hazard); Helm replaces a list whole, so the whole list is written\n"
    ) in text
    assert "chart-default drift, kept as the pod ran it" in run.stdout
    assert "chart-default drift, adopted" not in run.stdout
    hazards = [line for line in run.stdout.splitlines() if "[chart-default-hazard]" in line]
    assert len(hazards) == 1 and hazards[0].startswith("    warning: ")
    assert "--adopt-chart-defaults adopts the chart's default instead" in hazards[0]
    (next_line,) = [line for line in run.stdout.splitlines() if line.startswith("  next: ")]
    assert next_line.endswith("  # target: runconfig")


@pytest.mark.parametrize("target", ["modular", "runconfig", "modular-1543ca5"])
def test_defaults_give_no_overlay_keys(tmp_path: Path, target: str) -> None:
    run = migrate(
        "convert",
        "--fail-on",
        "none",
        "-f",
        str(DEMO / "defaults.yaml"),
        "-d",
        str(tmp_path),
        "--target",
        target,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"target: {target} ")
    folder = tmp_path / "default" / "llama-stack"
    assert yaml.safe_load((folder / "values-overlay.yaml").read_text()) == {}
    deployment = yaml.safe_load((folder / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert [e["name"] for e in container["env"]] == ["RUN_CONFIG_PATH", "HOME"]


@pytest.mark.parametrize(
    ("target", "chart"), [("modular", helm.MODULAR), ("runconfig", helm.RUNCONFIG)]
)
def test_configmap_holds_the_chart_defaults_merged_with_the_overlay(
    tmp_path: Path, target: str, chart: Path
) -> None:
    assert convert_seed(tmp_path, "--target", target).returncode == 0
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
    assert run_yaml["vector_stores"] == SEED_RUN_YAML["vector_stores"]
    assert (
        run_yaml["registered_resources"]["models"]
        == (SEED_RUN_YAML["registered_resources"]["models"])
    )
    # The chart's own run.yaml: its defaults alone, and with the overlay as `helm upgrade -f`.
    defaults = chart_run_yaml(chart, None)
    assert set(run_yaml) == set(defaults)
    assert run_yaml["providers"]["inference"] == POD_INFERENCE
    if target == "modular":  # no allowed_models default: the chart's providers are the pod's
        assert run_yaml["providers"] == defaults["providers"]
    else:  # the seed chart's inference default breaks the pod: the overlay keeps what it ran
        assert run_yaml["providers"] == {**defaults["providers"], "inference": POD_INFERENCE}
    overlay = yaml.safe_load((folder / "values-overlay.yaml").read_text())
    assert run_yaml == chart_run_yaml(chart, overlay)


@pytest.mark.parametrize(
    ("chart", "target", "expected"),
    [
        (
            helm.RUNCONFIG,
            "runconfig",
            {"runConfig": {**SEED_RUN_YAML, "providers": {"inference": POD_INFERENCE}}},
        ),
        (helm.MODULAR, "modular", SEED_MODULAR_OVERLAY),
    ],
    ids=["runconfig", "modular"],
)
def test_chart_layout_is_detected_from_its_configmap_template(
    tmp_path: Path, chart: Path, target: str, expected: dict[str, Any]
) -> None:
    packaged = helm.package(chart, tmp_path / "packaged")
    for index, given in enumerate((chart, packaged)):
        out = tmp_path / str(index)
        run = convert_seed(out, "--chart", str(given))
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith(f"target: {target} ({given}: as the ")
        overlay_path = out / "research/llama-stack/values-overlay.yaml"
        assert yaml.safe_load(overlay_path.read_text()) == expected
        assert (
            f"  next: helm upgrade --install llama-stack {given} -n research "
            f"--reset-then-reuse-values -f {overlay_path}  # target: {target}\n"
        ) in run.stdout


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
    # The whole tree: rollback/ keeps the workloads as they were under a name -R skips.
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
    assert overlay["vectorStores"]["default_provider_id"] == (
        "${env.VECTOR_STORE_DEFAULT_PROVIDER:=faiss}"
    )
    assert overlay["registeredResources"]["models"][0]["metadata"] == {"embedding_dimension": 384}
    assert "env" not in overlay
    statefulset = yaml.safe_load((folder / "statefulset.yaml").read_text())
    env = statefulset["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env] == ["RUN_CONFIG_PATH", "VECTOR_STORE_DEFAULT_PROVIDER"]
    assert "VECTOR_STORE_DEFAULT_PROVIDER comes from a Secret" in run.stdout
    # No Helm release manages this StatefulSet: the patched manifest, which keeps the env
    # var, is the next step, so nothing is lost and nothing is raised about the chart.
    assert "[env-not-carried]" not in run.stdout
    assert "[env-not-in-overlay]" not in run.stdout
    assert f"  next: kubectl apply -f {folder / 'configmap.yaml'} " in run.stdout


def test_secret_sourced_variable_of_a_helm_release_is_not_carried(tmp_path: Path) -> None:
    documents = list(yaml.safe_load_all((DEMO / "team-config.yaml").read_text()))
    documents[1]["metadata"]["annotations"] = {
        "meta.helm.sh/release-name": "assistant",
        "meta.helm.sh/release-namespace": "search",
    }
    text = yaml.safe_dump_all(documents, sort_keys=False)
    run = migrate("convert", "-f", "-", "-d", str(tmp_path), stdin=text)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("    error: ")]
    assert len(errors) == 1 and errors[0].endswith("[env-not-carried]")
    assert "VECTOR_STORE_DEFAULT_PROVIDER must stay an env var" in errors[0]
    assert "the target chart (modular) has no values key for extra env vars" in errors[0]
    assert "next:" not in run.stdout
    # No chart version passes extra env vars: the overlay has no env: key all the same.
    folder = tmp_path / "search" / "assistant"
    overlay = yaml.safe_load((folder / "values-overlay.yaml").read_text())
    assert "env" not in overlay
    assert overlay["vectorStores"]["default_provider_id"] == (
        "${env.VECTOR_STORE_DEFAULT_PROVIDER:=faiss}"
    )
    report = json.loads(migrate("convert", "--dry-run", "-o", "json", "-f", "-", stdin=text).stdout)
    assert report["target"]["name"] == "modular"
    (workload,) = report["workloads"]
    assert workload["helmRelease"] == "assistant"
    assert workload["next"] is None
    assert [f["id"] for f in workload["findings"] if f["severity"] == "error"] == [
        "env-not-carried"
    ]


def test_list_and_helm_template_inputs(tmp_path: Path) -> None:
    rendered = helm.render_manifest_text(
        helm.LEGACY,
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
    assert overlay == {"vectorStores": {"default_provider_id": "milvus"}}

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
        for n in (
            "configmap.yaml",
            "deployment.yaml",
            "values-overlay.yaml",
            "rollback/deployment.yaml.orig",
            "rollback/README.md",
        )
    )
    assert yaml.safe_load(listed["research/llama-stack/values-overlay.yaml"]) == (
        SEED_MODULAR_OVERLAY
    )


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
    (patched_path,) = (p for p in tmp_path.rglob("deployment.yaml") if p.parent.name != "rollback")
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


@pytest.mark.parametrize("target", ["runconfig", "modular-1543ca5"])
def test_preserve_behavior_pins_the_inference_providers_as_the_pod_ran_them(
    tmp_path: Path, target: str
) -> None:
    """Both charts default to allowed_models: [], which breaks a pod that sets VLLM_URL."""
    seed = str(DEMO / "seed-example.yaml")
    pinned = {"providers": {"inference": POD_INFERENCE}}
    if target == "runconfig":
        adopting, keeping = SEED_OVERLAY, {"runConfig": {**SEED_RUN_YAML, **pinned}}
    else:
        adopting, keeping = SEED_MODULAR_OVERLAY, {**SEED_MODULAR_OVERLAY, **pinned}

    adopted = migrate(
        "convert",
        *("-f", seed, "-d", str(tmp_path / "a"), "--target", target, "--adopt-chart-defaults"),
    )
    assert adopted.returncode == 1, adopted.stdout + adopted.stderr
    assert "error: providers.inference[0].config.allowed_models: " in adopted.stdout
    assert "this pod sets VLLM_URL" in adopted.stdout
    text = (tmp_path / "a/research/llama-stack/values-overlay.yaml").read_text()
    assert yaml.safe_load(text) == adopting

    # --preserve-behavior keeps every changed default; the default policy keeps the hazard's.
    for policy in ((), ("--preserve-behavior",)):
        folder = tmp_path / "p" / "-".join(policy)
        run = migrate("convert", "-f", seed, "-d", str(folder), "--target", target, *policy)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "chart-default drift, kept as the pod ran it" in run.stdout
        assert "providers.inference[0].config.allowed_models: (absent) -> []" in run.stdout
        assert "warning: providers.inference[0].config.allowed_models: " in run.stdout
        assert "error:" not in run.stdout
        text = (folder / "research/llama-stack/values-overlay.yaml").read_text()
        assert yaml.safe_load(text) == keeping, policy
        assert not re.search(r"^ *allowed_models:", body(text), re.MULTILINE)  # no such key
        # The overlay says which default is kept out, and why.
        cause = " (--preserve-behavior)" if policy else ", which would break this pod"
        assert (
            "inference:  # kept as the pod ran it, not the chart's default "
            f"providers.inference[0].config.allowed_models: []{cause}"
        ) in text


def test_preserve_behavior_and_adopt_chart_defaults_exclude_each_other(tmp_path: Path) -> None:
    run = convert_seed(tmp_path, "--preserve-behavior", "--adopt-chart-defaults")
    assert run.returncode == 2
    assert "--preserve-behavior / --adopt-chart-defaults" in run.stderr
    assert "Traceback" not in run.stderr
    assert not any(tmp_path.iterdir())


def test_pods_without_vllm_get_no_hazard_warning(tmp_path: Path) -> None:
    defaults = str(DEMO / "defaults.yaml")
    run = migrate(
        "convert", "--fail-on", "none", "-f", defaults, "-d", str(tmp_path), "--target", "runconfig"
    )
    assert run.returncode == 0, run.stderr
    assert "chart-default drift, adopted" in run.stdout
    assert "providers.inference[0].config.allowed_models: (absent) -> []" in run.stdout
    assert "[chart-default-hazard]" not in run.stdout
    # The newest chart has no allowed_models default: no drift at all.
    newest = migrate("convert", "--fail-on", "none", "--dry-run", "-f", defaults)
    assert newest.returncode == 0, newest.stderr
    assert newest.stdout.startswith("target: modular ")
    assert "chart-default drift" not in newest.stdout
    assert "allowed_models: " not in newest.stdout


def test_help_does_not_import_the_kubernetes_client() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['migrate', '--help']\n"
        "try:\n    runpy.run_module('migrate', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('kubernetes', 'deepdiff', 'ruamel', 'yaml', 'rich', 'msgspec')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    run = python("-c", probe)
    assert "convert" in run.stdout
    assert "HEAVY []" in run.stdout


def test_convert_does_not_import_the_kubernetes_client() -> None:
    # Only a scan uses a cluster; convert reaches the cluster module's data types alone.
    seed = DEMO / "seed-example.yaml"
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['migrate', 'convert', '--dry-run', '-f', {str(seed)!r}]\n"
        "try:\n    runpy.run_module('migrate', run_name='__main__')\n"
        "except SystemExit as stop:\n    print('EXIT', stop.code)\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules}"
        " & {'kubernetes', 'urllib3'}))\n"
    )
    run = python("-c", probe)
    assert "EXIT 0" in run.stdout, run.stderr
    assert "research/llama-stack" in run.stdout
    assert "LOADED []" in run.stdout


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
