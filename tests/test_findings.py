"""Every finding ID is raised by a real input, and a near miss of it raises nothing.

``fixtures/findings/<id>/raises.yaml`` is a small manifest that raises the
finding; ``clean.yaml`` is the smallest change of it that removes the cause,
so the pair shows the boundary. Extra arguments (a chart, a template,
``--preserve-behavior``) come from ``<id>/options``, one per line, or from
``<id>/<stem>.options`` where one file of the pair needs its own.

Each case runs ``migrate convert --dry-run -o json`` in a subprocess, as a
user runs it. The three runs of one ID (raises, clean, raises with
``--ignore``) start together on a small thread pool and are awaited on use.

The IDs only a cluster scan raises get the same pair as two states of kmock's
Kubernetes emulator, scanned with ``migrate scan --dry-run -o json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from migrate.plan.findings import CATALOGUE
from tests.support import cluster
from tests.support.cli import migrate
from tests.support.cluster import Cluster, running

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = ROOT / "fixtures" / "findings"

# IDs that no honest input raises, with the reason; such an ID has a README in
# its directory instead of a fixture pair. Only self-check (an internal check
# that failed) may ever be listed here.
NOT_RAISABLE: dict[str, str] = {
    "self-check": "an internal check that failed: a bug, raised by no known input",
}

# IDs only a cluster scan raises: each has a pair of emulator states below
# (SCAN_CASES) instead of a manifest pair.
SCAN_ONLY: tuple[str, ...] = (
    "namespace-forbidden",
    "api-unavailable",
    "scan-incomplete",
    "helm-release-unreadable",
    "helm-values-mismatch",
)
# IDs raised only for workloads already on the new layout: their near miss is one too.
ON_MIGRATED: tuple[str, ...] = (
    "configmap-not-read",
    "upgrade-reverted",
    "release-history-incomplete",
)
OFFLINE = [finding_id for finding_id in CATALOGUE if finding_id not in SCAN_ONLY]

# Fixtures the API server would reject, with the reason; every other manifest
# here is valid Kubernetes, so each finding is shown on input a cluster accepts.
INVALID_ON_PURPOSE = {
    "workload-invalid/raises.yaml": "its container is a mapping, not a list item",
}

Completed = subprocess.CompletedProcess[str]


def _params(stems: str) -> list[Any]:
    """The catalogued IDs; the ones listed in NOT_RAISABLE are skipped with their reason."""
    return [
        pytest.param(
            finding_id,
            marks=[pytest.mark.skip(reason=f"{stems}: {NOT_RAISABLE[finding_id]}")]
            if finding_id in NOT_RAISABLE
            else [],
        )
        for finding_id in OFFLINE
    ]


def options(finding_id: str, stem: str) -> list[str]:
    """The extra arguments for ``<stem>.yaml``: its own options file, else the shared one."""
    folder = FINDINGS / finding_id
    for candidate in (folder / f"{stem}.options", folder / "options"):
        if candidate.is_file():
            lines = candidate.read_text("utf-8").splitlines()
            return [line.strip() for line in lines if line.strip()]
    return []


def arguments(finding_id: str, stem: str, *extra: str) -> tuple[str, ...]:
    path = (FINDINGS / finding_id / f"{stem}.yaml").relative_to(ROOT).as_posix()
    return ("convert", "--dry-run", "-o", "json", "-f", path, *options(finding_id, stem), *extra)


def report_of(args: tuple[str, ...], done: Completed) -> dict[str, Any]:
    """The JSON report of a finished run, whose exit code must be the one the report implies."""
    shown = " ".join(args)
    assert "Traceback" not in done.stderr, f"migrate {shown}:\n{done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    # 1 exactly when findings at or above --fail-on were raised; anything else is a failure.
    expected = 1 if report["summary"]["failed"] else 0
    assert done.returncode == expected, f"migrate {shown}: exit {done.returncode}\n{done.stderr}"
    return report


class Runs:
    """Runs of ``migrate``, each started once, in parallel, and awaited on use."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self._started: dict[tuple[str, ...], Future[Completed]] = {}

    def _start(self, args: tuple[str, ...]) -> Future[Completed]:
        if args not in self._started:
            self._started[args] = self._pool.submit(migrate, *args)
        return self._started[args]

    def report(self, finding_id: str, stem: str, *extra: str) -> dict[str, Any]:
        """The JSON report of one fixture; the other runs of its ID start alongside."""
        for args in (
            arguments(finding_id, "raises"),
            arguments(finding_id, "clean"),
            arguments(finding_id, "raises", "--ignore", finding_id),
        ):
            self._start(args)
        args = arguments(finding_id, stem, *extra)
        return report_of(args, self._start(args).result())


