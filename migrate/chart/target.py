"""Target charts: how the chart a user upgrades to turns its values into run.yaml.

This module owns the target side of a migration: the layouts of the chart's
generations (the whole run.yaml under one values key, as the seed's
``runConfig:``; or modular top-level keys, each rendered into one run.yaml
section, with the rest written by the template itself), the built-in targets
with their default values, the user's release values merged over them, and
reading a user's own chart (a directory or a packaged ``.tgz``) to detect its
layout from its ConfigMap template. A chart whose layout is not recognised is
refused with what was looked for: there is no silent fallback.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path as FilePath
from typing import Any

from migrate.engine import overlay
from migrate.errors import InputError
from migrate.model import Path
from migrate.yaml.io import same
from migrate.yaml.load import load_run_yaml

# A packaged chart is read into memory: refuse archives that are not charts.
_MAX_ARCHIVE_MEMBER = 4 * 1024 * 1024
_MAX_ARCHIVE_MEMBERS = 2_000


@dataclass(frozen=True)
class Section:
    """One values key that the chart renders as one top-level run.yaml key."""

    values_key: str
    run_key: str


@dataclass(frozen=True)
class Layout:
    """How a chart's values become its ConfigMap's run.yaml.

    ``whole`` names the values key that holds the whole run.yaml (rendered with
    ``toYaml``); otherwise ``sections`` are rendered one by one, each only when
    its value is not empty (``{{- with }}``), after the ``fixed`` keys that the
    template writes itself.
    """

    name: str
    whole: str | None = None
    sections: tuple[Section, ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def render(self, values: Mapping[str, Any]) -> Any:
        """The run.yaml the chart renders from its (merged) ``values``."""
        if self.whole is not None:
            return values.get(self.whole)
        rendered: dict[str, Any] = dict(self.fixed)
        for section in self.sections:
            value = values.get(section.values_key)
            if go_truthy(value):
                rendered[section.run_key] = value
        return rendered

    def values_key(self, run_key: str) -> str | None:
        """The values key that sets the top-level run.yaml key ``run_key``, if any."""
        if self.whole is not None:
            return self.whole
        for section in self.sections:
            if section.run_key == run_key:
                return section.values_key
        return None

    def values_path(self, path: Path) -> Path | None:
        """Where the run.yaml key at ``path`` is set in the chart's values, if it can be."""
        if self.whole is not None:
            return (self.whole, *path)
        if not path or not isinstance(path[0], str):
            return None
        key = self.values_key(path[0])
        return None if key is None else (key, *path[1:])

    def to_values(self, run_overlay: Mapping[str, Any]) -> dict[str, Any]:
        """A run.yaml-shaped overlay as chart values (keys no values key sets are left out)."""
        if self.whole is not None:
            return {self.whole: dict(run_overlay)} if run_overlay else {}
        values: dict[str, Any] = {}
        for run_key, value in run_overlay.items():
            key = self.values_key(str(run_key))
            if key is not None:
                values[key] = value
        return values

    def uncarried(self, run_overlay: Mapping[str, Any]) -> list[str]:
        """Top-level run.yaml keys of an overlay that no values key of this chart sets."""
        return [str(k) for k in run_overlay if self.values_key(str(k)) is None]

    def describe(self) -> str:
        if self.whole is not None:
            return f"the whole run.yaml under '{self.whole}'"
        keys = ", ".join(s.values_key for s in self.sections)
        fixed = ", ".join(self.fixed)
        return f"modular keys {keys}" + (f"; {fixed} fixed by the template" if fixed else "")


def go_truthy(value: Any) -> bool:
    """Whether a Go template's ``with``/``if`` takes ``value`` as set."""
    if value is None or value is False:
        return False
    if isinstance(value, str | Mapping | list):
        return len(value) > 0
    if isinstance(value, int | float):
        return value != 0
    return True


@dataclass(frozen=True)
class Target:
    """The chart a release is upgraded to: its layout and its default values."""

    name: str
    description: str
    layout: Layout
    values: Mapping[str, Any]  # the chart's values (defaults, with release values merged on)
    source: str  # "built-in target NAME", or the chart's path
    # a values map that the chart turns into extra container env vars; none of the
    # known chart versions has one
    env_values_key: str | None = None
    chart: FilePath | None = None  # the chart on disk, for --verify
    release_values: tuple[str, ...] = ()  # the --values files merged into ``values``
    release_data: tuple[Mapping[str, Any], ...] = ()  # and what they hold, in that order

    @cached_property
    def defaults(self) -> Any:
        """The run.yaml the chart renders with no overlay."""
        return self.layout.render(self.values)

    def with_release_values(self, files: Sequence[tuple[str, Mapping[str, Any]]]) -> Target:
        """The target as a release with these values (``helm upgrade -f`` order) renders it."""
        values: Any = self.values
        for _, data in files:
            values = overlay.helm_merge(values, data)
        return replace(
            self,
            values=values,
            release_values=self.release_values + tuple(name for name, _ in files),
            release_data=self.release_data + tuple(data for _, data in files),
        )


