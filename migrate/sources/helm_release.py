"""A Helm release as a source: the values of its last deployed revision.

This module owns Helm's storage format (``type: helm.sh/release.v1``,
labels ``owner=helm``, ``name``, ``status``, ``version``; the ``release``
data key holds base64 of gzipped JSON, under the Secret's own base64) and
the rule for which revision counts: the *last deployed* one, never a later
failed or pending one. Only the user-supplied values (``config``) leave this
module; the rest of the release (manifest, chart, hooks) is never returned.
:class:`Release` reads the release's Secrets from a cluster; a release that
cannot be read is a :class:`~migrate.sources.interface.Problem`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.sources import cluster
from migrate.sources.interface import Problem, Source, SourceError

SECRET_TYPE = "helm.sh/release.v1"
_GZIP_MAGIC = b"\x1f\x8b\x08"


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
    data = secret.get("data") or {}
    stored = data.get("release")
    if not isinstance(stored, str):
        raise ReleaseError(f"Secret {name}: no release data")
    try:
        helm_text = base64.b64decode(stored, validate=True)  # the Secret's own encoding
        payload = base64.b64decode(helm_text, validate=True)  # Helm's
        if payload.startswith(_GZIP_MAGIC):
            payload = gzip.decompress(payload)
        record = json.loads(payload)
    except (binascii.Error, OSError, EOFError, zlib.error, ValueError) as error:
        raise ReleaseError(f"Secret {name}: not a Helm release record ({error})") from None
    if not isinstance(record, dict):
        raise ReleaseError(f"Secret {name}: not a Helm release record")
    return record
