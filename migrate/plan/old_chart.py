"""The old chart's template, emulated: what it made of a values file.

This module owns how the old chart turned its ``vectorStore`` values into
container env vars: Go template truth (``with`` and ``if`` leave out empty
values), sprig's ``quote`` (Go's ``%v`` text, floats included), Kubernetes'
``$(VAR)`` expansion of the result, and the few other env vars of the old
container that decide a chart-default hazard.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env, overlay
from migrate.errors import InputError
from migrate.yaml.values_file import ValuesFile, kind

# Env vars of the old chart's container that decide a hazard, and the values path that
# sets each: the old template renders VLLM_URL when vllm.url is non-empty, and the
# chart's own default url is non-empty, so values that do not mention it set it too.
# Every other variable of that container is taken as not known offline.
_OLD_CHART_ENV: Mapping[str, tuple[str, ...]] = {"VLLM_URL": ("vllm", "url")}
_FROM_CHART_DEFAULT = "(the old chart's default)"  # a non-empty value we do not know
_OTHER_ENV = "old-chart-env"  # stands for the rest of the old container's env


@dataclass(frozen=True)
class Setting:
    """One migrated variable as the old chart set it."""

    text: str  # what the template wrote into env[].value
    value: str  # what the container saw: ``text`` after Kubernetes' $(VAR) expansion
    origin: str  # the values key it came from
    known: bool  # False: the expansion depends on the pod, so ``value`` is a guess


def truthy(value: Any) -> bool:
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


_DOLLAR_NON_ASCII = re.compile(r"\$[^\x00-\x7f]")


def migrated_variables(
    old: ValuesFile, profile: Profile
) -> tuple[dict[str, Setting], dict[str, str]]:
    """Migrated variable → how the old chart set it; and variables whose value is unknown.

    Only the legacy section sets them: no version of the old chart reads an ``env:``
    map, so one in the values overrides nothing.
    """
    section = profile.legacy_section
    table = profile.mapping()
    texts: dict[str, tuple[str, str, int]] = {}  # var → text, origin, line
    kept: dict[str, str] = {}

    for path, var in profile.legacy_values:
        value: Any = old.data.get(section)
        lines = old.value_lines(section, path)
        line = lines[0]
        for depth, part in enumerate(path):
            if value is None:
                break
            if not isinstance(value, dict):
                where = ".".join((section, *path[:depth]))
                raise InputError(
                    f"{old.name}:{line}: {where} is {kind(value)}; the old chart expects a "
                    "mapping there"
                )
            line = lines[depth + 1]
            value = value.get(part)
        origin = ".".join((section, *path))
        if isinstance(value, dict | list):
            raise InputError(
                f"{old.name}:{line}: {origin} is {kind(value)}; the old chart expects a single "
                "value there"
            )
        if truthy(value):  # the template's `with` leaves out empty values
            texts[var] = (quote(value), origin, line)

    settings: dict[str, Setting] = {}
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
        settings[var] = Setting(text, value, origin, known=var not in kept)
    return settings, kept


# ---------------------------------------------------------------------------
# The old container's env


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


def container_env(old: ValuesFile, settings: Mapping[str, Setting]) -> kube_env.ContainerEnv:
    """The old container's env as far as the values tell: the hazards' triggers and the
    migrated variables; every other variable is not known offline."""
    entries: list[dict[str, str]] = []
    for name, path in _OLD_CHART_ENV.items():
        value = _chart_value(old.data, path)
        if value is overlay.MISSING:
            entries.append({"name": name, "value": _FROM_CHART_DEFAULT})
        elif truthy(value):
            text = quote(value) if isinstance(value, str | bool | float) else _FROM_CHART_DEFAULT
            entries.append({"name": name, "value": text})
        else:  # the template's `if` leaves it out: as unset to Llama Stack as an empty value
            entries.append({"name": name, "value": ""})
    entries += [{"name": var, "value": setting.text} for var, setting in settings.items()]
    container = {"envFrom": [{"configMapRef": {"name": _OTHER_ENV}}], "env": entries}
    return kube_env.resolve(container, {})
