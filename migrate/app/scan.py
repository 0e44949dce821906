"""``migrate scan``: live clusters in, the same plans and artifacts as ``convert`` out.

This module owns the order of a scan: per context, read its Llama Stack
workloads with their namespaces' ConfigMaps
(:class:`~migrate.sources.context.ContextSource`), then plan exactly as
``convert`` does; files go under ``<context>/``. With ``helm_values``, the
last deployed revision of each workload's Helm release is read and its
values turned into new-chart values. Each Helm-managed workload's release
history is read too (:mod:`migrate.app.history`): the revision to roll back
to, and for a workload already on the new layout, what its upgrade changed.
Faults of one namespace become
findings, and the scan goes on; a cluster that cannot be used at all ends
the run (exit code 3).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from migrate.app import convert as pipeline
from migrate.app import history, run, values
from migrate.chart.profile import Profile, looks_like_credential
from migrate.emit import layout
from migrate.emit.files import Artifact
from migrate.errors import InputError, MigrateError
from migrate.model import Document, Finding, Plan, Status, Workload, owner_release
from migrate.plan import verify as verifier
from migrate.plan.classify import is_llama_stack
from migrate.plan.findings import finding
from migrate.sources import cluster, helm_history, helm_release
from migrate.sources.context import ContextSource, ListFault
from migrate.sources.interface import Problem
from migrate.yaml import io as yamlio

HELM_VALUES_FILE = layout.HELM_VALUES_FILE


@dataclass
class ContextResult:
    """What one context gave: its plans and files, and what could not be read."""

    context: str
    namespaces: tuple[str, ...]  # ("*",) for all namespaces
    result: pipeline.Result
    faults: list[tuple[str | None, Finding]] = field(default_factory=list)  # namespace, finding
    requests: int = 0


@dataclass(frozen=True)
class Clusters:
    """What to scan: contexts of a kubeconfig, and in each the namespaces and workloads."""

    kubeconfig: Path | None = None
    contexts: tuple[str, ...] = ()  # none: the current context
    namespaces: tuple[str, ...] = ()  # none: the context's default namespace
    all_namespaces: bool = False
    selector: str | None = None
    timeout: float = 30.0
    helm_values: bool = False  # also convert each release's deployed values


def main(request: run.Request, clusters: Clusters, say: run.Say) -> int:
    """``migrate scan``: every context of ``clusters`` planned and delivered as ``request``
    asks; the exit code."""
    with run.collect_less():
        rules, chosen = run.start(request)
        policy = request.policy
        with progress() as on_page:
            results = scan(
                clusters.kubeconfig,
                clusters.contexts,
                chosen,
                namespaces=clusters.namespaces,
                all_namespaces=clusters.all_namespaces,
                selector=clusters.selector,
                timeout=clusters.timeout,
                preserve_behavior=policy.preserve_behavior,
                adopt_defaults=policy.adopt_defaults,
                verify=policy.verify,
                assume=policy.assume,
                helm_values=clusters.helm_values,
                on_page=on_page,
            )
        produced = run.Produced(
            "scan",
            [o for r in results for o in r.result.outcomes],
            sum(r.result.documents for r in results),
            [_placed(r.context, o.artifacts) for r in results for o in r.result.outcomes],
            contexts=[r.context for r in results for _ in r.result.outcomes],
            scan=[
                {
                    "context": r.context,
                    "namespaces": r.namespaces,
                    "requests": r.requests,
                    "faults": r.faults,
                }
                for r in results
            ],
        )
        return run.deliver(request, chosen, rules, produced, say)


@contextlib.contextmanager
def progress() -> Iterator[Callable[[str], None] | None]:
    """A spinner naming the page being read, on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # rich costs its import only on a terminal

    with Console(stderr=True).status("connecting") as status:
        pages = 0

        def on_page(label: str) -> None:
            nonlocal pages
            pages += 1
            status.update(f"{label} (page {pages})")

        yield on_page


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
    policy = pipeline.Policy(preserve_behavior, adopt_defaults, verify, dict(assume or {}))
    results: list[ContextResult] = []
    for name, default_namespace in cluster.contexts(kubeconfig, list(contexts)):
        connection = cluster.connect(kubeconfig, name, default_namespace, timeout)
        if on_page is not None:
            connection.on_page = on_page
        wanted: list[str | None] = (
            [None] if all_namespaces else list(dict.fromkeys(namespaces or [default_namespace]))
        )
        source = ContextSource(
            connection,
            wanted,
            lambda document: is_llama_stack(document, profile),
            selector=selector,
            page_size=page_size,
        )
        results.append(_scan_context(source, profile, policy, helm_values))
    return results


def _scan_context(
    source: ContextSource, profile: Profile, policy: pipeline.Policy, helm_values: bool
) -> ContextResult:
    faults: list[tuple[str | None, Finding]] = []
    found: list[Workload | Document] = []
    for item in source.read():
        if isinstance(item, ListFault):
            faults.append((item.namespace, _fault_finding(item)))
        elif isinstance(item, Problem):
            # Objects from an API server have valid, distinct names: this is no cluster's.
            raise InputError(item.message)
        else:
            found.append(item)
    result = pipeline.plan_all(
        found,
        profile,
        # With the release's values at hand, --verify renders the chart with them instead.
        replace(policy, verify=policy.verify and not helm_values),
        documents=len(found),
    )
    connection = source.connection
    if helm_values:
        result = _with_helm_values(connection, result, profile, policy)
    result = history.apply(
        result,
        lambda name, namespace: next(
            helm_history.ReleaseHistory(connection, name, namespace).read()
        ),
        profile,
        history.namespaces({w.namespace: w.config_maps for w in found if isinstance(w, Workload)}),
    )
    return ContextResult(
        connection.context,
        tuple("*" if n is None else n for n in source.namespaces),
        result,
        faults,
        connection.requests,
    )


def _fault_finding(fault: ListFault) -> Finding:
    if fault.forbidden:
        return finding("namespace-forbidden", fault.message)
    return finding("api-unavailable", fault.message)


def folder(context: str) -> str:
    """A context name as one directory name (see :func:`layout.context_folder`)."""
    return layout.context_folder(context)


def _placed(context: str, artifacts: Iterable[Artifact]) -> list[Artifact]:
    return [Artifact(PurePosixPath(folder(context)) / a.path, a.text) for a in artifacts]


def artifacts(results: Iterable[ContextResult]) -> list[Artifact]:
    """Every file of every context, under ``<context>/``."""
    return [a for r in results for o in r.result.outcomes for a in _placed(r.context, o.artifacts)]


def _with_helm_values(
    connection: cluster.Connection,
    result: pipeline.Result,
    profile: Profile,
    policy: pipeline.Policy,
) -> pipeline.Result:
    """Add ``helm-values.yaml`` to each Helm-managed workload: its release's values, converted."""
    outcomes: list[pipeline.Outcome] = []
    releases: dict[tuple[str, str], helm_release.Revision | Problem] = {}
    for outcome in result.outcomes:
        plan = outcome.plan
        owner = owner_release(plan.document.data.get("metadata") or {})
        if plan.status is not Status.NEEDS_MIGRATION or owner is None:
            outcomes.append(outcome)
            continue
        if owner not in releases:
            # A release source gives one revision, or why there is none to start from.
            releases[owner] = next(helm_release.Release(connection, *owner).read())
        revision = releases[owner]
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
                        layout.folder(plan) / HELM_VALUES_FILE,
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
