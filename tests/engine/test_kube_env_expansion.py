"""Kubernetes' $(VAR) expansion and env var names, as the kubelet reads them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.engine.kube_env import expand, is_valid_name, looks_like_service_link, references

# ---------------------------------------------------------------------------
# expand: the forked Go expansion


DEFINED = {"A": "a", "B": "b", "EMPTY": "", "REF": "$(A)"}


def lookup_defined(name: str) -> str | None:
    return DEFINED.get(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("$(A)", "a"),
        ("x$(A)y$(B)z", "xaybz"),
        ("$(A)$(A)", "aa"),
        ("<$(EMPTY)>", "<>"),
        ("$(MISSING)", "$(MISSING)"),
        ("$$(A)", "$(A)"),
        ("$$$(A)", "$a"),
        ("$$$$(A)", "$$(A)"),
        ("$$A", "$A"),
        ("$A", "$A"),
        ("${A}", "${A}"),
        ("$?-$!", "$?-$!"),
        ("$)", "$)"),
        ("end$", "end$"),
        ("$", "$"),
        ("$$", "$"),
        ("$(A", "$(A"),
        ("$(A)-$(", "a-$("),
        ("$(A$$", "$(A$"),
        ("$($($(", "$($($("),
        ("$(A$(B))", "$(A$(B))"),
        ("$(A$(B)", "$(A$(B)"),
        ("$(x$$y)", "$(x$$y)"),
        ("$()", "$()"),
        ("back\\$(A)", "back\\a"),
        ("(A)", "(A)"),
        ("$(REF)", "$(A)"),
        ("\n", "\n"),
    ],
)
def test_expand_matches_kubernetes_rules(text: str, expected: str) -> None:
    assert expand(text, lookup_defined) == expected


def test_expand_does_not_rescan_substituted_values() -> None:
    assert expand("$(REF)-$(A)", lookup_defined) == "$(A)-a"


def test_expand_passes_the_raw_name_between_the_parentheses() -> None:
    seen: list[str] = []

    def spy(name: str) -> str | None:
        seen.append(name)
        return None

    expand("$( spaced name )$(a$(b)$(X.Y-z)", spy)
    assert seen == [" spaced name ", "a$(b", "X.Y-z"]


def test_expand_treats_non_ascii_after_dollar_as_one_character() -> None:
    assert expand("$é$(A)", lookup_defined) == "$éa"
    assert expand("$(é)", lambda name: "ok" if name == "é" else None) == "ok"


def test_references_lists_real_references_once_in_order() -> None:
    assert references("$(B)$(A)$$(C)$(B)$(D") == ("B", "A")


def go_expand(text: str, mapping: Callable[[str], str | None]) -> str:
    """Kubernetes' Expand, transcribed structure for structure (cursor, checkpoint, advance)."""

    def try_read_variable_name(rest: str) -> tuple[str, bool, int]:
        first = rest[0]
        if first == "$":
            return rest[0:1], False, 1
        if first == "(":
            for i in range(1, len(rest)):
                if rest[i] == ")":
                    return rest[1:i], True, i + 1
            return "$(", False, 1
        return "$" + first, False, 1

    buf = ""
    checkpoint = 0
    cursor = 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            buf += text[checkpoint:cursor]
            read, is_var, advance = try_read_variable_name(text[cursor + 1 :])
            if is_var:
                found = mapping(read)
                buf += f"$({read})" if found is None else found
            else:
                buf += read
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return buf + text[checkpoint:]


expansion_text = st.text(alphabet=st.sampled_from("$()AB_x é\\"), max_size=40)


@settings(max_examples=500)
@given(expansion_text)
def test_expand_agrees_with_the_go_algorithm(text: str) -> None:
    assert expand(text, lookup_defined) == go_expand(text, lookup_defined)


@given(st.text(alphabet=st.characters(blacklist_characters="$")))
def test_text_without_dollar_is_unchanged(text: str) -> None:
    assert expand(text, lambda name: "X") == text


@given(st.integers(min_value=0, max_value=30))
def test_dollar_runs_are_halved(count: int) -> None:
    assert expand("$" * (2 * count), lambda name: "X") == "$" * count


@given(expansion_text)
def test_escaping_every_dollar_round_trips(text: str) -> None:
    assert expand(text.replace("$", "$$"), lambda name: "X") == text


@given(expansion_text)
def test_undefined_references_leave_text_without_escapes_unchanged(text: str) -> None:
    if "$$" not in text:
        assert expand(text, lambda name: None) == text


# ---------------------------------------------------------------------------
# names


@pytest.mark.parametrize("name", ["A", "my.env-name", "1ABC", "A B", "a:b/c~"])
def test_relaxed_names_are_valid(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize("name", ["", "A=B", "A\tB", "A\nB", "É", "A\x7f", None, 3])
def test_invalid_names(name: object) -> None:
    assert not is_valid_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "MILVUS_SERVICE_HOST",
        "MILVUS_SERVICE_PORT",
        "MILVUS_SERVICE_PORT_GRPC",
        "LLAMA_STACK_PORT",
        "MILVUS_PORT_19530_TCP",
        "MILVUS_PORT_19530_TCP_ADDR",
        "DNS_PORT_53_UDP_PROTO",
        "X_PORT_9_SCTP_PORT",
        "_3D_SERVICE_HOST",
    ],
)
def test_service_link_shapes(name: str) -> None:
    assert looks_like_service_link(name)


@pytest.mark.parametrize(
    "name",
    [
        "VECTOR_STORE_EMBEDDING_DIMENSION",
        "VLLM_URL",
        "PORT",
        "milvus_port",
        "MILVUS_PORT_X_TCP",
        "MILVUS_PORT_1_HTTP",
        "_SERVICE_HOST_X",
    ],
)
def test_not_service_link_shapes(name: str) -> None:
    assert not looks_like_service_link(name)


def test_only_the_api_server_links_remain_without_service_links() -> None:
    assert looks_like_service_link("KUBERNETES_SERVICE_HOST", enable_service_links=False)
    assert looks_like_service_link("KUBERNETES_PORT_443_TCP_ADDR", enable_service_links=False)
    assert not looks_like_service_link("MILVUS_SERVICE_HOST", enable_service_links=False)
