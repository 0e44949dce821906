"""The loaders of manifests and run.yaml: what they read, what they refuse, and where."""

from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.errors import InputError
from migrate.yaml import load


def test_a_manifest_keeps_timestamps_as_text_and_reads_a_lone_equals_sign() -> None:
    data = load.load_manifest("created: 2024-01-02\nenum:\n- =\n")
    assert data == {"created": "2024-01-02", "enum": ["="]}


def test_run_yaml_is_read_as_llama_stack_reads_it() -> None:
    # PyYAML's safe_load: YAML 1.1 booleans, timestamps as dates.
    data = load.load_run_yaml("a: yes\nb: 2024-01-02\nc: 1e3\n", "run.yaml")
    assert data["a"] is True and str(data["b"]) == "2024-01-02" and data["c"] == "1e3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "found duplicate key 'a' (first at line 1)"),
        ("a: &x [*x]\n", "the node anchored here contains an alias of itself"),
        ("a: " + "[" * 201 + "]" * 201 + "\n", "nested more than 200 levels deep"),
    ],
)
def test_manifests_refuse_duplicate_keys_recursion_and_depth(text: str, message: str) -> None:
    with pytest.raises(pyyaml.MarkedYAMLError) as caught:
        load.load_manifest(text)
    assert message in str(caught.value)


def test_excessive_aliasing_is_refused_as_kubectl_refuses_it() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    with pytest.raises(pyyaml.MarkedYAMLError, match="document contains excessive aliasing"):
        load.load_manifest("\n".join(lines) + "\n")


def test_the_depth_limit_allows_what_real_documents_nest() -> None:
    text = "a: " + "[" * 150 + "]" * 150 + "\n"
    assert load.load_manifest(text) is not None
    assert load.needs_graph_check(text)


def test_run_yaml_errors_name_file_line_and_column() -> None:
    with pytest.raises(
        InputError, match=r"^run\.yaml:3:1: invalid YAML: did not find expected node content$"
    ):
        load.load_run_yaml("a: 1\nb: [\n", "run.yaml")
    with pytest.raises(InputError) as caught:
        load.load_run_yaml("a: 1\nb: x\x01\n", "run.yaml")
    assert str(caught.value) == (
        "run.yaml:2:5: invalid YAML: unacceptable character #x0001: "
        "control characters are not allowed"
    )


def test_a_document_of_a_stream_names_the_lines_of_its_file() -> None:
    # The document starts at line 4 of its file: positions are the file's.
    with pytest.raises(InputError) as caught:
        load.load_document("kind: Pod\nspec: [\n", "f.yaml", 4)
    assert str(caught.value).startswith("f.yaml:6:1: invalid YAML: ")
    with pytest.raises(InputError, match=r"^f\.yaml:5:7: invalid YAML: unacceptable character"):
        load.load_document("kind: Pod\nname: \x02\n", "f.yaml", 4)
    with pytest.raises(
        InputError, match=r"^f\.yaml:4:203: invalid YAML: nested more than 200 levels deep$"
    ):
        load.load_document("a: " + "[" * 300 + "]" * 300 + "\n", "f.yaml", 4)


def test_a_reader_error_is_placed_at_its_character_in_multibyte_text() -> None:
    text = "ä: ö\nb: x\x03\n"
    with pytest.raises(pyyaml.reader.ReaderError) as caught:
        pyyaml.load(text, Loader=load.ManifestLoader)
    assert load.reader_error_position(text, caught.value) == (1, 4)


def test_compose_keeps_the_marks_of_every_node() -> None:
    root = load.compose("a:\n  - x\n  - y\n")
    ((key, sequence),) = root.value
    assert key.start_mark.line == 0 and [item.start_mark.line for item in sequence.value] == [1, 2]


_block = st.recursive(
    st.sampled_from(["x", "1", "a b"]),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(["k", "l", "m"]), inner, min_size=1, max_size=3),
    ),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(data=_block, flow=st.booleans())
def test_the_graph_check_is_skipped_only_where_it_would_pass(data: object, flow: bool) -> None:
    text = pyyaml.safe_dump(data, default_flow_style=flow)
    if not load.needs_graph_check(text):
        load.check_graph(load.compose(text))  # raises if the shortcut were wrong
    assert load.load_manifest(text) == data


# Lines made of the characters that may start a block collection, and a few others.
_line = st.text(st.sampled_from([" ", "\t", "-", "?", ":", "a", "[", "{", "#"]), max_size=140)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_line, max_size=6), brackets=st.integers(0, 110))
def test_the_quick_search_for_a_wide_line_decides_as_the_full_measure(
    lines: list[str], brackets: int
) -> None:
    """The depth bound, searched for a line wide enough first, equals the bound itself."""
    text = "\n".join(lines) + "\n" + "[" * brackets
    counted = text.count("[") + text.count("{")
    bound = 2 * load.widest_run(text) + 4 + 2 * counted >= load.MAX_DEPTH
    assert load.needs_graph_check(text) is ("&" in text or bound)


# Plain scalars near the edges of YAML 1.1's implicit types: numbers in every base,
# booleans, nulls, timestamps, the merge and value keys, and text around them.
_PLAIN_ALPHABET = "0123456789abcdefxo+-._:=<~ TtrueFalsNnyYOE"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "yes",
                    "No",
                    "on",
                    "OFF",
                    "true",
                    "null",
                    "~",
                    "0o17",
                    "017",
                    "0x1F",
                    "1_000",
                    "1:30",
                    "190:20:30",
                    ".inf",
                    "-.Inf",
                    ".NaN",
                    "1e3",
                    "6.8523015e+5",
                    "2001-12-14",
                    "2001-12-14t21:59:43.10-05:00",
                    "<<",
                    "=",
                    "",
                    "80",
                ]
            ),
            st.text(alphabet=_PLAIN_ALPHABET, max_size=12),
            st.text(min_size=65, max_size=70, alphabet="0123456789"),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_loader_tags_plain_scalars_as_pyyaml_does_seen_or_not(words: list[str]) -> None:
    """Each loader class keeps the tags it gave (load._SafeLoader): a scalar seen before,
    by that class or another, is tagged as PyYAML's own loader of the same rules tags it."""
    reference = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)

    class ManifestRules(reference):  # type: ignore[misc,valid-type]
        pass

    ManifestRules.yaml_implicit_resolvers = load.ManifestLoader.yaml_implicit_resolvers
    for word in words * 2:  # the second time from what each class kept
        for ours, theirs in ((load._SafeLoader, reference), (load.ManifestLoader, ManifestRules)):
            expected = pyyaml.ScalarNode  # the kind; then the tag each gives the word
            tags = [loader("").resolve(expected, word, (True, False)) for loader in (ours, theirs)]
            assert tags[0] == tags[1], word
    assert all(len(word) <= load._REMEMBERED_LENGTH for word in load._SafeLoader._tags)


def test_a_timestamp_is_a_date_to_llama_stack_and_text_to_kubectl_in_any_order() -> None:
    for _ in range(2):
        assert load.load_manifest("at: 2001-12-14") == {"at": "2001-12-14"}
        assert str(load.load_safe("at: 2001-12-14")["at"]) == "2001-12-14"
        assert load.load_safe("at: 2001-12-14") != {"at": "2001-12-14"}
