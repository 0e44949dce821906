"""The ConfigMap that carries a workload's run.yaml.

This module owns rendering the planned run.yaml as text and wrapping it in a
ConfigMap as a literal block, and checking that both load back unchanged:
the run.yaml with PyYAML's rules (as Llama Stack reads it), the ConfigMap
with ruamel's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ruamel.yaml.scalarstring import LiteralScalarString

from migrate import fastpath
from migrate.chart.profile import Profile
from migrate.emit import layout
from migrate.emit.interface import EmitError, Emitter, Rendered
from migrate.errors import InputError, InternalError
from migrate.model import Plan
from migrate.yaml import io as yamlio
from migrate.yaml import load, scalars

# The API server refuses a ConfigMap whose data (keys and values) exceeds 1 MiB.
MAX_DATA_BYTES = 1024 * 1024


class TooLarge(EmitError):
    """The run.yaml does not fit into a ConfigMap."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


# Labels that say who manages an object; a ConfigMap we write is not Helm's.
_OWNER_LABELS = ("app.kubernetes.io/managed-by", "helm.sh/chart")


def run_yaml(run_config: Mapping[str, Any], fixed: Collection[int] = ()) -> str:
    """The run.yaml text; loads back (PyYAML) to exactly ``run_config``.

    On the fast path each top-level section is written and loaded back once per run:
    workloads mostly share theirs with each other (only the vector-store settings
    differ), and PyYAML writes a block mapping as its keys written one by one. A
    section whose value's id ``fixed`` holds (the profile's template, which no one
    changes) is known by that object itself.
    """
    if fastpath.enabled() and type(run_config) is dict and run_config:
        parts: list[str] = []
        for key, value in run_config.items():
            if id(value) in fixed:
                known = _FIXED.get((type(key), key, id(value)))
                if known is not None and known[0] is value:
                    parts.append(known[1])
                    continue
            section = {key: value}
            identity = yamlio.identity(section)
            if identity is None:
                break
            text = _SECTIONS.get(identity)
            if text is None:
                text = _checked(section)
                if len(_SECTIONS) < _MAX_SECTIONS:
                    _SECTIONS[identity] = text
            if id(value) in fixed and len(_FIXED) < _MAX_SECTIONS:
                _FIXED[(type(key), key, id(value))] = (value, text)  # held: its id stays its own
            parts.append(text)
        else:
            return "".join(parts)
    return _checked(run_config)


# Sections of run.yaml written and loaded back already, by their yamlio.identity.
_SECTIONS: dict[object, str] = {}
_FIXED: dict[tuple[type, Any, int], tuple[Any, str]] = {}  # by the template's own objects
_MAX_SECTIONS = 4096


def _checked(run_config: Mapping[str, Any]) -> str:
    text = yamlio.dump_run_yaml(run_config)
    if not yamlio.same(load.load_run_yaml(text, "run.yaml"), run_config):
        raise InternalError("the rendered run.yaml does not load back to the planned one")
    return text


class ConfigMap(Emitter):
    """``configmap.yaml``; raises TooLarge when the API server would refuse it."""

    def name(self, plan: Plan) -> str:
        return layout.CONFIGMAP_FILE

    def render(self, plan: Plan, profile: Profile) -> Rendered:
        return Rendered(_text(plan, profile))


def _text(plan: Plan, profile: Profile) -> str:
    text = run_yaml(plan.run_config, profile.template_containers)
    size = len(text.encode("utf-8")) + len(profile.file_name.encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise TooLarge(size)
    metadata: dict[str, Any] = {"name": plan.configmap}
    if plan.document.namespace:
        metadata["namespace"] = plan.document.namespace
    source_metadata = plan.document.data.get("metadata")
    labels = source_metadata.get("labels") if isinstance(source_metadata, Mapping) else None
    if isinstance(labels, Mapping):
        kept = {str(k): str(v) for k, v in labels.items() if k not in _OWNER_LABELS}
        if kept:
            metadata["labels"] = kept
    header = yamlio.dump_run_yaml(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}
    ).replace("\n- ", "\n  - ")
    block = "".join(f"    {line}" if line.strip() else line for line in text.splitlines(True))
    rendered = f"{header}data:\n  {_key(profile.file_name)}: |\n{block}"
    if not _carries(rendered, profile.file_name, text):
        # A literal block cannot hold every text; ruamel picks a style that can.
        document = yamlio.to_commented(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {}}
        )
        document["data"][profile.file_name] = LiteralScalarString(text)
        rendered = yamlio.dump(document)
        if not _carries(rendered, profile.file_name, text):
            raise InternalError("the ConfigMap does not carry the run.yaml unchanged")
    return rendered


def _key(name: str) -> str:
    return name if scalars.plain_is_string(name) and ":" not in name else f'"{name}"'


def _carries(rendered: str, key: str, text: str) -> bool:
    try:
        loaded = load.load_run_yaml(rendered, "configmap.yaml")
    except InputError:
        return False
    return isinstance(loaded, Mapping) and loaded.get("data", {}).get(key) == text
