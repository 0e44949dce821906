"""A values file with its lines: where each entry, its comments and its inner keys stand."""

from __future__ import annotations

import pytest

from migrate.errors import InputError
from migrate.yaml import values_file

TEXT = """\
# image of the release
image:
  tag: "0.3"  # pinned
    # an indented note: the image's
# what follows
vectorStore:
  defaultProvider: milvus
  embedding:
    model: e5

env:  # extra
  A: b
  B:
  C: |
    two
    lines
"""


@pytest.fixture
def old() -> values_file.ValuesFile:
    return values_file.read(TEXT, "v.yaml")


def test_entries_are_found_by_key_as_written(old: values_file.ValuesFile) -> None:
    assert [old.index(key) for key in ("image", "vectorStore", "env", "nope")] == [0, 1, 2, None]
    assert old.has("env") and old.key_line(1) == 5 and old.key_column() == 0
    assert old.key_as_written(2) == "env" and old.key_name(2) == "env"
    assert not old.is_flow()


def test_an_entry_owns_the_comments_above_its_key_and_the_deeper_ones_after_it(
    old: values_file.ValuesFile,
) -> None:
    assert old.span(0) == (0, 3)
    assert old.span(1) == (4, 8)
    assert old.last_line(1) == 8 and old.following(1) == 10
    assert old.span(2) == (10, 15) and old.bound() == 16


def test_the_entries_of_a_block_mapping_with_their_lines(old: values_file.ValuesFile) -> None:
    column, entries = old.block_entries(2) or (None, [])
    assert column == 2
    assert [(e.name, e.first, e.last) for e in entries] == [
        ("A", 11, 11),
        ("B", 12, 12),
        ("C", 13, 15),
    ]
    assert old.block_entries(0) is not None and old.key_comment(2) is None


@pytest.mark.parametrize(
    ("text", "comment"),
    [("env:  # none yet\n", "# none yet"), ("env: ~  # none\n", "# none"), ("env: {}\n", None)],
)
def test_an_empty_entry_and_the_comment_after_it(text: str, comment: str | None) -> None:
    old = values_file.read(text, "v.yaml")
    assert old.null_or_empty(0) and old.block_entries(0) is None
    assert old.key_comment(0) == comment


def test_the_line_of_each_step_of_a_path(old: values_file.ValuesFile) -> None:
    # A block mapping's value starts at its first key.
    assert old.value_lines("vectorStore", ("embedding", "model")) == [7, 9, 9]
    assert old.value_lines("vectorStore", ("defaultProvider",)) == [7, 7]
    assert old.value_lines("vectorStore", ("dimension", "x")) == [7, 7, 7]
    assert old.value_lines("missing", ("a",)) == [1, 1]


def test_a_key_merged_in_cannot_be_edited() -> None:
    old = values_file.read("base: &b {vectorStore: {}}\n<<: *b\n", "v.yaml")
    assert "vectorStore" in old.data and not old.has("vectorStore")
    with pytest.raises(InputError, match=r"^v\.yaml:1: 'vectorStore' comes in through a merge"):
        old.require_direct("vectorStore")


def test_an_entry_whose_anchors_others_use_cannot_go() -> None:
    old = values_file.read("a: &x {k: 1}\nb: *x\n", "v.yaml")
    with pytest.raises(InputError, match=r"^v\.yaml:2: b uses an anchor defined in a \(line 1\)"):
        old.refuse_shared_anchors(0)
    old.refuse_shared_anchors(1)


def test_an_empty_file_and_a_json_file() -> None:
    empty = values_file.read("", "v.yaml")
    assert empty.data == {} and empty.bound() == 0 and empty.key_column() == 0
    assert values_file.read('{"a": 1}', "v.json").is_flow()
