"""A problem found below the plan stage, as a value: the finding it will become.

The engine and the rule checks know the finding rules by ID only. The plan
stage turns each problem into a finding through the rule registry
(:mod:`migrate.plan.findings`), which owns the usual severity and the title
of every ID, so an uncatalogued ID cannot reach a report.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.model import Severity


@dataclass(frozen=True)
class Problem:
    """Something a user should hear about, under the finding rule ``rule``."""

    rule: str
    message: str
    severity: Severity | None = None  # None: the rule's usual severity
