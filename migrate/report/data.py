"""The report of one run as plain data, in a fixed shape.

This module owns what a report says and in which order: per workload its
status, env table, differences against the target defaults, chart-default
drift, findings and next step, and the run's summary. :func:`build` makes
the data (the shape is ``docs/report-schema.json``); the renderers only lay
it out. Findings silenced with ``--ignore`` are counted, not shown.

The report never holds an env value: variables appear by name and source;
only run.yaml values (which never come from a Secret) are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from migrate import __version__
from migrate.chart.profile import Profile, looks_like_credential
from migrate.emit import layout
from migrate.engine import overlay
from migrate.engine.evaluate import format_path
from migrate.model import FailOn, Finding, Path, Plan, Severity, Status, owner_release
from migrate.plan.findings import at_least
from migrate.report import diff
from migrate.report.ignore import Rule

API_VERSION = "migrate/v1"
KIND = "MigrationReport"


@dataclass(frozen=True)
class Options:
    """How the run was asked for, as far as the report tells it."""

    command: str = "convert"
    dry_run: bool = False
    preserve_behavior: bool = False
    fail_on: FailOn = FailOn.ERROR
    rules: tuple[Rule, ...] = ()
    output_dir: str = "migrated"
    chart: str | None = None  # the --chart PATH, for the helm command line
    adopt_defaults: bool = False
    target: str = ""  # the target chart's name (set by build from the profile)
    values: tuple[str, ...] = ()  # the --values files (set by build from the profile)
    verify: bool = False
    stdout: bool = False  # convert --stdout: the manifests printed, no file written


@dataclass
class _Tally:
    ignored: dict[str, int] = field(default_factory=dict)


def build(
    outcomes: Sequence[Any],
    documents: int,
    options: Options,
    *,
    profile: Profile,
    files: Mapping[int, Sequence[str]] | None = None,
    contexts: Sequence[str] | None = None,
    scan: Sequence[Mapping[str, Any]] | None = None,
    input_errors: Sequence[str] = (),
    input_notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The report as plain data (the shape of ``docs/report-schema.json``).

    ``outcomes`` are the pipeline's (plan, artifacts) records; ``files`` maps
    an outcome's position to the paths it wrote or would write. A scan gives
    each outcome's context and, in ``scan``, per context what was read and
    the faults met (each with ``namespace`` and a ``finding``).
    """
    tally = _Tally()
    chart_defaults = profile.chart_defaults
    target = profile.target
    # The target and the release values files come from the profile, for the helm command.
    options = replace(options, target=target.name, values=target.release_values)
    workloads = [
        _workload(
            outcome.plan,
            options,
            tally,
            chart_defaults,
            (files or {}).get(index, ()),
            contexts[index] if contexts is not None else None,
        )
        for index, outcome in enumerate(outcomes)
    ]
    scanned = [
        {
            "context": source["context"],
            "namespaces": list(source["namespaces"]),
            "requests": source["requests"],
            "faults": [
                {"namespace": namespace, **_finding(found)}
                for namespace, found in source["faults"]
                if not _ignored(found, options, tally)
            ],
        }
        for source in scan or ()
    ]
    counts = {s.value: 0 for s in Severity}
    for record in [*workloads, *({"findings": c["faults"]} for c in scanned)]:
        for found in record["findings"]:
            counts[found["severity"]] += 1
    statuses = [w["status"] for w in workloads]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "tool": {"name": "migrate", "version": __version__},
        "command": options.command,
        "dryRun": options.dry_run,
        "profile": {"template": profile.template_source, "chart": profile.chart_source},
        "target": {
            "name": target.name,
            "description": target.description,
            "layout": target.layout.name,
            "source": target.source,
            "values": list(target.release_values),
        },
        "options": {
            "preserveBehavior": options.preserve_behavior,
            "adoptChartDefaults": options.adopt_defaults,
            "verify": options.verify,
            "failOn": FailOn(options.fail_on).value,
            "ignore": [
                rule.id if rule.scope == "*" else f"{rule.id} {rule.scope}"
                for rule in options.rules
            ],
        },
        "summary": {
            "documents": documents,
            "workloads": len(workloads) - statuses.count(Status.NOT_LLAMA_STACK.value),
            "notLlamaStack": statuses.count(Status.NOT_LLAMA_STACK.value),
            "needsMigration": statuses.count(Status.NEEDS_MIGRATION.value),
            "alreadyMigrated": statuses.count(Status.ALREADY_MIGRATED.value),
            "notMigrated": statuses.count(Status.NOT_MIGRATED.value),
            "errors": statuses.count(Status.ERROR.value),
            "findings": {s.value: counts[s.value] for s in Severity},
            "ignored": dict(sorted(tally.ignored.items())),
            "failed": failed(counts, options.fail_on),
        },
        "inputErrors": list(input_errors),
        "inputNotes": list(input_notes),
        "scan": scanned if scan is not None else None,
        "workloads": workloads,
    }


