"""The run.yaml the pod needs differs from what the target chart renders at a
key that no values key of the chart sets: the modular charts write
`version`, `image_name` and `apis` in their template, and leave out a
section whose value is empty. After `helm upgrade` those keys would differ.
Raised for workloads that a Helm release manages.

**Do:** choose another target (`--target`, `--chart`), drop
`--preserve-behavior` if it pins such a key, or apply the patched manifest
and ConfigMap, which carry any run.yaml.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "target-cannot-carry"
SEVERITY = Severity.ERROR
TITLE = "the target chart's values cannot render the run.yaml the pod needs"
