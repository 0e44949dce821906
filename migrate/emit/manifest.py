"""The patched workload manifest.

This module owns applying a plan's edits to the workload's own text, so
that every line the migration does not touch stays as it was.
"""

from __future__ import annotations

from migrate.chart.profile import Profile
from migrate.emit import layout, textpatch
from migrate.emit.interface import Emitter, Rendered
from migrate.model import Plan


class Manifest(Emitter):
    """The patched Deployment or StatefulSet, with whether the text was kept exactly."""

    def name(self, plan: Plan) -> str:
        return layout.workload_file(plan.kind)

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        patched = textpatch.apply_edits(plan.document.text, plan.edits)
        return Rendered(patched.text, patched.exact)
