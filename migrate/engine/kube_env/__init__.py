"""The environment a container gets, computed offline as the kubelet would.

This package owns the reproduction of the kubelet's ``makeEnvironmentVariables``
(Kubernetes >= 1.30) for one container: ``envFrom`` then ``env``, the
``$(VAR)`` expansion of ``env[].value``, ``valueFrom`` sources, and an honest
account of what cannot be known without a cluster (Secrets, the downward API,
ConfigMaps that were not supplied, service link variables). What is wrong
with the env is returned as values (:class:`EnvProblem`: the finding rule it
belongs to, and the message), never raised.

Secret data is never read: a Secret-sourced variable is reported as set with
an unknown value, and no message of this package contains any variable's value.

Out of scope: variables baked into the container image (the runtime merges
them under the pod's variables), which a caller must consider separately.

Modules: ``names`` (valid names, service link shapes), ``expansion`` (``$(VAR)``),
``environment`` (the records a resolution returns), ``builder`` (its
bookkeeping), ``env_from`` and ``entries`` (reading the two lists); this
module holds :func:`resolve` and the package's public names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.engine.kube_env import entries, env_from
from migrate.engine.kube_env.builder import Builder, type_name
from migrate.engine.kube_env.environment import (
    ASSUMED,
    ENV_PROBLEM,
    SOURCE_CONFIG_MAP_KEY,
    SOURCE_ENV_FROM_CONFIG_MAP,
    SOURCE_ENV_FROM_SECRET,
    SOURCE_FIELD,
    SOURCE_FILE_KEY,
    SOURCE_NONE,
    SOURCE_RESOURCE_FIELD,
    SOURCE_SECRET_KEY,
    SOURCE_VALUE,
    UNRESOLVED_REFERENCE,
    ConfigMaps,
    ContainerEnv,
    EnvProblem,
    EnvVar,
    State,
)
from migrate.engine.kube_env.expansion import expand, references
from migrate.engine.kube_env.names import is_valid_name, looks_like_service_link
from migrate.model import Severity

__all__ = [
    "ASSUMED",
    "ENV_PROBLEM",
    "SOURCE_CONFIG_MAP_KEY",
    "SOURCE_ENV_FROM_CONFIG_MAP",
    "SOURCE_ENV_FROM_SECRET",
    "SOURCE_FIELD",
    "SOURCE_FILE_KEY",
    "SOURCE_NONE",
    "SOURCE_RESOURCE_FIELD",
    "SOURCE_SECRET_KEY",
    "SOURCE_VALUE",
    "UNRESOLVED_REFERENCE",
    "ConfigMaps",
    "ContainerEnv",
    "EnvProblem",
    "EnvVar",
    "State",
    "expand",
    "is_valid_name",
    "looks_like_service_link",
    "references",
    "resolve",
]


def resolve(
    container: Mapping[str, Any],
    config_maps: ConfigMaps,
    *,
    enable_service_links: bool = True,
) -> ContainerEnv:
    """The environment the kubelet would give ``container``.

    ``config_maps`` maps ConfigMap names of the pod's namespace to their
    ``data`` (None: known not to exist); a name missing from it was not
    supplied and is treated as unknowable. ``enable_service_links`` is the
    pod's ``spec.enableServiceLinks`` (default true): whether undeclared names
    shaped like service link variables may be injected.
    """
    builder = Builder(config_maps, enable_service_links)
    if not isinstance(container, Mapping):
        builder.problem(
            None, f"the container is a {type_name(container)}, not a mapping", Severity.ERROR
        )
        builder.add_opaque("container", "", False)
        return builder.result()
    env_from.read(builder, container.get("envFrom"))
    entries.read(builder, container.get("env"))
    return builder.result()
