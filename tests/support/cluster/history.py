"""Helm release histories as Helm stores them, for emulated clusters and exported files.

:func:`upgrades` plays ``helm install`` and then ``helm upgrade`` once per
further :class:`Step`: each revision's manifest is rendered from a fixture
chart by Helm itself (helm-python-sdk, :mod:`tests.support.helm`) with the
step's values and the release's name and namespace, and the statuses are
those Helm leaves: a successful upgrade marks the previous deployed revision
``superseded``; a failed one is ``failed`` and the previous stays
``deployed``. The :class:`StoredHistory` it gives stores each revision as a
release Secret (:func:`~tests.support.cluster.objects.helm_release_secret`,
chart templates and defaults included) or, with ``driver="configmap"``, as
Helm's ConfigMap driver does; gives the live objects of the last deployed
revision as the cluster holds them (Helm's ownership annotations and label);
can lose its oldest revisions (``--history-max``) or have one record broken.
:func:`kubectl_list` writes objects as ``kubectl get secret -o yaml`` prints
them, for ``convert --helm-history``.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import gzip
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from tests.support import helm
from tests.support.cluster import api
from tests.support.cluster.objects import helm_release_secret

Corruption = Literal["base64", "helm-base64", "gzip", "json", "not-an-object"]
"""How a record is broken: the Secret's base64, Helm's base64, the gzip stream, the JSON,
or JSON that is not an object."""

INSTALLED = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
"""When revision 1 was installed; each later revision an hour after the one before."""

RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"
MANAGED_BY = "app.kubernetes.io/managed-by"
"""The annotations and the label Helm puts on every object it applies (value ``Helm``)."""


@dataclass(frozen=True)
class Step:
    """One ``helm install`` or ``helm upgrade``: the chart and the user-supplied values.

    ``fails``: the manifest renders (and is stored) but applying it fails.
    """

    chart: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    fails: bool = False


@dataclass(frozen=True)
class StoredRevision:
    """One revision as the test built it."""

    version: int
    status: str
    chart: Path
    values: Mapping[str, Any]
    manifest: str
    deployed_at: dt.datetime


@dataclass(frozen=True)
class StoredHistory:
    """The revisions Helm keeps of one release, and how they are stored."""

    release: str
    namespace: str
    revisions: tuple[StoredRevision, ...]
    driver: Literal["secret", "configmap"] = "secret"
    broken: Mapping[int, Corruption] = field(default_factory=dict)

    @property
    def versions(self) -> list[int]:
        return [r.version for r in self.revisions]

    def revision(self, version: int) -> StoredRevision:
        return next(r for r in self.revisions if r.version == version)

    @property
    def last_deployed(self) -> StoredRevision | None:
        deployed = [r for r in self.revisions if r.status == "deployed"]
        return deployed[-1] if deployed else None

    def pruned(self, oldest: int) -> StoredHistory:
        """Without the ``oldest`` first revisions, as ``--history-max`` leaves a release."""
        return replace(self, revisions=self.revisions[oldest:])

    def without(self, version: int) -> StoredHistory:
        """Without revision ``version`` (a Secret deleted by hand, or never stored)."""
        return replace(self, revisions=tuple(r for r in self.revisions if r.version != version))

    def corrupted(self, version: int, how: Corruption) -> StoredHistory:
        """With the record of revision ``version`` broken ``how``."""
        return replace(self, broken={**self.broken, version: how})

    def in_config_maps(self) -> StoredHistory:
        """Stored by Helm's ConfigMap driver (``HELM_DRIVER=configmap``) instead."""
        return replace(self, driver="configmap")

    def records(self) -> list[dict[str, Any]]:
        """The stored records: Secrets, or ConfigMaps for the ConfigMap driver."""
        records = []
        for revision in self.revisions:
            secret = self._secret(revision)
            record = secret if self.driver == "secret" else as_config_map(secret)
            if revision.version in self.broken:
                record = corrupt(record, self.broken[revision.version])
            records.append(record)
        return records

    def live(self) -> list[dict[str, Any]]:
        """The objects of the last deployed revision's manifest as the cluster holds them."""
        deployed = self.last_deployed
        if deployed is None:
            return []
        return live_objects(deployed.manifest, self.release, self.namespace)

    def objects(self) -> list[dict[str, Any]]:
        """Everything to seed: the live objects and the stored records."""
        return self.live() + self.records()

    def _secret(self, revision: StoredRevision) -> dict[str, Any]:
        return helm_release_secret(
            self.release,
            self.namespace,
            revision.version,
            revision.status,
            revision.values,
            chart=str(_chart_field(revision.chart, "name")),
            chart_version=str(_chart_field(revision.chart, "version")),
            manifest=revision.manifest,
            chart_values=helm.chart_default_values(revision.chart),
            app_version=_chart_field(revision.chart, "appVersion"),
            deployed_at=revision.deployed_at,
            first_deployed_at=INSTALLED,
            templates=_templates(revision.chart),
        )


