"""The listings: ``migrate mapping``, ``migrate targets`` and ``migrate findings``.

This module owns what each listing shows: the env var → run.yaml key table
of a profile, the target charts (the default one first, and with a chart
what that chart is), and the catalogue of finding IDs. Each returns the text
to print in the format asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from migrate.chart import profile, summary
from migrate.plan import findings as catalogue
from migrate.report import mapping as table
from migrate.report.formats import Format


def mapping(
    output: Format,
    *,
    template: Path | None = None,
    target: str | None = None,
    chart: Path | None = None,
    migrate_var: Sequence[str] = (),
) -> str:
    """The env var → run.yaml key table, with the values key that sets each key in the target."""
    chosen = profile.load(
        template=template, target=target, chart=chart, extra_vars=tuple(migrate_var)
    )
    return table.render(table.build(chosen), output)


def target_charts(output: Format, chart: Path | None = None) -> str:
    """The built-in targets, the default one first; with ``chart``, what that chart is."""
    chosen = profile.load(chart=chart)
    default = profile.load().target.name
    rows = [
        summary.row(t, default=t.name == default)
        for t in sorted(chosen.targets.values(), key=lambda t: t.name != default)
    ]
    if chart is not None:
        rows.append(summary.row(chosen.target, default=False))
    return summary.render(rows, output)


def finding_ids(output: Format) -> str:
    """Every finding ID with its usual severity."""
    return catalogue.render(list(catalogue.CATALOGUE.values()), output)
