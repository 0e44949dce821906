"""Old chart values to new chart values: the legacy section becomes the target chart's keys.

This module owns the core of ``migrate values``: reading an old values file
the way Helm's values loader reads it (go-yaml v2 rules for plain scalars,
every number a float64 after the trip through JSON), deriving each migrated
variable exactly as the old chart's template did (``with`` leaves out empty
values, ``quote`` formats the rest as Go prints them), planning the overlay
with :func:`migrate.plan.resolve` for the chosen target chart, writing the
new values file in that chart's layout, and raising the findings ``migrate
convert`` raises for the same release.

The new file is the old text with splices, located by the YAML composer's
marks: the legacy section (its key, its value and its own comment lines) is
replaced by the overlay in the target's layout (one ``runConfig:`` key, or
the modular top-level keys such as ``vectorStores:``), and, for a target
chart that passes extra env vars, variables that must stay env vars are
added to that chart's env map. Every other line stays byte for byte; only a
values file written as one flow mapping (JSON) is rewritten whole, in block
style. The result is loaded back and rendered through the target's layout
before it is returned.

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

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from migrate.chart.profile import Profile
from migrate.chart.target import Layout
from migrate.engine import evaluate, kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.engine.placeholders import placeholders
from migrate.errors import InputError, InternalError
from migrate.model import Drift, Finding, Path, Severity
from migrate.plan import checks
from migrate.plan import resolution as plan
from migrate.plan.findings import finding
from migrate.yaml import io as yamlio
from migrate.yaml.helm import helm_reads_plain, helm_scalar

ENV_NOTE = "stays an env var: run.yaml still reads it"

# Env vars of the old chart's container that decide a hazard, and the values path that
# sets each: the old template renders VLLM_URL when vllm.url is non-empty, and the
# chart's own default url is non-empty, so values that do not mention it set it too.
# Every other variable of that container is taken as not known offline.
_OLD_CHART_ENV: Mapping[str, tuple[str, ...]] = {"VLLM_URL": ("vllm", "url")}
_FROM_CHART_DEFAULT = "(the old chart's default)"  # a non-empty value we do not know
_OTHER_ENV = "old-chart-env"  # stands for the rest of the old container's env


@dataclass(frozen=True)
class ValuesResult:
    """A converted values file and what was decided on the way."""

    text: str  # the new values file
    # migrated variable → the value the old values gave it (None: not set, the
    # template's default applies); variables whose value is not known are left out
    variables: dict[str, str | None]
    target: plan.Resolution  # the run.yaml the new values must render, and its overlay
    kept: dict[str, str]  # migrated variable that stays an env var → why
    already_migrated: bool  # no legacy section but the target's keys: the input unchanged
    findings: tuple[Finding, ...] = ()  # as `migrate convert` raises them for the release
    written: Mapping[str, Any] | None = None  # the overlay as written, in the target's layout
    section_found: bool = True  # whether the values had the legacy section


def layout_keys(layout: Layout) -> tuple[str, ...]:
    """The values keys through which a chart of ``layout`` renders run.yaml."""
    if layout.whole is not None:
        return (layout.whole,)
    return tuple(section.values_key for section in layout.sections)


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
    section = profile.legacy_section
    if not section:
        raise InputError(f"profile {profile.name} names no legacy values section")
    target = profile.target
    keys = layout_keys(target.layout)
    old = _read(text, source)
    for key in (section, *keys):
        old.require_direct(key)
    section_pair = old.pair(section)
    present = [key for key in keys if old.pair(key) is not None]
    if section_pair is not None and present:
        config_key = old.pairs[old.index(present[0]) or 0][0]
        raise InputError(
            f"{source}:{config_key.start_mark.line + 1}: the values have both "
            f"'{present[0]}' and '{section}' (line {section_pair[0].start_mark.line + 1}); "
            "remove one of them first"
        )
    settings, kept = _settings(old, profile)
    variables = {
        var: (settings[var].value if var in settings else None)
        for var in profile.mapping()
        if var not in kept or (var in settings and settings[var].known)
    }
    bake = {var: value for var, value in variables.items() if var not in kept}
    environment = _old_environment(old, settings)
    keep = () if adopt_defaults else plan.active_hazards(profile, environment)
    resolution = plan.resolve(profile, bake, None, preserve_behavior=preserve_behavior, keep=keep)
    for var, reason in resolution.refused.items():
        kept.setdefault(var, reason)
    foreign = _foreign_keys(old, profile)
    if section_pair is None and present:
        return ValuesResult(
            text, variables, resolution, kept, already_migrated=True, findings=tuple(foreign)
        )

    env_key = target.env_values_key
    additions = (
        {var: setting.text for var, setting in settings.items() if var in kept and setting.text}
        if env_key is not None
        else {}
    )
    written = target.layout.to_values(resolution.values)
    notes = _notes(resolution, settings, kept, profile)
    block = _dump(written, notes) if written else ""
    new_text = _write(old, profile, block, additions)
    carry = plan.carry_problems(profile, resolution.values, resolution.desired)
    _check(old, new_text, block, profile, resolution, additions, exact=not carry)
    found = _findings(old, profile, resolution, settings, kept, environment, carry, foreign)
    return ValuesResult(
        new_text,
        variables,
        resolution,
        kept,
        already_migrated=False,
        findings=tuple(found),
        written=written,
        section_found=section_pair is not None,
    )


# ---------------------------------------------------------------------------
# Findings, as `migrate convert` raises them for the release


def _chart_value(data: Mapping[Any, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` after Helm merged ``data`` over the old chart's defaults:
    ``overlay.MISSING`` where the chart's default applies, None where it is deleted or
    cannot be reached (a null or a scalar in the way)."""
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping):
            return None
        if part not in node:
            return overlay.MISSING
        node = node[part]
    return node


