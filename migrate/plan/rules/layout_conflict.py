"""The pod cannot take the new layout safely: RUN_CONFIG_PATH already points at
another file (the pod does not start from the image's run.yaml), something
is already mounted at or under `/etc/llama-stack` (paths compare cleaned, so
`/etc/llama-stack/` is the same directory; a `subPath` mount of
`/etc/llama-stack/run.yaml` would shadow the ConfigMap's file), a volume
already has the name `config-volume`, or the input already holds a
ConfigMap named `<name>-config` with keys besides `run.yaml` (ours would
replace it, and applying it would delete them). Nothing is written for it.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "layout-conflict"
SEVERITY = Severity.ERROR
TITLE = "the pod already uses the new layout's names or a run config of its own"
