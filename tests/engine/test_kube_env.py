"""The kubelet's view of a container's environment, computed offline (migrate.engine.kube_env)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.engine.kube_env import (
    ENV_PROBLEM,
    UNRESOLVED_REFERENCE,
    ContainerEnv,
    EnvProblem,
    EnvVar,
    State,
    resolve,
)


def container(env: list[Any] | None = None, env_from: list[Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "llama-stack", "image": "example/llama-stack:0.3.3"}
    if env is not None:
        spec["env"] = env
    if env_from is not None:
        spec["envFrom"] = env_from
    return spec


def value(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "value": text}


def cm_key(name: str, cm: str, key: str, optional: bool | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": cm, "key": key}
    if optional is not None:
        ref["optional"] = optional
    return {"name": name, "valueFrom": {"configMapKeyRef": ref}}


def secret_key(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def level(problem: EnvProblem) -> str:
    """A problem's severity: the env always says which (its rules take several)."""
    assert problem.severity is not None, problem
    return problem.severity.value


def severities(result: ContainerEnv) -> list[tuple[int | None, str]]:
    return [(problem.env_index, level(problem)) for problem in result.problems]


# ---------------------------------------------------------------------------
# env: values, order, duplicates, expansion


def test_plain_value_is_known() -> None:
    result = resolve(container([value("VLLM_URL", "http://vllm:8000/v1")]), {})
    var = result.get("VLLM_URL")
    assert var == EnvVar("VLLM_URL", State.KNOWN, "http://vllm:8000/v1", "value", 0, None, ())
    assert result.problems == ()


def test_entry_without_value_is_set_to_empty_string() -> None:
    result = resolve(container([{"name": "A"}, {"name": "B", "value": None}]), {})
    assert result.known_values() == {"A": "", "B": ""}


def test_undeclared_name_is_unset() -> None:
    var = resolve(container([value("A", "a")]), {}).get("NOPE")
    assert var.state is State.UNSET
    assert (var.source, var.value, var.env_index) == ("none", None, None)


def test_undeclared_service_link_name_is_unknown() -> None:
    result = resolve(container([]), {})
    assert result.get("MILVUS_PORT").state is State.UNKNOWN
    assert (
        resolve(container([]), {}, enable_service_links=False).get("MILVUS_PORT").state
        is State.UNSET
    )


def test_duplicate_name_last_wins_and_middle_reference_sees_the_earlier() -> None:
    result = resolve(
        container([value("X", "first"), value("Y", "<$(X)>"), value("X", "second")]), {}
    )
    assert result.get("X").value == "second"
    assert result.get("X").env_index == 2
    assert result.get("Y").value == "<first>"
    assert (2, "warning") in severities(result)
    assert list(result.vars) == ["X", "Y"]


def test_chained_references_expand_in_declaration_order() -> None:
    result = resolve(container([value("A", "a"), value("B", "$(A)-b"), value("C", "$(B)-c")]), {})
    assert result.get("C").value == "a-b-c"
    assert result.get("C").references == ("B",)


def test_forward_reference_stays_literal() -> None:
    result = resolve(container([value("A", "$(B)"), value("B", "b")]), {})
    assert result.get("A").state is State.KNOWN
    assert result.get("A").value == "$(B)"


def test_undefined_reference_stays_literal() -> None:
    var = resolve(container([value("A", "x-$(NOT_DEFINED)")]), {}).get("A")
    assert (var.state, var.value, var.references) == (
        State.KNOWN,
        "x-$(NOT_DEFINED)",
        ("NOT_DEFINED",),
    )


def test_escaped_reference_is_not_expanded() -> None:
    var = resolve(container([value("X", "x"), value("A", "$$(X)")]), {}).get("A")
    assert (var.value, var.references) == ("$(X)", ())


def test_unclosed_reference_is_literal() -> None:
    assert resolve(container([value("X", "x"), value("A", "$(X")]), {}).get("A").value == "$(X"


@pytest.mark.parametrize(
    "ref", ["MILVUS_SERVICE_HOST", "LLAMA_STACK_PORT", "MILVUS_PORT_19530_TCP_ADDR"]
)
def test_reference_to_possible_service_link_is_unknown(ref: str) -> None:
    var = resolve(container([value("URL", f"http://$({ref})")]), {}).get("URL")
    assert var.state is State.UNKNOWN
    assert var.value is None
    assert var.references == (ref,)
    assert var.reason is not None and ref in var.reason


