"""Documents become workloads: each Deployment or StatefulSet with its namespace's ConfigMaps.

This module owns what a set of documents read together means for planning:
the ConfigMaps of the input, by namespace, which the workloads' env may
name; and the names of workloads, which become directories, so only what
Kubernetes accepts may reach the file system, once per kind and namespace.
A document that fails these checks is a
:class:`~migrate.sources.interface.Problem`; the others go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from migrate.model import WORKLOAD_KINDS, CompleteConfigMaps, ConfigMaps, Document, Workload
from migrate.sources.interface import Problem

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def gather(
    documents: Sequence[Document], complete: Sequence[str] = ()
) -> Iterator[Workload | Document | Problem]:
    """Each workload of ``documents`` with the ConfigMaps of its namespace, in input order.

    Documents of other kinds come as they are (planning names the pods among
    them that it does not convert). ``complete`` names namespaces whose
    ConfigMaps are all in ``documents``: there, a ConfigMap not found does not
    exist. Problems with ConfigMaps come first, then those of workloads.
    """
    problems: list[Problem] = []
    config_maps = tables(documents, problems)
    yield from problems
    by_namespace: dict[str, ConfigMaps] = dict(config_maps)
    for namespace in complete:
        by_namespace[namespace] = CompleteConfigMaps(config_maps.get(namespace, {}))
    seen: dict[tuple[str, str, str], Document] = {}
    for document in documents:
        if document.kind not in WORKLOAD_KINDS:
            yield document
            continue
        problem = check_names(document, seen)
        if problem is not None:
            yield problem
            continue
        namespace = document.namespace or "default"
        seen[(document.kind, namespace, document.name)] = document
        yield Workload(document, by_namespace.get(namespace, {}))


def tables(
    documents: Sequence[Document], problems: list[Problem]
) -> dict[str, dict[str, Mapping[str, str] | None]]:
    """The data of the ConfigMaps among ``documents``, by namespace and name; one whose data
    is not a mapping is a problem, added to ``problems``."""
    config_maps: dict[str, dict[str, Mapping[str, str] | None]] = {}
    for document in documents:
        if document.kind != "ConfigMap" or not document.name:
            continue
        data: Any = document.data.get("data") or {}
        if not isinstance(data, Mapping):
            problems.append(
                Problem(f"{document.origin}: ConfigMap {document.name}: data is not a mapping")
            )
            continue
        namespace = document.namespace or "default"
        config_maps.setdefault(namespace, {})[document.name] = {
            str(k): v if isinstance(v, str) else str(v) for k, v in data.items()
        }
    return config_maps


def complete(documents: Sequence[Document], namespace: str) -> CompleteConfigMaps:
    """The ConfigMaps of ``namespace`` when ``documents`` hold all of them, as
    :func:`gather` gives them to the namespace's workloads."""
    return CompleteConfigMaps(tables(documents, []).get(namespace, {}))


def check_names(
    document: Document, seen: Mapping[tuple[str, str, str], Document] | None = None
) -> Problem | None:
    """Why the workload's name or namespace cannot become a directory, if it cannot:
    not what Kubernetes accepts, or the same as one ``seen`` before."""
    metadata = document.data.get("metadata")
    raw_name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if raw_name is not None and not isinstance(raw_name, str):
        return Problem(
            f"{document.origin}: metadata.name {raw_name!r} is a {type(raw_name).__name__}, "
            "not a string"
        )
    if not document.name:
        return Problem(f"{document.origin}: {document.kind} without metadata.name")
    namespace = document.namespace or "default"
    if not _DNS_SUBDOMAIN.fullmatch(document.name) or len(document.name) > 253:
        return Problem(
            f"{document.origin}: metadata.name {document.name!r} is not a valid "
            "Kubernetes object name"
        )
    if not _DNS_LABEL.fullmatch(namespace) or len(namespace) > 63:
        return Problem(
            f"{document.origin}: metadata.namespace {namespace!r} is not a valid namespace"
        )
    key = (document.kind, namespace, document.name)
    if seen is not None and key in seen:
        return Problem(
            f"{document.origin}: {document.kind} {namespace}/{document.name} appears "
            f"twice (first at {seen[key].origin})"
        )
    return None
