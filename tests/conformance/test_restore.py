"""A restore overlay, applied by Helm, brings back what the old revision ran (Llama Stack 0.3.3).

For release values of the old env-var chart (``vectorStore`` settings drawn
at random) and values of the release after its upgrade to the modular chart
(sometimes setting vector-store keys of their own):

1. Helm renders both revisions (:data:`~tests.support.helm.LEGACY`, then
   :data:`~tests.support.helm.MODULAR`); they are stored as Helm stores
   release revisions, in Secrets.
2. The old pod (its env, the run.yaml baked into the image) goes to the real
   Llama Stack 0.3.3; so does the pod of revision 2.
3. ``migrate`` reads the live objects of revision 2 with that history and,
   where it reports ``upgrade-reverted``, writes ``restore-overlay.yaml``.
4. Helm reads that file itself and renders the modular chart with revision
   2's values and the overlay on top (``helm upgrade -f values -f
   restore-overlay.yaml``); Llama Stack resolves the result.

The restored pod must resolve exactly like the old one; without the finding,
revision 2 must already resolve to the old vector-store settings.
"""

from __future__ import annotations

from typing import Any

import helm_python
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.app import history as apply_history
from migrate.model import Document, Status
from migrate.sources import helm_history, manifests
from tests.conformance.llamastack import LlamaStack, Resolution
from tests.conformance.test_faithful import TEMPLATE_TEXT, assert_same_behaviour
from tests.conformance.test_targets_faithful import (
    NAMESPACE,
    PROFILES,
    RELEASE,
    Charts,
    charts,
    legacy,
)
from tests.support import helm
from tests.support.cluster import objects

__all__ = ["charts"]  # the module-scoped fixture, shared with the targets' conformance

PROFILE = PROFILES["modular"]
OLD_VALUES = st.fixed_dictionaries(
    {
        "defaultProvider": st.sampled_from(["faiss", "milvus"]),
        "embedding": st.fixed_dictionaries(
            {
                "provider": st.sampled_from(["sentence-transformers", "vllm"]),
                "model": st.sampled_from(
                    ["nomic-ai/nomic-embed-text-v1.5", "intfloat/e5-mistral-7b-instruct", "bge-m3"]
                ),
                "dimension": st.sampled_from([768, 1024, 4096]),
            }
        ),
    }
)
NEW_VALUES: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"vectorStores": st.fixed_dictionaries({"default_provider_id": st.just("faiss")})}
    ),
    st.fixed_dictionaries(
        {
            "vectorStores": st.fixed_dictionaries(
                {
                    "default_embedding_model": st.fixed_dictionaries(
                        {
                            "provider_id": st.just("sentence-transformers"),
                            "model_id": st.just("all-MiniLM-L6-v2"),
                        }
                    )
                }
            )
        }
    ),
)
SEED_LIKE = {
    "defaultProvider": "milvus",
    "embedding": {
        "provider": "vllm",
        "model": "intfloat/e5-mistral-7b-instruct",
        "dimension": 4096,
    },
}


def live_and_history(
    old_values: dict[str, Any], new_values: dict[str, Any]
) -> tuple[str, helm_history.History]:
    """Revision 2's manifest (what runs now) and the release's history of two revisions."""
    old_manifest = legacy(old_values).manifest
    new_manifest = helm.render_manifest_text(
        helm.MODULAR, dict(new_values), release=RELEASE, namespace=NAMESPACE
    )
    secrets = [
        objects.helm_release_secret(
            RELEASE, NAMESPACE, 1, "superseded", old_values, manifest=old_manifest
        ),
        objects.helm_release_secret(
            RELEASE, NAMESPACE, 2, "deployed", new_values, manifest=new_manifest
        ),
    ]
    return new_manifest, helm_history.history(secrets, RELEASE, NAMESPACE)


def live_documents(manifest: str) -> list[Any]:
    """The objects of a revision as the cluster holds them: namespaced, Helm's annotations on."""
    documents: list[Document] = []
    for document in manifests.documents("live", manifest):
        data = yaml.safe_load(document.text)
        metadata = data["metadata"]
        metadata["namespace"] = NAMESPACE
        metadata.setdefault("annotations", {}).update(
            {"meta.helm.sh/release-name": RELEASE, "meta.helm.sh/release-namespace": NAMESPACE}
        )
        documents.extend(manifests.documents("live", yaml.safe_dump(data)))
    return documents


def settings_of(resolution: Resolution) -> tuple[Any, ...]:
    """The vector-store settings of a resolved configuration."""
    config = resolution.config
    stores = config.get("vector_stores") or {}
    model = stores.get("default_embedding_model") or {}
    dimensions = [
        (m.get("metadata") or {}).get("embedding_dimension")
        for m in (config.get("registered_resources") or {}).get("models") or []
        if m.get("model_id") == model.get("model_id")
        and m.get("provider_id") == model.get("provider_id")
    ]
    return (
        stores.get("default_provider_id"),
        model.get("provider_id"),
        model.get("model_id"),
        dimensions,
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=OLD_VALUES, new=NEW_VALUES)
@example(old=SEED_LIKE, new={})
def test_the_restore_overlay_resolves_like_the_old_revision(
    llama_stack: LlamaStack, charts: Charts, old: dict[str, Any], new: dict[str, Any]
) -> None:
    old_values = {"vectorStore": old}
    manifest, history = live_and_history(old_values, new)
    result = pipeline.convert(live_documents(manifest), PROFILE)
    config_maps = {
        d.name: d.data["data"] for d in live_documents(manifest) if d.kind == "ConfigMap"
    }
    result = apply_history.apply(result, lambda name, ns: history, PROFILE, lambda ns: config_maps)
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    assert outcome.plan.status is Status.ALREADY_MIGRATED

    old_pod, now = llama_stack.resolve_many(
        [
            (TEMPLATE_TEXT, legacy(old_values).env),
            charts.render("modular", new, {}).request,
        ]
    )
    if not old_pod.ok:
        pytest.skip(f"the old pod does not start: {old_pod.error}")
    reverted = [f for f in outcome.plan.findings if f.id == "upgrade-reverted"]
    if not reverted:
        assert settings_of(now) == settings_of(old_pod), outcome.plan.findings
        return
    files = {a.path.name: a.text for a in outcome.artifacts}
    # Helm reads the file itself, as `helm upgrade -f` does.
    restore = helm_python.values_from_yaml(files["restore-overlay.yaml"]) or {}
    restored_pod = charts.render("modular", new, restore)
    assert restored_pod.problem is None
    (restored,) = llama_stack.resolve_many([restored_pod.request])
    assert settings_of(restored) == settings_of(old_pod)
    assert_same_behaviour(old_pod, restored, ())
