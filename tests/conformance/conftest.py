"""Fixtures for the conformance tests: the real Llama Stack 0.3.3.

The ``llama_stack`` fixture starts one worker for the whole session. Without
the conformance virtual environment the tests are skipped with a hint, except
in CI (``CI=true``), where a missing reference is a failure: conformance must
never pass by being skipped there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.llamastack import VENV_ENV_VAR, LlamaStack, VenvMissingError

HERE = Path(__file__).resolve().parent


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder compares against the real Llama Stack.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.conformance)


@pytest.fixture(scope="session")
def llama_stack() -> Iterator[LlamaStack]:
    """A started ``LlamaStack`` shared by the session."""
    stack = LlamaStack()
    try:
        stack.start()
    except VenvMissingError as exc:
        message = (
            f"{exc}. `make test` builds it; or run `scripts/conformance-venv "
            f"{exc.venv}` (needs Python 3.12), or point {VENV_ENV_VAR} at one."
        )
        if in_ci():
            pytest.fail(f"conformance tests cannot be skipped in CI: {message}")
        pytest.skip(message)
    with stack:
        yield stack
