"""read → plan → write → check: one ``migrate values`` run, from old values to new ones.

This module owns the order of the steps that turn an old chart's values into
values for the target chart (reading them as Helm does, planning, writing the
new file) and the final check: the new file loads back as Helm reads it,
holds the planned overlay and renders the planned run.yaml through the target
chart's layout, and says everything else the old one said. It also owns what
the ``values`` command tells a person: the findings and a one-line summary
(what was written, the chart defaults adopted, the findings at or above
``--fail-on``), or, for a Kubernetes manifest given as values, that it is
one and ``migrate convert`` reads it. :func:`convert` is the step ``scan
--helm-values`` reuses.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml as pyyaml

from migrate.chart import profile as chart_profile
from migrate.chart.profile import Profile
from migrate.emit import values as writer
from migrate.engine import overlay
from migrate.engine.evaluate import format_path
from migrate.errors import InputError, InternalError
from migrate.model import Finding, Path, Severity
from migrate.plan import values as planning
from migrate.plan.findings import at_least
from migrate.plan.resolution import Resolution, carried
from migrate.report.diff import changes
from migrate.report.summary import findings_count
from migrate.sources import manifests
from migrate.yaml import io as yamlio
from migrate.yaml import load, values_file
from migrate.yaml.values_file import ValuesFile


@dataclass(frozen=True)
class ValuesResult:
    """A converted values file and what was decided on the way."""

    text: str  # the new values file
    # migrated variable → the value the old values gave it (None: not set, the
    # template's default applies); variables whose value is not known are left out
    variables: dict[str, str | None]
    target: Resolution  # the run.yaml the new values must render, and its overlay
    kept: dict[str, str]  # migrated variable that stays an env var → why
    already_migrated: bool  # no legacy section but the target's keys: the input unchanged
    findings: tuple[Finding, ...] = ()  # as `migrate convert` raises them for the release
    written: Mapping[str, Any] | None = None  # the overlay as written, in the target's layout
    section_found: bool = True  # whether the values had the legacy section
    adopted: tuple[Path, ...] = ()  # where the new values render a chart default the old did not


def convert(
    text: str,
    source: str,
    profile: Profile,
    *,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
) -> ValuesResult:
    """Turn the old chart's values ``text`` (read from ``source``) into values for the
    profile's target chart.

    Where a chart default would break what the release ran (a hazard of the profile
    whose variable the old values set), the overlay keeps what the release ran, unless
    ``adopt_defaults``; ``preserve_behavior`` keeps it at every changed default.
    """
    old = values_file.read(text, source)
    planned = planning.plan_values(
        old, profile, preserve_behavior=preserve_behavior, adopt_defaults=adopt_defaults
    )
    resolution = planned.resolution
    if planned.already_migrated:
        return ValuesResult(
            text,
            planned.variables,
            resolution,
            planned.kept,
            already_migrated=True,
            findings=planned.foreign,
        )
    written = planned.written
    block = writer.overlay_text(written, planned.notes) if written else ""
    new_text = writer.write(old, profile, block, planned.additions)
    carry = carried(profile, resolution.uncarried, helm_managed=True)
    _check(old, new_text, block, profile, resolution, planned.additions, exact=not carry)
    adopted = changes(resolution.evaluation.tree, resolution.desired)
    found = planning.findings(
        old, profile, planned, [(c.path, c.old, c.new) for c in adopted], carry
    )
    return ValuesResult(
        new_text,
        planned.variables,
        resolution,
        planned.kept,
        already_migrated=False,
        findings=tuple(found),
        written=written,
        section_found=planned.section_found,
        adopted=tuple(c.path for c in adopted),
    )


# ---------------------------------------------------------------------------
# The final check


def _as_json(data: Any) -> Any:
    """``data`` as Helm holds it: every number a float."""
    if isinstance(data, Mapping):
        return {key: _as_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_as_json(item) for item in data]
    if isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    return data


def _check(
    old: ValuesFile,
    new_text: str,
    block: str,
    profile: Profile,
    resolution: Resolution,
    additions: Mapping[str, str],
    *,
    exact: bool = True,
) -> None:
    """The new values render ``resolution.desired``, and say everything else the old ones
    said.

    ``block`` (the overlay as written) must mean the planned overlay to a YAML 1.1
    reader, the target chart must render the planned run.yaml from it (``exact``;
    otherwise the target cannot carry all of it, which is a finding of its own), and
    Helm must read the same data from the new file.
    """

    def fail(why: str) -> InternalError:
        return InternalError(f"{old.name}: the converted values {why}; nothing was written")

    try:
        new = values_file.read(new_text, old.name)
        typed = load.load_run_yaml(block, old.name) or {}
    except InputError as error:
        raise fail(f"do not load back ({error})") from None
    target = profile.target
    layout = target.layout
    keys = planning.layout_keys(layout)
    section, env_key = profile.legacy_section, target.env_values_key
    if section in new.data:
        raise fail(f"still have '{section}'")
    written = {key: typed[key] for key in keys if key in typed}
    if not yamlio.same(written, layout.to_values(resolution.values)) or set(typed) - set(keys):
        raise fail("do not hold the planned overlay")
    if exact:
        rendered = layout.render(overlay.helm_merge(target.values, written))
        if not yamlio.same(rendered, resolution.desired):
            raise fail(f"would not render the planned run.yaml ({layout.describe()})")
    read = {key: new.data[key] for key in keys if key in new.data}
    if not yamlio.same(_as_json(written), read):
        raise fail(f"'{', '.join(keys)}' would be read differently by Helm")
    expected = dict(old.data)
    expected.pop(section, None)
    if additions and env_key is not None:
        expected[env_key] = {**(old.data.get(env_key) or {}), **additions}
    actual = {k: v for k, v in new.data.items() if k not in keys}
    if not yamlio.same(actual, expected):
        changed = sorted(
            str(k)
            for k in set(actual) | set(expected)
            if not yamlio.same(actual.get(k, overlay.MISSING), expected.get(k, overlay.MISSING))
        )
        raise fail(f"changed other keys ({', '.join(changed)})")


# ---------------------------------------------------------------------------
# The `values` command


@dataclass(frozen=True)
class Outcome:
    """What the ``values`` command writes and tells."""

    text: str  # the new values file
    messages: tuple[str, ...]  # for stderr: each finding, then the summary
    failed: bool  # a finding at or above --fail-on was raised


def run(
    old_values: str,
    *,
    template: FilePath | None = None,
    target: str | None = None,
    chart: FilePath | None = None,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
    fail_on: str = "error",
    output_file: FilePath | None = None,
) -> Outcome:
    """Convert the values file ``old_values`` ('-': stdin) for the chosen target chart.

    ``output_file`` is where the caller writes the new values (None: stdout); the
    summary names it.
    """
    chosen = chart_profile.load(template=template, target=target, chart=chart)
    name = "<stdin>" if old_values == manifests.STDIN else old_values
    text = manifests.read(old_values)
    refuse_manifest(text, name, old_values)
    result = convert(
        text,
        name,
        chosen,
        preserve_behavior=preserve_behavior,
        adopt_defaults=adopt_defaults,
    )
    found = failed(result.findings, fail_on)
    lines = [f"{item.severity.value}: {item.message} [{item.id}]" for item in result.findings]
    lines.append(
        summary(
            name,
            chosen,
            result,
            preserve_behavior=preserve_behavior,
            failed_at=fail_on if found else None,
            output_file=output_file,
        )
    )
    return Outcome(result.text, tuple(lines), found)


# A Kubernetes object names its API group version and its kind; chart values do not
# (a values key `kind:` may choose a workload kind, but not beside an API version).
_API_VERSION = re.compile(r"^([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$")
_KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def refuse_manifest(text: str, name: str, argument: str) -> None:
    """InputError when ``text`` is a Kubernetes manifest (a Deployment, a ``List``, any
    object with ``apiVersion`` and ``kind``) rather than chart values: ``migrate convert``
    reads those. Only the first document is looked at; text that is not YAML is left to
    the values reader, which names its problem."""
    for first_line, chunk in manifests.split(text):
        try:
            data = load.load_manifest(chunk)
        except (pyyaml.YAMLError, RecursionError):
            return
        if not isinstance(data, Mapping):
            return
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not (
            isinstance(api_version, str)
            and isinstance(kind, str)
            and _API_VERSION.match(api_version)
            and _KIND.match(kind)
        ):
            return
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        named = "/".join(
            str(part) for part in (metadata.get("namespace"), metadata.get("name")) if part
        )
        what = f"{kind} {named}" if named else kind
        if isinstance(data.get("items"), list):
            what += f" of {len(data['items'])} objects"
        line = first_line + _content_line(chunk)
        raise InputError(
            f"{name}:{line}: a Kubernetes manifest ({what}), not chart values: convert it with "
            f"`migrate convert -f {shlex.quote(argument)}`; `migrate values` reads a release's "
            "values (`helm get values RELEASE -o yaml`)"
        )


def _content_line(chunk: str) -> int:
    """How many lines of ``chunk`` come before its first line of content."""
    for number, line in enumerate(chunk.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return number
    return 0


def summary(
    name: str,
    chosen: Profile,
    result: ValuesResult,
    *,
    preserve_behavior: bool,
    failed_at: str | None,
    output_file: FilePath | None,
) -> str:
    """The line a person reads: what became of the section, the keys written, the chart
    defaults adopted, the findings counted, and, when findings reached the --fail-on
    level ``failed_at``, that the new values still need work."""
    section, where = chosen.legacy_section, f"target {chosen.target.name}"
    if result.already_migrated:
        text = (
            f"{name}: already migrated for {where} (no '{section}' section; the values "
            "set the chart's own keys); unchanged"
        )
    else:
        written = ", ".join(f"'{key}'" for key in result.written or {}) or "no key"
        count = len(changes(chosen.target.defaults, result.target.desired))
        origin = f"'{section}'" if result.section_found else f"no '{section}' section"
        text = (
            f"{name}: {origin} -> {written} for {where} ({count} "
            f"{'value differs' if count == 1 else 'values differ'} from the chart defaults)"
        )
        if result.kept:
            text += f"; kept as env vars: {', '.join(sorted(result.kept))}"
        pinned = sorted({format_path(path) for path, _ in result.target.pinned})
        if pinned:
            text += "; kept as the old values ran them: " + ", ".join(pinned)
        drift = [] if preserve_behavior else result.adopted
        if drift:
            text += "; chart defaults adopted: " + ", ".join(format_path(path) for path in drift)
    counts = {
        severity: sum(1 for f in result.findings if f.severity.value == severity)
        for severity in ("error", "warning", "info")
    }
    text += f"; {findings_count(counts)}"
    if failed_at is not None:
        written_to = "written to " + str(output_file) if output_file else "printed"
        text += (
            f"; the new values were {written_to} all the same, with the findings at or "
            f"above --fail-on {failed_at} named above: resolve them before `helm upgrade`"
        )
    return text


def failed(findings: Sequence[Finding], fail_on: str) -> bool:
    """Whether a finding at or above ``fail_on`` (error, warning, info, none) was raised."""
    if fail_on == "none":
        return False
    threshold = Severity(fail_on)
    return any(at_least(item.severity, threshold) for item in findings)
