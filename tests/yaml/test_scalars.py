"""Quoting and float spelling: every string and float written reads back as itself."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from migrate.yaml import io as yamlio
from migrate.yaml import scalars
from migrate.yaml.helm import helm_scalar

# Strings that some reader takes for another type, or that YAML syntax gets in the way of.
TRICKY = [
    "y",
    "n",
    "yes",
    "on",
    "~",
    "null",
    "1e3",
    "0x1f",
    "0o17",
    "017",
    "1_000",
    ".5",
    "<<",
    "=",
    "a: b",
    "a #b",
    "- a",
    "#x",
    "'q'",
    "2024-01-02",
    "12:30",
    " pad",
    "",
]


def yaml12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


@pytest.mark.parametrize(
    ("text", "string", "helm", "every", "by_hand"),
    [
        ("qdrant", True, True, True, True),
        ("http://qdrant:6333", True, True, True, True),
        ("yes", False, False, False, False),  # a YAML 1.1 boolean
        ("y", True, False, False, False),  # a boolean to go-yaml v2 only
        ("0x1f", False, False, False, False),
        ("1_000", False, False, False, False),  # a number to YAML 1.1 and Go
        ("a: b", True, True, True, False),  # an emitter quotes it; text by hand may not
        ("größe", True, True, True, False),  # printable, but not ASCII
        ("a\u2028b", True, True, False, False),  # a line break even inside quotes
    ],
)
def test_the_unquoted_checks(
    text: str, string: bool, helm: bool, every: bool, by_hand: bool
) -> None:
    assert scalars.plain_is_string(text) is string
    assert scalars.helm_reads_plain(text) is helm
    assert scalars.every_reader_reads_plain(text) is every
    assert scalars.plain_text_ok(text) is by_hand


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(TRICKY), st.text(max_size=12)))
def test_double_quoted_text_is_json_and_yaml_for_the_same_string(text: str) -> None:
    quoted = scalars.double_quoted(text)
    assert json.loads(quoted) == text
    assert pyyaml.safe_load(f"k: {quoted}\n") == {"k": text}
    assert yaml12(f"k: {quoted}\n") == {"k": text}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(TRICKY), st.text(max_size=12)))
def test_text_written_by_hand_reads_back_as_that_string_everywhere(text: str) -> None:
    written = scalars.scalar_text(text, flow=False)
    assert pyyaml.safe_load(f"k: {written}\n") == {"k": text}
    assert yaml12(f"k: {written}\n") == {"k": text}
    if written == text:  # left plain: Helm reads it as that string too
        assert helm_scalar(text) == text
    assert json.loads(scalars.scalar_text(text, flow=True)) == text


@settings(max_examples=300, deadline=None)
@given(st.floats())
@example(1e16)
@example(1e-07)
@example(-0.0)
def test_floats_are_spelled_as_pyyaml_reads_them(value: float) -> None:
    text = scalars.float_text(value)
    loaded = pyyaml.safe_load(text)
    assert isinstance(loaded, float)
    assert loaded == value or (math.isnan(value) and math.isnan(loaded))
    assert text == pyyaml.safe_dump(value).split("\n")[0]  # PyYAML's own spelling


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
@example(1e16)
def test_a_float_written_by_hand_is_a_float_to_yaml_11_and_12_or_refused(value: float) -> None:
    try:
        text = scalars.scalar_text(value, flow=False)
    except scalars.Unwritable:
        return
    assert pyyaml.safe_load(text) == value and yaml12(text) == value
    assert isinstance(yaml12(text), float)


def test_only_plain_data_has_a_spelling() -> None:
    assert [scalars.scalar_text(v, False) for v in (None, True, False, 7)] == [
        "null",
        "true",
        "false",
        "7",
    ]
    with pytest.raises(scalars.Unwritable):
        scalars.scalar_text(b"bytes", False)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(TRICKY), st.text(max_size=12)))
def test_the_writer_quotes_what_any_reader_would_misread(text: str) -> None:
    dumped = yamlio.dump({"k": text})
    assert pyyaml.safe_load(dumped) == {"k": text}
    assert yaml12(dumped) == {"k": text}
    plain = dumped[len("k: ") :].rstrip("\n")
    if not plain.startswith(("'", '"', "|", ">")):
        assert helm_scalar(plain) == text
