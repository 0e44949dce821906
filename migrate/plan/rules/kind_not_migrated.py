"""A DaemonSet, Job, CronJob, Pod or ReplicaSet runs the chart's Llama Stack
container. `migrate` converts Deployments and StatefulSets (what the chart
renders); this workload is named in the report, as `not migrated`, rather
than left out.

**Do:** give it the ConfigMap by hand (the `RUN_CONFIG_PATH` env entry, the
volume and the read-only mount that a converted Deployment gets), or run it
from a Deployment.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "kind-not-migrated"
SEVERITY = Severity.WARNING
TITLE = "a workload of a kind migrate does not convert runs the Llama Stack container"
