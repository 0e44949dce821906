"""Chart layouts: how a target chart's values become the run.yaml of its ConfigMap.

This module owns the layouts of the chart's generations (the whole run.yaml
under one values key, as the seed's ``runConfig:``; or modular top-level keys,
each rendered into one run.yaml section, with the rest written by the template
itself), the mapping between run.yaml keys and values keys that follows from a
layout, and reading the layouts a profile declares. Recognising a layout in a
user's chart template is :mod:`migrate.chart.detect`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.errors import InputError
from migrate.model import Path


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


def declared(meta: Mapping[str, Any], source: str) -> dict[str, Layout]:
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
