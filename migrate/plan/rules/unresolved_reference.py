"""An env entry (`configMapKeyRef`) or an `envFrom` `configMapRef` names a
ConfigMap, or a key, that is not in the input. Its variables are unknown
offline, so a migrated variable it could set stays an env var.

**Do:** give the ConfigMap with the manifests (`-f configmaps.yaml`), or scan
the cluster.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "unresolved-reference"
SEVERITY = Severity.WARNING
TITLE = "an env reference names a ConfigMap or key that is not in the input"
SEVERITY_NOTE = (
    "info when the reference is optional; error when the ConfigMap or key is known to "
    "be missing and the reference is not optional, as the pod would not start"
)
