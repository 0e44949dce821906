"""Objects to seed: Helm release Secrets as Helm stores them, Deployments, manifest files."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.cluster import api

HELM_RELEASE_TYPE = "helm.sh/release.v1"
"""The ``type`` of a Secret holding a Helm 3/4 release."""

HELM_RELEASE_STATUSES = frozenset(
    {
        "unknown",
        "deployed",
        "uninstalled",
        "superseded",
        "failed",
        "uninstalling",
        "pending-install",
        "pending-upgrade",
        "pending-rollback",
    }
)
"""The release statuses Helm defines (``pkg/release/common/status.go``)."""

_DEPLOYED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # Helm release timestamps by default


def _go_time(moment: dt.datetime) -> str:
    """``time.Time`` as Go's encoding/json writes it (RFC 3339 with nanoseconds, trimmed)."""
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if moment.utcoffset() == dt.timedelta(0) else text


def _go_json(value: Any) -> str:
    """JSON as Go's ``json.Marshal`` writes it: compact, UTF-8, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _sorted(value: Any) -> Any:
    """Go marshals ``map[string]interface{}`` with sorted keys."""
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value


def helm_release_secret(
    release: str,
    namespace: str,
    revision: int,
    status: str,
    values: Mapping[str, Any],
    chart: str = "llama-stack",
    chart_version: str = "0.1.0",
    manifest: str = "",
    *,
    chart_values: Mapping[str, Any] | None = None,
    app_version: str | None = None,
    description: str | None = None,
    notes: str = "",
    deployed_at: dt.datetime = _DEPLOYED,
    labels: Mapping[str, str] | None = None,
    templates: Mapping[str, str] | None = None,
    first_deployed_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A Secret exactly as Helm 3/4's Secret storage driver writes one release revision.

    ``values`` are the user-supplied values (the release's ``config``); ``chart_values``
    the chart's defaults (``chart.values``). ``data.release`` is the API's base64 of
    Helm's own string: base64(gzip(JSON of the release)). ``labels`` are custom release
    labels (``helm install --labels``); Helm's own (``name``, ``owner``, ``status``,
    ``version``, ``modifiedAt``/``createdAt``) win over them, as in Helm. ``templates``
    (name, as ``templates/deployment.yaml``, to text) are the chart's templates, stored as
    Helm's ``chart.File`` (``{"name": ..., "data": base64}``); ``first_deployed_at`` is
    the install time an upgrade keeps (``deployed_at`` when not given).
    """
    if status not in HELM_RELEASE_STATUSES:
        raise ValueError(f"not a Helm release status: {status!r}")
    if revision < 1:
        raise ValueError("Helm revisions start at 1")
    metadata: dict[str, Any] = {"name": chart, "version": chart_version, "apiVersion": "v2"}
    if app_version is not None:
        metadata["appVersion"] = app_version
    metadata["type"] = "application"
    info: dict[str, Any] = {
        "first_deployed": _go_time(first_deployed_at or deployed_at),
        "last_deployed": _go_time(deployed_at),
        "deleted": "",
        "description": description or ("Install complete" if revision == 1 else "Upgrade complete"),
        "status": status,
    }
    if notes:
        info["notes"] = notes
    # Field order and omitempty as in Helm's release.Release and chart.Chart.
    body: dict[str, Any] = {
        "name": release,
        "info": info,
        "chart": {
            "metadata": metadata,
            "lock": None,
            "templates": [
                {"name": name, "data": api.b64(text)} for name, text in (templates or {}).items()
            ],
            "values": _sorted(dict(chart_values or {})),
            "schema": None,
            "files": [],
        },
    }
    if values:
        body["config"] = _sorted(dict(values))
    if manifest:
        body["manifest"] = manifest
    body["version"] = revision
    body["namespace"] = namespace
    helm_string = api.b64(gzip.compress(_go_json(body).encode(), compresslevel=9, mtime=0))
    timestamp = str(int(deployed_at.timestamp()))
    system = {
        "name": release,
        "owner": "helm",
        "status": status,
        "version": str(revision),
        # Create stamps createdAt; every Update (status change) replaces it with modifiedAt.
        ("createdAt" if status.startswith("pending-") else "modifiedAt"): timestamp,
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"sh.helm.release.v1.{release}.v{revision}",
            "namespace": namespace,
            "labels": {**(labels or {}), **system},
        },
        "type": HELM_RELEASE_TYPE,
        "data": {"release": api.b64(helm_string)},
    }


def decode_helm_release(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The release JSON of a Helm release Secret: base64 → base64 → gunzip → JSON."""
    helm_string = base64.b64decode(secret["data"]["release"], validate=True)
    packed = base64.b64decode(helm_string, validate=True)
    if packed[:3] == b"\x1f\x8b\x08":  # Helm reads releases stored before compression too
        packed = gzip.decompress(packed)
    release: dict[str, Any] = json.loads(packed)
    return release


def deployment(
    name: str,
    namespace: str,
    *,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    image: str = "registry.example/llama-stack:0.3.3",
) -> dict[str, Any]:
    """A minimal Deployment the ``kubernetes`` client's strict models accept (one container)."""
    selector = {"app.kubernetes.io/name": name}
    container: dict[str, Any] = {"name": "main", "image": image}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**selector, **(labels or {})},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": selector}, "spec": {"containers": [container]}},
        },
    }


# --- manifests ----------------------------------------------------------------------------------


class _ManifestLoader(yaml.SafeLoader):
    """YAML as the API server reads it: timestamps stay strings (sigs.k8s.io/yaml)."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def objects_from_manifest(
    path: Path | str, *, namespace: str | None = None
) -> list[dict[str, Any]]:
    """The Kubernetes objects of a (multi-document) YAML file, as the cluster would hold them.

    Empty documents are skipped and ``kind: List`` documents unpacked. With ``namespace``,
    namespaced objects without ``metadata.namespace`` get it (as ``kubectl apply -n`` or
    ``helm install -n`` would). Secret ``stringData`` becomes base64 ``data`` here or when
    seeded.
    """
    documents = list(yaml.load_all(Path(path).read_text(), Loader=_ManifestLoader))
    objects: list[dict[str, Any]] = []
    for document in documents:
        if not document:
            continue
        if not isinstance(document, dict):
            raise ValueError(f"{path}: a document is not a mapping: {document!r}")
        if document.get("kind", "").endswith("List") and "items" in document:
            objects.extend(copy.deepcopy(item) for item in document["items"] or [])
        else:
            objects.append(document)
    for obj in objects:
        if namespace is not None:
            known = api.kinds().get((str(obj.get("apiVersion")), str(obj.get("kind"))))
            if known is None or known[1]:
                obj.setdefault("metadata", {}).setdefault("namespace", namespace)
        if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1" and "stringData" in obj:
            string_data = obj.pop("stringData") or {}
            obj["data"] = {
                **(obj.get("data") or {}),
                **{k: api.b64(str(v)) for k, v in string_data.items()},
            }
    return objects
