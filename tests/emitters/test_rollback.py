"""The way back: each migrated workload's ``rollback/`` folder.

``rollback/<kind>.yaml.orig`` is the workload exactly as read (a file's own lines;
``kubectl get`` output and cluster objects without the server's fields), and
``rollback/README.md`` names the commands back: ``helm rollback`` for a Helm
release (to the recorded revision, or how to find it), ``kubectl apply`` and
deleting the ConfigMap the migration creates for any workload.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.app import scan
from migrate.chart import profile
from migrate.emit import layout, rollback
from migrate.model import Document, Origin, Plan, Status
from migrate.sources import context, manifests, server_fields
from tests.support import cluster
from tests.support.cli import ROOT, migrate
from tests.support.cluster import running

PROFILE = profile.load()
MANIFESTS = ROOT / "fixtures" / "manifests"
DEMO = MANIFESTS / "demo"
KUBECTL_GET = ROOT / "fixtures" / "kubectl" / "get-seed.yaml"
SHIPPED = sorted(p for p in MANIFESTS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def convert_file(path: Path) -> pipeline.Result:
    return pipeline.convert(list(manifests.documents(str(path), path.read_text())), PROFILE)


def rollback_files(outcome: pipeline.Outcome) -> dict[str, str]:
    """The files under the workload's rollback/, by their name there."""
    return {
        a.path.name: a.text
        for a in outcome.artifacts
        if a.path.parent.name == layout.ROLLBACK_FOLDER
    }


def migrated(result: pipeline.Result) -> dict[str, pipeline.Outcome]:
    return {o.plan.label: o for o in result.outcomes if o.artifacts}


def commands(readme: str) -> list[str]:
    """The lines of the README's ``sh`` blocks."""
    found: list[str] = []
    inside = False
    for line in readme.splitlines():
        if line.startswith("```"):
            inside = line == "```sh"
            continue
        if inside:
            found.append(line)
    return found


# --- the manifest as read --------------------------------------------------------------------


def test_a_file_workload_is_kept_as_its_own_lines_of_a_multi_document_file() -> None:
    path = DEMO / "team-config.yaml"
    text = path.read_text()
    outcome = migrated(convert_file(path))["StatefulSet search/assistant"]
    files = rollback_files(outcome)
    assert set(files) == {"statefulset.yaml.orig", "README.md"}
    original = files["statefulset.yaml.orig"]
    # Exactly the StatefulSet's document: from its first line to the end of the file,
    # without the ConfigMap before it.
    assert original == text[text.index("apiVersion: apps/v1") :]
    assert "kind: ConfigMap" not in original
    assert "VECTOR_STORE_" in original  # as read, not as migrated
    assert "team-config.yaml:13), line for line" in files["README.md"]


def test_the_files_are_placed_in_the_workload_folder_after_the_migration_files() -> None:
    outcome = migrated(convert_file(DEMO / "seed-example.yaml"))["Deployment research/llama-stack"]
    assert [str(a.path) for a in outcome.artifacts] == [
        "research/llama-stack/values-overlay.yaml",
        "research/llama-stack/configmap.yaml",
        "research/llama-stack/deployment.yaml",
        "research/llama-stack/rollback/deployment.yaml.orig",
        "research/llama-stack/rollback/README.md",
    ]


