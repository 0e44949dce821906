"""The conversion pipeline in process: documents from text, a policy, outcomes, layout checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from migrate.app import convert as pipeline
from migrate.app.result import Policy
from migrate.chart import profile
from migrate.emit import overlay
from migrate.errors import InputError, InternalError
from migrate.model import Document, Plan, Severity, Status
from migrate.sources import manifests, workloads
from migrate.sources.files import Files
from migrate.sources.interface import Problem, Source

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "manifests" / "demo"
DEFAULTS = (DEMO / "defaults.yaml").read_text()  # one Deployment, default/llama-stack
SEED = (DEMO / "seed-example.yaml").read_text()
PROFILE = profile.load()


class Texts(Source[Document]):
    """A source of manifest texts, as a test writes them: (name, text) pairs."""

    def __init__(self, *texts: tuple[str, str]) -> None:
        self.texts = texts

    def read(self) -> Iterator[Document | Problem]:
        for name, text in self.texts:
            unreadable: list[str] = []
            yield from manifests.documents(name, text, unreadable)
            yield from (Problem(message) for message in unreadable)


def documents(*texts: str) -> list[Document]:
    found, problems, _ = pipeline.read(Texts(*(("in.yaml", text) for text in texts)))
    assert problems == []
    return found


def renamed(text: str, name: str = "llama-stack", namespace: str = "default") -> str:
    return text.replace(
        "name: llama-stack\n  namespace: default", f"name: {name}\n  namespace: {namespace}"
    )


def configmap(name: str, namespace: str, data: str) -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"data:\n{data}"
    )


def test_a_workload_to_migrate_gets_its_files_in_its_folder() -> None:
    result = pipeline.convert(documents(DEFAULTS), PROFILE)
    assert result.documents == 1 and result.problems == ()
    (outcome,) = result.outcomes
    assert outcome.plan.status is Status.NEEDS_MIGRATION and outcome.exact
    assert [str(a.path) for a in outcome.artifacts] == [
        "default/llama-stack/values-overlay.yaml",
        "default/llama-stack/configmap.yaml",
        "default/llama-stack/deployment.yaml",
        "default/llama-stack/rollback/deployment.yaml.orig",
        "default/llama-stack/rollback/README.md",
    ]
    assert outcome.artifacts[0].path.name == pipeline.OVERLAY_FILE
    assert outcome.artifacts[1].text.startswith("apiVersion: v1\nkind: ConfigMap\n")


def test_the_policy_decides_what_happens_to_changed_chart_defaults() -> None:
    seed = profile.load(target="runconfig")

    def planned(policy: Policy) -> Plan:
        result = pipeline.plan_all(workloads.gather(documents(SEED)), seed, policy, documents=1)
        (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
        return outcome.plan

    def hazards(plan: Plan) -> list[Severity]:
        return [f.severity for f in plan.findings if f.id == "chart-default-hazard"]

    kept, adopted, preserved = (
        planned(Policy()),
        planned(Policy(adopt_defaults=True)),
        planned(Policy(preserve_behavior=True)),
    )
    # The seed chart's allowed_models: [] would break the pod's vLLM: by default it is kept
    # as the pod ran it, and said so; adopted, it is an error.
    assert hazards(kept) == [Severity.WARNING]
    assert [d.adopted for d in kept.drift] == [False]
    assert hazards(adopted) == [Severity.ERROR]
    assert [d.adopted for d in adopted.drift] == [True]
    assert hazards(preserved) == [Severity.WARNING]
    assert [d.adopted for d in preserved.drift] == [False]


def test_convert_takes_the_policy_as_keywords() -> None:
    seed = profile.load(target="runconfig")
    result = pipeline.convert(documents(SEED), seed, adopt_defaults=True)
    assert result.failed
    assert not pipeline.convert(documents(SEED), seed, preserve_behavior=True).failed


def test_a_configmap_of_the_input_reaches_the_workloads_of_its_namespace() -> None:
    env_from = DEFAULTS.replace(
        "          env:\n",
        "          envFrom:\n"
        "            - configMapRef:\n"
        "                name: extra\n"
        "          env:\n",
    )
    here = configmap("extra", "default", "  LOG_LEVEL: debug\n")
    elsewhere = configmap("extra", "other", "  LOG_LEVEL: debug\n")
    (found,) = pipeline.convert(documents(here, env_from), PROFILE).outcomes
    assert "unresolved-reference" not in [f.id for f in found.plan.findings]
    (missing,) = pipeline.convert(documents(elsewhere, env_from), PROFILE).outcomes
    assert "unresolved-reference" in [f.id for f in missing.plan.findings]


def test_inputs_that_cannot_be_used_are_problems_and_the_others_still_convert() -> None:
    bad_name = renamed(DEFAULTS, name="Not_A_Name")
    twice = renamed(DEFAULTS, namespace="ai")
    bad_data = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [1]\n"
    result = pipeline.convert(documents(bad_name, twice, bad_data, twice), PROFILE)
    assert [str(p) for p in result.problems] == [
        "in.yaml:1: ConfigMap x: data is not a mapping",
        "in.yaml:1: metadata.name 'Not_A_Name' is not a valid Kubernetes object name",
        "in.yaml:1: Deployment ai/llama-stack appears twice (first at in.yaml:1)",
    ]
    assert [o.plan.label for o in result.outcomes] == ["Deployment ai/llama-stack"]
    assert result.documents == 4


def test_two_workloads_that_would_write_one_folder_are_refused() -> None:
    statefulset = DEFAULTS.replace("kind: Deployment", "kind: StatefulSet")
    with pytest.raises(InputError, match=r"would both write to default/llama-stack/$"):
        pipeline.convert(documents(DEFAULTS, statefulset), PROFILE)


def test_a_run_yaml_too_large_for_a_configmap_is_an_error_of_its_workload() -> None:
    large = DEFAULTS.replace("nomic-ai/nomic-embed-text-v1.5", "x" * 1_100_000)
    result = pipeline.convert(documents(large, renamed(DEFAULTS, namespace="ai")), PROFILE)
    too_large, fine = result.outcomes
    assert too_large.plan.status is Status.ERROR and too_large.artifacts == ()
    assert too_large.plan.findings[-1].id == "configmap-too-large"
    assert "1,048,576 bytes (1 MiB)" in too_large.plan.findings[-1].message
    assert fine.plan.status is Status.NEEDS_MIGRATION and len(fine.artifacts) == 5


def test_a_failed_self_check_stops_its_workload_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(self: overlay.Overlay, plan: Plan, chosen: profile.Profile) -> object:
        if plan.namespace == "ai":
            raise InternalError("the values overlay does not load back unchanged")
        return original(self, plan, chosen)

    original = overlay.Overlay.render
    monkeypatch.setattr(overlay.Overlay, "render", fails)
    result = pipeline.convert(documents(renamed(DEFAULTS, namespace="ai"), DEFAULTS), PROFILE)
    failed, fine = result.outcomes
    assert failed.plan.status is Status.ERROR and failed.artifacts == ()
    assert [(f.id, f.message) for f in failed.plan.findings] == [
        ("self-check", "the values overlay does not load back unchanged")
    ]
    assert fine.plan.status is Status.NEEDS_MIGRATION and fine.artifacts


def test_a_pod_of_another_kind_is_named_not_converted() -> None:
    job = DEFAULTS.replace("apps/v1\nkind: Deployment", "batch/v1\nkind: Job").replace(
        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: llama-stack\n", ""
    )
    (outcome,) = pipeline.convert(documents(job), PROFILE).outcomes
    assert outcome.plan.status is Status.NOT_MIGRATED and outcome.artifacts == ()
    assert [f.id for f in outcome.plan.findings] == ["kind-not-migrated"]


def test_files_give_every_readable_document_and_a_problem_for_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(DEFAULTS)
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text("kind: [unclosed\n---\n" + renamed(DEFAULTS, namespace="ai"))
    missing = tmp_path / "missing.yaml"
    found, problems, _ = pipeline.read(Files([str(missing), str(mixed), str(good)]))
    assert [(d.origin.file, d.origin.line, d.namespace) for d in found] == [
        (str(mixed), 3, "ai"),
        (str(good), 1, "default"),
    ]
    assert [str(p).split(": ")[0] for p in problems] == [str(missing), f"{mixed}:2:1"]
    with pytest.raises(InputError, match=r"missing\.yaml: no such file or directory"):
        pipeline.load([str(missing), str(good)], False)
    assert [d.origin.file for d in pipeline.load([str(good)], False)] == [str(good)]


def test_files_give_a_namespace_to_documents_that_name_none(tmp_path: Path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text(DEFAULTS.replace("  namespace: default\n", ""))
    (document,) = pipeline.read(Files([str(loose)], namespace="team"))[0]
    assert document.namespace == "team"
    (outcome,) = pipeline.convert([document], PROFILE).outcomes
    assert outcome.artifacts[0].path.parent == PurePosixPath("team/llama-stack")
