"""One kubeconfig context as a source: its workloads, with every ConfigMap of their namespaces.

This module owns the order of reading a cluster: list Deployments and
StatefulSets (paged) in each namespace asked for, keep those the caller
wants (the Llama Stack ones), then list the ConfigMaps of their namespaces,
once each. The lists are independent, so they run at once on a
:class:`~migrate.sources.parallel.Pool` (pages of one list stay in order, as
``continue`` tokens require; each page is filtered as it arrives and only
the objects kept are held); a namespace's ConfigMaps are listed as soon as
one of its workloads is kept. Whatever the timing, results come in the
order of a one-at-a-time read: kinds, then namespaces as asked, then the
ConfigMaps by namespace. Objects become documents in the layout ``kubectl`` users know
(server-set fields removed), so a scan of objects and a conversion of the
same objects written in that layout give byte-identical files. A list that
cannot be read is a :class:`ListFault`, and the scan goes on; so is one that
the scan's stop (``--deadline``, Ctrl-C) cut, and the objects it had kept are
still read.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate import fastpath
from migrate.model import Document, Origin, Workload
from migrate.sources import cluster, parallel, sketch, workloads
from migrate.sources.interface import Problem, Source
from migrate.sources.server_fields import clean
from migrate.yaml import fastwrite, load
from migrate.yaml import io as yamlio


@dataclass(frozen=True)
class ListFault(Problem):
    """A list the API server refused (``forbidden``) or could not give, in one namespace."""

    namespace: str | None = None  # None: across all namespaces
    forbidden: bool = False
    stopped: bool = False  # cut by the scan's deadline or an interrupt


@dataclass
class Listing:
    """What the lists of one context gave, in the order of a one-at-a-time read."""

    faults: list[ListFault] = field(default_factory=list)
    config_maps: list[Document] = field(default_factory=list)
    found: list[Document] = field(default_factory=list)  # the workloads kept
    complete: list[str] = field(default_factory=list)  # namespaces whose ConfigMaps were read
    finished: int = 0  # workload lists read to their end (or refused), not cut

    def items(self) -> Iterator[Workload | Document | Problem]:
        """Faults, then the ConfigMaps (documents), then the workloads."""
        yield from self.faults
        yield from workloads.gather(self.config_maps + self.found, self.complete)


class ContextSource(Source[Workload | Document]):
    """The workloads of one context that ``keep`` wants, each with its namespace's ConfigMaps.

    Reading yields the faults met, then the ConfigMaps read (documents, as a
    conversion reads them from files), then the workloads. ``namespaces``
    holds None to list across all namespaces.
    """

    def __init__(
        self,
        connection: cluster.Connection,
        namespaces: Sequence[str | None],
        keep: Callable[[Mapping[str, Any]], bool],  # asked of each listed object's data
        *,
        reads: sketch.Tree | None = None,  # the fields keep reads, if it tells them
        selector: str | None = None,
        page_size: int = cluster.PAGE_SIZE,
        on_kept: Callable[[Document], None] = lambda document: None,
        on_config_maps: Callable[[str, list[Document]], None] = lambda namespace, read: None,
        on_listed: Callable[[list[Document]], None] = lambda found: None,
        on_namespace: Callable[[str, list[Document]], None] = lambda namespace, found: None,
    ) -> None:
        self.connection = connection
        self.namespaces = tuple(namespaces)
        self.keep = keep
        # Where keep tells what it reads, the workload lists decode only that of each
        # object (and its namespace), and the whole of those it keeps (fastpath).
        self.reader = (
            sketch.Reader(sketch.merged({"metadata": {"namespace": sketch.ANY}}, reads))
            if reads is not None
            else None
        )
        self.selector = selector
        self.page_size = page_size
        # Called from the reading threads: with each workload kept, and with every
        # ConfigMap of a namespace once its list is read to the end.
        self.on_kept = on_kept
        self.on_config_maps = on_config_maps
        # And with every workload kept, in the listing's order, once the workload lists
        # have ended, though ConfigMaps may still be read (not if the stop cut one).
        self.on_listed = on_listed
        # And with the workloads kept of a namespace that no list can add to any more,
        # sooner: an API server lists in the order of its keys, namespace by namespace,
        # so a list across all namespaces that went on to another has all of one.
        # Should one come back to a namespace, it is in on_listed all the same.
        self.on_namespace = on_namespace

    def read(self) -> Iterator[Workload | Document | Problem]:
        with parallel.Pool(self.connection.max_connections, self.connection.context) as pool:
            listing = self.list_all(pool)
        yield from listing.items()

    def list_all(self, pool: parallel.Pool) -> Listing:
        """Every list of the context, at once on ``pool``, until done or stopped.

        Raises the first error (in the order of a one-at-a-time read) that is not
        a list's fault: a cluster that cannot be used at all.
        """
        connection = self.connection
        batch = parallel.Batch(pool, connection.stop)
        lock = threading.Lock()
        config_maps: dict[str, parallel.Task[list[Document]]] = {}

        def needs_config_maps(namespace: str) -> None:
            with lock:
                if namespace not in config_maps:
                    config_maps[namespace] = batch.submit(lambda: self._config_maps(namespace))

        wanted: list[tuple[cluster.Resource, str | None, list[Document]]] = [
            (resource, namespace, [])
            for resource in (cluster.DEPLOYMENTS, cluster.STATEFUL_SETS)
            for namespace in self.namespaces
        ]
        left = [len(wanted)]
        progress = _Progress(wanted)

        def moved(index: int, namespace: str | None) -> None:  # None: the list ended
            with lock:
                done = progress.moved(index, namespace)
            for finished, found in done:
                self.on_namespace(finished, found)

        def ended(index: int) -> None:
            moved(index, None)
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                self.on_listed([document for _, _, kept in wanted for document in kept])

        lists: list[tuple[str, str | None, list[Document], parallel.Task[None]]] = []
        for index, (resource, namespace, kept) in enumerate(wanted):
            call = functools.partial(
                self._workloads,
                resource,
                namespace,
                kept,
                needs_config_maps,
                functools.partial(moved, index),
            )
            task = batch.submit(functools.partial(_then, call, functools.partial(ended, index)))
            lists.append((resource.kind, namespace, kept, task))
        batch.wait()

        listing = Listing()
        for kind, namespace, kept, task in lists:
            listing.found += list(kept)  # a list that failed midway keeps what it had read
            fault = self._fault_of(task, f"{kind}s", namespace)
            if fault is not None:
                listing.faults.append(fault)
            if fault is None or not fault.stopped:  # read to its end, or refused
                listing.finished += 1
        for namespace in sorted({d.namespace or "default" for d in listing.found}):
            read = config_maps[namespace]  # asked for before its first workload was kept
            fault = self._fault_of(read, "ConfigMaps", namespace)
            if fault is not None:
                listing.faults.append(fault)
            else:
                listing.config_maps += read.result()
                listing.complete.append(namespace)
        return listing

    def _workloads(
        self,
        resource: cluster.Resource,
        namespace: str | None,
        kept: list[Document],
        needs_config_maps: Callable[[str], None],
        moved: Callable[[str], None] = lambda namespace: None,
    ) -> None:
        fast = fastpath.enabled()
        at: object = None
        reader = self.reader if fast else None
        for listed in self.connection.sketches(
            resource, namespace, reader, self.selector, self.page_size
        ):
            metadata = listed.sketch.get("metadata")
            here = metadata.get("namespace") if type(metadata) is dict else None
            if here != at and namespace is None:
                at = here
                moved(here if isinstance(here, str) else "")
            document = self._kept(listed, fast)
            if document is not None:
                needs_config_maps(document.namespace or "default")
                kept.append(document)
                self.on_kept(document)

    def _config_maps(self, namespace: str) -> list[Document]:
        connection = self.connection
        read = [
            to_document(item, connection.context, as_text=not fastpath.enabled())
            for item in connection.list(cluster.CONFIG_MAPS, namespace, page_size=self.page_size)
        ]
        self.on_config_maps(namespace, read)
        return read

    def _fault_of(
        self, task: parallel.Task[Any], what: str, namespace: str | None
    ) -> ListFault | None:
        """The fault of a list, None if it was read; raises what is not a list's fault."""
        if task.state == parallel.CUT:
            return self._stopped(what, namespace)
        try:
            task.result()
        except cluster.Fault as fault:
            return _fault(fault, namespace)
        return None

    def _stopped(self, what: str, namespace: str | None) -> ListFault:
        where = f"in namespace {namespace}" if namespace else "across all namespaces"
        return _fault(self.connection.stop.fault(f"{what} {where}"), namespace)

    def _kept(self, listed: sketch.Listed, fast: bool) -> Document | None:
        """A listed workload as a document, if ``keep`` wants it.

        The fast path asks on the object's sketch first (the object's data, or
        the part of it that ``keep`` reads): decoding every object whole, and
        writing it out as manifest text, is most of the cost of a list, and only
        the workloads kept are patched (``fastpath``).
        """
        context = self.connection.context
        if fast:
            return to_document(listed.whole(), context) if self.keep(listed.sketch) else None
        document = to_document(listed.whole(), context)
        return document if self.keep(document.data) else None


