"""Real Helm, both ways: old chart renders the input, new chart renders the overlay.

The old-style fixture chart is rendered with varied ``vectorStore`` values
(the way the old release produced its pods); ``migrate`` converts that
output; the new-style fixture chart is rendered with the produced overlay.
The ConfigMap Helm renders must hold exactly the run.yaml the plan computed,
and the one ``migrate`` writes itself.
"""

from __future__ import annotations

from typing import Any

import helm_python
import kubernetes_validate
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate import pipeline, profile
from migrate.model import Status
from migrate.sources import manifests
from migrate.yamlio import same
from tests.support import helm

LEGACY = helm.FIXTURE_CHARTS / "llama-stack-legacy"
CURRENT = helm.FIXTURE_CHARTS / "llama-stack"
PROFILE = profile.load()

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
        values["home"] = None
    return values


def migrate_release(
    values: dict[str, Any], preserve: bool
) -> tuple[pipeline.Outcome, dict[str, Any]]:
    text = helm.render_manifest_text(LEGACY, values, release="prod", namespace="ai")
    result = pipeline.convert(
        list(manifests.documents("helm-template", text)), PROFILE, preserve_behavior=preserve
    )
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    files = {a.path.name: a.text for a in outcome.artifacts}
    return outcome, files


def rendered_new(overlay: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    documents = helm.render_documents(CURRENT, overlay, release="prod", namespace="ai")
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    return yaml.safe_load(configmap["data"]["run.yaml"]), deployment


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=release_values(), preserve=st.booleans())
def test_new_chart_with_overlay_renders_the_planned_run_yaml(
    values: dict[str, Any], preserve: bool
) -> None:
    outcome, files = migrate_release(values, preserve)
    # Helm reads the file itself, as `helm upgrade -f` does (go-yaml v2 rules, not PyYAML's).
    overlay = helm_python.values_from_yaml(files["values-overlay.yaml"]) or {}
    run_yaml, deployment = rendered_new(overlay)
    assert same(run_yaml, dict(outcome.plan.run_config))
    ours = yaml.safe_load(yaml.safe_load(files["configmap.yaml"])["data"]["run.yaml"])
    assert same(ours, run_yaml)
    env = {
        e["name"]: e.get("value")
        for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env.items() >= dict(outcome.plan.env_values).items()
    for name in ("configmap.yaml", "deployment.yaml"):
        kubernetes_validate.validate(yaml.safe_load(files[name]), "1.33", strict=True)


def test_default_release_needs_no_overlay_and_renders_the_chart_defaults() -> None:
    outcome, files = migrate_release({}, preserve=False)
    assert yaml.safe_load(files["values-overlay.yaml"]) == {}
    run_yaml, _ = rendered_new({})
    assert same(run_yaml, dict(outcome.plan.run_config))
    assert same(run_yaml, helm.chart_default_values(CURRENT)["runConfig"])
