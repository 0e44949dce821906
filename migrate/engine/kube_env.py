"""The environment a container gets, computed offline as the kubelet would.

This module owns the reproduction of the kubelet's ``makeEnvironmentVariables``
(Kubernetes >= 1.30) for one container: ``envFrom`` then ``env``, the
``$(VAR)`` expansion of ``env[].value``, ``valueFrom`` sources, and an honest
account of what cannot be known without a cluster (Secrets, the downward API,
ConfigMaps that were not supplied, service link variables).

Secret data is never read: a Secret-sourced variable is reported as set with
an unknown value, and no message of this module contains any variable's value.

Out of scope: variables baked into the container image (the runtime merges
them under the pod's variables), which a caller must consider separately.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

__all__ = [
    "ConfigMaps",
    "ContainerEnv",
    "EnvVar",
    "Problem",
    "State",
    "expand",
    "is_valid_name",
    "looks_like_service_link",
    "references",
    "resolve",
]


_UNRESOLVED = "unresolved-reference"


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


@dataclass(frozen=True)
class Problem:
    """Something about the container's env that a user should hear about."""

    env_index: int | None
    message: str
    severity: str
    code: str = "env-problem"  # "unresolved-reference" for a ConfigMap or key not found


@dataclass(frozen=True)
class _Opaque:
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
        return _CONFIG_KEY.fullmatch(name[len(self.prefix) :]) is not None


@dataclass(frozen=True)
class ContainerEnv:
    """The result of :func:`resolve` for one container."""

    vars: Mapping[str, EnvVar]
    problems: tuple[Problem, ...]
    opaque_sources: tuple[str, ...]
    entry_references: Mapping[int, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    enable_service_links: bool = True
    _opaque: tuple[_Opaque, ...] = field(default=(), repr=False)

    def get(self, name: str) -> EnvVar:
        """The variable ``name`` as the container would see it.

        A name that no entry defines is UNSET, unless a source we cannot list
        (an ``envFrom`` Secret, a ConfigMap not supplied) or a service link
        could provide it, in which case it is UNKNOWN.
        """
        return _effective(name, self.vars.get(name), self._opaque, self.enable_service_links)

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


ConfigMaps = Mapping[str, Mapping[str, str] | None]

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

_VALUE_FROM_KINDS = (
    SOURCE_FIELD,
    SOURCE_RESOURCE_FIELD,
    SOURCE_CONFIG_MAP_KEY,
    SOURCE_SECRET_KEY,
    SOURCE_FILE_KEY,
)

_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")

# Service names are DNS labels upper-cased with '-' and '.' turned into '_'
# (a leading digit gets a '_' in front); port names likewise; see the
# kubelet's envvars.FromServices.
_SVC = r"[A-Z_][A-Z0-9_]*"
_LINK_SUFFIXES = (
    r"_SERVICE_HOST",
    r"_SERVICE_PORT",
    r"_SERVICE_PORT_[A-Z0-9_]+",
    r"_PORT",
    r"_PORT_[0-9]+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?",
)
_ANY_SERVICE_LINK = re.compile(f"(?:{_SVC})(?:{'|'.join(_LINK_SUFFIXES)})")
# The API server's own Service ("kubernetes" in "default") is linked into every
# pod even when enableServiceLinks is false.
_MASTER_SERVICE_LINK = re.compile(f"KUBERNETES(?:{'|'.join(_LINK_SUFFIXES)})")


def is_valid_name(name: object) -> bool:
    """Whether the API server accepts ``name`` as an env var name.

    This is the relaxed rule (on by default since 1.32, GA in 1.34): printable
    ASCII except ``=``.
    """
    if not isinstance(name, str) or not name:
        return False
    return all(" " <= ch <= "~" and ch != "=" for ch in name)


def looks_like_service_link(name: str, *, enable_service_links: bool = True) -> bool:
    """Whether the kubelet could inject ``name`` as a service link variable."""
    pattern = _ANY_SERVICE_LINK if enable_service_links else _MASTER_SERVICE_LINK
    return pattern.fullmatch(name) is not None


# ---------------------------------------------------------------------------
# $(VAR) expansion


@dataclass(frozen=True)
class _Ref:
    name: str


def _tokens(value: str) -> tuple[list[str | _Ref], bool]:
    """Split ``value`` the way Kubernetes' expansion.Expand reads it.

    Returns the literal pieces and references, and whether a ``$`` is followed
    by a non-ASCII character: kubelets before the fix of kubernetes#136325
    split that character's bytes (and 1.34 then fails to start the container),
    so the result depends on the node's version.
    """
    pieces: list[str | _Ref] = []
    non_ascii_after_operator = False
    checkpoint = 0
    cursor = 0
    length = len(value)
    while cursor < length:
        # A '$' as the very last character is never an operator.
        if value[cursor] != "$" or cursor + 1 >= length:
            cursor += 1
            continue
        if checkpoint < cursor:
            pieces.append(value[checkpoint:cursor])
        following = value[cursor + 1]
        if following == "$":
            pieces.append("$")
            cursor += 2
        elif following == "(":
            closer = value.find(")", cursor + 2)
            if closer < 0:
                # Only the "$(" is consumed, so a later "$$" is still an escape.
                pieces.append("$(")
                cursor += 2
            else:
                pieces.append(_Ref(value[cursor + 2 : closer]))
                cursor = closer + 1
        else:
            if ord(following) > 0x7F:
                non_ascii_after_operator = True
            pieces.append("$" + following)
            cursor += 2
        checkpoint = cursor
    if checkpoint < length:
        pieces.append(value[checkpoint:])
    return pieces, non_ascii_after_operator


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def references(value: str) -> tuple[str, ...]:
    """Names that ``value`` references with ``$(NAME)``, in order, without repeats."""
    pieces, _ = _tokens(value)
    return _unique(piece.name for piece in pieces if isinstance(piece, _Ref))


def expand(value: str, lookup: Callable[[str], str | None]) -> str:
    """Kubernetes ``$(VAR)`` expansion; ``lookup`` returns None for an undefined name.

    ``$$`` is an escaped ``$``; an undefined reference, a ``$(`` without a
    closing ``)`` and a ``$`` before any other character stay as written.
    Substituted values are not scanned again.
    """
    pieces, _ = _tokens(value)
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, _Ref):
            found = lookup(piece.name)
            out.append(f"$({piece.name})" if found is None else found)
        else:
            out.append(piece)
    return "".join(out)


