"""Target charts: the chart a user upgrades to, with its default and release values.

This module owns the target side of a migration: the :class:`Target` (a
layout and the chart's values), the built-in targets a profile declares with
their default values, the user's release values (``--values``) merged over
them, and the target a user's own chart describes (``--chart``), named after
the built-in one it matches, if any. A target whose values do not render a
Llama Stack run.yaml is refused. Reading the chart is :mod:`migrate.chart.read`'s,
recognising its layout :mod:`migrate.chart.detect`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from migrate.chart import detect, read
from migrate.chart.layout import Layout
from migrate.engine import overlay
from migrate.errors import InputError
from migrate.yaml.io import same
from migrate.yaml.load import load_run_yaml


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
    chart: Path | None = None  # the chart on disk, for --verify
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


def built_in(
    specs: Sequence[Mapping[str, Any]],
    known_layouts: Mapping[str, Layout],
    read_file: Any,
    profile: str,
) -> dict[str, Target]:
    """The profile's targets, by name; ``read_file(file)`` loads a values file of the profile.

    A target either names its own values file or takes another target's
    defaults laid out in its own layout (``values_from``).
    """
    targets: dict[str, Target] = {}
    for spec in specs:
        name = str(spec["name"])
        layout = known_layouts[str(spec["layout"])]
        if "values" in spec:
            values = read_file(str(spec["values"]))
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


def from_chart(
    path: Path, file_name: str, known: Mapping[str, Target]
) -> tuple[Target, read.ChartFiles]:
    """The target a user's chart describes; its name says which built-in it matches, if any."""
    files = read.chart_files(path)
    layout = detect.layout(files, file_name)
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
        env_values_key=detect.env_values_key(files),
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