# -- built-in targets ------------------------------------------------------------------


def layouts(meta: Mapping[str, Any], source: str) -> dict[str, Layout]:
    """The layouts a profile declares, by name."""
    found: dict[str, Layout] = {}
    for name, spec in (meta or {}).items():
        if not isinstance(spec, Mapping):
            raise InputError(f"{source}: layout {name} is not a mapping")
        sections = tuple(
            Section(str(values_key), str(run_key))
            for values_key, run_key in (spec.get("sections") or {}).items()
        )
        whole = spec.get("whole")
        found[str(name)] = Layout(
            name=str(name),
            whole=str(whole) if whole else None,
            sections=sections,
            fixed=dict(spec.get("fixed") or {}),
        )
    return found


def built_in(
    specs: Sequence[Mapping[str, Any]],
    known_layouts: Mapping[str, Layout],
    read: Any,
    profile: str,
) -> dict[str, Target]:
    """The profile's targets, by name; ``read(file)`` loads a values file of the profile.

    A target either names its own values file or takes another target's
    defaults laid out in its own layout (``values_from``).
    """
    targets: dict[str, Target] = {}
    for spec in specs:
        name = str(spec["name"])
        layout = known_layouts[str(spec["layout"])]
        if "values" in spec:
            values = read(str(spec["values"]))
            if not isinstance(values, Mapping):
                raise InputError(f"profile {profile}: {spec['values']} is not a mapping")
        else:
            origin = targets[str(spec["values_from"])]
            run_yaml = origin.defaults
            values = layout.to_values({k: v for k, v in run_yaml.items() if k not in layout.fixed})
        targets[name] = Target(
            name=name,
            description=" ".join(str(spec.get("description", "")).split()),
            layout=layout,
            values=values,
            source=f"built-in target {name}",
        )
    for target in targets.values():
        _check_defaults(target, target.source)
    return targets


def _check_defaults(target: Target, source: str) -> None:
    run_yaml = target.defaults
    if not isinstance(run_yaml, Mapping) or not ({"providers", "apis"} & set(run_yaml)):
        raise InputError(
            f"{source}: the chart's values do not render a Llama Stack run.yaml "
            f"({target.layout.describe()}; expected a mapping with 'providers' or 'apis')"
        )


# -- the user's chart ----------------------------------------------------------------


@dataclass(frozen=True)
class ChartFiles:
    """What is read of a chart: its values, and the texts of its templates."""

    source: str
    values: str
    templates: Mapping[str, str]


def read_chart(path: FilePath) -> ChartFiles:
    """The values and templates of a chart directory or packaged ``.tgz`` (subcharts aside)."""
    if path.is_dir():
        values_file = path / "values.yaml"
        if not values_file.is_file():
            raise InputError(f"{path}: not a chart directory (no values.yaml)")
        templates = {
            str(file.relative_to(path)): _text(file.read_bytes(), str(file))
            for file in sorted((path / "templates").rglob("*"))
            if file.is_file() and file.suffix in (".yaml", ".yml", ".tpl")
        }
        return ChartFiles(str(path), _text(values_file.read_bytes(), str(values_file)), templates)
    if path.is_file():
        return _read_archive(path)
    raise InputError(f"{path}: no such chart directory or .tgz file")


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{source}: not UTF-8 text (byte {error.start})") from None


def _read_archive(path: FilePath) -> ChartFiles:
    try:
        with tarfile.open(path, "r:*") as archive:
            return _archive_files(path, archive)
    except (tarfile.TarError, OSError, EOFError) as error:
        first = str(error).strip().splitlines()[0].rstrip(":") if str(error).strip() else ""
        raise InputError(
            f"{path}: not a chart directory or a packaged chart (.tgz): {first}"
        ) from None


