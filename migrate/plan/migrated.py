"""Workloads already on the new layout: their current run.yaml, and what is wrong with it now.

This module owns what is checked of a pod that already mounts the chart's
ConfigMap and sets RUN_CONFIG_PATH: which ConfigMap and key hold its
run.yaml (the volume mounted at the profile's mount path), whether that
ConfigMap was read (`configmap-not-read` when it is not in the input or not
in the cluster), and the hazards that the checks of a migration find in a
running configuration — a chart default that breaks what the pod uses
(`allowed_models: []` with vLLM in use), a default vector store or
embedding provider that is not enabled. Comparing the configuration with
the one the release ran before its upgrade is :mod:`migrate.plan.history`'s.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.engine.problem import Problem
from migrate.errors import InputError
from migrate.model import CompleteConfigMaps, Finding, Severity
from migrate.plan import findings, planned, runtime
from migrate.yaml.load import load_run_yaml

# The checks of a migration that judge a configuration as it runs (the others compare
# it with what an upgrade would render, which a migrated pod has already done).
RUNNING_CHECKS = ("vector-provider-not-enabled", "embedding-provider-not-enabled")


@dataclass(frozen=True)
class Current:
    """The run.yaml a migrated pod starts from, as its ConfigMap holds it."""

    configmap: str
    key: str
    config: Any  # the parsed run.yaml, placeholders unresolved


def mounted_configmap(
    pod: Mapping[str, Any], container: Mapping[str, Any], profile: Profile
) -> tuple[str, str] | None:
    """The ConfigMap and key that the container reads RUN_CONFIG_PATH from, if a ConfigMap
    volume is mounted at the profile's mount path."""
    ours = posixpath.normpath(profile.mount_path)
    mounts = container.get("volumeMounts")
    volume_name = None
    for mount in mounts if isinstance(mounts, list) else []:
        if not isinstance(mount, Mapping) or not isinstance(mount.get("mountPath"), str):
            continue
        if posixpath.normpath(mount["mountPath"]) == ours and not mount.get("subPath"):
            volume_name = mount.get("name")
    volumes = pod.get("volumes")
    for volume in volumes if isinstance(volumes, list) else []:
        if not isinstance(volume, Mapping) or volume.get("name") != volume_name:
            continue
        source = volume.get("configMap")
        if not isinstance(source, Mapping) or not isinstance(source.get("name"), str):
            return None
        key = profile.file_name
        items = source.get("items")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and item.get("path") == profile.file_name:
                key = str(item.get("key"))
        return str(source["name"]), key
    return None


def current(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    config_maps: kube_env.ConfigMaps,
    profile: Profile,
) -> Current | Finding:
    """The pod's run.yaml as its ConfigMap holds it, or the finding that says why it could
    not be read."""
    mounted = mounted_configmap(pod, container, profile)
    if mounted is None:
        return findings.finding(
            "configmap-not-read",
            f"no ConfigMap volume is mounted at {profile.mount_path}: the run.yaml the pod "
            "reads was not checked",
        )
    name, key = mounted
    data = config_maps.get(name)
    if data is None:
        if isinstance(config_maps, CompleteConfigMaps):
            why = (
                f"ConfigMap {name} does not exist in the namespace: the pod cannot start "
                f"until it does (it mounts it at {profile.mount_path})"
            )
        else:
            why = (
                f"ConfigMap {name}, which the pod mounts at {profile.mount_path}, is not in "
                f"the input: its run.yaml was not checked. Add it (kubectl get configmap "
                f"{name} -o yaml)"
            )
        return findings.finding("configmap-not-read", why)
    text = data.get(key)
    if text is None:
        return findings.finding(
            "configmap-not-read",
            f"ConfigMap {name} has no key {key}: the pod finds no {profile.file_name}",
        )
    try:
        config = load_run_yaml(text, f"ConfigMap {name} key {key}")
    except InputError as error:
        return findings.finding("configmap-not-read", f"{error}: the run.yaml was not checked")
    return Current(name, key, config)


def check(
    state: Current, environment: kube_env.ContainerEnv, profile: Profile
) -> tuple[Finding, ...]:
    """The hazards of the configuration the pod runs now."""
    home = runtime.home(environment)
    workload = planned.Workload(
        profile=profile,
        environment=environment,
        home=home,
        before=state.config,
        after=state.config,
        provenance={},
        kept=(),
        drift=(),
        workload_annotations={},
        pod_annotations={},
        configmap=state.configmap,
    )
    found = [findings.raised(p) for p in _hazards(state, environment, home, profile)]
    for rule_id in RUNNING_CHECKS:
        check_rule = findings.CATALOGUE[rule_id].check
        if check_rule is not None:
            found += [findings.raised(p) for p in check_rule(workload)]
    return tuple(found)


def _hazards(
    state: Current, environment: kube_env.ContainerEnv, home: str | None, profile: Profile
) -> Iterator[Problem]:
    """A chart default in the running configuration that breaks what the pod uses: the
    key a hazard of the profile names holds the empty list (or the chart's default) in a
    provider this pod runs."""
    for hazard in profile.hazards:
        for path, value in _values_at(state.config, hazard.key):
            default = overlay.get_exact(profile.chart_defaults, path)
            if value != [] and (default is overlay.MISSING or value != default):
                continue
            entry = _provider_entry(state.config, path)
            provider_id = (
                runtime.runtime(entry.get("provider_id"), environment, home) if entry else None
            )
            if not isinstance(provider_id, str) or not provider_id:
                continue  # not a provider, one this pod does not run, or not known offline
            trigger = environment.get(hazard.when_set)
            why = (
                f"this pod sets {hazard.when_set}"
                if trigger.state is kube_env.State.KNOWN and trigger.value
                else f"provider {provider_id} runs in this pod"
            )
            yield Problem(
                "chart-default-hazard",
                f"{format_path(path)} is {value!r} in ConfigMap {state.configmap}: "
                f"{hazard.message}, and {why}; the pod runs with it now",
                Severity.ERROR,
            )


def _values_at(tree: Any, key: str, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, Any]]:
    """Every (path, value) in ``tree`` whose last key is ``key``."""
    if isinstance(tree, Mapping):
        for k, v in tree.items():
            if k == key:
                yield (*path, k), v
            yield from _values_at(v, key, (*path, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _values_at(v, key, (*path, i))


def _provider_entry(config: Any, path: tuple[Any, ...]) -> Mapping[str, Any] | None:
    """The provider entry (providers.<api>[i]) that holds ``path``, if one does."""
    if len(path) < 3 or path[0] != "providers" or not isinstance(path[2], int):
        return None
    entry = overlay.get_exact(config, path[:3])
    return entry if isinstance(entry, Mapping) else None
