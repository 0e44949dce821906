"""Live Kubernetes clusters for the test suite, emulated in-process by kmock.

:class:`Emulator` extends kmock 0.8's ``KubernetesEmulator`` with what a
read-only scanner meets on a real API server and kmock leaves out: label and
field selectors, ``limit``/``continue`` paging, list answers that name their
``kind``/``apiVersion``, the cluster-scoped namespace list, and server-filled
metadata. :func:`forbid`, :func:`fail_once` and :func:`delay` inject faults;
:func:`requests` reads the request log.

:func:`running` starts one emulator per kubeconfig context on 127.0.0.1 and
writes a kubeconfig for the official ``kubernetes`` client. That client is
synchronous: called on the event loop that serves the emulators it blocks
them, so tests call it through :func:`asyncio.to_thread`. Build clients with
:func:`api_client`, which sets urllib3 retries explicitly (the default, 3
retries, multiplies every timeout by four).

:func:`helm_release_secret` builds a Secret as Helm 3 and 4 store a release;
:func:`objects_from_manifest` reads the objects of a multi-document YAML file
as a cluster would hold them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import datetime as dt
import functools
import gzip
import http
import importlib.resources
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import kmock
import kubernetes
import yaml
from kmock._internal import parsing as _kmock_parsing

__all__ = [
    "DEFAULT_RESOURCES",
    "FAKE_TOKEN",
    "HELM_RELEASE_STATUSES",
    "HELM_RELEASE_TYPE",
    "Cluster",
    "Emulator",
    "LabelSelectorError",
    "api_client",
    "decode_helm_release",
    "delay",
    "deployment",
    "fail",
    "fail_once",
    "forbid",
    "helm_release_secret",
    "match_labels",
    "objects_from_manifest",
    "requests",
    "running",
]

DEFAULT_RESOURCES: tuple[str, ...] = (
    "apps/v1/deployments",
    "apps/v1/statefulsets",
    "v1/configmaps",
    "v1/secrets",
    "v1/namespaces",
)
"""Resources every :class:`Emulator` declares, so empty lists answer 200."""

FAKE_TOKEN = "kmock-fake-token"
"""The bearer token written into the kubeconfig of :func:`running`."""

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

_CREATED = "2025-01-01T00:00:00Z"  # creationTimestamp of objects seeded without one
_DEPLOYED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # Helm release timestamps by default

# Status reasons the API server puts in error bodies, by HTTP status.
_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


# --- kmock 0.8 cannot parse the cluster-scoped namespace paths ----------------------------------
#
# Its parse_path reads ``/api/v1/namespaces`` as "namespace <missing>" and fails to unpack
# (a 500 before the request is even logged); ``/api/v1/namespaces/NAME`` comes out as a
# namespace with no resource. The wrapper reads both (and NAME/status, NAME/finalize) as the
# ``v1/namespaces`` resource and leaves every other path to kmock.

_ORIGINAL_PARSE_PATH = getattr(_kmock_parsing.parse_path, "__wrapped__", _kmock_parsing.parse_path)


@functools.wraps(_ORIGINAL_PARSE_PATH)
def _parse_path(path: str) -> _kmock_parsing.ParsedPath:
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "api" and parts[2] == "namespaces":
        if len(parts) <= 4:
            name = parts[3] if len(parts) == 4 else None
            return _kmock_parsing.ParsedPath("", parts[1], "namespaces", None, name or None)
        if len(parts) == 5 and parts[4] in {"status", "finalize"}:
            return _kmock_parsing.ParsedPath("", parts[1], "namespaces", None, parts[3], parts[4])
    return _ORIGINAL_PARSE_PATH(path)


_kmock_parsing.parse_path = _parse_path


# --- the catalogue of built-in resources (kind, plural, scope) ----------------------------------


@functools.cache
def _catalogue() -> kmock.ResourcesArray:
    """kmock's bundled discovery data of a recent K3s: built-in resources only.

    Read here rather than by ``ResourcesArray.load_bundled()``, which calls the deprecated
    ``importlib.resources.read_binary`` (an error under ``filterwarnings = error``).
    """
    bundled = importlib.resources.files("kmock._internal").joinpath("resources.json.gz")
    resources = kmock.ResourcesArray()
    resources.load_data(gzip.decompress(bundled.read_bytes()))
    return resources


@functools.cache
def _kinds() -> dict[tuple[str, str], tuple[kmock.resource, bool]]:
    """(apiVersion, kind) to (resource, namespaced) for the built-in resources."""
    index: dict[tuple[str, str], tuple[kmock.resource, bool]] = {}
    for resource in _catalogue():
        info = _catalogue()[resource]
        if info.kind and resource.plural and "/" not in resource.plural:
            index[_api_version(resource), info.kind] = (resource, info.namespaced is not False)
    return index


def _api_version(resource: kmock.resource) -> str:
    if resource.group:
        return f"{resource.group}/{resource.version}"
    return resource.version or ""


# --- label and field selectors ------------------------------------------------------------------


class LabelSelectorError(ValueError):
    """A label or field selector the API server would reject (400 BadRequest)."""


_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SELECTOR_TOKEN = re.compile(r"\s*(?:(==|!=|=|!|\(|\)|,|<|>)|([^\s=!(),<>]+))")


def _check_key(key: str) -> None:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        raise LabelSelectorError(f"invalid label key {key!r}: bad prefix")
    if not _LABEL_NAME.fullmatch(name):
        raise LabelSelectorError(f"invalid label key {key!r}")


def _check_value(value: str) -> None:
    if value and not _LABEL_NAME.fullmatch(value):
        raise LabelSelectorError(f"invalid label value {value!r}")


def _tokens(selector: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(selector):
        if not selector[position:].strip():
            break
        found = _SELECTOR_TOKEN.match(selector, position)
        if found is None:
            raise LabelSelectorError(f"cannot parse selector at {selector[position:]!r}")
        tokens.append(found.group(1) or found.group(2))
        position = found.end()
    return tokens


_Requirement = tuple[str, str, tuple[str, ...]]  # key, operator, values


def _parse_selector(selector: str) -> list[_Requirement]:
    """Parse a label selector as ``k8s.io/apimachinery/pkg/labels.Parse`` does."""
    tokens = _tokens(selector)
    requirements: list[_Requirement] = []
    index = 0

    def take() -> str | None:
        nonlocal index
        token = tokens[index] if index < len(tokens) else None
        index += 1
        return token

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    while index < len(tokens):
        token = take()
        if token == "!":
            key = take()
            if key is None or key in {"=", "==", "!=", "!", "(", ")", ",", "<", ">"}:
                raise LabelSelectorError(f"expected a label key after '!' in {selector!r}")
            _check_key(key)
            requirements.append((key, "!", ()))
        elif token is None or token in {"=", "==", "!=", "(", ")", ",", "<", ">"}:
            raise LabelSelectorError(f"expected a label key in {selector!r}")
        else:
            key = token
            _check_key(key)
            operator = peek()
            if operator is None or operator == ",":
                requirements.append((key, "exists", ()))
            elif operator in {"=", "==", "!="}:
                take()
                value = peek()
                if value is None or value == ",":
                    value = ""  # ``a=`` selects the empty value
                else:
                    take()
                _check_value(value)
                requirements.append((key, "!=" if operator == "!=" else "=", (value,)))
            elif operator in {"in", "notin"}:
                take()
                if take() != "(":
                    raise LabelSelectorError(f"expected '(' after {operator!r} in {selector!r}")
                values: list[str] = []
                while True:
                    value = take()
                    if value == ")" and not values:
                        raise LabelSelectorError(f"empty set after {operator!r} in {selector!r}")
                    if value is None or value in {"(", "=", "==", "!=", "!", "<", ">"}:
                        raise LabelSelectorError(f"unterminated set in {selector!r}")
                    if value in {",", ")"}:
                        values.append("")
                    else:
                        values.append(value)
                        value = take()
                    if value == ")":
                        break
                    if value != ",":
                        raise LabelSelectorError(f"expected ',' or ')' in {selector!r}")
                for value in values:
                    _check_value(value)
                requirements.append((key, operator, tuple(values)))
            elif operator in {"<", ">"}:
                take()
                value = take()
                if value is None or not re.fullmatch(r"-?\d+", value):
                    raise LabelSelectorError(f"expected an integer after {operator!r}")
                requirements.append((key, operator, (value,)))
            else:
                raise LabelSelectorError(f"unexpected {operator!r} after {key!r} in {selector!r}")
        separator = take()
        if separator is not None and separator != ",":
            raise LabelSelectorError(f"expected ',' in {selector!r}, got {separator!r}")
        if separator == "," and peek() is None:
            raise LabelSelectorError(f"trailing ',' in {selector!r}")
    return requirements


def _satisfies(labels: Mapping[str, str], requirement: _Requirement) -> bool:
    key, operator, values = requirement
    present = key in labels
    value = labels.get(key)
    match operator:
        case "exists":
            return present
        case "!":
            return not present
        case "=" | "in":
            return present and value in values
        case "!=" | "notin":
            return not present or value not in values
        case "<" | ">":
            if value is None or not re.fullmatch(r"-?\d+", value):
                return False
            number, bound = int(value), int(values[0])
            return number < bound if operator == "<" else number > bound
    raise AssertionError(operator)  # pragma: no cover


def match_labels(selector: str, labels: Mapping[str, str] | None) -> bool:
    """Whether ``labels`` satisfy the label ``selector`` (raises :class:`LabelSelectorError`)."""
    return all(_satisfies(labels or {}, r) for r in _parse_selector(selector))


_FIELD_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*([^,]*?)\s*")


def _match_fields(selector: str, obj: Mapping[str, Any]) -> bool:
    """Field selectors on ``metadata.name`` and ``metadata.namespace`` (and Secret ``type``)."""
    meta = obj.get("metadata") or {}
    fields = {
        "metadata.name": meta.get("name") or "",
        "metadata.namespace": meta.get("namespace") or "",
    }
    if "type" in obj:
        fields["type"] = obj["type"]
    for part in selector.split(","):
        if not part.strip():
            continue
        found = _FIELD_REQUIREMENT.fullmatch(part)
        if found is None:
            raise LabelSelectorError(f"invalid field selector {part!r}")
        name, operator, value = found.groups()
        if name not in {"metadata.name", "metadata.namespace", "type"}:
            raise LabelSelectorError(f'field label not supported: "{name}"')
        actual = fields.get(name, "")
        if (actual == value) != (operator in {"=", "=="}):
            return False
    return True


# --- continue tokens ----------------------------------------------------------------------------


def _encode_continue(scope: str, revision: int, key: tuple[str, str]) -> str:
    payload = json.dumps({"v": 1, "scope": scope, "rv": revision, "start": list(key)})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[str, int, tuple[str, str]]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        start = payload["start"]
        return str(payload["scope"]), int(payload["rv"]), (str(start[0]), str(start[1]))
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
        raise kmock.KubernetesError(
            status=400,
            reason="BadRequest",
            message=f"continue key is not valid: {exc}",
        ) from exc


# --- the emulator -------------------------------------------------------------------------------


@attrs.define
class _Delay:
    view: kmock.View
    seconds: float
    remaining: int | None  # None: every matching request


def _status(code: int, message: str, **details: Any) -> dict[str, Any]:
    """A ``v1/Status`` failure body as the API server sends it."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": _REASONS.get(code, http.HTTPStatus(code).phrase.replace(" ", "")),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode("ascii")


