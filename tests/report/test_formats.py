"""Report formats: every choice has a renderer, a file's suffix picks one, fail-on levels."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate import report
from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import FailOn, Severity
from migrate.report import mapping, markdown, text
from migrate.report.formats import Format, JsonRenderer, YamlRenderer

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"


def seed_report() -> dict[str, Any]:
    chosen = profile.load()
    result = pipeline.convert(pipeline.load([str(SEED)], False), chosen)
    return report.build(result.outcomes, result.documents, report.Options(), profile=chosen)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_formats_are_the_names_users_give() -> None:
    assert [f.value for f in Format] == ["text", "json", "markdown", "yaml"]
    assert tuple(Format) == report.FORMATS
    assert Format("markdown") is Format.MARKDOWN


@pytest.mark.parametrize("chosen", list(Format))
def test_every_format_has_a_renderer_of_the_report(chosen: Format) -> None:
    data = seed_report()
    rendered = chosen.renderer().render(data)
    expected = {
        Format.TEXT: text.render(data),
        Format.JSON: json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        Format.MARKDOWN: markdown.render(data),
        Format.YAML: rendered,
    }[chosen]
    assert rendered == expected
    assert report.render(data, chosen) == rendered == report.render(data, chosen.value)
    if chosen is Format.YAML:
        assert yaml.safe_load(rendered) == json.loads(JsonRenderer().render(data))


@pytest.mark.parametrize("chosen", list(Format))
def test_every_format_lays_out_the_mapping_table(chosen: Format) -> None:
    table = mapping.build(profile.load())
    rendered = mapping.render(table, chosen)
    if chosen is Format.JSON:
        assert json.loads(rendered) == table
    elif chosen is Format.YAML:
        assert rendered == YamlRenderer().render(table)
    elif chosen is Format.MARKDOWN:
        assert rendered.startswith("# Env var → run.yaml mapping\n")
    else:
        assert rendered.startswith("VARIABLE ")


@pytest.mark.parametrize(
    ("name", "chosen"),
    [
        ("r.json", Format.JSON),
        ("r.md", Format.MARKDOWN),
        ("r.markdown", Format.MARKDOWN),
        ("r.yaml", Format.YAML),
        ("R.YML", Format.YAML),
        ("r.txt", Format.TEXT),
        ("report", Format.TEXT),
    ],
)
def test_a_report_file_suffix_implies_its_format(name: str, chosen: Format) -> None:
    assert Format.for_file(Path(name)) is chosen


def test_text_on_a_terminal_is_rich_and_plain_when_piped() -> None:
    data = seed_report()
    piped = io.StringIO()
    Format.TEXT.renderer().write(data, piped)
    assert piped.getvalue() == text.render(data)
    terminal = Terminal()
    Format.TEXT.renderer().write(data, terminal)
    assert terminal.getvalue() != piped.getvalue()
    assert "llama-stack" in terminal.getvalue()
    # Other formats are the same bytes wherever they go.
    for chosen in (Format.JSON, Format.MARKDOWN, Format.YAML):
        stream = Terminal()
        chosen.renderer().write(data, stream)
        assert stream.getvalue() == chosen.renderer().render(data)


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [
        (FailOn.ERROR, {Severity.ERROR}),
        (FailOn.WARNING, {Severity.ERROR, Severity.WARNING}),
        (FailOn.INFO, {Severity.ERROR, Severity.WARNING, Severity.INFO}),
        (FailOn.NONE, set()),
    ],
)
def test_fail_on_is_a_threshold_of_severity(fail_on: FailOn, failing: set[Severity]) -> None:
    for severity in Severity:
        counts = {s.value: int(s is severity) for s in Severity}
        assert report.failed(counts, fail_on) is (severity in failing), severity
    assert report.failed({s.value: 0 for s in Severity}, fail_on) is False
    assert [f.value for f in FailOn] == ["error", "warning", "info", "none"]