def test_reference_to_service_link_is_literal_when_links_are_disabled() -> None:
    result = resolve(
        container([value("URL", "$(MILVUS_SERVICE_HOST)")]), {}, enable_service_links=False
    )
    assert result.get("URL").value == "$(MILVUS_SERVICE_HOST)"
    disabled = resolve(
        container([value("URL", "$(KUBERNETES_SERVICE_HOST)")]), {}, enable_service_links=False
    )
    assert disabled.get("URL").state is State.UNKNOWN


def test_declared_variable_shadows_service_link() -> None:
    result = resolve(
        container([value("LLAMA_STACK_PORT", "8321"), value("URL", ":$(LLAMA_STACK_PORT)")]), {}
    )
    assert result.get("URL").value == ":8321"


def test_reference_to_unknown_value_is_unknown() -> None:
    pod_ip = {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}
    result = resolve(container([pod_ip, value("URL", "http://$(POD_IP):8321")]), {})
    var = result.get("URL")
    assert (var.state, var.source, var.references) == (State.UNKNOWN, "value", ("POD_IP",))


def test_referrers_include_overridden_entries_but_not_escapes() -> None:
    result = resolve(
        container(
            [
                value("X", "x"),
                value("A", "$(X)"),
                value("B", "$$(X)"),
                value("A", "plain"),
                value("C", "$(X)$(X)"),
            ]
        ),
        {},
    )
    assert result.referrers("X") == (1, 4)
    assert result.referrers("A") == ()


def test_dollar_before_non_ascii_depends_on_kubelet_version() -> None:
    result = resolve(container([value("PRICE", "$€5")]), {})
    assert result.get("PRICE").state is State.UNKNOWN
    assert (0, "warning") in severities(result)


def test_nul_in_value_is_unknown() -> None:
    result = resolve(container([value("A", "a\x00b")]), {})
    assert result.get("A").state is State.UNKNOWN


# ---------------------------------------------------------------------------
# envFrom


def test_env_from_prefix_and_later_sources_override_earlier() -> None:
    config_maps = {"one": {"B": "1b", "A": "1a"}, "two": {"A": "2a"}}
    result = resolve(
        container(
            env_from=[
                {"configMapRef": {"name": "one"}},
                {"configMapRef": {"name": "two"}},
                {"configMapRef": {"name": "two"}, "prefix": "P_"},
            ]
        ),
        config_maps,
    )
    assert result.known_values() == {"A": "2a", "B": "1b", "P_A": "2a"}
    var = result.get("A")
    assert (var.source, var.env_index) == ("envFrom.configMapRef", None)
    assert list(result.vars) == ["A", "B", "P_A"]


def test_env_overrides_env_from() -> None:
    result = resolve(
        container([value("A", "env")], [{"configMapRef": {"name": "cm"}}]),
        {"cm": {"A": "from-cm", "B": "b"}},
    )
    assert result.get("A").value == "env"
    assert result.get("A").source == "value"
    assert list(result.vars) == ["A", "B"]


def test_env_value_sees_env_from_variables() -> None:
    result = resolve(
        container([value("URL", "http://$(HOST)")], [{"configMapRef": {"name": "cm"}}]),
        {"cm": {"HOST": "vllm"}},
    )
    assert result.get("URL").value == "http://vllm"


def test_env_from_values_are_not_expanded() -> None:
    result = resolve(
        container([], [{"configMapRef": {"name": "cm"}}]), {"cm": {"A": "a", "B": "$(A)"}}
    )
    assert result.get("B").value == "$(A)"


def test_env_from_invalid_keys_are_skipped_and_recorded() -> None:
    result = resolve(
        container([], [{"configMapRef": {"name": "cm"}}]),
        {"cm": {"GOOD": "g", "BAD=KEY": "x", "TAB\tKEY": "y"}},
    )
    assert result.known_values() == {"GOOD": "g"}
    assert [level(p) for p in result.problems] == ["warning"]
    assert "BAD=KEY" in result.problems[0].message


def test_env_from_config_map_not_in_input_is_opaque() -> None:
    result = resolve(container([], [{"configMapRef": {"name": "elsewhere"}}]), {})
    assert result.opaque_sources == ("configmap/elsewhere",)
    assert result.get("ANYTHING").state is State.UNKNOWN
    # Real ConfigMap keys never contain a space, so this name cannot come from it.
    assert result.get("NOT A KEY").state is State.UNSET
    assert (None, "warning") in severities(result)