@attrs.define(kw_only=True)
class Emulator(kmock.KubernetesEmulator):
    """kmock's ``KubernetesEmulator`` with what a read-only scanner meets on a real API server.

    * Lists honour ``labelSelector`` (``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``,
      ``a in (x,y)``, ``a notin (x)``, ``a>1``, ``a<1``, comma-joined),
      ``fieldSelector`` (``metadata.name``, ``metadata.namespace``, Secret ``type``;
      other fields answer 400 as the server does), ``limit`` and ``continue``.
      Items come in (namespace, name) order; ``metadata.continue`` is an opaque token
      while more remain (then also ``remainingItemCount``, when no selector is given,
      as the server does); a bad token answers 400; :meth:`expire_continue_tokens`
      makes older tokens answer 410. Pages are read live, not from one snapshot.
    * List answers carry ``kind`` (``DeploymentList``), ``apiVersion`` and
      ``metadata.resourceVersion``; items are stored objects as seeded (with
      ``apiVersion``/``kind`` only when seeded with them).
    * ``GET /api/v1/namespaces`` and ``/api/v1/namespaces/NAME`` answer the seeded
      Namespace objects plus every namespace holding a seeded object.
    * :meth:`seed` stores objects by their ``apiVersion``/``kind``, turns Secret
      ``stringData`` into ``data``, fills ``uid`` and ``creationTimestamp`` when absent
      and sets ``resourceVersion`` (a counter, as on every write to a server).
    * ``declared`` resources (by default :data:`DEFAULT_RESOURCES`) answer empty
      lists with 200 instead of kmock's 404.

    Watches are served by kmock unchanged (no selectors); PUT is not handled.
    """

    declared: tuple[str, ...] = DEFAULT_RESOURCES
    _delays: list[_Delay] = attrs.field(factory=list, init=False)
    _revision: int = attrs.field(default=1, init=False)
    _continue_floor: int = attrs.field(default=0, init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.declare(*self.declared)

    # Declaring and seeding.

    def declare(self, *resources: str, kind: str | None = None, namespaced: bool = True) -> None:
        """Declare resources (``"apps/v1/deployments"``) so that empty lists answer 200.

        Built-in resources take kind and scope from kmock's bundled discovery data;
        others (custom resources) take ``kind`` and ``namespaced`` from the arguments.
        """
        for name in resources:
            resource = kmock.resource(name)
            if resource in self.resources:
                continue
            if resource in _catalogue():
                self.resources[resource] = copy.deepcopy(_catalogue()[resource])
            else:
                self.resources[resource] = kmock.ResourceInfo(kind=kind, namespaced=namespaced)

    def _resource_of(self, api_version: str, kind: str) -> tuple[kmock.resource, bool]:
        for resource in self.resources:
            info = self.resources[resource]
            if (_api_version(resource), info.kind) == (api_version, kind):
                return resource, info.namespaced is not False
        if (api_version, kind) in _kinds():
            return _kinds()[api_version, kind]
        raise ValueError(
            f"unknown kind {api_version}/{kind}: declare it first, e.g. "
            f"emulator.declare('{api_version}/<plural>', kind={kind!r})"
        )

    def _next_revision(self) -> int:
        self._revision += 1
        return self._revision

    def seed(self, objects: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> None:
        """Store objects as the cluster would hold them, routed by ``apiVersion``/``kind``."""
        for source in [objects] if isinstance(objects, Mapping) else objects:
            obj = copy.deepcopy(dict(source))
            resource, namespaced = self._resource_of(obj["apiVersion"], obj["kind"])
            meta = obj.setdefault("metadata", {})
            name = meta["name"]
            namespace = meta.get("namespace") if namespaced else None
            if namespaced and not namespace:
                raise ValueError(f"{obj['kind']} {name!r} needs metadata.namespace to be seeded")
            if not namespaced:
                meta.pop("namespace", None)
            if obj["kind"] == "Secret" and obj.get("apiVersion") == "v1":
                string_data = obj.pop("stringData", None) or {}
                obj["data"] = {
                    **(obj.get("data") or {}),
                    **{k: _b64(str(v)) for k, v in string_data.items()},
                }
                obj.setdefault("type", "Opaque")
            if obj["kind"] == "Namespace" and obj.get("apiVersion") == "v1":
                meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": name}
            meta.setdefault(
                "uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{resource}/{namespace}/{name}"))
            )
            meta.setdefault("creationTimestamp", _CREATED)
            meta["resourceVersion"] = str(self._next_revision())
            self.objects[resource, namespace, name] = obj

    def expire_continue_tokens(self) -> None:
        """Make every continue token handed out so far answer 410 Expired."""
        self._continue_floor = self._next_revision()

    # Serving.

    def _namespace_objects(self) -> dict[str, dict[str, Any]]:
        namespaces: dict[str, dict[str, Any]] = {}
        for (resource, namespace, name), obj in self.objects.items():
            if obj.deleted:
                continue
            if resource == kmock.resource("v1/namespaces"):
                namespaces[name] = obj.raw
            elif namespace and namespace not in namespaces:
                namespaces[namespace] = {
                    "metadata": {
                        "name": namespace,
                        "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"namespace/{namespace}")),
                        "resourceVersion": "1",
                        "creationTimestamp": _CREATED,
                        "labels": {"kubernetes.io/metadata.name": namespace},
                    },
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }
        return namespaces

    def _kind(self, resource: kmock.resource) -> str:
        if resource in self.resources and self.resources[resource].kind:
            return str(self.resources[resource].kind)
        if resource in _catalogue() and _catalogue()[resource].kind:
            return str(_catalogue()[resource].kind)
        for (stored, _, _), obj in self.objects.items():
            if stored == resource and not obj.deleted and obj.raw.get("kind"):
                return str(obj.raw["kind"])
        plural = resource.plural or ""
        return plural[:1].upper() + plural[1:].removesuffix("s")

    async def _handle(self, request: kmock.Request) -> Any:
        for rule in list(self._delays):
            if rule.remaining == 0 or request not in rule.view:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            await asyncio.sleep(rule.seconds)
        return await super()._handle(request)

    async def _serve_fetch(self, request: kmock.Request) -> kmock.Payload:
        if request.resource == kmock.resource("v1/namespaces") and request.name:
            found = self._namespace_objects().get(request.name)
            if found is None:
                raise kmock.KubernetesError(
                    status=404,
                    reason="NotFound",
                    message=f'namespaces "{request.name}" not found',
                    details={"name": request.name, "kind": "namespaces"},
                )
            return {"kind": "Namespace", "apiVersion": "v1", **found}
        return await super()._serve_fetch(request)

    async def _serve_list(self, request: kmock.Request) -> kmock.Payload:
        resource = request.resource
        namespaces = resource == kmock.resource("v1/namespaces")
        if resource is None or (not namespaces and resource not in self._get_resources()):
            raise kmock.KubernetesResourceNotFoundError()

        rows: list[tuple[tuple[str, str], dict[str, Any]]] = []
        if namespaces:
            rows = [(("", name), obj) for name, obj in self._namespace_objects().items()]
        else:
            for (stored, namespace, name), obj in self.objects.items():
                if stored != resource or obj.deleted:
                    continue
                if request.namespace is not None and namespace != request.namespace:
                    continue
                rows.append(((namespace or "", name), obj.raw))
        rows.sort(key=lambda row: row[0])

        params = request.params
        label_selector = params.get("labelSelector", "")
        field_selector = params.get("fieldSelector", "")
        try:
            if label_selector:
                requirements = _parse_selector(label_selector)
                rows = [
                    row
                    for row in rows
                    if all(
                        _satisfies((row[1].get("metadata") or {}).get("labels") or {}, r)
                        for r in requirements
                    )
                ]
            if field_selector:
                rows = [row for row in rows if _match_fields(field_selector, row[1])]
        except LabelSelectorError as exc:
            raise kmock.KubernetesError(status=400, reason="BadRequest", message=str(exc)) from exc

        scope = f"{_api_version(resource)}/{resource.plural}/{request.namespace or ''}"
        revision = self._revision
        if token := params.get("continue"):
            token_scope, revision, start = _decode_continue(token)
            if token_scope != scope:
                raise kmock.KubernetesError(
                    status=400,
                    reason="BadRequest",
                    message="continue key is not valid: it was issued for another list",
                )
            if revision < self._continue_floor:
                raise kmock.KubernetesError(
                    status=410,
                    reason="Expired",
                    message=(
                        "The provided continue parameter is too old to display a consistent "
                        "list result. You can start a new list without the continue parameter."
                    ),
                )
            rows = [row for row in rows if row[0] > start]

        try:
            limit = int(params.get("limit") or 0)
        except ValueError as exc:
            raise kmock.KubernetesError(
                status=400, reason="BadRequest", message=f"invalid limit: {exc}"
            ) from exc
        page, rest = (rows[:limit], rows[limit:]) if limit > 0 else (rows, [])

        metadata: dict[str, Any] = {"resourceVersion": str(self._revision)}
        if rest:
            metadata["continue"] = _encode_continue(scope, revision, page[-1][0])
            if not label_selector and not field_selector:
                metadata["remainingItemCount"] = len(rest)
        return {
            "kind": f"{self._kind(resource)}List",
            "apiVersion": _api_version(resource),
            "metadata": metadata,
            "items": [obj for _, obj in page],
        }