def failed(counts: Mapping[str, int], fail_on: FailOn) -> bool:
    """Whether findings at or above ``fail_on`` were raised (exit code 1)."""
    threshold = FailOn(fail_on).threshold
    if threshold is None:
        return False
    return any(n and at_least(Severity(s), threshold) for s, n in counts.items())


def _finding(found: Finding) -> dict[str, Any]:
    return {"id": found.id, "severity": found.severity.value, "message": found.message}


def _ignored(found: Finding, options: Options, tally: _Tally, plan: Plan | None = None) -> bool:
    hit = any(
        rule.matches(found, plan) if plan is not None else rule.id == found.id and rule.scope == "*"
        for rule in options.rules
    )
    if hit:
        tally.ignored[found.id] = tally.ignored.get(found.id, 0) + 1
    return hit


def _workload(
    plan: Plan,
    options: Options,
    tally: _Tally,
    chart_defaults: Mapping[str, Any],
    files: Sequence[str],
    context: str | None,
) -> dict[str, Any]:
    shown = [_finding(f) for f in plan.findings if not _ignored(f, options, tally, plan)]
    record: dict[str, Any] = {
        "context": context,
        "kind": plan.kind,
        "namespace": plan.namespace,
        "name": plan.name,
        "source": str(plan.document.origin),
        "status": plan.status.value,
        "container": plan.container,
        "helmRelease": helm_release(plan),
        "recognisedBy": plan.recognised,
        "variables": [
            {
                "name": v.name,
                "source": v.source,
                "classification": v.classification.value,
                "keys": list(v.keys),
                "removed": v.removed,
                "reason": v.reason,
            }
            for v in plan.variables
        ],
        "differences": [],
        "drift": [
            {
                "path": format_path(d.path),
                **_sides("before", d.before, "after", d.after),
                "adopted": d.adopted,
            }
            for d in plan.drift
        ],
        "files": list(files),
        "verified": None,
        "next": None,
        "findings": shown,
        "restore": None,
    }
    if options.verify and plan.status is Status.NEEDS_MIGRATION:
        record["verified"] = plan.verified  # None: no Helm release manages it
    if plan.status is Status.NEEDS_MIGRATION:
        record["differences"] = [
            {"path": c.dotted, "change": c.change, **_sides("old", c.old, "new", c.new, c.change)}
            for c in diff.changes(chart_defaults, plan.run_config)
        ]
        # A command is handed out only for a result that is safe to apply.
        if not any(f["severity"] == Severity.ERROR.value for f in shown):
            record["next"] = next_step(plan, options, context)
    elif plan.restore is not None:
        record["restore"] = {
            "oldRevision": plan.restore.old_revision,
            "currentRevision": plan.restore.current_revision,
            "file": layout.RESTORE_FILE,
        }
        record["differences"] = [
            {
                "path": c.dotted,
                "change": c.change,
                **_sides("old", _hidden(c.path, c.old), "new", _hidden(c.path, c.new), c.change),
            }
            for c in diff.changes(plan.restore.before, plan.run_config)
        ]
        # The restore is the answer to upgrade-reverted; any other error stops it.
        if not any(
            f["severity"] == Severity.ERROR.value and f["id"] != "upgrade-reverted" for f in shown
        ):
            record["next"] = next_step(plan, options, context, restore=True)
    return record


