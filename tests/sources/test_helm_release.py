"""Helm's release Secrets: which revision counts, decoding its values, the release source."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from migrate.sources import cluster, helm_release
from migrate.sources.interface import Problem
from tests.support import cluster as emulated
from tests.support.cluster import helm_release_secret, running


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


@pytest.mark.asyncio
async def test_a_release_gives_its_last_deployed_revision_or_why_not(tmp_path: Path) -> None:
    async with running(tmp_path=tmp_path) as c:
        c.seed(
            "main",
            [
                emulated.helm_release_secret("rag", "ai", 1, "deployed", {"a": 1}),
                emulated.helm_release_secret("rag", "ai", 2, "failed", {"a": 2}),
                emulated.helm_release_secret("old", "ai", 1, "superseded", {"a": 0}),
            ],
        )
        emulated.forbid(c.emulators["main"], "v1/secrets", "locked")

        def releases() -> list[list[helm_release.Revision | Problem]]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            return [
                list(helm_release.Release(connection, name, namespace).read())
                for name, namespace in (("rag", "ai"), ("old", "ai"), ("rag", "locked"))
            ]

        deployed, none, forbidden = await asyncio.to_thread(releases)
    assert deployed == [helm_release.Revision("rag", "ai", 1, {"a": 1})]
    assert none == [Problem("release old in ai has no deployed revision to start from")]
    assert [str(p) for p in forbidden] == [
        "release rag in locked: listing Secrets in namespace locked is forbidden (403)"
    ]