# --- fault injection ----------------------------------------------------------------------------

_VERBS = {
    "LIST": "list",
    "WATCH": "watch",
    "FETCH": "get",
    "CREATE": "create",
    "UPDATE": "patch",
    "DELETE": "delete",
}


def forbid(emulator: Emulator, resource: str, namespace: str | None) -> kmock.View:
    """Answer 403 (a ``v1/Status`` body) to every request on ``resource`` in ``namespace``.

    ``namespace=None`` forbids the requests across all namespaces (``/apis/apps/v1/deployments``),
    as RBAC does for a user without a ClusterRole; ``"*"`` forbids it in every namespace.
    """
    target = kmock.resource(resource)

    def body(request: kmock.Request) -> dict[str, Any]:
        verb = _VERBS.get(request.action.name if request.action else "", request.method.lower())
        group = target.group or ""
        where = (
            f'in the namespace "{request.namespace}"'
            if request.namespace
            else "at the cluster scope"
        )
        qualified = f"{target.plural}.{group}" if group else str(target.plural)
        return _status(
            403,
            f'{qualified} is forbidden: User "system:serviceaccount:test:scanner" cannot {verb} '
            f'resource "{target.plural}" in API group "{group}" {where}',
            group=group,
            kind=target.plural,
        )

    return emulator[target, kmock.namespace(namespace)] << 403 << body


