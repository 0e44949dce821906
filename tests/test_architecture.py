"""The shape of the package that docs/architecture.md describes stays true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "migrate"
LIMIT = 400
STAGES = ("yaml", "engine", "chart", "sources", "plan", "emit", "report", "app")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_says_what_it_owns(path: Path) -> None:
    text = path.read_text("utf-8")
    if not text.strip():
        return  # an empty package marker
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring, f"{path.relative_to(ROOT)} has no module docstring"
    lines = text.count("\n")
    if lines > LIMIT:
        assert re.search(rf"over\s+{LIMIT}\s+lines", docstring, re.I), (
            f"{path.relative_to(ROOT)} has {lines} lines; split it, or say in its "
            f"docstring why it is over {LIMIT} lines"
        )


def test_each_stage_has_a_folder_and_the_page_names_it() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
        assert f"{stage}/" in page, stage


def test_make_test_checks_the_import_contracts() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports" in recipe
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    layers = config.split('type = "layers"', 1)[1].split("]", 1)[0]
    listed = re.findall(r'"migrate\.(\w+)', layers)
    assert [s for s in listed if s in STAGES] == list(reversed(STAGES))
    assert 'protected_modules = ["kubernetes"]' in config
    assert 'allowed_importers = ["migrate.sources.cluster"]' in config
