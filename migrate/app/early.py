"""Scanned workloads planned while the context's lists are still being read.

This module owns planning a workload as soon as what it needs has been
read (its own object and every ConfigMap of its namespace), on a thread of
its own, so that planning fills the time the lists wait for the API server (and,
as far as it can, only that time: :mod:`migrate.sources.activity`).
A plan made early is only a shortcut: :func:`migrate.app.convert.plan_all`
takes it for exactly the workload it was made for (the same object, equal
ConfigMaps of the same kind) and plans any other itself, so what a scan
gives never depends on timing. A workload whose early planning failed is
planned again there, where its error surfaces as it would have. The report's
differences from the chart defaults are worked out early too
(:func:`migrate.report.diff.ahead`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from migrate.app import convert as pipeline
from migrate.chart.profile import Profile
from migrate.model import CompleteConfigMaps, Document, Status, Workload
from migrate.report import diff
from migrate.sources import activity, workloads

_PATIENCE = 0.05  # seconds a workload waits at most for the lists to wait on the network


class Planner:
    """Plans workloads handed to it (:meth:`kept`) once their namespace's ConfigMaps are
    read (:meth:`config_maps`); :meth:`finish` waits for the last and gives the lookup."""

    def __init__(self, profile: Profile, policy: pipeline.Policy, name: str = "plan") -> None:
        self.profile = profile
        self.policy = policy
        self._lock = threading.Lock()
        self._tables: dict[str, CompleteConfigMaps] = {}
        self._waiting: dict[str, list[Document]] = {}
        self._queue: queue.SimpleQueue[Workload | None] = queue.SimpleQueue()
        self._done: dict[int, tuple[Workload, pipeline.Outcome]] = {}
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def kept(self, document: Document) -> None:
        """A workload that was read: planned once its namespace's ConfigMaps are."""
        namespace = document.namespace or "default"
        with self._lock:
            table = self._tables.get(namespace)
            if table is None:
                self._waiting.setdefault(namespace, []).append(document)
                return
        self._queue.put(Workload(document, table))

    def config_maps(self, namespace: str, read: list[Document]) -> None:
        """Every ConfigMap of ``namespace``, read: its workloads can be planned."""
        table = workloads.complete(read, namespace)
        with self._lock:
            self._tables[namespace] = table
            waiting = self._waiting.pop(namespace, [])
        for document in waiting:
            self._queue.put(Workload(document, table))

    def _run(self) -> None:
        # Nothing is read yet: the report's differences get their library meanwhile.
        activity.ACTIVITY.quiet(_PATIENCE)
        diff.prepare()
        while (workload := self._queue.get()) is not None:
            # In the waits of the lists: not while a page is decoded, as far as it can.
            activity.ACTIVITY.quiet(_PATIENCE)
            try:
                outcome = pipeline.outcome_of(workload, self.profile, self.policy)
                if outcome.plan.status is Status.NEEDS_MIGRATION:  # the report's differences
                    diff.ahead(self.profile.chart_defaults, outcome.plan.run_config)
            except Exception:  # planned again by plan_all, where the error surfaces
                continue
            self._done[id(workload.document)] = (workload, outcome)

    def finish(self) -> None:
        """Plan what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def outcome(self, workload: Workload) -> pipeline.Outcome | None:
        """The early outcome of exactly ``workload``, None if there is none."""
        found = self._done.get(id(workload.document))
        if found is None:
            return None
        early, outcome = found
        same_maps = type(early.config_maps) is type(workload.config_maps) and (
            early.config_maps == workload.config_maps
        )
        return outcome if early.document is workload.document and same_maps else None


def differences(
    profile: Profile,
) -> tuple[Callable[[Any], object], Callable[[Any, object], None]]:
    """(work out, take): the report's differences of a context's workloads (of a scan's
    ContextResult), worked out in a second process by its planner while it read, sent
    with the result, and taken here for the report."""
    defaults = profile.chart_defaults

    def work_out(result: Any) -> object:
        return [
            diff.changes(defaults, o.plan.run_config)
            if o.plan.status is Status.NEEDS_MIGRATION
            else None
            for o in result.result.outcomes
        ]

    def take(result: Any, worked_out: object) -> None:
        assert isinstance(worked_out, list)
        for outcome, found in zip(result.result.outcomes, worked_out, strict=True):
            if found is not None:
                diff.remember(defaults, outcome.plan.run_config, found)

    return work_out, take
