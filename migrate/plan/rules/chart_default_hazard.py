"""A default of the target chart that the pod did not have before would break
what this pod uses. For the built-in profile: the seed chart (`--target
runconfig`) and the first modular chart (`--target modular-1543ca5`) add
`allowed_models: []` to the vLLM provider. Under Llama Stack 0.3.3 an empty
list refuses *every* model of that provider — chat completions and a
vLLM-served embedding model alike — so a pod with `VLLM_URL` set would lose
vLLM. Raised only when the pod sets (or may set) the variable that enables
the provider (for `migrate values`: when the old values set it). The newest
chart (`--target modular`) has no such default.

`migrate convert` and `migrate values` decide alike. By default neither
adopts such a default: the overlay (`values-overlay.yaml`, or the converted
values file) keeps the vLLM provider as the pod ran it — the whole
`providers.inference` list, since Helm replaces lists whole, with a comment
saying which default it keeps and why — and the finding is a **warning**
naming what was kept. `--preserve-behavior` keeps it too (a warning).
Only `--adopt-chart-defaults` adopts the default, and then the finding is an
**error**: both commands exit 1 (at the default `--fail-on error`), and
`convert` prints no `next:` command.

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
SEVERITY = Severity.WARNING
TITLE = "a chart default would break what the pod uses (an error only where it is adopted)"
SEVERITY_NOTE = (
    "an error with --adopt-chart-defaults, which adopts the default; in `migrate convert` "
    "and `migrate values` alike"
)


def check(workload: planned.Workload) -> Iterator[Problem]:
    """Chart defaults that break what this pod uses: a warning where the overlay keeps what
    the pod ran instead (the default), an error where adopted (--adopt-chart-defaults)."""
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
                Severity.ERROR,
            )
        elif kept:
            where = ", ".join(format_path(d.path) for d in kept)
            yield Problem(
                ID,
                f"{where}: {hazard.message}, and {sets}; the overlay keeps what the pod "
                "ran (Helm replaces lists whole, so it carries the whole list); "
                "--adopt-chart-defaults adopts the chart's default instead",
            )