def test_kubectl_get_output_is_kept_without_the_server_fields() -> None:
    result = convert_file(KUBECTL_GET)
    outcome = migrated(result)["Deployment research/llama-stack"]
    files = rollback_files(outcome)
    original = files["deployment.yaml.orig"]
    for field in ("resourceVersion", "managedFields", "uid:", "status:"):
        assert field not in original, field
    assert "deployment.kubernetes.io/revision" not in original
    metadata = yaml.safe_load(original)["metadata"]
    assert not {"creationTimestamp", "generation", "uid", "resourceVersion"} & set(metadata)
    # The rest is the List item's data as kubectl printed it.
    raw = yaml.safe_load(KUBECTL_GET.read_text())["items"]
    item = next(i for i in raw if i["kind"] == "Deployment")
    assert yaml.safe_load(original) == server_fields.clean(item)
    readme = files["README.md"]
    assert "as `kubectl get -o yaml` printed it" in readme
    assert "so that `kubectl apply` of it does not conflict with the live object" in readme
    for field in outcome.plan.document.dropped:
        assert field in readme


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(MANIFESTS)))
def test_every_rollback_manifest_reads_as_its_input_document(path: Path) -> None:
    """For every shipped fixture: each written rollback/<kind>.yaml.orig parses to the data of the
    document it was read from, and is that document's own text of the file."""
    text = path.read_text()
    documents = list(manifests.documents(str(path), text))
    result = pipeline.convert(documents, PROFILE)
    by_origin = {str(d.origin): d for d in documents}
    for outcome in result.outcomes:
        files = rollback_files(outcome)
        if not outcome.artifacts:
            assert files == {}
            continue
        document = outcome.plan.document
        original = files[layout.workload_file(document.kind) + ".orig"]
        assert yaml.safe_load(original) == by_origin[str(document.origin)].data
        raw = list(yaml.safe_load_all(text))
        assert yaml.safe_load(original) in raw
        assert original in text


# --- the README ----------------------------------------------------------------------------


def _plan(document: dict[str, Any], **changes: Any) -> Plan:
    text = yaml.safe_dump(document, sort_keys=False)
    loaded = next(manifests.documents("in.yaml", text))
    return Plan(loaded, loaded.namespace or "default", Status.NEEDS_MIGRATION, **changes)


def _helm_managed(namespace: str = "ai", release_namespace: str | None = None) -> dict[str, Any]:
    document = cluster.deployment("llama", namespace, env={"VECTOR_STORE_DEFAULT_PROVIDER": "x"})
    annotations = {"meta.helm.sh/release-name": "prod"}
    if release_namespace is not None:
        annotations["meta.helm.sh/release-namespace"] = release_namespace
    document["metadata"]["annotations"] = annotations
    return document


def test_a_helm_release_with_its_recorded_revision_rolls_back_to_it() -> None:
    plan = _plan(_helm_managed(), configmap="llama-config", release_revision=7)
    lines = commands(rollback.readme(plan))
    assert lines == [
        "helm rollback prod 7 -n ai",
        "kubectl -n ai apply -f rollback/deployment.yaml.orig",
        "kubectl -n ai delete configmap llama-config",
    ]
    assert "Revision 7 was deployed when the workload was read" in rollback.readme(plan)


def test_a_helm_release_without_a_recorded_revision_is_told_how_to_find_it() -> None:
    plan = _plan(_helm_managed(release_namespace="ops"), configmap="llama-config")
    text = rollback.readme(plan)
    assert commands(text)[:2] == [
        "helm history prod -n ops",
        "helm rollback prod <revision> -n ops",
    ]
    assert "last revision deployed before the migration's `helm upgrade`" in text


def test_render_writes_the_revision_the_plan_records() -> None:
    """The pipeline's render() hands the plan, with its release revision, to the README."""
    outcome = migrated(convert_file(DEMO / "seed-example.yaml"))["Deployment research/llama-stack"]
    assert "helm history llama-stack -n research" in rollback_files(outcome)["README.md"]
    recorded = replace(outcome.plan, release_revision=4)
    files = rollback_files(pipeline.render(recorded, PROFILE))
    assert commands(files["README.md"])[0] == "helm rollback llama-stack 4 -n research"


def test_a_plain_workload_gets_no_helm_command() -> None:
    document = cluster.deployment("llama", "ai", env={"VECTOR_STORE_DEFAULT_PROVIDER": "x"})
    plan = _plan(document, configmap="llama-config", release_revision=3)
    text = rollback.readme(plan)
    assert "helm" not in text
    assert commands(text) == [
        "kubectl -n ai apply -f rollback/deployment.yaml.orig",
        "kubectl -n ai delete configmap llama-config",
    ]


