"""Nothing restarts the pods when the ConfigMap `<name>-config` changes: the
pod template has no `checksum/...` annotation and the workload no Reloader
annotation (`reloader.stakater.com/auto: "true"`, or
`configmap.reloader.stakater.com/reload` naming the ConfigMap). Applying the
migration itself rolls the pods (their template changes); a later change of
`runConfig` alone does not, and Llama Stack reads run.yaml only at start-up.
A `checksum/` annotation on the input counts as a trigger, as the sign that
whatever renders the manifest recomputes it; a static checksum in a
hand-written manifest restarts nothing.

**Do:** `kubectl rollout restart` after changing runConfig, or add a
checksum annotation or Reloader.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned

ID = "no-rollout-trigger"
SEVERITY = Severity.INFO
TITLE = "nothing restarts the pods when the ConfigMap changes"

_RELOADER_AUTO = ("reloader.stakater.com/auto", "configmap.reloader.stakater.com/auto")
_RELOADER_NAMED = "configmap.reloader.stakater.com/reload"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """Nothing restarts the pods when the ConfigMap's content changes."""
    if any(str(key).startswith("checksum/") for key in workload.pod_annotations):
        return
    annotations = workload.workload_annotations
    if any(str(annotations.get(key, "")).lower() == "true" for key in _RELOADER_AUTO):
        return
    named = str(annotations.get(_RELOADER_NAMED, ""))
    if workload.configmap in _split(named):
        return
    yield Problem(
        ID,
        f"nothing restarts the pods when ConfigMap {workload.configmap} changes (no "
        "checksum/ pod annotation, no Reloader annotation): after changing runConfig, "
        "run kubectl rollout restart",
    )


def _split(text: str) -> Iterable[str]:
    return (part.strip() for part in text.split(","))
