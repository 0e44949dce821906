"""The emulator: kmock's ``KubernetesEmulator`` with what a read-only scanner meets on a real
API server (selectors, paging with continue tokens, list kinds, namespaces, seeding)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import kmock

from tests.support.cluster import api, selectors

DEFAULT_RESOURCES: tuple[str, ...] = (
    "apps/v1/deployments",
    "apps/v1/statefulsets",
    "v1/configmaps",
    "v1/secrets",
    "v1/namespaces",
)
"""Resources every :class:`Emulator` declares, so empty lists answer 200."""


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
class Delay:
    """A hold on the requests matching ``view`` (see :func:`tests.support.cluster.faults.delay`)."""

    view: kmock.View
    seconds: float
    remaining: int | None  # None: every matching request


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

    * ``latency`` (seconds) holds every answer that long, as a distant API server
      does; ``in_flight`` counts the requests being served now and ``peak_in_flight``
      the most ever served at once (what a client's bound on connections must hold).

    Watches are served by kmock unchanged (no selectors); PUT is not handled.
    """

    declared: tuple[str, ...] = DEFAULT_RESOURCES
    latency: float = 0.0
    in_flight: int = attrs.field(default=0, init=False)
    peak_in_flight: int = attrs.field(default=0, init=False)
    _delays: list[Delay] = attrs.field(factory=list, init=False)
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
            if resource in api.catalogue():
                self.resources[resource] = copy.deepcopy(api.catalogue()[resource])
            else:
                self.resources[resource] = kmock.ResourceInfo(kind=kind, namespaced=namespaced)

    def _resource_of(self, api_version: str, kind: str) -> tuple[kmock.resource, bool]:
        for resource in self.resources:
            info = self.resources[resource]
            if (api.api_version(resource), info.kind) == (api_version, kind):
                return resource, info.namespaced is not False
        if (api_version, kind) in api.kinds():
            return api.kinds()[api_version, kind]
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
                    **{k: api.b64(str(v)) for k, v in string_data.items()},
                }
                obj.setdefault("type", "Opaque")
            if obj["kind"] == "Namespace" and obj.get("apiVersion") == "v1":
                meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": name}
            meta.setdefault(
                "uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{resource}/{namespace}/{name}"))
            )
            meta.setdefault("creationTimestamp", api.CREATED)
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
                        "creationTimestamp": api.CREATED,
                        "labels": {"kubernetes.io/metadata.name": namespace},
                    },
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }
        return namespaces

    def _kind(self, resource: kmock.resource) -> str:
        if resource in self.resources and self.resources[resource].kind:
            return str(self.resources[resource].kind)
        if resource in api.catalogue() and api.catalogue()[resource].kind:
            return str(api.catalogue()[resource].kind)
        for (stored, _, _), obj in self.objects.items():
            if stored == resource and not obj.deleted and obj.raw.get("kind"):
                return str(obj.raw["kind"])
        plural = resource.plural or ""
        return plural[:1].upper() + plural[1:].removesuffix("s")

    async def _handle(self, request: kmock.Request) -> Any:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return await self._delayed(request)
        finally:
            self.in_flight -= 1

    async def _delayed(self, request: kmock.Request) -> Any:
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
                requirements = selectors.parse_selector(label_selector)
                rows = [
                    row
                    for row in rows
                    if all(
                        selectors.satisfies((row[1].get("metadata") or {}).get("labels") or {}, r)
                        for r in requirements
                    )
                ]
            if field_selector:
                rows = [row for row in rows if selectors.match_fields(field_selector, row[1])]
        except selectors.LabelSelectorError as exc:
            raise kmock.KubernetesError(status=400, reason="BadRequest", message=str(exc)) from exc

        scope = f"{api.api_version(resource)}/{resource.plural}/{request.namespace or ''}"
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
            "apiVersion": api.api_version(resource),
            "metadata": metadata,
            "items": [obj for _, obj in page],
        }