def fail(
    emulator: Emulator,
    pattern: kmock.Criterion,
    status: int = 500,
    *,
    times: int = 1,
    message: str | None = None,
) -> kmock.View:
    """Answer ``status`` (with a ``v1/Status`` body) to the next ``times`` matching requests.

    ``pattern`` is any kmock criterion, usually ``"GET /apis/apps/v1/deployments"``
    (paths are globs: ``"GET /api/v1/namespaces/*/secrets"``; ``?a=b`` requires that
    query parameter). Requests after those answer normally.
    """
    view = emulator[pattern]
    seen = len(view)
    text = message or f"injected failure ({status})"
    return view[seen : seen + times] << status << _status(status, text)


def fail_once(emulator: Emulator, pattern: kmock.Criterion, status: int = 500) -> kmock.View:
    """Answer ``status`` to the next request matching ``pattern`` only."""
    return fail(emulator, pattern, status, times=1)


def delay(
    emulator: Emulator, pattern: kmock.Criterion, seconds: float, *, times: int | None = None
) -> None:
    """Hold the answer to requests matching ``pattern`` for ``seconds`` (every one, or ``times``).

    kmock's own form (``<< (lambda: asyncio.sleep(s))``) delays one request only: a reaction
    that yields no content is disabled after its first use. This one lives in the emulator.
    A server shutting down cancels the held requests.
    """
    emulator._delays.append(_Delay(emulator[pattern], seconds, times))


