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

Contexts are scanned at once, each in its own thread, and within one the
independent reads run on a pool of ``--max-connections`` threads
(:mod:`migrate.sources.parallel`); every result is put in the order of a
one-at-a-time scan (contexts as given, then kinds, namespaces, releases), so
the files, report and exit code do not depend on timing. ``--deadline`` and
Ctrl-C stop the reading: what was read is planned and delivered, what was not
is a ``scan-incomplete`` fault; a context that gave nothing means exit code
3, Ctrl-C exit code 130.

The module is over 400 lines because it holds that order whole: the command,
all contexts, and one context, from its lists to its result. What runs beside
it has modules of its own: the second process of a fleet (:mod:`fleet`), the
planner that plans while the lists are read (:mod:`early`), the histories.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from migrate import errors, fastpath
from migrate.app import convert as pipeline
from migrate.app import early, fleet, history, progress, releases, run
from migrate.chart.profile import Profile
from migrate.emit import layout
from migrate.emit.files import Artifact
from migrate.errors import EXIT_CLUSTER, InputError
from migrate.model import Document, Finding, Status, Workload, owner_release
from migrate.plan.classify import reads, recogniser
from migrate.plan.findings import finding
from migrate.sources import cluster, helm_release, parallel
from migrate.sources.context import ContextSource, ListFault, Listing
from migrate.sources.interface import Problem

HELM_VALUES_FILE = layout.HELM_VALUES_FILE
EXIT_INTERRUPTED = errors.EXIT_INTERRUPTED  # Ctrl-C (SIGINT) stopped the scan
STOPPED = releases.STOPPED  # the finding of what a deadline or Ctrl-C left unread


@dataclass
class ContextResult:
    """What one context gave: its plans and files, and what could not be read."""

    context: str
    namespaces: tuple[str, ...]  # ("*",) for all namespaces
    result: pipeline.Result
    faults: list[tuple[str | None, Finding]] = field(default_factory=list)  # namespace, finding
    requests: int = 0
    gave_nothing: bool = False  # stopped before any of its workload lists was read


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
    max_connections: int = cluster.MAX_CONNECTIONS  # requests open at once per cluster
    deadline: float | None = None  # seconds for the whole scan


