"""The Helm values overlay file of one workload.

This module owns rendering a plan's overlay in the target chart's values
layout (the whole run.yaml under one key, or the chart's modular keys), with
an end-of-line comment on every value, or on the list that holds it, saying
why it is there: the env var it came from, the chart default it keeps out
and why, or Helm's list rule (:mod:`migrate.emit.why`); the header says what
the kinds of comment mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate import __version__
from migrate.chart.profile import Profile
from migrate.emit import why
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
    ]
    content: dict[str, Any] = layout.to_values(plan.overlay)
    env_key = target.env_values_key
    if plan.env_values and env_key is not None:
        content[env_key] = dict(plan.env_values)
    if not content:
        header.append("# The pod ran the chart's defaults: there is nothing to override.")
        return "\n".join(header) + "\n{}\n"
    sources: dict[Path, str] = {}
    for path, reason in plan.overlay_sources.items():
        where = layout.values_path(path)
        if where is not None:
            sources[where] = reason
    if plan.env_values and env_key is not None:
        sources.update({(env_key, name): why.ENV_NOTE for name in plan.env_values})
    body = yamlio.to_commented(content)
    comments = _comment(body, (), why.complete(content, sources))
    header += [
        "# Pass it to `helm upgrade` with -f, after the release's own values. Each value says",
        "# why it is here, in a comment on its line or on the list that holds it:",
        *why.legend(comments),
    ]
    text = yamlio.spaced_comments(yamlio.dump(body), comments)
    rendered = "\n".join(header) + "\n" + text
    if not yamlio.same(load.load_run_yaml(rendered, "values-overlay.yaml"), content):
        raise InternalError(f"the values overlay for {plan.label} does not load back unchanged")
    return rendered


def _comment(node: Any, path: Path, sources: Mapping[Path, str]) -> list[str]:
    """Put the comment of ``sources`` on each value (or list) at a path it names; the
    comments used, in order."""
    used: list[str] = []
    items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
    for key, value in items:
        here = (*path, key)
        if here in sources:
            node.yaml_add_eol_comment(sources[here], key)
            used.append(sources[here])
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            used += _comment(value, here, sources)
    return list(dict.fromkeys(used))
