"""Partial evaluation: which placeholders are baked, to what, and when baking is refused."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.chart import profile
from migrate.engine import evaluate
from migrate.engine.evaluate import format_path
from migrate.yaml.io import same


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


_LEAVES = st.one_of(
    st.sampled_from(
        [
            "${env.A:=x}",
            "${env.B}",
            "${env.A:+on}-${env.C:=3}",
            "${other}",
            "~/${env.A:=y}",
            "plain",
            "",
        ]
    ),
    st.integers(-2, 2),
    st.booleans(),
    st.none(),
)
_TEMPLATES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2).map(
            lambda d: MappingProxyType(d)  # a mapping of another type: never passed over
        )
    ),
    max_leaves=10,
)
_BAKE = st.dictionaries(
    st.sampled_from(["A", "B", "C"]), st.sampled_from([None, "", "v", "${env.B}", "2"])
)


@settings(max_examples=300, deadline=None)
@given(_TEMPLATES, _BAKE, st.sampled_from([None, "/home/u"]))
def test_walks_that_pass_over_containers_without_placeholders_give_the_same(
    template: Any, bake: dict[str, str | None], home: str | None
) -> None:
    skip = evaluate.without_placeholders(template)
    passed, walked = (evaluate.partial(template, bake, home, s) for s in (skip, ()))
    assert same(passed.tree, walked.tree)
    assert (passed.provenance, passed.refused) == (walked.provenance, walked.refused)
    assert _shared(passed.tree, template) == _shared(walked.tree, template)

    def placeholders(found: Any) -> list[tuple[Any, str]]:
        return [(path, text) for path, text in found if "${" in text]

    skipped = placeholders(evaluate.strings(passed.tree, (), skip))
    assert skipped == placeholders(evaluate.strings(walked.tree))
    assert evaluate.readers(passed.tree, skip) == evaluate.readers(walked.tree)


def _shared(tree: Any, template: Any) -> list[bool]:
    """Which containers of ``tree`` are the template's own, in walk order."""
    found: list[bool] = []

    def visit(node: Any, original: Any) -> None:
        if isinstance(node, Mapping | list):
            found.append(node is original)
            pairs = (
                [(node[k], original[k]) for k in node]
                if isinstance(node, Mapping)
                else list(zip(node, original, strict=True))
            )
            for child, before in pairs:
                visit(child, before)

    visit(tree, template)
    return found
