"""Checks on one planned workload: what its configuration and upgrade put at risk.

This module owns the findings that look at the result of planning rather
than at single env entries: what an upgrade without the overlay would drop,
vector stores built with another embedding model, chart defaults that break
what the pod used, providers that are switched off, vLLM's own model
registration, and what restarts the pods when the ConfigMap changes.

Run-time placeholders (``${env.VLLM_URL:+vllm}``) are resolved here with the
pod's env as Llama Stack 0.3.3 would; where a variable is not known offline
the check says nothing rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env, overlay
from migrate.engine import placeholders as ph
from migrate.engine.evaluate import format_path
from migrate.model import Drift, Finding, Path, Severity
from migrate.plan.findings import finding


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

_VLLM_TYPE = "remote::vllm"
_RELOADER_AUTO = ("reloader.stakater.com/auto", "configmap.reloader.stakater.com/auto")
_RELOADER_NAMED = "configmap.reloader.stakater.com/reload"


@dataclass(frozen=True)
class Workload:
    """What the checks read of one planned workload."""

    profile: Profile
    environment: kube_env.ContainerEnv
    home: str | None
    before: Any  # the run.yaml the pod ran (migrated variables baked in)
    after: Any  # the run.yaml the new chart renders with the overlay
    provenance: Mapping[Path, frozenset[str]]
    kept: tuple[str, ...]  # migrated variables that stay env vars and are set
    drift: tuple[Drift, ...]
    workload_annotations: Mapping[str, Any]
    pod_annotations: Mapping[str, Any]
    configmap: str


def run(workload: Workload) -> list[Finding]:
    """Every check, in the order a reader should meet them."""
    found: list[Finding] = []
    found += silent_revert(workload)
    found += vector_store_risk(workload)
    found += chart_default_hazard(workload)
    found += provider_not_enabled(workload)
    found += vllm_auto_registration(workload)
    found += no_rollout_trigger(workload)
    return found


# -- run-time resolution -------------------------------------------------------


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


def _show(value: Any) -> str:
    if value is overlay.MISSING:
        return "(absent)"
    if isinstance(value, str):
        return repr(value) if value == "" or value != value.strip() else value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- silent revert -----------------------------------------------------------------


def silent_revert(workload: Workload) -> list[Finding]:
    """Env-set keys that an upgrade without the overlay would put back to the defaults."""
    defaults = workload.profile.chart_defaults
    reverted = [
        path
        for path in workload.provenance
        if not overlay.same_or_missing(
            overlay.get_exact(workload.after, path), overlay.get_exact(defaults, path)
        )
    ]
    if not reverted and not workload.kept:
        return []
    parts: list[str] = []
    if reverted:
        names = sorted({name for path in reverted for name in workload.provenance[path]})
        keys = "1 run.yaml key" if len(reverted) == 1 else f"{len(reverted)} run.yaml keys"
        parts.append(f"{keys} set by {', '.join(names)} to the chart's defaults")
    if workload.kept:
        env_key = workload.profile.target.env_values_key
        where = (
            f"set them in the chart's '{env_key}' values"
            if env_key is not None
            else "no values key of the target chart sets them"
        )
        parts.append(f"{', '.join(workload.kept)} (kept as env vars; {where})")
    return [
        finding(
            "silent-revert",
            "an upgrade to the new chart without values-overlay.yaml would revert "
            + " and drop ".join(parts),
        )
    ]


# -- vector stores ----------------------------------------------------------------


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
            f"{_show(self.model)} from provider {_show(self.provider)} "
            f"(dimension {_show(self.dimension)})"
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


def vector_store_risk(workload: Workload) -> list[Finding]:
    """The pod's vector stores were built with an embedding model the defaults do not use."""
    environment, home = workload.environment, workload.home
    ours = embedding(workload.before, environment, home)
    theirs = embedding(workload.profile.chart_defaults, environment, home)
    if not ours.known() or not theirs.known():
        return []
    if (ours.provider, ours.model, _number(ours.dimension)) == (
        theirs.provider,
        theirs.model,
        _number(theirs.dimension),
    ):
        return []
    return [
        finding(
            "vector-store-risk",
            f"existing vector stores were built with {ours}; the target chart's defaults "
            f"use {theirs}, so an upgrade that loses the overlay leaves them unreadable",
        )
    ]


