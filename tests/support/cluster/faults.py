"""Fault injection and the request log of an :class:`~tests.support.cluster.emulator.Emulator`."""

from __future__ import annotations

from typing import Any

import kmock

from tests.support.cluster import api
from tests.support.cluster.emulator import Delay, Emulator

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
        return api.status_body(
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
    return view[seen : seen + times] << status << api.status_body(status, text)


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
    emulator._delays.append(Delay(emulator[pattern], seconds, times))


def requests(emulator: Emulator) -> list[tuple[str, str, dict[str, str]]]:
    """The requests served so far: (method, path, query parameters), in order of arrival."""
    return [(str(r.method.value), r.url.path, dict(r.params)) for r in emulator]
