"""The Helm releases of one scanned context, read at once: values and histories.

This module owns which releases a scan reads (:func:`owners`), turning each
one's deployed values into ``helm-values.yaml`` (:func:`with_helm_values`),
and reading a set of releases on a context's
:class:`~migrate.sources.parallel.Pool` (each release once; its Secrets, or
ConfigMaps, selected by label) and what a stop (``--deadline``, Ctrl-C)
leaves of them: a release not read in time is a problem for the workloads it
manages, as a release that cannot be read is, and a ``scan-incomplete``
fault of its namespace. Results come by release, in the order asked, however
the reads finished.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from migrate.app import convert as pipeline
from migrate.app import values
from migrate.chart.profile import Profile, looks_like_credential
from migrate.emit import layout
from migrate.emit.files import Artifact
from migrate.errors import MigrateError
from migrate.model import Finding, Plan, Status, owner_release
from migrate.plan import verify as verifier
from migrate.plan.findings import finding
from migrate.sources import cluster, helm_history, helm_release, parallel
from migrate.sources.interface import Problem
from migrate.yaml import io as yamlio

T = TypeVar("T")
Owner = tuple[str, str]  # (release, namespace)
STOPPED = "scan-incomplete"


def read_all(
    pool: parallel.Pool,
    stop: cluster.Stop,
    owners: Sequence[Owner],
    read: Callable[[Owner], T | Problem],
    faults: list[tuple[str | None, Finding]],
) -> dict[Owner, T | Problem]:
    """Each release of ``owners`` read with ``read``, all at once; those a stop cut are
    problems, and faults added to ``faults``. Raises the first error (in the order of
    ``owners``) that ``read`` does not turn into a problem."""
    batch = parallel.Batch(pool, stop)
    tasks = [(owner, batch.submit(functools.partial(read, owner))) for owner in owners]
    batch.wait()
    found: dict[Owner, T | Problem] = {}
    for (name, namespace), task in tasks:
        if task.state == parallel.CUT:
            what = f"Secrets in namespace {namespace}"
            value: T | Problem = Problem(
                f"release {name} in {namespace}: {stop.fault(what).message}"
            )
        else:
            value = task.result()
        if isinstance(value, Problem) and stop.fired() and stop.reason in value.message:
            faults.append((namespace, finding(STOPPED, value.message)))
        found[(name, namespace)] = value
    return found


class Histories:
    """The histories of Helm releases, read on a context's pool from the moment asked:
    the releases of one namespace together, their Secrets and their ConfigMaps (Helm's
    two drivers) at once (:mod:`migrate.sources.helm_history`), while the caller plans.
    :meth:`take` waits for those it needs and leaves the others."""

    def __init__(self, pool: parallel.Pool, connection: cluster.Connection) -> None:
        self.connection = connection
        self.batch = parallel.Batch(pool, connection.stop)
        self.reads: dict[Owner, tuple[_Read, _Read]] = {}  # its Secrets, its ConfigMaps
        self._asking = threading.Lock()

    def ask(self, owners: Sequence[Owner]) -> None:
        """Start reading the histories of ``owners`` not asked for yet (from any thread)."""
        with self._asking:
            self._ask(owners)

    def _ask(self, owners: Sequence[Owner]) -> None:
        by_namespace: dict[str, list[str]] = {}
        for name, namespace in dict.fromkeys(owners):
            if (name, namespace) not in self.reads:
                by_namespace.setdefault(namespace, []).append(name)
        for namespace, names in by_namespace.items():
            for group in helm_history.groups(names):
                secrets, config_maps = (
                    self.batch.submit(
                        functools.partial(
                            helm_history.records, self.connection, resource, namespace, group
                        )
                    )
                    for resource in (cluster.SECRETS, cluster.CONFIG_MAPS)
                )
                self.reads.update({(name, namespace): (secrets, config_maps) for name in group})

    def take(
        self, owners: Sequence[Owner], faults: list[tuple[str | None, Finding]]
    ) -> dict[Owner, helm_history.History | Problem]:
        """The history of each of ``owners``, or why it was not read; as :func:`read_all`."""
        self.ask(owners)
        self.batch.wait()
        stop = self.connection.stop
        found: dict[Owner, helm_history.History | Problem] = {}
        for name, namespace in owners:
            lists = [
                stop.fault(f"{kind} in namespace {namespace}")
                if read.state == parallel.CUT
                else read.result()
                for kind, read in zip(
                    ("Secrets", "ConfigMaps"), self.reads[(name, namespace)], strict=True
                )
            ]
            value = helm_history.histories([name], namespace, *lists)[name]
            if isinstance(value, Problem) and stop.fired() and stop.reason in value.message:
                faults.append((namespace, finding(STOPPED, value.message)))
            found[(name, namespace)] = value
        return found


_Read = parallel.Task[helm_history.Records | cluster.Fault]


def owners(result: pipeline.Result, statuses: tuple[Status, ...]) -> list[Owner]:
    """The Helm releases that manage the workloads of ``statuses``, each once, in order."""
    found: dict[Owner, None] = {}
    for outcome in result.outcomes:
        owner = owner_release(outcome.plan.document.data.get("metadata") or {})
        if owner is not None and outcome.plan.status in statuses:
            found[owner] = None
    return list(found)


def with_helm_values(
    revisions: Mapping[Owner, helm_release.Revision | Problem],
    result: pipeline.Result,
    profile: Profile,
    policy: pipeline.Policy,
) -> pipeline.Result:
    """Add ``helm-values.yaml`` to each Helm-managed workload: its release's values, converted."""
    outcomes: list[pipeline.Outcome] = []
    for outcome in result.outcomes:
        plan = outcome.plan
        owner = owner_release(plan.document.data.get("metadata") or {})
        if plan.status is not Status.NEEDS_MIGRATION or owner is None:
            outcomes.append(outcome)
            continue
        # A release source gives one revision, or why there is none to start from.
        revision = revisions[owner]
        extra: list[Finding] = []
        artifacts = list(outcome.artifacts)
        if isinstance(revision, Problem):
            extra.append(finding("helm-release-unreadable", revision.message))
        else:
            kept, withheld = withhold_credentials(revision.values)
            try:
                converted = values.convert(
                    yamlio.dump(yamlio.to_commented(kept)),
                    f"release {revision.release} v{revision.version}",
                    profile,
                    preserve_behavior=policy.preserve_behavior,
                    adopt_defaults=policy.adopt_defaults,
                )
            except MigrateError as error:
                extra.append(finding("helm-release-unreadable", str(error)))
            else:
                header = [
                    f"# Values of Helm release {revision.release} (revision {revision.version}, "
                    "the last deployed), converted for the new chart by migrate."
                ]
                if withheld:
                    header += [
                        "# Left out because their names look like credentials (this file is "
                        "not a Secret);",
                        "# `helm upgrade --reset-then-reuse-values` keeps the release's own: "
                        + ", ".join(withheld),
                    ]
                artifacts.append(
                    Artifact(
                        layout.folder(plan) / layout.HELM_VALUES_FILE,
                        "\n".join(header) + "\n" + converted.text,
                    )
                )
                if not yamlio.same(converted.target.desired, plan.run_config):
                    extra.append(
                        finding(
                            "helm-values-mismatch",
                            f"the values of release {revision.release} v{revision.version} do "
                            "not explain the pod's env: helm-values.yaml follows the values, "
                            "values-overlay.yaml the pod",
                        )
                    )
        if extra:
            plan = replace(plan, findings=plan.findings + tuple(extra))
        if policy.verify and outcome.artifacts:
            plan = _verify(plan, profile, outcome, revision)
        outcomes.append(pipeline.Outcome(plan, tuple(artifacts), outcome.exact))
    return pipeline.Result(result.documents, tuple(outcomes))


def _verify(
    plan: Plan,
    profile: Profile,
    outcome: pipeline.Outcome,
    revision: helm_release.Revision | Problem,
) -> Plan:
    """``--verify`` with the release's deployed values under the overlay, as `helm upgrade
    --reset-then-reuse-values -f values-overlay.yaml` renders it. The values stay in memory."""
    if isinstance(revision, helm_release.Revision):
        source = f"release {revision.release} v{revision.version}"
        target = profile.target.with_release_values([(source, revision.values)])
        profile = replace(profile, target=target)
    overlay_text = outcome.artifacts[0].text  # values-overlay.yaml, as written
    return verifier.check(plan, profile, overlay_text)


def withhold_credentials(
    tree: Mapping[str, Any], path: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """``tree`` without the keys whose names look like credentials, and their paths."""
    kept: dict[str, Any] = {}
    withheld: list[str] = []
    for key, value in tree.items():
        where = f"{path}.{key}" if path else str(key)
        if looks_like_credential(str(key)):
            withheld.append(where)
        elif isinstance(value, Mapping):
            kept[key], inner = withhold_credentials(value, where)
            withheld += inner
        else:
            kept[key] = value
    return kept, withheld