@pytest.fixture(scope="module")
def runs() -> Iterator[Runs]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        yield Runs(pool)


def findings(report: dict[str, Any], finding_id: str) -> list[dict[str, Any]]:
    """The findings of ``finding_id``, of the workloads and of the scan's faults."""
    faults = [f for source in report["scan"] or () for f in source["faults"]]
    found = [f for w in report["workloads"] for f in w["findings"]] + faults
    return [f for f in found if f["id"] == finding_id]


def all_ids(report: dict[str, Any]) -> list[str]:
    faults = [f["id"] for source in report["scan"] or () for f in source["faults"]]
    return [f["id"] for w in report["workloads"] for f in w["findings"]] + faults


def workloads(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(w["namespace"], w["name"]) for w in report["workloads"]]


# -- the fixture tree ---------------------------------------------------------------


def test_only_self_check_may_be_unraisable() -> None:
    assert set(NOT_RAISABLE) <= {"self-check"}


def test_every_catalogued_id_has_a_directory_and_no_directory_is_a_stray() -> None:
    directories = {path.name for path in FINDINGS.iterdir() if path.is_dir()}
    assert sorted(directories - set(OFFLINE)) == [], "directories that are no finding ID"
    assert sorted(set(OFFLINE) - directories) == [], "finding IDs without a directory"


def test_every_scan_only_id_is_catalogued_and_has_a_scan_case() -> None:
    assert set(SCAN_ONLY) <= set(CATALOGUE)
    assert sorted(SCAN_CASES) == sorted(SCAN_ONLY)


@pytest.mark.parametrize("finding_id", OFFLINE)
def test_directory_holds_a_commented_pair_or_says_why_not(finding_id: str) -> None:
    folder = FINDINGS / finding_id
    if finding_id in NOT_RAISABLE:
        assert (folder / "README").is_file()
        assert not (folder / "raises.yaml").exists()
        return
    for stem in ("raises", "clean"):
        text = (folder / f"{stem}.yaml").read_text("utf-8")
        assert text.startswith(f"# {finding_id}"), f"{stem}.yaml opens with what it shows"


def test_manifests_are_valid_kubernetes_unless_said_otherwise() -> None:
    invalid: list[str] = []
    for path in sorted(FINDINGS.glob("*/*.yaml")):
        documents = [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d is not None]
        if not all(isinstance(d, dict) and "kind" in d for d in documents):
            continue  # a run.yaml template, not a manifest
        for document in documents:
            try:
                kubernetes_validate.validate(document, "1.33", strict=True)
            except kubernetes_validate.ValidationError:
                invalid.append(path.relative_to(FINDINGS).as_posix())
    assert sorted(set(invalid)) == sorted(INVALID_ON_PURPOSE)


# -- raising and not raising --------------------------------------------------------


@pytest.mark.parametrize("finding_id", _params("raises.yaml"))
def test_raises(runs: Runs, finding_id: str) -> None:
    report = runs.report(finding_id, "raises")
    found = findings(report, finding_id)
    assert found, f"raises.yaml raised only {all_ids(report)}"
    expected = CATALOGUE[finding_id].severity.value
    assert {f["severity"] for f in found} == {expected}


@pytest.mark.parametrize("finding_id", _params("clean.yaml"))
def test_clean_does_not_raise(runs: Runs, finding_id: str) -> None:
    report = runs.report(finding_id, "clean")
    assert finding_id not in all_ids(report)
    # The near miss is the same workload, and one that migrate converts: a file
    # without it, or one that stops earlier, would be clean for nothing.
    assert workloads(report) == workloads(runs.report(finding_id, "raises"))
    if finding_id in ON_MIGRATED:
        # Checked, not skipped: its ConfigMap was read, and its history where it has one.
        assert [w["status"] for w in report["workloads"]] == ["already migrated"]
        assert "configmap-not-read" not in all_ids(report)
    else:
        assert [w["status"] for w in report["workloads"]] == ["needs migration"]


# -- --ignore -----------------------------------------------------------------------


@pytest.mark.parametrize("finding_id", _params("--ignore on raises.yaml"))
def test_ignore_removes_the_finding_and_counts_it(runs: Runs, finding_id: str) -> None:
    raised = len(findings(runs.report(finding_id, "raises"), finding_id))
    report = runs.report(finding_id, "raises", "--ignore", finding_id)
    assert finding_id not in all_ids(report)
    assert report["summary"]["ignored"] == {finding_id: raised}
    assert report["options"]["ignore"] == [finding_id]


