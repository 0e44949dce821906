"""The target chart changed the default of a key, and the pod's env changed
the same key. The env's value is kept (it is what the pod ran), so the
chart's new default does not apply to this workload.

**Do:** check that keeping the pod's value is what you want.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "drift-conflict"
SEVERITY = Severity.WARNING
TITLE = "the chart and the env both changed one key"
