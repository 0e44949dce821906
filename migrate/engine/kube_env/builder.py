"""The bookkeeping of one resolution: what the entries read so far define, and the problems.

:class:`Builder` is what :mod:`~migrate.engine.kube_env.env_from` and
:mod:`~migrate.engine.kube_env.entries` write into as they read a container's
sources in the kubelet's order; its :meth:`~Builder.result` is the
:class:`~migrate.engine.kube_env.environment.ContainerEnv`. It also holds the
two readings of an entry's shape that both readers share.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from migrate.engine.kube_env.environment import (
    ENV_PROBLEM,
    ConfigMaps,
    ContainerEnv,
    EnvProblem,
    EnvVar,
    Opaque,
    State,
    effective,
)
from migrate.engine.kube_env.expansion import unique
from migrate.model import Severity


def type_name(value: object) -> str:
    """How a message names the YAML type of ``value``."""
    return "null" if value is None else type(value).__name__


def optional_flag(ref: Mapping[str, Any]) -> bool | None:
    """A reference's ``optional`` (default false); None when it is not a boolean."""
    optional = ref.get("optional")
    if optional is None:
        return False
    return optional if isinstance(optional, bool) else None


def _value_hazard(value: str) -> str | None:
    if "\x00" in value:
        return "its value contains a NUL character, which the container runtime cannot pass on"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "its value is not valid Unicode text"
    return None


class Builder:
    """The variables, problems and unlistable sources found so far for one container."""

    def __init__(self, config_maps: ConfigMaps, enable_service_links: bool) -> None:
        self.config_maps = config_maps
        self.enable_service_links = enable_service_links
        self.vars: dict[str, EnvVar] = {}
        self.problems: list[EnvProblem] = []
        self.opaque: list[Opaque] = []
        self.entry_references: dict[int, tuple[str, ...]] = {}
        self.env_definitions: dict[str, int] = {}

    def problem(
        self, index: int | None, message: str, severity: Severity, rule: str = ENV_PROBLEM
    ) -> None:
        self.problems.append(EnvProblem(rule, message, severity, index))

    def add_opaque(self, label: str, prefix: str, config_keys_only: bool) -> None:
        source = Opaque(label, prefix, config_keys_only)
        self.opaque.append(source)
        # Keys we cannot list may override anything defined so far.
        for name, var in list(self.vars.items()):
            if var.state is State.UNSET or not source.could_define(name):
                continue
            note = f"{label} (whose keys are unknown) comes later and may override it"
            reason = f"{var.reason}; {note}" if var.reason else note
            self.vars[name] = EnvVar(
                name, State.UNKNOWN, None, var.source, var.env_index, reason, var.references
            )

    def lookup(self, name: str) -> EnvVar:
        return effective(name, self.vars.get(name), tuple(self.opaque), self.enable_service_links)

    def set(self, var: EnvVar) -> None:
        self.vars[var.name] = var

    def unknown(
        self, name: str, source: str, index: int | None, reason: str, refs: tuple[str, ...] = ()
    ) -> None:
        self.set(EnvVar(name, State.UNKNOWN, None, source, index, reason, refs))

    def known(
        self, name: str, value: str, source: str, index: int | None, refs: tuple[str, ...] = ()
    ) -> None:
        hazard = _value_hazard(value)
        if hazard is not None:
            where = f"env[{index}] ({name})" if index is not None else name
            self.problem(index, f"{where}: {hazard}", Severity.WARNING)
            self.unknown(name, source, index, hazard, refs)
            return
        self.set(EnvVar(name, State.KNOWN, value, source, index, None, refs))

    def skip(self, name: str, source: str, index: int, reason: str) -> None:
        """The kubelet leaves ``name`` untouched: an earlier definition survives."""
        if name in self.vars:
            return
        # Stored already resolved, so that iterating ``vars`` and ``get`` agree.
        var = EnvVar(name, State.UNSET, None, source, index, reason, ())
        self.set(effective(name, var, tuple(self.opaque), self.enable_service_links))

    def result(self) -> ContainerEnv:
        opaque = tuple(self.opaque)
        return ContainerEnv(
            vars=MappingProxyType(dict(self.vars)),
            problems=tuple(self.problems),
            opaque_sources=unique(source.label for source in opaque),
            entry_references=MappingProxyType(dict(self.entry_references)),
            enable_service_links=self.enable_service_links,
            _opaque=opaque,
        )
