"""What the pipeline decides: an outcome per workload, a result per run, and the policy.

Frozen records only; the commands write and report them
(:mod:`migrate.app.run`), tests and benchmarks read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migrate.emit.files import Artifact
from migrate.model import Plan, Severity, Status
from migrate.sources.interface import Problem


@dataclass(frozen=True)
class Outcome:
    """A planned workload and the files it produces."""

    plan: Plan
    artifacts: tuple[Artifact, ...] = ()
    exact: bool = True


@dataclass(frozen=True)
class Policy:
    """What to do with chart defaults that changed, and whether to verify with Helm."""

    preserve_behavior: bool = False  # keep what the pod ran at every changed default
    adopt_defaults: bool = False  # adopt every changed default, hazards included
    verify: bool = False  # render the target chart with Helm and compare
    assume: Mapping[str, str] = field(default_factory=dict)  # --assume NAME=VALUE


@dataclass(frozen=True)
class Result:
    """Everything one run decided, and the inputs it could not read."""

    documents: int
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)
    problems: tuple[Problem, ...] = ()

    def by_status(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.plan.status is status]

    @property
    def failed(self) -> bool:
        """Whether any workload has an error (exit code 1)."""
        return any(
            o.plan.status is Status.ERROR
            or any(f.severity is Severity.ERROR for f in o.plan.findings)
            for o in self.outcomes
        )
