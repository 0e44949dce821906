"""The Llama Stack container imports a ConfigMap or Secret with `envFrom`, and
that import sets (or, its keys being unknown offline, may set) a migrated
variable: a `prefix: VECTOR_STORE_` in front of keys such as
`EMBEDDING_MODEL`, or a key named like the variable itself. The patched
workload keeps the import as it was, since an `envFrom` import cannot drop
one key (see [how it works](how-it-works.md#6-the-patched-manifest-and-the-configmap)),
so the variables it sets are still in the pod's env after the migration. But
run.yaml no longer reads the ones that were baked into runConfig: changing
the ConfigMap, or the Secret, no longer changes what Llama Stack runs. The
message names the container, the `envFrom` item and its source, and which of
the variables it sets are baked (no longer read) and which stay env vars
(still read from it).

A ConfigMap given with the manifests is judged by its keys; a Secret, or a
ConfigMap that is not in the input, by its prefix (one that can make a
migrated variable's name). A variable that an `env` entry sets is not
counted: the entry beats every import, so the pod never ran the import's
value. An import without a prefix whose keys are unknown is not reported:
any variable it may set stays an env var, and its own finding
(`secret-variable`, `value-not-inlined`) names it.

**Do:** from now on change these settings in runConfig (the overlay, or the
converted values), not in the imported ConfigMap. Once the migration is
applied, remove the baked variables' keys from that ConfigMap (or the
`envFrom` item, if the pod reads nothing else from it), so that nobody edits
a setting that has no effect. Keep the import while a variable that stays an
env var is read from it.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "env-from-kept"
SEVERITY = Severity.WARNING
TITLE = "an envFrom import that sets migrated variables stays in the patched workload"
SEVERITY_NOTE = "info when every variable it may set stays an env var that run.yaml still reads"