def test_problems_name_the_finding_rule_they_belong_to() -> None:
    result = resolve(
        container(
            [value("A", "a"), value("A", "b"), cm_key("B", "elsewhere", "key")],
            [{"configMapRef": {"name": "gone", "optional": True}}],
        ),
        {"gone": None},
    )
    assert [(p.rule, p.env_index, level(p)) for p in result.problems] == [
        (UNRESOLVED_REFERENCE, None, "info"),
        (ENV_PROBLEM, 1, "warning"),
        (UNRESOLVED_REFERENCE, 2, "warning"),
    ]


def test_env_from_prefix_limits_what_an_opaque_source_can_define() -> None:
    result = resolve(container([], [{"secretRef": {"name": "creds"}, "prefix": "DB_"}]), {})
    assert result.get("DB_PASSWORD").state is State.UNKNOWN
    assert result.get("VLLM_URL").state is State.UNSET


def test_env_from_secret_makes_undeclared_names_unknown() -> None:
    result = resolve(container([value("A", "a")], [{"secretRef": {"name": "creds"}}]), {})
    assert result.opaque_sources == ("secret/creds",)
    assert result.get("A").state is State.KNOWN
    undeclared = result.get("VLLM_API_TOKEN")
    assert undeclared.state is State.UNKNOWN
    assert undeclared.reason is not None and "secret/creds" in undeclared.reason


def test_opaque_source_shadows_earlier_env_from_only() -> None:
    result = resolve(
        container(
            env_from=[
                {"configMapRef": {"name": "before"}},
                {"secretRef": {"name": "creds"}},
                {"configMapRef": {"name": "after"}},
            ]
        ),
        {"before": {"EARLY": "e"}, "after": {"LATE": "l"}},
    )
    assert result.get("EARLY").state is State.UNKNOWN
    assert result.get("EARLY").source == "envFrom.configMapRef"
    assert result.get("LATE").value == "l"


def test_reference_to_undeclared_name_with_opaque_source_is_unknown() -> None:
    result = resolve(container([value("URL", "$(HOST)")], [{"secretRef": {"name": "creds"}}]), {})
    assert result.get("URL").state is State.UNKNOWN


def test_env_from_absent_config_map() -> None:
    optional = resolve(
        container([], [{"configMapRef": {"name": "gone", "optional": True}}]), {"gone": None}
    )
    assert optional.vars == {}
    assert optional.opaque_sources == ()
    assert severities(optional) == [(None, "info")]
    required = resolve(container([], [{"configMapRef": {"name": "gone"}}]), {"gone": None})
    assert severities(required) == [(None, "error")]
    assert required.get("ANY").state is State.UNKNOWN


