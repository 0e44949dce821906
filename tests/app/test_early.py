"""Workloads planned early are taken only for exactly the workload they were planned for."""

from __future__ import annotations

from migrate.app import convert as pipeline
from migrate.app import early
from migrate.chart import profile
from migrate.model import CompleteConfigMaps, Document, Origin, Workload
from migrate.sources.context import to_document
from tests.plan import pods
from tests.plan.pods import container, env

PROFILE = profile.load()
POLICY = pipeline.Policy(False, False, False, {})


def workload(*containers: dict[str, object], **fields: str) -> Document:
    """A workload as a scan reads it: manifest text and the data read back from it."""
    return to_document(pods.workload(*containers, **fields).data, "test")  # type: ignore[arg-type]


def config_map(name: str, namespace: str, **data: str) -> Document:
    content = {"apiVersion": "v1", "kind": "ConfigMap", "data": data}
    content["metadata"] = {"name": name, "namespace": namespace}
    return Document(text="", data=content, origin=Origin("test", 0))


def test_workloads_are_planned_once_their_namespace_config_maps_are_read() -> None:
    before = workload(container(env(VECTOR_STORE_EMBEDDING_MODEL="m")), name="before")
    after = workload(container(env(VECTOR_STORE_DEFAULT_PROVIDER="qdrant")), name="after")
    elsewhere = workload(container(env(VECTOR_STORE_DEFAULT_PROVIDER="pgvector")), namespace="b")
    maps = [config_map("cm", "ai", KEY="v"), config_map("other", "b")]
    planner = early.Planner(PROFILE, POLICY)
    planner.kept(before)  # waits for the namespace's ConfigMaps
    planner.config_maps("ai", maps)
    planner.kept(after)
    planner.kept(elsewhere)  # its namespace's ConfigMaps are never read
    planner.finish()

    table = CompleteConfigMaps({"cm": {"KEY": "v"}})
    for document in (before, after):
        found = planner.outcome(Workload(document, table))
        assert found == pipeline.outcome_of(Workload(document, table), PROFILE, POLICY)
        assert found is not None and found.artifacts
    assert planner.outcome(Workload(elsewhere, CompleteConfigMaps())) is None
    # Other ConfigMaps, ConfigMaps not known complete, an equal but other object: none.
    assert planner.outcome(Workload(before, CompleteConfigMaps({"cm": {"KEY": "w"}}))) is None
    assert planner.outcome(Workload(before, dict(table))) is None
    copy = Document(text=before.text, data=before.data, origin=before.origin)
    assert planner.outcome(Workload(copy, table)) is None


def test_plan_all_takes_what_was_planned_early_and_plans_the_rest() -> None:
    first = workload(container(env(VECTOR_STORE_EMBEDDING_MODEL="m")), name="first")
    second = workload(container(env(VECTOR_STORE_EMBEDDING_MODEL="n")), name="second")
    items = [Workload(first, CompleteConfigMaps()), Workload(second, CompleteConfigMaps())]
    marked = pipeline.Outcome(plan=pipeline.outcome_of(items[0], PROFILE, POLICY).plan)
    result = pipeline.plan_all(
        items,
        PROFILE,
        POLICY,
        documents=2,
        early=lambda w: marked if w.document is first else None,
    )
    assert result.outcomes[0] is marked
    assert result.outcomes[1] == pipeline.outcome_of(items[1], PROFILE, POLICY)
