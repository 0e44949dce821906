"""Whether a pod can take the new layout: what it already has, and what the edits would reach.

This module owns the refusals before anything is planned: a pod that is
already migrated or runs from another config (RUN_CONFIG_PATH set), a mount
or volume that would shadow or clash with the ConfigMap's, a ConfigMap of
that name with other keys, lists of a shape the API server rejects, and YAML
anchors that an edit would change in another place too.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env

# What existing() says of a pod that already has the new layout.
MIGRATED = "migrated"


def existing(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    environment: kube_env.ContainerEnv,
    profile: Profile,
) -> str | None:
    """MIGRATED, None (old layout), or why the new layout cannot be added safely."""
    mounts = container.get("volumeMounts")
    # Paths compare cleaned: /etc/llama-stack/ and /etc/llama-stack are one directory.
    mount_paths = [
        posixpath.normpath(m["mountPath"])
        for m in (mounts if isinstance(mounts, list) else [])
        if isinstance(m, Mapping) and isinstance(m.get("mountPath"), str) and m["mountPath"]
    ]
    ours = posixpath.normpath(profile.mount_path)
    volumes = pod.get("volumes")
    volume_names = [
        v.get("name")
        for v in (volumes if isinstance(volumes, list) else [])
        if isinstance(v, Mapping)
    ]
    run_config = environment.get(profile.env_name)
    if run_config.only_possibly_set:
        run_config = environment.vars.get(profile.env_name) or run_config
    if run_config.state is not kube_env.State.UNSET and not run_config.only_possibly_set:
        if (
            run_config.state is kube_env.State.KNOWN
            and run_config.value == profile.run_config_path
            and ours in mount_paths
        ):
            return MIGRATED
        shown = (
            repr(run_config.value)
            if run_config.state is kube_env.State.KNOWN
            else "a value not known offline"
        )
        return (
            f"{profile.env_name} is already set to {shown}: the pod does not start from "
            "the image's run.yaml, so there is nothing to translate"
        )
    # A mount at the directory, or deeper (a subPath mount of run.yaml), shadows the
    # ConfigMap's files there: the deeper mount wins.
    shadowing = [p for p in mount_paths if p == ours or p.startswith(ours.rstrip("/") + "/")]
    if shadowing:
        return (
            f"something is already mounted at {shadowing[0]}, which would shadow the "
            f"ConfigMap mounted at {profile.mount_path}"
        )
    if profile.volume_name in volume_names:
        return f"the pod already has a volume named {profile.volume_name}"
    return None


def configmap_taken(
    profile: Profile, workload: str, config_maps: kube_env.ConfigMaps
) -> str | None:
    """Why the ConfigMap the migration writes would take over another one of that name."""
    name = profile.configmap_for(workload)
    data = config_maps.get(name)
    if data is None or set(data) <= {profile.file_name}:
        return None  # none, or one that only carries run.yaml (an earlier migration's)
    others = ", ".join(sorted(k for k in data if k != profile.file_name))
    return (
        f"a ConfigMap named {name} already exists with other keys ({others}); the "
        f"migration's ConfigMap of that name holds only {profile.file_name}, and applying "
        "it would delete them. Rename one of them first"
    )


def shape_problem(pod: Mapping[str, Any], container: Mapping[str, Any]) -> str | None:
    """Why the API server would reject the lists the migration edits, if it would."""
    for where, owner, key in (
        ("spec.template.spec", pod, "volumes"),
        ("the Llama Stack container", container, "volumeMounts"),
        ("the Llama Stack container", container, "env"),
        ("the Llama Stack container", container, "envFrom"),
    ):
        value = owner.get(key)
        if value is not None and not isinstance(value, list):
            return f"{where}: {key} is a {type(value).__name__}, not a list"
    return None


def uses(tree: Any) -> dict[int, int]:
    """How often each map and list of a loaded document is reached: more than once is a
    YAML anchor that an alias shares."""
    counts: dict[int, int] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping | list):
            continue
        counts[id(node)] = counts.get(id(node), 0) + 1
        if counts[id(node)] == 1:
            stack.extend(node.values() if isinstance(node, Mapping) else node)
    return counts


def shared_edited_node(
    pod: Mapping[str, Any], container: Mapping[str, Any], name: str, counts: Mapping[int, int]
) -> str | None:
    """Why an edit of the pod spec, the container or its lists would reach an alias too."""
    edited = [
        ("spec.template.spec", pod),
        (f"container {name}", container),
        (f"the env list of container {name}", container.get("env")),
        (f"the volumeMounts list of container {name}", container.get("volumeMounts")),
        ("spec.template.spec.volumes", pod.get("volumes")),
    ]
    shared = [what for what, node in edited if counts.get(id(node), 0) > 1]
    return shared_message(shared[0]) if shared else None


def shared_message(what: str) -> str:
    """Why ``what``, an anchored node, is not edited."""
    return (
        f"{what} is a YAML anchor that an alias elsewhere in the manifest shares; editing "
        "it would change the other place too (another container would lose the variable "
        "or gain the mount). Expand the alias (write the node out where it is used) and "
        "convert again"
    )