def test_a_workload_without_a_namespace_names_the_placeholder() -> None:
    document = cluster.deployment("llama", "ai", env={"VECTOR_STORE_DEFAULT_PROVIDER": "x"})
    del document["metadata"]["namespace"]
    plan = _plan(document, configmap="llama-config")
    assert commands(rollback.readme(plan))[0] == (
        "kubectl -n <namespace> apply -f rollback/deployment.yaml.orig"
    )


def test_a_configmap_that_was_in_the_input_is_kept() -> None:
    """An earlier migration's ConfigMap (only run.yaml) of the migration's name: the way
    back says so and does not delete it."""
    deployment = DEMO / "defaults.yaml"
    outcome = migrated(convert_file(deployment))["Deployment default/llama-stack"]
    name = outcome.plan.configmap
    earlier = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n"
        "data:\n  run.yaml: |\n    version: 2\n"
    )
    documents = [
        *manifests.documents(str(deployment), deployment.read_text()),
        *manifests.documents("earlier.yaml", earlier),
    ]
    with_it = migrated(pipeline.convert(documents, PROFILE))["Deployment default/llama-stack"]
    text = rollback_files(with_it)["README.md"]
    assert "delete configmap" not in text
    assert f"ConfigMap {name} was in the input before the migration: keep it" in text
    # Without it in the input, the ConfigMap is the migration's, to delete.
    alone = rollback_files(outcome)["README.md"]
    assert f"kubectl -n default delete configmap {name}" in alone


@given(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
)
def test_a_cluster_objects_context_is_found_and_quoted_for_the_shell(name: str) -> None:
    """Whatever a context is called, the README's commands name it as one shell word."""
    item = _helm_managed()
    document = context.to_document(item, name)
    assert rollback.cluster_context(document) == name
    plan = Plan(document, "ai", Status.NEEDS_MIGRATION, configmap="llama-config")
    for line in commands(rollback.readme(plan)):
        words = shlex.split(line)
        flag = "--kube-context" if words[0] == "helm" else "--context"
        assert words[words.index(flag) + 1] == name


def test_a_file_document_has_no_context() -> None:
    document = Document("kind: Deployment\n", {"kind": "Deployment"}, Origin("x.yaml", 1))
    assert rollback.cluster_context(document) is None
    # An origin without a line that does not name the object is no cluster's either.
    named = Document("kind: Deployment\n", {"kind": "Deployment"}, Origin("<stdin>", 0))
    assert rollback.cluster_context(named) is None


# --- from a cluster ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_scan_keeps_the_object_as_read_and_names_its_context(tmp_path: Path) -> None:
    helm = _helm_managed()
    plain = cluster.deployment("plain", "ai", env={"VECTOR_STORE_DEFAULT_PROVIDER": "milvus"})
    async with running(("prod-eu",), tmp_path=tmp_path) as c:
        c.seed("prod-eu", [helm, plain])
        results = await asyncio.to_thread(
            lambda: scan.scan(c.kubeconfig, [], PROFILE, namespaces=["ai"])
        )
    files = {str(a.path): a.text for a in scan.artifacts(results)}
    original = yaml.safe_load(files["prod-eu/ai/llama/rollback/deployment.yaml.orig"])
    # The object as the emulator served it, without what the server set.
    assert "status" not in original
    assert not {"uid", "resourceVersion", "creationTimestamp", "managedFields"} & set(
        original["metadata"]
    )
    assert original == server_fields.clean(original)
    assert original["metadata"]["annotations"] == helm["metadata"]["annotations"]
    assert (
        original["spec"]["template"]["spec"]["containers"]
        == (helm["spec"]["template"]["spec"]["containers"])
    )
    readme = files["prod-eu/ai/llama/rollback/README.md"]
    assert "as migrate read it from context prod-eu, without the fields" in readme
    assert commands(readme) == [
        "helm history prod -n ai --kube-context prod-eu",
        "helm rollback prod <revision> -n ai --kube-context prod-eu",
        "kubectl --context prod-eu -n ai apply -f rollback/deployment.yaml.orig",
        "kubectl --context prod-eu -n ai delete configmap llama-config",
    ]
    plain_readme = files["prod-eu/ai/plain/rollback/README.md"]
    assert commands(plain_readme) == [
        "kubectl --context prod-eu -n ai apply -f rollback/deployment.yaml.orig",
        "kubectl --context prod-eu -n ai delete configmap plain-config",
    ]


