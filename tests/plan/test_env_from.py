"""The envFrom imports a patched workload keeps: which ones the report names, and how.

The planner runs in-process on workloads built as data; an import is named
(``env-from-kept``) exactly when it sets, or by its prefix may set, a migrated
variable, with its source and whether run.yaml still reads what it sets.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from migrate.chart import profile
from migrate.engine import kube_env
from migrate.model import Finding, Severity, Status
from migrate.plan.workload import plan
from tests.plan.pods import container, env, workload

PROFILE = profile.load()
MIGRATED = sorted(PROFILE.mapping())  # the variables the migration bakes
SET_BY_ENV = "VECTOR_STORE_DEFAULT_PROVIDER"  # every workload here sets it in `env`
SETTINGS = {"EMBEDDING_MODEL": "all-MiniLM-L6-v2", "EMBEDDING_DIMENSION": "384"}


def kept(
    env_from: list[dict[str, Any]],
    config_maps: kube_env.ConfigMaps | None = None,
    assume: dict[str, str] | None = None,
) -> list[Finding]:
    server = container(env(**{SET_BY_ENV: "milvus"}), envFrom=env_from)
    result = plan(
        workload(server, pod_annotations={"checksum/config": "0"}),
        PROFILE,
        config_maps or {},
        assume=assume,
    )
    assert result.status is Status.NEEDS_MIGRATION
    return [f for f in result.findings if f.id == "env-from-kept"]


def config_map(name: str, prefix: str | None = None, **ref: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"configMapRef": {"name": name, **ref}}
    if prefix is not None:
        item["prefix"] = prefix
    return item


def test_a_given_configmap_whose_keys_make_migrated_names_is_named_with_what_to_do() -> None:
    (found,) = kept([config_map("settings", "VECTOR_STORE_")], {"settings": SETTINGS})
    assert found.severity is Severity.WARNING
    assert found.message == (
        "container llama-stack: envFrom[0] imports ConfigMap 'settings' with prefix "
        "'VECTOR_STORE_' and sets VECTOR_STORE_EMBEDDING_DIMENSION, "
        "VECTOR_STORE_EMBEDDING_MODEL; the patched workload keeps the import, which cannot "
        "drop one key. run.yaml no longer reads VECTOR_STORE_EMBEDDING_DIMENSION, "
        "VECTOR_STORE_EMBEDDING_MODEL (baked into runConfig): a change to ConfigMap "
        "'settings' no longer reaches Llama Stack. Change these settings in runConfig from "
        "now on, and once the migration is applied remove their keys from ConfigMap "
        "'settings' (or the import, if the pod reads nothing else from it)"
    )


def test_without_a_prefix_a_key_named_like_a_migrated_variable_counts() -> None:
    data = {"VECTOR_STORE_EMBEDDING_MODEL": "e5", "LOG_LEVEL": "info"}
    (found,) = kept([{"configMapRef": {"name": "app"}}], {"app": data})
    assert "imports ConfigMap 'app' and sets VECTOR_STORE_EMBEDDING_MODEL;" in found.message


def test_an_import_that_sets_no_migrated_name_or_nothing_is_not_named() -> None:
    assert kept([config_map("settings", "EMBEDDING_")], {"settings": SETTINGS}) == []
    assert kept([config_map("settings")], {"settings": SETTINGS}) == []
    # Known not to exist and optional: it imports nothing.
    assert kept([config_map("gone", "VECTOR_STORE_", optional=True)], {"gone": None}) == []


def test_a_secret_with_such_a_prefix_may_set_them_and_they_stay_env_vars() -> None:
    item = {"secretRef": {"name": "vectors"}, "prefix": "VECTOR_STORE_"}
    (found,) = kept([item])
    # Every variable it may set is unknown offline, so run.yaml still reads it: info. The
    # env's VECTOR_STORE_DEFAULT_PROVIDER beats the import, so the import never set it.
    assert found.severity is Severity.INFO
    assert found.message == (
        "container llama-stack: envFrom[0] imports Secret 'vectors' with prefix "
        "'VECTOR_STORE_' and may set (its keys are not known offline) "
        "VECTOR_STORE_EMBEDDING_DIMENSION, VECTOR_STORE_EMBEDDING_MODEL, "
        "VECTOR_STORE_EMBEDDING_PROVIDER; the patched workload keeps the import, which cannot "
        "drop one key; VECTOR_STORE_EMBEDDING_DIMENSION, VECTOR_STORE_EMBEDDING_MODEL, "
        "VECTOR_STORE_EMBEDDING_PROVIDER stay env vars that run.yaml still reads, and the "
        "import may set: keep it"
    )


def test_a_variable_an_env_entry_sets_never_came_from_the_import() -> None:
    data = {"DEFAULT_PROVIDER": "faiss"}  # the env sets VECTOR_STORE_DEFAULT_PROVIDER itself
    assert kept([config_map("settings", "VECTOR_STORE_")], {"settings": data}) == []


def test_a_configmap_not_given_is_judged_by_its_prefix_and_an_assumed_value_is_baked() -> None:
    item = config_map("elsewhere", "VECTOR_STORE_EMBEDDING_")
    (found,) = kept([item], assume={"VECTOR_STORE_EMBEDDING_MODEL": "e5"})
    assert found.severity is Severity.WARNING
    assert "may set (its keys are not known offline) VECTOR_STORE_EMBEDDING_DIMENSION, " in (
        found.message
    )
    assert "run.yaml no longer reads VECTOR_STORE_EMBEDDING_MODEL (baked" in found.message
    assert "; VECTOR_STORE_EMBEDDING_DIMENSION, VECTOR_STORE_EMBEDDING_PROVIDER stay env vars" in (
        found.message
    )


def test_an_unknown_import_without_a_prefix_is_left_to_the_variables_own_findings() -> None:
    assert kept([{"secretRef": {"name": "api-keys"}}]) == []


def test_each_import_is_named_by_its_position() -> None:
    items = [config_map("other"), config_map("settings", "VECTOR_STORE_")]
    (found,) = kept(items, {"settings": SETTINGS, "other": {"LOG_LEVEL": "debug"}})
    assert "envFrom[1] imports ConfigMap 'settings'" in found.message


_KEY = st.from_regex(r"[A-Z][A-Z_]{0,24}", fullmatch=True)
_PREFIX = st.one_of(st.just(""), st.sampled_from(["VECTOR_", "VECTOR_STORE_", "APP_"]), _KEY)


@settings(max_examples=60, deadline=None)
@given(prefix=_PREFIX, keys=st.lists(_KEY, max_size=4, unique=True))
@example(prefix="VECTOR_STORE_", keys=["DEFAULT_PROVIDER"])  # the env's own: not from it
@example(prefix="VECTOR_", keys=["STORE_EMBEDDING_MODEL", "LOG"])
@example(prefix="", keys=["VECTOR_STORE_EMBEDDING_DIMENSION"])
def test_a_given_configmap_is_named_exactly_when_a_key_makes_a_migrated_name(
    prefix: str, keys: list[str]
) -> None:
    data = {key: "x" for key in keys}
    found = kept([config_map("settings", prefix or None)], {"settings": data})
    made = sorted({prefix + key for key in keys} & (set(MIGRATED) - {SET_BY_ENV}))
    assert len(found) == (1 if made else 0)
    if made:
        assert f"and sets {', '.join(made)};" in found[0].message
