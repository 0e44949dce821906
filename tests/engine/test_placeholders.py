"""The placeholder engine against the rules of Llama Stack 0.3.3, one rule per test."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.engine import placeholders
from migrate.engine.placeholders import Placeholder, RequiredUnset, UnknownHome


def check(text: str, env: dict[str, str], expected: object, home: str | None = "/home/lls") -> None:
    result = placeholders.evaluate(text, env, home)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(result, float) and math.isnan(result)
    else:
        assert result == expected
        assert type(result) is type(expected)


def test_tokenize_splits_literals_and_placeholders() -> None:
    tokens = placeholders.tokenize("a${env.X:=d}b${env.Y:+on}${env.Z}")
    assert tokens == [
        "a",
        Placeholder("X", "=", "d", "${env.X:=d}"),
        "b",
        Placeholder("Y", "+", "on", "${env.Y:+on}"),
        Placeholder("Z", None, "", "${env.Z}"),
    ]


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${env.X:=d}", {}, "d"),
        ("${env.X:=d}", {"X": ""}, "d"),
        ("${env.X:=d}", {"X": "v"}, "v"),
        ("${env.X:=}", {}, None),
        ("${env.X:+v}", {"X": "1"}, "v"),
        ("${env.X:+v}", {}, None),
        ("${env.X:+}", {"X": "1"}, None),
        ("${env.X}", {"X": "v"}, "v"),
        ("${env.X:=768}", {}, 768),
        ("${env.X:=d}", {"X": " 42 "}, 42),
        ("${env.X:=d}", {"X": "1_000"}, 1000),
        ("${env.X:=d}", {"X": "1e3"}, 1000.0),
        ("${env.X:=d}", {"X": "TRUE"}, True),
        ("${env.X:=d}", {"X": "False"}, False),
        ("${env.X:=d}", {"X": "inf"}, math.inf),
        ("${env.X:=d}", {"X": "nan"}, math.nan),
        ("pre-${env.X:=d}", {}, "pre-d"),
        ("${env.X:=~/data}", {}, "/home/lls/data"),
        ("${env.X:=d}", {"X": "~"}, "/home/lls"),
        ("~/${env.X:=d}", {}, "~/d"),
        ("${env.lower:=d}", {}, "${env.lower:=d}"),
        ("${env.X:d}", {}, "${env.X:d}"),
        ("${env.X:=d}", {"X": "${env.Y:=z}"}, "${env.Y:=z}"),
        ("plain", {}, "plain"),
    ],
)
def test_evaluate(text: str, env: dict[str, str], expected: object) -> None:
    check(text, env, expected)


def test_required_and_unset_refuses() -> None:
    with pytest.raises(RequiredUnset):
        placeholders.evaluate("${env.X}", {"X": ""}, None)


def test_home_is_needed_only_for_tilde() -> None:
    with pytest.raises(UnknownHome):
        placeholders.evaluate("${env.X:=~/x}", {}, None)
    with pytest.raises(UnknownHome):
        placeholders.evaluate("${env.X:=~root/x}", {}, "/home/lls")
    check("${env.X:=/x}", {}, "/x", home=None)


def test_home_rules_follow_expanduser() -> None:
    assert placeholders.expand_user("~/x", "/home/lls/") == "/home/lls/x"
    assert placeholders.expand_user("~", "/") == "/"
    assert placeholders.expand_user("~/x", "") == "/x"


def test_legacy_dialect_is_recognised() -> None:
    assert placeholders.legacy_placeholders("${env.X:default}") == ["${env.X:default}"]
    assert placeholders.legacy_placeholders("${env.X+yes}") == ["${env.X+yes}"]
    assert placeholders.legacy_placeholders("${env.X:=d} ${env.Y:+v} ${env.Z}") == []


_name = st.sampled_from(["A", "B", "VECTOR_STORE_X"])
_text = st.text(alphabet="ab${}:=+.~/_ ", max_size=12)


@given(
    parts=st.lists(
        st.one_of(
            _text,
            st.builds(
                lambda n, op, arg: "${env." + n + op + arg + "}",
                _name,
                st.sampled_from(["", ":=", ":+"]),
                st.text(alphabet="ab/~ 1", max_size=4),
            ),
        ),
        max_size=5,
    ),
    env=st.dictionaries(_name, st.text(alphabet="ab${}1 ~/", max_size=6)),
)
def test_tokens_reassemble_the_text(parts: list[str], env: dict[str, str]) -> None:
    text = "".join(parts)
    tokens = placeholders.tokenize(text)
    assert "".join(t if isinstance(t, str) else t.text for t in tokens) == text
    assert all(t for t in tokens if isinstance(t, str))
