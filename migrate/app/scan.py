"""``migrate scan``: live clusters in, the same plans and artifacts as ``convert`` out.

This module owns the order of a scan: per context, list Deployments and
StatefulSets (paged), keep the Llama Stack ones, read the ConfigMaps of
their namespaces once each, then plan exactly as ``convert`` does. Objects
become documents in the layout ``kubectl`` users know (server-set fields
removed), so a scan of objects and a conversion of the same objects written
in that layout give byte-identical files. With ``helm_values``, the last
deployed revision of each workload's Helm release is read and its values
turned into new-chart values. Faults of one namespace are recorded and the
scan goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from migrate import fastpath
from migrate.app import convert as pipeline
from migrate.chart.profile import Profile, looks_like_credential
from migrate.emit.files import Artifact
from migrate.emit.layout import context_folder
from migrate.errors import MigrateError
from migrate.model import Document, Finding, Origin, Plan, Status, owner_release
from migrate.plan import values
from migrate.plan.findings import finding
from migrate.plan.planner import is_llama_stack
from migrate.sources import cluster, helm_release
from migrate.yaml import io as yamlio

HELM_VALUES_FILE = "helm-values.yaml"
# Fields the API server sets; a manifest to apply has none of them.
_SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
)
_SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)


@dataclass
class ContextResult:
    """What one context gave: its plans and files, and what could not be read."""

    context: str
    namespaces: tuple[str, ...]  # ("*",) for all namespaces
    result: pipeline.Result
    faults: list[tuple[str | None, Finding]] = field(default_factory=list)  # namespace, finding
    requests: int = 0


def scan(
    kubeconfig: Path | None,
    contexts: Sequence[str],
    profile: Profile,
    *,
    namespaces: Sequence[str] = (),
    all_namespaces: bool = False,
    selector: str | None = None,
    timeout: float = 30.0,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
    verify: bool = False,
    assume: Mapping[str, str] | None = None,
    helm_values: bool = False,
    page_size: int = cluster.PAGE_SIZE,
    on_page: Callable[[str], None] | None = None,
) -> list[ContextResult]:
    """Scan every context; raises ClusterError when a cluster cannot be used at all."""
    results: list[ContextResult] = []
    for name, default_namespace in cluster.contexts(kubeconfig, list(contexts)):
        connection = cluster.connect(kubeconfig, name, default_namespace, timeout)
        if on_page is not None:
            connection.on_page = on_page
        wanted: list[str | None] = (
            [None] if all_namespaces else list(dict.fromkeys(namespaces or [default_namespace]))
        )
        results.append(
            _scan_context(
                connection,
                wanted,
                profile,
                selector,
                pipeline.Policy(preserve_behavior, adopt_defaults, verify, dict(assume or {})),
                helm_values,
                page_size,
            )
        )
    return results


def _scan_context(
    connection: cluster.Connection,
    wanted: list[str | None],
    profile: Profile,
    selector: str | None,
    policy: pipeline.Policy,
    helm_values: bool,
    page_size: int,
) -> ContextResult:
    faults: list[tuple[str | None, Finding]] = []
    workloads: list[Document] = []
    for resource in (cluster.DEPLOYMENTS, cluster.STATEFUL_SETS):
        for namespace in wanted:
            try:
                for item in connection.list(
                    resource, namespace, selector=selector, page_size=page_size
                ):
                    document = _if_llama_stack(item, profile, connection.context)
                    if document is not None:
                        workloads.append(document)
            except cluster.Fault as fault:
                faults.append((namespace, _fault_finding(fault)))
    config_maps: list[Document] = []
    complete: list[str] = []
    for namespace in sorted({d.namespace or "default" for d in workloads}):
        try:
            config_maps += [
                to_document(item, connection.context, as_text=not fastpath.enabled())
                for item in connection.list(cluster.CONFIG_MAPS, namespace, page_size=page_size)
            ]
            complete.append(namespace)
        except cluster.Fault as fault:
            faults.append((namespace, _fault_finding(fault)))
    result = pipeline.convert(
        config_maps + workloads,
        profile,
        preserve_behavior=policy.preserve_behavior,
        adopt_defaults=policy.adopt_defaults,
        # With the release's values at hand, --verify renders the chart with them instead.
        verify=policy.verify and not helm_values,
        assume=policy.assume,
        complete=complete,
    )
    if helm_values:
        result = _with_helm_values(connection, result, profile, policy, faults)
    return ContextResult(
        connection.context,
        tuple("*" if n is None else n for n in wanted),
        result,
        faults,
        connection.requests,
    )


def _fault_finding(fault: cluster.Fault) -> Finding:
    if fault.kind == "forbidden":
        return finding("namespace-forbidden", fault.message)
    return finding("api-unavailable", fault.message)


def _if_llama_stack(item: Mapping[str, Any], profile: Profile, context: str) -> Document | None:
    """A listed workload as a document, if it may be Llama Stack.

    The fast path decides on the object's data first: writing an object out as
    manifest text and reading it back is most of the cost of a document, and
    only Llama Stack workloads are patched (``fastpath``).
    """
    if fastpath.enabled():
        if not is_llama_stack(Document(text="", data=item, origin=Origin("", 0)), profile):
            return None
        return to_document(item, context)
    document = to_document(item, context)
    return document if is_llama_stack(document, profile) else None


def to_document(item: Mapping[str, Any], context: str, *, as_text: bool = True) -> Document:
    """A cluster object as a manifest document, without the fields the server sets.

    Its text is what ``convert`` would read from a file, and its data is read
    back from that text. An object that is only looked up, never patched (a
    ConfigMap), may skip the text: JSON's types read back unchanged.
    """
    data = clean(item)
    metadata = data.get("metadata") or {}
    where = f"{metadata.get('namespace', 'default')}/{metadata.get('name', '')}"
    origin = Origin(f"{context}: {str(data.get('kind', '')).lower()} {where}", 0)
    if not as_text:
        return Document(text="", data=data, origin=origin)
    text = yamlio.dump(yamlio.to_commented(data))
    return Document(text=text, data=yamlio.load_manifest(text), origin=origin)


def clean(item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` without status and server-set metadata, keys in their order."""
    data = {key: value for key, value in item.items() if key != "status"}
    metadata = dict(data.get("metadata") or {})
    for key in _SERVER_METADATA:
        metadata.pop(key, None)
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items() if k not in _SERVER_ANNOTATIONS
    }
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    data["metadata"] = metadata
    ordered: dict[str, Any] = {
        key: data[key] for key in ("apiVersion", "kind", "metadata") if key in data
    }
    ordered.update({key: value for key, value in data.items() if key not in ordered})
    return ordered


