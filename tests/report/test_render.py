"""Layout details of the text and Markdown reports that golden files do not pin."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from migrate import report
from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.report import markdown, text
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as rich asks."""

    def isatty(self) -> bool:
        return True


def _coloured(out: str) -> bool:
    return any(f"\x1b[{n}m" in out or f";{n}m" in out for n in range(31, 37))


def seed_report(**options: Any) -> dict[str, Any]:
    chosen = profile.load()
    result = pipeline.convert(pipeline.load([str(SEED)], False), chosen)
    options.setdefault("target", chosen.target.name)  # as the command line passes it
    return report.build(
        result.outcomes,
        result.documents,
        report.Options(**options),
        profile=chosen,
    )


def target_line() -> str:
    """The text report's first line: the default target, the newest (modular) chart."""
    return f"target: modular ({profile.load().target.description})\n"


def test_rich_tables_on_a_terminal_carry_the_plain_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    stream = Terminal()
    text.print_rich(seed_report(), stream)
    out = stream.getvalue()
    assert "\x1b[" in out and _coloured(out)  # colour on a terminal
    data = seed_report()
    plain = text.render(data)
    for cell in ("VECTOR_STORE_DEFAULT_PROVIDER", "vector_stores.default_provider_id", "milvus"):
        assert cell in plain and cell in out
    shown = [f["id"] for w in data["workloads"] for f in w["findings"]]
    assert "silent-revert" in shown
    for found in shown:
        assert found in plain and found in out
    assert f"({profile.load().target.description})" in out  # the target line
    assert "values-overlay.yaml  # target: modular" in out  # next names the target


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    stream = Terminal()
    text.print_rich(seed_report(), stream)
    out = stream.getvalue()
    assert "VECTOR_STORE_DEFAULT_PROVIDER" in out
    # Colour codes are gone (rich may still use bold/dim attributes).
    assert not _coloured(out)


def test_piped_text_output_has_no_escape_codes() -> None:
    # The test's own environment: colour is not turned off, the pipe alone must do it.
    run = migrate("convert", "-f", str(SEED), "--dry-run", extra_env={"NO_COLOR": None})
    assert "\x1b" not in run.stdout + run.stderr
    assert run.stdout.startswith(
        target_line() + "\nDeployment research/llama-stack: needs migration\n"
    )
    # Byte for byte what a run with NO_COLOR prints.
    assert run.stdout == migrate("convert", "-f", str(SEED), "--dry-run").stdout


def test_markdown_escapes_pipes_and_keeps_one_row_per_line() -> None:
    data = seed_report()
    data["workloads"][0]["findings"][0]["message"] = "a | b\nc"
    rendered = markdown.render(data)
    assert "a \\| b c" in rendered
    for line in rendered.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")


def test_values_that_read_as_other_types_are_quoted_in_text() -> None:
    data = seed_report()
    data["workloads"][0]["differences"] = [
        {"path": "a", "change": "changed", "old": "768", "new": 768},
        {"path": "b", "change": "changed", "old": "", "new": None},
        {"path": "c", "change": "added", "new": "yes"},
    ]
    rendered = text.render(data)
    assert '    a: "768" -> 768\n' in rendered
    assert '    b: "" -> null\n' in rendered
    assert '    c: (absent) -> "yes"\n' in rendered


def test_dry_run_says_would_write_and_a_real_run_says_wrote() -> None:
    dry = text.render({**seed_report(dry_run=True), "workloads": []})
    assert dry == target_line() + "\nno Llama Stack workloads found\n"
    data = seed_report(dry_run=True)
    data["workloads"][0]["files"] = ["out/x.yaml"]
    assert "  would write: out/x.yaml\n" in text.render(data)
    data["dryRun"] = False
    assert "  wrote: out/x.yaml\n" in text.render(data)


def test_report_file_format_follows_its_suffix_and_stdout_stays_empty(tmp_path: Path) -> None:
    for suffix, output in (
        (".json", "json"),
        (".md", "markdown"),
        (".yaml", "yaml"),
        (".txt", "text"),
    ):
        target = tmp_path / f"report{suffix}"
        run = migrate("convert", "-f", str(SEED), "--dry-run", "--report", str(target))
        # The seed raises warnings only: the modular target keeps no breaking default.
        assert run.returncode == 0, run.stderr
        assert run.stdout == ""
        # The file holds the whole report that -o prints in that format.
        printed = migrate("convert", "-f", str(SEED), "--dry-run", "-o", output)
        assert printed.returncode == 0, printed.stderr
        assert target.read_text() == printed.stdout, suffix


def test_dry_run_creates_no_directory_and_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = migrate("convert", "-R", "-f", str(ROOT / "fixtures" / "manifests"), "-d", str(out))
    # Warnings and info findings only: below the default --fail-on error.
    assert run.returncode == 0, run.stderr
    written = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert written  # a real run writes...
    dry = tmp_path / "dry"
    run = migrate(
        "convert", "-R", "-f", str(ROOT / "fixtures" / "manifests"), "-d", str(dry), "--dry-run"
    )
    assert run.returncode == 0, run.stderr
    assert not dry.exists()  # ...a dry run nothing
    assert "dry run: nothing written" in run.stderr
    for path in written:
        if path.suffix == ".yaml":
            assert str(dry / path) in run.stdout


def test_an_existing_report_file_needs_force_and_stops_the_run_first(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("keep\n")
    out = tmp_path / "out"
    run = migrate("convert", "-f", str(SEED), "-d", str(out), "--report", str(target))
    assert run.returncode == 2 and f"would overwrite {target}" in run.stderr
    assert target.read_text() == "keep\n" and not out.exists()
    forced = migrate("convert", "-f", str(SEED), "-d", str(out), "--report", str(target), "--force")
    assert forced.returncode == 0, forced.stderr  # the seed raises warnings only
    assert target.read_text().startswith("{") and out.is_dir()
