"""More than one container looks like Llama Stack (by the VECTOR_STORE_* or
RUN_CONFIG_PATH variables it sets, its image or its name), and `migrate`
will not guess which one reads run.yaml. Nothing is written for it.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "container-ambiguous"
SEVERITY = Severity.ERROR
TITLE = "more than one container looks like Llama Stack"
