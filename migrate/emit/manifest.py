"""The patched workload manifest.

This module owns applying a plan's edits to the workload's own text, so
that every line the migration does not touch stays as it was.
"""

from __future__ import annotations

from migrate.emit import textpatch
from migrate.model import Plan


def render(plan: Plan) -> textpatch.Patched:
    """The patched Deployment or StatefulSet, with whether the text was kept exactly."""
    return textpatch.apply_edits(plan.document.text, plan.edits)
