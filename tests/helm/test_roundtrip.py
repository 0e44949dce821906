"""Real Helm, both ways: old chart renders the input, each target chart renders the overlay.

The old-style fixture chart is rendered with varied release values (the way
the old release produced its pods); ``migrate`` converts that output for each
target; the target's fixture chart is rendered by Helm with the same release
values and the produced overlay. The ConfigMap Helm renders must hold exactly
the run.yaml the plan computed, and the one ``migrate`` writes itself, unless
the plan names why the chart cannot carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Status
from migrate.plan.verify import merge_user_values
from migrate.sources import manifests
from migrate.yaml.io import same
from tests.support import helm

LEGACY = helm.LEGACY
# target name → its fixture chart
CHARTS: dict[str, Path] = {"runconfig": helm.RUNCONFIG, "modular": helm.MODULAR}
PROFILES = {name: profile.load(target=name) for name in CHARTS}
# Findings that say the Helm route cannot reproduce the pod: the plan names the gap.
UNCARRIED = {"env-not-carried", "target-cannot-carry"}

_text = st.sampled_from(
    [
        "milvus",
        "faiss",
        "sqlite-vec",
        "vllm",
        "sentence-transformers",
        "intfloat/e5-mistral-7b-instruct",
        "nomic-ai/nomic-embed-text-v1.5",
        "ünïcødé/模型",
        "on",
        "1:20",
        "true",
        " padded ",
        "a # b",
        "~/model",
        "${env.OTHER}",
        "",
        "\x85",
        "a\u2028b",
        "tab\there",
        "a: b",
        "- x",
        "'quoted'",
        '"double"',
        "{x}",
        "[x]",
        "&anchor",
        "*alias",
        "!tag",
        "%x",
        "@x",
        "? x",
        "|",
        ">",
        "=",
        "<<",
        ".inf",
        "0o17",
        "0b101",
        "+1",
        "1.",
        ".5",
        "Yes",
        "~",
        # go-yaml v2 (Helm's values loader) reads these as booleans or numbers;
        # PyYAML does not. An unquoted overlay value would change type.
        "y",
        "N",
        "017",
        "08",
        "1_000",
        "0x1F",
    ]
)
_dimension = st.one_of(
    st.integers(1, 10**5), st.sampled_from(["768", " 42 ", "1e3", "1_000", "inf", "0.5", "x"])
)


@st.composite
def release_values(draw: st.DrawFn) -> dict[str, Any]:
    embedding: dict[str, Any] = {}
    for key, strategy in (("provider", _text), ("model", _text), ("dimension", _dimension)):
        embedding[key] = draw(st.one_of(st.none(), strategy))
    values: dict[str, Any] = {
        "vectorStore": {
            "defaultProvider": draw(st.one_of(st.none(), _text)),
            "embedding": embedding,
        },
        "vllm": {"url": draw(st.sampled_from([None, "http://vllm.ai.svc/v1"]))},
    }
    if draw(st.booleans()):
        values["persistence"] = {"enabled": False}
    return values


def migrate_release(
    values: dict[str, Any], preserve: bool, target: str = "modular", adopt: bool = False
) -> tuple[pipeline.Outcome, dict[str, Any]]:
    text = helm.render_manifest_text(LEGACY, values, release="prod", namespace="ai")
    result = pipeline.convert(
        list(manifests.documents("helm-template", text)),
        PROFILES[target],
        preserve_behavior=preserve,
        adopt_defaults=adopt,
    )
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    files = {a.path.name: a.text for a in outcome.artifacts}
    return outcome, files


def rendered_new(
    target: str, release: dict[str, Any], overlay: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """What ``helm upgrade -f release.yaml -f values-overlay.yaml`` renders."""
    merged = merge_user_values(release, overlay)
    documents = helm.render_documents(CHARTS[target], merged, release="prod", namespace="ai")
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    return yaml.safe_load(configmap["data"]["run.yaml"]), deployment


@pytest.mark.parametrize("target", sorted(CHARTS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=release_values(), policy=st.sampled_from(["safe", "preserve", "adopt"]))
def test_target_chart_with_overlay_renders_the_planned_run_yaml(
    target: str, values: dict[str, Any], policy: str
) -> None:
    outcome, files = migrate_release(values, policy == "preserve", target, policy == "adopt")
    # Helm reads the file itself, as `helm upgrade -f` does (go-yaml v2 rules, not PyYAML's).
    overlay = helm_python.values_from_yaml(files["values-overlay.yaml"]) or {}
    run_yaml, _ = rendered_new(target, values, overlay)
    ours = yaml.safe_load(yaml.safe_load(files["configmap.yaml"])["data"]["run.yaml"])
    assert same(ours, dict(outcome.plan.run_config))
    if {f.id for f in outcome.plan.findings} & UNCARRIED:
        return
    assert same(run_yaml, dict(outcome.plan.run_config))
    for name in ("configmap.yaml", "deployment.yaml"):
        kubernetes_validate.validate(yaml.safe_load(files[name]), "1.33", strict=True)


def test_default_release_needs_no_overlay_on_the_newest_chart() -> None:
    outcome, files = migrate_release({}, preserve=False, target="modular")
    assert yaml.safe_load(files["values-overlay.yaml"]) == {}
    run_yaml, _ = rendered_new("modular", {}, {})
    assert same(run_yaml, dict(outcome.plan.run_config))
    assert same(run_yaml, PROFILES["modular"].chart_defaults)


def test_default_release_keeps_its_vllm_provider_on_the_seed_chart() -> None:
    """The seed's allowed_models: [] would refuse every vLLM model: the overlay keeps the list
    the pod ran, whole, and nothing else."""
    outcome, files = migrate_release({}, preserve=False, target="runconfig")
    overlay = helm_python.values_from_yaml(files["values-overlay.yaml"])
    assert list(overlay) == ["runConfig"] and list(overlay["runConfig"]) == ["providers"]
    inference = overlay["runConfig"]["providers"]["inference"]
    assert "allowed_models" not in inference[0]["config"]
    assert "# kept as the pod ran it" in files["values-overlay.yaml"]
    run_yaml, _ = rendered_new("runconfig", {}, overlay)
    assert same(run_yaml, dict(outcome.plan.run_config))
    assert not same(run_yaml, PROFILES["runconfig"].chart_defaults)


def test_seed_overlay_given_to_the_modular_chart_changes_nothing() -> None:
    """The silent failure the targets exist for: Helm ignores a runConfig overlay."""
    values = {"vectorStore": {"defaultProvider": "milvus"}}
    _, seed_files = migrate_release(values, preserve=False, target="runconfig")
    seed_overlay = helm_python.values_from_yaml(seed_files["values-overlay.yaml"])
    assert "runConfig" in seed_overlay
    ignored, _ = rendered_new("modular", values, seed_overlay)
    assert ignored["vector_stores"]["default_provider_id"] == "faiss"
    _, files = migrate_release(values, preserve=False, target="modular")
    applied, _ = rendered_new(
        "modular", values, helm_python.values_from_yaml(files["values-overlay.yaml"])
    )
    assert applied["vector_stores"]["default_provider_id"] == "milvus"
