"""The conversion pipeline: documents → workloads → plans → files, in memory.

This module owns the order of the stages for objects read together: gather
the workloads with their ConfigMaps (:mod:`migrate.sources.workloads`), plan
each one, verify it with Helm when asked, render its files with the
emitters, and refuse a run whose outputs would collide. A self-check that
fails stops one workload, never the run. Everything stays in memory;
:mod:`migrate.app.run` writes and reports.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from migrate import fastpath
from migrate.app import history, run
from migrate.app.result import Outcome, Policy, Result
from migrate.chart.profile import Profile
from migrate.emit import configmap, layout, manifest, overlay, rollback, textpatch
from migrate.emit.files import Artifact
from migrate.emit.interface import Emitter, Rendered
from migrate.errors import InputError, InternalError
from migrate.model import ConfigMaps, Document, Plan, Status, Workload
from migrate.plan import verify as verifier
from migrate.plan.classify import not_converted
from migrate.plan.findings import finding
from migrate.plan.workload import plan
from migrate.sources import workloads
from migrate.sources.files import Files
from migrate.sources.interface import Note, Problem, Source

__all__ = [
    "CONFIGMAP_FILE",
    "EMITTERS",
    "OVERLAY_FILE",
    "Outcome",
    "Policy",
    "Result",
    "check_layout",
    "convert",
    "load",
    "main",
    "plan_all",
    "read",
    "render",
]

# The file names of a workload's folder, as callers of the pipeline know them.
OVERLAY_FILE = layout.OVERLAY_FILE
CONFIGMAP_FILE = layout.CONFIGMAP_FILE

_OVERLAY = overlay.Overlay()
_CONFIGMAP = configmap.ConfigMap()
_MANIFEST = manifest.Manifest()
_ORIGINAL = rollback.Original()
_README = rollback.Readme()
# A workload's files in the order they are written and listed: the ConfigMap before
# the workload that mounts it, as Helm orders them; then the way back (rollback/).
EMITTERS: tuple[Emitter, ...] = (_OVERLAY, _CONFIGMAP, _MANIFEST, _ORIGINAL, _README)


def main(
    request: run.Request,
    source: Source[Document | Note],
    say: run.Say,
    *,
    stdout: bool = False,
    helm_history: Path | None = None,
) -> int:
    """``migrate convert``: the documents of ``source`` planned, delivered as ``request``
    asks (with ``stdout``, the manifests printed instead of files written); the exit code.

    A document that cannot be read is an error of its own (exit code 2 at the
    end); the others are still converted. The source's notes are said and reported.
    With ``helm_history`` (a directory of exported release Secrets), Helm-managed
    workloads are checked against their release's history (:mod:`migrate.app.history`).
    """
    with run.collect_less():
        rules, chosen = run.start(request)
        documents, problems, notes = read(source)
        result = plan_all(
            workloads.gather(documents), chosen, request.policy, documents=len(documents)
        )
        if helm_history is not None:
            reader, unread = history.exported(helm_history)
            problems += unread
            result = history.apply(result, reader, chosen, _config_maps(documents))
        produced = run.Produced(
            "convert",
            result.outcomes,
            result.documents,
            [o.artifacts for o in result.outcomes],
            problems=(*problems, *result.problems),
            notes=notes,
        )
        return run.deliver(request, chosen, rules, produced, say, stdout=stdout)


def _config_maps(documents: Sequence[Document]) -> Callable[[str], ConfigMaps]:
    """The ConfigMaps of the input by namespace, as the workloads were planned with them."""
    return history.namespaces(
        {
            item.namespace: item.config_maps
            for item in workloads.gather(documents)
            if isinstance(item, Workload)
        }
    )


def read(
    source: Source[Document | Note],
) -> tuple[list[Document], list[Problem], list[Note]]:
    """Every document of ``source`` in its order, what could not be read, and the notes."""
    documents: list[Document] = []
    problems: list[Problem] = []
    notes: list[Note] = []
    for item in source.read():
        if isinstance(item, Problem):
            problems.append(item)
        elif isinstance(item, Note):
            notes.append(item)
        else:
            documents.append(item)
    return documents, problems, notes


def load(arguments: Sequence[str], recursive: bool) -> list[Document]:
    """Every document of every input, in input order; InputError for the first that
    cannot be read (:func:`read` collects them all)."""
    found: list[Document] = []
    for item in Files(arguments, recursive).read():
        if isinstance(item, Problem):
            raise InputError(item.message)
        if isinstance(item, Document):
            found.append(item)
    return found


def convert(
    documents: Sequence[Document],
    profile: Profile,
    *,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
    verify: bool = False,
    assume: Mapping[str, str] | None = None,
) -> Result:
    """Plan and render every Llama Stack workload of ``documents``, read together."""
    policy = Policy(preserve_behavior, adopt_defaults, verify, dict(assume or {}))
    return plan_all(workloads.gather(documents), profile, policy, documents=len(documents))


def plan_all(
    items: Iterable[Workload | Document | Problem],
    profile: Profile,
    policy: Policy,
    *,
    documents: int,
    early: Callable[[Workload], Outcome | None] = lambda workload: None,
) -> Result:
    """Plan and render each workload of ``items``; name the pods of other kinds that run
    Llama Stack; keep the problems met. ``documents`` is how many were read. ``early``
    gives a workload's outcome if it was planned already (:mod:`migrate.app.early`)."""
    listed = list(items)
    found = [i for i in listed if isinstance(i, Workload)]
    known = [early(w) for w in found]
    fresh = iter(
        _plan_workloads(
            [w for w, o in zip(found, known, strict=True) if o is None], profile, policy
        )
    )
    planned = iter([o if o is not None else next(fresh) for o in known])
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    for item in listed:
        if isinstance(item, Problem):
            problems.append(item)
        elif isinstance(item, Workload):
            outcomes.append(next(planned))
        else:
            other = not_converted(item, profile)
            if other is not None:
                outcomes.append(Outcome(plan=other))
    check_layout(outcomes)
    return Result(documents=documents, outcomes=tuple(outcomes), problems=tuple(problems))


