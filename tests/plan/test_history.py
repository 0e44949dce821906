"""A migrated workload against its release history: the revert found, and the restore computed.

Histories are built as Helm stores them: each revision's manifest rendered by
Helm (helm-python-sdk) from the fixture charts, kept in a release Secret.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.chart import profile
from migrate.engine import overlay
from migrate.model import Document, Origin, Plan, Status
from migrate.plan import history
from migrate.plan.workload import plan
from migrate.sources import helm_history
from migrate.yaml.io import same
from tests.support import helm
from tests.support.cluster import objects

PROFILE = profile.load()
RELEASE, NAMESPACE = "rag", "research"
CUSTOM = {
    "vectorStore": {
        "defaultProvider": "milvus",
        "embedding": {
            "provider": "vllm",
            "model": "intfloat/e5-mistral-7b-instruct",
            "dimension": 4096,
        },
    }
}


@functools.cache
def _render(chart: str, values: str) -> str:
    return helm.render_manifest_text(
        helm.FIXTURE_CHARTS / chart, json.loads(values), release=RELEASE, namespace=NAMESPACE
    )


def render(chart: str, values: Mapping[str, Any]) -> str:
    return _render(chart, json.dumps(values, sort_keys=True))


LEGACY, MODULAR = helm.LEGACY.name, helm.MODULAR.name


def stored(revisions: Sequence[tuple[int, str, Mapping[str, Any], str]]) -> helm_history.History:
    secrets = [
        objects.helm_release_secret(
            RELEASE, NAMESPACE, version, status, values, manifest=render(chart, values)
        )
        for version, chart, values, status in revisions
    ]
    return helm_history.history(secrets, RELEASE, NAMESPACE)


def live(values: Mapping[str, Any] | None = None) -> tuple[Plan, dict[str, Any]]:
    """The migrated workload as the modular chart renders it, planned, and its ConfigMaps."""
    text = render(MODULAR, values or {})
    documents = [d for d in yaml.safe_load_all(text) if d]
    maps = {d["metadata"]["name"]: d["data"] for d in documents if d["kind"] == "ConfigMap"}
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    deployment["metadata"]["namespace"] = NAMESPACE
    deployment["metadata"].setdefault("annotations", {})["meta.helm.sh/release-name"] = RELEASE
    document = Document(text="", data=deployment, origin=Origin("live.yaml", 1))
    result = plan(document, PROFILE, maps)
    assert result.status is Status.ALREADY_MIGRATED and result.run_config
    return result, maps


def compared(
    revisions: Sequence[tuple[int, str, Mapping[str, Any], str]],
    current_values: Mapping[str, Any] | None = None,
) -> Plan:
    current, maps = live(current_values)
    return history.compare(current, stored(revisions), PROFILE, maps)


def ids(result: Plan) -> list[str]:
    return [f.id for f in result.findings]


def test_a_revert_names_both_revisions_and_values() -> None:
    result = compared([(1, LEGACY, CUSTOM, "superseded"), (2, MODULAR, {}, "deployed")])
    (found,) = [f for f in result.findings if f.id == "upgrade-reverted"]
    assert "revision 1" in found.message and "revision 2" in found.message
    assert "milvus -> faiss" in found.message
    assert "intfloat/e5-mistral-7b-instruct -> nomic-ai/nomic-embed-text-v1.5" in found.message
    assert "4096 -> 768" in found.message
    assert result.restore is not None
    assert (result.restore.old_revision, result.restore.current_revision) == (1, 2)
    assert result.release_revision == 2


def test_a_faithful_upgrade_is_quiet() -> None:
    result = compared([(1, LEGACY, {}, "superseded"), (2, MODULAR, {}, "deployed")])
    assert ids(result) == []
    assert result.restore is None
    assert result.release_revision == 2


def test_a_pruned_history_says_the_old_revision_is_gone() -> None:
    result = compared([(4, MODULAR, {}, "superseded"), (5, MODULAR, {}, "deployed")])
    (found,) = result.findings
    assert found.id == "release-history-incomplete"
    assert "revisions 4 to 5" in found.message
    assert result.restore is None


def test_a_release_installed_on_the_new_chart_has_nothing_to_compare() -> None:
    result = compared([(1, MODULAR, {}, "superseded"), (2, MODULAR, {}, "deployed")])
    assert ids(result) == []


def test_a_failed_last_revision_is_named_and_the_deployed_one_compared() -> None:
    result = compared(
        [
            (1, LEGACY, CUSTOM, "superseded"),
            (2, MODULAR, {}, "deployed"),
            (3, MODULAR, {}, "failed"),
        ]
    )
    assert sorted(ids(result)) == ["release-history-incomplete", "upgrade-reverted"]
    (failed,) = [f for f in result.findings if f.id == "release-history-incomplete"]
    assert "revision 3" in failed.message and "failed" in failed.message
    assert result.release_revision == 2


def test_no_deployed_revision_is_said() -> None:
    result = compared([(1, LEGACY, CUSTOM, "superseded"), (2, MODULAR, {}, "failed")])
    assert ids(result) == ["release-history-incomplete"]
    assert result.restore is None


def test_an_empty_history_is_said() -> None:
    current, maps = live()
    result = history.compare(current, helm_history.history([], RELEASE, NAMESPACE), PROFILE, maps)
    (found,) = result.findings
    assert found.id == "release-history-incomplete" and "no record" in found.message


def test_the_restore_undoes_what_the_current_values_set() -> None:
    # Revision 2's values set the embedding model and add a key the old run.yaml lacked.
    now = {
        "vectorStores": {
            "default_provider_id": "faiss",
            "default_embedding_model": {"provider_id": "sentence-transformers", "model_id": "x"},
            "extra": {"a": 1},
        }
    }
    result = compared([(1, LEGACY, CUSTOM, "superseded"), (2, MODULAR, now, "deployed")], now)
    assert result.restore is not None
    restore = result.restore.values
    assert restore["vectorStores"]["extra"] is None  # Helm deletes it
    assert restore["vectorStores"]["default_provider_id"] == "milvus"


vector_values = st.fixed_dictionaries(
    {
        "defaultProvider": st.sampled_from(["faiss", "milvus", ""]),
        "embedding": st.fixed_dictionaries(
            {
                "provider": st.sampled_from(["sentence-transformers", "vllm"]),
                "model": st.sampled_from(["nomic-ai/nomic-embed-text-v1.5", "e5", "bge-m3"]),
                "dimension": st.sampled_from([768, 1024, 4096]),
            }
        ),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=vector_values, changed=st.booleans())
def test_the_restore_renders_what_the_old_revision_ran(old: dict[str, Any], changed: bool) -> None:
    current_values: dict[str, Any] = (
        {"vectorStores": {"default_provider_id": "faiss"}} if changed else {}
    )
    revisions = [
        (1, LEGACY, {"vectorStore": old}, "superseded"),
        (2, MODULAR, current_values, "deployed"),
    ]
    result = compared(revisions, current_values)
    before = history.settings(*_old_pod(revisions[0]))
    after = history.settings(result.run_config, result.environment)
    differs = [_number(b.value) for b in before] != [_number(a.value) for a in after]
    assert ("upgrade-reverted" in ids(result)) == differs
    if result.restore is None:
        return
    # The target chart's layout, with the release values of revision 2 and the restore
    # on top, renders the old pod's run.yaml.
    target = PROFILE.target
    release = target.with_release_values([("now", current_values)]).values
    rendered = target.layout.render(overlay.helm_merge(release, result.restore.values))
    assert same(rendered, result.restore.before)


def _number(value: Any) -> Any:
    """A dimension as the server reads it: '768' and 768 are one."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _old_pod(revision: tuple[int, str, Mapping[str, Any], str]) -> tuple[Any, Any]:
    _, chart, values, _ = revision
    documents = [d for d in yaml.safe_load_all(render(chart, values)) if d]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    deployment["metadata"]["namespace"] = NAMESPACE
    old = plan(
        Document(text="", data=deployment, origin=Origin("old.yaml", 1)),
        PROFILE,
        {},
        preserve_behavior=True,
    )
    assert old.status is Status.NEEDS_MIGRATION
    return old.run_config, old.environment


@pytest.mark.parametrize("status", ["pending-upgrade", "failed"])
def test_a_revision_that_did_not_run_is_never_the_old_one(status: str) -> None:
    result = compared(
        [
            (1, LEGACY, {}, "superseded"),
            (2, LEGACY, CUSTOM, status),
            (3, MODULAR, {}, "deployed"),
        ]
    )
    assert "upgrade-reverted" not in ids(result)
