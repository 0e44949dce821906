"""A workload that already runs the new layout (RUN_CONFIG_PATH and the
chart's ConfigMap mounted at /etc/llama-stack) is checked on the run.yaml
its ConfigMap holds and on its env, as a migration's result would be. This
finding says that the run.yaml could not be read: the ConfigMap is not in
the input of `migrate convert`, does not exist in the cluster (then the pod
cannot start), has no `run.yaml` key, or holds text that is not YAML. Its
hazards (`chart-default-hazard`, `vector-provider-not-enabled`,
`embedding-provider-not-enabled`) and its history (`upgrade-reverted`) are
not judged.

**Do:** give `convert` the ConfigMap with the workload
(`kubectl get deployment,configmap -o yaml`), or fix the ConfigMap.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "configmap-not-read"
SEVERITY = Severity.WARNING
TITLE = "a migrated workload's run.yaml could not be read, so it was not checked"
