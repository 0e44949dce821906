"""collect → plan → emit: one conversion run, from input paths to artifacts.

This module owns the order of the stages, matching ConfigMaps to the
workloads of their namespace, the layout of the output tree
(``<namespace>/<name>/``), and refusing a run whose outputs would collide.
It returns everything in memory; writing is the ``output`` module's job.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from migrate.chart.profile import Profile
from migrate.emit import configmap, layout, manifest, overlay, textpatch
from migrate.emit.files import Artifact
from migrate.emit.interface import Emitter, Rendered
from migrate.errors import InputError, InternalError
from migrate.model import Document, Plan, Severity, Status
from migrate.plan.findings import finding
from migrate.plan.planner import WORKLOAD_KINDS, not_converted, plan
from migrate.sources import manifests

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

OVERLAY_FILE = layout.OVERLAY_FILE
CONFIGMAP_FILE = layout.CONFIGMAP_FILE

_OVERLAY = overlay.Overlay()
_CONFIGMAP = configmap.ConfigMap()
_MANIFEST = manifest.Manifest()
# A workload's files in the order they are written and listed: the ConfigMap before
# the workload that mounts it, as Helm orders them.
EMITTERS: tuple[Emitter, ...] = (_OVERLAY, _CONFIGMAP, _MANIFEST)


@dataclass(frozen=True)
class Outcome:
    """A planned workload and the files it produces."""

    plan: Plan
    artifacts: tuple[Artifact, ...] = ()
    exact: bool = True


@dataclass(frozen=True)
class Policy:
    """What to do with chart defaults that changed, and whether to verify with Helm."""

    preserve_behavior: bool = False  # keep what the pod ran at every changed default
    adopt_defaults: bool = False  # adopt every changed default, hazards included
    verify: bool = False  # render the target chart with Helm and compare
    assume: Mapping[str, str] = field(default_factory=dict)  # --assume NAME=VALUE


@dataclass(frozen=True)
class Result:
    """Everything one run decided."""

    documents: int
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    def by_status(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.plan.status is status]

    @property
    def failed(self) -> bool:
        """Whether any workload has an error (exit code 1)."""
        return any(
            o.plan.status is Status.ERROR
            or any(f.severity is Severity.ERROR for f in o.plan.findings)
            for o in self.outcomes
        )


def load(
    arguments: Sequence[str], recursive: bool, problems: list[str] | None = None
) -> list[Document]:
    """Every document of every input, in input order.

    An input that cannot be read raises InputError, or, when ``problems`` is
    given, is recorded there and skipped while the other inputs go on.
    """
    found: list[Document] = []
    for argument in arguments:
        try:
            paths = manifests.paths([argument], recursive)
        except InputError as error:
            if problems is None:
                raise
            problems.append(str(error))
            continue
        for path in paths:
            try:
                text = manifests.read(path)
            except InputError as error:
                if problems is None:
                    raise
                problems.append(str(error))
                continue
            found += manifests.documents(path, text, problems)
    return found


def convert(
    documents: Sequence[Document],
    profile: Profile,
    *,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
    verify: bool = False,
    assume: Mapping[str, str] | None = None,
    namespace: str | None = None,
    complete: Collection[str] = (),
    problems: list[str] | None = None,
) -> Result:
    """Plan and render every Llama Stack workload of ``documents``.

    ``complete`` names namespaces whose ConfigMaps are all in ``documents`` (as
    a cluster scan reads them): there, a ConfigMap not found does not exist.
    ``namespace`` is the namespace of documents that name none (``convert -n``).
    """
    if namespace is not None:
        documents = [replace(d, namespace_default=namespace) for d in documents]
    config_maps = _config_maps(documents, problems)
    for namespace in complete:
        config_maps[namespace] = _Complete(config_maps.get(namespace, {}))
    outcomes: list[Outcome] = []
    seen: dict[tuple[str, str, str], Document] = {}
    for document in documents:
        if document.kind not in WORKLOAD_KINDS:
            other = not_converted(document, profile)
            if other is not None:
                outcomes.append(Outcome(plan=other))
            continue
        try:
            _check_names(document, seen)
        except InputError as error:
            if problems is None:
                raise
            problems.append(str(error))
            continue
        namespace = document.namespace or "default"
        seen[(document.kind, namespace, document.name)] = document
        try:
            workload_plan = plan(
                document,
                profile,
                config_maps.get(namespace, {}),
                preserve_behavior=preserve_behavior,
                adopt_defaults=adopt_defaults,
                assume=assume,
            )
            outcome = _render(workload_plan, profile)
            if verify and outcome.artifacts:
                from migrate.plan import verify as verifier

                overlay_text = outcome.artifacts[0].text  # values-overlay.yaml, as written
                outcome = replace(outcome, plan=verifier.check(outcome.plan, profile, overlay_text))
            outcomes.append(outcome)
        except (InternalError, textpatch.PatchError) as error:
            # A self-check failed for this workload alone: report it, write nothing for it.
            failed = Plan(
                document, namespace, Status.ERROR, findings=(finding("self-check", str(error)),)
            )
            outcomes.append(Outcome(plan=failed))
    _check_layout(outcomes)
    return Result(documents=len(documents), outcomes=tuple(outcomes))


def _check_names(document: Document, seen: Mapping[tuple[str, str, str], Document]) -> None:
    """Names become directories: only what Kubernetes accepts may reach the file system."""
    metadata = document.data.get("metadata")
    raw_name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if raw_name is not None and not isinstance(raw_name, str):
        raise InputError(
            f"{document.origin}: metadata.name {raw_name!r} is a {type(raw_name).__name__}, "
            "not a string"
        )
    if not document.name:
        raise InputError(f"{document.origin}: {document.kind} without metadata.name")
    namespace = document.namespace or "default"
    if not _DNS_SUBDOMAIN.fullmatch(document.name) or len(document.name) > 253:
        raise InputError(
            f"{document.origin}: metadata.name {document.name!r} is not a valid "
            "Kubernetes object name"
        )
    if not _DNS_LABEL.fullmatch(namespace) or len(namespace) > 63:
        raise InputError(
            f"{document.origin}: metadata.namespace {namespace!r} is not a valid namespace"
        )
    key = (document.kind, namespace, document.name)
    if key in seen:
        raise InputError(
            f"{document.origin}: {document.kind} {namespace}/{document.name} appears "
            f"twice (first at {seen[key].origin})"
        )


def _config_maps(
    documents: Sequence[Document], problems: list[str] | None = None
) -> dict[str, dict[str, Mapping[str, str] | None]]:
    found: dict[str, dict[str, Mapping[str, str] | None]] = {}
    for document in documents:
        if document.kind != "ConfigMap" or not document.name:
            continue
        data: Any = document.data.get("data") or {}
        if not isinstance(data, Mapping):
            error = f"{document.origin}: ConfigMap {document.name}: data is not a mapping"
            if problems is None:
                raise InputError(error)
            problems.append(error)
            continue
        namespace = document.namespace or "default"
        found.setdefault(namespace, {})[document.name] = {
            str(k): v if isinstance(v, str) else str(v) for k, v in data.items()
        }
    return found


class _Complete(dict[str, Mapping[str, str] | None]):
    """Every ConfigMap of a namespace: a name not held is a ConfigMap that does not exist."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> None:
        return None


def directory(plan: Plan) -> PurePosixPath:
    return layout.folder(plan)


def _render(workload_plan: Plan, profile: Profile) -> Outcome:
    """The files of a workload to migrate, in its folder; none for the others."""
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
    folder = layout.folder(workload_plan)
    artifacts = tuple(
        Artifact(folder / emitter.name(workload_plan), rendered[emitter].text)
        for emitter in EMITTERS
    )
    exact = all(r.exact for r in rendered.values())
    return Outcome(plan=workload_plan, artifacts=artifacts, exact=exact)


def _check_layout(outcomes: Sequence[Outcome]) -> None:
    owners: dict[PurePosixPath, Plan] = {}
    for outcome in outcomes:
        if not outcome.artifacts:
            continue
        folder = directory(outcome.plan)
        other = owners.get(folder)
        if other is not None:
            raise InputError(
                f"{outcome.plan.document.origin}: {outcome.plan.label} and {other.label} would "
                f"both write to {folder}/"
            )
        owners[folder] = outcome.plan
