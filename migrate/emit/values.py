"""The new values file: the old text with the legacy section replaced by the planned overlay.

This module owns writing ``migrate values``'s output. The overlay, in the
target chart's layout, is written with an end-of-line comment on each value,
or on the list that holds it, saying why it is there (the old values key it
came from, the chart default it keeps out and why, Helm's list rule); it
takes the place of the legacy section (its key, its value and its own
comment lines) or, without one, goes after the last entry.
For a target chart that passes extra env vars, variables that must stay env
vars are added to that chart's env map. Every other line stays byte for byte
(:mod:`migrate.yaml.splice`); only a values file written as one flow mapping
(JSON) is written again whole, in block style.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate.chart.profile import Profile
from migrate.emit import why
from migrate.errors import InputError
from migrate.model import Path
from migrate.yaml import io as yamlio
from migrate.yaml import splice
from migrate.yaml.lines import YAML_BREAK
from migrate.yaml.values_file import ValuesFile

ENV_NOTE = why.ENV_NOTE
_KEY_COMMENT = re.compile(r"\A([^\n#]*:) +#")  # the first line's comment, after its key


def overlay_text(data: Mapping[Any, Any], notes: Mapping[Path, str]) -> str:
    """``data`` as block YAML, each value at a path of ``notes`` with that comment, and each
    list that Helm's list rule explains with it (:func:`migrate.emit.why.complete`)."""
    used: set[str] = set()
    commented = _commented(data, (), why.complete(data, notes), used)
    return yamlio.spaced_comments(yamlio.dump(commented), used)


def write(old: ValuesFile, profile: Profile, config: str, additions: Mapping[str, str]) -> str:
    """The old text with the legacy section replaced by ``config`` (an
    :func:`overlay_text`) and ``additions`` in the env map of the target chart."""
    env_key = profile.target.env_values_key
    if env_key is None:
        additions = {}  # a chart without an env map: nothing can be added (env-not-carried)
    elif additions:
        old.require_direct(env_key)
    env_index = old.index(env_key) if env_key is not None else None
    new_env = ""
    if additions and env_index is None and env_key is not None:
        notes: dict[Path, str] = {(env_key, name): ENV_NOTE for name in additions}
        new_env = overlay_text({env_key: dict(additions)}, notes)
    if old.is_flow():
        return _rewrite_flow(old, profile, config + new_env, additions)
    lines = old.lines
    block = _indent(config + new_env, old.key_column(), lines.newline)
    splices: list[splice.Splice] = []
    section = old.index(profile.legacy_section)
    if section is not None:
        old.refuse_shared_anchors(section)
        first, last = old.span(section)
        start, end = lines.start(first), lines.start(last + 1)
        if not block and (first == 0 or lines.blank(first - 1)) and lines.blank(last + 1):
            end = lines.start(last + 2)  # keep one blank line, not two
        splices.append(splice.Splice(start, end, block))
    elif block:
        end = old.bound()
        if end > 0 and not lines.blank(end - 1):
            block = lines.newline + block
        at = lines.start(end)
        splices.append(splice.Splice(at, at, _after_break(old, end, block)))
    if env_index is not None and additions:
        splices += _env_splices(old, env_index, additions)
    # Two pieces at one offset: the later one goes first, as the env map's new entries
    # come before the overlay that replaces the section after it.
    return splice.apply(old.text, reversed(splices))


def _after_break(old: ValuesFile, line: int, block: str) -> str:
    """``block`` to insert at ``line``, after a line break the text may lack at its end."""
    at = old.lines.start(line)
    if at == len(old.text) and old.text and not YAML_BREAK.search(old.text[-2:]):
        return old.lines.newline + block
    return block


def _indent(block: str, column: int, newline: str) -> str:
    pad = " " * column
    lines = block.split("\n")[:-1]  # every block ends with "\n"
    return "".join((pad + line if line.strip() else line) + newline for line in lines)


