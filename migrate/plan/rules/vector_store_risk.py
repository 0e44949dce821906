"""The embedding model that vector stores use by default (its provider, model
and the registered `embedding_dimension`) differs from the target chart's
defaults. Existing vector stores were built with the pod's model: an upgrade
that falls back to the defaults embeds queries with another model, or
another dimension, and the stores stop answering. Not raised when a value is
not known offline (for example it comes from a Secret).

**Do:** keep the overlay with the upgrade; change the embedding model only
with a plan to re-index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migrate.engine.problem import Problem
from migrate.model import Severity
from migrate.plan import planned, runtime

ID = "vector-store-risk"
SEVERITY = Severity.WARNING
TITLE = "the embedding model or dimension differs from the target chart's defaults"


def check(workload: planned.Workload) -> Iterator[Problem]:
    """The pod's vector stores were built with an embedding model the defaults do not use."""
    environment, home = workload.environment, workload.home
    ours = runtime.embedding(workload.before, environment, home)
    theirs = runtime.embedding(workload.profile.chart_defaults, environment, home)
    if not ours.known() or not theirs.known():
        return
    if (ours.provider, ours.model, _number(ours.dimension)) == (
        theirs.provider,
        theirs.model,
        _number(theirs.dimension),
    ):
        return
    yield Problem(
        ID,
        f"existing vector stores were built with {ours}; the target chart's defaults "
        f"use {theirs}, so an upgrade that loses the overlay leaves them unreadable",
    )


def _number(value: Any) -> Any:
    """Dimensions compare as numbers: 768 and '768' are one dimension to the server."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return value
