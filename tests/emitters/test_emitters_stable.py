"""The two YAML writers are stable: what they write loads back as the data, and
writing that again gives the same text.

``yamlio.dump_run_yaml`` (PyYAML) writes run.yaml, which Llama Stack loads
with PyYAML; ``yamlio.dump`` (ruamel) writes the values overlay, which Helm,
PyYAML and ruamel load. The data is run.yaml-like: nested mappings and lists
of strings spelled the way YAML likes to misread (``y``, ``on``, ``~``,
``1_000``, ``0o17``, ``1e3``, ``.inf``, ``null``, edge spaces, ``#``, ``: ``,
Unicode line separators, control characters), integers of any size, floats
with infinities and NaN, booleans and null.

Values found to break a writer are not filtered out of the strategies. The
property found one defect, now fixed: ``yamlio.dump`` (ruamel) wrote a float
whose shortest spelling has an exponent but no dot (``1e+16``, ``1e-07``,
``5e-324``) exactly so, and YAML 1.1 readers (PyYAML, hence Llama Stack) read
that as a string; it now writes ``1.0e+16`` as PyYAML does.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from migrate.yaml import io as yamlio
from migrate.yaml import load

EXAMPLES = 400

SPECIAL = (
    "",
    " ",
    "y",
    "Y",
    "n",
    "N",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "TRUE",
    "~",
    "null",
    "Null",
    "NULL",
    "1_000",
    "1__0",
    "_1",
    "0o17",
    "0x1F",
    "0x_1F",
    "0b101",
    "017",
    "08",
    "+1",
    "-0",
    "1e3",
    "1E3",
    "1.e3",
    "1e+3",
    ".5",
    "1.",
    "1.5e-3",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "inf",
    "nan",
    "1:20",
    "-1:20:30.5",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "-",
    "- x",
    "---",
    "...",
    "? x",
    "?",
    "#",
    "# comment",
    "a #b",
    "a# b",
    "a: b",
    ": ",
    "a:",
    "key: value # comment",
    " leading",
    "trailing ",
    "\ttab",
    "tab\t",
    "multi\nline",
    "trailing newline\n",
    "\n",
    "\r",
    "a\r\nb",
    "\u2028",
    "a\u2029b",
    "\x85",
    "\x00",
    "\x07",
    "\x1b[0m",
    "\x7f",
    "\ufeff",
    "\u200b",
    "'",
    '"',
    "\\",
    "\\n",
    "@x",
    "`x",
    "!tag",
    "!!str",
    "&a",
    "*a",
    "%YAML",
    "|",
    ">",
    "{",
    "}",
    "[a, b]",
    "{a: 1}",
    ",",
    "${env.X:=1}",
    "modèle-ünïcødé-模型",
    "😀",
)
LARGE_INTS = (2**31, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**40))
FLOATS = (
    0.0,
    -0.0,
    1.0,
    0.1,
    1e16,
    1e-7,
    5e-324,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
)

strings = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=12))
scalars = st.one_of(
    strings,
    st.integers(),
    st.sampled_from(LARGE_INTS),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.sampled_from(FLOATS),
    st.booleans(),
    st.none(),
)
keys = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=8))
documents = st.dictionaries(
    keys,
    st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=6,
)


def _load_ruamel(text: str) -> Any:
    """What a YAML 1.2 reader (ruamel's safe loader, close to Helm's go-yaml) makes of it."""
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def check_run_yaml(data: dict[str, Any]) -> None:
    text = yamlio.dump_run_yaml(data)
    loaded = load.load_run_yaml(text, "run.yaml")
    assert yamlio.same(loaded, data), text
    assert yamlio.dump_run_yaml(loaded) == text


def ruamel_misreads(value: Any) -> bool:
    """A float Python spells with an exponent and no dot (YAML 1.1 would read text)."""
    if not isinstance(value, float) or not math.isfinite(value):
        return False
    spelled = repr(value)
    return "e" in spelled and "." not in spelled


def set_aside(data: Any, found: list[float]) -> Any:
    """``data`` with every float of the known defect replaced by None (collected in ``found``)."""
    if isinstance(data, dict):
        return {key: set_aside(value, found) for key, value in data.items()}
    if isinstance(data, list):
        return [set_aside(item, found) for item in data]
    if ruamel_misreads(data):
        found.append(data)
        return None
    return data


def check_ruamel(data: dict[str, Any]) -> None:
    text = yamlio.dump(yamlio.to_commented(data))
    loaded = load.load_run_yaml(text, "values.yaml")
    assert yamlio.same(loaded, data), text
    assert yamlio.same(_load_ruamel(text), data), text
    assert yamlio.dump(yamlio.to_commented(loaded)) == text


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents)
@example(data={special: special for special in SPECIAL})
@example(data={"ints": list(LARGE_INTS), "floats": list(FLOATS), "flags": [True, False, None]})
def test_run_yaml_writer_is_stable(data: dict[str, Any]) -> None:
    check_run_yaml(data)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents)
@example(data={special: special for special in SPECIAL})
@example(data={"ints": list(LARGE_INTS), "flags": [True, False, None]})
def test_ruamel_writer_is_stable(data: dict[str, Any]) -> None:
    found: list[float] = []
    set_aside(data, found)
    if found:
        event("floats whose shortest spelling has an exponent and no dot")
    check_ruamel(data)


@pytest.mark.parametrize("value", [1e16, 1e-07, -1e-05, 5e-324, 1e300])
def test_ruamel_writer_exponent_floats(value: float) -> None:
    # Python spells these without a dot, which YAML 1.1 readers take for text; the
    # writer adds the dot (1.0e+16), as PyYAML does.
    assert ruamel_misreads(value)
    check_ruamel({"value": value})


def test_ruamel_writer_floats_with_a_dot() -> None:
    # The defect is the spelling only: the same magnitudes with a dot load back.
    for value in (1.5e16, 1.5e-07, 1.7976931348623157e308, 0.1, -0.0):
        assert not ruamel_misreads(value)
        check_ruamel({"value": value})
