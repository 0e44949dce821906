"""Helm release histories applied to a run's outcomes: ``scan`` and ``convert --helm-history``.

This module owns which workloads a history is read for (those a Helm release
manages, each release once), what each gets from it — the revision deployed
now, which ``rollback/`` names; for a workload already on the new layout, the
comparison with the last revision on the env-var layout and, where the
upgrade changed its vector-store settings, ``restore-overlay.yaml`` — and
that a history which cannot be read is a finding only where it decides
something (a migrated workload), never for a workload still to migrate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from migrate.app.result import Outcome, Result
from migrate.chart.profile import Profile
from migrate.emit import layout, restore, rollback
from migrate.emit.files import Artifact
from migrate.emit.interface import EmitError
from migrate.engine import kube_env
from migrate.errors import InputError, InternalError
from migrate.model import Status, owner_release
from migrate.plan import history as compare
from migrate.plan.findings import finding
from migrate.sources import helm_history
from migrate.sources.interface import Problem

# (release, namespace) → its history, or why it could not be read.
Reader = Callable[[str, str], helm_history.History | Problem]

_RESTORE = restore.RestoreOverlay()
README = f"/{layout.ROLLBACK_README}"


def apply(
    result: Result,
    read: Reader,
    profile: Profile,
    config_maps: Callable[[str], kube_env.ConfigMaps],
) -> Result:
    """``result`` with each Helm-managed workload's history applied; ``config_maps(ns)``
    gives the ConfigMaps of a namespace as the run read them."""
    histories: dict[tuple[str, str], helm_history.History | Problem] = {}
    outcomes: list[Outcome] = []
    for outcome in result.outcomes:
        plan = outcome.plan
        owner = owner_release(plan.document.data.get("metadata") or {})
        if owner is None or plan.status not in (Status.NEEDS_MIGRATION, Status.ALREADY_MIGRATED):
            outcomes.append(outcome)
            continue
        if owner not in histories:
            histories[owner] = read(*owner)
        found = histories[owner]
        if plan.status is Status.NEEDS_MIGRATION:
            # Only the revision to roll back to: a history that cannot be read says nothing.
            now = compare.deployed(found) if isinstance(found, helm_history.History) else None
            if now is not None:
                plan = replace(plan, release_revision=now.version)
                existed = config_maps(plan.namespace).get(plan.configmap) is not None
                text = rollback.readme(plan, existed=existed)
                artifacts = tuple(
                    replace(a, text=text) if a.path.as_posix().endswith(README) else a
                    for a in outcome.artifacts
                )
                outcome = replace(outcome, plan=plan, artifacts=artifacts)
            outcomes.append(outcome)
            continue
        if isinstance(found, Problem):
            failed = finding("release-history-incomplete", found.message)
            outcomes.append(replace(outcome, plan=replace(plan, findings=(*plan.findings, failed))))
            continue
        if not plan.run_config:
            outcomes.append(outcome)  # its run.yaml was not read: nothing to compare with
            continue
        checked = compare.compare(plan, found, profile, config_maps(plan.namespace))
        artifacts = outcome.artifacts
        if checked.restore is not None:
            try:
                text = _RESTORE.render(checked, profile).text
            except EmitError as error:
                raise InternalError(str(error)) from None
            folder = layout.folder(checked)
            artifacts = (
                *artifacts,
                Artifact(folder / layout.RESTORE_FILE, text),
                Artifact(folder / layout.rollback_file(checked.kind), checked.document.text),
                Artifact(folder / layout.ROLLBACK_README, rollback.restore_readme(checked)),
            )
        outcomes.append(replace(outcome, plan=checked, artifacts=artifacts))
    return replace(result, outcomes=tuple(outcomes))


def exported(directory: Path) -> tuple[Reader, list[Problem]]:
    """The histories of the release Secrets exported under ``directory`` (``convert
    --helm-history``), read once, and the files or objects there that could not be read
    (input errors, exit code 2). A directory that does not exist is an InputError."""
    if not directory.exists():
        raise InputError(f"--helm-history {directory}: no such file or directory")
    found: dict[tuple[str, str], helm_history.History] = {}
    problems: list[Problem] = []
    for item in helm_history.exported([directory]):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            found[(item.release, item.namespace)] = item

    def read(release: str, namespace: str) -> helm_history.History | Problem:
        history = found.get((release, namespace))
        if history is not None:
            return history
        return Problem(f"release {release} in {namespace}: no record of it under {directory}")

    return read, problems


def namespaces(
    by_namespace: Mapping[str, kube_env.ConfigMaps],
) -> Callable[[str], kube_env.ConfigMaps]:
    """A ConfigMaps lookup by namespace, empty for a namespace the run did not read."""
    return lambda namespace: by_namespace.get(namespace, {})
