"""The splice engine: new text in, every other byte as it was."""

from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.yaml import splice
from migrate.yaml.lines import Lines
from migrate.yaml.splice import Splice


def test_replacements_and_insertions_go_in_at_their_offsets() -> None:
    text = "a: 1\nb: 2\nc: 3\n"
    done = splice.apply(text, [Splice(5, 10, "b: 20\n"), Splice(0, 0, "# top\n")])
    assert done == "# top\na: 1\nb: 20\nc: 3\n"


def test_pieces_at_one_offset_go_deepest_first_then_in_the_order_given() -> None:
    pieces = [Splice(2, 2, "x"), Splice(2, 2, "y", depth=1), Splice(2, 2, "z")]
    assert splice.apply("ab", pieces) == "abyxz"


def test_overlapping_splices_are_refused() -> None:
    with pytest.raises(splice.Overlap):
        splice.apply("abcdef", [Splice(0, 3, ""), Splice(2, 4, "")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a: 1\n", "a: 1\nb: 2\n"), ("a: 1", "a: 1\nb: 2"), ("a: 1\r\n", "a: 1\r\nb: 2\r\n")],
)
def test_a_text_without_a_final_break_keeps_lacking_one(text: str, expected: str) -> None:
    newline = Lines(text).first_newline
    piece = "b: 2" + newline
    assert splice.apply(text, [Splice(len(text), len(text), piece)], newline=newline) == expected


def test_without_a_newline_rule_pieces_go_in_as_they_are() -> None:
    assert splice.apply("a: 1", [Splice(4, 4, "\nb: 2\n")]) == "a: 1\nb: 2\n"


_values = st.one_of(st.integers(-5, 5), st.sampled_from(["x", "y z", "'q'", "[1, 2]", "{}"]))


@settings(max_examples=200, deadline=None)
@given(
    old=st.lists(_values, min_size=1, max_size=8),
    changes=st.dictionaries(st.integers(0, 7), _values),
    comments=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_splicing_entries_by_line_gives_the_intended_data_and_keeps_other_lines(
    old: list[object], changes: dict[int, object], comments: bool, newline: str
) -> None:
    """Replace some entries of a mapping by their lines: the result reads as the mapping with
    those values, and every line not replaced is byte for byte where it was."""
    body = []
    for index, value in enumerate(old):
        if comments:
            body.append(f"# about k{index}")
        body.append(f"k{index}: {value}  # why")
    text = newline.join(body) + newline
    lines = Lines(text)
    keys = {lines[n].split(" ")[0]: n for n in range(lines.count)}
    pieces = []
    for index, value in changes.items():
        if index < len(old):
            n = keys[f"k{index}:"]
            pieces.append(Splice(lines.start(n), lines.after(n), f"k{index}: {value}{newline}"))
    result = splice.apply(text, pieces)
    expected = pyyaml.safe_load("\n".join(f"k{i}: {v}" for i, v in enumerate(old)))
    expected.update(
        pyyaml.safe_load("\n".join(f"k{i}: {v}" for i, v in changes.items() if i < len(old))) or {}
    )
    assert pyyaml.safe_load(result) == expected
    replaced = {keys[f"k{i}:"] for i in changes if i < len(old)}
    kept = [lines.get(n) for n in range(lines.count) if n not in replaced]
    after = Lines(result)
    assert [after.get(n) for n in range(after.count) if n not in replaced] == kept
