"""Why each value of a written overlay is there: Helm's list rule, and the legend of the comments.

The plan says why it sets a value (the env var, or old values key, it came
from; the chart default it keeps and why). This module owns what the writers
add to that: a list is written whole, since Helm replaces a list rather than
merging it, so a list that holds a value with no reason of its own says so
on its key; and the legend an overlay's header gives of its comments. The
overlay (:mod:`migrate.emit.overlay`) and ``migrate values``'s writer
(:mod:`migrate.emit.values`) both use it, so every value either writes has a
comment on its own line or on the list that holds it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from migrate.model import Path
from migrate.plan.resolution import KEPT

LIST_RULE = "Helm replaces a list whole, so the whole list is written"
UNCOMMENTED = "a value without a comment is as the pod ran it"
LIST_NOTE = f"{LIST_RULE}; {UNCOMMENTED}"  # on a list that holds values with no reason
ENV_NOTE = "stays an env var: run.yaml still reads it"
STILL_READ = "(still read from the env)"


def complete(data: Any, notes: Mapping[Path, str]) -> dict[Path, str]:
    """``notes`` (values path → why) with Helm's list rule added: on each list of ``data``
    that has a note, and on each list that holds a value with no reason of its own."""
    done = dict(notes)
    _unexplained(data, (), done, covered=False)
    return done


def _unexplained(node: Any, path: Path, notes: dict[Path, str], covered: bool) -> bool:
    """Whether a value of ``node`` has no reason: no note of its own, and none on a list
    or map that holds it (``covered``: a note on a key speaks for all of its value).
    Adds the list rule to ``notes`` on the way."""
    covered = covered or path in notes
    if not isinstance(node, Mapping | list) or not node:
        return not covered
    items = node.items() if isinstance(node, Mapping) else enumerate(node)
    unexplained = [_unexplained(child, (*path, key), notes, covered) for key, child in items]
    if not isinstance(node, list):
        return any(unexplained)
    if path in notes:
        notes[path] = f"{notes[path]}; {LIST_RULE}"
    elif any(unexplained):
        notes[path] = LIST_NOTE  # its values' own notes stay where they are
    return False


def legend(comments: Iterable[str]) -> list[str]:
    """The header lines that say what the kinds of ``comments`` mean, one per kind used."""
    kinds: set[str] = set()
    for comment in comments:
        for part in comment.split("; "):
            if part.startswith(KEPT):
                kinds.add("kept")
            elif part in (LIST_RULE, UNCOMMENTED):
                kinds.add("list")
            elif part == ENV_NOTE:
                kinds.add("env")
            else:
                kinds.add("still" if part.endswith(STILL_READ) else "from")
    return [
        line
        for kind, meaning in _LEGEND
        if kind in kinds
        for line in textwrap.wrap(
            meaning, width=88, initial_indent="#   ", subsequent_indent="#     "
        )
    ]


_LEGEND: tuple[tuple[str, str], ...] = (
    ("from", "an env var's name: the value replaces that env var (several: it comes from each)"),
    (
        "still",
        f"'NAME {STILL_READ}': the value keeps NAME's placeholder, so the pod must still set NAME",
    ),
    (
        "kept",
        f"'{KEPT}, not the chart's default KEY: VALUE': the chart changed that default, "
        "and the value the pod ran is kept: --preserve-behavior asks for it, or adopting "
        "the default would break the pod (the finding named)",
    ),
    (
        "list",
        f"'{LIST_RULE}': Helm never merges lists, so a list is written in full; a value "
        "in it without a comment of its own is as the pod ran it",
    ),
    ("env", f"'{ENV_NOTE}': the chart passes it to the pod as an env var"),
)
