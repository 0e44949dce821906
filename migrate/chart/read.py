"""Reading a user's chart: a chart directory or a packaged ``.tgz``, in memory, with bounds.

This module owns what is read of a chart (its ``values.yaml`` and the texts of
its templates; subcharts aside), the limits that refuse an archive which is
not a chart before it is read, and the messages that name a file which is not
UTF-8 text. What the templates mean is :mod:`migrate.chart.detect`'s.
"""

from __future__ import annotations

import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import InputError

# A packaged chart is read into memory: refuse archives that are not charts.
MAX_ARCHIVE_MEMBER = 4 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2_000


@dataclass(frozen=True)
class ChartFiles:
    """What is read of a chart: its values, and the texts of its templates."""

    source: str
    values: str
    templates: Mapping[str, str]


def chart_files(path: Path) -> ChartFiles:
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


def _read_archive(path: Path) -> ChartFiles:
    try:
        with tarfile.open(path, "r:*") as archive:
            return _archive_files(path, archive)
    except (tarfile.TarError, OSError, EOFError) as error:
        first = str(error).strip().splitlines()[0].rstrip(":") if str(error).strip() else ""
        raise InputError(
            f"{path}: not a chart directory or a packaged chart (.tgz): {first}"
        ) from None


def _archive_files(path: Path, archive: tarfile.TarFile) -> ChartFiles:
    values: str | None = None
    templates: dict[str, str] = {}
    members = archive.getmembers()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise InputError(f"{path}: more than {MAX_ARCHIVE_MEMBERS} files; not a chart")
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
        if member.size > MAX_ARCHIVE_MEMBER:
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
