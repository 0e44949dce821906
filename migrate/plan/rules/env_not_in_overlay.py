"""The target chart passes extra container env vars from a values map (a chart
of your own given with `--chart`; no published version of the llama-stack
chart does), and a variable that stays an env var is set in a way that map
cannot reproduce (a Secret or ConfigMap reference, an `envFrom` source). The
patched manifest keeps it.

**Do:** add an equivalent entry to the chart's env values.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "env-not-in-overlay"
SEVERITY = Severity.WARNING
TITLE = "a kept variable must still reach the pod, and the overlay cannot set it"
