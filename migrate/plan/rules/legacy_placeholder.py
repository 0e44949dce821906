"""The template holds a placeholder of the dialect older Llama Stack releases
used (`${env.NAME:default}`, without `=` or `+`, or a lower-case name).
Llama Stack 0.3.3 does not recognise it and keeps it as literal text, before
and after the migration alike.

**Do:** rewrite it as `${env.NAME:=default}` in your chart's runConfig.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "legacy-placeholder"
SEVERITY = Severity.WARNING
TITLE = "a placeholder of the old dialect stays literal text"
