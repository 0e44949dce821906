"""Before anything is written, every result is checked: the overlay, the
ConfigMap and the patched manifest must load back to what was planned.
Nothing is written for a workload that fails a check; the others go on.

A failed check is a bug in `migrate`; please report it with the input that
caused it. (What the target chart's values cannot express — a `null` Helm
would drop, a key the chart's template fixes — is reported as
`target-cannot-carry` instead.)
"""

from __future__ import annotations

from migrate.model import Severity

ID = "self-check"
SEVERITY = Severity.ERROR
TITLE = "a result failed its own check; nothing was written"
