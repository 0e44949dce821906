"""The restore overlay of a workload whose upgrade already changed its vector-store settings.

This module owns ``restore-overlay.yaml``: the values (in the target chart's
layout) that, merged over the release's current values, make the chart
render run.yaml as the last revision on the env-var layout ran it
(:class:`~migrate.model.Restore`, decided by :mod:`migrate.plan.history`),
with a header naming both revisions and what a null does. Nothing else of
the release is written: no value of it but the keys the old run.yaml had.
"""

from __future__ import annotations

from migrate import __version__
from migrate.chart.profile import Profile
from migrate.emit.interface import EmitError, Emitter, Rendered
from migrate.emit.layout import RESTORE_FILE
from migrate.model import Plan
from migrate.yaml import io as yamlio
from migrate.yaml import load


class RestoreOverlay(Emitter):
    """``restore-overlay.yaml``: the values that bring back what the old revision ran."""

    def name(self, plan: Plan) -> str:
        return RESTORE_FILE

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        restore = plan.restore
        if restore is None:
            raise EmitError(f"{plan.label}: nothing to restore")
        target = profile.target
        header = [
            f"# Restore overlay for {plan.label}, written by migrate {__version__}.",
            f"# Target chart: {target.name} ({target.description}).",
            f"# Revision {restore.current_revision} of the release (deployed now) changed the "
            "vector-store settings",
            f"# that revision {restore.old_revision} (the last on the env-var layout) ran. "
            "Merged over the",
            "# release's values (helm upgrade --reset-then-reuse-values -f this file), it "
            "makes the",
            f"# chart render run.yaml as revision {restore.old_revision} ran it. A null "
            "deletes a key that",
            f"# revision {restore.current_revision}'s values set and the old run.yaml did not "
            "have.",
        ]
        for blocker in restore.blockers:
            header.append(f"# Not carried by these values: {blocker.message}")
        body = yamlio.dump(yamlio.to_commented(dict(restore.values)))
        text = "\n".join(header) + "\n" + body
        if not yamlio.same(load.load_run_yaml(text, RESTORE_FILE), dict(restore.values)):
            raise EmitError(f"the restore overlay for {plan.label} does not load back unchanged")
        return Rendered(text)
