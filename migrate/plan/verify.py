"""``--verify``: the target chart rendered by Helm itself, resolved as Llama Stack 0.3.3 would.

This module owns the proof a user can make for a release: Helm (through
helm-python-sdk, the optional ``[helm]`` extra) loads the written
``values-overlay.yaml`` as ``helm upgrade -f`` does and renders the target
chart with the release's values and that overlay; the rendered pod's env and
the run.yaml of the ConfigMap it mounts at RUN_CONFIG_PATH are resolved
under Llama Stack 0.3.3's placeholder rules and compared with the old pod
(the image's run.yaml under the old env). Every difference that is not a
reported chart-default change the plan adopted is an error finding, with
its path and both values.

A value whose variable is not known offline (a Secret, a ConfigMap not in
the input) is compared as its placeholder text and source, never read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml as pyyaml

from migrate.chart.profile import Profile, looks_like_credential
from migrate.engine import kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.engine.placeholders import placeholders
from migrate.errors import InputError
from migrate.model import Finding, Path, Plan, owner_release
from migrate.plan import runtime
from migrate.plan.findings import finding

EXTRA = "llama-stack-migrate[helm]"
_SHOWN = 5  # differences named in one finding


class HelmMissing(InputError):
    """helm-python-sdk is not installed."""


def helm() -> Any:
    """The helm-python-sdk module, or a clear message how to get it."""
    try:
        import helm_python
    except ImportError:
        raise HelmMissing(
            f"--verify renders the chart with Helm through helm-python-sdk, which is not "
            f"installed: pip install '{EXTRA}'"
        ) from None
    return helm_python


@dataclass(frozen=True)
class _Opaque:
    """A value that depends on a variable not known offline: compared by text and source."""

    text: str
    sources: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        return f"{self.text} (not known offline)"


@dataclass(frozen=True)
class Rendered:
    """What the target chart renders for one workload."""

    run_yaml: Any
    environment: kube_env.ContainerEnv
    problem: str | None = None


def check(plan: Plan, profile: Profile, overlay_text: str) -> Plan:
    """``plan`` with the outcome of verifying ``overlay_text`` against the target chart."""
    if profile.target.chart is None or plan.environment is None:
        return plan
    if _owner(plan) is None:
        return plan  # no Helm release manages it: its route is the patched manifest
    rendered = render(plan, profile, overlay_text)
    if rendered.problem is not None:
        return _failed(plan, [finding("verify-mismatch", rendered.problem)])
    old_env = plan.environment
    old = effective(profile.template, old_env, runtime.home(old_env))
    new = effective(rendered.run_yaml, rendered.environment, runtime.home(rendered.environment))
    accepted = [d.path for d in plan.drift if d.adopted]
    wrong = [
        (path, before, after)
        for path, before, after in overlay.differences(old, new, _identical)
        if not any(_related(path, drift) for drift in accepted)
    ]
    if not wrong:
        return replace(plan, verified=True)
    shown = "; ".join(
        f"{format_path(path) or 'run.yaml'}: {_show(path, before)} -> {_show(path, after)}"
        for path, before, after in wrong[:_SHOWN]
    )
    more = f" (and {len(wrong) - _SHOWN} more)" if len(wrong) > _SHOWN else ""
    message = (
        f"Helm rendered {profile.target.source} with the release values and "
        f"values-overlay.yaml, and the pod would resolve differently from the old one: "
        f"{shown}{more}"
    )
    return _failed(plan, [finding("verify-mismatch", message)])


def _failed(plan: Plan, found: Sequence[Finding]) -> Plan:
    return replace(plan, verified=False, findings=(*plan.findings, *found))


def render(plan: Plan, profile: Profile, overlay_text: str) -> Rendered:
    """Helm's render of the target chart for ``plan``'s release, with the overlay on top."""
    helm_python = helm()
    target = profile.target
    layers = [*target.release_data, helm_python.values_from_yaml(overlay_text) or {}]
    values: dict[str, Any] = {}
    for layer in layers:
        values = merge_user_values(values, layer)
    release = _release_name(plan)
    try:
        with helm_python.Chart.load(str(target.chart)) as chart:
            texts = chart.render(values, name=release, namespace=plan.namespace)
    except helm_python.HelmError as error:
        return Rendered(None, kube_env.resolve({}, {}), f"Helm could not render the chart: {error}")
    documents: list[Mapping[str, Any]] = []
    for name, text in texts.items():
        if name.endswith("NOTES.txt"):
            continue
        documents += [d for d in pyyaml.safe_load_all(text) if isinstance(d, Mapping)]
    return _pod_config(plan, profile, documents)


def merge_user_values(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """``helm -f a -f b``: maps merge key by key, anything else (null too) is replaced."""
    merged = dict(base)
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_user_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def _owner(plan: Plan) -> tuple[str, str] | None:
    metadata = plan.document.data.get("metadata")
    return owner_release(metadata) if isinstance(metadata, Mapping) else None


def _release_name(plan: Plan) -> str:
    owner = _owner(plan)
    return owner[0] if owner else plan.name


def _pod_config(plan: Plan, profile: Profile, documents: list[Mapping[str, Any]]) -> Rendered:
    """The rendered container's env and the run.yaml it reads at RUN_CONFIG_PATH."""
    none = kube_env.resolve({}, {})
    workloads = [d for d in documents if d.get("kind") == plan.kind]
    if len(workloads) != 1:
        return Rendered(None, none, f"the chart renders {len(workloads)} {plan.kind}s, not one")
    pod = overlay.get_exact(workloads[0], ("spec", "template", "spec"))
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    named = [
        c for c in containers or [] if isinstance(c, Mapping) and c.get("name") == plan.container
    ]
    if len(named) != 1:
        return Rendered(None, none, f"the rendered pod has no container {plan.container}")
    container = named[0]
    config_maps = {
        str(d["metadata"]["name"]): {str(k): str(v) for k, v in (d.get("data") or {}).items()}
        for d in documents
        if d.get("kind") == "ConfigMap" and isinstance(d.get("metadata"), Mapping)
    }
    environment = kube_env.resolve(
        container, config_maps, enable_service_links=pod.get("enableServiceLinks") is not False
    )
    path = environment.get(profile.env_name)
    if path.state is not kube_env.State.KNOWN or not path.value:
        return Rendered(
            None, environment, f"the rendered container does not set {profile.env_name}"
        )
    text = _mounted_file(pod, container, config_maps, path.value)
    if text is None:
        return Rendered(
            None,
            environment,
            f"the rendered pod mounts no ConfigMap with {path.value} ({profile.env_name})",
        )
    return Rendered(pyyaml.safe_load(text), environment)


