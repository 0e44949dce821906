"""The manifest names no namespace — `helm template` prints none for a chart
whose templates leave it to `helm install -n` — and `convert` was given no
`-n`. The output folder assumes `default`, the ConfigMap names no namespace,
and the `next:` command says `-n <namespace>` rather than guess.

**Do:** pass the release's namespace with `-n`, as for kubectl.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "namespace-not-given"
SEVERITY = Severity.INFO
TITLE = "the manifest names no namespace and none was given with -n"
