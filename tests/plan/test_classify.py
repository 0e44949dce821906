"""Which container is Llama Stack's and why, own configs, and the kinds not converted."""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.chart import profile
from migrate.engine import evaluate
from migrate.model import Status
from migrate.plan import classify
from tests.plan.pods import container, env, workload
from tests.support import sketches

PROFILE = profile.load()


def chosen(*containers: dict[str, Any]) -> classify.Chosen | str | None:
    return classify.llama_stack_container(list(containers), PROFILE)


def test_the_image_recognises_the_container_without_its_tag_or_digest() -> None:
    found = chosen(
        container(name="proxy", image="nginx:1.27"),
        container(name="server", image="registry.example:5000/llama-stack:0.3.3@sha256:abc"),
    )
    assert found == classify.Chosen(
        1,
        container(name="server", image="registry.example:5000/llama-stack:0.3.3@sha256:abc"),
        "image registry.example:5000/llama-stack",
    )


def test_name_and_env_recognise_a_container_of_any_image() -> None:
    found = chosen(container(env(VECTOR_STORE_DEFAULT_PROVIDER="faiss"), image="example/server"))
    assert isinstance(found, classify.Chosen)
    assert found.recognised == "container name llama-stack; env VECTOR_STORE_DEFAULT_PROVIDER"
    by_env = chosen(container(env(RUN_CONFIG_PATH="/x"), name="main", image="example/server"))
    assert isinstance(by_env, classify.Chosen) and by_env.recognised == "env RUN_CONFIG_PATH"


def test_a_sidecar_sharing_the_env_is_not_the_server() -> None:
    shared = env(VECTOR_STORE_DEFAULT_PROVIDER="milvus")
    found = chosen(
        container(shared, name="log-shipper", image="fluent/fluent-bit"),
        container(shared, name="llama-stack"),
    )
    assert isinstance(found, classify.Chosen) and found.index == 1


def test_the_operator_controller_is_excluded() -> None:
    operator = "quay.io/llamastack/llama-stack-k8s-operator:v0.3"
    assert chosen(container(name="manager", image=operator)) is None


def test_two_servers_are_ambiguous_and_none_is_none() -> None:
    found = chosen(container(name="a"), container(name="b"))
    assert found == "more than one container looks like Llama Stack (a, b); cannot tell which"
    assert chosen(container(name="web", image="nginx")) is None


@pytest.mark.parametrize(
    ("fields", "how"),
    [
        ({"env": env(LLAMA_STACK_CONFIG="/config/run.yaml")}, "sets LLAMA_STACK_CONFIG"),
        ({"env": env(RUN_CONFIG_PATH="/c/run.yaml")}, "sets RUN_CONFIG_PATH to '/c/run.yaml'"),
        ({"args": ["--config", "/x.yaml"]}, "passes --config"),
        ({"command": ["llama", "stack", "run", "/a/r.yml"]}, "runs `llama stack run /a/r.yml`"),
        ({"args": ["llama stack run config.json"]}, "runs `llama stack run config.json`"),
        ({"command": ["llama", "stack", "run", "starter"]}, None),
        ({"env": env(RUN_CONFIG_PATH="/etc/llama-stack/run.yaml")}, None),
    ],
)  # fmt: skip
def test_own_config(fields: dict[str, Any], how: str | None) -> None:
    assert classify.own_config(container(**fields), PROFILE) == how


@pytest.mark.parametrize("kind", ["DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"])
def test_other_kinds_that_run_the_container_are_named_not_converted(kind: str) -> None:
    plan = classify.not_converted(workload(container(), kind=kind), PROFILE)
    assert plan is not None
    assert (plan.status, plan.container, plan.recognised) == (
        Status.NOT_MIGRATED,
        "llama-stack",
        "image ghcr.io/tu-wien-datalab/llama-stack; container name llama-stack",
    )
    assert [f.id for f in plan.findings] == ["kind-not-migrated"]
    assert f"this {kind} runs the Llama Stack container" in plan.findings[0].message


