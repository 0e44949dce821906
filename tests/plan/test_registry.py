"""The rule registry: every rule module catalogued in order, and the page it generates."""

from __future__ import annotations

import pkgutil
from pathlib import Path
from typing import Any

import pytest

from migrate.engine import kube_env
from migrate.engine.problem import Problem
from migrate.model import Finding, Severity
from migrate.plan import checks, findings, rules

ROOT = Path(__file__).resolve().parents[2]


def test_findings_page_is_what_the_registry_generates() -> None:
    assert (ROOT / "docs" / "findings.md").read_text("utf-8") == findings.page(), "make docs"


def test_every_rule_module_is_registered_once_in_the_catalogue_order() -> None:
    modules = {info.name for info in pkgutil.iter_modules(rules.__path__)}
    listed = [module.__name__.rsplit(".", 1)[1] for module in rules.RULES]
    assert sorted(listed) == sorted(modules)
    assert list(findings.CATALOGUE) == [module.ID for module in rules.RULES]


@pytest.mark.parametrize("module", rules.RULES, ids=lambda module: str(module.ID))
def test_a_rule_module_declares_its_id_severity_title_and_documentation(module: Any) -> None:
    assert module.__name__ == f"migrate.plan.rules.{module.ID.replace('-', '_')}"
    assert isinstance(module.SEVERITY, Severity)
    assert module.TITLE and "\n" not in module.TITLE
    rule = findings.CATALOGUE[module.ID]
    assert rule.doc and rule.doc == module.__doc__.strip()
    assert rule.check is getattr(module, "check", None)


def test_the_checks_run_every_rule_that_has_a_check() -> None:
    with_check = [rule.id for rule in findings.CATALOGUE.values() if rule.check is not None]
    assert sorted(checks.ORDER) == sorted(with_check)


def test_the_rules_the_engine_names_are_catalogued() -> None:
    assert {kube_env.ENV_PROBLEM, kube_env.UNRESOLVED_REFERENCE} <= set(findings.CATALOGUE)


def test_a_finding_is_built_only_for_a_catalogued_id() -> None:
    assert findings.finding("drift-conflict", "m") == Finding(
        "drift-conflict", Severity.WARNING, "m"
    )
    assert findings.finding("env-problem", "m", Severity.INFO).severity is Severity.INFO
    assert findings.raised(Problem("own-config", "m")) == Finding("own-config", Severity.INFO, "m")
    with pytest.raises(KeyError):
        findings.finding("silent-revrt", "m")


def test_the_page_has_a_section_per_rule_with_its_severity_line() -> None:
    page = findings.page()
    note = findings.CATALOGUE["chart-default-hazard"]
    assert note.severity_note is not None
    section = page.split("## chart-default-hazard\n\n", 1)[1].split("\n\n", 1)[0]
    assert " ".join(section.split()) == f"**Severity:** warning ({note.severity_note})"
    assert page.count("\n**Severity:** ") == len(findings.CATALOGUE)
