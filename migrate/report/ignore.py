"""Ignore rules: ``--ignore ID [SCOPE]`` and ``--ignore-file``, which silence findings.

This module owns the rule syntax (an ID, optionally a glob on
``namespace/name`` or ``Kind/namespace/name``) and refusing an ID that is
not catalogued, naming where the rule was written.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from migrate.errors import InputError
from migrate.model import Finding, Plan
from migrate.plan.findings import CATALOGUE


@dataclass(frozen=True)
class Rule:
    """Silence finding ``id`` (``*`` for all) on workloads matching ``scope``."""

    id: str
    scope: str = "*"  # glob on "namespace/name" or "Kind/namespace/name"
    origin: str = "--ignore"

    def matches(self, found: Finding, plan: Plan) -> bool:
        if self.id != found.id:
            return False
        short = f"{plan.namespace}/{plan.name}"
        return fnmatch.fnmatchcase(short, self.scope) or fnmatch.fnmatchcase(
            f"{plan.kind}/{short}", self.scope
        )


def parse_rule(text: str, origin: str) -> Rule:
    """One ``ID [SCOPE]`` rule; an ID that is not catalogued is a usage error."""
    parts = text.split()
    if not parts or len(parts) > 2:
        raise InputError(f"{origin}: expected 'ID' or 'ID NAMESPACE/NAME', got {text!r}")
    if parts[0] not in CATALOGUE:
        raise InputError(
            f"{origin}: unknown finding ID {parts[0]!r} (see `migrate findings` or "
            "docs/findings.md)"
        )
    return Rule(parts[0], parts[1] if len(parts) == 2 else "*", origin)


def read_rules(text: str, source: str) -> list[Rule]:
    """The rules of an ignore file: one per line, ``#`` starts a comment."""
    rules: list[Rule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            rules.append(parse_rule(content, f"{source}:{number}"))
    return rules
