"""The workload already runs the new layout, and its Helm release history
shows that the upgrade changed its vector-store settings: the last revision
that ran the env-var layout used one default vector store provider,
embedding model or embedding dimension (resolved from that revision's
manifest under Llama Stack 0.3.3's rules), and the pod now runs another.
Vector stores built before the upgrade were embedded with the old model:
queries embedded with the new one no longer match them. The message names
both revisions and both values of each setting that changed.

`restore-overlay.yaml` is written next to the workload's other files: merged
over the release's values (`helm upgrade --reset-then-reuse-values -f
restore-overlay.yaml`), it makes the chart render run.yaml as that revision
ran it. The report's `next:` is that command. `rollback/` names the
revision `helm rollback` returns to.

**Do:** apply the restore overlay (or roll back), then check the vector
stores; re-index only with a plan.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "upgrade-reverted"
SEVERITY = Severity.ERROR
TITLE = "an upgrade already changed the vector-store settings (found in the Helm history)"
