"""Old chart values to a plan for the target chart: the migrated variables, the overlay, findings.

This module owns the planning of ``migrate values``. From an old values file
(read as Helm reads it, :mod:`migrate.yaml.values_file`) it takes each
migrated variable as the old chart's template set it
(:mod:`migrate.plan.old_chart`), plans the overlay with
:func:`migrate.plan.resolution.resolve` for the chosen target chart, says why
each value of the overlay is there, and raises the findings ``migrate
convert`` raises for the same release. Writing the new file is
:mod:`migrate.emit.values`'s; the order of the steps and the final check are
:mod:`migrate.app.values`'s.

No version of the old chart reads an ``env:`` value (it is only commented
out in its values file), so an ``env:`` map of the old values overrides
nothing: it is kept as any other key. A variable that must stay an env var
cannot be carried by a target chart without an env map either: that is an
``env-not-carried`` error, not an ``env:`` key that nobody reads.

An old values key that is absent counts as not set (the template's
placeholder default applies); this equals the old chart's own default as long
as that chart's ``vectorStore`` defaults are the placeholder defaults, as they
are in the chart the built-in profile describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate.chart.layout import Layout
from migrate.chart.profile import Profile
from migrate.engine import evaluate, kube_env
from migrate.engine.evaluate import format_path
from migrate.engine.placeholders import placeholders
from migrate.errors import InputError
from migrate.model import Drift, Finding, Path
from migrate.plan import checks, old_chart
from migrate.plan import resolution as plan
from migrate.plan.findings import finding
from migrate.yaml.values_file import ValuesFile


@dataclass(frozen=True)
class ValuesPlan:
    """What the new values must say, and what was decided on the way."""

    # migrated variable → the value the old values gave it (None: not set, the
    # template's default applies); variables whose value is not known are left out
    variables: dict[str, str | None]
    resolution: plan.Resolution  # the run.yaml the new values must render, and its overlay
    kept: dict[str, str]  # migrated variable that stays an env var → why
    settings: Mapping[str, old_chart.Setting]  # migrated variable → how the old values set it
    environment: kube_env.ContainerEnv  # the old container's env, as far as the values tell
    foreign: tuple[Finding, ...]  # keys of another layout, which the target chart ignores
    already_migrated: bool  # no legacy section but the target's keys: nothing to write
    section_found: bool = True  # whether the values had the legacy section
    written: Mapping[str, Any] = field(default_factory=dict)  # the overlay, target's layout
    notes: dict[Path, str] = field(default_factory=dict)  # values path → why it is set
    additions: dict[str, str] = field(default_factory=dict)  # env var → text, for the env map


def layout_keys(layout: Layout) -> tuple[str, ...]:
    """The values keys through which a chart of ``layout`` renders run.yaml."""
    if layout.whole is not None:
        return (layout.whole,)
    return tuple(section.values_key for section in layout.sections)


def plan_values(
    old: ValuesFile,
    profile: Profile,
    *,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
) -> ValuesPlan:
    """Plan the profile's target chart values for the old chart's values ``old``.

    Where a chart default would break what the release ran (a hazard of the profile
    whose variable the old values set), the overlay keeps what the release ran, unless
    ``adopt_defaults``; ``preserve_behavior`` keeps it at every changed default.
    """
    section = profile.legacy_section
    if not section:
        raise InputError(f"profile {profile.name} names no legacy values section")
    target = profile.target
    keys = layout_keys(target.layout)
    for key in (section, *keys):
        old.require_direct(key)
    section_index = old.index(section)
    present = [key for key in keys if old.has(key)]
    if section_index is not None and present:
        raise InputError(
            f"{old.name}:{old.key_line(old.index(present[0]) or 0) + 1}: the values have both "
            f"'{present[0]}' and '{section}' (line {old.key_line(section_index) + 1}); "
            "remove one of them first"
        )
    settings, kept = old_chart.migrated_variables(old, profile)
    variables = {
        var: (settings[var].value if var in settings else None)
        for var in profile.mapping()
        if var not in kept or (var in settings and settings[var].known)
    }
    bake = {var: value for var, value in variables.items() if var not in kept}
    environment = old_chart.container_env(old, settings)
    keep = () if adopt_defaults else plan.active_hazards(profile, environment)
    resolution = plan.resolve(profile, bake, None, preserve_behavior=preserve_behavior, keep=keep)
    for var, reason in resolution.refused.items():
        kept.setdefault(var, reason)
    foreign = tuple(_foreign_keys(old, profile))
    if section_index is None and present:
        return ValuesPlan(
            variables, resolution, kept, settings, environment, foreign, already_migrated=True
        )
    env_key = target.env_values_key
    additions = (
        {var: setting.text for var, setting in settings.items() if var in kept and setting.text}
        if env_key is not None
        else {}
    )
    return ValuesPlan(
        variables,
        resolution,
        kept,
        settings,
        environment,
        foreign,
        already_migrated=False,
        section_found=section_index is not None,
        written=target.layout.to_values(resolution.values),
        notes=_notes(resolution, settings, kept, profile),
        additions=additions,
    )


# ---------------------------------------------------------------------------
# Findings, as `migrate convert` raises them for the release


def _foreign_keys(old: ValuesFile, profile: Profile) -> list[Finding]:
    """Keys of another chart generation's layout, which the target chart ignores."""
    target = profile.target
    ours = set(layout_keys(target.layout))
    found: list[Finding] = []
    seen: set[str] = set()
    for other in profile.targets.values():
        for key in layout_keys(other.layout):
            index = old.index(key)
            if key in ours or key in seen or index is None:
                continue
            seen.add(key)
            line = old.key_line(index) + 1
            found.append(
                finding(
                    "target-cannot-carry",
                    f"{old.name}:{line}: '{key}' is a key of the {other.layout.name} layout "
                    f"({other.layout.describe()}), and the target chart ({target.name}: "
                    f"{target.layout.describe()}) does not read it: Helm ignores it without "
                    "a word and the pod gets the chart's defaults there. Move its content "
                    f"to the target's keys, or choose a target that reads '{key}'",
                )
            )
    return found


