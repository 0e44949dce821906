"""A container's ``envFrom``: ConfigMaps and Secrets imported whole, read as the kubelet does.

A ConfigMap that was supplied defines its keys (with the item's prefix); a
Secret, or a ConfigMap not in the input, becomes a source whose keys are
unknown, so every name it could define is UNKNOWN. Secret data is never read.
"""

from __future__ import annotations

from collections.abc import Mapping

from migrate.engine.kube_env.builder import Builder, optional_flag, type_name
from migrate.engine.kube_env.environment import SOURCE_ENV_FROM_CONFIG_MAP, UNRESOLVED_REFERENCE
from migrate.engine.kube_env.names import is_valid_name
from migrate.model import Severity


def read(builder: Builder, env_from: object) -> None:
    """Every ``envFrom`` item, in order (a later one overrides an earlier one)."""
    if env_from is None:
        return
    if not isinstance(env_from, list):
        builder.problem(
            None,
            f"envFrom is a {type_name(env_from)}, not a list; "
            "the API server rejects it and no variable can be trusted",
            Severity.ERROR,
        )
        builder.add_opaque("envFrom", "", False)
        return
    for position, item in enumerate(env_from):
        _item(builder, position, item)


def _item(builder: Builder, position: int, item: object) -> None:
    where = f"envFrom[{position}]"
    if not isinstance(item, Mapping):
        builder.problem(None, f"{where} is a {type_name(item)}, not a mapping", Severity.ERROR)
        builder.add_opaque(where, "", False)
        return
    prefix = item.get("prefix")
    if prefix is None:
        prefix = ""
    if not isinstance(prefix, str) or (prefix and not is_valid_name(prefix)):
        builder.problem(
            None,
            f"{where}: prefix is not a valid environment variable name; the API server rejects it",
            Severity.ERROR,
        )
        builder.add_opaque(where, "", False)
        return
    kinds = [kind for kind in ("configMapRef", "secretRef") if item.get(kind) is not None]
    if len(kinds) != 1:
        detail = (
            "neither configMapRef nor secretRef" if not kinds else "both configMapRef and secretRef"
        )
        builder.problem(None, f"{where} has {detail}; the API server rejects it", Severity.ERROR)
        if kinds:
            builder.add_opaque(where, prefix, False)
        return
    kind = kinds[0]
    ref = item[kind]
    name = ref.get("name") if isinstance(ref, Mapping) else None
    optional = optional_flag(ref) if isinstance(ref, Mapping) else None
    if not isinstance(name, str) or not name or optional is None:
        builder.problem(
            None,
            f"{where}.{kind} needs a non-empty string name and a boolean optional",
            Severity.ERROR,
        )
        builder.add_opaque(where, prefix, False)
        return
    if kind == "secretRef":
        label = f"secret/{name}"
        builder.problem(
            None,
            f"{where} imports Secret {name!r}"
            + (f" with prefix {prefix!r}" if prefix else "")
            + "; its keys are never read, so any variable it could define is unknown"
            + (" (optional: it may also be absent)" if optional else ""),
            Severity.INFO,
        )
        builder.add_opaque(label, prefix, True)
        return
    _config_map(builder, where, name, prefix, optional)


def _config_map(builder: Builder, where: str, name: str, prefix: str, optional: bool) -> None:
    label = f"configmap/{name}"
    if name not in builder.config_maps:
        builder.problem(
            None,
            f"{where} imports ConfigMap {name!r}, which is not in the input; "
            f"the variables it defines are unknown (optional: {str(optional).lower()})",
            Severity.WARNING,
            UNRESOLVED_REFERENCE,
        )
        builder.add_opaque(label, prefix, True)
        return
    data = builder.config_maps[name]
    if data is None:
        if optional:
            builder.problem(
                None,
                f"{where} imports ConfigMap {name!r}, which does not exist; "
                "it is optional, so it adds nothing",
                Severity.INFO,
                UNRESOLVED_REFERENCE,
            )
            return
        builder.problem(
            None,
            f"{where} imports ConfigMap {name!r}, which does not exist and is not "
            "optional: the pod would not start until it is created",
            Severity.ERROR,
            UNRESOLVED_REFERENCE,
        )
        builder.add_opaque(label, prefix, True)
        return
    if not isinstance(data, Mapping):
        builder.problem(
            None,
            f"{where}: the data given for ConfigMap {name!r} is not a mapping",
            Severity.WARNING,
        )
        builder.add_opaque(label, prefix, True)
        return
    skipped: list[str] = []
    for key in sorted(data, key=str):
        var_name = prefix + key if isinstance(key, str) else None
        if var_name is None or not is_valid_name(var_name):
            skipped.append(repr(key))
            continue
        value = data[key]
        if isinstance(value, str):
            builder.known(var_name, value, SOURCE_ENV_FROM_CONFIG_MAP, None)
        else:
            reason = f"ConfigMap {name!r} key {key!r} holds a {type_name(value)}, not a string"
            builder.problem(None, f"{where}: {reason}", Severity.WARNING)
            builder.unknown(var_name, SOURCE_ENV_FROM_CONFIG_MAP, None, reason)
    if skipped:
        builder.problem(
            None,
            f"{where}: keys {', '.join(skipped)} of ConfigMap {name!r} do not make valid "
            "environment variable names and are skipped",
            Severity.WARNING,
        )
