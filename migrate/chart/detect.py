"""Recognising a user's chart: its layout and its env map, from the texts of its templates.

This module owns the template shapes migrate knows (one ``toYaml .Values.<key>``
for the whole run.yaml; literal lines and ``{{- with .Values.<key> }}`` groups
for modular sections; a ``range`` over a values map that writes container env
vars) and the refusal, naming what was looked for, of a chart in none of them:
there is no silent fallback. A new target layout is recognised here and
described in :mod:`migrate.chart.layout`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from migrate.chart.layout import Layout, Section
from migrate.chart.read import ChartFiles
from migrate.errors import InputError
from migrate.yaml.load import load_run_yaml

_BLOCK_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[\"']?[\w.-]+[\"']?):\s*\|[-+]?\s*$")
_WHOLE = re.compile(r"^\{\{-?\s*toYaml\s+\.Values\.(?P<key>\w+)\s*\|\s*nindent\s+\d+\s*-?\}\}$")
_WITH = re.compile(r"^\{\{-?\s*with\s+\.Values\.(?P<key>\w+)\s*-?\}\}$")
_TOYAML_DOT = re.compile(r"^\{\{-?\s*toYaml\s+\.\s*\|\s*nindent\s+\d+\s*-?\}\}$")
_END = re.compile(r"^\{\{-?\s*end\s*-?\}\}$")
_SECTION_KEY = re.compile(r"^(?P<key>[a-z_]+):\s*$")
_ENV_RANGE = re.compile(
    r"range\s+\$(?P<name>\w+)\s*,\s*\$\w+\s*:=\s*\.Values\.(?P<key>\w+)\s*-?\}\}"
    r"[^{]*?name:\s*\{\{-?\s*\$(?P=name)\b"
)


def layout(files: ChartFiles, file_name: str) -> Layout:
    """The layout of a chart, from the template that renders ``file_name`` into a ConfigMap."""
    looked = (
        f"looked in templates/ for a ConfigMap whose data key {file_name!r} is rendered by "
        "either one `toYaml .Values.<key>` (the whole run.yaml) or literal lines and "
        "`{{- with .Values.<key> }}` / `<section>:` / `{{- toYaml . | nindent N }}` / "
        "`{{- end }}` groups (modular sections)"
    )
    found: list[tuple[str, list[str]]] = []
    for name, text in files.templates.items():
        if "kind: ConfigMap" not in text:
            continue
        block = _block(text, file_name)
        if block is not None:
            found.append((name, block))
    if not found:
        raise InputError(
            f"{files.source}: no template renders a ConfigMap with {file_name!r}; {looked}. "
            "Is this the chart you upgrade to (the old chart sets VECTOR_STORE_* env vars "
            "and has no such ConfigMap)?"
        )
    if len(found) > 1:
        names = ", ".join(name for name, _ in found)
        raise InputError(f"{files.source}: more than one template renders {file_name!r} ({names})")
    name, block = found[0]
    parsed = _parse_block(block)
    if parsed is None:
        raise InputError(
            f"{files.source}: {name} renders {file_name!r} in a layout migrate "
            f"does not know; {looked}"
        )
    return parsed


def _block(text: str, file_name: str) -> list[str] | None:
    """The lines of the literal block under the data key ``file_name``, dedented."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _BLOCK_KEY.match(line)
        if match is None or match["key"].strip("\"'") != file_name:
            continue
        indent = len(match["indent"])
        block: list[str] = []
        for following in lines[index + 1 :]:
            stripped = following.strip()
            if stripped and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following)
        while block and not block[-1].strip():
            block.pop()
        margin = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
        return [b[margin:] for b in block]
    return None


def _parse_block(block: list[str]) -> Layout | None:
    content = [line for line in block if line.strip() and not line.lstrip().startswith("#")]
    if len(content) == 1:
        whole = _WHOLE.match(content[0].strip())
        if whole:
            return Layout(name="runconfig", whole=whole["key"])
    literal: list[str] = []
    sections: list[Section] = []
    index = 0
    while index < len(content):
        line = content[index].strip()
        opened = _WITH.match(line)
        if opened:
            group = [c.strip() for c in content[index + 1 : index + 4]]
            key = _SECTION_KEY.match(group[0]) if group else None
            if (
                len(group) < 3
                or key is None
                or not _TOYAML_DOT.match(group[1])
                or not _END.match(group[2])
            ):
                return None
            sections.append(Section(opened["key"], key["key"]))
            index += 4
            continue
        if "{{" in line:
            return None
        literal.append(content[index])
        index += 1
    if not sections:
        return None
    try:
        fixed = load_run_yaml("\n".join(literal), "template") if literal else {}
    except InputError:
        return None
    if not isinstance(fixed, Mapping):
        return None
    return Layout(name="modular", sections=tuple(sections), fixed=fixed)


def env_values_key(files: ChartFiles) -> str | None:
    """A values map the chart ranges over to write extra container env vars, if it has one."""
    for text in files.templates.values():
        match = _ENV_RANGE.search(text)
        if match:
            return match["key"]
    return None