def requests(emulator: Emulator) -> list[tuple[str, str, dict[str, str]]]:
    """The requests served so far: (method, path, query parameters), in order of arrival."""
    return [(str(r.method.value), r.url.path, dict(r.params)) for r in emulator]


# --- clusters and kubeconfigs -------------------------------------------------------------------


def _kubeconfig(servers: Mapping[str, str], current: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": n, "user": {"token": FAKE_TOKEN}} for n in servers],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in servers],
        "current-context": current,
    }


@dataclass
class Cluster:
    """Running emulators, one per kubeconfig context (see :func:`running`)."""

    kubeconfig: Path
    """A kubeconfig with one cluster/user/context per name; current-context is the first."""
    emulators: dict[str, Emulator]
    urls: dict[str, str]
    directory: Path
    refused_url: str = field(repr=False)
    """An http URL on 127.0.0.1 whose port refuses connections (bound, not listening)."""

    @property
    def contexts(self) -> list[str]:
        return list(self.emulators)

    def seed(self, context: str, objects: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> None:
        """Store objects in the cluster of ``context`` (see :meth:`Emulator.seed`)."""
        self.emulators[context].seed(objects)

    def unreachable_kubeconfig(
        self, directory: Path | None = None, *, context: str = "unreachable"
    ) -> Path:
        """A kubeconfig with the live contexts plus ``context``, whose server refuses connections.

        Its current-context is ``context``.
        """
        servers = {**self.urls, context: self.refused_url}
        path = (directory or self.directory) / f"kubeconfig-{context}.yaml"
        path.write_text(yaml.safe_dump(_kubeconfig(servers, context), sort_keys=False))
        return path


@contextlib.contextmanager
def _refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound (so nobody takes it), not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running(contexts: Sequence[str] = ("main",), *, tmp_path: Path) -> AsyncIterator[Cluster]:
    """Start one :class:`Emulator` with a ``kmock.Server`` on 127.0.0.1 per context name.

    Writes ``tmp_path/kubeconfig.yaml`` (token auth with :data:`FAKE_TOKEN`, plain http).
    Call the synchronous ``kubernetes`` client through ``asyncio.to_thread``.
    """
    if isinstance(contexts, str):
        raise TypeError("contexts is a sequence of names, not one string")
    if not contexts or len(set(contexts)) != len(contexts):
        raise ValueError(f"need distinct context names, got {contexts!r}")
    async with contextlib.AsyncExitStack() as stack:
        emulators: dict[str, Emulator] = {}
        urls: dict[str, str] = {}
        for name in contexts:
            emulator = await stack.enter_async_context(Emulator())
            server = await stack.enter_async_context(kmock.Server(emulator))
            emulators[name] = emulator
            urls[name] = str(server.url).rstrip("/")
        port = stack.enter_context(_refusing_port())
        kubeconfig = tmp_path / "kubeconfig.yaml"
        kubeconfig.write_text(yaml.safe_dump(_kubeconfig(urls, contexts[0]), sort_keys=False))
        yield Cluster(
            kubeconfig=kubeconfig,
            emulators=emulators,
            urls=urls,
            directory=tmp_path,
            refused_url=f"http://127.0.0.1:{port}",
        )


def api_client(
    kubeconfig: Path, context: str | None = None, *, retries: int = 0
) -> kubernetes.client.ApiClient:
    """A ``kubernetes`` API client for ``context`` of ``kubeconfig``, with explicit retries.

    urllib3 retries every failed connection or read 3 times by default, so a 1 s timeout
    takes 4 s; here they default to 0. Close the client (``with api_client(...) as api:``).
    """
    configuration = kubernetes.client.Configuration()
    # Untyped in kubernetes 37 (which ships py.typed); through Any, mypy accepts it either way.
    load_kube_config: Any = kubernetes.config.load_kube_config
    load_kube_config(
        config_file=str(kubeconfig),
        context=context,
        client_configuration=configuration,
        persist_config=False,
    )
    configuration.retries = retries
    return kubernetes.client.ApiClient(configuration)


# --- Helm release secrets -----------------------------------------------------------------------


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
) -> dict[str, Any]:
    """A Secret exactly as Helm 3/4's Secret storage driver writes one release revision.

    ``values`` are the user-supplied values (the release's ``config``); ``chart_values``
    the chart's defaults (``chart.values``). ``data.release`` is the API's base64 of
    Helm's own string: base64(gzip(JSON of the release)). ``labels`` are custom release
    labels (``helm install --labels``); Helm's own (``name``, ``owner``, ``status``,
    ``version``, ``modifiedAt``/``createdAt``) win over them, as in Helm.
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
        "first_deployed": _go_time(deployed_at),
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
            "templates": [],
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
    helm_string = _b64(gzip.compress(_go_json(body).encode(), compresslevel=9, mtime=0))
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
        "data": {"release": _b64(helm_string)},
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
            known = _kinds().get((str(obj.get("apiVersion")), str(obj.get("kind"))))
            if known is None or known[1]:
                obj.setdefault("metadata", {}).setdefault("namespace", namespace)
        if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1" and "stringData" in obj:
            string_data = obj.pop("stringData") or {}
            obj["data"] = {
                **(obj.get("data") or {}),
                **{k: _b64(str(v)) for k, v in string_data.items()},
            }
    return objects
