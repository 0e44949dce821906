"""The Helm values overlay file of one workload.

This module owns rendering a plan's overlay under the profile's values key,
with an end-of-line comment on every value naming the env var it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate import __version__, yamlio
from migrate.engine.evaluate import Path
from migrate.errors import InternalError
from migrate.model import Plan


def render(plan: Plan, values_key: str, env_key: str) -> str:
    """The text of ``values-overlay.yaml``."""
    header = [
        f"# Helm values overlay for {plan.label}, written by migrate {__version__}.",
        "# Pass it to `helm upgrade` with -f; each value names the env var it replaces.",
    ]
    if not plan.overlay and not plan.env_values:
        header.append("# The pod ran the chart's defaults: there is nothing to override.")
        return "\n".join(header) + "\n{}\n"
    content: dict[str, Any] = {}
    if plan.overlay:
        content[values_key] = plan.overlay
    if plan.env_values:
        content[env_key] = dict(plan.env_values)
    body = yamlio.to_commented(content)
    comments = _comment(body[values_key], (), plan.overlay_sources) if plan.overlay else set()
    if plan.env_values:
        note = "stays an env var: run.yaml still reads it"
        for name in plan.env_values:
            body[env_key].yaml_add_eol_comment(note, name)
        comments.add(note)
    text = yamlio.dump(body)
    # ruamel puts one space before a comment when the value is long; two read better.
    for comment in comments:
        text = re.sub(rf"(?m)(\S) +(# {re.escape(comment)})$", r"\1  \2", text)
    rendered = "\n".join(header) + "\n" + text
    if not yamlio.same(yamlio.load_run_yaml(rendered, "values-overlay.yaml"), content):
        raise InternalError(f"the values overlay for {plan.label} does not load back unchanged")
    return rendered


def _comment(node: Any, path: Path, sources: Mapping[Path, str]) -> set[str]:
    used: set[str] = set()
    items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
    for key, value in items:
        here = (*path, key)
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            used |= _comment(value, here, sources)
        elif here in sources:
            node.yaml_add_eol_comment(sources[here], key)
            used.add(sources[here])
    return used
