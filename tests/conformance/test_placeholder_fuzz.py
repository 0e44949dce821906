"""The placeholder parser against Llama Stack 0.3.3's own regular expression.

``migrate.engine.placeholders`` re-implements the ``${env...}`` language of
``llama_stack.core.stack.replace_env_vars``. Here arbitrary strings, built
from the pieces of that language (``${env.``, ``}``, ``:=``, ``:+``, names in
upper and lower case, stray ``$`` and ``{``, text, unicode), are run through
both: the worker applies the pattern literal it finds in Llama Stack's code
and ``replace_env_vars`` itself, a whole batch of strings per round trip.

Compared are the placeholders found (span, name, operator, argument), the
literal text between them, and the fully substituted value with its type
(or, for ``${env.X}`` with X unset, the start-up failure and its variable).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from migrate.engine import placeholders
from migrate.engine.placeholders import (
    Operator,
    Placeholder,
    RequiredUnset,
    Token,
    UnknownHome,
)
from tests.conformance.llamastack import LlamaStack, PlaceholderResult, canonical

EXAMPLES = 1200 if os.environ.get("CI", "").lower() in {"true", "1"} else 500

# Names that the environment of an example may hold; others are never set.
ENV_NAMES = ("A", "FOO", "X_1", "EMPTY", "B2")
NAMES = (
    *ENV_NAMES,
    "HOME",
    "UNSET",
    "_",
    "9",
    "a",
    "foo",
    "Foo",
    "X-1",
    "X.Y",
    "A B",
    "É",
    "\uff21",
)
SYNTAX = (
    "${env.",
    "${env",
    "${Env.",
    "${ env.",
    "$env.",
    "${",
    "$",
    "$$",
    "{",
    "}",
    "}}",
    ":=",
    ":+",
    ":-",
    ":",
    "=",
    "+",
    "env.",
    ".",
    "\\",
    "~",
    "~/",
    "~root",
    "/",
    " ",
    "\n",
)
WORDS = (
    "true",
    "False",
    "0",
    "-2",
    " 42 ",
    "1.5",
    "1e3",
    "1_000",
    "0x1F",
    "nan",
    "-inf",
    "null",
    "é",
    "ß",
    "ǅ",
    "İ",
    "٣",
    "模型",
    "\u2028",
    "\x85",
    "\x00",
    "\t",
    "😀",
)
ENV_VALUES = (
    "",
    "x",
    "~",
    "~/data",
    "~root/x",
    "true",
    "FALSE",
    "007",
    "1.0",
    " 5 ",
    "nan",
    "-inf",
    "1_0",
    "${env.A}",
    "}",
    "a:=b",
    "٣",
)
HOMES = ("/home/lls", "/", "", "/home/user/", "relative")

names = st.one_of(st.sampled_from(NAMES), st.from_regex(r"[A-Za-z0-9_]{1,5}", fullmatch=True))


@st.composite
def whole_placeholders(draw: st.DrawFn) -> str:
    """``${env.NAME<op>ARG}`` with every operator spelling, valid or not."""
    name = draw(st.one_of(st.sampled_from(ENV_NAMES), names))
    operator = draw(st.sampled_from(("", ":=", ":+", ":-", ":", "=", "+", ":==")))
    argument = draw(st.one_of(st.sampled_from(("", "d", *ENV_VALUES, *WORDS)), st.text(max_size=4)))
    return f"${{env.{name}{operator}{argument}}}"


pieces = st.one_of(
    st.sampled_from(SYNTAX),
    names,
    whole_placeholders(),
    whole_placeholders(),
    st.sampled_from(WORDS),
    st.text(max_size=4),
)
# Short strings too: a string that is one placeholder is where type conversion shows.
strings = st.one_of(
    whole_placeholders(),
    st.lists(pieces, min_size=1, max_size=3).map("".join),
    st.lists(pieces, max_size=10).map("".join),
)
env_values = st.one_of(
    st.sampled_from(ENV_VALUES), st.text(max_size=5).filter(lambda value: "\x00" not in value)
)


@st.composite
def environments(draw: st.DrawFn) -> dict[str, str]:
    env = draw(st.dictionaries(st.sampled_from(ENV_NAMES), env_values, max_size=len(ENV_NAMES)))
    env["HOME"] = draw(st.sampled_from(HOMES))
    return env


def expected_tokens(text: str, result: PlaceholderResult) -> list[Token]:
    """Literal runs and placeholders as Llama Stack's pattern splits ``text``."""
    tokens: list[Token] = []
    position = 0
    for match in result.matches:
        assert (match.operator is None) == (match.argument is None), match
        if match.start > position:
            tokens.append(text[position : match.start])
        operator: Operator = (
            "=" if match.operator == "=" else "+" if match.operator == "+" else None
        )
        assert operator == match.operator, match
        tokens.append(
            Placeholder(match.name, operator, match.argument or "", text[match.start : match.end])
        )
        position = match.end
    if position < len(text):
        tokens.append(text[position:])
    return tokens