# ---------------------------------------------------------------------------
# Resolution


def _unset(name: str) -> EnvVar:
    return EnvVar(name, State.UNSET, None, SOURCE_NONE, None, None, ())


def _effective(
    name: str,
    var: EnvVar | None,
    opaque: tuple[_Opaque, ...],
    enable_service_links: bool,
) -> EnvVar:
    """What a lookup of ``name`` yields, given its explicit definition (if any)."""
    if var is not None and var.state is not State.UNSET:
        return var
    base = var if var is not None else _unset(name)
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


def _value_hazard(value: str) -> str | None:
    if "\x00" in value:
        return "its value contains a NUL character, which the container runtime cannot pass on"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "its value is not valid Unicode text"
    return None


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _optional_flag(ref: Mapping[str, Any]) -> bool | None:
    optional = ref.get("optional")
    if optional is None:
        return False
    return optional if isinstance(optional, bool) else None


class _Resolver:
    def __init__(self, config_maps: ConfigMaps, enable_service_links: bool) -> None:
        self.config_maps = config_maps
        self.enable_service_links = enable_service_links
        self.vars: dict[str, EnvVar] = {}
        self.problems: list[Problem] = []
        self.opaque: list[_Opaque] = []
        self.entry_references: dict[int, tuple[str, ...]] = {}
        self.env_definitions: dict[str, int] = {}

    # -- bookkeeping --------------------------------------------------------

    def problem(
        self, index: int | None, message: str, severity: str, code: str = "env-problem"
    ) -> None:
        self.problems.append(Problem(index, message, severity, code))

    def add_opaque(self, label: str, prefix: str, config_keys_only: bool) -> None:
        source = _Opaque(label, prefix, config_keys_only)
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
        return _effective(name, self.vars.get(name), tuple(self.opaque), self.enable_service_links)

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
            self.problem(index, f"{where}: {hazard}", "warning")
            self.unknown(name, source, index, hazard, refs)
            return
        self.set(EnvVar(name, State.KNOWN, value, source, index, None, refs))

    def skip(self, name: str, source: str, index: int, reason: str) -> None:
        """The kubelet leaves ``name`` untouched: an earlier definition survives."""
        if name in self.vars:
            return
        # Stored already resolved, so that iterating ``vars`` and ``get`` agree.
        var = EnvVar(name, State.UNSET, None, source, index, reason, ())
        self.set(_effective(name, var, tuple(self.opaque), self.enable_service_links))

    # -- envFrom ------------------------------------------------------------

    def env_from(self, env_from: object) -> None:
        if env_from is None:
            return
        if not isinstance(env_from, list):
            self.problem(
                None,
                f"envFrom is a {_type_name(env_from)}, not a list; "
                "the API server rejects it and no variable can be trusted",
                "error",
            )
            self.add_opaque("envFrom", "", False)
            return
        for position, item in enumerate(env_from):
            self.env_from_item(position, item)

    def env_from_item(self, position: int, item: object) -> None:
        where = f"envFrom[{position}]"
        if not isinstance(item, Mapping):
            self.problem(None, f"{where} is a {_type_name(item)}, not a mapping", "error")
            self.add_opaque(where, "", False)
            return
        prefix = item.get("prefix")
        if prefix is None:
            prefix = ""
        if not isinstance(prefix, str) or (prefix and not is_valid_name(prefix)):
            self.problem(
                None,
                f"{where}: prefix is not a valid environment variable name; "
                "the API server rejects it",
                "error",
            )
            self.add_opaque(where, "", False)
            return
        kinds = [kind for kind in ("configMapRef", "secretRef") if item.get(kind) is not None]
        if len(kinds) != 1:
            detail = (
                "neither configMapRef nor secretRef"
                if not kinds
                else "both configMapRef and secretRef"
            )
            self.problem(None, f"{where} has {detail}; the API server rejects it", "error")
            if kinds:
                self.add_opaque(where, prefix, False)
            return
        kind = kinds[0]
        ref = item[kind]
        name = ref.get("name") if isinstance(ref, Mapping) else None
        optional = _optional_flag(ref) if isinstance(ref, Mapping) else None
        if not isinstance(name, str) or not name or optional is None:
            self.problem(
                None,
                f"{where}.{kind} needs a non-empty string name and a boolean optional",
                "error",
            )
            self.add_opaque(where, prefix, False)
            return
        if kind == "secretRef":
            label = f"secret/{name}"
            self.problem(
                None,
                f"{where} imports Secret {name!r}"
                + (f" with prefix {prefix!r}" if prefix else "")
                + "; its keys are never read, so any variable it could define is unknown"
                + (" (optional: it may also be absent)" if optional else ""),
                "info",
            )
            self.add_opaque(label, prefix, True)
            return
        self.env_from_config_map(where, name, prefix, optional)

    def env_from_config_map(self, where: str, name: str, prefix: str, optional: bool) -> None:
        label = f"configmap/{name}"
        if name not in self.config_maps:
            self.problem(
                None,
                f"{where} imports ConfigMap {name!r}, which is not in the input; "
                f"the variables it defines are unknown (optional: {str(optional).lower()})",
                "warning",
                _UNRESOLVED,
            )
            self.add_opaque(label, prefix, True)
            return
        data = self.config_maps[name]
        if data is None:
            if optional:
                self.problem(
                    None,
                    f"{where} imports ConfigMap {name!r}, which does not exist; "
                    "it is optional, so it adds nothing",
                    "info",
                    _UNRESOLVED,
                )
                return
            self.problem(
                None,
                f"{where} imports ConfigMap {name!r}, which does not exist and is not "
                "optional: the pod would not start until it is created",
                "error",
                _UNRESOLVED,
            )
            self.add_opaque(label, prefix, True)
            return
        if not isinstance(data, Mapping):
            self.problem(
                None, f"{where}: the data given for ConfigMap {name!r} is not a mapping", "warning"
            )
            self.add_opaque(label, prefix, True)
            return
        skipped: list[str] = []
        for key in sorted(data, key=str):
            var_name = prefix + key if isinstance(key, str) else None
            if var_name is None or not is_valid_name(var_name):
                skipped.append(repr(key))
                continue
            value = data[key]
            if isinstance(value, str):
                self.known(var_name, value, SOURCE_ENV_FROM_CONFIG_MAP, None)
            else:
                reason = f"ConfigMap {name!r} key {key!r} holds a {_type_name(value)}, not a string"
                self.problem(None, f"{where}: {reason}", "warning")
                self.unknown(var_name, SOURCE_ENV_FROM_CONFIG_MAP, None, reason)
        if skipped:
            self.problem(
                None,
                f"{where}: keys {', '.join(skipped)} of ConfigMap {name!r} do not make valid "
                "environment variable names and are skipped",
                "warning",
            )

    # -- env ----------------------------------------------------------------

    def env(self, env: object) -> None:
        if env is None:
            return
        if not isinstance(env, list):
            self.problem(
                None,
                f"env is a {_type_name(env)}, not a list; "
                "the API server rejects it and no variable can be trusted",
                "error",
            )
            self.add_opaque("env", "", False)
            return
        for index, entry in enumerate(env):
            self.env_entry(index, entry)

    def env_entry(self, index: int, entry: object) -> None:
        if not isinstance(entry, Mapping):
            self.problem(index, f"env[{index}] is a {_type_name(entry)}, not a mapping", "error")
            return
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            self.problem(index, f"env[{index}] has no name (a non-empty string)", "error")
            return
        where = f"env[{index}] ({name})"
        value = entry.get("value")
        if isinstance(value, str) and value:
            self.entry_references[index] = references(value)
        if name in self.env_definitions:
            self.problem(
                index,
                f"{where} redefines the variable of env[{self.env_definitions[name]}]; "
                "the last definition wins",
                "warning",
            )
        self.env_definitions[name] = index
        if not is_valid_name(name):
            reason = "the name is not a valid environment variable name; the API server rejects it"
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, SOURCE_VALUE, index, reason)
            return
        value_from = entry.get("valueFrom")
        if value is not None and not isinstance(value, str):
            reason = (
                f"value is a {_type_name(value)}, not a string (quote it); "
                "the API server rejects it"
            )
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, SOURCE_VALUE, index, reason)
            return
        # The kubelet uses `value` when non-empty and only then looks at valueFrom.
        if value:
            if value_from is not None:
                reason = "both value and valueFrom are given; the API server rejects it"
                self.problem(index, f"{where}: {reason}", "error")
                self.unknown(name, SOURCE_VALUE, index, reason, references(value))
                return
            self.expand_entry(index, name, value)
            return
        if value_from is None:
            self.known(name, "", SOURCE_VALUE, index)
            return
        self.value_from(index, name, value_from)

    def expand_entry(self, index: int, name: str, value: str) -> None:
        pieces, non_ascii_after_operator = _tokens(value)
        refs = _unique(piece.name for piece in pieces if isinstance(piece, _Ref))
        out: list[str] = []
        unresolved: list[str] = []
        for piece in pieces:
            if not isinstance(piece, _Ref):
                out.append(piece)
                continue
            target = self.lookup(piece.name)
            if target.state is State.KNOWN and target.value is not None:
                out.append(target.value)
            elif target.state is State.UNSET:
                out.append(f"$({piece.name})")
            elif piece.name not in unresolved:
                unresolved.append(piece.name)
        where = f"env[{index}] ({name})"
        if non_ascii_after_operator:
            reason = (
                "its value has a '$' followed by a non-ASCII character, which kubelets "
                "expand differently by version (corrupted, or the container fails to start)"
            )
            self.problem(index, f"{where}: {reason}", "warning")
            self.unknown(name, SOURCE_VALUE, index, reason, refs)
            return
        if unresolved:
            listed = ", ".join(f"$({ref})" for ref in unresolved)
            self.unknown(
                name,
                SOURCE_VALUE,
                index,
                f"its value references {listed}, which cannot be resolved offline",
                refs,
            )
            return
        self.known(name, "".join(out), SOURCE_VALUE, index, refs)

    def value_from(self, index: int, name: str, value_from: object) -> None:
        where = f"env[{index}] ({name})"
        if not isinstance(value_from, Mapping):
            reason = f"valueFrom is a {_type_name(value_from)}, not a mapping"
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, SOURCE_NONE, index, reason)
            return
        kinds = [kind for kind in _VALUE_FROM_KINDS if value_from.get(kind) is not None]
        if len(kinds) != 1:
            detail = "no source" if not kinds else f"{len(kinds)} sources ({', '.join(kinds)})"
            reason = f"valueFrom has {detail} instead of exactly one; the API server rejects it"
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, SOURCE_NONE, index, reason)
            return
        kind = kinds[0]
        ref = value_from[kind]
        if not isinstance(ref, Mapping):
            reason = f"valueFrom.{kind} is a {_type_name(ref)}, not a mapping"
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, kind, index, reason)
            return
        if kind in (SOURCE_CONFIG_MAP_KEY, SOURCE_SECRET_KEY):
            self.key_ref(index, name, kind, ref)
            return
        if kind == SOURCE_FIELD:
            path = ref.get("fieldPath")
            what = f"the pod field {path!r}" if isinstance(path, str) else "a pod field"
        elif kind == SOURCE_RESOURCE_FIELD:
            resource = ref.get("resource")
            what = f"the resource {resource!r}" if isinstance(resource, str) else "a resource"
        else:
            what = "a file in a volume"
        self.unknown(name, kind, index, f"it is set from {what}, known only at runtime")

    def key_ref(self, index: int, name: str, kind: str, ref: Mapping[str, Any]) -> None:
        where = f"env[{index}] ({name})"
        object_name = ref.get("name")
        key = ref.get("key")
        optional = _optional_flag(ref)
        if (
            not isinstance(object_name, str)
            or not object_name
            or not isinstance(key, str)
            or not key
            or optional is None
        ):
            reason = f"valueFrom.{kind} needs string name and key and a boolean optional"
            self.problem(index, f"{where}: {reason}", "error")
            self.unknown(name, kind, index, reason)
            return
        optional_note = f"optional: {str(optional).lower()}"
        if kind == SOURCE_SECRET_KEY:
            reason = f"it comes from Secret {object_name!r} key {key!r}, which is never read"
            if optional:
                reason += " (optional: if missing, the variable is not set by this entry)"
            self.unknown(name, kind, index, reason)
            return
        if object_name not in self.config_maps:
            reason = (
                f"it comes from ConfigMap {object_name!r} key {key!r}, "
                f"which is not in the input ({optional_note})"
            )
            self.problem(index, f"{where}: {reason}", "warning", _UNRESOLVED)
            self.unknown(name, kind, index, reason)
            return
        data = self.config_maps[object_name]
        if data is not None and not isinstance(data, Mapping):
            reason = f"the data given for ConfigMap {object_name!r} is not a mapping"
            self.problem(index, f"{where}: {reason}", "warning")
            self.unknown(name, kind, index, reason)
            return
        if data is not None and key in data:
            found = data[key]
            if isinstance(found, str):
                self.known(name, found, kind, index)
            else:
                reason = (
                    f"ConfigMap {object_name!r} key {key!r} holds a "
                    f"{_type_name(found)}, not a string"
                )
                self.problem(index, f"{where}: {reason}", "warning")
                self.unknown(name, kind, index, reason)
            return
        missing = (
            f"ConfigMap {object_name!r} does not exist"
            if data is None
            else f"ConfigMap {object_name!r} has no key {key!r}"
        )
        if optional:
            self.problem(
                index,
                f"{where}: {missing}; the reference is optional, so this entry sets nothing",
                "info",
                _UNRESOLVED,
            )
            self.skip(name, kind, index, f"{missing} and the reference is optional")
            return
        reason = f"{missing} and the reference is not optional: the pod would not start"
        self.problem(index, f"{where}: {reason}", "error", _UNRESOLVED)
        self.unknown(name, kind, index, reason)

    def result(self) -> ContainerEnv:
        opaque = tuple(self.opaque)
        return ContainerEnv(
            vars=MappingProxyType(dict(self.vars)),
            problems=tuple(self.problems),
            opaque_sources=_unique(source.label for source in opaque),
            entry_references=MappingProxyType(dict(self.entry_references)),
            enable_service_links=self.enable_service_links,
            _opaque=opaque,
        )


def resolve(
    container: Mapping[str, Any],
    config_maps: ConfigMaps,
    *,
    enable_service_links: bool = True,
) -> ContainerEnv:
    """The environment the kubelet would give ``container``.

    ``config_maps`` maps ConfigMap names of the pod's namespace to their
    ``data`` (None: known not to exist); a name missing from it was not
    supplied and is treated as unknowable. ``enable_service_links`` is the
    pod's ``spec.enableServiceLinks`` (default true): whether undeclared names
    shaped like service link variables may be injected.
    """
    resolver = _Resolver(config_maps, enable_service_links)
    if not isinstance(container, Mapping):
        resolver.problem(
            None, f"the container is a {_type_name(container)}, not a mapping", "error"
        )
        resolver.add_opaque("container", "", False)
        return resolver.result()
    resolver.env_from(container.get("envFrom"))
    resolver.env(container.get("env"))
    return resolver.result()