def upgrades(release: str, namespace: str, steps: Sequence[Step]) -> StoredHistory:
    """The history ``helm install`` (the first step) and ``helm upgrade`` (each further one)
    leave, with statuses as Helm sets them."""
    revisions: list[StoredRevision] = []
    for version, step in enumerate(steps, start=1):
        manifest = helm.render_manifest_text(
            step.chart, dict(step.values), release=release, namespace=namespace
        )
        if not step.fails:
            revisions = [
                replace(r, status="superseded") if r.status == "deployed" else r for r in revisions
            ]
        revisions.append(
            StoredRevision(
                version=version,
                status="failed" if step.fails else "deployed",
                chart=step.chart,
                values=copy.deepcopy(dict(step.values)),
                manifest=manifest,
                deployed_at=INSTALLED + dt.timedelta(hours=version - 1),
            )
        )
    return StoredHistory(release, namespace, tuple(revisions))


def live_objects(manifest: str, release: str, namespace: str) -> list[dict[str, Any]]:
    """The objects of a release manifest with what Helm adds when it applies them: the
    namespace, the ownership annotations and the ``managed-by`` label."""
    found = []
    for document in yaml.load_all(manifest, Loader=_ManifestLoader):
        if not isinstance(document, dict):
            continue
        metadata = document.setdefault("metadata", {})
        known = api.kinds().get((str(document.get("apiVersion")), str(document.get("kind"))))
        if known is None or known[1]:
            metadata.setdefault("namespace", namespace)
        metadata["annotations"] = {
            **(metadata.get("annotations") or {}),
            RELEASE_NAME: release,
            RELEASE_NAMESPACE: namespace,
        }
        metadata["labels"] = {**(metadata.get("labels") or {}), MANAGED_BY: "Helm"}
        found.append(document)
    return found


def corrupt(record: Mapping[str, Any], how: Corruption) -> dict[str, Any]:
    """``record`` (a release Secret or ConfigMap) with its ``data.release`` broken ``how``."""
    broken = copy.deepcopy(dict(record))
    secret = broken["kind"] == "Secret"
    stored = broken["data"]["release"]
    helm_string = base64.b64decode(stored) if secret else stored.encode()
    if how == "base64":
        helm_string = b"%%% not base64 %%%"
        if secret:  # the Secret's own layer is broken
            broken["data"]["release"] = "%%% not base64 %%%"
            return broken
    elif how == "helm-base64":
        helm_string = b"%%% not base64 %%%"
    elif how == "gzip":  # the stream cut in the middle
        packed = base64.b64decode(helm_string)
        helm_string = api.b64(packed[: len(packed) // 2]).encode()
    elif how == "json":
        helm_string = api.b64(gzip.compress(b'{"name": "truncated', mtime=0)).encode()
    else:
        helm_string = api.b64(gzip.compress(b'["a", "list"]', mtime=0)).encode()
    broken["data"]["release"] = api.b64(helm_string) if secret else helm_string.decode()
    return broken


def kubectl_list(objects: Iterable[Mapping[str, Any]]) -> str:
    """``objects`` as ``kubectl get secret -o yaml`` prints them: a ``v1`` List, keys sorted,
    with the metadata the API server sets."""
    items = []
    for number, obj in enumerate(objects, start=1):
        item = copy.deepcopy(dict(obj))
        metadata = item.setdefault("metadata", {})
        metadata.setdefault("creationTimestamp", api.CREATED)
        metadata.setdefault("resourceVersion", str(1000 + number))
        metadata.setdefault("uid", f"00000000-0000-4000-8000-{number:012d}")
        items.append(item)
    listing = {
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }
    return yaml.safe_dump(listing, sort_keys=True, width=1 << 30)


def as_config_map(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The ConfigMap Helm's ConfigMap driver writes for the record in ``secret``: the same
    name and labels, ``data.release`` Helm's own string (no second base64)."""
    helm_string = base64.b64decode(secret["data"]["release"]).decode("ascii")
    metadata = secret["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "labels": dict(metadata["labels"]),
        },
        "data": {"release": helm_string},
    }


def _chart_field(chart: Path, key: str) -> Any:
    return yaml.safe_load((chart / "Chart.yaml").read_text()).get(key)


def _templates(chart: Path) -> dict[str, str]:
    """Template name (``templates/<file>``, as Helm names a chart's files) to text."""
    return {
        path.relative_to(chart).as_posix(): path.read_text()
        for path in sorted((chart / "templates").rglob("*"))
        if path.is_file()
    }


class _ManifestLoader(yaml.SafeLoader):
    """YAML as the API server reads it: timestamps stay strings."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

__all__ = [
    "INSTALLED",
    "MANAGED_BY",
    "RELEASE_NAME",
    "RELEASE_NAMESPACE",
    "Corruption",
    "Step",
    "StoredHistory",
    "StoredRevision",
    "as_config_map",
    "corrupt",
    "kubectl_list",
    "live_objects",
    "upgrades",
]
