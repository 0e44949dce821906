"""With `--verify`, Helm rendered the target chart (`--chart`) with the
release's values (`--values`) and the written `values-overlay.yaml`, and the
pod it renders resolves, under Llama Stack 0.3.3's placeholder rules,
differently from the old pod: the message names each path with both values.
Chart-default changes that the report lists as adopted are not counted.
Typical causes: the release's own values were not given (`--values`), so
Helm renders the chart's default `vllm.url` or `persistence`; an overlay
edited by hand; an overlay written for another layout (a `runConfig:`
overlay given to a modular chart is ignored by Helm).

**Do:** pass the release's values with `--values` (as for `helm upgrade
-f`), or the chart you really install with `--chart`, and convert again.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "verify-mismatch"
SEVERITY = Severity.ERROR
TITLE = "the chart rendered by Helm with the overlay resolves differently from the old pod"
