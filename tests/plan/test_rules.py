"""Each check of the finding rules on small pods and templates, raised and its near miss.

``check(env, template, expected)`` plans a Deployment whose Llama Stack
container has ``env`` (plain values) against ``template`` (run.yaml text given
as ``--template`` would; None for the built-in one) and asserts which of the
checks' findings it raises, in order — as yamllint tests a rule on a snippet.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from migrate.chart import profile
from migrate.model import Finding, Severity
from migrate.plan import checks
from migrate.plan.workload import plan
from tests.plan.pods import container, env, workload

CHECKSUM = {"checksum/config": "0"}
VLLM = {
    "VLLM_URL": "http://vllm-router.vllm.svc.cluster.local/v1",
    "VECTOR_STORE_EMBEDDING_PROVIDER": "vllm",
    "VECTOR_STORE_EMBEDDING_MODEL": "intfloat/e5-mistral-7b-instruct",
    "VECTOR_STORE_EMBEDDING_DIMENSION": "4096",
}
SMALL_TEMPLATE = """\
version: 2
image_name: tuw-ai
apis: [inference, vector_io]
providers:
  inference:
  - provider_id: ${env.VLLM_URL:+vllm}
    provider_type: remote::vllm
    config:
      url: ${env.VLLM_URL:=}
  - provider_id: sentence-transformers
    provider_type: inline::sentence-transformers
  vector_io:
  - provider_id: ${env.QDRANT_URL:+qdrant}
    provider_type: remote::qdrant
  - provider_id: faiss
    provider_type: inline::faiss
vector_stores:
  default_provider_id: ${env.VECTOR_STORE_DEFAULT_PROVIDER:=faiss}
  default_embedding_model:
    provider_id: ${env.VECTOR_STORE_EMBEDDING_PROVIDER:=sentence-transformers}
    model_id: ${env.VECTOR_STORE_EMBEDDING_MODEL:=all-minilm}
"""


def check(
    pod_env: Mapping[str, str],
    template: str | None,
    expected: Sequence[str],
    *,
    target: str | None = None,
    pod_annotations: Mapping[str, str] = CHECKSUM,
    annotations: Mapping[str, str] | None = None,
    **options: Any,
) -> list[Finding]:
    """The checks' findings for one pod; their IDs must be ``expected``, in order."""
    with tempfile.TemporaryDirectory() as folder:
        path = None
        if template is not None:
            path = Path(folder) / "run.yaml"
            path.write_text(template, "utf-8")
        chosen = profile.load(template=path, target=target)
    document = workload(
        container(env(**pod_env)), pod_annotations=pod_annotations, annotations=annotations
    )
    planned = plan(document, chosen, {}, **options)
    found = [f for f in planned.findings if f.id in checks.ORDER]
    assert [f.id for f in found] == list(expected), [f.message for f in found]
    return found


# -- each check, raised and its near miss ------------------------------------------------


def test_silent_revert() -> None:
    (found,) = check({"VECTOR_STORE_DEFAULT_PROVIDER": "sqlite-vec"}, None, ["silent-revert"])
    assert found.message.endswith(
        "would revert 1 run.yaml key set by VECTOR_STORE_DEFAULT_PROVIDER to the chart's defaults"
    )
    check({"VECTOR_STORE_DEFAULT_PROVIDER": "faiss"}, None, [])  # the chart's default


def test_vector_store_risk() -> None:
    small = {
        "VECTOR_STORE_EMBEDDING_MODEL": "sentence-transformers/all-MiniLM-L6-v2",
        "VECTOR_STORE_EMBEDDING_DIMENSION": "384",
    }
    check(small, None, ["silent-revert", "vector-store-risk"])
    # 768 written as text is the default dimension: the server reads one number.
    check({"VECTOR_STORE_EMBEDDING_DIMENSION": "768"}, None, [])


def test_chart_default_hazard_is_a_warning_where_kept_and_an_error_where_adopted() -> None:
    url = {"VLLM_URL": VLLM["VLLM_URL"]}
    (kept,) = check(url, None, ["chart-default-hazard"], target="runconfig")
    assert kept.severity is Severity.WARNING
    (adopted,) = check(url, None, ["chart-default-hazard"], target="runconfig", adopt_defaults=True)
    assert adopted.severity is Severity.ERROR
    check({}, None, [], target="runconfig")  # no VLLM_URL: the default hurts nothing
    check(url, None, [])  # the newest chart has no such default


@pytest.mark.parametrize(
    ("template", "reverted"),
    [
        (None, ["silent-revert"]),
        # The small template is not the chart's run.yaml: an upgrade without the
        # overlay reverts it, the embedding model included.
        (SMALL_TEMPLATE, ["silent-revert", "vector-store-risk"]),
    ],
    ids=["built-in", "small"],
)
def test_vector_provider_not_enabled(template: str | None, reverted: list[str]) -> None:
    qdrant = {"VECTOR_STORE_DEFAULT_PROVIDER": "qdrant"}
    *_, found = check(qdrant, template, [*reverted, "vector-provider-not-enabled"])
    assert "(${env.QDRANT_URL:+qdrant} is empty while QDRANT_URL is unset)" in found.message
    check({**qdrant, "QDRANT_URL": "http://qdrant:6333"}, template, reverted)


@pytest.mark.parametrize("template", [None, SMALL_TEMPLATE], ids=["built-in", "small"])
def test_embedding_provider_not_enabled_and_vllm_auto_registration(template: str | None) -> None:
    changed = ["silent-revert", "vector-store-risk"]  # the pod's embedding model is vLLM's
    without_url = {k: v for k, v in VLLM.items() if k != "VLLM_URL"}
    *_, found = check(without_url, template, [*changed, "embedding-provider-not-enabled"])
    assert found.severity is Severity.ERROR
    *_, auto = check(VLLM, template, [*changed, "vllm-auto-registration"])
    assert "registers every model its server lists" in auto.message


def test_no_rollout_trigger() -> None:
    chosen = {"VECTOR_STORE_DEFAULT_PROVIDER": "faiss"}
    (found,) = check(chosen, None, ["no-rollout-trigger"], pod_annotations={})
    assert "ConfigMap llama-stack-config changes" in found.message
    reloader = {"reloader.stakater.com/auto": "true"}
    check(chosen, None, [], pod_annotations={}, annotations=reloader)
    named = {"configmap.reloader.stakater.com/reload": "other, llama-stack-config"}
    check(chosen, None, [], pod_annotations={}, annotations=named)
