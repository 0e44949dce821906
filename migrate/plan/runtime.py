"""run.yaml as the server sees it at start-up: placeholders resolved with the pod's env.

This module owns the resolution of run-time placeholders (``${env.VLLM_URL:+vllm}``)
with the pod's env as Llama Stack 0.3.3 would, and the readings of a run.yaml
that several finding rules and ``--verify`` share: the default embedding model
and the providers of one API. Where a variable is not known offline the value
is :data:`UNKNOWN`, and a check then says nothing rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.engine import kube_env, overlay
from migrate.engine import placeholders as ph


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def runtime(value: Any, environment: kube_env.ContainerEnv, home: str | None) -> Any:
    """``value`` as the server sees it at start-up, or UNKNOWN."""
    if value is overlay.MISSING:
        return UNKNOWN
    if not isinstance(value, str):
        return value
    found = ph.placeholders(value)
    if not found:
        return value
    env: dict[str, str] = {}
    for placeholder in found:
        var = environment.get(placeholder.name)
        if var.state is kube_env.State.UNKNOWN:
            return UNKNOWN
        if var.state is kube_env.State.KNOWN and var.value is not None:
            env[placeholder.name] = var.value
    try:
        return ph.evaluate(value, env, home)
    except (ph.RequiredUnset, ph.UnknownHome):
        return UNKNOWN


def home(environment: kube_env.ContainerEnv) -> str | None:
    """The container's HOME where it is known; what ``~`` in run.yaml expands to."""
    var = environment.get("HOME")
    # An empty HOME is no HOME: the runtime (runc) then sets it from /etc/passwd.
    return var.value if var.state is kube_env.State.KNOWN and var.value else None


def show(value: Any) -> str:
    """A run.yaml value as a message names it."""
    if value is overlay.MISSING:
        return "(absent)"
    if isinstance(value, str):
        return repr(value) if value == "" or value != value.strip() else value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Embedding:
    """The embedding model vector stores use by default, resolved."""

    provider: Any
    model: Any
    dimension: Any

    def known(self) -> bool:
        return UNKNOWN not in (self.provider, self.model, self.dimension)

    def __str__(self) -> str:
        return (
            f"{show(self.model)} from provider {show(self.provider)} "
            f"(dimension {show(self.dimension)})"
        )


def embedding(config: Any, environment: kube_env.ContainerEnv, home: str | None) -> Embedding:
    """The default embedding model of ``config`` and the dimension it is registered with."""

    def resolve(value: Any) -> Any:
        return runtime(value, environment, home)

    provider = resolve(
        overlay.get_exact(config, ("vector_stores", "default_embedding_model", "provider_id"))
    )
    model = resolve(
        overlay.get_exact(config, ("vector_stores", "default_embedding_model", "model_id"))
    )
    dimension: Any = None
    models = overlay.get_exact(config, ("registered_resources", "models"))
    for entry in models if isinstance(models, list) else []:
        if not isinstance(entry, Mapping) or entry.get("model_type") != "embedding":
            continue
        same_model = resolve(entry.get("model_id")) == model
        if same_model and resolve(entry.get("provider_id")) == provider:
            metadata = entry.get("metadata")
            found = metadata.get("embedding_dimension") if isinstance(metadata, Mapping) else None
            dimension = resolve(found) if found is not None else None
            break
    return Embedding(provider, model, dimension)


@dataclass(frozen=True)
class Providers:
    """The providers of one API: ids enabled in this pod, and ids switched off (→ gate)."""

    enabled: dict[str, Mapping[str, Any]]
    disabled: dict[str, str]
    unknown: bool


def providers(
    config: Any, api: str, environment: kube_env.ContainerEnv, home: str | None
) -> Providers:
    """The providers of ``api`` in ``config`` as this pod's env enables them."""
    enabled: dict[str, Mapping[str, Any]] = {}
    disabled: dict[str, str] = {}
    unknown = False
    entries = overlay.get_exact(config, ("providers", api))
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        raw = entry.get("provider_id")
        resolved = runtime(raw, environment, home)
        if resolved is UNKNOWN:
            unknown = True
        elif resolved and resolved != "__disabled__":
            enabled.setdefault(str(resolved), entry)
        elif isinstance(raw, str):
            gates = [p for p in ph.placeholders(raw) if p.operator == "+" and p.argument]
            for gate in gates:
                disabled.setdefault(gate.argument, f"{raw} is empty while {gate.name} is unset")
    return Providers(enabled, disabled, unknown)
