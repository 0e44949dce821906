"""`vector_stores.default_embedding_model.provider_id` names an inference
provider whose `provider_id` is conditional and empty in this pod (for
example `vllm` while VLLM_URL is unset). Llama Stack 0.3.3 validates the
default embedding model at start-up and stops when it cannot find it. Ids
that no provider entry of run.yaml could produce are not judged.

**Do:** enable the provider, or point the default embedding model at one the
pod runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned, runtime

ID = "embedding-provider-not-enabled"
SEVERITY = Severity.ERROR
TITLE = "the default embedding model's provider is not enabled"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """The default embedding model's provider is switched off in this pod."""
    environment, home = workload.environment, workload.home
    inference = runtime.providers(workload.after, "inference", environment, home)
    model = runtime.embedding(workload.after, environment, home)
    if (
        isinstance(model.provider, str)
        and not inference.unknown
        and model.provider in inference.disabled
        and model.provider not in inference.enabled
    ):
        yield Problem(
            ID,
            f"vector_stores.default_embedding_model.provider_id is {model.provider}, "
            f"which this pod does not run ({inference.disabled[model.provider]}); "
            "Llama Stack 0.3.3 stops at start-up when it cannot find the default "
            "embedding model",
        )
