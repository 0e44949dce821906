"""Documentation that is derived from the code stays in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from migrate.chart import profile
from migrate.plan.findings import CATALOGUE, render
from migrate.report import mapping
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_mapping_page_is_the_generated_table() -> None:
    generated = mapping.render(mapping.build(profile.load()), "markdown")
    assert (DOCS / "mapping.md").read_text() == generated, "run `make docs`"


def test_mapping_command_prints_the_same_markdown() -> None:
    run = migrate("mapping", "-o", "markdown")
    assert run.returncode == 0 and run.stdout == (DOCS / "mapping.md").read_text()


def test_mapping_lists_every_key_that_reads_each_variable() -> None:
    table = mapping.build(profile.load())
    keys = {v["name"]: {k["path"] for k in v["keys"]} for v in table["variables"]}
    assert keys["VECTOR_STORE_EMBEDDING_MODEL"] == {
        "vector_stores.default_embedding_model.model_id",
        "registered_resources.models[0].model_id",
        "registered_resources.models[0].provider_model_id",
    }
    assert keys["VECTOR_STORE_EMBEDDING_DIMENSION"] == {
        "registered_resources.models[0].metadata.embedding_dimension"
    }
    defaults = {v["name"]: v["defaults"] for v in table["variables"]}
    assert defaults["VECTOR_STORE_DEFAULT_PROVIDER"] == ["faiss"]


def test_findings_page_has_one_section_per_id_with_its_severity() -> None:
    page = (DOCS / "findings.md").read_text()
    sections = re.findall(r"^## ([a-z-]+)\n\n\*\*Severity:\*\* (\w+)", page, re.M)
    assert [name for name, _ in sections] == list(CATALOGUE)
    for name, severity in sections:
        assert CATALOGUE[name].severity.value == severity, name


def test_findings_page_index_is_the_generated_table() -> None:
    page = (DOCS / "findings.md").read_text()
    assert render(list(CATALOGUE.values()), "markdown") in page


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), (page.name, target)


def test_performance_page_is_what_make_bench_writes() -> None:
    # Figures cannot be checked without running the benchmarks (minutes); the page's
    # shape can: every goal has a row, the run is dated and the machine named, and the
    # unchanging part is the current benchmarks/performance-notes.md.
    page = (DOCS / "performance.md").read_text()
    for goal in ("| 1. ", "| 2. ", "| 3. ", "| 4. ", "| 5. "):
        assert goal in page, goal
    assert re.search(r"^Last run: \d{4}-\d{2}-\d{2} .* on .+CPUs", page, re.M)
    notes = (ROOT / "benchmarks" / "performance-notes.md").read_text()
    assert notes.strip() in page
