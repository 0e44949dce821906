"""A container's ``env`` entries: plain values with ``$(VAR)`` expansion, and ``valueFrom``.

Entries are read in order, after ``envFrom``, as the kubelet does: a later
entry overrides an earlier definition, and a value's ``$(NAME)`` sees only
what was defined before it. A Secret key is never read; a field of the pod
or a resource is known only at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.engine.kube_env.builder import Builder, optional_flag, type_name
from migrate.engine.kube_env.environment import (
    SOURCE_CONFIG_MAP_KEY,
    SOURCE_FIELD,
    SOURCE_FILE_KEY,
    SOURCE_NONE,
    SOURCE_RESOURCE_FIELD,
    SOURCE_SECRET_KEY,
    SOURCE_VALUE,
    UNRESOLVED_REFERENCE,
    State,
)
from migrate.engine.kube_env.expansion import Ref, references, tokens, unique
from migrate.engine.kube_env.names import is_valid_name
from migrate.model import Severity

_VALUE_FROM_KINDS = (
    SOURCE_FIELD,
    SOURCE_RESOURCE_FIELD,
    SOURCE_CONFIG_MAP_KEY,
    SOURCE_SECRET_KEY,
    SOURCE_FILE_KEY,
)


def read(builder: Builder, env: object) -> None:
    """Every ``env`` entry, in order."""
    if env is None:
        return
    if not isinstance(env, list):
        builder.problem(
            None,
            f"env is a {type_name(env)}, not a list; "
            "the API server rejects it and no variable can be trusted",
            Severity.ERROR,
        )
        builder.add_opaque("env", "", False)
        return
    for index, entry in enumerate(env):
        _entry(builder, index, entry)


def _entry(builder: Builder, index: int, entry: object) -> None:
    if not isinstance(entry, Mapping):
        builder.problem(
            index, f"env[{index}] is a {type_name(entry)}, not a mapping", Severity.ERROR
        )
        return
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        builder.problem(index, f"env[{index}] has no name (a non-empty string)", Severity.ERROR)
        return
    where = f"env[{index}] ({name})"
    value = entry.get("value")
    if isinstance(value, str) and value:
        builder.entry_references[index] = references(value)
    if name in builder.env_definitions:
        builder.problem(
            index,
            f"{where} redefines the variable of env[{builder.env_definitions[name]}]; "
            "the last definition wins",
            Severity.WARNING,
        )
    builder.env_definitions[name] = index
    if not is_valid_name(name):
        reason = "the name is not a valid environment variable name; the API server rejects it"
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, SOURCE_VALUE, index, reason)
        return
    value_from = entry.get("valueFrom")
    if value is not None and not isinstance(value, str):
        reason = (
            f"value is a {type_name(value)}, not a string (quote it); the API server rejects it"
        )
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, SOURCE_VALUE, index, reason)
        return
    # The kubelet uses `value` when non-empty and only then looks at valueFrom.
    if value:
        if value_from is not None:
            reason = "both value and valueFrom are given; the API server rejects it"
            builder.problem(index, f"{where}: {reason}", Severity.ERROR)
            builder.unknown(name, SOURCE_VALUE, index, reason, references(value))
            return
        _expand(builder, index, name, value)
        return
    if value_from is None:
        builder.known(name, "", SOURCE_VALUE, index)
        return
    _value_from(builder, index, name, value_from)


def _expand(builder: Builder, index: int, name: str, value: str) -> None:
    """A plain value, with its ``$(NAME)`` references to earlier definitions expanded."""
    pieces, non_ascii_after_operator = tokens(value)
    refs = unique(piece.name for piece in pieces if isinstance(piece, Ref))
    out: list[str] = []
    unresolved: list[str] = []
    for piece in pieces:
        if not isinstance(piece, Ref):
            out.append(piece)
            continue
        target = builder.lookup(piece.name)
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
        builder.problem(index, f"{where}: {reason}", Severity.WARNING)
        builder.unknown(name, SOURCE_VALUE, index, reason, refs)
        return
    if unresolved:
        listed = ", ".join(f"$({ref})" for ref in unresolved)
        builder.unknown(
            name,
            SOURCE_VALUE,
            index,
            f"its value references {listed}, which cannot be resolved offline",
            refs,
        )
        return
    builder.known(name, "".join(out), SOURCE_VALUE, index, refs)


def _value_from(builder: Builder, index: int, name: str, value_from: object) -> None:
    where = f"env[{index}] ({name})"
    if not isinstance(value_from, Mapping):
        reason = f"valueFrom is a {type_name(value_from)}, not a mapping"
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, SOURCE_NONE, index, reason)
        return
    kinds = [kind for kind in _VALUE_FROM_KINDS if value_from.get(kind) is not None]
    if len(kinds) != 1:
        detail = "no source" if not kinds else f"{len(kinds)} sources ({', '.join(kinds)})"
        reason = f"valueFrom has {detail} instead of exactly one; the API server rejects it"
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, SOURCE_NONE, index, reason)
        return
    kind = kinds[0]
    ref = value_from[kind]
    if not isinstance(ref, Mapping):
        reason = f"valueFrom.{kind} is a {type_name(ref)}, not a mapping"
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, kind, index, reason)
        return
    if kind in (SOURCE_CONFIG_MAP_KEY, SOURCE_SECRET_KEY):
        _key_ref(builder, index, name, kind, ref)
        return
    if kind == SOURCE_FIELD:
        path = ref.get("fieldPath")
        what = f"the pod field {path!r}" if isinstance(path, str) else "a pod field"
    elif kind == SOURCE_RESOURCE_FIELD:
        resource = ref.get("resource")
        what = f"the resource {resource!r}" if isinstance(resource, str) else "a resource"
    else:
        what = "a file in a volume"
    builder.unknown(name, kind, index, f"it is set from {what}, known only at runtime")


def _key_ref(builder: Builder, index: int, name: str, kind: str, ref: Mapping[str, Any]) -> None:
    """A ``configMapKeyRef`` (read where the ConfigMap was supplied) or a ``secretKeyRef``."""
    where = f"env[{index}] ({name})"
    object_name = ref.get("name")
    key = ref.get("key")
    optional = optional_flag(ref)
    if (
        not isinstance(object_name, str)
        or not object_name
        or not isinstance(key, str)
        or not key
        or optional is None
    ):
        reason = f"valueFrom.{kind} needs string name and key and a boolean optional"
        builder.problem(index, f"{where}: {reason}", Severity.ERROR)
        builder.unknown(name, kind, index, reason)
        return
    optional_note = f"optional: {str(optional).lower()}"
    if kind == SOURCE_SECRET_KEY:
        reason = f"it comes from Secret {object_name!r} key {key!r}, which is never read"
        if optional:
            reason += " (optional: if missing, the variable is not set by this entry)"
        builder.unknown(name, kind, index, reason)
        return
    if object_name not in builder.config_maps:
        reason = (
            f"it comes from ConfigMap {object_name!r} key {key!r}, "
            f"which is not in the input ({optional_note})"
        )
        builder.problem(index, f"{where}: {reason}", Severity.WARNING, UNRESOLVED_REFERENCE)
        builder.unknown(name, kind, index, reason)
        return
    data = builder.config_maps[object_name]
    if data is not None and not isinstance(data, Mapping):
        reason = f"the data given for ConfigMap {object_name!r} is not a mapping"
        builder.problem(index, f"{where}: {reason}", Severity.WARNING)
        builder.unknown(name, kind, index, reason)
        return
    if data is not None and key in data:
        found = data[key]
        if isinstance(found, str):
            builder.known(name, found, kind, index)
        else:
            reason = (
                f"ConfigMap {object_name!r} key {key!r} holds a {type_name(found)}, not a string"
            )
            builder.problem(index, f"{where}: {reason}", Severity.WARNING)
            builder.unknown(name, kind, index, reason)
        return
    missing = (
        f"ConfigMap {object_name!r} does not exist"
        if data is None
        else f"ConfigMap {object_name!r} has no key {key!r}"
    )
    if optional:
        builder.problem(
            index,
            f"{where}: {missing}; the reference is optional, so this entry sets nothing",
            Severity.INFO,
            UNRESOLVED_REFERENCE,
        )
        builder.skip(name, kind, index, f"{missing} and the reference is optional")
        return
    reason = f"{missing} and the reference is not optional: the pod would not start"
    builder.problem(index, f"{where}: {reason}", Severity.ERROR, UNRESOLVED_REFERENCE)
    builder.unknown(name, kind, index, reason)
