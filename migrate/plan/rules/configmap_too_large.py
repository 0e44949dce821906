"""The run.yaml, with the pod's values baked in, makes the ConfigMap's data
larger than 1 MiB (1,048,576 bytes), which the API server refuses (an
offline schema check does not catch it). Nothing is written for the
workload.

**Do:** look for a value that is unexpectedly large (a variable holding a
file's content); keep it out of run.yaml.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "configmap-too-large"
SEVERITY = Severity.ERROR
TITLE = "the run.yaml does not fit into a ConfigMap (1 MiB)"