def main(request: run.Request, clusters: Clusters, say: run.Say) -> int:
    """``migrate scan``: every context of ``clusters`` planned and delivered as ``request``
    asks; the exit code."""
    helpers: list[fleet.Child[_Job]] = []  # a second process, to write its own files
    with run.collect_less(), fleet.dismissing(helpers):
        rules, chosen = run.start(request)
        policy = request.policy
        stop = cluster.Stop(clusters.deadline)
        with progress.progress() as watch:
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
                max_connections=clusters.max_connections,
                stop=stop,
                watch=watch,
                helpers=helpers,
            )
        outcomes = [(r, o) for r in results for o in r.result.outcomes]
        produced = run.Produced(
            "scan",
            [o for _, o in outcomes],
            sum(r.result.documents for r in results),
            [_placed(r.context, o.artifacts) for r, o in outcomes],
            contexts=[r.context for r, _ in outcomes],
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
        theirs = fleet.writing(helpers, [(r, len(o.artifacts)) for r, o in outcomes])
        code = run.deliver(request, chosen, rules, produced, say, elsewhere=theirs)
    if stop.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_CLUSTER if any(r.gave_nothing for r in results) else code


@dataclass(frozen=True)
class _Scan:
    """One scan's settings, shared by its contexts."""

    kubeconfig: Path | None
    profile: Profile
    policy: pipeline.Policy
    namespaces: Sequence[str]
    all_namespaces: bool
    selector: str | None
    timeout: float
    helm_values: bool
    page_size: int
    max_connections: int
    stop: cluster.Stop


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
    max_connections: int = cluster.MAX_CONNECTIONS,
    deadline: float | None = None,
    stop: cluster.Stop | None = None,
    watch: progress.Watch | None = None,
    helpers: list[fleet.Child[_Job]] | None = None,
) -> list[ContextResult]:
    """Scan every context, all at once; raises ClusterError when a cluster cannot be used
    at all (the first in the order of ``contexts``, as a one-at-a-time scan would).

    ``stop`` (or a new one with ``deadline`` seconds) ends the reading early; so does
    Ctrl-C (KeyboardInterrupt, then ``stop.interrupted``): what was read is planned and
    returned, what was not is a fault. A second process that scanned some contexts waits
    in ``helpers`` to write their files (:func:`fleet.writing`), else it ends.
    """
    settings = _Scan(
        kubeconfig,
        profile,
        pipeline.Policy(preserve_behavior, adopt_defaults, verify, dict(assume or {})),
        namespaces,
        all_namespaces,
        selector,
        timeout,
        helm_values,
        page_size,
        max(1, max_connections),
        stop or cluster.Stop(deadline),
    )
    jobs = [
        _Job(name, default_namespace, (watch or progress.Tally)(name))
        for name, default_namespace in cluster.contexts(kubeconfig, list(contexts))
    ]
    # A fleet: every other context is scanned in a forked child, on another CPU. Unless
    # the caller takes it to write its files, it ends with the scan.
    waiting: list[fleet.Child[_Job]] = []
    with fleet.dismissing(waiting):
        child: fleet.Child[_Job] | None = None
        own: list[_Job] = jobs
        if fleet.possible(len(jobs), not _planning(settings).verify):
            own, theirs = fleet.split(jobs)
            child = fleet.start(
                theirs, settings, settings.stop, [profile], early.differences(profile), _files_of
            )
            (waiting if helpers is None else helpers).append(child)
        for job in own:
            job.start(settings)
        # Waits on events, not Thread.join: a join that Ctrl-C interrupts may leave its thread
        # marked as ended (before Python 3.13).
        try:
            for job in own:
                while not job.ended.wait(0.1):  # short waits, for Ctrl-C to come through
                    pass
            if child is not None:
                child.wait()
        except KeyboardInterrupt:
            settings.stop.interrupt()
            if child is not None:
                child.interrupt()
                child.results_in.wait()
            for job in own:
                job.ended.wait()  # soon: what is left is planning what was read
        if child is not None and child.failed:  # what the child did not deliver is done here
            undone = [job for job in child.jobs if not job.ended.is_set()]
            for job in undone:
                job.tally.pages = job.tally.objects = job.tally.found = 0
                job.start(settings)
            for job in undone:
                job.ended.wait()
        results: list[ContextResult] = []
        for job in jobs:
            if job.error is not None:
                raise job.error
            assert job.result is not None
            results.append(job.result)
        return results


@dataclass
class _Job:
    """One context scanned in its own thread."""

    context: str
    default_namespace: str
    tally: progress.Tally
    ended: threading.Event = field(default_factory=threading.Event)
    result: ContextResult | None = None
    error: Exception | None = None

    def start(self, settings: _Scan) -> None:
        thread = threading.Thread(
            target=self._run, args=(settings,), name=f"scan-{self.context}", daemon=True
        )
        thread.start()

    def _run(self, settings: _Scan) -> None:
        try:
            self.result = _scan_one(self.context, self.default_namespace, settings, self.tally)
        except Exception as error:  # raised by scan(), in the order of the contexts
            self.error = error
            self.tally.state = "failed"
        else:
            stopped = any(f.id == STOPPED for _, f in self.result.faults)
            self.tally.state = "stopped" if stopped else "done"
        finally:
            self.ended.set()


