"""The workload was read as `kubectl get -o yaml` prints it, with the fields
the API server sets: `metadata.uid`, `resourceVersion`, `generation`,
`creationTimestamp`, `managedFields`, `selfLink`, the
`kubectl.kubernetes.io/last-applied-configuration` and
`deployment.kubernetes.io/revision` annotations, and `status`. The patched
manifest leaves them out, as `migrate scan` does, so that `kubectl apply` of
it does not fail with a conflict once the object has changed; every other
line is kept byte for byte. The finding names the fields left out.

**Do:** nothing; apply the patched manifest as it is. To keep your own
manifests under version control, convert them rather than the cluster's
copy.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "server-fields-removed"
SEVERITY = Severity.INFO
TITLE = "fields the API server set were left out of the patched manifest"
