"""Facts of Llama Stack 0.3.3 that the migration relies on, checked on the real thing.

Each test states one behaviour of ``replace_env_vars`` / ``StackRunConfig``
as the 0.3.3 server applies them at start-up; if a fact stops holding, the
engine's partial evaluation is wrong and must change with it. The last
tests check the harness itself (transport of types, isolation of requests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conformance.llamastack import LLAMA_STACK_VERSION, LlamaStack, canonical

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "migrate" / "profiles" / "tuw-ai" / "template-run.yaml"
HOME = "/home/llama"


def value_of(stack: LlamaStack, text: str, env: Mapping[str, str] | None = None) -> Any:
    """Resolve ``text`` as the one string of a small run.yaml."""
    result = stack.resolve(yaml.safe_dump({"value": text}), env or {})
    assert result.ok, f"{result.error_type}: {result.error}"
    return result.config["value"]


def test_reference_is_llama_stack_0_3_3(llama_stack: LlamaStack) -> None:
    assert llama_stack.version == LLAMA_STACK_VERSION == "0.3.3"


# --- ${env.X:=default} -------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "fallback"),
        ({"X": ""}, "fallback"),  # empty counts as unset
        ({"X": "given"}, "given"),
        ({"X": " "}, " "),  # whitespace is not empty, and stays text
    ],
)
def test_default_operator(llama_stack: LlamaStack, env: dict[str, str], expected: str) -> None:
    assert value_of(llama_stack, "${env.X:=fallback}", env) == expected


def test_empty_default_gives_none(llama_stack: LlamaStack) -> None:
    assert value_of(llama_stack, "${env.X:=}") is None


def test_default_ends_at_first_closing_brace(llama_stack: LlamaStack) -> None:
    # Defaults cannot nest: the default is "${env.Y:=z", then "}" is literal.
    assert value_of(llama_stack, "${env.X:=${env.Y:=z}}", {"Y": "y"}) == "${env.Y:=z}"


# --- ${env.X:+value} ---------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"X": "anything"}, "chosen"), ({}, None), ({"X": ""}, None)],
)
def test_conditional_operator(
    llama_stack: LlamaStack, env: dict[str, str], expected: str | None
) -> None:
    assert value_of(llama_stack, "${env.X:+chosen}", env) == expected


# --- ${env.X} ----------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"X": ""}])
def test_bare_placeholder_needs_a_value(llama_stack: LlamaStack, env: dict[str, str]) -> None:
    result = llama_stack.resolve("a:\n  b: ${env.X}\n", env)
    assert not result.ok
    assert result.error_type == "EnvVarError"
    assert result.error is not None and "'X'" in result.error and "a.b" in result.error
    assert result.config is None


def test_bare_placeholder_with_a_value(llama_stack: LlamaStack) -> None:
    assert value_of(llama_stack, "${env.X}", {"X": "here"}) == "here"


# --- type conversion of substituted strings ----------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("768", 768),
        ("", None),
        ("TRUE", True),
        ("False", False),
        (" 42 ", 42),
        ("1_000", 1000),
        ("007", 7),
        ("-0", 0),
        ("1e3", 1000.0),
        ("1.", 1.0),
        ("inf", math.inf),
        ("-Infinity", -math.inf),
        ("1e400", math.inf),
        # Not YAML's rules: only true/false become bools, nothing else None.
        ("yes", "yes"),
        ("on", "on"),
        ("null", "null"),
        (" true ", " true "),  # bool needs the exact word; int/float strip spaces
        ("0x10", "0x10"),
    ],
)
def test_whole_result_is_converted(llama_stack: LlamaStack, raw: str, expected: Any) -> None:
    got = value_of(llama_stack, "${env.X:=}", {"X": raw} if raw else {})
    assert canonical(got) == canonical(expected)


def test_nan_is_converted_to_float(llama_stack: LlamaStack) -> None:
    got = value_of(llama_stack, "${env.X}", {"X": "nan"})
    assert isinstance(got, float) and math.isnan(got)


def test_conversion_applies_to_the_whole_string(llama_stack: LlamaStack) -> None:
    assert canonical(value_of(llama_stack, "${env.X:=7}68")) == "768"
    assert value_of(llama_stack, "dim-${env.X:=768}") == "dim-768"


def test_unsubstituted_strings_are_not_converted(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve("a: '768'\nb: 'true'\nc: ''\nd: 768\n", {})
    assert canonical(result.config) == canonical({"a": "768", "b": "true", "c": "", "d": 768})


# --- single pass, ~ expansion, what stays literal ----------------------------


def test_substituted_value_is_not_rescanned(llama_stack: LlamaStack) -> None:
    assert value_of(llama_stack, "${env.X}", {"X": "${env.Y}", "Y": "boom"}) == "${env.Y}"
    # and a nested ${env.Y} of an unset Y is no error either
    assert value_of(llama_stack, "${env.X}", {"X": "${env.Y}"}) == "${env.Y}"


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${env.X}", {"X": "~/data"}, f"{HOME}/data"),
        ("${env.X}", {"X": "~"}, HOME),
        ("${env.X:=~/.llama}/kv.db", {}, f"{HOME}/.llama/kv.db"),
        ("pre-${env.X:=~}", {}, f"pre-{HOME}"),  # expanded even mid-string
        ("${env.X}", {"X": "a/~"}, "a/~"),  # only a leading ~
        ("~/lit/${env.X:=db}", {}, "~/lit/db"),  # literal text is not expanded
    ],
)
def test_tilde_expansion(
    llama_stack: LlamaStack, text: str, env: dict[str, str], expected: str
) -> None:
    assert value_of(llama_stack, text, {"HOME": HOME, **env}) == expected


def test_tilde_follows_home_of_the_env(llama_stack: LlamaStack) -> None:
    assert value_of(llama_stack, "${env.X:=~/x}", {"HOME": "/srv"}) == "/srv/x"


def test_literal_tilde_without_placeholder_stays(llama_stack: LlamaStack) -> None:
    assert value_of(llama_stack, "~/.llama/db", {"HOME": HOME}) == "~/.llama/db"


@pytest.mark.parametrize(
    "text",
    [
        "${env.x:=d}",  # lower-case name
        "${env.Vector:=d}",
        "${env.X:d}",  # dialect of 0.2.12 and before
        "${env.X+v}",
        "${env.X:-d}",  # shell's operator
        "${ env.X }",
        "$env.X",
    ],
)
def test_not_a_placeholder_stays_literal(llama_stack: LlamaStack, text: str) -> None:
    for env in ({}, {"X": "set", "x": "set", "Vector": "set"}):
        assert value_of(llama_stack, text, env) == text


def test_keys_are_not_substituted(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve("${env.K:=k}: ${env.V:=v}\n", {"K": "key"})
    assert result.config == {"${env.K:=k}": "v"}


# --- __disabled__ and None provider ids --------------------------------------

PROVIDERS = """\
items:
  - provider_id: ${env.A:=__disabled__}
    config: {needs: "${env.MISSING}"}
  - provider_id: ${env.B:+b}
    config: {url: "${env.B:=}"}
  - provider_id: plain
