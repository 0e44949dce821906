"""The way back: a workload's ``rollback/`` folder, next to the files that migrate it.

This module owns two files of each migrated workload. ``rollback/<kind>.yaml.orig``
is the workload exactly as it was read (``Document.text``: a file's own lines;
``kubectl get -o yaml`` output and cluster objects without the fields the API
server sets, so that ``kubectl apply`` of it does not conflict).
``rollback/README.md`` names the commands that return to it: ``helm
rollback`` for a workload a Helm release manages (to the revision that was
deployed when it was read, when that is known, else how to find it), and
for any workload ``kubectl apply`` of the manifest as read and deleting the
ConfigMap the migration creates, unless one of that name was already in the
input. Nothing here holds a value the input did not.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from migrate.chart.profile import Profile
from migrate.emit import layout
from migrate.emit.interface import EmitError, Emitter, Rendered
from migrate.model import ConfigMaps, Document, Plan, owner_release

_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"


class Original(Emitter):
    """``rollback/<kind>.yaml.orig``: the workload's text as it was read."""

    def name(self, plan: Plan) -> str:
        return layout.rollback_file(plan.kind)

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        return Rendered(plan.document.text)


@dataclass(frozen=True, eq=False)
class Readme(Emitter):
    """``rollback/README.md``: the commands back to the workload as read.

    ``config_maps`` are the ConfigMaps the workload was read with (its
    namespace's): one named as the migration's ConfigMap existed before, and
    the way back keeps it.
    """

    config_maps: ConfigMaps = field(default_factory=dict)

    def name(self, plan: Plan) -> str:
        return layout.ROLLBACK_README

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        return Rendered(readme(plan, existed=self.config_maps.get(plan.configmap) is not None))


def readme(plan: Plan, *, existed: bool = False) -> str:
    """The README's text; ``existed``: the input held a ConfigMap named as the migration's."""
    document = plan.document
    kind, original = document.kind, layout.rollback_file(document.kind)
    context = cluster_context(document)
    namespace = plan.namespace if document.namespace else "<namespace>"
    lines = [
        f"# Going back: {plan.label}",
        "",
        f"`{PurePosixPath(original).name}` here is the {kind} as migrate read it "
        f"{_how_read(document, context)}.",
    ]
    metadata = _metadata(document)
    owner = owner_release(metadata)
    if owner is not None:
        release = owner[0]
        where = f" -n {_quote(_release_namespace(metadata, namespace))}"
        if context is not None:
            where += f" --kube-context {shlex.quote(context)}"
        lines += ["", f"## Helm release {release}", ""]
        if plan.release_revision is not None:
            lines += [
                f"Revision {plan.release_revision} was deployed when the workload was read:",
                "",
                "```sh",
                f"helm rollback {shlex.quote(release)} {plan.release_revision}{where}",
                "```",
            ]
        else:
            lines += [
                "Find the last revision deployed before the migration's `helm upgrade` in "
                "the release's history, and roll back to it:",
                "",
                "```sh",
                f"helm history {shlex.quote(release)}{where}",
                f"helm rollback {shlex.quote(release)} <revision>{where}",
                "```",
            ]
    kubectl = "kubectl"
    if context is not None:
        kubectl += f" --context {shlex.quote(context)}"
    kubectl += f" -n {_quote(namespace)}"
    lines += [
        "",
        "## kubectl" if owner is None else "## kubectl (the workload alone, outside Helm)",
        "",
        "From the folder that holds `rollback/`:",
        "",
        "```sh",
        f"{kubectl} apply -f {original}",
    ]
    if existed:
        lines += [
            "```",
            "",
            f"ConfigMap {plan.configmap} was in the input before the migration: keep it "
            "(the migration's `configmap.yaml` replaces its data).",
        ]
    else:
        lines += [
            f"{kubectl} delete configmap {_quote(plan.configmap)}",
            "```",
            "",
            f"ConfigMap {plan.configmap} is the one the migration creates; none of that "
            "name was in the input.",
        ]
    return "\n".join(lines) + "\n"


def restore_readme(plan: Plan) -> str:
    """The README of a workload given a restore overlay: the revision deployed now, which
    ``helm rollback`` returns to after the restore's upgrade, and the old one."""
    restore = plan.restore
    owner = owner_release(_metadata(plan.document))
    if restore is None or owner is None:
        raise EmitError(f"{plan.label}: no restore of a Helm release to go back from")
    release = shlex.quote(owner[0])
    context = cluster_context(plan.document)
    where = f" -n {_quote(_release_namespace(_metadata(plan.document), plan.namespace))}"
    if context is not None:
        where += f" --kube-context {shlex.quote(context)}"
    original = PurePosixPath(layout.rollback_file(plan.kind)).name
    return (
        "\n".join(
            [
                f"# Going back: {plan.label}",
                "",
                f"`{original}` here is the {plan.kind} as migrate read it "
                f"{_how_read(plan.document, context)}.",
                "",
                f"## Helm release {owner[0]}",
                "",
                f"Revision {restore.current_revision} was deployed when the workload was read. "
                "After the `helm upgrade` with `restore-overlay.yaml`, this returns to it:",
                "",
                "```sh",
                f"helm rollback {release} {restore.current_revision}{where}",
                "```",
                "",
                f"Revision {restore.old_revision} is the last that ran the env-var chart; "
                "rolling back to it returns to that chart and its settings:",
                "",
                "```sh",
                f"helm rollback {release} {restore.old_revision}{where}",
                "```",
            ]
        )
        + "\n"
    )


def cluster_context(document: Document) -> str | None:
    """The kubeconfig context a cluster object was read from, None for a file's.

    A cluster object's origin has no line and names ``<context>: <kind>
    <namespace>/<name>`` (:func:`migrate.sources.context.to_document`).
    """
    if document.origin.line:
        return None
    namespace = _metadata(document).get("namespace") or "default"
    suffix = f": {document.kind.lower()} {namespace}/{document.name}"
    file = document.origin.file
    if len(file) > len(suffix) and file.endswith(suffix):
        return file[: -len(suffix)]
    return None


def _how_read(document: Document, context: str | None) -> str:
    """How the manifest here was read, ending the README's first sentence."""
    if context is not None:
        return (
            f"from context {context}, without the fields the API server sets (status, "
            "resourceVersion, managedFields, …), so that `kubectl apply` of it does not "
            "conflict with the live object"
        )
    if document.dropped:
        return (
            f"({document.origin}, as `kubectl get -o yaml` printed it), without the fields "
            f"the API server set ({', '.join(document.dropped)}), so that `kubectl apply` "
            "of it does not conflict with the live object; every other line is as read"
        )
    return f"({document.origin}), line for line"


def _metadata(document: Document) -> Mapping[str, Any]:
    metadata = document.data.get("metadata")
    return metadata if isinstance(metadata, Mapping) else {}


def _release_namespace(metadata: Mapping[str, Any], namespace: str) -> str:
    """The release's namespace: its annotation, else the workload's."""
    annotations = metadata.get("annotations")
    named = annotations.get(_RELEASE_NAMESPACE) if isinstance(annotations, Mapping) else None
    return str(named) if named else namespace


def _quote(word: str) -> str:
    """A word for the shell; the placeholder ``<namespace>`` stays as it reads."""
    return word if word.startswith("<") else shlex.quote(word)
