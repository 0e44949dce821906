"""One kubeconfig context as a source: its workloads, with every ConfigMap of their namespaces.

This module owns the order of reading a cluster: list Deployments and
StatefulSets (paged) in each namespace asked for, keep those the caller
wants (the Llama Stack ones), then list the ConfigMaps of their namespaces,
once each. Objects become documents in the layout ``kubectl`` users know
(server-set fields removed), so a scan of objects and a conversion of the
same objects written in that layout give byte-identical files. A list that
cannot be read is a :class:`ListFault`, and the scan goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from migrate import fastpath
from migrate.model import Document, Origin, Workload
from migrate.sources import cluster, workloads
from migrate.sources.interface import Problem, Source
from migrate.sources.server_fields import clean
from migrate.yaml import io as yamlio
from migrate.yaml import load


@dataclass(frozen=True)
class ListFault(Problem):
    """A list the API server refused (``forbidden``) or could not give, in one namespace."""

    namespace: str | None = None  # None: across all namespaces
    forbidden: bool = False


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
        keep: Callable[[Document], bool],
        *,
        selector: str | None = None,
        page_size: int = cluster.PAGE_SIZE,
    ) -> None:
        self.connection = connection
        self.namespaces = tuple(namespaces)
        self.keep = keep
        self.selector = selector
        self.page_size = page_size

    def read(self) -> Iterator[Workload | Document | Problem]:
        connection = self.connection
        found: list[Document] = []
        for resource in (cluster.DEPLOYMENTS, cluster.STATEFUL_SETS):
            for namespace in self.namespaces:
                try:
                    for item in connection.list(
                        resource, namespace, selector=self.selector, page_size=self.page_size
                    ):
                        document = self._kept(item)
                        if document is not None:
                            found.append(document)
                except cluster.Fault as fault:
                    yield _fault(fault, namespace)
        config_maps: list[Document] = []
        complete: list[str] = []
        for namespace in sorted({d.namespace or "default" for d in found}):
            try:
                config_maps += [
                    to_document(item, connection.context, as_text=not fastpath.enabled())
                    for item in connection.list(
                        cluster.CONFIG_MAPS, namespace, page_size=self.page_size
                    )
                ]
                complete.append(namespace)
            except cluster.Fault as fault:
                yield _fault(fault, namespace)
        yield from workloads.gather(config_maps + found, complete)

    def _kept(self, item: Mapping[str, Any]) -> Document | None:
        """A listed workload as a document, if ``keep`` wants it.

        The fast path asks on the object's data first: writing an object out as
        manifest text and reading it back is most of the cost of a document, and
        only the workloads kept are patched (``fastpath``).
        """
        context = self.connection.context
        if fastpath.enabled():
            if not self.keep(Document(text="", data=item, origin=Origin("", 0))):
                return None
            return to_document(item, context)
        document = to_document(item, context)
        return document if self.keep(document) else None


def _fault(fault: cluster.Fault, namespace: str | None) -> ListFault:
    return ListFault(fault.message, namespace, forbidden=fault.kind == "forbidden")


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
    return Document(text=text, data=load.load_manifest(text), origin=origin)
