"""Something in the container's env is worth a look: an entry the API server
would reject (no name, two sources under `valueFrom`), a variable defined
twice, a `$(VAR)` reference that Kubernetes would leave as text, an
`envFrom` Secret whose keys are unknown offline.

**Do:** read the message; fix the manifest where it is wrong.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "env-problem"
SEVERITY = Severity.WARNING
TITLE = "the container's env has an entry to look at"
SEVERITY_NOTE = "error when the API server would reject the entry; info for notes"
