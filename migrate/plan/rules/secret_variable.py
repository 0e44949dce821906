"""A migrated variable comes from a Secret (`secretKeyRef` or `envFrom`
`secretRef`). `migrate` never reads Secret values and never moves a value out
of a Secret into a ConfigMap, so the variable stays an env var and run.yaml
keeps its placeholder for it.

**Do:** keep the Secret reference in the new chart's `env` values (see
`env-not-in-overlay`).
"""

from __future__ import annotations

from migrate.model import Severity

ID = "secret-variable"
SEVERITY = Severity.WARNING
TITLE = "a migrated variable comes from a Secret and stays an env var"
