"""The checks on one planned workload: the rules that judge its result, run in order.

The checks themselves live in their rule modules (:mod:`migrate.plan.rules`);
this module runs the ones that look at the result of planning rather than at
single env entries — what an upgrade without the overlay would drop, vector
stores built with another embedding model, chart defaults that break what
the pod used, providers that are switched off, vLLM's own model
registration, and what restarts the pods when the ConfigMap changes — and
turns what they find into findings through the registry.
"""

from __future__ import annotations

from migrate.model import Finding
from migrate.plan import findings
from migrate.plan.planned import Workload

__all__ = ["ORDER", "Workload", "run"]

# The order in which a reader meets the checks' findings in a report (the catalogue,
# which orders the documentation, puts vllm-auto-registration earlier).
ORDER = (
    "silent-revert",
    "vector-store-risk",
    "chart-default-hazard",
    "vector-provider-not-enabled",
    "embedding-provider-not-enabled",
    "vllm-auto-registration",
    "no-rollout-trigger",
)


def _checks() -> list[findings.Check]:
    found: list[findings.Check] = []
    for rule_id in ORDER:
        check = findings.CATALOGUE[rule_id].check
        if check is None:
            raise LookupError(f"the rule {rule_id} has no check")
        found.append(check)
    return found


_CHECKS = _checks()


def run(workload: Workload) -> list[Finding]:
    """Every check's findings, in the order a reader should meet them."""
    return [findings.raised(problem) for check in _CHECKS for problem in check(workload)]