def _env_splices(old: ValuesFile, index: int, additions: Mapping[str, str]) -> list[splice.Splice]:
    """Add ``additions`` to the existing env map, leaving its other text as it is."""
    lines = old.lines
    key_line = old.key_line(index)
    last = old.last_line(index)
    notes: dict[Path, str] = {(name,): ENV_NOTE for name in additions}
    block_entries = old.block_entries(index)
    if block_entries is not None:
        # A block mapping: a null entry of the same name gets the value where it
        # stands; the other new entries go below its last one, at its column.
        column, entries = block_entries
        splices: list[splice.Splice] = []
        rest = dict(additions)
        for entry in entries:
            if entry.name in rest:
                text = _indent(
                    overlay_text({entry.name: rest.pop(entry.name)}, notes), column, lines.newline
                )
                splices.append(
                    splice.Splice(lines.start(entry.first), lines.start(entry.last + 1), text)
                )
        if rest:
            block = _indent(overlay_text(rest, notes), column, lines.newline)
            at = lines.start(last + 1)
            splices.append(splice.Splice(at, at, _after_break(old, last + 1, block)))
        return splices
    if old.null_or_empty(index):
        # `env:`, `env: ~` or `env: {}`: the entries go below the key, which keeps its comment.
        found = old.key_comment(index)
        comment = f"  {found}" if found is not None else ""
        text = f"{old.key_as_written(index)}:{comment}\n" + _indent(
            overlay_text(dict(additions), notes), 2, "\n"
        )
        start, end = lines.start(key_line), lines.start(last + 1)
        return [splice.Splice(start, end, _indent(text, old.key_column(index), lines.newline))]
    # A flow mapping with entries: written again, in block style.
    start, end = lines.start(key_line), lines.start(last + 1)
    try:
        loaded = yamlio.load_round_trip(old.text[start:end])
    except yamlio.RoundTripError as error:
        raise InputError(
            f"{old.name}:{key_line + 1}: cannot add {', '.join(additions)} to "
            f"{old.key_name(index)}: {error}"
        ) from None
    name = next(iter(loaded))
    loaded[name] = _add_env(_block_style(loaded[name]), additions)
    text = yamlio.spaced_comments(yamlio.dump(loaded), {ENV_NOTE})
    # The key's comment kept its old column; two spaces read better.
    text = _KEY_COMMENT.sub(r"\1  #", text)
    return [splice.Splice(start, end, _indent(text, old.key_column(index), lines.newline))]


def _rewrite_flow(
    old: ValuesFile, profile: Profile, block: str, additions: Mapping[str, str]
) -> str:
    """A values file written as one flow mapping (JSON): written again whole, in block style."""
    try:
        data = yamlio.load_round_trip(old.text)
    except yamlio.RoundTripError as error:
        raise InputError(f"{old.name}: cannot rewrite: {error}") from None
    inserted = yamlio.load_round_trip(block) if block else CommentedMap()
    section, env_key = profile.legacy_section, profile.target.env_values_key
    result = CommentedMap()
    for key, value in data.items():
        if key == section:
            result.update(inserted)
        else:
            result[key] = value
    if section not in data:
        result.update(inserted)
    if additions and env_key is not None and env_key in data:
        entries = result[env_key] if result[env_key] is not None else CommentedMap()
        result[env_key] = _add_env(entries, additions)
    return yamlio.spaced_comments(yamlio.dump(_block_style(result)), {ENV_NOTE})


def _add_env(entries: CommentedMap, additions: Mapping[str, str]) -> CommentedMap:
    for var, text in additions.items():
        entries[var] = text
        entries.yaml_add_eol_comment(ENV_NOTE, var)
    return entries


def _block_style(node: Any) -> Any:
    if isinstance(node, CommentedMap | CommentedSeq):
        node.fa.set_block_style()
        for child in node.values() if isinstance(node, CommentedMap) else node:
            _block_style(child)
    return node


def _commented(data: Any, path: Path, notes: Mapping[Path, str], used: set[str]) -> Any:
    """ruamel containers for ``data``, with the comment of ``notes`` at each path it names.

    Strings are quoted by the writer (:mod:`migrate.yaml.scalars`) wherever a reader,
    Helm's included, would read them otherwise.
    """
    if isinstance(data, Mapping | list):
        node: CommentedMap | CommentedSeq = (
            CommentedMap() if isinstance(data, Mapping) else CommentedSeq()
        )
        items = data.items() if isinstance(data, Mapping) else enumerate(data)
        for key, value in items:
            here = (*path, key)
            child = _commented(value, here, notes, used)
            if isinstance(node, CommentedMap):
                node[key] = child
            else:
                node.append(child)
            if here in notes:
                node.yaml_add_eol_comment(notes[here], key)
                used.add(notes[here])
        return node
    return data
