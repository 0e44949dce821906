"""With `--helm-values`, the values of the release's last deployed revision do
not lead to the run.yaml the pod's env leads to (for example the pod was
changed with `kubectl set env`, or the latest revision failed and the pod
runs another one). `helm-values.yaml` follows the release's values;
`values-overlay.yaml` follows the pod.

**Do:** decide which is right before upgrading.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "helm-values-mismatch"
SEVERITY = Severity.WARNING
TITLE = "the Helm release's values do not explain the pod's env"