def _sides(
    old_key: str, old: Any, new_key: str, new: Any, change: str | None = None
) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    if change != "added" and old is not overlay.MISSING:
        sides[old_key] = plain(old)
    if change != "removed" and new is not overlay.MISSING:
        sides[new_key] = plain(new)
    return sides


# What a report shows for a value at a credential-like key of a live ConfigMap.
HIDDEN = "(a value, not shown)"


def _hidden(path: Path, value: Any) -> Any:
    """``value``, unless it sits under a key whose name looks like a credential and is not a
    placeholder alone: the run.yaml of a live ConfigMap may carry a release's secrets."""
    if isinstance(value, Mapping):
        return {k: _hidden((*path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden((*path, i), v) for i, v in enumerate(value)]
    keys = [p for p in path if isinstance(p, str)]
    if not any(looks_like_credential(k) for k in keys):
        return value
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value
    if value is overlay.MISSING or value is None or value == "":
        return value
    return HIDDEN


def plain(value: Any) -> Any:
    """A run.yaml value as JSON can carry it: inf, nan and dates become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)  # e.g. a date PyYAML read from a timestamp


def helm_release(plan: Plan) -> str | None:
    """The Helm release that manages the workload, from its metadata."""
    metadata = plan.document.data.get("metadata")
    owner = owner_release(metadata) if isinstance(metadata, Mapping) else None
    return owner[0] if owner else None


def next_step(
    plan: Plan, options: Options, context: str | None = None, *, restore: bool = False
) -> str:
    """The command that applies the result: helm for Helm-managed workloads, else kubectl;
    with ``--stdout``, kubectl reading the printed manifests (no file was written); with
    ``restore``, helm with the restore overlay."""
    if options.stdout and not restore:
        return _apply_printed(plan, context)
    root = options.output_dir.rstrip("/")
    if context is not None:
        root = f"{root}/{layout.context_folder(context)}"
    folder = f"{root}/{layout.folder(plan)}"
    release = helm_release(plan)
    namespace = plan.namespace if plan.document.namespace else "<namespace>"
    file = layout.RESTORE_FILE if restore else layout.OVERLAY_FILE
    if release:
        chart = options.chart or "<chart>"
        where = f" --kube-context {context}" if context is not None else ""
        values = "".join(f" -f {path}" for path in options.values)
        # The release's own values are kept (new chart defaults underneath); the overlay wins.
        # The trailing shell comment names the target, and survives a copy and paste.
        return (
            f"helm upgrade --install {release} {chart} -n {namespace}{where} "
            f"--reset-then-reuse-values{values} -f {folder}/{file}"
            f"  # target: {options.target}"
        )
    where = f" --context {context}" if context is not None else ""
    if not plan.document.namespace:
        where += " -n <namespace>"
    return (
        f"kubectl{where} apply -f {folder}/{layout.CONFIGMAP_FILE} "
        f"-f {folder}/{layout.workload_file(plan.kind)}"
    )


def _apply_printed(plan: Plan, context: str | None) -> str:
    """``kubectl apply -f -`` for the manifests ``--stdout`` printed; a Helm-managed
    workload is told where its values overlay comes from (a run without --stdout)."""
    where = f" --context {context}" if context is not None else ""
    if not plan.document.namespace:
        where += " -n <namespace>"
    release = helm_release(plan)
    comment = "the manifests --stdout prints"
    if release:
        comment += (
            f"; Helm release {release}: run without --stdout for "
            f"{layout.OVERLAY_FILE} and helm upgrade"
        )
    return f"kubectl{where} apply -f -  # {comment}"
