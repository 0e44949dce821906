"""A node the migration edits — the pod spec, the Llama Stack container, its
`env` or `volumeMounts` list, the pod's `volumes`, or an env entry it
removes — is a YAML anchor (`&name`) that an alias (`*name`, or a `<<:`
merge) uses elsewhere in the manifest. Editing the anchored text would edit
every alias too: a sidecar or init container would lose the variable or gain
the ConfigMap mount. Nothing is written for the workload.

**Do:** write the aliased node out in full where it is used, and convert
again.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "shared-node"
SEVERITY = Severity.ERROR
TITLE = "a node the migration edits is a YAML anchor that an alias shares"
