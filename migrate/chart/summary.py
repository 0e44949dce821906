"""`migrate targets`: one row per target chart, and the rows in each report format.

This module owns what the command tells of a target (its name, whether it is
the default, its layout, its values keys, where it comes from, and the values
map it turns into extra env vars) and how those rows read as text, JSON, YAML
and Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from migrate.chart.target import Target
from migrate.yaml import io as yamlio


def row(target: Target, *, default: bool) -> dict[str, Any]:
    """One target as a row of `migrate targets`."""
    return {
        "name": target.name,
        "default": default,
        "layout": target.layout.name,
        "values": target.layout.describe(),
        "source": target.source,
        "description": target.description,
        "envValues": target.env_values_key,
    }


def render(rows: Sequence[Mapping[str, Any]], output: str) -> str:
    """`migrate targets` in one of the report formats."""
    if output == "json":
        return json.dumps(list(rows), indent=2) + "\n"
    if output == "yaml":
        return yamlio.dump_run_yaml(list(rows))
    if output == "markdown":
        lines = ["| target | layout | values | description |", "| --- | --- | --- | --- |"]
        for entry in rows:
            name = f"`{entry['name']}`" + (" (default)" if entry["default"] else "")
            lines.append(
                f"| {name} | {entry['layout']} | {entry['values']} | {entry['description']} |"
            )
        return "\n".join(lines) + "\n"
    blocks = []
    for entry in rows:
        name = entry["name"] + ("  (default)" if entry["default"] else "")
        if entry["source"] != f"built-in target {entry['name']}":
            name += f"  [{entry['source']}]"
        env = entry["envValues"] or "none (no chart version passes extra env vars)"
        blocks.append(
            f"{name}\n  {entry['description']}\n  values: {entry['values']}\n"
            f"  extra env vars: {env}\n"
        )
    return "\n".join(blocks)
