"""What the emulator's parts share about a real API server that kmock 0.8 lacks.

This module owns reading the cluster-scoped namespace paths kmock cannot
parse, the built-in resources (kind, plural, scope) from kmock's bundled
discovery data, and the ``v1/Status`` bodies and base64 of the API.
"""

from __future__ import annotations

import base64
import functools
import gzip
import http
import importlib.resources
from typing import Any

import kmock
from kmock._internal import parsing as _kmock_parsing

CREATED = "2025-01-01T00:00:00Z"  # creationTimestamp of objects seeded without one

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
def catalogue() -> kmock.ResourcesArray:
    """kmock's bundled discovery data of a recent K3s: built-in resources only.

    Read here rather than by ``ResourcesArray.load_bundled()``, which calls the deprecated
    ``importlib.resources.read_binary`` (an error under ``filterwarnings = error``).
    """
    bundled = importlib.resources.files("kmock._internal").joinpath("resources.json.gz")
    resources = kmock.ResourcesArray()
    resources.load_data(gzip.decompress(bundled.read_bytes()))
    return resources


@functools.cache
def kinds() -> dict[tuple[str, str], tuple[kmock.resource, bool]]:
    """(apiVersion, kind) to (resource, namespaced) for the built-in resources."""
    index: dict[tuple[str, str], tuple[kmock.resource, bool]] = {}
    for resource in catalogue():
        info = catalogue()[resource]
        if info.kind and resource.plural and "/" not in resource.plural:
            index[api_version(resource), info.kind] = (resource, info.namespaced is not False)
    return index


def api_version(resource: kmock.resource) -> str:
    if resource.group:
        return f"{resource.group}/{resource.version}"
    return resource.version or ""


def status_body(code: int, message: str, **details: Any) -> dict[str, Any]:
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


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode("ascii")
