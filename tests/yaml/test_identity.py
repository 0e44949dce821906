"""``yamlio.identity``: the key writers keep their text under is equal for exactly the
data they write alike."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.yaml import io as yamlio

# A small domain, so that drawn pairs are often equal, or equal but for a type.
_SCALARS = st.sampled_from([0, 1, True, False, 1.0, 0.0, -0.0, "1", "true", "", None, "a"])
_KEYS = st.sampled_from(["a", "b", 1, True, "1"])
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEYS, inner, max_size=2),
    max_leaves=6,
)


def _floats(data: Any) -> bool:
    if isinstance(data, dict):
        return any(_floats(k) or _floats(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_floats(item) for item in data)
    return isinstance(data, float)


@settings(max_examples=400, deadline=None)
@given(_DATA, _DATA)
def test_equal_identities_are_the_same_data_written_alike(left: Any, right: Any) -> None:
    key = yamlio.identity(left)
    assert key is not None
    hash(key)
    if key == yamlio.identity(right):
        assert yamlio.same(left, right)
        assert yamlio.dump_run_yaml(left) == yamlio.dump_run_yaml(right)
        commented = [yamlio.dump(yamlio.to_commented({"k": d})) for d in (left, right)]
        assert commented[0] == commented[1]
    elif not _floats(left) and not _floats(right):
        assert not yamlio.same(left, right)


def test_data_of_other_types_has_none() -> None:
    assert yamlio.identity({"a": (1,)}) is None
    assert yamlio.identity([yamlio.to_commented({"a": 1})]) is None
    assert yamlio.identity({1.5: "x"}) == ("map", ((("float", "1.5"), ("str", "x")),))
