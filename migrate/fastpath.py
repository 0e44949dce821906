"""The switch between the fast path and the full path through the checks.

This module owns one decision: whether the shortcuts are taken. Each shortcut
skips work only where it can prove the outcome is the same: a node-graph check
skipped when the text cannot hold a deep or aliased graph, the duplicate-key
search run only when a mapping came out shorter than its keys, and cluster
objects written out as text only when they are Llama Stack workloads. Setting
``MIGRATE_FULL_PATH=1`` takes the full path everywhere; the test suite runs
every fixture both ways and requires identical output.
"""

from __future__ import annotations

import os

ENV = "MIGRATE_FULL_PATH"


def enabled() -> bool:
    """True unless ``MIGRATE_FULL_PATH`` is set to something other than ``0``."""
    return os.environ.get(ENV, "") in ("", "0")
