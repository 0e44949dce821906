"""The default embedding model is served by a vLLM provider without
`allowed_models`. That provider lists its server's models and registers them
itself, next to the embedding model that run.yaml registers. If the
registry persisted on the volume already holds the model with another type,
Llama Stack stops at start-up with an "already exists" error.

**Do:** if that error appears, remove the stale entry from the persisted
registry (on the volume). Do not set `allowed_models: []` to stop the
registration: under Llama Stack 0.3.3 an empty list refuses every model of
the provider (see `chart-default-hazard`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned, runtime

ID = "vllm-auto-registration"
SEVERITY = Severity.WARNING
TITLE = "the embedding model is served by a vLLM provider that registers its models itself"

_VLLM_TYPE = "remote::vllm"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """The embedding model is served by vLLM, which registers the models it lists."""
    environment, home = workload.environment, workload.home
    model = runtime.embedding(workload.after, environment, home)
    if not isinstance(model.provider, str):
        return
    inference = runtime.providers(workload.after, "inference", environment, home)
    entry = inference.enabled.get(model.provider)
    if entry is None or entry.get("provider_type") != _VLLM_TYPE:
        return
    config = entry.get("config")
    allowed = config.get("allowed_models") if isinstance(config, Mapping) else None
    if allowed is not None:
        return
    yield Problem(
        ID,
        f"the embedding model {runtime.show(model.model)} is served by vLLM provider "
        f"{model.provider}, which registers every model its server lists; if the "
        "registry on the volume already holds it with another type, start-up stops "
        "with 'already exists': remove that entry (allowed_models: [] is no fix, "
        "it refuses every model of the provider)",
    )
