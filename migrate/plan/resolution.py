"""From migrated-variable values to the run.yaml the new chart must render, and its overlay.

This module owns the resolution of one set of values (variable → value, or
unset): the template with the values baked in (what the pod ran), the
desired run.yaml (chart-default drift adopted, or kept where a hazard or
``--preserve-behavior`` says so), the minimal Helm overlay, and the
variables refused because Helm could not carry their values unchanged (they
stay env vars). It also says what the target chart's values cannot render of
the result. ``migrate convert`` and ``migrate values`` both plan through it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate import fastpath
from migrate.chart.profile import Hazard, Profile
from migrate.engine import evaluate, kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.model import Finding, Path, Severity
from migrate.plan.findings import finding
from migrate.yaml.io import same


@dataclass(frozen=True)
class Resolution:
    """The run.yaml a set of migrated-variable values leads to, and its overlay."""

    evaluation: evaluate.Evaluation  # the template with the values baked in: what the pod ran
    desired: Any  # the run.yaml the new chart must render (drift adopted or kept)
    values: dict[str, Any]  # the minimal overlay, in run.yaml's shape
    conflicts: tuple[overlay.Conflict, ...]
    refused: dict[str, str]  # variable → why it stays an env var
    # chart-default changes not adopted: (path, what the pod ran, the chart's default)
    kept_drift: tuple[tuple[Path, Any, Any], ...] = ()
    # the keys kept as the pod ran them against a chart default, with what keeps them
    # (PRESERVE or HAZARD)
    pinned: tuple[tuple[Path, str], ...] = ()
    # every variable ``desired`` still reads → its paths
    reads: Mapping[str, list[Path]] = field(default_factory=dict)
    # what of ``desired`` the target chart's values cannot render (see carry_problems)
    uncarried: tuple[str, ...] = ()

    def notes(self) -> dict[Path, str]:
        """The overlay's comment for each kept key: which chart default it keeps out and
        why. A key inside a list has it on the outermost list that holds it, which the
        overlay carries whole (Helm replaces lists whole)."""
        defaults = {path: after for path, _, after in self.kept_drift}
        grouped: dict[Path, list[tuple[Path, str]]] = {}
        for path, why in self.pinned:
            grouped.setdefault(_list_owner(path), []).append((path, why))
        return {owner: _kept_note(entries, defaults) for owner, entries in grouped.items()}


# What keeps a key as the pod ran it, and how an overlay comment says so.
PRESERVE = "--preserve-behavior"
HAZARD = "chart-default-hazard"
_WHY = {
    PRESERVE: " (--preserve-behavior)",
    HAZARD: ", which would break this pod (chart-default-hazard)",
}
KEPT = "kept as the pod ran it"  # how every such comment begins


def resolve(
    profile: Profile,
    bake: Mapping[str, str | None],
    home: str | None,
    *,
    preserve_behavior: bool = False,
    keep: tuple[Hazard, ...] = (),
) -> Resolution:
    """Bake ``bake`` (variable → value, None for unset) and derive the overlay.

    Chart-default drift is adopted, except at the keys of the hazards in
    ``keep`` (those keep what the pod ran) and, with ``preserve_behavior``,
    everywhere. A variable whose value Helm could not carry unchanged through
    the overlay is refused (it stays an env var) and the rest are baked again.

    The resolution depends on nothing else, and the profile is fixed for a run: the
    workloads of a run that share their values share one resolution (not to be
    changed, as the profile's template is not).
    """
    if not fastpath.enabled():
        return _resolve(profile, bake, home, preserve_behavior, keep)
    key = (tuple(bake.items()), home, preserve_behavior, keep)
    known = profile.resolutions
    found = known.get(key)
    if found is None:
        if len(known) >= _KEPT:
            known.clear()
        found = known[key] = _resolve(profile, bake, home, preserve_behavior, keep)
    return found


_KEPT = 512  # resolutions a profile keeps at most


def _resolve(
    profile: Profile,
    bake: Mapping[str, str | None],
    home: str | None,
    preserve_behavior: bool,
    keep: tuple[Hazard, ...],
) -> Resolution:
    remaining = dict(bake)
    refused: dict[str, str] = {}
    defaults = profile.chart_defaults
    baseline = profile.baseline(home)
    while True:
        evaluation = evaluate.partial(
            profile.template, remaining, home, profile.without_placeholders
        )
        for variable, reason in evaluation.refused.items():
            refused.setdefault(variable, reason)
            remaining.pop(variable, None)
        conflicts: list[overlay.Conflict] = []
        kept: list[tuple[Path, Any, Any]] = []
        pinned: list[tuple[Path, str]] = []
        adopting = overlay.merge3(baseline, evaluation.tree, defaults, conflicts)
        if preserve_behavior:
            desired = evaluation.tree
            kept = overlay.differences(evaluation.tree, adopting)
            pinned = [(path, PRESERVE) for path, _, _ in kept]
            conflicts = []
        else:
            desired = adopting
            for hazard in keep:
                for path, before, after in overlay.differences(evaluation.tree, desired):
                    if hazard.key in path:
                        desired = overlay.set_exact(desired, path, before)
                        kept.append((path, before, after))
                        pinned.append((path, HAZARD))
        values = overlay.helm_diff(defaults, desired)
        unfit = _unfit_for_helm(values, desired, evaluation.provenance)
        if not unfit:
            return Resolution(
                evaluation,
                desired,
                values,
                tuple(conflicts),
                refused,
                tuple(kept),
                tuple(pinned),
                evaluate.readers(desired, profile.without_placeholders),
                _uncarried(profile, values, desired),
            )
        for variable, reason in unfit.items():
            refused.setdefault(variable, reason)
            remaining.pop(variable, None)


def active_hazards(profile: Profile, environment: kube_env.ContainerEnv) -> tuple[Hazard, ...]:
    """The hazards whose trigger this pod sets (or may set: not known offline)."""
    active: list[Hazard] = []
    for hazard in profile.hazards:
        trigger = environment.get(hazard.when_set)
        if trigger.state is not kube_env.State.UNSET and trigger.value != "":
            active.append(hazard)
    return tuple(active)


def carry_problems(
    profile: Profile, values: Mapping[str, Any], desired: Any, *, helm_managed: bool = True
) -> list[Finding]:
    """What the target chart's values cannot render of ``desired`` (its own template fixes it,
    it leaves out a section that is empty, or Helm cannot set the value, as a null). An
    error where a Helm release manages the workload; a warning where the patched manifest,
    which carries any run.yaml, is the next step."""
    return carried(profile, _uncarried(profile, values, desired), helm_managed=helm_managed)


def carried(profile: Profile, wrong: Sequence[str], *, helm_managed: bool) -> list[Finding]:
    """The finding of :func:`carry_problems` for the paths ``wrong`` (a resolution's
    ``uncarried``); none for none."""
    if not wrong:
        return []
    target = profile.target
    layout = target.layout
    return [
        finding(
            "target-cannot-carry",
            f"{', '.join(wrong)}: the target chart ({target.name}: {layout.describe()}) cannot "
            "render what the pod needs there through its values; after `helm upgrade` these "
            "keys would differ. Apply the patched manifest and ConfigMap instead, or use "
            "another target",
            None if helm_managed else Severity.WARNING,
        )
    ]


def _uncarried(profile: Profile, values: Mapping[str, Any], desired: Any) -> tuple[str, ...]:
    """Where the target chart, given ``values``, renders other than ``desired``."""
    target = profile.target
    layout = target.layout
    rendered = layout.render(overlay.helm_merge(target.values, layout.to_values(values)))
    if same(rendered, desired):
        return ()
    wrong = [format_path(path) for path, _, _ in overlay.differences(desired, rendered)]
    return tuple(wrong) or ("run.yaml",)


def _unfit_for_helm(
    values: Mapping[str, Any], desired: Any, provenance: Mapping[Path, frozenset[str]]
) -> dict[str, str]:
    """Baked variables whose values the overlay cannot carry through Helm unchanged."""
    unfit: dict[str, str] = {}
    for path, _ in overlay.leaves(values):
        names = provenance.get(path)
        if not names:
            continue
        value = overlay.get_exact(desired, path)
        if value is overlay.MISSING:
            continue  # a deletion, which Helm carries
        reason = overlay.helm_refusal(value)
        if reason:
            for name in names:
                unfit.setdefault(name, f"at {format_path(path)}: {reason}")
    return unfit


def _kept_note(entries: Sequence[tuple[Path, str]], defaults: Mapping[Path, Any]) -> str:
    """``kept as the pod ran it, not the chart's default PATH: VALUE`` and why."""
    shown = ", ".join(
        f"{format_path(path)}: {_shown(defaults.get(path, overlay.MISSING))}" for path, _ in entries
    )
    why = "".join(_WHY[cause] for cause in dict.fromkeys(cause for _, cause in entries))
    plural = "s" if len(entries) > 1 else ""
    return f"{KEPT}, not the chart's default{plural} {shown}{why}"


def _shown(value: Any, limit: int = 60) -> str:
    """A chart default as a comment shows it: flow style, cut short when long."""
    if value is overlay.MISSING:
        return "(absent)"  # as the report shows it
    text = value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list_owner(path: Path) -> Path:
    """The path of the outermost list on ``path`` (what an overlay must carry whole)."""
    for index, part in enumerate(path):
        if isinstance(part, int):
            return path[:index]
    return path
