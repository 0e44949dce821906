"""Small workloads for the planner's unit tests, built as plain data (no YAML text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migrate.model import Document, Origin

IMAGE = "ghcr.io/tu-wien-datalab/llama-stack:main"


def env(**values: str) -> list[dict[str, Any]]:
    """Plain ``env`` entries, in the order given."""
    return [{"name": name, "value": value} for name, value in values.items()]


def container(
    entries: Sequence[Mapping[str, Any]] = (),
    *,
    name: str = "llama-stack",
    image: str = IMAGE,
    **fields: Any,
) -> dict[str, Any]:
    """A container; ``entries`` becomes its ``env`` when given."""
    spec: dict[str, Any] = {"name": name, "image": image, **fields}
    if entries:
        spec["env"] = [dict(entry) for entry in entries]
    return spec


def workload(
    *containers: Mapping[str, Any],
    kind: str = "Deployment",
    name: str = "llama-stack",
    namespace: str | None = "ai",
    pod: Mapping[str, Any] | None = None,
    annotations: Mapping[str, str] | None = None,
    pod_annotations: Mapping[str, str] | None = None,
) -> Document:
    """A workload of ``kind`` whose pod runs ``containers`` (``pod`` adds pod spec fields)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = dict(annotations)
    template: dict[str, Any] = {"spec": {"containers": list(containers), **(pod or {})}}
    if pod_annotations:
        template["metadata"] = {"annotations": dict(pod_annotations)}
    spec: dict[str, Any] = {"template": template}
    if kind == "Pod":
        spec = template["spec"]
    elif kind == "CronJob":
        spec = {"jobTemplate": {"spec": {"template": template}}}
    data = {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec}
    return Document(text="", data=data, origin=Origin("test.yaml", 1))
