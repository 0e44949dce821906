"""The Deployment or StatefulSet has no pod template with containers. Nothing
is written for it.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "workload-invalid"
SEVERITY = Severity.ERROR
TITLE = "the workload is not a valid pod template"
