"""A workload that already runs the new layout is checked against its Helm
release history (`migrate scan`, or `convert --helm-history DIR`), and the
history could not tell what ran before the upgrade: no record of the release
was found (Helm keeps them in Secrets, or in ConfigMaps with
`HELM_DRIVER=configmap`; the SQL driver keeps them outside the cluster), a
revision's record is not valid base64, gzip or JSON, or is too large, a
revision is missing from the sequence, a revision failed or is pending, or
no revision that is still kept ran the env-var layout (Helm prunes all but
the last `--history-max` revisions, ten by default). The message names the
revision and why. Revisions that could be read are still compared.

**Do:** if the release ran the env-var chart before, find its old values
(a values file in version control, a backup) and compare by hand with
`migrate values`.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "release-history-incomplete"
SEVERITY = Severity.WARNING
TITLE = "the Helm release history cannot tell what ran before the upgrade"