class _Progress:
    """Which namespaces the workload lists of a context are done with (for
    ``on_namespace``): a list of one namespace when it ends, a list across all
    namespaces when it goes on to another namespace, or ends."""

    def __init__(self, wanted: Sequence[tuple[object, str | None, list[Document]]]) -> None:
        self.wanted = wanted
        self.at: list[str | None] = [None] * len(wanted)  # each list's namespace now
        self.left: list[set[str]] = [set() for _ in wanted]  # the namespaces it went past
        self.ended = [False] * len(wanted)
        self.seen = [0] * len(wanted)  # workloads kept of each list, already in pending
        # per namespace not done yet: its workloads kept, by (list, place in it)
        self.pending: dict[str, list[tuple[int, int, Document]]] = {}

    def moved(self, index: int, namespace: str | None) -> list[tuple[str, list[Document]]]:
        """List ``index`` is on to ``namespace`` (None: it ended); the namespaces done
        now, each with its workloads kept, in listing order."""
        before = self.at[index]
        if before is not None:
            self.left[index].add(before)
        if namespace is None:
            self.ended[index] = True
        self.at[index] = namespace
        for which, (_, _, kept) in enumerate(self.wanted):
            new = kept[self.seen[which] :]
            for place, document in enumerate(new, self.seen[which]):
                entry = (which, place, document)
                self.pending.setdefault(document.namespace or "default", []).append(entry)
            self.seen[which] += len(new)
        done = [name for name in self.pending if self._done(name)]
        return [
            (name, [document for _, _, document in sorted(self.pending.pop(name), key=_place)])
            for name in done
        ]

    def _done(self, namespace: str) -> bool:
        return all(
            self.ended[index]
            or (listed is not None and listed != namespace)
            or (listed is None and namespace in self.left[index])
            for index, (_, listed, _) in enumerate(self.wanted)
        )


def _place(entry: tuple[int, int, Document]) -> tuple[int, int]:
    return entry[0], entry[1]


def _then(call: Callable[[], None], ended: Callable[[], None]) -> None:
    try:
        call()
    finally:
        ended()


def _fault(fault: cluster.Fault, namespace: str | None) -> ListFault:
    return ListFault(
        fault.message,
        namespace,
        forbidden=fault.kind == "forbidden",
        stopped=fault.kind == "stopped",
    )


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
    written = fastwrite.dump(data) if fastpath.enabled() else None
    if written is not None:
        # The fast writer writes only what every reader reads back as the data itself
        # (tests/yaml/test_fastwrite.py): reading it back would give the same tree.
        return Document(text=written, data=data, origin=origin)
    text = yamlio.dump_plain(data)
    return Document(text=text, data=load.load_manifest(text), origin=origin)
