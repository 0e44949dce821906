"""Profiles: everything specific to one chart and image, loaded from data.

This module owns reading a profile (the built-in one ships as package data
under ``migrate/profiles/<name>/``), choosing its target chart (``--target
NAME``, or the user's own chart with ``--chart PATH``, with the release's
``--values`` merged on), and replacing its legacy template with the user's
own (``--template FILE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from migrate.chart import layout
from migrate.chart import target as targets
from migrate.engine import evaluate, placeholders
from migrate.errors import InputError
from migrate.model import Path as KeyPath
from migrate.yaml.load import load_run_yaml

BUILT_IN = "tuw-ai"


@dataclass(frozen=True)
class Hazard:
    """A chart default that hurts pods which set ``when_set``, at keys named ``key``."""

    key: str
    when_set: str
    message: str


@dataclass(frozen=True)
class OlderImage:
    """An env that shows an older chart, whose image may bake an older run.yaml."""

    when_set: tuple[str, ...]  # every one of these is set
    when_unset: str  # and this one is not
    message: str


@dataclass(frozen=True)
class Profile:
    """One chart/image pair: how its pods were configured before, and how after."""

    name: str
    template: Mapping[str, Any]
    template_source: str
    target: targets.Target
    targets: Mapping[str, targets.Target]
    migrated_vars: tuple[str, ...]
    env_name: str
    mount_path: str
    file_name: str
    configmap_name: str
    volume_name: str
    container_images: tuple[str, ...]
    container_names: tuple[str, ...]
    container_env: tuple[str, ...]
    container_exclude: tuple[str, ...] = ()
    older_images: tuple[OlderImage, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    # the old chart's values section, and value path (inside it) → migrated variable
    legacy_section: str = ""
    legacy_values: tuple[tuple[tuple[str, ...], str], ...] = ()

    @property
    def chart_defaults(self) -> Mapping[str, Any]:
        """The run.yaml the target chart renders with no overlay."""
        return self.target.defaults  # type: ignore[no-any-return]

    @property
    def chart_source(self) -> str:
        return self.target.source

    @property
    def run_config_path(self) -> str:
        return f"{self.mount_path.rstrip('/')}/{self.file_name}"

    def configmap_for(self, workload: str) -> str:
        return self.configmap_name.format(workload=workload)

    def mapping(self) -> dict[str, list[KeyPath]]:
        """Migrated variable → the template paths that read it."""
        return self._mapping

    @cached_property
    def _mapping(self) -> dict[str, list[KeyPath]]:
        # The template is fixed for a run: walk it once, not once per workload.
        return evaluate.mapping(self.template, self.migrated_vars)

    def baseline(self, home: str | None) -> Any:
        """The template as a pod with no migrated variable set ran it (shared; not to be
        changed), for a container whose HOME is ``home``."""
        if home not in self._baselines:
            unset = dict.fromkeys(self.mapping())
            tree = evaluate.partial(self.template, unset, home, self.without_placeholders).tree
            self._baselines[home] = tree
        return self._baselines[home]

    @cached_property
    def _baselines(self) -> dict[str | None, Any]:
        return {}

    @cached_property
    def resolutions(self) -> dict[object, Any]:
        """What :func:`migrate.plan.resolution.resolve` worked out for this profile, by
        its arguments (the profile is fixed for a run)."""
        return {}

    @cached_property
    def without_placeholders(self) -> frozenset[int]:
        """The template's containers that walks pass over (the template is fixed for a
        run; see :func:`evaluate.without_placeholders`)."""
        return evaluate.without_placeholders(self.template)

    @cached_property
    def template_containers(self) -> frozenset[int]:
        """The ids of the template's dicts and lists, which no one changes during a run
        (plans share them): what is written of one may be kept by the object."""
        return evaluate.containers(self.template)

    @cached_property
    def readers(self) -> dict[str, list[KeyPath]]:
        """Every variable the template reads → its paths."""
        return evaluate.readers(self.template)

    @cached_property
    def legacy(self) -> list[tuple[KeyPath, str]]:
        """Old-dialect placeholders of the template, with their paths."""
        return [
            (path, text)
            for path, value in evaluate.strings(self.template)
            for text in placeholders.legacy_placeholders(value)
        ]


def load(
    name: str = BUILT_IN,
    *,
    template: Path | None = None,
    target: str | None = None,
    chart: Path | None = None,
    values: tuple[Path, ...] = (),
    extra_vars: tuple[str, ...] = (),
    allow_credentials: bool = False,
) -> Profile:
    """The built-in profile, with the user's template, target, release values and
    migrated set applied."""
    folder = resources.files("migrate.profiles").joinpath(name)

    def read(file: str) -> Any:
        return load_run_yaml(folder.joinpath(file).read_text("utf-8"), file)

    meta = read("profile.yaml")
    template_name = str(meta["template"])
    run_config = meta["run_config"]
    container = meta["container"]
    built_in = targets.built_in(
        meta["targets"], layout.declared(meta["layouts"], f"profile {name}"), read, name
    )
    file_name = str(run_config["file_name"])
    if chart is not None:
        if target is not None:
            raise InputError("--target and --chart name the target twice; give one of them")
        chosen, _ = targets.from_chart(chart, file_name, built_in)
    else:
        wanted = target or str(meta["default_target"])
        if wanted not in built_in:
            raise InputError(
                f"--target {wanted}: no such target; the built-in targets are "
                f"{', '.join(built_in)} (`migrate targets` describes them)"
            )
        chosen = built_in[wanted]
    if values:
        chosen = chosen.with_release_values(
            [(str(path), targets.read_values(str(path), _read(path))) for path in values]
        )
    profile = Profile(
        name=str(meta["name"]),
        template=_run_config(read(template_name), template_name),
        template_source=f"built-in profile {name}",
        target=chosen,
        targets=built_in,
        migrated_vars=tuple(str(glob) for glob in meta["migrated_vars"]),
        env_name=str(run_config["env_name"]),
        mount_path=str(run_config["mount_path"]),
        file_name=file_name,
        configmap_name=str(run_config["configmap_name"]),
        volume_name=str(run_config["volume_name"]),
        container_images=tuple(str(g) for g in container["images"]),
        container_names=tuple(str(g) for g in container["names"]),
        container_env=tuple(str(g) for g in container["env"]),
        container_exclude=tuple(str(g) for g in container.get("exclude_images") or ()),
        older_images=tuple(
            OlderImage(
                tuple(str(n) for n in o["when_set"]),
                str(o["when_unset"]),
                " ".join(str(o["message"]).split()),
            )
            for o in meta.get("older_images") or []
        ),
        hazards=tuple(
            Hazard(str(h["key"]), str(h["when_set"]), " ".join(str(h["message"]).split()))
            for h in meta.get("hazards") or []
        ),
        legacy_section=str((meta.get("legacy_values") or {}).get("section", "")),
        legacy_values=tuple(
            (tuple(str(path).split(".")), str(variable))
            for path, variable in ((meta.get("legacy_values") or {}).get("variables") or {}).items()
        ),
    )
    if template is not None:
        profile = replace(
            profile,
            template=_run_config(load_run_yaml(_read(template), str(template)), str(template)),
            template_source=str(template),
        )
    if extra_vars:
        profile = replace(profile, migrated_vars=profile.migrated_vars + extra_vars)
        if not allow_credentials:
            _refuse_credentials(profile, extra_vars)
    return profile


# Words of a name that mark a credential (whole words: MAX_TOKENS is a count), and
# pieces that do anywhere (DBPASSWORD). Its value must not move into a ConfigMap.
_CREDENTIAL_WORDS = frozenset({"KEY", "TOKEN", "PAT", "PWD", "CREDENTIAL", "CREDENTIALS"})
_CREDENTIAL_PIECES = ("PASSWORD", "PASSWD", "SECRET", "APIKEY", "PRIVATE_KEY")


def looks_like_credential(name: str) -> bool:
    """Whether an env var's name says it holds a credential (OPENAI_API_KEY, …_TOKEN)."""
    upper = name.upper().replace("-", "_")
    return bool(_CREDENTIAL_WORDS & set(upper.split("_"))) or any(
        piece in upper for piece in _CREDENTIAL_PIECES
    )


def _refuse_credentials(profile: Profile, extra_vars: tuple[str, ...]) -> None:
    for glob in extra_vars:
        hit = sorted(
            name
            for name in profile.readers
            if evaluate.matches(name, (glob,)) and looks_like_credential(name)
        )
        if hit:
            raise InputError(
                f"--migrate-var {glob}: would bake {', '.join(hit)} into the ConfigMap, and "
                f"{'these look' if len(hit) > 1 else 'it looks'} like a credential; ConfigMaps "
                "are not secret. Pass --allow-credentials to do it anyway"
            )


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None


def _run_config(data: Any, source: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not ({"providers", "apis"} & set(data)):
        raise InputError(
            f"{source}:1: not a Llama Stack run.yaml (expected a mapping with "
            "'providers' or 'apis')"
        )
    return data
