"""The interface of the report stage: a renderer lays out one built report.

A renderer only lays out data that :func:`migrate.report.data.build` made;
it decides nothing the data does not say. :class:`~migrate.report.formats.Format`
picks the renderer of each format.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, TextIO


class Renderer(abc.ABC):
    """One format's layout of a report."""

    @abc.abstractmethod
    def render(self, report: Mapping[str, Any]) -> str:
        """The whole report as text."""

    def write(self, report: Mapping[str, Any], stream: TextIO) -> None:
        """The report on ``stream`` (a layout may suit itself to a terminal)."""
        stream.write(self.render(report))
        stream.flush()
