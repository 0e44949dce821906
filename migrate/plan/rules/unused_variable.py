"""The container sets a variable that matches the migrated set (VECTOR_STORE_*,
or `--migrate-var`) but the template never reads it, so it never had an
effect — often a typo (VECTOR_STORE_EMBEDING_MODEL). It is left in place.

**Do:** fix the name, or delete the variable.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "unused-variable"
SEVERITY = Severity.WARNING
TITLE = "a migrated-looking variable that the template never reads"
