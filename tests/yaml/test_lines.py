"""Line arithmetic: offsets to lines and back, as the parser's marks count them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.yaml import load
from migrate.yaml.lines import NEWLINE, Lines, split_lines


def test_yaml_breaks_are_lines_and_other_controls_are_not() -> None:
    text = "a\r\nb\rc\u2028d\x0ce\n"
    lines = Lines(text)
    assert lines.count == 4
    assert [lines[n] for n in range(lines.count)] == ["a", "b", "c", "d\x0ce"]
    assert split_lines(text) == ["a\r\n", "b\r", "c\u2028", "d\x0ce\n"]
    assert (lines.line(text.index("c")), lines.col(text.index("e"))) == (2, 2)
    assert lines.start(3) == text.index("d") and lines.after(3) == len(text) == lines.start(9)


def test_counting_only_newlines_keeps_a_line_with_another_break_whole() -> None:
    text = "a: 1\rb\nc\n"
    lines = Lines(text, NEWLINE)
    assert lines.count == 2 and lines.get(0) == "a: 1\rb\n" and lines.get(5) == ""


def test_a_text_without_a_final_break_and_an_empty_text() -> None:
    assert Lines("a\nb").count == 2 and Lines("a\nb\n").count == 2
    assert Lines("").count == 0 and not Lines("").blank(0)


def test_the_two_rules_for_the_break_of_new_lines() -> None:
    mixed = Lines("a\nb\r\n")
    assert (mixed.first_newline, mixed.newline) == ("\n", "\r\n")
    windows = Lines("a\r\nb\n")
    assert (windows.first_newline, windows.newline) == ("\r\n", "\r\n")
    assert (Lines("a").first_newline, Lines("a").newline) == ("\n", "\n")


def test_blank_comment_and_indent() -> None:
    lines = Lines("a:\n  \t\n  # note\n    b: 1\n")
    assert [lines.blank(n) for n in range(5)] == [False, True, False, False, False]
    assert [lines.comment(n) for n in range(4)] == [False, False, True, False]
    assert lines.indent(3) == 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \r\n\x85\u2028\u2029#", max_size=30))
def test_lines_cover_the_text_and_agree_with_split_lines(text: str) -> None:
    lines = Lines(text)
    assert [lines.get(n) for n in range(lines.count)] == split_lines(text)
    assert "".join(lines.get(n) for n in range(lines.count)) == text
    for index in range(len(text)):
        line = lines.line(index)
        assert lines.start(line) <= index < lines.after(line)
        assert lines.col(index) == index - lines.start(line)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"]), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_line_numbers_are_those_of_the_parsers_marks(breaks: list[tuple[str, bool]]) -> None:
    text = ""
    for number, (line_break, comment) in enumerate(breaks):
        text += ("# c" + line_break if comment else "") + f"k{number}: v{number}" + line_break
    lines = Lines(text)
    for key, _ in load.compose(text).value:
        assert lines.line(key.start_mark.index) == key.start_mark.line
        assert lines.col(key.start_mark.index) == key.start_mark.column
