"""`vector_stores.default_provider_id` names a vector_io provider this pod
does not run: either its `provider_id` is conditional and empty in this pod
(for example `${env.MILVUS_URL:+milvus}` with MILVUS_URL unset), or no
provider has that id. Llama Stack 0.3.3 then fails to create a vector store
that does not name its provider. Not raised when a provider's id is not
known offline.

**Do:** set the variable that enables the provider (MILVUS_URL), or choose
a provider the pod runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from migrate.engine import overlay
from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned, runtime

ID = "vector-provider-not-enabled"
SEVERITY = Severity.WARNING
TITLE = "the default vector store provider is not enabled"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """The default vector store provider is one this pod does not run."""
    environment, home = workload.environment, workload.home
    vector_io = runtime.providers(workload.after, "vector_io", environment, home)
    chosen = runtime.runtime(
        overlay.get_exact(workload.after, ("vector_stores", "default_provider_id")),
        environment,
        home,
    )
    chosen_known = isinstance(chosen, str) and chosen and not vector_io.unknown
    if chosen_known and chosen not in vector_io.enabled:
        why = vector_io.disabled.get(chosen, "no vector_io provider has that id")
        yield Problem(
            ID,
            f"vector_stores.default_provider_id is {chosen}, which this pod does not "
            f"run ({why}); creating a vector store without a provider_id fails",
        )
