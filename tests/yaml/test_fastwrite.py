"""The fast writer of plain data writes ruamel's bytes, or leaves the data to ruamel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.errors import MigrateError
from migrate.sources import manifests
from migrate.sources.context import to_document
from migrate.yaml import fastwrite, load
from migrate.yaml import io as yamlio

ROOT = Path(__file__).resolve().parents[2]

# Characters that decide quoting: indicators, spaces, quotes, digits, and a few beyond ASCII.
_CHARACTERS = st.sampled_from(list("ab:#- '\"\\,[]{}?&*!|>%@`.+0123456789eExXyYnN~=/_\tzé\n"))
_WORDS = st.sampled_from(
    [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "", "0", "0x1f",
        "1e3", "1_000", "0o17", "012", ".5", "1.5", ".inf", "-.nan", "1:20", "2024-01-01",
        "500m", "1Gi", "http://a:b/c", "a: b", "a #b", "key:", "-x", "- x", "---", "...",
        "nginx:1.25", "ghcr.io/x/llama-stack:0.3.3", "${env.A:=b}", "a  b", " lead", "trail ",
        "=", "<<", "!tag", "&anchor", "*alias", "%x", "@x", "it's", "'q'", '"q"', "k" * 130,
        "--port", "-", "-1", "-x-",
    ]
)  # fmt: skip
_STRINGS = _WORDS | st.text(_CHARACTERS, max_size=12)
_SCALARS = _STRINGS | st.integers() | st.booleans() | st.none() | st.just(1.5)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_STRINGS, inner, max_size=4),
    max_leaves=24,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_STRINGS, _DATA, min_size=1, max_size=6))
def test_what_it_writes_is_ruamels_text(data: dict[str, Any]) -> None:
    written = fastwrite.dump(data)
    if written is not None:
        assert written == yamlio.dump(yamlio.to_commented(data))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_STRINGS, _DATA, min_size=1, max_size=6))
def test_what_it_writes_reads_back_as_the_data_itself(data: dict[str, Any]) -> None:
    """A scan takes a cluster object's data for what its text reads as (to_document):
    kubectl's reading of the text, and Llama Stack's, give the same types and values."""
    written = fastwrite.dump(data)
    if written is not None:
        assert yamlio.same(load.load_manifest(written), data)
        assert yamlio.same(load.load_safe(written), data)


def test_it_leaves_deep_data_to_ruamel_whose_text_is_read_back() -> None:
    """Past 100 levels the writer leaves the data to ruamel; an object nested past the
    loaders' bound is then refused as it is in any text, not taken as read."""
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(120):
        deep = {"k": deep}
    assert fastwrite.dump(deep) is None
    for _ in range(100):
        deep = {"k": deep}
    with pytest.raises(pyyaml.MarkedYAMLError, match=r"nested more than 200 levels deep"):
        to_document({"kind": "Deployment", "metadata": {"name": "d"}, "spec": deep}, "c")


def test_it_writes_the_fixtures_workloads_itself() -> None:
    """The fixtures' Deployments and StatefulSets: the fast writer must not leave them all
    to ruamel, and what it writes is ruamel's text."""
    written = 0
    workloads = 0
    for path in sorted((ROOT / "fixtures").rglob("*.yaml")):
        try:
            documents = [d.data for d in manifests.documents(str(path), path.read_text(), [])]
        except MigrateError:
            continue
        for data in documents:
            if not isinstance(data, dict) or data.get("kind") not in ("Deployment", "StatefulSet"):
                continue
            if any(isinstance(v, float) for v in _leaves(data)):
                continue
            workloads += 1
            text = fastwrite.dump(data)
            if text is not None:
                written += 1
                assert text == yamlio.dump(yamlio.to_commented(data)), path
    assert workloads > 20
    assert written >= workloads * 0.8, (written, workloads)


def test_it_leaves_to_ruamel_what_it_cannot_be_sure_of() -> None:
    unsure = ({"a": 1.5}, {"a": "x\ny"}, {"a": [[1]]}, {"k" * 101: 1}, {"a": "café"})
    for data in (*unsure, {"a": "x" * 70000}, {}):
        assert fastwrite.dump(data) is None, data


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value)]
    return [data]