"""


def test_disabled_item_is_dropped_and_none_stays(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve(PROVIDERS, {})
    # The dropped item's config is never resolved: no EnvVarError for MISSING.
    assert result.ok, result.error
    assert result.config == {
        "items": [{"provider_id": None, "config": {"url": None}}, {"provider_id": "plain"}]
    }


def test_item_with_provider_id_set_stays(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve(PROVIDERS, {"A": "a", "MISSING": "m", "B": "http://b"})
    assert result.config["items"] == [
        {"provider_id": "a", "config": {"needs": "m"}},
        {"provider_id": "b", "config": {"url": "http://b"}},
        {"provider_id": "plain"},
    ]


def test_literal_disabled_is_dropped_only_in_lists(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve(
        "l: [{provider_id: __disabled__}, {x: 1}]\nm: {provider_id: __disabled__}\n", {}
    )
    assert result.config == {"l": [{"x": 1}], "m": {"provider_id": "__disabled__"}}


# --- StackRunConfig ----------------------------------------------------------


def test_template_is_a_valid_run_config_with_empty_env(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve(TEMPLATE.read_text(encoding="utf-8"), {})
    assert result.ok, result.error
    assert result.valid, result.validation_error
    assert result.validation_error is None
    config = result.config
    assert config["vector_stores"]["default_provider_id"] == "faiss"
    model = config["registered_resources"]["models"][0]
    assert canonical(model["metadata"]) == canonical({"embedding_dimension": 768})
    # VLLM_URL unset: the provider stays, disabled, with provider_id None.
    assert config["providers"]["inference"][0]["provider_id"] is None


def test_template_follows_vector_store_env(llama_stack: LlamaStack) -> None:
    env = {
        "HOME": HOME,
        "VECTOR_STORE_DEFAULT_PROVIDER": "milvus",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "vllm",
        "VECTOR_STORE_EMBEDDING_MODEL": "intfloat/e5-mistral-7b-instruct",
        "VECTOR_STORE_EMBEDDING_DIMENSION": "4096",
    }
    result = llama_stack.resolve(TEMPLATE.read_text(encoding="utf-8"), env)
    assert result.valid, result.validation_error
    config = result.config
    assert config["vector_stores"] == {
        "default_provider_id": "milvus",
        "default_embedding_model": {
            "provider_id": "vllm",
            "model_id": "intfloat/e5-mistral-7b-instruct",
        },
    }
    model = config["registered_resources"]["models"][0]
    assert model["provider_model_id"] == "intfloat/e5-mistral-7b-instruct"
    assert canonical(model["metadata"]["embedding_dimension"]) == "4096"
    assert config["storage"]["backends"]["kv_default"]["db_path"] == (
        f"{HOME}/.llama/distributions/starter/kvstore.db"
    )


def test_validation_failure_is_reported(llama_stack: LlamaStack) -> None:
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    del template["storage"]
    result = llama_stack.resolve(yaml.safe_dump(template), {})
    assert result.ok
    assert not result.valid
    assert result.validation_error is not None and "storage" in result.validation_error


def test_image_name_is_reported_before_the_string_cast(llama_stack: LlamaStack) -> None:
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    template["image_name"] = "${env.IMAGE:=42}"
    result = llama_stack.resolve(yaml.safe_dump(template), {})
    # replace_env_vars makes it an int; the server casts it only to validate.
    assert result.valid, result.validation_error
    assert canonical(result.config["image_name"]) == "42"


# --- the harness itself ------------------------------------------------------


def test_yaml_errors_are_reported_and_the_worker_survives(llama_stack: LlamaStack) -> None:
    broken = llama_stack.resolve("a: [unclosed\n", {})
    assert (broken.ok, broken.error_type) == (False, "YAMLError")
    assert llama_stack.resolve("a: 1\n", {}).config == {"a": 1}


def test_python_tags_are_refused_as_yaml_errors(llama_stack: LlamaStack) -> None:
    result = llama_stack.resolve("a: !!python/object/apply:os.getcwd []\n", {})
    assert result.error_type == "YAMLError"


def test_env_is_exactly_the_given_env(llama_stack: LlamaStack) -> None:
    # Nothing of the worker's own environment leaks in, nothing persists.
    assert value_of(llama_stack, "${env.PATH:=none}") == "none"
    assert value_of(llama_stack, "${env.X:=d}", {"X": "first"}) == "first"
    assert value_of(llama_stack, "${env.X:=d}") == "d"


def test_types_survive_transport(llama_stack: LlamaStack) -> None:
    text = """\
