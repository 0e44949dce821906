"""Partial evaluation: which placeholders are baked, to what, and when baking is refused."""

from __future__ import annotations

from typing import Any

from migrate.chart import profile
from migrate.engine import evaluate
from migrate.engine.evaluate import format_path


def bake(template: Any, values: dict[str, str | None], home: str | None = "/home/lls") -> Any:
    return evaluate.partial(template, values, home)


def test_builtin_mapping_is_derived_from_the_template() -> None:
    table = {
        name: [format_path(p) for p in paths] for name, paths in profile.load().mapping().items()
    }
    assert table == {
        "VECTOR_STORE_EMBEDDING_MODEL": [
            "registered_resources.models[0].model_id",
            "registered_resources.models[0].provider_model_id",
            "vector_stores.default_embedding_model.model_id",
        ],
        "VECTOR_STORE_EMBEDDING_PROVIDER": [
            "registered_resources.models[0].provider_id",
            "vector_stores.default_embedding_model.provider_id",
        ],
        "VECTOR_STORE_EMBEDDING_DIMENSION": [
            "registered_resources.models[0].metadata.embedding_dimension"
        ],
        "VECTOR_STORE_DEFAULT_PROVIDER": ["vector_stores.default_provider_id"],
    }


def test_mapping_follows_a_users_template_and_globs() -> None:
    template = {"a": "${env.MY_X:=1}", "b": ["${env.OTHER:=2}-${env.MY_X:=1}"]}
    assert evaluate.mapping(template, ("MY_*",)) == {"MY_X": [("a",), ("b", 0)]}


def test_baking_converts_types_like_the_server() -> None:
    result = bake(
        {"d": "${env.D:=768}", "e": "${env.E:=}", "t": "${env.T:=x}"},
        {"D": "4096", "E": None, "T": "true"},
    )
    assert result.tree == {"d": 4096, "e": None, "t": True}
    assert result.provenance == {("d",): {"D"}, ("e",): {"E"}, ("t",): {"T"}}
    assert result.refused == {}


def test_runtime_placeholders_stay_as_text() -> None:
    result = bake({"p": "${env.VS:=a}/${env.HOME_DIR:=/h}/x"}, {"VS": "7"})
    assert result.tree == {"p": "7/${env.HOME_DIR:=/h}/x"}
    untouched = bake({"p": "${env.R:=1}"}, {"VS": "7"})
    assert untouched.tree == {"p": "${env.R:=1}"} and not untouched.provenance


def test_values_containing_placeholder_syntax_are_refused() -> None:
    result = bake({"a": "${env.VS:=x}", "b": "${env.VS:=x}!"}, {"VS": "${env.SECRET}"})
    assert result.tree == {"a": "${env.VS:=x}", "b": "${env.VS:=x}!"}
    assert "VS" in result.refused and "${env." in result.refused["VS"]


def test_baking_that_forms_a_new_placeholder_is_refused() -> None:
    result = bake({"a": "${env.${env.VS:=B}}"}, {"VS": None})
    assert result.tree == {"a": "${env.${env.VS:=B}}"}
    assert "new placeholder" in result.refused["VS"]


def test_tilde_needs_a_known_home() -> None:
    known = bake({"a": "${env.VS:=~/data}"}, {"VS": None}, home="/home/lls")
    assert known.tree == {"a": "/home/lls/data"}
    unknown = bake({"a": "${env.VS:=~/data}", "b": "${env.VS:=~/data}"}, {"VS": None}, home=None)
    assert unknown.tree == {"a": "${env.VS:=~/data}", "b": "${env.VS:=~/data}"}
    assert "HOME" in unknown.refused["VS"]


def test_required_unset_is_not_baked() -> None:
    result = bake({"a": "${env.VS}"}, {"VS": None})
    assert result.tree == {"a": "${env.VS}"}
    assert "fails at start-up" in result.refused["VS"]


def test_a_refused_variable_is_kept_everywhere() -> None:
    result = bake({"a": "${env.VS:=x}", "b": "${env.VS:=~/y}"}, {"VS": None}, home=None)
    assert result.tree == {"a": "${env.VS:=x}", "b": "${env.VS:=~/y}"}
