"""From migrated-variable values to the desired run.yaml and the minimal overlay."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import fastpath
from migrate.chart import profile
from migrate.engine import kube_env, overlay
from migrate.model import Severity
from migrate.plan import resolution
from migrate.yaml.io import same

MODULAR = profile.load()
RUNCONFIG = profile.load(target="runconfig")
HOME = "/home/lls"
PROVIDER = ("vector_stores", "default_provider_id")
DIMENSION = ("registered_resources", "models", 0, "metadata", "embedding_dimension")
ALLOWED = ("providers", "inference", 0, "config", "allowed_models")


def at(tree: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def pod(**values: str) -> kube_env.ContainerEnv:
    return kube_env.resolve({"env": [{"name": n, "value": v} for n, v in values.items()]}, {})


def test_baked_values_and_unset_defaults_land_in_the_overlay() -> None:
    bake = {"VECTOR_STORE_DEFAULT_PROVIDER": "milvus", "VECTOR_STORE_EMBEDDING_DIMENSION": None}
    resolved = resolution.resolve(MODULAR, bake, HOME)
    assert at(resolved.values, PROVIDER) == "milvus"
    assert at(resolved.values, DIMENSION) == 768  # the template's default, as a number
    assert resolved.evaluation.provenance[PROVIDER] == {"VECTOR_STORE_DEFAULT_PROVIDER"}
    assert (resolved.refused, resolved.conflicts, resolved.kept_drift) == ({}, (), ())
    assert at(resolved.desired, PROVIDER) == "milvus"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1e3", "Helm turns the whole float 1000.0 into the integer 1000"),
        ("0x10", "Helm's toYaml may write '0x10' unquoted"),
    ],
)
def test_a_value_helm_would_change_is_refused_and_stays_a_placeholder(value: str, why: str) -> None:
    resolved = resolution.resolve(MODULAR, {"VECTOR_STORE_EMBEDDING_DIMENSION": value}, HOME)
    (reason,) = resolved.refused.values()
    assert list(resolved.refused) == ["VECTOR_STORE_EMBEDDING_DIMENSION"]
    assert reason.startswith("at registered_resources.models[0].metadata.embedding_dimension: ")
    assert why in reason
    assert at(resolved.values, DIMENSION) == "${env.VECTOR_STORE_EMBEDDING_DIMENSION:=768}"


def test_active_hazards_are_those_whose_trigger_the_pod_may_set() -> None:
    (hazard,) = RUNCONFIG.hazards
    assert resolution.active_hazards(RUNCONFIG, pod(VLLM_URL="http://vllm")) == (hazard,)
    assert resolution.active_hazards(RUNCONFIG, pod(VLLM_URL="")) == ()
    assert resolution.active_hazards(RUNCONFIG, pod()) == ()


def test_a_hazard_keeps_what_the_pod_ran_and_says_why_on_the_whole_list() -> None:
    keep = resolution.active_hazards(RUNCONFIG, pod(VLLM_URL="http://vllm"))
    resolved = resolution.resolve(RUNCONFIG, {}, HOME, keep=keep)
    assert [(path, after) for path, _, after in resolved.kept_drift] == [(ALLOWED, [])]
    assert resolved.notes() == {
        ("providers", "inference"): "kept as the pod ran it, not the chart's default "
        "providers.inference[0].config.allowed_models: [], which would break this pod "
        "(chart-default-hazard)"
    }
    adopted = resolution.resolve(RUNCONFIG, {}, HOME)
    assert at(adopted.desired, ALLOWED) == [] and adopted.kept_drift == ()


def test_preserve_behavior_keeps_every_chart_default_change() -> None:
    resolved = resolution.resolve(RUNCONFIG, {}, HOME, preserve_behavior=True)
    assert resolved.desired == resolved.evaluation.tree
    assert [path for path, _, _ in resolved.kept_drift] == [ALLOWED]
    assert resolved.notes() == {
        ("providers", "inference"): "kept as the pod ran it, not the chart's default "
        "providers.inference[0].config.allowed_models: [] (--preserve-behavior)"
    }


def test_keys_kept_in_one_list_share_its_comment_and_each_default_is_shown() -> None:
    resolved = resolution.resolve(RUNCONFIG, {}, HOME, preserve_behavior=True)
    second = ("providers", "inference", 1, "config", "base_url")
    dropped = ("server", "port")
    many = replace(
        resolved,
        kept_drift=(
            (ALLOWED, None, []),
            (second, None, "https://" + "x" * 80),
            (dropped, 8321, overlay.MISSING),
        ),
        pinned=((ALLOWED, resolution.PRESERVE), (second, resolution.PRESERVE), (dropped, "x")),
    )
    with pytest.raises(KeyError):
        many.notes()  # an unknown cause is a bug, not a comment
    many = replace(many, pinned=(*many.pinned[:2], (dropped, resolution.HAZARD)))
    assert many.notes() == {
        ("providers", "inference"): "kept as the pod ran it, not the chart's defaults "
        "providers.inference[0].config.allowed_models: [], providers.inference[1].config."
        "base_url: https://" + "x" * 51 + "… (--preserve-behavior)",
        dropped: "kept as the pod ran it, not the chart's default server.port: (absent), which "
        "would break this pod (chart-default-hazard)",
    }


def test_what_the_target_cannot_render_is_an_error_or_a_warning_off_helm() -> None:
    resolved = resolution.resolve(MODULAR, {"VECTOR_STORE_DEFAULT_PROVIDER": "milvus"}, HOME)
    assert resolution.carry_problems(MODULAR, resolved.values, resolved.desired) == []
    desired = {**resolved.desired, "version": 3}  # the modular chart fixes version: 2
    (managed,) = resolution.carry_problems(MODULAR, resolved.values, desired)
    assert (managed.id, managed.severity) == ("target-cannot-carry", Severity.ERROR)
    assert managed.message.startswith("version: the target chart (modular: ")
    (patched,) = resolution.carry_problems(MODULAR, resolved.values, desired, helm_managed=False)
    assert patched.severity is Severity.WARNING


# Values drawn from few, so that draws repeat: the memo of resolutions is then used.
_VALUES = st.sampled_from([None, "milvus", "faiss", "384", "1e3", "~/data", "${env.X}", ""])
_BAKES = st.lists(
    st.dictionaries(st.sampled_from(sorted(MODULAR.mapping())), _VALUES, max_size=4),
    min_size=1,
    max_size=12,
)


def _fields(resolved: resolution.Resolution) -> list[Any]:
    return [
        resolved.evaluation.tree,
        resolved.evaluation.provenance,
        resolved.evaluation.refused,
        resolved.desired,
        resolved.values,
        resolved.conflicts,
        resolved.refused,
        resolved.kept_drift,
        resolved.pinned,
        resolved.reads,
        resolved.uncarried,
    ]


@settings(max_examples=60, deadline=None)
@given(bakes=_BAKES, chosen=st.sampled_from([MODULAR, RUNCONFIG]))
def test_a_resolution_kept_for_the_same_values_is_what_the_full_path_works_out(
    bakes: list[dict[str, str | None]], chosen: profile.Profile
) -> None:
    """Workloads of a run with the same values share one resolution: each is what the full
    path works out for its values, HOME and policy, also after other workloads used it."""
    asked = [
        (bake, home, preserve, keep)
        for bake in bakes
        for home in (HOME, None)
        for preserve in (False, True)
        for keep in ((), chosen.hazards)
    ]

    def resolve_all() -> list[resolution.Resolution]:
        return [
            resolution.resolve(chosen, bake, home, preserve_behavior=preserve, keep=keep)
            for bake, home, preserve, keep in asked
        ]

    shared = resolve_all()
    os.environ[fastpath.ENV] = "1"
    try:
        alone = resolve_all()
    finally:
        del os.environ[fastpath.ENV]
    for mine, theirs in zip(shared, alone, strict=True):
        assert all(same(a, b) for a, b in zip(_fields(mine), _fields(theirs), strict=True)), (
            "a shared resolution differs from its own"
        )