def test_other_kinds_without_the_container_and_converted_kinds_are_not_named() -> None:
    assert (
        classify.not_converted(workload(container(image="nginx", name="web"), kind="Job"), PROFILE)
        is None
    )
    assert classify.not_converted(workload(container()), PROFILE) is None  # a Deployment


def test_is_llama_stack_needs_a_list_of_containers() -> None:
    assert classify.is_llama_stack(workload(container()), PROFILE)
    assert not classify.is_llama_stack(workload(container(image="nginx", name="web")), PROFILE)
    broken = workload()
    broken.data["spec"]["template"]["spec"]["containers"] = {"name": "llama-stack"}
    assert not classify.is_llama_stack(broken, PROFILE)


_PIECES = st.sampled_from(
    ["llama-stack", "llama_stack", "llamastack", "operator", "nginx", "registry:5000/", ":0.3",
     "@sha256:ab", "/", "VECTOR_STORE_", "RUN_CONFIG_PATH", "x", "*", "[", "?", ""]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=4).map("".join)
_CONTAINERS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "name": _TEXT | st.integers(),
            "image": _TEXT | st.none(),
            "env": st.lists(
                st.fixed_dictionaries({"name": _TEXT | st.integers()}) | st.just("x"), max_size=3
            )
            | st.just({"name": "VECTOR_STORE_X"}),
        },
    )
    | st.just("not a container"),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(_CONTAINERS)
def test_is_llama_stack_is_whether_a_container_is_chosen_or_ambiguous(
    containers: list[Any],
) -> None:
    document = workload()
    document.data["spec"]["template"]["spec"]["containers"] = containers
    expected = classify.llama_stack_container(containers, PROFILE) is not None
    assert classify.is_llama_stack(document, PROFILE) is expected


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.lists(_TEXT, max_size=3).map(tuple))
def test_a_pattern_of_globs_matches_as_fnmatch_with_any_of_them(
    name: str, globs: tuple[str, ...]
) -> None:
    expected = any(fnmatch.fnmatchcase(name, glob) for glob in globs)
    assert evaluate.matches(name, globs) is expected


_ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=6,
)
_ENV_NAME = (
    (st.sampled_from(["VECTOR_STORE_EMBEDDING_MODEL", "RUN_CONFIG_PATH", "HOME"]) | _TEXT)
    | st.integers()
    | st.none()
)
_FITTING_CONTAINERS = (
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "name": _TEXT | st.integers() | st.none(),
                "image": _TEXT | st.integers() | st.none(),
                "env": st.lists(
                    st.fixed_dictionaries({}, optional={"name": _ENV_NAME, "value": _ANYTHING})
                    | st.none(),
                    max_size=3,
                )
                | st.none(),
                "ports": _ANYTHING,
            },
        )
        | st.none(),
        max_size=3,
    )
    | st.none()
)


@settings(max_examples=400, deadline=None)
@given(_FITTING_CONTAINERS | _CONTAINERS, st.none() | _ANYTHING, st.integers(0, 9))
def test_the_recogniser_tells_from_the_fields_it_reads_what_it_tells_from_the_whole(
    containers: Any, extra: Any, odd: int
) -> None:
    """A scan decodes of each listed object only classify.reads(): its verdict is the same."""
    document = workload()
    data: dict[str, Any] = dict(document.data)
    data["spec"]["template"]["spec"]["containers"] = containers
    data["spec"]["template"]["spec"]["volumes"] = extra
    if odd == 0:
        data["spec"]["template"] = extra  # of another shape, most likely
    recognises = classify.recogniser(PROFILE)
    try:
        part = sketches.prune(data, classify.reads())
    except sketches.Unfit:  # a scan reads such an object whole
        return
    assert recognises(part) is recognises(data)
    assert recognises(data) is classify.is_llama_stack(replace(document, data=data), PROFILE)


def test_the_fields_read_follow_the_pod_spec_path() -> None:
    assert classify.reads(("spec",)) == {
        "spec": {"containers": [{"name": ..., "image": ..., "env": [{"name": ...}]}]}
    }
    assert classify.reads(("spec", 0)) is None  # not of keys alone: read whole
