"""The interface of the emit stage: one file of a migrated workload, rendered from its plan.

Every emitter takes the same two things, the workload's :class:`~migrate.model.Plan`
and the :class:`~migrate.chart.profile.Profile` it was planned for, and gives
the file's text; it decides nothing the plan has not decided. A plan that
cannot be written as that file raises an :class:`EmitError`: the workload
gets an error finding and no file, and the others go on.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from migrate.chart.profile import Profile
from migrate.model import Plan


class EmitError(Exception):
    """A plan that cannot be written as this emitter's file."""


@dataclass(frozen=True)
class Rendered:
    """The text of one file, and whether the text it was patched from is kept exactly."""

    text: str
    exact: bool = True  # False: a patch had to rewrite lines the migration does not touch


class Emitter(abc.ABC):
    """Renders one file of each migrated workload."""

    @abc.abstractmethod
    def name(self, plan: Plan) -> str:
        """The file's name in the workload's folder (see :mod:`migrate.emit.layout`)."""

    @abc.abstractmethod
    def render(self, plan: Plan, profile: Profile) -> Rendered:
        """The file's text; raises :class:`EmitError` when the plan cannot be written so."""
