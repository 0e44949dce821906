"""The Helm values overlay file of one workload.

This module owns rendering a plan's overlay in the target chart's values
layout (the whole run.yaml under one key, or the chart's modular keys), with
an end-of-line comment on every value saying why it is there: the env var it
came from, or the pod's behaviour it keeps against a chart default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate import __version__
from migrate.chart.profile import Profile
from migrate.emit.interface import Emitter, Rendered
from migrate.emit.layout import OVERLAY_FILE
from migrate.errors import InternalError
from migrate.model import Path, Plan
from migrate.yaml import io as yamlio
from migrate.yaml import load


class Overlay(Emitter):
    """``values-overlay.yaml``: the plan's overlay in the target chart's values layout."""

    def name(self, plan: Plan) -> str:
        return OVERLAY_FILE

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        return Rendered(_text(plan, profile))


def _text(plan: Plan, profile: Profile) -> str:
    target = profile.target
    layout = target.layout
    header = [
        f"# Helm values overlay for {plan.label}, written by migrate {__version__}.",
        f"# Target chart: {target.name} ({target.description}).",
        "# Pass it to `helm upgrade` with -f, after the release's own values; each value",
        "# says why it is here: the env var it replaces, or the behaviour it keeps.",
    ]
    content: dict[str, Any] = layout.to_values(plan.overlay)
    env_key = target.env_values_key
    if plan.env_values and env_key is not None:
        content[env_key] = dict(plan.env_values)
    if not content:
        header.append("# The pod ran the chart's defaults: there is nothing to override.")
        return "\n".join(header) + "\n{}\n"
    body = yamlio.to_commented(content)
    sources: dict[Path, str] = {}
    for path, why in plan.overlay_sources.items():
        where = layout.values_path(path)
        if where is not None:
            sources[where] = why
    comments = _comment(body, (), sources)
    if plan.env_values and env_key is not None:
        note = "stays an env var: run.yaml still reads it"
        for name in plan.env_values:
            body[env_key].yaml_add_eol_comment(note, name)
        comments.add(note)
    text = yamlio.dump(body)
    # ruamel puts one space before a comment when the value is long; two read better.
    for comment in comments:
        text = re.sub(rf"(?m)(\S) +(# {re.escape(comment)})$", r"\1  \2", text)
    rendered = "\n".join(header) + "\n" + text
    if not yamlio.same(load.load_run_yaml(rendered, "values-overlay.yaml"), content):
        raise InternalError(f"the values overlay for {plan.label} does not load back unchanged")
    return rendered


def _comment(node: Any, path: Path, sources: Mapping[Path, str]) -> set[str]:
    used: set[str] = set()
    items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
    for key, value in items:
        here = (*path, key)
        if isinstance(value, CommentedMap | CommentedSeq) and value and here not in sources:
            used |= _comment(value, here, sources)
        elif here in sources:
            node.yaml_add_eol_comment(sources[here], key)
            used.add(sources[here])
    return used
