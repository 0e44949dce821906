"""The fate of each env var of the Llama Stack container, and what staying ones still need.

This module owns the classification of every variable (migrated and baked,
kept as an env var and why, read at run time, unused, other), the env
entries the migration removes (not one that something still expands with
``$(NAME)`` or the planned run.yaml still reads), and, for the migrated
variables that stay env vars, how they still reach the pod: through the
overlay's env values where the target chart has them, or the findings that
say what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import evaluate, kube_env
from migrate.engine.evaluate import format_path
from migrate.model import Classification, Finding, Path, VariablePlan
from migrate.plan.findings import finding

# Sources whose values may be written into a values file; Secrets never are.
_PLAIN_SOURCES = ("value", "configMapKeyRef", "envFrom.configMapRef")
_SECRET_SOURCES = ("secretKeyRef", "envFrom.secretRef")


def fates(
    container: Mapping[str, Any],
    environment: kube_env.ContainerEnv,
    table: Mapping[str, list[Path]],
    bake: Mapping[str, str | None],
    refused: Mapping[str, str],
    profile: Profile,
    still_read: Mapping[str, list[str]] | None = None,
) -> tuple[list[VariablePlan], set[int]]:
    """Each env var's fate, and the env entries to remove."""
    still_read = still_read or {}
    env = container.get("env")
    entries = env if isinstance(env, list) else []
    named: dict[str, list[int]] = {}
    for index, item in enumerate(entries):
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            named.setdefault(item["name"], []).append(index)
    # The kubelet expands $(NAME) in command, args and subPathExpr too: removing NAME
    # would turn such a reference into literal text, so NAME stays.
    expanded = _expanded_elsewhere(container)
    removed_names = {
        name for name in bake if name in named and name not in expanded and name not in still_read
    }
    # An entry that expands $(NAME) would change if NAME's entry went away: keep NAME then.
    while True:
        removed_indices = {i for name in removed_names for i in named[name]}
        blocked = {
            name
            for name in removed_names
            if any(r not in removed_indices for r in environment.referrers(name))
        }
        if not blocked:
            break
        removed_names -= blocked
    readers = profile.readers
    plans: list[VariablePlan] = []
    for name in list(environment.vars) + [n for n in table if n not in environment.vars]:
        var = environment.get(name)
        keys = tuple(format_path(p) for p in readers.get(name, []))
        if name in bake:
            reason = None
            if name in still_read:
                reason = "left in env because the planned run.yaml still reads it at " + ", ".join(
                    still_read[name]
                )
            elif name in expanded:
                reason = f"left in env because the container's {expanded[name]} expands $({name})"
            elif name in named and name not in removed_names:
                reason = f"left in env because another env var expands $({name})"
            elif name not in named and var.state is not kube_env.State.UNSET:
                reason = (
                    f"set by {var.source}, which cannot drop one key; run.yaml no longer reads it"
                )
            elif bake[name] is None:
                reason = "unset: the template's default is baked"
            elif var.reason == kube_env.ASSUMED:
                reason = kube_env.ASSUMED
            plans.append(
                VariablePlan(
                    name, var.source, Classification.MIGRATED, keys, name in removed_names, reason
                )
            )
        elif name in table:
            plans.append(
                VariablePlan(name, var.source, Classification.KEPT, keys, False, refused.get(name))
            )
        elif evaluate.matches(name, profile.migrated_vars):
            plans.append(
                VariablePlan(
                    name,
                    var.source,
                    Classification.UNUSED,
                    (),
                    False,
                    "the template never reads it; left in place",
                )
            )
        elif keys:
            plans.append(VariablePlan(name, var.source, Classification.RUNTIME, keys, False))
        else:
            plans.append(VariablePlan(name, var.source, Classification.OTHER, (), False))
    return plans, removed_indices


def _expanded_elsewhere(container: Mapping[str, Any]) -> dict[str, str]:
    """Names that the container's command, args or a mount's subPathExpr reference with
    $(NAME) → where (the first place found)."""
    places: list[tuple[str, Any]] = [
        ("command", container.get("command")),
        ("args", container.get("args")),
    ]
    mounts = container.get("volumeMounts")
    for mount in mounts if isinstance(mounts, list) else []:
        if isinstance(mount, Mapping):
            places.append(("volumeMounts[].subPathExpr", [mount.get("subPathExpr")]))
    found: dict[str, str] = {}
    for where, texts in places:
        for text in texts if isinstance(texts, list) else []:
            if isinstance(text, str):
                for name in kube_env.references(text):
                    found.setdefault(name, where)
    return found


@dataclass(frozen=True)
class Staying:
    """The migrated variables that stay env vars: which are set, what the overlay gives
    the chart's env values, and the findings that say why and what to do."""

    kept: tuple[str, ...]  # set in the pod (an unset one needs nothing)
    env_values: dict[str, str]  # name → value, where the overlay can set it
    findings: tuple[Finding, ...]


def staying(
    variables: list[VariablePlan],
    environment: kube_env.ContainerEnv,
    profile: Profile,
    *,
    helm_managed: bool,
) -> Staying:
    """How the variables that stay env vars still reach the pod, variable by variable (an
    unused variable's finding among them)."""
    found: list[Finding] = []
    env_values: dict[str, str] = {}
    kept: list[str] = []
    for fate in variables:
        if fate.classification is Classification.UNUSED:
            found.append(
                finding(
                    "unused-variable",
                    f"{fate.name} looks like a migrated variable, but the template never "
                    "reads it (a typo?); it is left in place",
                )
            )
        if fate.classification is not Classification.KEPT:
            continue
        var = environment.get(fate.name)
        if var.state is not kube_env.State.UNSET:
            kept.append(fate.name)
        if var.source in _SECRET_SOURCES:
            found.append(
                finding(
                    "secret-variable",
                    f"{fate.name} comes from a Secret ({var.source}); its value is never read, "
                    "so it stays an env var and run.yaml keeps reading it",
                )
            )
        else:
            found.append(
                finding("value-not-inlined", f"{fate.name} stays an env var: {fate.reason}")
            )
        env_key = profile.target.env_values_key
        if var.state is kube_env.State.UNSET:
            continue
        if env_key is None:
            if helm_managed:
                found.append(
                    finding(
                        "env-not-carried",
                        f"{fate.name} must stay an env var ({fate.reason or var.source}), and "
                        f"the target chart ({profile.target.name}) has no values key for extra "
                        "env vars: after `helm upgrade` the pod would lack it. Bake a known "
                        f"value with --assume {fate.name}=VALUE, use a chart that passes extra "
                        "env vars (--chart), or apply the patched manifest and ConfigMap "
                        "instead, which keep it",
                    )
                )
        elif var.state is kube_env.State.KNOWN and var.source in _PLAIN_SOURCES and var.value:
            env_values[fate.name] = str(var.value)
        else:
            found.append(
                finding(
                    "env-not-in-overlay",
                    f"{fate.name} ({var.source}) must still reach the pod; the overlay "
                    f"cannot set it, so give the chart's '{env_key}' values an equivalent "
                    "entry",
                )
            )
    return Staying(tuple(kept), env_values, tuple(found))
