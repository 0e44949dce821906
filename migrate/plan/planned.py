"""One planned workload as the finding rules' checks read it.

The record is built once a workload is planned (or a values file converted):
what the pod ran, what the new chart renders with the overlay, and the facts
around it. Every ``check`` of :mod:`migrate.plan.rules` takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env
from migrate.model import Drift, Path


@dataclass(frozen=True)
class Workload:
    """What the checks read of one planned workload."""

    profile: Profile
    environment: kube_env.ContainerEnv
    home: str | None
    before: Any  # the run.yaml the pod ran (migrated variables baked in)
    after: Any  # the run.yaml the new chart renders with the overlay
    provenance: Mapping[Path, frozenset[str]]
    kept: tuple[str, ...]  # migrated variables that stay env vars and are set
    drift: tuple[Drift, ...]
    workload_annotations: Mapping[str, Any]
    pod_annotations: Mapping[str, Any]
    configmap: str
