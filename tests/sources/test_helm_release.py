"""Helm's release Secrets: which revision counts, and decoding its values."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from migrate.sources import helm_release
from tests.support.cluster import helm_release_secret


def secrets(*revisions: tuple[int, str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        helm_release_secret("rag", "ai", number, status, values)
        for number, status, values in revisions
    ]


def test_the_last_deployed_revision_wins_over_later_failed_and_pending_ones() -> None:
    found = helm_release.last_deployed(
        secrets(
            (1, "superseded", {"a": 1}),
            (2, "deployed", {"a": 2}),
            (3, "failed", {"a": 3}),
            (4, "pending-upgrade", {"a": 4}),
        ),
        "rag",
    )
    assert found == helm_release.Revision("rag", "ai", 2, {"a": 2})


def test_no_deployed_revision_and_other_releases_are_not_taken() -> None:
    assert helm_release.last_deployed(secrets((1, "failed", {"a": 1})), "rag") is None
    assert helm_release.last_deployed(secrets((1, "deployed", {"a": 1})), "other") is None


def test_empty_values_have_no_config_key_and_decode_to_nothing() -> None:
    found = helm_release.last_deployed(secrets((7, "deployed", {})), "rag")
    assert found is not None and found.values == {} and found.version == 7


def test_a_secret_that_is_not_a_release_record_is_refused_by_name() -> None:
    (secret,) = secrets((1, "deployed", {"a": 1}))
    secret["data"]["release"] = base64.b64encode(b"not base64 of gzip!").decode()
    with pytest.raises(helm_release.ReleaseError, match=r"sh\.helm\.release\.v1\.rag\.v1"):
        helm_release.last_deployed([secret], "rag")


def test_selector_names_helm_and_the_release() -> None:
    assert helm_release.selector("rag") == "owner=helm,name=rag"