def _archive_files(path: FilePath, archive: tarfile.TarFile) -> ChartFiles:
    values: str | None = None
    templates: dict[str, str] = {}
    members = archive.getmembers()
    if len(members) > _MAX_ARCHIVE_MEMBERS:
        raise InputError(f"{path}: more than {_MAX_ARCHIVE_MEMBERS} files; not a chart")
    for member in members:
        parts = member.name.split("/")
        # <chart>/values.yaml and <chart>/templates/…, not the subcharts under charts/.
        if not member.isfile() or len(parts) < 2:
            continue
        inner = "/".join(parts[1:])
        wanted = inner == "values.yaml" or (
            parts[1] == "templates" and inner.endswith((".yaml", ".yml", ".tpl"))
        )
        if not wanted:
            continue
        if member.size > _MAX_ARCHIVE_MEMBER:
            raise InputError(f"{path}: {member.name} is larger than 4 MiB")
        handle = archive.extractfile(member)
        if handle is None:
            continue
        text = _text(handle.read(), f"{path}:{member.name}")
        if inner == "values.yaml":
            values = text
        else:
            templates[inner] = text
    if values is None:
        raise InputError(f"{path}: the packaged chart has no values.yaml")
    return ChartFiles(str(path), values, dict(sorted(templates.items())))


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


def detect(files: ChartFiles, file_name: str) -> Layout:
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
    layout = _parse_block(block)
    if layout is None:
        raise InputError(
            f"{files.source}: {name} renders {file_name!r} in a layout migrate "
            f"does not know; {looked}"
        )
    return layout


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


def from_chart(
    path: FilePath, file_name: str, known: Mapping[str, Target]
) -> tuple[Target, ChartFiles]:
    """The target a user's chart describes; its name says which built-in it matches, if any."""
    files = read_chart(path)
    layout = detect(files, file_name)
    values_source = f"{path}/values.yaml" if path.is_dir() else f"{path}:values.yaml"
    values = load_run_yaml(files.values, values_source) or {}
    if not isinstance(values, Mapping):
        raise InputError(f"{values_source}:1: the chart's values are not a mapping")
    target = Target(
        name="chart",
        description=f"{path}: {layout.describe()}",
        layout=layout,
        values=values,
        source=str(path),
        env_values_key=env_values_key(files),
        chart=path,
    )
    whole_missing = layout.whole is not None and not isinstance(values.get(layout.whole), Mapping)
    if whole_missing:
        line = _line_of(files.values, str(layout.whole))
        raise InputError(
            f"{values_source}:{line}: the chart renders run.yaml from '{layout.whole}', "
            "but its values have no such section"
        )
    where = values_source
    if layout.whole is not None:
        where = f"{values_source}:{_line_of(files.values, layout.whole)}"
    _check_defaults(target, where)
    twin = next(
        (
            t
            for t in known.values()
            if t.layout.whole == layout.whole
            and t.layout.sections == layout.sections
            and same(t.defaults, target.defaults)
        ),
        None,
    )
    if twin is not None:
        target = replace(target, name=twin.name, description=f"{path}: as {twin.description}")
    return target, files


def _line_of(text: str, key: str) -> int:
    found = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def read_values(path: str, text: str) -> Mapping[str, Any]:
    """A release values file (``--values``), as a mapping."""
    data = load_run_yaml(text, path)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InputError(f"{path}:1: Helm values must be a mapping, not a {type(data).__name__}")
    return data


def summary(target: Target, *, default: bool) -> dict[str, Any]:
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


def render_summaries(rows: Sequence[Mapping[str, Any]], output: str) -> str:
    """`migrate targets` in one of the report formats."""
    if output == "json":
        import json

        return json.dumps(list(rows), indent=2) + "\n"
    if output == "yaml":
        from migrate.yaml import io as yamlio

        return yamlio.dump_run_yaml(list(rows))
    if output == "markdown":
        lines = ["| target | layout | values | description |", "| --- | --- | --- | --- |"]
        for row in rows:
            name = f"`{row['name']}`" + (" (default)" if row["default"] else "")
            lines.append(f"| {name} | {row['layout']} | {row['values']} | {row['description']} |")
        return "\n".join(lines) + "\n"
    blocks = []
    for row in rows:
        name = row["name"] + ("  (default)" if row["default"] else "")
        if row["source"] != f"built-in target {row['name']}":
            name += f"  [{row['source']}]"
        env = row["envValues"] or "none (no chart version passes extra env vars)"
        blocks.append(
            f"{name}\n  {row['description']}\n  values: {row['values']}\n  extra env vars: {env}\n"
        )
    return "\n".join(blocks)
