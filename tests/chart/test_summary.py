"""`migrate targets` rows and their rendering in each format, in-process."""

from __future__ import annotations

import json
from typing import Any

import yaml

from migrate.chart import profile, summary

ROWS: list[dict[str, Any]] = [
    {
        "name": "modular",
        "default": True,
        "layout": "modular",
        "values": "modular keys a, b",
        "source": "built-in target modular",
        "description": "the newest chart",
        "envValues": None,
    },
    {
        "name": "chart",
        "default": False,
        "layout": "runconfig",
        "values": "the whole run.yaml under 'runConfig'",
        "source": "charts/mine",
        "description": "charts/mine: the whole run.yaml under 'runConfig'",
        "envValues": "env",
    },
]


def test_a_row_tells_the_target() -> None:
    target = profile.load(target="runconfig").target
    assert summary.row(target, default=False) == {
        "name": "runconfig",
        "default": False,
        "layout": "runconfig",
        "values": "the whole run.yaml under 'runConfig'",
        "source": "built-in target runconfig",
        "description": target.description,
        "envValues": None,
    }


def test_text_names_the_default_and_a_chart_that_is_not_built_in() -> None:
    assert summary.render(ROWS, "text") == (
        "modular  (default)\n"
        "  the newest chart\n"
        "  values: modular keys a, b\n"
        "  extra env vars: none (no chart version passes extra env vars)\n"
        "\n"
        "chart  [charts/mine]\n"
        "  charts/mine: the whole run.yaml under 'runConfig'\n"
        "  values: the whole run.yaml under 'runConfig'\n"
        "  extra env vars: env\n"
    )


def test_markdown_is_one_table_row_per_target() -> None:
    assert summary.render(ROWS, "markdown") == (
        "| target | layout | values | description |\n"
        "| --- | --- | --- | --- |\n"
        "| `modular` (default) | modular | modular keys a, b | the newest chart |\n"
        "| `chart` | runconfig | the whole run.yaml under 'runConfig' "
        "| charts/mine: the whole run.yaml under 'runConfig' |\n"
    )


def test_json_and_yaml_carry_the_rows_as_they_are() -> None:
    as_json = summary.render(ROWS, "json")
    assert as_json.endswith("]\n") and json.loads(as_json) == ROWS
    assert yaml.safe_load(summary.render(ROWS, "yaml")) == ROWS