def _mounted_file(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    config_maps: Mapping[str, Mapping[str, str]],
    file: str,
) -> str | None:
    """The text of ``file`` in the container, where a ConfigMap volume provides it."""
    volumes = {v.get("name"): v for v in pod.get("volumes") or [] if isinstance(v, Mapping)}
    wanted = posixpath.normpath(file)
    best: tuple[int, str | None] = (-1, None)
    for mount in container.get("volumeMounts") or []:
        if not isinstance(mount, Mapping):
            continue
        mount_path = posixpath.normpath(str(mount.get("mountPath", "")))
        sub_path = mount.get("subPath")
        source = volumes.get(mount.get("name"), {}).get("configMap")
        data = config_maps.get(str(source.get("name"))) if isinstance(source, Mapping) else None
        # The deepest mount that covers the file decides what the container sees there.
        if sub_path and mount_path == wanted:
            text = data.get(str(sub_path)) if data is not None else None
            depth = mount_path.count("/")
        elif wanted.startswith(mount_path.rstrip("/") + "/"):
            key = wanted[len(mount_path.rstrip("/")) + 1 :]
            text = data.get(key) if data is not None else None
            depth = mount_path.count("/")
        else:
            continue
        if depth > best[0]:
            best = (depth, text)
    return best[1]


def effective(tree: Any, environment: kube_env.ContainerEnv, home: str | None) -> Any:
    """``tree`` as the server builds it at start-up: placeholders resolved, list items whose
    ``provider_id`` resolves to ``__disabled__`` dropped."""
    if isinstance(tree, Mapping):
        return {key: effective(value, environment, home) for key, value in tree.items()}
    if isinstance(tree, list):
        items = [effective(item, environment, home) for item in tree]
        return [
            item
            for item in items
            if not (isinstance(item, Mapping) and item.get("provider_id") == "__disabled__")
        ]
    if isinstance(tree, str):
        value = runtime.runtime(tree, environment, home)
        if value is runtime.UNKNOWN:
            names = sorted({p.name for p in placeholders(tree)} | {"HOME"})
            sources = tuple(
                (name, f"{environment.get(name).source}:{environment.get(name).reason}")
                for name in names
            )
            return _Opaque(tree, sources)
        return value
    return tree


def _identical(old: Any, new: Any) -> bool:
    """Equal with equal types: to the server 768 and '768' are not one value."""
    return type(old) is type(new) and old == new


def _related(path: Path, accepted: Path) -> bool:
    shorter = min(len(path), len(accepted))
    return path[:shorter] == accepted[:shorter]


def _show(path: Path, value: Any) -> str:
    if value is overlay.MISSING:
        return "(absent)"
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if looks_like_credential(key) and isinstance(value, str) and value:
        return "(a value, not shown)"
    return repr(value)
