"""With `--helm-values`, no deployed revision of the workload's Helm release
could be read: its release Secrets were forbidden, missing, or none of them
is in status `deployed` (a failed or pending latest revision is never used).
`helm-values.yaml` is not written; `values-overlay.yaml` still is.

**Do:** pass your values file through `migrate values` yourself.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "helm-release-unreadable"
SEVERITY = Severity.WARNING
TITLE = "no deployed revision of the workload's Helm release could be read"
