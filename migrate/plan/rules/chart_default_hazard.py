"""A default of the target chart that the pod did not have before would break
what this pod uses. For the built-in profile: the seed chart (`--target
runconfig`) and the first modular chart (`--target modular-1543ca5`) add
`allowed_models: []` to the vLLM provider. Under Llama Stack 0.3.3 an empty
list refuses *every* model of that provider — chat completions and a
vLLM-served embedding model alike — so a pod with `VLLM_URL` set would lose
vLLM. Raised only when the pod sets (or may set) the variable that enables
the provider. The newest chart (`--target modular`) has no such default.

By default `migrate` does not adopt such a default: the overlay keeps the
vLLM provider as the pod ran it (the whole `providers.inference` list, since
Helm replaces lists whole, with a comment saying why), and the finding is a
warning naming what was kept. With `--adopt-chart-defaults` the default is
adopted and the finding is an error; no `next:` command is printed then.

**Do:** keep the default behaviour, or upgrade to the newest chart, which
dropped the setting.
"""

from __future__ import annotations

from collections.abc import Iterator

from migrate.engine import kube_env
from migrate.engine.evaluate import format_path
from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned

ID = "chart-default-hazard"
SEVERITY = Severity.ERROR
TITLE = "a chart default breaks what the pod uses (a warning where the pod's value is kept)"
SEVERITY_NOTE = "a warning where the overlay keeps what the pod ran"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """Chart defaults that break what this pod uses: an error where adopted, a warning where
    the overlay keeps what the pod ran instead."""
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
            yield Problem(
                ID,
                f"{where}: {hazard.message}, and {sets}; it was adopted because of "
                "--adopt-chart-defaults: without it the overlay keeps what the pod ran",
            )
        elif kept:
            where = ", ".join(format_path(d.path) for d in kept)
            yield Problem(
                ID,
                f"{where}: {hazard.message}, and {sets}; the overlay keeps what the pod "
                "ran (Helm replaces lists whole, so it carries the whole list); "
                "--adopt-chart-defaults adopts the chart's default instead",
                Severity.WARNING,
            )