def compare(text: str, env: Mapping[str, str], result: PlaceholderResult) -> str:
    """Assert that the project parses and resolves ``text`` as Llama Stack did; the case."""
    tokens = placeholders.tokenize(text)
    assert tokens == expected_tokens(text, result), text
    assert "".join(t if isinstance(t, str) else t.text for t in tokens) == text
    assert all(t for t in tokens if isinstance(t, str)), "an empty literal run"
    assert placeholders.placeholders(text) == [t for t in tokens if isinstance(t, Placeholder)]

    try:
        value = placeholders.evaluate(text, dict(env), env.get("HOME"))
    except UnknownHome:
        # ``~user`` needs the container's password database: the tool says so
        # rather than guessing; the worker's own database is no reference.
        return "~user left to the container"
    except RequiredUnset as error:
        assert not result.ok, f"{text!r}: Llama Stack resolved it to {result.value!r}"
        assert (result.error_type, result.var_name) == ("EnvVarError", error.name), result.error
        return "required variable unset"
    assert result.ok, f"{text!r}: Llama Stack failed ({result.error_type}: {result.error})"
    assert canonical(value) == canonical(result.value), text
    return "substituted" if result.matches else "no placeholder"


def check_batch(llama_stack: LlamaStack, texts: list[str], env: dict[str, str]) -> set[str]:
    batch = llama_stack.placeholders(texts, env)
    return {compare(text, env, result) for text, result in zip(texts, batch.results, strict=True)}


def test_llama_stack_uses_the_pattern_of_the_project(llama_stack: LlamaStack) -> None:
    batch = llama_stack.placeholders(["${env.A:=x}"], {})
    # The same expression up to how a literal "{" is spelled (escaped or not).
    assert batch.pattern.replace("\\{", "{") == placeholders.PATTERN.pattern.replace("\\{", "{")
    assert batch.results[0].matches[0].name == "A"


def test_hand_picked_spellings(llama_stack: LlamaStack) -> None:
    texts = [
        "",
        "plain",
        "${env.A}",
        "${env.UNSET}",
        "${env.UNSET:=~nobody/x}",
        "${env.A:=}",
        "${env.A:+}",
        "${env.A:=d}",
        "${env.UNSET:=d}",
        "${env.UNSET:+on}",
        "${env.A:-d}",
        "${env.a}",
        "${env.A:d}",
        "${env.A+d}",
        "${env.A:=d}}",
        "${env.A:=${env.B2}}",
        "$${env.A}",
        "${${env.A}}",
        "${env.A}${env.FOO:=1}${env.X_1:+2}",
        "${env.A:=~/x}",
        "~/${env.A}",
        "${env.}",
        "${env.A:=x:=y}",
        "${env.A:=x\ny}",
        "${env.A:=é}",
        "${env.EMPTY:=0}",
        "${env.EMPTY:+1}",
        "${env.FOO:=1_000}",
        "${env.A:=\u2028}",
        "${env.\uff21}",
    ]
    env = {"A": "v", "FOO": " 7 ", "X_1": "~", "EMPTY": "", "B2": "nan", "HOME": "/home/lls"}
    assert check_batch(llama_stack, texts, env) == {
        "no placeholder",
        "substituted",
        "required variable unset",
        "~user left to the container",
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts=st.lists(strings, min_size=1, max_size=40), env=environments())
@example(texts=["${env.UNSET}", "${env.A:=~}"], env={"HOME": ""})
def test_parser_and_substitution_agree_with_llama_stack(
    llama_stack: LlamaStack, texts: list[str], env: dict[str, str]
) -> None:
    for case in sorted(check_batch(llama_stack, texts, env)):
        event(case)
