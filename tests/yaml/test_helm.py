"""Helm's reading of a values file: go-yaml v2's scalar rules, then JSON."""

from __future__ import annotations

import math
from typing import Any

import pytest

from migrate.errors import InputError
from migrate.yaml import values_file
from migrate.yaml.helm import helm_scalar


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("y", True),
        ("Off", False),
        ("~", None),
        ("0x1F", 31.0),
        ("0o17", 15.0),
        ("017", 15.0),  # leading-zero octal
        ("0b101", 5.0),
        ("1_000", 1000.0),
        ("-0", -0.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("18446744073709551615", 18446744073709551615.0),  # fits an uint64
        ("-9223372036854775809", -9223372036854775809.0),  # a float64 all the same
        ("1e400", "1e400"),  # overflows: Go keeps the text
        ("2024-01-02", "2024-01-02"),  # no timestamps
        ("<<", "<<"),
        ("0x", "0x"),
        ("qdrant", "qdrant"),
    ],
)
def test_plain_scalars_read_as_helm_reads_them(text: str, value: Any) -> None:
    read = helm_scalar(text)
    assert type(read) is type(value) and read == value


def test_infinities_and_nan_are_returned_as_such() -> None:
    assert helm_scalar(".inf") == math.inf and math.isnan(helm_scalar(".NaN"))


def test_the_values_reader_types_numbers_as_floats_and_keeps_quoted_text() -> None:
    old = values_file.read('a: 1\nb: "1"\nc: yes\nd: !!int "7"\n', "v.yaml")
    assert old.data == {"a": 1.0, "b": "1", "c": True, "d": 7.0}
    values_file.read("1: one\ntrue: t\n", "v.yaml")  # two keys to Helm, not a duplicate


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: 1\nb: .inf\n",
            "v.yaml:2:4: '.inf' is inf, which Helm cannot load (values pass through JSON)",
        ),
        ("a: !!bool x\n", "v.yaml:1:4: 'x' is not a valid tag:yaml.org,2002:bool"),
        (
            "a: 1\nb: 2\na: 3\n",
            "v.yaml:3:1: invalid YAML: found duplicate key 'a' (first at line 1)",
        ),
        ("- a\n", "v.yaml:1: the values are a list, not a mapping"),
        ("a: [\n", "v.yaml:2:1: invalid YAML: did not find expected node content"),
    ],
)
def test_what_helm_refuses_is_named_by_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        values_file.read(text, "v.yaml")
    assert str(caught.value) == message
