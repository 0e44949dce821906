"""A migrated variable stays an env var; the message gives the reason, for
example: its value cannot pass through Helm's values unchanged (a number
Helm would rewrite, a string YAML 1.1 reads as a boolean, a control
character), its value depends on `~` and HOME is unknown, or another env
entry expands `$(NAME)`.

**Do:** usually nothing: the result is still faithful. The variable must
keep reaching the pod (see `env-not-in-overlay`).
"""

from __future__ import annotations

from migrate.model import Severity

ID = "value-not-inlined"
SEVERITY = Severity.WARNING
TITLE = "a migrated variable stays an env var"
