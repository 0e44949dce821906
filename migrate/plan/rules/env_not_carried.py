"""A migrated variable must stay an env var — its value comes from a Secret, is
not known offline, depends on the container's HOME, or cannot travel through
Helm values unchanged — and the target chart has no values key for extra env
vars (no version of the llama-stack chart reads `.Values.env`). After
`helm upgrade` the pod would not have the variable, and run.yaml would fall
back to the placeholder's default. Raised for workloads that a Helm release
manages; for others the next step is the patched manifest, which keeps the
variable.

**Do:** one of: give the pod a plain value that can be baked (then convert
again); use a chart that passes extra env vars (`--chart`); or apply the
patched manifest and ConfigMap instead of upgrading with Helm.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "env-not-carried"
SEVERITY = Severity.ERROR
TITLE = "a variable must stay an env var, and the target chart cannot set it"
