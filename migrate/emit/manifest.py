"""The patched workload manifest.

This module owns applying a plan's edits to the workload's own text, so
that every line the migration does not touch stays as it was (text the fast
writer wrote, from a cluster, is written anew: :mod:`migrate.emit.canonical`).
"""

from __future__ import annotations

from migrate import fastpath
from migrate.chart.profile import Profile
from migrate.emit import canonical, layout, textpatch
from migrate.emit.interface import Emitter, Rendered
from migrate.model import Plan


class Manifest(Emitter):
    """The patched Deployment or StatefulSet, with whether the text was kept exactly."""

    def name(self, plan: Plan) -> str:
        return layout.workload_file(plan.kind)

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        document = plan.document
        patched = (
            canonical.apply_edits(document.text, document.data, plan.edits)
            if fastpath.enabled()
            else None
        ) or textpatch.apply_edits(document.text, plan.edits)
        return Rendered(patched.text, patched.exact)
