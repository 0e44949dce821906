"""The container runs Llama Stack, but not from the run.yaml baked into the
image: it passes a config file of its own (`llama stack run FILE`,
`--config`), sets `LLAMA_STACK_CONFIG`, or points `RUN_CONFIG_PATH` at
another file. Upstream Llama Stack templates and other charts do this. There
is nothing of the image's run.yaml to translate; the workload is reported as
`not migrated` and nothing is written for it. `llama stack run NAME` with a
distribution name (no path, no `.yaml`) is the image's own run.yaml and is
migrated.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "own-config"
SEVERITY = Severity.INFO
TITLE = "the pod runs Llama Stack with its own config, not the image's run.yaml"
