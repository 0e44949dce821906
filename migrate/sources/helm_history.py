"""A Helm release's whole history as a source: every stored revision, as values.

This module owns reading all the revision records Helm keeps of one release
(its Secrets driver, ``helm.sh/release.v1``, and its ConfigMap driver), from
a cluster (:class:`ReleaseHistory`, GET requests only) or from files that
``kubectl get secret -o yaml`` wrote (:func:`exported`), and saying which
revisions could not be read and why: a record that does not decode, one
whose labels and content disagree, a version missing between the lowest and
the highest found. Those are lines of :attr:`History.problems`, never
exceptions; a failed or pending revision is read like any other, its status
says what it is. Decoding one record is :mod:`migrate.sources.helm_release`'s.

Unlike the last deployed values, a history carries each revision's manifest
and chart (templates, defaults): what ran is compared across an upgrade.
No message quotes a value of a record.

Over 400 lines: the three ways of reading records (one release from a
cluster, up to twenty of a namespace at once, exported files) share one
decoding and its checks, which belong with them.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.sources import cluster, manifests
from migrate.sources.helm_release import ReleaseError, secret_payload, selector, unpack
from migrate.sources.interface import Problem, Source

SECRET = "secret"
CONFIG_MAP = "configmap"
_DRIVERS = {"Secret": SECRET, "ConfigMap": CONFIG_MAP}
_LISTED_GAP = 1000  # a longer run of missing versions is a line, not each of its numbers
SET_SIZE = 20  # releases named in one request's label selector (``name in (...)``)
# A label value (Kubernetes' rule): only these may be named in a selector's set.
_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
MISSING = "deleted, or never stored — Helm cannot store a release over 1 MiB in a Secret"


@dataclass(frozen=True)
class StoredRevision:
    """One revision of a release as Helm stored it."""

    release: str
    namespace: str
    version: int
    status: str  # info.status of the record: deployed, superseded, failed, pending-install, ...
    values: Mapping[str, Any]  # the user-supplied values (record "config"), {} if none
    manifest: str  # the rendered manifest text (record "manifest"), "" if none
    chart: str  # "<name>-<version>" from chart.metadata, "" if unknown
    deployed: str  # info.last_deployed as stored (a timestamp string), "" if none
    chart_templates: Mapping[str, str]  # template name -> text (chart.templates), {} if none
    chart_values: Mapping[str, Any]  # the chart's own defaults (chart.values), {} if none


@dataclass(frozen=True)
class History:
    """Every revision of one release that could be read, and why the others could not."""

    release: str
    namespace: str
    revisions: tuple[StoredRevision, ...]  # every revision read, ascending version
    problems: tuple[str, ...]  # one line per revision or object not read, naming it and why
    driver: str  # "secret" or "configmap": where the records were found; "" when none were
    missing: tuple[int, ...] = ()  # versions absent between the lowest and highest found
    # (a run of more than 1,000 is in problems only: a label can say any number)
    unreadable: tuple[int, ...] = ()  # versions found (by label) whose record was not read

    def revision(self, version: int) -> StoredRevision | None:
        """The revision numbered ``version``, if it was read."""
        return next((r for r in self.revisions if r.version == version), None)


class ReleaseHistory(Source[History]):
    """Every stored revision of release ``name`` in ``namespace``, read through
    ``connection``: its Secrets, selected by label, or, when there are none, its
    ConfigMaps (Helm's configmap driver). No other object is read."""

    def __init__(self, connection: cluster.Connection, name: str, namespace: str) -> None:
        self.connection = connection
        self.name = name
        self.namespace = namespace

    def read(self) -> Iterator[History | Problem]:
        wanted = selector(self.name)
        try:
            objects = list(self.connection.list(cluster.SECRETS, self.namespace, selector=wanted))
            if not objects:
                objects = list(
                    self.connection.list(cluster.CONFIG_MAPS, self.namespace, selector=wanted)
                )
        except cluster.Fault as error:
            yield Problem(f"release {self.name} in {self.namespace}: {error}")
            return
        yield history(objects, self.name, self.namespace)


def groups(names: Sequence[str]) -> list[tuple[str, ...]]:
    """``names`` (releases of one namespace) in groups read by one :func:`read_many` each:
    up to :data:`SET_SIZE` that are label values, in order; any other name alone."""
    found: list[tuple[str, ...]] = []
    setting: list[str] = []
    for name in dict.fromkeys(names):
        if not _LABEL_VALUE.fullmatch(name):
            found.append((name,))
            continue
        setting.append(name)
        if len(setting) == SET_SIZE:
            found.append(tuple(setting))
            setting = []
    if setting:
        found.append(tuple(setting))
    return found


def read_many(
    connection: cluster.Connection, namespace: str, names: Sequence[str]
) -> dict[str, History | Problem]:
    """The histories of releases ``names`` of ``namespace``, as :class:`ReleaseHistory`
    reads each, in two requests at most: the Secrets of them all (one label selector
    names every release), then the ConfigMaps of those with no Secret."""
    secrets = records(connection, cluster.SECRETS, namespace, names)
    left = [name for name in names if isinstance(secrets, cluster.Fault) or not secrets[name]]
    if isinstance(secrets, cluster.Fault) or not left:
        return histories(names, namespace, secrets, {})
    return histories(
        names, namespace, secrets, records(connection, cluster.CONFIG_MAPS, namespace, left)
    )


Records = dict[str, list[Mapping[str, Any]]]


def records(
    connection: cluster.Connection,
    resource: cluster.Resource,
    namespace: str,
    names: Sequence[str],
) -> Records | cluster.Fault:
    """The release records of ``names`` of ``namespace`` stored as ``resource`` (Secrets or
    ConfigMaps), by release, in one list; or the fault that stopped the list."""
    wanted = selector(names[0]) if len(names) == 1 else f"owner=helm,name in ({','.join(names)})"
    found: Records = {name: [] for name in names}
    try:
        for item in connection.list(resource, namespace, selector=wanted):
            release = _labels(item).get("name")
            if isinstance(release, str) and release in found:
                found[release].append(item)
    except cluster.Fault as fault:
        return fault
    return found


def histories(
    names: Sequence[str],
    namespace: str,
    secrets: Records | cluster.Fault,
    config_maps: Records | cluster.Fault,
) -> dict[str, History | Problem]:
    """Each release's history from its Secrets, or, having none, its ConfigMaps (Helm's
    two drivers); a list's fault is a problem of each release it leaves unread."""
    found: dict[str, History | Problem] = {}
    for name in names:
        stored = secrets if isinstance(secrets, cluster.Fault) or secrets[name] else config_maps
        if isinstance(stored, cluster.Fault):
            found[name] = Problem(f"release {name} in {namespace}: {stored}")
        else:
            found[name] = history(stored.get(name, ()), name, namespace)
    return found


def history(objects: Iterable[Mapping[str, Any]], release: str, namespace: str) -> History:
    """The history of ``release`` in ``namespace`` stored in ``objects`` (Secrets and/or
    ConfigMaps; objects of other releases or namespaces are passed over)."""
    return _history(((_name(obj, namespace), obj) for obj in objects), release, namespace)


def exported(paths: Sequence[Path]) -> Iterator[History | Problem]:
    """The histories in YAML files as ``kubectl get secret -l owner=helm -o yaml`` writes
    them (a ``List``, or one object per document), one per namespace and release.

    A directory gives its ``.yaml``, ``.yml`` and ``.json`` files. A file that cannot be
    read and an object that is not a release record are problems naming file and line.
    """
    found: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for path in paths:
        try:
            files = manifests.paths([str(path)], recursive=False)
        except InputError as error:
            yield Problem(str(error))
            continue
        for file in files:
            try:
                text = manifests.read(file)
            except InputError as error:
                yield Problem(str(error))
                continue
            unreadable: list[str] = []
            for document in manifests.documents(file, text, unreadable):
                what = _name(document.data, None)
                owner = _owner(document.data)
                if owner is None:
                    yield Problem(f"{document.origin}: {what} is not a Helm release record")
                    continue
                found.setdefault(owner, []).append((f"{document.origin}: {what}", document.data))
            yield from (Problem(message) for message in unreadable)
    for (namespace, release), entries in sorted(found.items()):
        yield _history(entries, release, namespace)


def _owner(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """(namespace, release) of a release record, None for any other object."""
    labels = _labels(obj)
    release = labels.get("name")
    if (
        obj.get("apiVersion") != "v1"
        or obj.get("kind") not in _DRIVERS
        or labels.get("owner") != "helm"
        or not isinstance(release, str)
        or not release
        or "release" not in (_mapping(obj.get("data")))
    ):
        return None
    namespace = _mapping(obj.get("metadata")).get("namespace")
    if not isinstance(namespace, str) or not namespace:
        try:  # an object written without its namespace: the record knows it
            namespace = str(_record(obj).get("namespace") or "default")
        except ReleaseError:
            namespace = "default"
    return namespace, release


def _history(
    entries: Iterable[tuple[str, Mapping[str, Any]]], release: str, namespace: str
) -> History:
    """``entries`` are (how messages name the object, the object)."""
    by_driver: dict[str, list[tuple[str, Mapping[str, Any]]]] = {SECRET: [], CONFIG_MAP: []}
    for where, obj in entries:
        driver = _DRIVERS.get(str(obj.get("kind")))
        labels = _labels(obj)
        ours = labels.get("owner") == "helm" and labels.get("name") == release
        if driver and ours and _namespace(obj) in (None, "", namespace):
            by_driver[driver].append((where, obj))
    driver = SECRET if by_driver[SECRET] else CONFIG_MAP if by_driver[CONFIG_MAP] else ""
    problems: list[str] = []
    if driver == SECRET and by_driver[CONFIG_MAP]:
        problems.extend(
            f"{where}: not read: the release's records are Secrets (Helm reads one driver)"
            for where, _ in by_driver[CONFIG_MAP]
        )
    read: dict[int, tuple[StoredRevision, Mapping[str, Any]]] = {}
    versions: set[int] = set()
    unreadable: set[int] = set()
    for where, obj in by_driver.get(driver, []):
        labelled = _label_version(obj)
        try:
            revision, notes = _revision(obj, release, namespace)
        except ReleaseError as error:
            problems.append(f"{where}: {error}")
            # The version Helm would take: the record's when it decodes, else the label's.
            version = error.version if isinstance(error, _Disagreement) else labelled
            if version is not None:
                versions.add(version)
                unreadable.add(version)
            continue
        problems.extend(f"{where}: {note}" for note in notes)
        versions.add(revision.version)
        earlier = read.get(revision.version)
        if earlier is None:
            read[revision.version] = (revision, obj)
        elif earlier[1].get("data") != obj.get("data"):
            problems.append(f"{where}: revision {revision.version} is stored twice; not read")
    unreadable -= set(read)
    missing: list[int] = []
    for first, last in _gaps(versions):
        what = f"revision {first} is" if first == last else f"revisions {first} to {last} are"
        problems.append(f"release {release} in {namespace}: {what} missing: {MISSING}")
        if last - first < _LISTED_GAP:
            missing.extend(range(first, last + 1))
    return History(
        release=release,
        namespace=namespace,
        revisions=tuple(read[v][0] for v in sorted(read)),
        problems=tuple(problems),
        driver=driver,
        missing=tuple(missing),
        unreadable=tuple(sorted(unreadable)),
    )


def _gaps(versions: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of versions absent between the lowest and highest."""
    ordered = sorted(versions)
    for lower, upper in itertools.pairwise(ordered):
        if upper > lower + 1:
            yield lower + 1, upper - 1


class _Disagreement(ReleaseError):
    """A record that decodes but does not belong where its labels put it."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


def _record(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The release record in a Secret (two layers of base64) or a ConfigMap (one)."""
    if obj.get("kind") == "Secret":
        return unpack(secret_payload(obj))
    stored = _mapping(obj.get("data")).get("release")
    if not isinstance(stored, str):
        raise ReleaseError("no release data")
    return unpack(stored)


def _revision(
    obj: Mapping[str, Any], release: str, namespace: str
) -> tuple[StoredRevision, list[str]]:
    """The revision in ``obj``, and notes on parts of it left out; raises ReleaseError."""
    record = _record(obj)
    version = record.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReleaseError("the record has no revision number")
    labelled = _labels(obj).get("version")
    if labelled is not None and _label_version(obj) != version:
        raise _Disagreement(
            f"its version label says {labelled!s:.20}, the record {version}", version
        )
    if record.get("name") != release:
        raise _Disagreement("its name label and the release the record names disagree", version)
    stored_namespace = record.get("namespace")
    if stored_namespace not in (None, "", namespace):
        raise _Disagreement(f"the record is of another namespace than {namespace}", version)
    config = record.get("config")
    if config is not None and not isinstance(config, Mapping):
        raise ReleaseError("the record's values (config) are not a mapping")
    manifest = record.get("manifest")
    if manifest is not None and not isinstance(manifest, str):
        raise ReleaseError("the record's manifest is not text")
    info = _mapping(record.get("info"))
    chart = _mapping(record.get("chart"))
    metadata = _mapping(chart.get("metadata"))
    name, chart_version = metadata.get("name"), metadata.get("version")
    notes: list[str] = []
    chart_values = chart.get("values")
    if chart_values is not None and not isinstance(chart_values, Mapping):
        notes.append(f"revision {version}: the chart's values are not a mapping; left out")
        chart_values = None
    templates = _templates(chart.get("templates"), version, notes)
    status = info.get("status") or _labels(obj).get("status") or "unknown"
    revision = StoredRevision(
        release=release,
        namespace=namespace,
        version=version,
        status=str(status),
        values=config or {},
        manifest=manifest or "",
        chart=f"{name}-{chart_version}" if _texts(name, chart_version) else "",
        deployed=str(info.get("last_deployed") or ""),
        chart_templates=templates,
        chart_values=chart_values or {},
    )
    return revision, notes


def _templates(stored: Any, version: int, notes: list[str]) -> dict[str, str]:
    """Template name → text of ``chart.templates`` (Helm's ``File``: name, base64 data)."""
    templates: dict[str, str] = {}
    if stored is None:
        return templates
    if not isinstance(stored, list):
        notes.append(f"revision {version}: the chart's templates are not a list; left out")
        return templates
    for index, entry in enumerate(stored):
        file = _mapping(entry)
        name, data = file.get("name"), file.get("data")
        if not isinstance(name, str) or not isinstance(data, str | None):
            notes.append(f"revision {version}: chart template {index} is malformed; left out")
            continue
        try:
            templates[name] = base64.b64decode(data or "", validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            notes.append(f"revision {version}: chart template {name} does not decode; left out")
    return templates


def _name(obj: Mapping[str, Any], namespace: str | None) -> str:
    kind = obj.get("kind")
    name = _mapping(obj.get("metadata")).get("name")
    what = f"{kind if isinstance(kind, str) and kind else 'an object'} {name or '(no name)'}"
    return f"{what} in {namespace}" if namespace else what


def _namespace(obj: Mapping[str, Any]) -> Any:
    return _mapping(obj.get("metadata")).get("namespace")


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_mapping(obj.get("metadata")).get("labels"))


def _label_version(obj: Mapping[str, Any]) -> int | None:
    try:
        return int(str(_labels(obj).get("version")), 10)
    except ValueError:
        return None


def _texts(*values: Any) -> bool:
    return all(isinstance(value, str) and value for value in values)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
