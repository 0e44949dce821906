"""Partial evaluation of a run.yaml template against what is known of a pod's env.

This module owns deciding, string by string, which placeholders of migrated
variables can be replaced by static values without changing what Llama Stack
0.3.3 computes at start-up, and the table of which run.yaml keys each
variable feeds (derived from the template, never written down by hand).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.engine import placeholders
from migrate.engine.placeholders import Placeholder, RequiredUnset, UnknownHome
from migrate.model import Path


def format_path(path: Path) -> str:
    """``('a', 'b', 0, 'c')`` → ``a.b[0].c``; keys that are not plain names are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum():
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text


def strings(tree: Any, path: Path = (), skip: Collection[int] = ()) -> Iterator[tuple[Path, str]]:
    """Every string value of ``tree`` with its path (keys are never substituted); the
    containers whose ids ``skip`` holds (:func:`without_placeholders`) are passed over."""
    if id(tree) in skip:
        return
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from strings(value, (*path, key), skip)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from strings(value, (*path, index), skip)
    elif isinstance(tree, str):
        yield path, tree


def containers(tree: Any) -> frozenset[int]:
    """The ids of the dicts and lists of ``tree`` (valid while it lives unchanged)."""
    found: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            found.add(id(node))
            stack += node.values()
        elif type(node) is list:
            found.add(id(node))
            stack += node
    return frozenset(found)


def without_placeholders(tree: Any) -> frozenset[int]:
    """The ids of the containers of ``tree`` (dicts and lists) with no string holding
    ``${`` anywhere below, and nothing below but dicts, lists and scalars: partial
    evaluation gives each back as it is, and none feeds a variable, so walks pass over
    them. Valid while ``tree`` lives unchanged (a profile's template): no other object
    can have one of these ids meanwhile."""
    found: set[int] = set()

    def visit(node: Any) -> bool:
        kind = type(node)
        if kind is dict:
            children = [visit(value) for value in node.values()]
        elif kind is list:
            children = [visit(value) for value in node]
        elif isinstance(node, str):
            return "${" not in node
        else:
            return not isinstance(node, Mapping | list)
        if all(children):
            found.add(id(node))
            return True
        return False

    visit(tree)
    return frozenset(found)


def matches(name: str, globs: tuple[str, ...]) -> bool:
    """Whether ``name`` is in the migrated set given by shell-style ``globs``
    (``fnmatch.fnmatchcase`` with any of them)."""
    return globs_pattern(globs).match(name) is not None


@functools.lru_cache(maxsize=256)
def globs_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that matches a whole name exactly when one of the shell-style ``globs``
    does (as ``fnmatch.fnmatchcase``); none of them: a pattern that matches nothing."""
    if not globs:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))


def mapping(
    template: Any, globs: tuple[str, ...], skip: Collection[int] = ()
) -> dict[str, list[Path]]:
    """Migrated variable → every path of the template that reads it, in template order."""
    table: dict[str, list[Path]] = {}
    for path, text in strings(template, (), skip):
        for placeholder in placeholders.placeholders(text):
            if matches(placeholder.name, globs):
                paths = table.setdefault(placeholder.name, [])
                if path not in paths:
                    paths.append(path)
    return table


def readers(template: Any, skip: Collection[int] = ()) -> dict[str, list[Path]]:
    """Every variable the template reads → its paths (migrated or not)."""
    return mapping(template, ("*",), skip)


@dataclass
class Evaluation:
    """The template with some placeholders baked in."""

    tree: Any
    # path of a changed string → the variables baked into it
    provenance: dict[Path, frozenset[str]] = field(default_factory=dict)
    # variable → why it could not be baked (first reason found)
    refused: dict[str, str] = field(default_factory=dict)


def partial(
    template: Any,
    bake: Mapping[str, str | None],
    home: str | None,
    skip: Collection[int] = (),
) -> Evaluation:
    """Bake the variables of ``bake`` (name → value, None for unset) into ``template``.

    Variables that cannot be baked faithfully are left as placeholders
    everywhere and listed in ``refused``; the rest are baked at every path.
    The containers of ``skip`` (:func:`without_placeholders`) are kept as they are.
    """
    remaining = dict(bake)
    refused: dict[str, str] = {}
    while True:
        evaluation = _attempt(template, remaining, home, skip)
        if not evaluation.refused:
            evaluation.refused = refused
            return evaluation
        for name, reason in evaluation.refused.items():
            refused.setdefault(name, reason)
            remaining.pop(name, None)


def _attempt(
    template: Any, bake: Mapping[str, str | None], home: str | None, skip: Collection[int]
) -> Evaluation:
    evaluation = Evaluation(tree=None)

    def walk(node: Any, path: Path) -> Any:
        # A container with nothing baked in is shared with the template, not copied:
        # comparisons of the two then stop at the first shared subtree.
        if id(node) in skip:
            return node
        if isinstance(node, Mapping):
            mapping = {key: walk(value, (*path, key)) for key, value in node.items()}
            changed = any(mapping[key] is not value for key, value in node.items())
            return mapping if changed or type(node) is not dict else node
        if isinstance(node, list):
            items = [walk(value, (*path, index)) for index, value in enumerate(node)]
            return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
        if isinstance(node, str) and "${" in node:  # else no placeholder to bake
            return _bake_string(node, path, bake, home, evaluation)
        return node

    evaluation.tree = walk(template, ())
    return evaluation


def _bake_string(
    text: str,
    path: Path,
    bake: Mapping[str, str | None],
    home: str | None,
    evaluation: Evaluation,
) -> Any:
    tokens = placeholders.tokenize(text)
    baked_names = {
        token.name for token in tokens if isinstance(token, Placeholder) and token.name in bake
    }
    if not baked_names:
        return text
    intended: list[placeholders.Token] = []
    for token in tokens:
        if isinstance(token, Placeholder) and token.name in bake:
            try:
                value = placeholders.substitute(token, bake[token.name], home)
            except RequiredUnset:
                evaluation.refused[token.name] = (
                    f"{token.text} at {format_path(path)} requires the variable and it is "
                    "unset: the old configuration fails at start-up, and so must the new one"
                )
                return text
            except UnknownHome:
                evaluation.refused[token.name] = (
                    f"the value at {format_path(path)} starts with '~', which Llama Stack "
                    "expands with the container's HOME, and HOME is not known"
                )
                return text
            if "${env." in value:
                evaluation.refused[token.name] = (
                    f"its value at {format_path(path)} contains '${{env.', which the new "
                    "configuration would expand while the old one kept it as text"
                )
                return text
            _append_literal(intended, value)
        elif isinstance(token, Placeholder):
            intended.append(token)
        else:
            _append_literal(intended, token)
    result = "".join(t if isinstance(t, str) else t.text for t in intended)
    # Llama Stack scans the new string again: it must find exactly the kept placeholders.
    if placeholders.tokenize(result) != intended:
        for name in baked_names:
            evaluation.refused.setdefault(
                name, f"baking it at {format_path(path)} would form a new placeholder"
            )
        return text
    evaluation.provenance[path] = frozenset(baked_names)
    if any(isinstance(token, Placeholder) for token in intended):
        return result
    return placeholders.convert(result) if result != text else result


def _append_literal(tokens: list[placeholders.Token], text: str) -> None:
    if not text:
        return
    if tokens and isinstance(tokens[-1], str):
        tokens[-1] += text
    else:
        tokens.append(text)