@pytest.mark.parametrize(
    "item",
    [
        "configMapRef",
        {"prefix": "P_"},
        {"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}},
        {"configMapRef": {"name": "a"}, "prefix": "BAD="},
        {"configMapRef": {"name": 5}},
        {"configMapRef": {"name": "a", "optional": "yes"}},
        {"secretRef": "creds"},
    ],
)
def test_malformed_env_from_items_are_errors(item: object) -> None:
    result = resolve(container([], [item]), {"a": {"X": "x"}})
    assert "error" in [level(p) for p in result.problems]
    assert result.get("X").state is not State.KNOWN


# ---------------------------------------------------------------------------
# valueFrom


def test_config_map_key_ref_resolves_and_is_not_expanded() -> None:
    result = resolve(container([value("A", "a"), cm_key("B", "cm", "b")]), {"cm": {"b": "$(A)-x"}})
    var = result.get("B")
    assert (var.state, var.value, var.source, var.env_index) == (
        State.KNOWN,
        "$(A)-x",
        "configMapKeyRef",
        1,
    )


def test_optional_missing_key_leaves_variable_unset() -> None:
    result = resolve(container([cm_key("B", "cm", "nope", optional=True)]), {"cm": {}})
    var = result.get("B")
    assert (var.state, var.env_index) == (State.UNSET, 0)
    assert result.known_values() == {}
    assert severities(result) == [(0, "info")]


def test_optional_missing_key_keeps_earlier_definition() -> None:
    result = resolve(
        container(
            [value("B", "env"), cm_key("B", "cm", "nope", optional=True)],
            [{"configMapRef": {"name": "base"}}],
        ),
        {"cm": {}, "base": {"C": "c"}},
    )
    assert result.get("B").value == "env"
    assert result.get("B").env_index == 0
    from_env_from = resolve(
        container([cm_key("C", "cm", "nope", optional=True)], [{"configMapRef": {"name": "base"}}]),
        {"cm": {}, "base": {"C": "c"}},
    )
    assert from_env_from.get("C").value == "c"


def test_optional_missing_key_may_still_come_from_opaque_source() -> None:
    result = resolve(
        container([cm_key("B", "cm", "nope", optional=True)], [{"secretRef": {"name": "s"}}]),
        {"cm": {}},
    )
    assert result.get("B").state is State.UNKNOWN
    assert result.vars["B"].state is State.UNKNOWN


def test_required_missing_key_is_an_error() -> None:
    result = resolve(container([cm_key("B", "cm", "nope")]), {"cm": {"other": "x"}})
    assert result.get("B").state is State.UNKNOWN
    assert severities(result) == [(0, "error")]


def test_absent_config_map() -> None:
    optional = resolve(container([cm_key("B", "gone", "k", optional=True)]), {"gone": None})
    assert optional.get("B").state is State.UNSET
    required = resolve(container([cm_key("B", "gone", "k", optional=False)]), {"gone": None})
    assert required.get("B").state is State.UNKNOWN
    assert severities(required) == [(0, "error")]


@pytest.mark.parametrize("optional", [True, False])
def test_config_map_not_in_input_is_unresolvable(optional: bool) -> None:
    result = resolve(container([cm_key("B", "elsewhere", "k", optional=optional)]), {})
    var = result.get("B")
    assert (var.state, var.source, var.env_index) == (State.UNKNOWN, "configMapKeyRef", 0)
    assert len(result.problems) == 1
    assert "elsewhere" in result.problems[0].message
    assert f"optional: {str(optional).lower()}" in result.problems[0].message


SENTINEL = "s3cr3t-SENTINEL-value"


def test_secret_values_are_never_read() -> None:
    secret_like = {"creds": {"token": SENTINEL, "TOKEN": SENTINEL}}
    result = resolve(
        container(
            [secret_key("TOKEN", "creds", "token"), value("AUTH", "Bearer $(TOKEN)")],
            [{"secretRef": {"name": "creds"}}],
        ),
        secret_like,
    )
    token = result.get("TOKEN")
    assert (token.state, token.value, token.source) == (State.UNKNOWN, None, "secretKeyRef")
    assert result.get("AUTH").state is State.UNKNOWN
    everything = repr(result) + repr(result.get("TOKEN")) + repr(result.known_values())
    everything += "".join(p.message for p in result.problems)
    everything += "".join(str(v.reason) for v in result.vars.values())
    assert SENTINEL not in everything


def test_optional_secret_key_ref_says_it_may_be_unset() -> None:
    entry = {
        "name": "T",
        "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}},
    }
    var = resolve(container([entry]), {}).get("T")
    assert var.state is State.UNKNOWN
    assert var.reason is not None and "optional" in var.reason


@pytest.mark.parametrize(
    ("source", "ref"),
    [
        ("fieldRef", {"fieldPath": "metadata.name"}),
        ("resourceFieldRef", {"resource": "limits.memory"}),
    ],
)
def test_runtime_sources_are_set_but_unknown(source: str, ref: dict[str, str]) -> None:
    result = resolve(container([{"name": "V", "valueFrom": {source: ref}}]), {})
    var = result.get("V")
    assert (var.state, var.source, var.env_index) == (State.UNKNOWN, source, 0)
    assert result.problems == ()


@pytest.mark.parametrize(
    "value_from",
    [
        {},
        {"configMapRef": {"name": "cm"}},
        {
            "configMapKeyRef": {"name": "cm", "key": "k"},
            "fieldRef": {"fieldPath": "metadata.name"},
        },
        "cm",
        {"configMapKeyRef": "cm"},
        {"configMapKeyRef": {"name": "cm"}},
        {"configMapKeyRef": {"name": "cm", "key": "k", "optional": "no"}},
    ],
)
def test_malformed_value_from_is_an_error_and_unknown(value_from: object) -> None:
    result = resolve(
        container([value("V", "before"), {"name": "V", "valueFrom": value_from}]),
        {"cm": {"k": "v"}},
    )
    var = result.get("V")
    assert (var.state, var.env_index) == (State.UNKNOWN, 1)
    assert (1, "error") in severities(result)


@pytest.mark.parametrize("raw", [8321, True, 1.5, ["a"], {"a": 1}])
def test_non_string_value_is_an_error_and_unknown(raw: object) -> None:
    result = resolve(container([{"name": "PORT", "value": raw}]), {})
    assert result.get("PORT").state is State.UNKNOWN
    assert severities(result) == [(0, "error")]


def test_value_and_value_from_together_is_an_error() -> None:
    entry = {
        "name": "V",
        "value": "literal",
        "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
    }
    result = resolve(container([entry]), {})
    assert result.get("V").state is State.UNKNOWN
    assert severities(result) == [(0, "error")]


def test_empty_value_defers_to_value_from() -> None:
    entry = {"name": "V", "value": "", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}
    assert resolve(container([entry]), {"c": {"k": "v"}}).get("V").value == "v"


# ---------------------------------------------------------------------------
# defensive input handling


@pytest.mark.parametrize(
    "spec",
    [
        {"env": {"A": "a"}},
        {"env": "A=a"},
        {"envFrom": {"configMapRef": {"name": "x"}}},
        {"env": [None, 5, "A", {"value": "x"}, {"name": 3, "value": "x"}, {"name": ""}]},
        {"env": [{"name": "A=B", "value": "x"}]},
    ],
)
def test_wrong_types_become_problems(spec: dict[str, Any]) -> None:
    result = resolve(spec, {})
    assert result.problems
    assert all(level(p) == "error" for p in result.problems)


def test_container_that_is_not_a_mapping() -> None:
    result = resolve(["not", "a", "container"], {})  # type: ignore[arg-type]
    assert severities(result) == [(None, "error")]
    assert result.get("A").state is State.UNKNOWN


def test_non_string_config_map_data_is_unknown() -> None:
    result = resolve(
        container([cm_key("A", "cm", "port")], [{"configMapRef": {"name": "cm"}}]),
        {"cm": {"port": 8321}},  # type: ignore[dict-item]
    )
    assert result.get("A").state is State.UNKNOWN
    assert result.get("port").state is State.UNKNOWN


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet="$()AB=_ é", max_size=6),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "value",
                    "valueFrom",
                    "env",
                    "envFrom",
                    "configMapRef",
                    "secretRef",
                    "configMapKeyRef",
                    "secretKeyRef",
                    "fieldRef",
                    "key",
                    "optional",
                    "prefix",
                    "A",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from(["env", "envFrom"]), json_like, max_size=2),
    st.dictionaries(st.sampled_from(["A", "cm", "x"]), st.none() | json_like, max_size=3),
)
def test_resolve_never_raises(spec: dict[str, Any], config_maps: Mapping[str, Any]) -> None:
    result = resolve(spec, config_maps)
    for name, var in result.vars.items():
        assert var.name == name
        assert (var.state is State.KNOWN) == (var.value is not None)
    assert all(level(p) in {"error", "warning", "info"} for p in result.problems)