int: 1
float: 1.0
bool: true
none: ~
nan: .nan
inf: -.inf
str: "1"
date: 2024-01-01
when: 2024-01-01 12:30:00+02:00
bytes: !!binary aGk=
set: !!set {b, a}
int_keys: {1: one}
tagged: {__type__: date, value: "2024-01-01"}
"""
    config = llama_stack.resolve(text, {}).config
    assert [type(config[k]) for k in ("int", "float", "bool", "str")] == [int, float, bool, str]
    assert config["none"] is None
    assert math.isnan(config["nan"]) and config["inf"] == -math.inf
    assert config["date"] == {"__type__": "date", "value": "2024-01-01"}
    assert config["when"] == {"__type__": "datetime", "value": "2024-01-01T12:30:00+02:00"}
    assert config["bytes"] == {"__type__": "bytes", "value": "aGk="}
    assert config["set"] == {"__type__": "set", "items": ["a", "b"]}
    assert config["int_keys"] == {"__type__": "map", "items": [[1, "one"]]}
    # a mapping that looks like a tag is not mistaken for one
    assert config["tagged"]["__type__"] == "map"
    assert canonical(config["date"]) != canonical("2024-01-01")


def test_canonical_keeps_types_apart() -> None:
    forms = {canonical(v) for v in (1, 1.0, True, "1", None, 0.0, -0.0)}
    assert len(forms) == 7
    assert canonical({"b": 1, "a": [math.nan]}) == canonical({"a": [math.nan], "b": 1})
    assert canonical(math.inf) != canonical(-math.inf)


@pytest.mark.parametrize("value", [(1, 2), {1: "one"}, {"a": {1, 2}}, b"x"])
def test_canonical_refuses_what_is_not_wire_form(value: Any) -> None:
    with pytest.raises(TypeError):
        canonical(value)
