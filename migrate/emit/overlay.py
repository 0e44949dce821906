"""The Helm values overlay file of one workload.

This module owns rendering a plan's overlay in the target chart's values
layout (the whole run.yaml under one key, or the chart's modular keys), with
an end-of-line comment on every value, or on the list that holds it, saying
why it is there: the env var it came from, the chart default it keeps out
and why, or Helm's list rule (:mod:`migrate.emit.why`); the header says what
the kinds of comment mean. Workloads of one run often share their settings:
on the fast path, what follows the first line is written once for each set
of values and comments, and every overlay is still loaded back and checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate import __version__, fastpath
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


# Overlays written already, all but their first line, by what that text depends on.
_BODIES: dict[object, str] = {}
_MAX_BODIES = 4096


def _text(plan: Plan, profile: Profile) -> str:
    target = profile.target
    layout = target.layout
    first = f"# Helm values overlay for {plan.label}, written by migrate {__version__}."
    content: dict[str, Any] = layout.to_values(plan.overlay)
    env_key = target.env_values_key
    if plan.env_values and env_key is not None:
        content[env_key] = dict(plan.env_values)
    sources: dict[Path, str] = {}
    for path, reason in plan.overlay_sources.items():
        where = layout.values_path(path)
        if where is not None:
            sources[where] = reason
    if plan.env_values and env_key is not None:
        sources.update({(env_key, name): why.ENV_NOTE for name in plan.env_values})
    key = _key(target.name, target.description, content, sources)
    rest = _BODIES.get(key) if key is not None else None
    if rest is None:
        rest = _rest(target.name, target.description, content, sources)
        if key is not None and len(_BODIES) < _MAX_BODIES:
            _BODIES[key] = rest
    rendered = first + "\n" + rest
    if not yamlio.same(load.load_run_yaml(rendered, "values-overlay.yaml"), content):
        raise InternalError(f"the values overlay for {plan.label} does not load back unchanged")
    return rendered


def _key(name: str, description: str, content: Any, sources: Mapping[Path, str]) -> object:
    """What the overlay's text after its first line depends on; None off the fast path or
    for values that are not plain data."""
    values = yamlio.identity(content) if fastpath.enabled() else None
    if values is None:
        return None
    comments = tuple(
        (tuple((type(step).__name__, step) for step in path), reason)
        for path, reason in sources.items()
    )
    return (name, description, values, comments)


def _rest(name: str, description: str, content: dict[str, Any], sources: Mapping[Path, str]) -> str:
    """The overlay after its first line: the rest of the header, then the values."""
    header = [f"# Target chart: {name} ({description})."]
    if not content:
        header.append("# The pod ran the chart's defaults: there is nothing to override.")
        return "\n".join(header) + "\n{}\n"
    body = yamlio.to_commented(content)
    comments = _comment(body, (), why.complete(content, sources))
    header += [
        "# Pass it to `helm upgrade` with -f, after the release's own values. Each value says",
        "# why it is here, in a comment on its line or on the list that holds it:",
        *why.legend(comments),
    ]
    return "\n".join(header) + "\n" + yamlio.spaced_comments(yamlio.dump(body), comments)


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