def test_ignore_of_an_unknown_id_is_a_usage_error() -> None:
    done = migrate(*arguments("silent-revert", "raises"), "--ignore", "silent-revrt")
    assert done.returncode == 2
    assert "silent-revrt" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


# -- the IDs only a cluster scan raises ---------------------------------------------------

OBJECTS = ROOT / "fixtures" / "cluster" / "objects.yaml"
# The release values that explain the seed example's pod in namespace research.
SEED_VALUES = {
    "vectorStore": {
        "defaultProvider": "milvus",
        "embedding": {
            "provider": "vllm",
            "model": "intfloat/e5-mistral-7b-instruct",
            "dimension": 4096,
        },
    },
    "vllm": {"url": "http://vllm-router.vllm.svc.cluster.local/v1"},
}


def release(status: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The seed example's Deployment, and its Helm release with one revision."""
    objects = cluster.objects_from_manifest(OBJECTS)
    return [o for o in objects if o["metadata"]["namespace"] == "research"] + [
        cluster.helm_release_secret("llama-stack", "research", 1, status, values)
    ]


def seeded(c: Cluster, namespace: str) -> None:
    """A Llama Stack Deployment in ``namespace``."""
    c.seed(
        "main",
        cluster.deployment(
            "llama-stack",
            namespace,
            env={"VECTOR_STORE_DEFAULT_PROVIDER": "sqlite-vec"},
            image="ghcr.io/tu-wien-datalab/llama-stack:main",
        ),
    )


def forbidden(c: Cluster, raises: bool) -> tuple[str, ...]:
    seeded(c, "locked")
    if raises:
        cluster.forbid(c.emulators["main"], "apps/v1/deployments", "locked")
    return ("-n", "locked")


def unavailable(c: Cluster, raises: bool) -> tuple[str, ...]:
    seeded(c, "slow")
    if raises:
        cluster.delay(c.emulators["main"], "GET /apis/apps/v1/namespaces/slow/statefulsets", 3.0)
    return ("-n", "slow", "--timeout", "0.5")


def incomplete(c: Cluster, raises: bool) -> tuple[str, ...]:
    seeded(c, "slow")
    if raises:  # a list still unanswered when the deadline passes
        cluster.delay(c.emulators["main"], "GET /apis/apps/v1/namespaces/slow/statefulsets", 60.0)
    return ("-n", "slow", "--deadline", "2")


def unreadable(c: Cluster, raises: bool) -> tuple[str, ...]:
    c.seed("main", release("failed" if raises else "deployed", SEED_VALUES))
    return ("-n", "research", "--helm-values")


def mismatched(c: Cluster, raises: bool) -> tuple[str, ...]:
    other = {"vectorStore": {"defaultProvider": "faiss"}}
    c.seed("main", release("deployed", other if raises else SEED_VALUES))
    return ("-n", "research", "--helm-values")


# Each ID's emulator state: `raises` True sets up the cause, False its near miss; the
# function returns the scan's own arguments.
SCAN_CASES: dict[str, Callable[[Cluster, bool], tuple[str, ...]]] = {
    "namespace-forbidden": forbidden,
    "api-unavailable": unavailable,
    "scan-incomplete": incomplete,
    "helm-release-unreadable": unreadable,
    "helm-values-mismatch": mismatched,
}


async def scan_report(tmp_path: Path, finding_id: str, raises: bool) -> dict[str, Any]:
    async with running(tmp_path=tmp_path) as c:
        extra = SCAN_CASES[finding_id](c, raises)
        args = ("scan", "--kubeconfig", str(c.kubeconfig), *extra, "--dry-run", "-o", "json")
        # The command line blocks; the emulator serves on this loop meanwhile.
        done = await asyncio.to_thread(migrate, *args)
        return report_of(args, done)


@pytest.mark.asyncio
@pytest.mark.parametrize("finding_id", SCAN_ONLY)
async def test_scan_raises(tmp_path: Path, finding_id: str) -> None:
    report = await scan_report(tmp_path, finding_id, raises=True)
    found = findings(report, finding_id)
    assert found, f"the scan raised only {all_ids(report)}"
    assert {f["severity"] for f in found} == {CATALOGUE[finding_id].severity.value}


@pytest.mark.asyncio
@pytest.mark.parametrize("finding_id", SCAN_ONLY)
async def test_scan_near_miss_does_not_raise(tmp_path: Path, finding_id: str) -> None:
    report = await scan_report(tmp_path, finding_id, raises=False)
    assert finding_id not in all_ids(report)
    assert [w["status"] for w in report["workloads"]] == ["needs migration"]
