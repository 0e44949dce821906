"""The ``envFrom`` imports that the patched workload keeps, and the migrated variables they set.

This module owns the ``env-from-kept`` finding: an import of the Llama Stack
container that sets a migrated variable (a ConfigMap given with the input,
judged by its keys), or may set one (a Secret, or a ConfigMap not given,
judged by its prefix), stays in the patched workload as it was; run.yaml no
longer reads the variables that were baked. A variable that an ``env`` entry
sets is not counted: the entry beats every import, so the pod never ran the
import's value. Malformed items are the env
emulation's to report (``env-problem``); they are passed over here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migrate.engine import kube_env
from migrate.engine.kube_env.names import CONFIG_KEY
from migrate.model import Classification, Finding, Severity, VariablePlan
from migrate.plan.findings import finding

_KINDS = {"configMapRef": "ConfigMap", "secretRef": "Secret"}


def kept_imports(
    container: Mapping[str, Any],
    name: str,
    environment: kube_env.ContainerEnv,
    config_maps: kube_env.ConfigMaps,
    fates: Sequence[VariablePlan],
) -> list[Finding]:
    """One finding per ``envFrom`` item of ``container`` (named ``name``) that sets, or may
    set, a migrated variable that no ``env`` entry overrides; ``fates`` says which are
    baked and which stay env vars."""
    items = container.get("envFrom")
    if not isinstance(items, list):
        return []
    # An `env` entry that sets a variable beats every import: the pod never ran the
    # import's value of it.
    migrated = {
        fate.name: fate.classification is Classification.MIGRATED
        for fate in fates
        if fate.classification in (Classification.MIGRATED, Classification.KEPT)
        and environment.get(fate.name).env_index is None
    }
    found: list[Finding] = []
    for position, item in enumerate(items):
        source = _source(item)
        if source is None:
            continue
        kind, ref, prefix = source
        sets = _sets(kind, ref, prefix, config_maps, migrated)
        if sets is None:
            continue
        known, names = sets
        baked = [n for n in names if migrated[n]]
        still = [n for n in names if not migrated[n]]
        what = f"{_KINDS[kind]} {ref!r}" + (f" with prefix {prefix!r}" if prefix else "")
        verb = "sets" if known else "may set (its keys are not known offline)"
        message = (
            f"container {name}: envFrom[{position}] imports {what} and {verb} "
            f"{', '.join(names)}; the patched workload keeps the import, which cannot drop "
            "one key"
        )
        if baked:
            message += (
                f". run.yaml no longer reads {', '.join(baked)} (baked into runConfig): a "
                f"change to {_KINDS[kind]} {ref!r} no longer reaches Llama Stack. Change "
                "these settings in runConfig from now on, and once the migration is applied "
                f"remove their keys from {_KINDS[kind]} {ref!r} (or the import, if the pod "
                "reads nothing else from it)"
            )
        if still:
            stay = "stays an env var" if len(still) == 1 else "stay env vars"
            message += (
                f"; {', '.join(still)} {stay} that run.yaml still reads, and the import "
                f"{'sets' if known else 'may set'}: keep it"
            )
        found.append(finding("env-from-kept", message, None if baked else Severity.INFO))
    return found


def _source(item: Any) -> tuple[str, str, str] | None:
    """(kind, name, prefix) of a well-formed ``envFrom`` item, else None."""
    if not isinstance(item, Mapping):
        return None
    prefix = item.get("prefix") or ""
    kinds = [kind for kind in _KINDS if item.get(kind) is not None]
    if not isinstance(prefix, str) or len(kinds) != 1:
        return None
    ref = item[kinds[0]]
    ref_name = ref.get("name") if isinstance(ref, Mapping) else None
    if not isinstance(ref_name, str) or not ref_name:
        return None
    return kinds[0], ref_name, prefix


def _sets(
    kind: str,
    ref: str,
    prefix: str,
    config_maps: kube_env.ConfigMaps,
    migrated: Mapping[str, bool],
) -> tuple[bool, list[str]] | None:
    """Whether the import's keys are known, and the migrated variables it (may) set; None
    when it sets none, or when only an unknown import without a prefix could."""
    if kind == "configMapRef" and ref in config_maps:
        data = config_maps[ref]
        if data is None:
            return None  # a ConfigMap known not to exist sets nothing
        if isinstance(data, Mapping):
            keys = {prefix + key for key in data if isinstance(key, str)}
            names = sorted(keys & set(migrated))
            return (True, names) if names else None
    if not prefix:
        return None  # every variable it may set stays an env var, with its own finding
    names = sorted(
        n for n in migrated if n.startswith(prefix) and CONFIG_KEY.fullmatch(n[len(prefix) :])
    )
    return (False, names) if names else None