def _old_environment(old: _Source, settings: Mapping[str, _Setting]) -> kube_env.ContainerEnv:
    """The old container's env as far as the values tell: the hazards' triggers and the
    migrated variables; every other variable is not known offline."""
    entries: list[dict[str, str]] = []
    for name, path in _OLD_CHART_ENV.items():
        value = _chart_value(old.data, path)
        if value is overlay.MISSING:
            entries.append({"name": name, "value": _FROM_CHART_DEFAULT})
        elif _truthy(value):
            text = quote(value) if isinstance(value, str | bool | float) else _FROM_CHART_DEFAULT
            entries.append({"name": name, "value": text})
        else:  # the template's `if` leaves it out: as unset to Llama Stack as an empty value
            entries.append({"name": name, "value": ""})
    entries += [{"name": var, "value": setting.text} for var, setting in settings.items()]
    container = {"envFrom": [{"configMapRef": {"name": _OTHER_ENV}}], "env": entries}
    return kube_env.resolve(container, {})


def _foreign_keys(old: _Source, profile: Profile) -> list[Finding]:
    """Keys of another chart generation's layout, which the target chart ignores."""
    target = profile.target
    ours = set(layout_keys(target.layout))
    found: list[Finding] = []
    seen: set[str] = set()
    for other in profile.targets.values():
        for key in layout_keys(other.layout):
            if key in ours or key in seen or old.pair(key) is None:
                continue
            seen.add(key)
            line = old.pairs[old.index(key) or 0][0].start_mark.line + 1
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


def _findings(
    old: _Source,
    profile: Profile,
    resolution: plan.Resolution,
    settings: Mapping[str, _Setting],
    kept: Mapping[str, str],
    environment: kube_env.ContainerEnv,
    carry: list[Finding],
    foreign: list[Finding],
) -> list[Finding]:
    """The findings of `migrate convert` for the release these values describe."""
    target = profile.target
    found = [
        finding(
            "legacy-placeholder",
            f"{format_path(path)}: {text} is the pre-0.2.13 placeholder dialect; "
            "Llama Stack 0.3.3 keeps it as literal text",
        )
        for path, text in profile.legacy
    ]
    found += foreign + carry
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
        Drift(path=change.path, before=change.old, after=change.new, adopted=True)
        for change in _changes(resolution.evaluation.tree, resolution.desired)
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
                environment=environment,
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


def _changes(before: Any, after: Any) -> list[Any]:
    from migrate.report.diff import changes

    return changes(before, after)


def _for_values(item: Finding) -> Finding:
    """A finding of the checks, worded for a values file rather than for convert's files."""
    message = item.message.replace("without values-overlay.yaml", "without the converted values")
    return Finding(item.id, item.severity, message) if message != item.message else item


def failed(findings: tuple[Finding, ...], fail_on: str) -> bool:
    """Whether a finding at or above ``fail_on`` (error, warning, info, none) was raised."""
    if fail_on == "none":
        return False
    from migrate.plan.findings import at_least

    threshold = Severity(fail_on)
    return any(at_least(item.severity, threshold) for item in findings)


