"""The pod's env customises run.yaml keys (for example VECTOR_STORE_* set to
Milvus and a vLLM-served model). The new chart no longer reads those
variables: a `helm upgrade` to it without `values-overlay.yaml` renders the
chart's defaults instead, silently. The message counts the keys and names
the variables; the report's differences list every key with both values.
Migrated variables that must stay env vars are named too: the new chart sets
them only through its `env` values.

**Do:** pass the overlay to every upgrade (`-f values-overlay.yaml`), or merge
it into your values file (`migrate values` does this for old values files).
"""

from __future__ import annotations

from collections.abc import Iterator

from migrate.engine import overlay
from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned

ID = "silent-revert"
SEVERITY = Severity.WARNING
TITLE = "an upgrade without the overlay drops customised keys"


def check(workload: planned.Workload) -> Iterator[Problem]:
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
        return
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
    yield Problem(
        ID,
        "an upgrade to the new chart without values-overlay.yaml would revert "
        + " and drop ".join(parts),
    )