def _plan_workloads(found: Sequence[Workload], profile: Profile, policy: Policy) -> list[Outcome]:
    """The outcome of each workload, in order. Each is planned on its own, so they are
    shared among processes (:func:`migrate.fastpath.ordered_map`); not with ``--verify``,
    whose Helm library must not be forked."""
    if policy.verify:
        return [outcome_of(w, profile, policy) for w in found]
    shared = [profile, *(w.document for w in found), *(w.config_maps for w in found)]
    return fastpath.ordered_map(
        functools.partial(outcome_of, profile=profile, policy=policy), found, shared
    )


def outcome_of(workload: Workload, profile: Profile, policy: Policy) -> Outcome:
    """The plan and files of one workload, as :func:`plan_all` gives them."""
    try:
        planned = plan(
            workload.document,
            profile,
            workload.config_maps,
            preserve_behavior=policy.preserve_behavior,
            adopt_defaults=policy.adopt_defaults,
            assume=policy.assume,
        )
        outcome = render(planned, profile, workload.config_maps)
        if workload.document.dropped and outcome.artifacts:
            outcome = replace(outcome, plan=_dropped(outcome.plan))
        if policy.verify and outcome.artifacts:
            overlay_text = outcome.artifacts[0].text  # values-overlay.yaml, as written
            outcome = replace(outcome, plan=verifier.check(outcome.plan, profile, overlay_text))
        return outcome
    except (InternalError, textpatch.PatchError) as error:
        # A self-check failed for this workload alone: report it, write nothing for it.
        failed = Plan(
            workload.document,
            workload.namespace,
            Status.ERROR,
            findings=(finding("self-check", str(error)),),
        )
        return Outcome(plan=failed)


def _dropped(planned: Plan) -> Plan:
    """``planned`` with the finding that its patched manifest leaves out what the API
    server set (read from ``kubectl get`` output)."""
    fields = planned.document.dropped
    listed = ", ".join(fields[:-1]) + f" and {fields[-1]}" if len(fields) > 1 else fields[0]
    message = (
        f"read as the API server returned it (kubectl get): the patched "
        f"{layout.workload_file(planned.kind)} leaves out {listed}, so that kubectl apply "
        "of it does not conflict with the live object; every other line is kept as read"
    )
    return replace(planned, findings=(*planned.findings, finding("server-fields-removed", message)))


def render(workload_plan: Plan, profile: Profile, config_maps: ConfigMaps | None = None) -> Outcome:
    """The files of a workload to migrate, in its folder; none for the others.

    ``config_maps`` are those the workload was read with: the way back keeps a ConfigMap
    of the migration's name that was among them.
    """
    if workload_plan.status is not Status.NEEDS_MIGRATION:
        return Outcome(plan=workload_plan)
    try:
        # The ConfigMap first: a run.yaml the API server would refuse stops the others.
        rendered: dict[Emitter, Rendered] = {
            e: e.render(workload_plan, profile) for e in (_CONFIGMAP, _MANIFEST, _OVERLAY)
        }
    except configmap.TooLarge as error:
        message = (
            f"the run.yaml makes ConfigMap {workload_plan.configmap} {error.size:,} bytes, and "
            f"the API server refuses ConfigMap data over {configmap.MAX_DATA_BYTES:,} bytes "
            "(1 MiB); nothing was written for this workload"
        )
        failed = replace(
            workload_plan,
            status=Status.ERROR,
            findings=(*workload_plan.findings, finding("configmap-too-large", message)),
        )
        return Outcome(plan=failed)
    readme = rollback.Readme(config_maps if config_maps is not None else {})
    emitters = tuple(readme if e is _README else e for e in EMITTERS)
    for emitter in emitters:
        if emitter not in rendered:
            rendered[emitter] = emitter.render(workload_plan, profile)
    folder = layout.folder(workload_plan)
    artifacts = tuple(
        Artifact(folder / emitter.name(workload_plan), rendered[emitter].text)
        for emitter in emitters
    )
    exact = all(r.exact for r in rendered.values())
    return Outcome(plan=workload_plan, artifacts=artifacts, exact=exact)


def check_layout(outcomes: Sequence[Outcome]) -> None:
    """Refuse outcomes that would write to the same folder (InputError)."""
    owners: dict[PurePosixPath, Plan] = {}
    for outcome in outcomes:
        if not outcome.artifacts:
            continue
        folder = layout.folder(outcome.plan)
        other = owners.get(folder)
        if other is not None:
            raise InputError(
                f"{outcome.plan.document.origin}: {outcome.plan.label} and {other.label} would "
                f"both write to {folder}/"
            )
        owners[folder] = outcome.plan