# ---------------------------------------------------------------------------
# Reading the values as Helm does


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN = "tag:migrate,2025:helm-plain"  # a plain scalar; typed later by go-yaml v2's rules
_EXPLICIT: dict[str, type] = {  # explicit tags Helm's loader accepts on a scalar
    "tag:yaml.org,2002:int": float,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}

_BaseLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


class _HelmLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML with Helm's scalar rules, refusing duplicate keys."""

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is pyyaml.ScalarNode and implicit[0]:
            return _MERGE if value == "<<" else _PLAIN
        resolved: str = super().resolve(kind, value, implicit)
        return resolved

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # Helm tells 1 and True apart (go-yaml keys keep their types).
        yamlio.refuse_duplicate_keys(self, node, lambda key: (type(key), key))
        return super().construct_mapping(node, deep=deep)


def _construct_plain(loader: _HelmLoader, node: Any) -> Any:
    value = helm_scalar(node.value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _HelmRefusal(
            f"{node.value!r} is {value!r}, which Helm cannot load (values pass through JSON)",
            node.start_mark,
        )
    return value


def _construct_explicit(loader: _HelmLoader, node: Any) -> Any:
    value = _construct_plain(loader, node) if node.value else None
    if not isinstance(value, _EXPLICIT[node.tag]):
        raise _HelmRefusal(f"{node.value!r} is not a valid {node.tag}", node.start_mark)
    return value


class _HelmRefusal(pyyaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


_HelmLoader.yaml_constructors = {
    _STR: pyyaml.constructor.SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:map": pyyaml.constructor.SafeConstructor.construct_yaml_map,
    "tag:yaml.org,2002:seq": pyyaml.constructor.SafeConstructor.construct_yaml_seq,
    _PLAIN: _construct_plain,
    _MERGE: lambda loader, node: node.value,  # "<<" as a value is text
    **dict.fromkeys(_EXPLICIT, _construct_explicit),
    None: pyyaml.constructor.SafeConstructor.construct_undefined,
}

_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as line breaks


class _Lines:
    """Line positions of a text, counted as the YAML reader counts them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends: list[int] = []
        for match in _BREAK.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))
        if self.starts[-1] == len(text) and len(self.starts) > 1:
            self.starts.pop()
            self.ends.pop()
        self.count = len(self.starts) if text else 0
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def __getitem__(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]

    def offset(self, index: int) -> int:
        """Where line ``index`` starts (the end of the text past the last line)."""
        return self.starts[index] if index < self.count else len(self.text)

    def blank(self, index: int) -> bool:
        return 0 <= index < self.count and not self[index].strip(" \t\ufeff")

    def comment(self, index: int) -> bool:
        return 0 <= index < self.count and self[index].lstrip(" \t\ufeff").startswith("#")

    def indent(self, index: int) -> int:
        line = self[index]
        return len(line) - len(line.lstrip(" "))


@dataclass(frozen=True)
class _Source:
    """A values file: its text, lines, composed nodes and the data Helm would see."""

    text: str
    name: str
    lines: _Lines
    root: Any  # the top-level node, None for an empty file
    pairs: tuple[tuple[Any, Any], ...]  # the top-level entries as written (merges not applied)
    data: dict[Any, Any]

    def index(self, key: str) -> int | None:
        """Where ``key`` stands among the top-level entries as written."""
        found = [i for i, (k, _) in enumerate(self.pairs) if _key_text(k) == key]
        return found[-1] if found else None

    def pair(self, key: str) -> tuple[Any, Any] | None:
        index = self.index(key)
        return self.pairs[index] if index is not None else None

    def require_direct(self, key: str) -> None:
        if key in self.data and self.pair(key) is None:
            raise InputError(
                f"{self.name}:{self.root.start_mark.line + 1}: '{key}' comes in through a merge "
                "key (<<), which migrate values cannot edit; write it out first"
            )


def _read(text: str, source: str) -> _Source:
    lines = _Lines(text)
    loader = _HelmLoader(text)
    try:
        root = loader.get_single_node()
        pairs = tuple(root.value) if isinstance(root, pyyaml.MappingNode) else ()
        data = loader.construct_document(root) if root is not None else None
    except pyyaml.YAMLError as error:
        raise InputError(_yaml_problem(error, source, lines)) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{source}:{root.start_mark.line + 1}: the values are {_kind(data)}, not a mapping"
        )
    return _Source(text, source, lines, root, pairs, data)


def _yaml_problem(error: pyyaml.YAMLError, source: str, lines: _Lines) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is not None:
        where = f"{source}:{mark.line + 1}:{mark.column + 1}"
    elif isinstance(getattr(error, "position", None), int):
        position = error.position  # type: ignore[attr-defined]
        where = f"{source}:{len(_BREAK.findall(lines.text, 0, position)) + 1}"
    else:
        where = f"{source}:1"
    if isinstance(error, _HelmRefusal):
        return f"{where}: {problem}"
    return f"{where}: invalid YAML: {problem}"


def _key_text(node: Any) -> str | None:
    if not isinstance(node, pyyaml.ScalarNode):
        return None
    if node.tag == _STR:
        return str(node.value)
    if node.tag == _PLAIN:
        value = helm_scalar(node.value)
        return value if isinstance(value, str) else None
    return None


def _child(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node (merges applied), or None."""
    if not isinstance(node, pyyaml.MappingNode):
        return None
    found = [v for k, v in node.value if _key_text(k) == key]
    return found[-1] if found else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a number"
    return "a string"


# ---------------------------------------------------------------------------
# What the old chart's template made of the values


def _truthy(value: Any) -> bool:
    """Go template truth, which ``with`` tests."""
    if isinstance(value, float):
        return value != 0
    return bool(value)


def quote(value: Any) -> str:
    """The text of sprig's ``quote``: strings as they are, other scalars as Go's %v prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    raise TypeError(f"no Go text for {value!r}")


def go_float(value: float) -> str:
    """``fmt.Sprint(value)`` for a float64: the shortest digits, exponent form from 1e+06."""
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    # repr holds the shortest digits that read back as the same float, as Go's do.
    exact = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, exact.digits))
    point = len(digits) + int(exact.exponent)  # value = 0.<digits> * 10**point
    if not -4 <= point - 1 < 6:
        rest = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{rest}e{'-' if point < 1 else '+'}{abs(point - 1):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


@dataclass(frozen=True)
class _Setting:
    """One migrated variable as the old chart set it."""

    text: str  # what the template wrote into env[].value
    value: str  # what the container saw: ``text`` after Kubernetes' $(VAR) expansion
    origin: str  # the values key it came from
    known: bool  # False: the expansion depends on the pod, so ``value`` is a guess


_DOLLAR_NON_ASCII = re.compile(r"\$[^\x00-\x7f]")


def _settings(old: _Source, profile: Profile) -> tuple[dict[str, _Setting], dict[str, str]]:
    """Migrated variable → how the old chart set it; and variables whose value is unknown.

    Only the legacy section sets them: no version of the old chart reads an ``env:``
    map, so one in the values overrides nothing.
    """
    section = profile.legacy_section
    table = profile.mapping()
    texts: dict[str, tuple[str, str, int]] = {}  # var → text, origin, line
    kept: dict[str, str] = {}

    section_pair = old.pair(section)
    for path, var in profile.legacy_values:
        value: Any = old.data.get(section)
        node = section_pair[1] if section_pair else None
        line = node.start_mark.line + 1 if node is not None else 1
        for depth, part in enumerate(path):
            if value is None:
                break
            if not isinstance(value, dict):
                where = ".".join((section, *path[:depth]))
                raise InputError(
                    f"{old.name}:{line}: {where} is {_kind(value)}; the old chart expects a "
                    "mapping there"
                )
            node = _child(node, part)
            line = node.start_mark.line + 1 if node is not None else line
            value = value.get(part)
        origin = ".".join((section, *path))
        if isinstance(value, dict | list):
            raise InputError(
                f"{old.name}:{line}: {origin} is {_kind(value)}; the old chart expects a single "
                "value there"
            )
        if _truthy(value):  # the template's `with` leaves out empty values
            texts[var] = (quote(value), origin, line)

    settings: dict[str, _Setting] = {}
    for var, (text, origin, line) in texts.items():
        if "\x00" in text:
            raise InputError(
                f"{old.name}:{line}: {origin} holds a NUL character, which no container "
                "runtime passes on"
            )
        references = kube_env.references(text)
        moved = [r for r in references if r in table or r == profile.env_name]
        if moved:
            raise InputError(
                f"{old.name}:{line}: {origin} expands $({moved[0]}), which is defined in another "
                "place or order after the migration; write the value out first"
            )
        if references:
            listed = ", ".join(f"$({r})" for r in references)
            kept[var] = f"{origin} expands {listed} when the container starts"
        elif _DOLLAR_NON_ASCII.search(text):
            kept[var] = (
                f"{origin} has a '$' before a non-ASCII character, which kubelets expand "
                "differently by version"
            )
        value = kube_env.expand(text, lambda _: None)
        settings[var] = _Setting(text, value, origin, known=var not in kept)
    return settings, kept


# ---------------------------------------------------------------------------
# Writing the new values


def _notes(
    resolution: plan.Resolution,
    settings: Mapping[str, _Setting],
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
    for path, text in evaluate.strings(resolution.desired):
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


def _commented(data: Any, path: Path, notes: Mapping[Path, str], used: set[str]) -> Any:
    """ruamel containers for ``data``, strings quoted where Helm would read them otherwise."""
    if isinstance(data, Mapping | list):
        node: CommentedMap | CommentedSeq = (
            CommentedMap() if isinstance(data, Mapping) else CommentedSeq()
        )
        items = data.items() if isinstance(data, Mapping) else enumerate(data)
        for key, value in items:
            here = (*path, key)
            child = _commented(value, here, notes, used)
            if isinstance(node, CommentedMap):
                node[key] = child
            else:
                node.append(child)
            if here in notes:
                node.yaml_add_eol_comment(notes[here], key)
                used.add(notes[here])
        return node
    if isinstance(data, str) and not helm_reads_plain(data):
        return DoubleQuotedScalarString(data)
    return data


def _dump(data: Mapping[Any, Any], notes: Mapping[Path, str]) -> str:
    used: set[str] = set()
    return _spaced(yamlio.dump(_commented(data, (), notes, used)), used)


def _spaced(text: str, comments: set[str]) -> str:
    # ruamel puts one space before a comment when the value is long; two read better.
    for comment in comments:
        text = re.sub(rf"(?m)(\S) +(# {re.escape(comment)})$", r"\1  \2", text)
    return text


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str


def _write(old: _Source, profile: Profile, config: str, additions: Mapping[str, str]) -> str:
    """The old text with the legacy section replaced and ``additions`` in the env map."""
    env_key = profile.target.env_values_key
    if env_key is None:
        additions = {}  # a chart without an env map: nothing can be added (env-not-carried)
    elif additions:
        old.require_direct(env_key)
    env_index = old.index(env_key) if env_key is not None else None
    new_env = ""
    if additions and env_index is None and env_key is not None:
        notes: dict[Path, str] = {(env_key, name): ENV_NOTE for name in additions}
        new_env = _dump({env_key: dict(additions)}, notes)
    if isinstance(old.root, pyyaml.MappingNode) and old.root.flow_style:
        return _rewrite_flow(old, profile, config + new_env, additions)
    lines = old.lines
    column = old.pairs[0][0].start_mark.column if old.pairs else 0
    block = _indent(config + new_env, column, lines.newline)
    splices: list[_Splice] = []
    section = old.index(profile.legacy_section)
    if section is not None:
        _refuse_shared_anchors(old, section)
        first, last = _span(old, section)
        start, end = lines.offset(first), lines.offset(last + 1)
        if not block and (first == 0 or lines.blank(first - 1)) and lines.blank(last + 1):
            end = lines.offset(last + 2)  # keep one blank line, not two
        splices.append(_Splice(start, end, block))
    elif block:
        end = _bound(old)
        if end > 0 and not lines.blank(end - 1):
            block = lines.newline + block
        splices.append(_Splice(lines.offset(end), lines.offset(end), _after_break(old, end, block)))
    if env_index is not None and additions:
        splices += _env_splices(old, env_index, additions)
    text = old.text
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        text = text[: splice.start] + splice.text + text[splice.end :]
    return text


def _refuse_shared_anchors(old: _Source, index: int) -> None:
    """The section cannot go if other entries are aliases of anchors defined in it."""
    key, value = old.pairs[index]
    start, following = key.start_mark.line, _following(old, index)
    inside = {id(n) for n in _walk(value, set()) if start <= n.start_mark.line < following}
    for other, (other_key, other_value) in enumerate(old.pairs):
        if other != index and any(id(n) in inside for n in _walk(other_value, set())):
            raise InputError(
                f"{old.name}:{other_key.start_mark.line + 1}: {_key_text(other_key)} uses an "
                f"anchor defined in {_key_text(key)} (line {start + 1}), which is removed; "
                "write the value out first"
            )


def _after_break(old: _Source, line: int, block: str) -> str:
    """``block`` to insert at ``line``, after a line break the text may lack at its end."""
    at = old.lines.offset(line)
    if at == len(old.text) and old.text and not _BREAK.search(old.text[-2:]):
        return old.lines.newline + block
    return block


def _indent(block: str, column: int, newline: str) -> str:
    pad = " " * column
    lines = block.split("\n")[:-1]  # every block ends with "\n"
    return "".join((pad + line if line.strip() else line) + newline for line in lines)


def _bound(old: _Source) -> int:
    """The line after the top-level mapping (before a '...' end marker, if any)."""
    if old.root is None:
        return old.lines.count
    mark = old.root.end_mark
    return min(int(mark.line) + (1 if mark.column > 0 else 0), old.lines.count)


def _span(old: _Source, index: int) -> tuple[int, int]:
    """First and last line of top-level entry ``index`` with its own comments.

    An entry owns the comment lines right above its key at the key's column,
    and the more indented comment lines after its value; comment lines at the
    key's column after the value belong to what follows.
    """
    lines = old.lines
    key = old.pairs[index][0]
    column = key.start_mark.column
    last = _last_line(old, index)
    owned = last
    for line in range(last + 1, _following(old, index)):
        if lines.comment(line):
            if lines.indent(line) <= column:
                break
            owned = line
        elif not lines.blank(line):
            break
    first = key.start_mark.line
    floor = _last_line(old, index - 1) if index > 0 else -1
    while first - 1 > floor and lines.comment(first - 1) and lines.indent(first - 1) == column:
        first -= 1
    return first, owned


def _following(old: _Source, index: int) -> int:
    """The line where what follows top-level entry ``index`` begins."""
    if index + 1 < len(old.pairs):
        return int(old.pairs[index + 1][0].start_mark.line)
    return _bound(old)


def _last_line(old: _Source, index: int) -> int:
    """The last line holding text of top-level entry ``index``.

    Comment-only lines at the end do not count, except inside block scalars,
    which the scalar nodes' marks cover.
    """
    lines = old.lines
    key, value = old.pairs[index]
    start, following = key.start_mark.line, _following(old, index)
    last = following - 1
    while last > start and (lines.blank(last) or lines.comment(last)):
        last -= 1
    for node in _walk(value, set()):
        if not start <= node.start_mark.line < following:
            continue  # an alias: the anchored node stands elsewhere
        if isinstance(node, pyyaml.ScalarNode) or getattr(node, "flow_style", False):
            last = max(last, _end_line(node))
    while last > start and lines.blank(last):  # a block scalar's marks reach past blank lines
        last -= 1
    return max(last, int(key.end_mark.line))


def _walk(node: Any, seen: set[int]) -> Iterator[Any]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if isinstance(node, pyyaml.MappingNode):
        for key, value in node.value:
            yield from _walk(key, seen)
            yield from _walk(value, seen)
    elif isinstance(node, pyyaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, seen)


def _env_splices(old: _Source, index: int, additions: Mapping[str, str]) -> list[_Splice]:
    """Add ``additions`` to the existing env map, leaving its other text as it is."""
    lines = old.lines
    key, value = old.pairs[index]
    key_line = key.start_mark.line
    following = _following(old, index)
    last = _last_line(old, index)
    notes: dict[Path, str] = {(name,): ENV_NOTE for name in additions}
    if (
        isinstance(value, pyyaml.MappingNode)
        and not value.flow_style
        and value.value
        and value.start_mark.line > key_line
    ):
        # A block mapping: a null entry of the same name gets the value where it
        # stands; the other new entries go below its last one, at its column.
        column = value.value[0][0].start_mark.column
        splices: list[_Splice] = []
        rest = dict(additions)
        for entry_key, entry in value.value:
            name = _key_text(entry_key)
            line = entry_key.start_mark.line
            if name in rest and key_line < line < following:
                end = line if _empty_scalar(entry) else max(line, _end_line(entry))
                text = _indent(_dump({name: rest.pop(name)}, notes), column, lines.newline)
                splices.append(_Splice(lines.offset(line), lines.offset(end + 1), text))
        if rest:
            block = _indent(_dump(rest, notes), column, lines.newline)
            at = lines.offset(last + 1)
            splices.append(_Splice(at, at, _after_break(old, last + 1, block)))
        return splices
    if _helm_null_or_empty(value):
        # `env:`, `env: ~` or `env: {}`: the entries go below the key, which keeps its comment.
        if _empty_scalar(value):
            after = lines[key_line][key.end_mark.column :].lstrip(" ")[1:]
        else:
            after = lines[value.end_mark.line][value.end_mark.column :]
        comment = f"  {after.strip()}" if after.strip().startswith("#") else ""
        written = lines[key_line][key.start_mark.column : key.end_mark.column]
        text = f"{written}:{comment}\n" + _indent(_dump(dict(additions), notes), 2, "\n")
        return [
            _Splice(
                lines.offset(key_line),
                lines.offset(last + 1),
                _indent(text, key.start_mark.column, lines.newline),
            )
        ]
    # A flow mapping with entries: written again, in block style.
    start, end = lines.offset(key_line), lines.offset(last + 1)
    try:
        loaded = YAML(typ="rt").load(old.text[start:end])
    except RuamelYAMLError as error:
        raise InputError(
            f"{old.name}:{key_line + 1}: cannot add {', '.join(additions)} to "
            f"{_key_text(key)}: {str(error).splitlines()[0]}"
        ) from None
    name = next(iter(loaded))
    loaded[name] = _add_env(_block_style(loaded[name]), additions)
    text = _spaced(yamlio.dump(loaded), {ENV_NOTE})
    text = re.sub(r"\A([^\n#]*:) +#", r"\1  #", text)  # the key's comment kept its old column
    return [_Splice(start, end, _indent(text, key.start_mark.column, lines.newline))]


def _empty_scalar(node: Any) -> bool:
    """An entry with nothing after its colon, whose marks stand at the next token."""
    return isinstance(node, pyyaml.ScalarNode) and node.tag == _PLAIN and node.value == ""


def _helm_null_or_empty(node: Any) -> bool:
    if isinstance(node, pyyaml.ScalarNode):
        return node.tag == _PLAIN and helm_scalar(node.value) is None
    return isinstance(node, pyyaml.MappingNode) and not node.value


def _end_line(node: Any) -> int:
    mark = node.end_mark
    return int(mark.line) if mark.column > 0 else int(mark.line) - 1


def _rewrite_flow(old: _Source, profile: Profile, block: str, additions: Mapping[str, str]) -> str:
    """A values file written as one flow mapping (JSON): written again whole, in block style."""
    reader = YAML(typ="rt")
    try:
        data = reader.load(old.text)
    except RuamelYAMLError as error:
        raise InputError(f"{old.name}: cannot rewrite: {str(error).splitlines()[0]}") from None
    inserted = reader.load(block) if block else CommentedMap()
    section, env_key = profile.legacy_section, profile.target.env_values_key
    result = CommentedMap()
    for key, value in data.items():
        if key == section:
            result.update(inserted)
        else:
            result[key] = value
    if section not in data:
        result.update(inserted)
    if additions and env_key is not None and env_key in data:
        entries = result[env_key] if result[env_key] is not None else CommentedMap()
        result[env_key] = _add_env(entries, additions)
    return _spaced(yamlio.dump(_block_style(result)), {ENV_NOTE})


def _add_env(entries: CommentedMap, additions: Mapping[str, str]) -> CommentedMap:
    for var, text in additions.items():
        entries[var] = _commented(text, (), {}, set())
        entries.yaml_add_eol_comment(ENV_NOTE, var)
    return entries


def _block_style(node: Any) -> Any:
    if isinstance(node, CommentedMap | CommentedSeq):
        node.fa.set_block_style()
        for child in node.values() if isinstance(node, CommentedMap) else node:
            _block_style(child)
    return node


# ---------------------------------------------------------------------------
# Checking the result


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
    old: _Source,
    new_text: str,
    block: str,
    profile: Profile,
    resolution: plan.Resolution,
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
        new = _read(new_text, old.name)
        typed = yamlio.load_run_yaml(block, old.name) or {}
    except InputError as error:
        raise fail(f"do not load back ({error})") from None
    target = profile.target
    layout = target.layout
    keys = layout_keys(layout)
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
