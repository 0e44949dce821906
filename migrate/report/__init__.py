"""The report stage: what a run found, as data, then laid out in the format asked for.

``data`` (:func:`build`: the report as plain data, in the shape of
``docs/report-schema.json``), ``ignore`` (the ``--ignore`` rules),
``summary`` (the summary line and what every layout shares), ``interface``
(the :class:`~migrate.report.interface.Renderer` every layout follows),
``formats`` (:class:`Format`, which picks the renderer), ``text``
(with ``terminal``, which fits it to a terminal's width), ``markdown``,
``diff`` (the difference model), ``values`` (how a value is shown) and
``mapping`` (the ``migrate mapping`` table).

The names below are the package's surface for the commands and tests.
"""

from __future__ import annotations

from migrate.report.data import API_VERSION, KIND, Options, build, failed
from migrate.report.formats import FORMATS, Format, render
from migrate.report.ignore import Rule, parse_rule, read_rules
from migrate.report.summary import summary_line

__all__ = [
    "API_VERSION",
    "FORMATS",
    "KIND",
    "Format",
    "Options",
    "Rule",
    "build",
    "failed",
    "parse_rule",
    "read_rules",
    "render",
    "summary_line",
]