# ---------------------------------------------------------------------------
# the result objects


def test_messages_never_contain_values() -> None:
    literal = "plain-literal-VALUE"
    result = resolve(
        container(
            [
                {
                    "name": "V",
                    "value": literal,
                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                },
                value("V", literal),
                value("W", f"{literal}$é"),
                cm_key("C", "cm", "bad"),
            ]
        ),
        {"cm": {"bad": 7}},  # type: ignore[dict-item]
    )
    assert len(result.problems) >= 4
    text = "".join(p.message for p in result.problems)
    text += "".join(str(v.reason) for v in result.vars.values())
    assert literal not in text


def test_results_are_immutable() -> None:
    result = resolve(container([value("A", "a")]), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.problems = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.vars["B"] = result.get("A")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.get("A").value = "b"  # type: ignore[misc]


def test_env_var_value_only_when_known() -> None:
    with pytest.raises(ValueError):
        EnvVar("A", State.UNKNOWN, "leak", "value", 0, None, ())
    with pytest.raises(ValueError):
        EnvVar("A", State.KNOWN, None, "value", 0, None, ())


def test_known_values_excludes_unset_and_unknown() -> None:
    result = resolve(
        container(
            [
                value("A", "a"),
                secret_key("S", "creds", "k"),
                cm_key("O", "cm", "missing", optional=True),
            ]
        ),
        {"cm": {}},
    )
    assert result.known_values() == {"A": "a"}
    assert set(result.vars) == {"A", "S", "O"}
