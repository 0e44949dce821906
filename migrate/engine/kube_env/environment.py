"""The records of a container's environment: variables, problems, and what is unknowable.

This module owns what a resolution returns (:class:`ContainerEnv` with its
:class:`EnvVar` values and :class:`EnvProblem` values), the names of the
sources a variable can come from, and the rule that decides what a lookup
of a name yields when no entry defines it: UNSET, or UNKNOWN where a source
whose keys we cannot list (a Secret, a ConfigMap not supplied) or a service
link could define it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from migrate.engine.kube_env.names import CONFIG_KEY, looks_like_service_link
from migrate.engine.problem import Problem

# The finding rules a problem of the env belongs to.
ENV_PROBLEM = "env-problem"
UNRESOLVED_REFERENCE = "unresolved-reference"  # a ConfigMap or key not found

# The reason of a variable whose value the user gave (--assume), not the pod.
ASSUMED = "its value is assumed with --assume, not read from the pod"

# Sources, as reported in EnvVar.source.
SOURCE_VALUE = "value"
SOURCE_CONFIG_MAP_KEY = "configMapKeyRef"
SOURCE_SECRET_KEY = "secretKeyRef"
SOURCE_FIELD = "fieldRef"
SOURCE_RESOURCE_FIELD = "resourceFieldRef"
SOURCE_FILE_KEY = "fileKeyRef"
SOURCE_ENV_FROM_CONFIG_MAP = "envFrom.configMapRef"
SOURCE_ENV_FROM_SECRET = "envFrom.secretRef"
SOURCE_NONE = "none"

ConfigMaps = Mapping[str, Mapping[str, str] | None]
"""ConfigMap names of the pod's namespace → their ``data`` (None: known not to exist)."""


class State(enum.Enum):
    """What is known of one variable of the container's environment."""

    KNOWN = "known"
    UNSET = "unset"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class EnvVar:
    """One variable as the container would see it (or why we cannot tell)."""

    name: str
    state: State
    value: str | None
    source: str
    env_index: int | None
    reason: str | None
    references: tuple[str, ...]

    def __post_init__(self) -> None:
        if (self.state is State.KNOWN) != (self.value is not None):
            raise ValueError("EnvVar.value is set exactly when the state is KNOWN")

    @property
    def only_possibly_set(self) -> bool:
        """Unknown only because an envFrom source we cannot list might define it."""
        return self.state is State.UNKNOWN and self.env_index is None and self.source == SOURCE_NONE


@dataclass(frozen=True)
class EnvProblem(Problem):
    """Something about the container's env that a user should hear about."""

    env_index: int | None = None  # the env entry it is about, if one


@dataclass(frozen=True)
class Opaque:
    """A source whose variable names we cannot list.

    Real ConfigMap and Secret keys are restricted to ``[-._a-zA-Z0-9]+``, so a
    prefixed source can only ever produce names of that shape; this keeps an
    opaque Secret from making every unrelated name unknown.
    """

    label: str
    prefix: str
    config_keys_only: bool

    def could_define(self, name: str) -> bool:
        if not name.startswith(self.prefix):
            return False
        if not self.config_keys_only:
            return True
        return CONFIG_KEY.fullmatch(name[len(self.prefix) :]) is not None


@dataclass(frozen=True)
class ContainerEnv:
    """The environment of one container, as :func:`migrate.engine.kube_env.resolve` finds it."""

    vars: Mapping[str, EnvVar]
    problems: tuple[EnvProblem, ...]
    opaque_sources: tuple[str, ...]
    entry_references: Mapping[int, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    enable_service_links: bool = True
    _opaque: tuple[Opaque, ...] = field(default=(), repr=False)

    def get(self, name: str) -> EnvVar:
        """The variable ``name`` as the container would see it.

        A name that no entry defines is UNSET, unless a source we cannot list
        (an ``envFrom`` Secret, a ConfigMap not supplied) or a service link
        could provide it, in which case it is UNKNOWN.
        """
        return effective(name, self.vars.get(name), self._opaque, self.enable_service_links)

    def assuming(self, values: Mapping[str, str]) -> ContainerEnv:
        """This env with ``values`` taken as known where a variable's value is not known
        offline (``--assume``). HOME may be assumed when unset too: the runtime then sets
        it from the image's /etc/passwd, which cannot be read offline."""
        changed = dict(self.vars)
        for name, value in values.items():
            var = self.get(name)
            open_home = name == "HOME" and (var.state is State.UNSET or var.value == "")
            if var.state is not State.UNKNOWN and not open_home:
                continue
            changed[name] = EnvVar(
                name,
                State.KNOWN,
                value,
                var.source,
                var.env_index,
                ASSUMED,
                var.references,
            )
        return replace(self, vars=MappingProxyType(changed))

    def known_values(self) -> dict[str, str]:
        """Name → value for every variable whose value is known."""
        return {
            name: var.value
            for name, var in self.vars.items()
            if var.state is State.KNOWN and var.value is not None
        }

    def referrers(self, name: str) -> tuple[int, ...]:
        """Indices of ``env`` entries whose ``value`` references ``$(name)``.

        Every entry counts, not only winners: an overridden entry may still
        have fed another variable's expansion before it was overridden.
        """
        return tuple(index for index, refs in sorted(self.entry_references.items()) if name in refs)


def unset(name: str) -> EnvVar:
    """``name`` as no entry sets it."""
    return EnvVar(name, State.UNSET, None, SOURCE_NONE, None, None, ())


def effective(
    name: str,
    var: EnvVar | None,
    opaque: tuple[Opaque, ...],
    enable_service_links: bool,
) -> EnvVar:
    """What a lookup of ``name`` yields, given its explicit definition (if any)."""
    if var is not None and var.state is not State.UNSET:
        return var
    base = var if var is not None else unset(name)
    providers = [source.label for source in opaque if source.could_define(name)]
    if providers:
        reason = (
            f"not set explicitly; it may come from {', '.join(providers)}, whose keys are unknown"
        )
    elif looks_like_service_link(name, enable_service_links=enable_service_links):
        reason = (
            "not set explicitly, but the name has the shape of a service link "
            "variable that the kubelet injects when a matching Service exists"
        )
    else:
        return base
    if base.reason:
        reason = f"{base.reason}; {reason}"
    return EnvVar(name, State.UNKNOWN, None, base.source, base.env_index, reason, base.references)
