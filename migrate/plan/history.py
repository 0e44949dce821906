"""A migrated workload against its Helm release history: the revert that already happened.

This module owns what the history of a release tells about one workload that
already runs the new layout: which revision is deployed now, which was the
last to run the env-var layout (its manifest planned as ``convert`` plans a
workload, every default kept, so its run.yaml is what that pod ran), whether
the vector-store settings — the default vector store provider, the default
embedding model's provider and id, and its dimension — changed across the
upgrade (``upgrade-reverted``), and the values overlay that, merged over the
release's current values, makes the target chart render the old run.yaml
again. What the history cannot tell is ``release-history-incomplete``.
Reading the history is :mod:`migrate.sources.helm_history`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env, overlay
from migrate.errors import InputError, InternalError
from migrate.model import Document, Finding, Plan, Restore, Status
from migrate.plan import runtime
from migrate.plan.findings import finding
from migrate.plan.workload import plan as plan_workload
from migrate.sources import manifests
from migrate.sources.helm_history import History, StoredRevision
from migrate.yaml.io import same

# The statuses of revisions whose manifest ran (the others failed or never finished).
RAN = ("deployed", "superseded")


@dataclass(frozen=True)
class Setting:
    """One vector-store setting as a pod resolves it at start-up."""

    name: str
    value: Any


def deployed(history: History) -> StoredRevision | None:
    """The revision deployed now: the highest whose status is ``deployed``."""
    found = [r for r in history.revisions if r.status == "deployed"]
    return max(found, key=lambda r: r.version) if found else None


def compare(
    current: Plan,
    history: History,
    profile: Profile,
    config_maps: kube_env.ConfigMaps,
) -> Plan:
    """``current`` (a migrated workload) with what its release history shows: the findings,
    the revision deployed now, and the restore overlay when the upgrade changed its
    vector-store settings."""
    found: list[Finding] = [
        finding("release-history-incomplete", f"release {history.release}: {problem}")
        for problem in history.problems
    ]
    where = f"release {history.release} in {history.namespace}"
    now = deployed(history)
    if not history.revisions:
        if not history.problems:
            found.append(
                finding(
                    "release-history-incomplete",
                    f"no record of {where} was found in its Secrets or ConfigMaps (Helm's "
                    "SQL driver keeps them outside the cluster): what ran before the "
                    "upgrade was not checked",
                )
            )
        return _with(current, found)
    if now is None:
        found.append(
            finding(
                "release-history-incomplete",
                f"no revision of {where} is deployed: what ran before the upgrade was not checked",
            )
        )
        return _with(current, found)
    current = replace(current, release_revision=now.version)
    for revision in history.revisions:
        if revision.version > now.version and revision.status not in RAN:
            found.append(
                finding(
                    "release-history-incomplete",
                    f"revision {revision.version} of {where} is {revision.status}: its "
                    f"manifest may be partly applied; compared with the objects as they run "
                    f"(revision {now.version} is the one deployed)",
                )
            )
    old = _last_env_var_revision(current, history, now, profile, config_maps)
    if old is None:
        not_read = sorted(v for v in (*history.unreadable, *history.missing) if v < now.version)
        lowest = min((r.version for r in history.revisions), default=now.version)
        lowest = min([lowest, *history.unreadable])
        if not_read:
            listed = ", ".join(str(v) for v in not_read)
            found.append(
                finding(
                    "release-history-incomplete",
                    f"no revision of {where} that could be read ran the env-var layout, and "
                    f"revisions {listed} could not be read: what ran before the upgrade was "
                    "not checked",
                )
            )
        elif lowest > 1:
            found.append(
                finding(
                    "release-history-incomplete",
                    f"no revision of {where} still kept (revisions {lowest} to "
                    f"{max(r.version for r in history.revisions)}; Helm keeps the last "
                    "--history-max, ten by default) ran the env-var layout: what ran before "
                    "the upgrade cannot be read from the history",
                )
            )
        return _with(current, found)
    revision, before = old
    if isinstance(before, Finding):
        return _with(current, [*found, before])
    settings_before = settings(before.run_config, before.environment)
    settings_now = settings(current.run_config, current.environment)
    unknown = [s.name for s in (*settings_before, *settings_now) if s.value is runtime.UNKNOWN]
    if unknown:
        found.append(
            finding(
                "release-history-incomplete",
                f"revision {revision.version} of {where} ran the env-var layout, but "
                f"{', '.join(dict.fromkeys(unknown))} is not known offline on one side: the "
                "vector-store settings were not compared",
            )
        )
        return _with(current, found)
    changed = [
        (old_setting, new_setting)
        for old_setting, new_setting in zip(settings_before, settings_now, strict=True)
        if not _same_setting(old_setting.value, new_setting.value)
    ]
    if not changed:
        return _with(current, found)
    listed = "; ".join(
        f"{o.name} {runtime.show(o.value)} -> {runtime.show(n.value)}" for o, n in changed
    )
    found.append(
        finding(
            "upgrade-reverted",
            f"revision {revision.version} of {where} (the last on the env-var layout) ran "
            f"other vector-store settings than revision {now.version} (deployed now): "
            f"{listed}. Vector stores built before the upgrade no longer match; "
            "restore-overlay.yaml restores what revision "
            f"{revision.version} ran",
        )
    )
    restore = restore_values(before, now, profile)
    return replace(
        _with(current, found),
        restore=Restore(
            values=restore,
            before=before.run_config,
            old_revision=revision.version,
            current_revision=now.version,
            blockers=tuple(f for f in before.findings if f.id == "env-not-carried"),
        ),
    )


def settings(config: Any, environment: kube_env.ContainerEnv) -> tuple[Setting, ...]:
    """The vector-store settings of ``config`` as the pod with ``environment`` resolves them."""
    home = runtime.home(environment)
    model = runtime.embedding(config, environment, home)
    provider = runtime.runtime(
        overlay.get_exact(config, ("vector_stores", "default_provider_id")), environment, home
    )
    return (
        Setting("vector_stores.default_provider_id", provider),
        Setting("vector_stores.default_embedding_model.provider_id", model.provider),
        Setting("vector_stores.default_embedding_model.model_id", model.model),
        Setting("embedding_dimension", model.dimension),
    )


def _same_setting(left: Any, right: Any) -> bool:
    """Dimensions compare as numbers, as the server reads them (768 and '768' are one)."""
    return same(_number(left), _number(right))


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return value


def _last_env_var_revision(
    current: Plan,
    history: History,
    now: StoredRevision,
    profile: Profile,
    config_maps: kube_env.ConfigMaps,
) -> tuple[StoredRevision, Plan | Finding] | None:
    """The newest revision up to the deployed one whose manifest ran this workload on the
    env-var layout, planned with every default kept; None when no kept revision did."""
    for revision in sorted(history.revisions, key=lambda r: r.version, reverse=True):
        if revision.version > now.version or revision.status not in RAN:
            continue
        try:
            documents = _documents(revision, history.namespace)
        except InputError as error:
            return revision, finding(
                "release-history-incomplete",
                f"revision {revision.version} of release {history.release}: its manifest "
                f"cannot be read ({error})",
            )
        workload = next(
            (d for d in documents if d.kind == current.kind and d.name == current.name),
            None,
        )
        if workload is None:
            continue
        # The ConfigMaps that revision rendered, over the ones the namespace has now.
        rendered = {
            d.name: {str(k): str(v) for k, v in (d.data.get("data") or {}).items()}
            for d in documents
            if d.kind == "ConfigMap" and isinstance(d.data.get("data") or {}, Mapping)
        }
        maps: dict[str, Mapping[str, str] | None] = dict(config_maps.items())
        maps.update(rendered)
        planned = plan_workload(workload, profile, maps, preserve_behavior=True)
        if planned.status is Status.ALREADY_MIGRATED:
            continue
        if planned.status is not Status.NEEDS_MIGRATION:
            return revision, finding(
                "release-history-incomplete",
                f"revision {revision.version} of release {history.release} ran "
                f"{current.label} in a way migrate does not resolve ({planned.status.value}"
                + (f": {planned.findings[0].message}" if planned.findings else "")
                + ")",
            )
        return revision, planned
    return None


def _documents(revision: StoredRevision, namespace: str) -> list[Document]:
    """The objects of a revision's manifest, in the release's namespace."""
    source = f"revision {revision.version} manifest"
    return [
        replace(d, namespace_default=namespace)
        for d in manifests.documents(source, revision.manifest)
    ]


def restore_values(before: Plan, now: StoredRevision, profile: Profile) -> dict[str, Any]:
    """The values that, merged over the release's values of revision ``now`` (`helm upgrade
    --reset-then-reuse-values -f`), make the target chart render ``before``'s run.yaml.

    Only the values keys that the chart renders into run.yaml are written: a key the
    release sets and the old run.yaml lacks is null (Helm deletes it), a map is written
    by its differing keys, anything else whole.
    """
    target = profile.target
    layout = target.layout
    release = target.with_release_values([(f"revision {now.version}", now.values)]).values
    wanted = overlay.helm_merge(target.values, layout.to_values(before.overlay))
    keys = [layout.whole] if layout.whole is not None else [s.values_key for s in layout.sections]
    restore: dict[str, Any] = {}
    for key in keys:
        if key is None:
            continue
        have, want = release.get(key, overlay.MISSING), wanted.get(key, overlay.MISSING)
        if overlay.same_or_missing(have, want):
            continue
        if want is overlay.MISSING:
            restore[key] = None
        elif isinstance(have, Mapping) and isinstance(want, Mapping):
            restore[key] = overlay.helm_diff(have, want)
        else:
            restore[key] = want
    merged = overlay.helm_merge(release, restore)
    if not same(layout.render(merged), layout.render(wanted)):
        raise InternalError(
            f"the restore overlay for {before.label} does not render the old run.yaml"
        )
    return restore


def _with(plan: Plan, found: Sequence[Finding]) -> Plan:
    return replace(plan, findings=(*plan.findings, *found)) if found else plan