def findings(
    old: ValuesFile,
    profile: Profile,
    planned: ValuesPlan,
    adopted: Sequence[tuple[Path, Any, Any]],
    carry: Sequence[Finding],
) -> list[Finding]:
    """The findings of `migrate convert` for the release the values ``old`` describe.

    ``adopted`` holds the chart defaults the new values adopt (path, what the pod ran,
    the chart's default), as reports find them; ``carry`` what the target chart cannot
    render of the plan (:func:`migrate.plan.resolution.carry_problems`).
    """
    target = profile.target
    resolution, settings, kept = planned.resolution, planned.settings, planned.kept
    found = [
        finding(
            "legacy-placeholder",
            f"{format_path(path)}: {text} is the pre-0.2.13 placeholder dialect; "
            "Llama Stack 0.3.3 keeps it as literal text",
        )
        for path, text in profile.legacy
    ]
    found += [*planned.foreign, *carry]
    found += [
        finding(
            "drift-conflict",
            f"{format_path(c.path)}: the chart changed its default and the values changed "
            "it too; the values' value is kept",
        )
        for c in resolution.conflicts
    ]
    env_key = target.env_values_key
    for var, reason in kept.items():
        found.append(finding("value-not-inlined", f"{var} stays an env var: {reason}"))
        if env_key is None and var in settings:
            found.append(
                finding(
                    "env-not-carried",
                    f"{var} must stay an env var ({reason}), and the target chart "
                    f"({target.name}) has no values key for extra env vars: after `helm "
                    f"upgrade` the pod would lack it. Write {settings[var].origin} as a value "
                    "that can be baked, use a chart that passes extra env vars (--chart), "
                    "or convert the release's rendered manifests with `migrate convert`, "
                    "whose patched manifest keeps it",
                )
            )
    if env_key is not None and old.data.get(env_key):
        found.append(
            finding(
                "env-problem",
                f"'{env_key}' in the values was read by no template of the old chart; the "
                f"target chart ({target.name}) turns each of its entries into a container "
                "env var: check them before the upgrade",
            )
        )
    drift = tuple(
        Drift(path=path, before=before, after=after, adopted=True)
        for path, before, after in adopted
    ) + tuple(
        Drift(path=path, before=before, after=after, adopted=False)
        for path, before, after in resolution.kept_drift
    )
    pod_annotations = old.data.get("podAnnotations")
    found += [
        _for_values(item)
        for item in checks.run(
            checks.Workload(
                profile=profile,
                environment=planned.environment,
                home=None,
                before=resolution.evaluation.tree,
                after=resolution.desired,
                provenance=resolution.evaluation.provenance,
                kept=tuple(var for var in kept if var in settings),
                drift=drift,
                workload_annotations={},
                pod_annotations=pod_annotations if isinstance(pod_annotations, Mapping) else {},
                configmap=profile.configmap_for("<fullname>"),
            )
        )
    ]
    return found


def _for_values(item: Finding) -> Finding:
    """A finding of the checks, worded for a values file rather than for convert's files."""
    message = item.message.replace("without values-overlay.yaml", "without the converted values")
    return Finding(item.id, item.severity, message) if message != item.message else item


# ---------------------------------------------------------------------------
# Why each value of the overlay is there


def _notes(
    resolution: plan.Resolution,
    settings: Mapping[str, old_chart.Setting],
    kept: Mapping[str, str],
    profile: Profile,
) -> dict[Path, str]:
    """Values path → why the overlay sets it (the end-of-line comments): the old values
    keys it came from, or the release's behaviour it keeps against a chart default."""
    legacy = {var: ".".join((profile.legacy_section, *path)) for path, var in profile.legacy_values}

    def origin(var: str) -> str:
        if var in settings:
            return settings[var].origin
        return f"{legacy.get(var, var)} not set: template default"

    notes = {
        path: ", ".join(sorted({origin(name) for name in names}))
        for path, names in resolution.evaluation.provenance.items()
    }
    notes.update(resolution.notes())
    for path, text in evaluate.strings(resolution.desired, (), profile.without_placeholders):
        still = sorted({p.name for p in placeholders(text) if p.name in kept})
        if still:
            note = ", ".join(still) + " (still read from the env)"
            notes[path] = f"{notes[path]}; {note}" if path in notes else note
    layout = profile.target.layout
    placed: dict[Path, str] = {}
    for path, note in notes.items():
        where = layout.values_path(path)
        if where is not None:
            placed[where] = note
    return placed
