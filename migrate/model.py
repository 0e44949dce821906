"""The records that travel through the pipeline: documents, workloads, plans.

Frozen dataclasses only; "could not process this one" is a value (a plan
with status ``error`` and its findings), so one bad workload never stops the
others. A source gives documents (:class:`Document`); the Deployments and
StatefulSets among them become :class:`Workload` records with the ConfigMaps
their env may name; planning turns each into a :class:`Plan`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

Path: TypeAlias = tuple[str | int, ...]
"""A location in a YAML tree: mapping keys and sequence indices."""


@dataclass(frozen=True)
class RemoveItems:
    """Remove the items at ``indices`` (original positions) of the sequence at ``path``."""

    path: Path
    indices: tuple[int, ...]


@dataclass(frozen=True)
class InsertItem:
    """Insert plain data ``value`` before original item ``index`` of the sequence at ``path``.

    If the key holding the sequence is missing (or null) in its parent mapping, the
    sequence is created (``index`` must then be 0); the parent mapping must exist.
    """

    path: Path
    index: int
    value: Any


Edit: TypeAlias = RemoveItems | InsertItem
"""One change to a workload's text, applied by :mod:`migrate.emit.textpatch`."""


@dataclass(frozen=True)
class Origin:
    """Where a document came from: a file (or ``<stdin>``) and its first line (1-based).

    Objects read from a cluster have no line (0): ``file`` names the context and object.
    """

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Document:
    """One Kubernetes object as text and as plain data."""

    text: str
    data: Mapping[str, Any]
    origin: Origin
    # the namespace of a document that names none (`convert -n`), as kubectl applies it
    namespace_default: str | None = None
    # fields the API server set, left out of the text as read (`kubectl get -o yaml`)
    dropped: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.data.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""

    @property
    def namespace(self) -> str | None:
        metadata = self.data.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        return str(namespace) if namespace else self.namespace_default


# The kinds migrate converts; pods of other kinds that run Llama Stack are only named.
WORKLOAD_KINDS = ("Deployment", "StatefulSet")

ConfigMaps: TypeAlias = Mapping[str, Mapping[str, str] | None]
"""ConfigMap data by name, in one namespace: a name not held is a ConfigMap not known
(not in the input); a name held with None, one known not to exist."""


class CompleteConfigMaps(dict[str, Mapping[str, str] | None]):
    """Every ConfigMap of a namespace (a cluster lists them all): a name not held is a
    ConfigMap that does not exist."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> None:
        return None


@dataclass(frozen=True)
class Workload:
    """A Deployment or StatefulSet to plan, with the ConfigMaps of its namespace.

    ``config_maps`` is shared by the workloads of one namespace: a
    :class:`CompleteConfigMaps` when the source read them all.
    """

    document: Document
    config_maps: ConfigMaps = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.document.namespace or "default"


class Status(enum.Enum):
    NEEDS_MIGRATION = "needs migration"
    ALREADY_MIGRATED = "already migrated"
    NOT_LLAMA_STACK = "not Llama Stack"
    # runs Llama Stack, but not from the image's run.yaml (its own config), or is of a
    # kind migrate does not convert: reported, nothing written
    NOT_MIGRATED = "not migrated"
    ERROR = "error"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FailOn(enum.StrEnum):
    """``--fail-on``: the least severity whose findings fail a run (exit code 1), or none."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NONE = "none"

    @property
    def threshold(self) -> Severity | None:
        """The least severity that fails; None when no finding does."""
        return None if self is FailOn.NONE else Severity(self.value)


@dataclass(frozen=True)
class Finding:
    """Something a user should know about one workload; ``id`` is stable."""

    id: str
    severity: Severity
    message: str


class Classification(enum.Enum):
    MIGRATED = "migrated"  # baked into runConfig; the pod no longer needs it
    KEPT = "kept"  # a migrated variable that must stay an env var (see reason)
    RUNTIME = "runtime"  # read by run.yaml at run time; stays
    UNUSED = "unused"  # in the migrated set, but the template never reads it
    OTHER = "other"  # not read by run.yaml


@dataclass(frozen=True)
class VariablePlan:
    """What happens to one env var of the Llama Stack container."""

    name: str
    source: str
    classification: Classification
    keys: tuple[str, ...]
    removed: bool
    reason: str | None = None


@dataclass(frozen=True)
class Drift:
    """A run.yaml key where the target chart's defaults differ from what the pod ran."""

    path: Path
    before: Any
    after: Any
    adopted: bool


@dataclass(frozen=True)
class Restore:
    """For a workload whose upgrade already changed its vector-store settings: the values
    that bring back what the last revision on the env-var layout ran."""

    values: Mapping[str, Any]  # in the target chart's values layout; None deletes a key
    before: Any  # the run.yaml the old revision ran (run-time placeholders unresolved)
    old_revision: int  # the last revision that ran the env-var layout
    current_revision: int  # the revision deployed now
    # findings of the old revision's plan that the restore cannot carry (env-not-carried)
    blockers: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Everything decided for one workload; emitters only render it."""

    document: Document
    namespace: str
    status: Status
    container: str | None = None
    variables: tuple[VariablePlan, ...] = ()
    overlay: Mapping[str, Any] = field(default_factory=dict)
    overlay_sources: Mapping[Path, str] = field(default_factory=dict)
    # migrated variables that stay env vars and whose values are known: name → value
    env_values: Mapping[str, str] = field(default_factory=dict)
    run_config: Mapping[str, Any] = field(default_factory=dict)
    configmap: str = ""
    edits: tuple[Edit, ...] = ()
    drift: tuple[Drift, ...] = ()
    findings: tuple[Finding, ...] = ()
    # whether Helm's render of the target chart with the overlay was checked (--verify)
    # and resolved like the old pod: None when not asked
    verified: bool | None = None
    # why the workload counts as one of this chart's Llama Stack pods (image, names, env)
    recognised: str | None = None
    # the Llama Stack container's env as the kubelet would give it (not in reports)
    environment: Any = field(default=None, compare=False, repr=False)
    # the revision of the workload's Helm release that was deployed when it was read
    # (from a cluster or an exported history): what `helm rollback` returns to
    release_revision: int | None = None
    # an already migrated workload whose upgrade changed its vector-store settings
    restore: Restore | None = None

    @property
    def kind(self) -> str:
        return self.document.kind

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def owner_release(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    """The Helm release (name, namespace) that manages an object, from its metadata."""
    annotations = metadata.get("annotations")
    labels = metadata.get("labels")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    labels = labels if isinstance(labels, Mapping) else {}
    name = annotations.get("meta.helm.sh/release-name")
    namespace = annotations.get("meta.helm.sh/release-namespace") or metadata.get("namespace")
    if not name and labels.get("app.kubernetes.io/managed-by") == "Helm":
        name = labels.get("app.kubernetes.io/instance")
    if not name:
        return None
    return str(name), str(namespace or "default")
