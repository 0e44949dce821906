"""run.yaml written section by section (the fast path) is the text written whole."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import fastpath
from migrate.emit import configmap
from migrate.engine import evaluate
from migrate.errors import InternalError
from migrate.yaml import io as yamlio

_KEYS = st.sampled_from(["version", "apis", "providers", "models", "x" * 130, "1", "true", ""])
_SCALARS = (
    st.text(max_size=8)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=True)
    | st.sampled_from(["1", "true", "~", "${env.A:=b}", "a: b", "- x", "\u0085"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_KEYS | st.text(), inner, max_size=3)
    ),
    max_leaves=12,
)
_CONFIGS = st.dictionaries(_KEYS | st.integers(), _VALUES, min_size=1, max_size=5)


@pytest.fixture(autouse=True)
def _fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fastpath.ENV, raising=False)


@settings(max_examples=300, deadline=None)
@given(_CONFIGS, _CONFIGS)
def test_sections_written_once_join_to_the_whole_text(first: Any, second: Any) -> None:
    for config in (first, second, {**first, **second}):
        assert configmap.run_yaml(config) == yamlio.dump_run_yaml(config)
    # Sections known by their objects (a template's, never changed), under keys that are
    # equal in Python but not in YAML (1 and True), and again.
    fixed = evaluate.containers([first, second])
    configs: list[Any] = [first, second, {**first, **second}, {1: first}, {True: first}, first]
    for config in configs:
        assert configmap.run_yaml(config, fixed) == yamlio.dump_run_yaml(config)


def test_the_same_section_of_another_type_is_not_taken_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sections of equal value but other types each get their own text, as written whole
    (a tuple fails its check on either path)."""
    configs = ({"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, {"a": [1]}, {"a": (1,)})
    fast = [_outcome(config) for config in configs]
    monkeypatch.setenv(fastpath.ENV, "1")
    assert fast == [_outcome(config) for config in configs]
    assert len(set(fast)) == len(configs)


def _outcome(config: Any) -> str:
    try:
        return configmap.run_yaml(config)
    except InternalError as error:
        return f"{config!r}: {error}"
