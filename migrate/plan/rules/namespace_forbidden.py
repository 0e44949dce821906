"""`migrate scan` was refused (401 or 403) when listing one resource in one
namespace. The scan goes on with the others; the report names each
namespace it could not read (`scan[].faults`), so a clean report of a
partly readable cluster is never mistaken for a clean cluster. A
ConfigMap list that is refused leaves the references into that namespace
unresolved (`unresolved-reference`).

**Do:** scan with credentials that may `get`/`list` Deployments,
StatefulSets and ConfigMaps there, or leave the namespace out (`-n`).
"""

from __future__ import annotations

from migrate.model import Severity

ID = "namespace-forbidden"
SEVERITY = Severity.WARNING
TITLE = "a namespace could not be read (401/403)"