def _scan_one(
    name: str, default_namespace: str, settings: _Scan, tally: progress.Tally
) -> ContextResult:
    connection = cluster.connect(
        settings.kubeconfig,
        name,
        default_namespace,
        settings.timeout,
        max_connections=settings.max_connections,
        stop=settings.stop,
    )
    connection.on_page = tally.page
    wanted: list[str | None] = (
        [None]
        if settings.all_namespaces
        else list(dict.fromkeys(settings.namespaces or [default_namespace]))
    )
    profile = settings.profile
    # Workloads are planned while the lists go on; not with --verify, which renders the
    # chart through Helm, one workload at a time.
    planner = (
        early.Planner(profile, _planning(settings), f"plan-{name}")
        if fastpath.enabled() and not _planning(settings).verify
        else None
    )

    def kept(document: Document) -> None:
        tally.kept()
        if planner is not None:
            planner.kept(document)

    with parallel.Pool(settings.max_connections, name) as pool:
        histories = releases.Histories(pool, connection)
        # The histories are read while the lists go on, a namespace's once no list can add
        # to it, and the last while the last ConfigMaps are read and the last workloads
        # planned: those of every Helm release that manages one, though only the releases
        # of workloads to migrate or migrated already are used (planning tells which).
        source = ContextSource(
            connection,
            wanted,
            recogniser(profile),
            reads=reads(),
            selector=settings.selector,
            page_size=settings.page_size,
            on_kept=kept,
            on_config_maps=planner.config_maps if planner is not None else lambda *_: None,
            on_listed=lambda found: histories.ask(_owners(found)),
            on_namespace=lambda namespace, found: histories.ask(_owners(found)),
        )
        try:
            listing = source.list_all(pool)
            histories.ask(_owners(listing.found))  # asked already, unless a list was cut
        finally:
            if planner is not None:
                planner.finish()
        tally.state = "planning"
        return _scan_context(source, listing, histories, settings, planner)


def _owners(found: Iterable[Document]) -> list[tuple[str, str]]:
    """The Helm release of each workload that one manages, in order."""
    return [
        owner
        for document in found
        if (owner := owner_release(document.data.get("metadata") or {})) is not None
    ]


def _planning(settings: _Scan) -> pipeline.Policy:
    """The policy workloads are planned with: with the release's values at hand,
    --verify renders the chart with them instead, later."""
    policy = settings.policy
    return replace(policy, verify=policy.verify and not settings.helm_values)


def _scan_context(
    source: ContextSource,
    listing: Listing,
    histories: releases.Histories,
    settings: _Scan,
    planner: early.Planner | None = None,
) -> ContextResult:
    profile, policy, helm_values = settings.profile, settings.policy, settings.helm_values
    faults: list[tuple[str | None, Finding]] = []
    found: list[Workload | Document] = []
    for item in listing.items():
        if isinstance(item, ListFault):
            faults.append((item.namespace, _fault_finding(item)))
        elif isinstance(item, Problem):
            # Objects from an API server have valid, distinct names: this is no cluster's.
            raise InputError(item.message)
        else:
            found.append(item)
    connection = source.connection
    result = pipeline.plan_all(
        found,
        profile,
        _planning(settings),
        documents=len(found),
        early=planner.outcome if planner is not None else lambda workload: None,
    )
    if helm_values:
        owners = releases.owners(result, (Status.NEEDS_MIGRATION,))
        revisions = releases.read_all(
            histories.batch.pool,
            connection.stop,
            owners,
            lambda o: next(helm_release.Release(connection, *o).read()),
            faults,
        )
        result = releases.with_helm_values(revisions, result, profile, policy)
    owners = releases.owners(result, (Status.NEEDS_MIGRATION, Status.ALREADY_MIGRATED))
    read = histories.take(owners, faults)
    result = history.apply(
        result,
        lambda name, namespace: read[(name, namespace)],
        profile,
        history.namespaces({w.namespace: w.config_maps for w in found if isinstance(w, Workload)}),
    )
    return ContextResult(
        connection.context,
        tuple("*" if n is None else n for n in source.namespaces),
        result,
        faults,
        connection.requests,
        gave_nothing=connection.stop.fired() and listing.finished == 0,
    )


def _fault_finding(fault: ListFault) -> Finding:
    if fault.stopped:
        return finding(STOPPED, fault.message)
    if fault.forbidden:
        return finding("namespace-forbidden", fault.message)
    return finding("api-unavailable", fault.message)


def folder(context: str) -> str:
    """A context name as one directory name (see :func:`layout.context_folder`)."""
    return layout.context_folder(context)


def _placed(context: str, artifacts: Iterable[Artifact]) -> list[Artifact]:
    return [Artifact(PurePosixPath(folder(context)) / a.path, a.text) for a in artifacts]


def _files_of(result: ContextResult) -> list[Artifact]:
    return [a for o in result.result.outcomes for a in _placed(result.context, o.artifacts)]


def artifacts(results: Iterable[ContextResult]) -> list[Artifact]:
    """Every file of every context, under ``<context>/``."""
    return [a for r in results for o in r.result.outcomes for a in _placed(r.context, o.artifacts)]
