"""The report formats: the one list of them, and the renderer each one picks.

This module owns the names users give ``-o/--output`` (``text``, ``json``,
``markdown``, ``yaml``), the format a ``--report FILE`` suffix implies, and
the factory :meth:`Format.renderer`. JSON and YAML carry the data as it is,
for machines; text and Markdown lay it out for people.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, assert_never

from migrate.report import markdown, text
from migrate.report.interface import Renderer
from migrate.yaml import io as yamlio


class Format(enum.StrEnum):
    """A report format, by the name users give it."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    YAML = "yaml"

    @classmethod
    def for_file(cls, path: PurePath) -> Format:
        """The format a report file's suffix implies: text when it implies none."""
        return _SUFFIXES.get(path.suffix.lower(), Format.TEXT)

    def renderer(self) -> Renderer:
        """The renderer of a run's report in this format."""
        match self:
            case Format.TEXT:
                return text.TextRenderer()
            case Format.JSON:
                return JsonRenderer()
            case Format.MARKDOWN:
                return markdown.MarkdownRenderer()
            case Format.YAML:
                return YamlRenderer()
            case _:
                assert_never(self)


_SUFFIXES = {
    ".json": Format.JSON,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".yaml": Format.YAML,
    ".yml": Format.YAML,
}

FORMATS = tuple(Format)


class JsonRenderer(Renderer):
    """Any report-shaped data as JSON: two-space indents, text as it is (not escaped)."""

    def render(self, report: Mapping[str, Any]) -> str:
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


class YamlRenderer(Renderer):
    """Any report-shaped data as YAML, written as run.yaml is."""

    def render(self, report: Mapping[str, Any]) -> str:
        return yamlio.dump_run_yaml(report)


def render(report: Mapping[str, Any], output: Format | str) -> str:
    """The report in ``output``, one of :data:`FORMATS`."""
    return Format(output).renderer().render(report)
