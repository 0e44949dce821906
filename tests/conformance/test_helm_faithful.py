"""The whole Helm route under real Llama Stack 0.3.3.

Old chart rendered with varied values → the old pod's env and the image's
run.yaml; ``migrate`` → overlay; new chart rendered with that overlay → the
new pod's env and the ConfigMap's run.yaml. Llama Stack must resolve both to
the same configuration (exactly with ``--preserve-behavior``; otherwise up to
the chart drift the plan names).
"""

from __future__ import annotations

from typing import Any

import helm_python
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance.llamastack import LlamaStack
from tests.conformance.test_faithful import TEMPLATE_TEXT, assert_same_behaviour
from tests.helm.test_roundtrip import CURRENT, LEGACY, migrate_release, release_values
from tests.support import helm


def pod_env(documents: list[dict[str, Any]]) -> dict[str, str]:
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container.get("env") or [] if "value" in e}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=release_values(), preserve=st.booleans())
def test_helm_route_resolves_like_the_old_release(
    llama_stack: LlamaStack, values: dict[str, Any], preserve: bool
) -> None:
    old_documents = helm.render_documents(LEGACY, values, release="prod", namespace="ai")
    old = llama_stack.resolve(TEMPLATE_TEXT, pod_env(old_documents))

    outcome, files = migrate_release(values, preserve)
    overlay = helm_python.values_from_yaml(files["values-overlay.yaml"]) or {}
    # The user's release values carry over; the overlay goes on top of them.
    release = {k: v for k, v in values.items() if k != "vectorStore"}
    merged = {**release, **overlay, "env": {**release.get("env", {}), **overlay.get("env", {})}}
    new_documents = helm.render_documents(CURRENT, merged, release="prod", namespace="ai")
    (configmap,) = [d for d in new_documents if d["kind"] == "ConfigMap"]
    new = llama_stack.resolve(configmap["data"]["run.yaml"], pod_env(new_documents))

    assert_same_behaviour(old, new, outcome.plan.drift)
