"""A Helm release as a source: the values of its last deployed revision.

This module owns Helm's storage format (``type: helm.sh/release.v1``,
labels ``owner=helm``, ``name``, ``status``, ``version``; the ``release``
data key holds base64 of gzipped JSON, under the Secret's own base64) and
the rule for which revision counts: the *last deployed* one, never a later
failed or pending one. Only the user-supplied values (``config``) leave this
module; the rest of the release (manifest, chart, hooks) is never returned.
:class:`Release` reads the release's Secrets from a cluster; a release that
cannot be read is a :class:`~migrate.sources.interface.Problem`.

:func:`unpack` turns Helm's own string (``base64(gzip(JSON))``, as the
ConfigMap driver stores it and the Secret driver under one more base64) into
the record, with a bound on the decompressed size; each layer that fails
says which it is, and no message quotes the record's content.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.sources import cluster
from migrate.sources.interface import Problem, Source, SourceError

SECRET_TYPE = "helm.sh/release.v1"
_GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_RECORD = 32 * 1024 * 1024
"""The largest decompressed record read (bytes): a stored release is at most 1 MiB
compressed, and gzip lets a small Secret unpack to gigabytes."""
_LINE_BREAKS = str.maketrans("", "", "\r\n")  # Go's base64 decoder skips them


class ReleaseError(SourceError):
    """A release Secret that cannot be decoded."""


@dataclass(frozen=True)
class Revision:
    """The one revision of a release that a migration starts from."""

    release: str
    namespace: str
    version: int
    values: Mapping[str, Any]  # the user-supplied values (`helm get values`)


class Release(Source[Revision]):
    """The last deployed revision of release ``name`` in ``namespace``, read through
    ``connection`` (its Secrets, selected by label; no other Secret is read)."""

    def __init__(self, connection: cluster.Connection, name: str, namespace: str) -> None:
        self.connection = connection
        self.name = name
        self.namespace = namespace

    def read(self) -> Iterator[Revision | Problem]:
        where = f"release {self.name} in {self.namespace}"
        try:
            secrets = list(
                self.connection.list(cluster.SECRETS, self.namespace, selector=selector(self.name))
            )
            revision = last_deployed(secrets, self.name)
        except (cluster.Fault, ReleaseError) as error:
            yield Problem(f"{where}: {error}")
            return
        if revision is None:
            yield Problem(f"{where} has no deployed revision to start from")
            return
        yield revision


def selector(release: str) -> str:
    """The label selector of every stored revision of ``release``."""
    return f"owner=helm,name={release}"


def last_deployed(secrets: Iterable[Mapping[str, Any]], release: str) -> Revision | None:
    """The highest revision whose status is ``deployed``, decoded; None if there is none."""
    candidates: list[tuple[int, Mapping[str, Any]]] = []
    for secret in secrets:
        metadata = secret.get("metadata") or {}
        labels = metadata.get("labels") or {}
        if secret.get("type") != SECRET_TYPE or labels.get("owner") != "helm":
            continue
        if labels.get("name") != release or labels.get("status") != "deployed":
            continue
        try:
            candidates.append((int(labels.get("version", "")), secret))
        except ValueError:
            continue
    for version, secret in sorted(candidates, key=lambda pair: pair[0], reverse=True):
        decoded = decode(secret)
        info = decoded.get("info") or {}
        if info.get("status") != "deployed":
            continue  # the label and the record disagree: trust the record
        config = decoded.get("config") or {}
        if not isinstance(config, Mapping):
            raise ReleaseError(f"release {release} v{version}: config is not a mapping")
        namespace = str(decoded.get("namespace") or (secret.get("metadata") or {}).get("namespace"))
        return Revision(release, namespace, version, config)
    return None


def decode(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The release record stored in ``secret``."""
    name = (secret.get("metadata") or {}).get("name", "?")
    try:
        return unpack(secret_payload(secret))
    except ReleaseError as error:
        raise ReleaseError(f"Secret {name}: {error}") from None


def secret_payload(secret: Mapping[str, Any]) -> bytes:
    """Helm's string in a release Secret: ``data.release`` without the Secret's base64."""
    stored = (secret.get("data") or {}).get("release")
    if not isinstance(stored, str):
        raise ReleaseError("no release data")
    try:
        return base64.b64decode(stored.translate(_LINE_BREAKS), validate=True)
    except (binascii.Error, ValueError):
        raise ReleaseError("data.release is not valid base64 (the Secret's encoding)") from None


def unpack(helm_string: bytes | str) -> dict[str, Any]:
    """The release record in Helm's own string: base64 of gzipped (or plain) JSON."""
    if isinstance(helm_string, str):
        helm_string = helm_string.translate(_LINE_BREAKS)
    try:
        payload = base64.b64decode(helm_string, validate=True)
    except (binascii.Error, ValueError):
        raise ReleaseError("the release data is not valid base64 (Helm's encoding)") from None
    if payload.startswith(_GZIP_MAGIC):  # Helm reads records stored before compression too
        payload = _gunzip(payload)
    elif len(payload) > MAX_RECORD:
        raise ReleaseError(f"the record is larger than {MAX_RECORD >> 20} MiB: too large")
    try:
        record = json.loads(payload)
    except json.JSONDecodeError as error:
        raise ReleaseError(
            f"the record is not JSON ({error.msg}: line {error.lineno} column {error.colno})"
        ) from None
    except UnicodeDecodeError:
        raise ReleaseError("the record is not JSON (not UTF-8 text)") from None
    except (ValueError, RecursionError):
        raise ReleaseError("the record is not JSON this reader accepts") from None
    if not isinstance(record, dict):
        raise ReleaseError(f"the record is JSON but not an object ({_json_kind(record)})")
    return record


def _gunzip(payload: bytes) -> bytes:
    """``payload`` decompressed, refused past :data:`MAX_RECORD` without unpacking it all."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(payload)) as unpacked:
            data = unpacked.read(MAX_RECORD + 1)
    except (OSError, EOFError, zlib.error):
        raise ReleaseError("the record starts like gzip but is not valid gzip") from None
    if len(data) > MAX_RECORD:
        raise ReleaseError(f"the record is larger than {MAX_RECORD >> 20} MiB unpacked: too large")
    return data


def _json_kind(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