# --- the command line ----------------------------------------------------------------------


def test_the_command_writes_the_folder_and_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = migrate("convert", "-R", "-f", str(DEMO), "-d", str(out), "--dry-run")
    assert run.returncode == 0, run.stderr
    assert not out.exists()
    run = migrate("convert", "-R", "-f", str(DEMO), "-d", str(out))
    assert run.returncode == 0, run.stderr
    folders = sorted(str(p.relative_to(out)) for p in out.rglob(layout.ROLLBACK_FOLDER))
    # Three workloads to migrate; the one already migrated gets no folder.
    assert folders == [
        "default/llama-stack/rollback",
        "research/llama-stack/rollback",
        "search/assistant/rollback",
    ]
    text = (DEMO / "seed-example.yaml").read_text()
    assert (out / "research/llama-stack/rollback/deployment.yaml.orig").read_text() == text
    # The report lists them with the others.
    assert "research/llama-stack/rollback/README.md" in run.stdout


def test_stdout_prints_only_the_manifests_that_migrate(tmp_path: Path) -> None:
    run = migrate("convert", "-R", "-f", str(DEMO), "--stdout", "-d", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "out").exists()
    printed = [d for d in yaml.safe_load_all(run.stdout) if d is not None]
    assert [(d["kind"], d["metadata"]["name"]) for d in printed] == [
        ("ConfigMap", "llama-stack-config"),
        ("Deployment", "llama-stack"),
        ("ConfigMap", "llama-stack-config"),
        ("Deployment", "llama-stack"),
        ("ConfigMap", "assistant-config"),
        ("StatefulSet", "assistant"),
    ]
    assert "# Going back" not in run.stdout
    # The patched workloads, not the originals.
    for document in printed:
        if document["kind"] != "ConfigMap":
            volumes = document["spec"]["template"]["spec"]["volumes"]
            assert {
                "name": "config-volume",
                "configMap": {"name": "llama-stack-config"},
            } in volumes or {
                "name": "config-volume",
                "configMap": {"name": "assistant-config"},
            } in volumes
    assert (DEMO / "seed-example.yaml").read_text() not in run.stdout


def test_the_stdout_filter_keeps_a_workload_named_rollback() -> None:
    """A workload whose folder is called rollback still prints its own manifests."""
    document = cluster.deployment(
        "rollback", "rollback", env={"VECTOR_STORE_DEFAULT_PROVIDER": "x"}
    )
    plan = _plan(document, configmap="rollback-config")
    paths = layout.manifests(plan)
    assert paths == (
        PurePosixPath("rollback/rollback/configmap.yaml"),
        PurePosixPath("rollback/rollback/deployment.yaml"),
    )
    assert PurePosixPath("rollback/rollback", layout.rollback_file("Deployment")) not in paths
    assert layout.manifests(plan, "a:b/c") == tuple(PurePosixPath("a_b_c") / p for p in paths)


def test_workloads_without_files_get_no_rollback_folder() -> None:
    for path in (DEMO / "migrated.yaml", MANIFESTS / "other-workloads.yaml"):
        result = convert_file(path)
        assert result.outcomes
        assert all(not o.artifacts for o in result.outcomes), sorted(migrated(result))
