"""The pod sets `VECTOR_STORE_DEFAULT_PROVIDER`, `_EMBEDDING_PROVIDER` and
`_EMBEDDING_MODEL` but not `_EMBEDDING_DIMENSION`, as the chart did before it
set the dimension (commits a4216f0, f9ea4f5). The image was published as tag
`main` with `pullPolicy: Always`, and the one such a pod runs may bake an
older run.yaml than the built-in template (that image registered no
embedding model and read no dimension), so the template's default dimension
768 may not be what the pod ran. Not raised when `--template` gives the
image's run.yaml.

**Do:** take the run.yaml from the image the pod runs (its
`status.containerStatuses[].imageID` names it) and pass it with
`--template`.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "older-image"
SEVERITY = Severity.WARNING
TITLE = "the pod's env shows an older chart, whose image may bake another run.yaml"