def _number(value: Any) -> Any:
    """Dimensions compare as numbers: 768 and '768' are one dimension to the server."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return value


# -- chart defaults that hurt ------------------------------------------------------


def chart_default_hazard(workload: Workload) -> list[Finding]:
    """Chart defaults that break what this pod uses: an error where adopted, a warning where
    the overlay keeps what the pod ran instead."""
    found: list[Finding] = []
    for hazard in workload.profile.hazards:
        trigger = workload.environment.get(hazard.when_set)
        if trigger.state is kube_env.State.UNSET or trigger.value == "":
            continue
        sets = (
            f"this pod sets {hazard.when_set}"
            if trigger.state is kube_env.State.KNOWN
            else f"this pod may set {hazard.when_set} (its value is not known offline)"
        )
        adopted = [d for d in workload.drift if d.adopted and hazard.key in d.path]
        kept = [d for d in workload.drift if not d.adopted and hazard.key in d.path]
        if adopted:
            where = ", ".join(format_path(d.path) for d in adopted)
            found.append(
                finding(
                    "chart-default-hazard",
                    f"{where}: {hazard.message}, and {sets}; it was adopted because of "
                    "--adopt-chart-defaults: without it the overlay keeps what the pod ran",
                )
            )
        elif kept:
            where = ", ".join(format_path(d.path) for d in kept)
            found.append(
                finding(
                    "chart-default-hazard",
                    f"{where}: {hazard.message}, and {sets}; the overlay keeps what the pod "
                    "ran (Helm replaces lists whole, so it carries the whole list); "
                    "--adopt-chart-defaults adopts the chart's default instead",
                    Severity.WARNING,
                )
            )
    return found


# -- providers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Providers:
    """The providers of one API: ids enabled in this pod, and ids switched off (→ gate)."""

    enabled: dict[str, Mapping[str, Any]]
    disabled: dict[str, str]
    unknown: bool


def providers(
    config: Any, api: str, environment: kube_env.ContainerEnv, home: str | None
) -> Providers:
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


def provider_not_enabled(workload: Workload) -> list[Finding]:
    """Defaults that name a provider this pod does not run."""
    environment, home = workload.environment, workload.home
    found: list[Finding] = []
    vector_io = providers(workload.after, "vector_io", environment, home)
    chosen = runtime(
        overlay.get_exact(workload.after, ("vector_stores", "default_provider_id")),
        environment,
        home,
    )
    chosen_known = isinstance(chosen, str) and chosen and not vector_io.unknown
    if chosen_known and chosen not in vector_io.enabled:
        why = vector_io.disabled.get(chosen, "no vector_io provider has that id")
        found.append(
            finding(
                "vector-provider-not-enabled",
                f"vector_stores.default_provider_id is {chosen}, which this pod does not "
                f"run ({why}); creating a vector store without a provider_id fails",
            )
        )
    inference = providers(workload.after, "inference", environment, home)
    model = embedding(workload.after, environment, home)
    if (
        isinstance(model.provider, str)
        and not inference.unknown
        and model.provider in inference.disabled
        and model.provider not in inference.enabled
    ):
        found.append(
            finding(
                "embedding-provider-not-enabled",
                f"vector_stores.default_embedding_model.provider_id is {model.provider}, "
                f"which this pod does not run ({inference.disabled[model.provider]}); "
                "Llama Stack 0.3.3 stops at start-up when it cannot find the default "
                "embedding model",
            )
        )
    return found


def vllm_auto_registration(workload: Workload) -> list[Finding]:
    """The embedding model is served by vLLM, which registers the models it lists."""
    environment, home = workload.environment, workload.home
    model = embedding(workload.after, environment, home)
    if not isinstance(model.provider, str):
        return []
    entry = providers(workload.after, "inference", environment, home).enabled.get(model.provider)
    if entry is None or entry.get("provider_type") != _VLLM_TYPE:
        return []
    config = entry.get("config")
    allowed = config.get("allowed_models") if isinstance(config, Mapping) else None
    if allowed is not None:
        return []
    return [
        finding(
            "vllm-auto-registration",
            f"the embedding model {_show(model.model)} is served by vLLM provider "
            f"{model.provider}, which registers every model its server lists; if the "
            "registry on the volume already holds it with another type, start-up stops "
            "with 'already exists': remove that entry (allowed_models: [] is no fix, "
            "it refuses every model of the provider)",
        )
    ]


# -- rollouts -----------------------------------------------------------------------------


def no_rollout_trigger(workload: Workload) -> list[Finding]:
    """Nothing restarts the pods when the ConfigMap's content changes."""
    if any(str(key).startswith("checksum/") for key in workload.pod_annotations):
        return []
    annotations = workload.workload_annotations
    if any(str(annotations.get(key, "")).lower() == "true" for key in _RELOADER_AUTO):
        return []
    named = str(annotations.get(_RELOADER_NAMED, ""))
    if workload.configmap in _split(named):
        return []
    return [
        finding(
            "no-rollout-trigger",
            f"nothing restarts the pods when ConfigMap {workload.configmap} changes (no "
            "checksum/ pod annotation, no Reloader annotation): after changing runConfig, "
            "run kubectl rollout restart",
        )
    ]


def _split(text: str) -> Iterable[str]:
    return (part.strip() for part in text.split(","))
