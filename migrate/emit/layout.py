"""The output tree: where each file of a migrated workload goes.

This module owns the layout users find on disk and in the commands a report
hands out: ``[<context>/]<namespace>/<name>/<file>``, with the file names of
the overlay, the ConfigMap, the patched workload, the converted release
values, the restore overlay, and the ``rollback/`` folder (the workload as
read and how to go back to it). The context folder exists only for a
cluster scan.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from migrate.model import Plan

OVERLAY_FILE = "values-overlay.yaml"
CONFIGMAP_FILE = "configmap.yaml"
HELM_VALUES_FILE = "helm-values.yaml"
RESTORE_FILE = "restore-overlay.yaml"
ROLLBACK_FOLDER = "rollback"
ROLLBACK_README = f"{ROLLBACK_FOLDER}/README.md"

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def workload_file(kind: str) -> str:
    """The patched workload's file name: ``deployment.yaml``, ``statefulset.yaml``."""
    return f"{kind.lower()}.yaml"


def rollback_file(kind: str) -> str:
    """The workload as read, in its folder: ``rollback/deployment.yaml.orig``. Not a
    ``.yaml`` name, so that ``kubectl apply -R`` and ``migrate convert -R`` of the output
    tree do not read the old workload beside the patched one (a named file is applied
    whatever its suffix)."""
    return f"{ROLLBACK_FOLDER}/{workload_file(kind)}.orig"


def manifests(plan: Plan, context: str | None = None) -> tuple[PurePosixPath, ...]:
    """The paths of the manifests that apply the migration, the ConfigMap and the patched
    workload (what ``--stdout`` prints), under ``<context>/`` for a scan's."""
    root = folder(plan)
    if context is not None:
        root = PurePosixPath(context_folder(context)) / root
    return (root / CONFIGMAP_FILE, root / workload_file(plan.kind))


def folder(plan: Plan) -> PurePosixPath:
    """The workload's folder, ``<namespace>/<name>``."""
    return PurePosixPath(plan.namespace) / plan.name


def context_folder(context: str) -> str:
    """A kubeconfig context name as one directory name (cloud names hold ':' and '/')."""
    return _UNSAFE_IN_NAME.sub("_", context).strip("._") or "context"
