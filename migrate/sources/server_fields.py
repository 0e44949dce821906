"""The fields the API server sets on an object, and a manifest without them.

A manifest to apply has none of them: ``kubectl apply`` of a workload that
still carries the ``resourceVersion`` it was read at fails with a conflict as
soon as the object has changed, and ``status`` and ``managedFields`` are the
server's own. This module owns the one list of those fields, and leaving them
out of an object read from a cluster (:func:`clean`, data: ``scan``) or of a
workload's text as ``kubectl get -o yaml`` printed it (:func:`strip`, text:
``convert``), every other line kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from yaml import YAMLError

from migrate.model import WORKLOAD_KINDS, Document, Path
from migrate.yaml import entries, load
from migrate.yaml import io as yamlio

METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
)
ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)


def clean(item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` without status and server-set metadata, keys in their order (apiVersion,
    kind and metadata first, as ``kubectl get -o yaml`` prints them)."""
    data = {key: value for key, value in item.items() if key != "status"}
    metadata = dict(data.get("metadata") or {})
    for key in METADATA:
        metadata.pop(key, None)
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items() if k not in ANNOTATIONS
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


def present(data: Mapping[str, Any]) -> tuple[list[Path], list[str]]:
    """The entries of ``data`` that the server set, as paths (an annotations mapping that
    holds only server-set annotations as one), and as a reader names them."""
    paths: list[Path] = []
    names: list[str] = []
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping):
        ours = [key for key in METADATA if key in metadata]
        paths += [("metadata", key) for key in ours]
        names += [f"metadata.{key}" for key in ours]
        annotations = metadata.get("annotations")
        if isinstance(annotations, Mapping):
            ours = [key for key in ANNOTATIONS if key in annotations]
            if ours and len(ours) == len(annotations):
                paths.append(("metadata", "annotations"))
            else:
                paths += [("metadata", "annotations", key) for key in ours]
            names += [f"annotation {key}" for key in ours]
    if "status" in data:
        paths.append(("status",))
        names.append("status")
    return paths, names


def strip(document: Document) -> Document:
    """A workload's document without the entries the server set, and which they were
    (``Document.dropped``); other documents, and a workload whose text cannot lose them
    exactly, as they are."""
    if document.kind not in WORKLOAD_KINDS or not isinstance(document.data, Mapping):
        return document
    paths, names = present(document.data)
    if not paths:
        return document
    try:
        text = entries.remove(document.text, paths)
        data = load.load_manifest(text)
    except (entries.Unremovable, YAMLError):
        return document
    if not isinstance(data, Mapping) or not yamlio.same(data, _without(document.data, paths)):
        return document
    return replace(document, text=text, data=data, dropped=tuple(names))


def _without(data: Mapping[str, Any], paths: list[Path]) -> dict[Any, Any]:
    """``data`` without the entries at ``paths``, each mapping on the way copied."""
    copy: dict[Any, Any] = dict(data)
    for path in paths:
        node = copy
        for step in path[:-1]:
            node[step] = dict(node[step])
            node = node[step]
        del node[path[-1]]
    return copy