def folder(context: str) -> str:
    """A context name as one directory name (see :func:`context_folder`)."""
    return context_folder(context)


def _with_helm_values(
    connection: cluster.Connection,
    result: pipeline.Result,
    profile: Profile,
    policy: pipeline.Policy,
    faults: list[tuple[str | None, Finding]],
) -> pipeline.Result:
    """Add ``helm-values.yaml`` to each Helm-managed workload: its release's values, converted."""
    outcomes: list[pipeline.Outcome] = []
    releases: dict[tuple[str, str], helm_release.Revision | cluster.Fault | None] = {}
    for outcome in result.outcomes:
        plan = outcome.plan
        owner = owner_release(plan.document.data.get("metadata") or {})
        if plan.status is not Status.NEEDS_MIGRATION or owner is None:
            outcomes.append(outcome)
            continue
        if owner not in releases:
            releases[owner] = _last_deployed(connection, *owner)
        revision = releases[owner]
        extra: list[Finding] = []
        artifacts = list(outcome.artifacts)
        if isinstance(revision, cluster.Fault):
            extra.append(
                finding(
                    "helm-release-unreadable",
                    f"release {owner[0]} in {owner[1]}: {revision.message}",
                )
            )
        elif revision is None:
            extra.append(
                finding(
                    "helm-release-unreadable",
                    f"release {owner[0]} in {owner[1]} has no deployed revision to start from",
                )
            )
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
                        pipeline.directory(plan) / HELM_VALUES_FILE,
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
    revision: helm_release.Revision | cluster.Fault | None,
) -> Plan:
    """``--verify`` with the release's deployed values under the overlay, as `helm upgrade
    --reset-then-reuse-values -f values-overlay.yaml` renders it. The values stay in memory."""
    from migrate.plan import verify

    if isinstance(revision, helm_release.Revision):
        source = f"release {revision.release} v{revision.version}"
        target = profile.target.with_release_values([(source, revision.values)])
        profile = replace(profile, target=target)
    overlay_text = outcome.artifacts[0].text  # values-overlay.yaml, as written
    return verify.check(plan, profile, overlay_text)


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


def _last_deployed(
    connection: cluster.Connection, release: str, namespace: str
) -> helm_release.Revision | cluster.Fault | None:
    try:
        secrets = list(
            connection.list(cluster.SECRETS, namespace, selector=helm_release.selector(release))
        )
        return helm_release.last_deployed(secrets, release)
    except cluster.Fault as fault:
        return fault
    except helm_release.ReleaseError as error:
        return cluster.Fault("unavailable", str(error))


def artifacts(results: Iterable[ContextResult]) -> list[Artifact]:
    """Every file of every context, under ``<context>/``."""
    return [
        Artifact(PurePosixPath(folder(r.context)) / a.path, a.text)
        for r in results
        for o in r.result.outcomes
        for a in o.artifacts
    ]
