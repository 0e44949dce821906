"""The registry of finding rules: the one list of everything ``migrate`` can report.

This module collects the rule modules of :mod:`migrate.plan.rules` (one per
stable ID, with its usual severity, one-line title, documentation and, where
it has one, its check) into :data:`CATALOGUE`, in the catalogue's order.
Code raises findings only through :func:`finding` (or :func:`raised`, for a
:class:`~migrate.engine.problem.Problem` found below the plan stage), so an
ID that is not catalogued cannot reach a report.

The catalogue renders as ``migrate findings`` prints it (:func:`render`) and
as the page ``docs/findings.md`` (:func:`page`; ``make docs`` runs this
module to write it).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import TypeAlias

from migrate.engine.problem import Problem
from migrate.model import Finding, Severity
from migrate.plan import planned, rules

Check: TypeAlias = Callable[[planned.Workload], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """One finding ID: its usual severity, what it is about, and how it is decided."""

    id: str
    severity: Severity
    title: str
    doc: str = ""  # the documentation (Markdown), from the rule module's docstring
    severity_note: str | None = None  # when another severity applies, in words
    check: Check | None = None  # the check on a planned workload, where it has one


Kind: TypeAlias = Rule
"""The catalogue entry under the name it had before findings became rules."""


def _rule(module: ModuleType) -> Rule:
    return Rule(
        id=module.ID,
        severity=module.SEVERITY,
        title=module.TITLE,
        doc=(module.__doc__ or "").strip(),
        severity_note=getattr(module, "SEVERITY_NOTE", None),
        check=getattr(module, "check", None),
    )


CATALOGUE: dict[str, Rule] = {rule.id: rule for rule in map(_rule, rules.RULES)}


def finding(id: str, message: str, severity: Severity | None = None) -> Finding:
    """A finding of a catalogued kind; ``severity`` overrides the usual one."""
    kind = CATALOGUE[id]
    return Finding(id, severity or kind.severity, message)


def raised(problem: Problem) -> Finding:
    """The finding a problem found by a check or the engine stands for."""
    return finding(problem.rule, problem.message, problem.severity)


SEVERITY_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def at_least(severity: Severity, threshold: Severity) -> bool:
    """Whether ``severity`` is ``threshold`` or worse."""
    return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold]


def render(kinds: list[Rule], output: str) -> str:
    """The catalogue as a table (text, markdown) or data (json, yaml)."""
    rows = [{"id": k.id, "severity": k.severity.value, "title": k.title} for k in kinds]
    if output == "json":
        import json

        return json.dumps(rows, indent=2) + "\n"
    if output == "yaml":
        from migrate.yaml.io import dump_run_yaml

        return dump_run_yaml(rows)
    if output == "markdown":
        lines = ["| ID | Severity | About |", "|---|---|---|"]
        lines += [f"| [`{r['id']}`](#{r['id']}) | {r['severity']} | {r['title']} |" for r in rows]
        return "\n".join(lines) + "\n"
    width = max(len(r["id"]) for r in rows)
    return "".join(
        f"{r['id'].ljust(width)}  {r['severity'].ljust(7)}  {r['title']}\n" for r in rows
    )


# -- docs/findings.md -----------------------------------------------------------------

_INTRO = """\
# Findings

Every finding `migrate` reports has a stable ID, a severity and a one-line
message. The ID is what `--ignore` and ignore files name; it does not change
between releases. `migrate findings` prints this list.
"""

_GUIDE = """\
## Severities and exit codes

- **error**: the workload will not work as intended (or cannot be migrated).
  Exits 1 by default.
- **warning**: something to act on before or during the upgrade. Exits 1 with
  `--fail-on warning`.
- **info**: worth knowing; never a problem of the migration itself. Exits 1
  only with `--fail-on info`.

A few IDs take another severity in one case, stated in their section (an env
reference that is optional is info; one that would stop the pod is an error).
The JSON report gives the severity of each finding.

## Silencing findings

`--ignore ID` silences an ID everywhere; `--ignore 'ID NAMESPACE/NAME'`
only on matching workloads (a shell glob on `namespace/name` or
`Kind/namespace/name`). `--ignore-file FILE` reads such rules, one per line,
with `#` comments:

```
# We restart by hand after every change.
no-rollout-trigger
# This team's embedding model is on purpose.
vector-store-risk search/*
```

An unknown ID is a usage error (exit 2), naming the file and line. Silenced
findings are counted in the report's summary (`ignored`), never shown.

---
"""


def _section(rule: Rule) -> str:
    severity = rule.severity.value
    if rule.severity_note:
        severity += f" ({rule.severity_note})"
    line = textwrap.fill(f"**Severity:** {severity}", width=76)
    return f"## {rule.id}\n\n{line}\n\n{rule.doc}\n"


def page(kinds: Iterable[Rule] | None = None) -> str:
    """``docs/findings.md``: the table of every ID, then one section per ID."""
    chosen = list(CATALOGUE.values() if kinds is None else kinds)
    parts = [_INTRO, render(chosen, "markdown"), _GUIDE, *map(_section, chosen)]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(page())
