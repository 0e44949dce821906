"""What the input itself tells before anything is planned, as findings.

This module owns the findings about a workload's input that do not depend
on the plan: a manifest that names no namespace, a pod whose env shows an
older chart (whose image may bake another run.yaml), RUN_CONFIG_PATH that
only a source we cannot list might set, the problems the kubelet emulation
found in the container's env, and placeholders of the old dialect in the
template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import kube_env
from migrate.engine.evaluate import format_path
from migrate.model import Document, Finding
from migrate.plan.findings import finding


def findings(
    document: Document,
    profile: Profile,
    container: Mapping[str, Any],
    name: str,
    environment: kube_env.ContainerEnv,
) -> list[Finding]:
    """The input's findings, in the order a report shows them."""
    found: list[Finding] = []
    if document.namespace is None:
        found.append(
            finding(
                "namespace-not-given",
                "the manifest names no namespace (as `helm template` prints it) and none was "
                "given with -n: `default` is assumed for the output folder, and the next "
                "command leaves the namespace to you",
            )
        )
    found += _older_images(profile, container, name, environment)
    run_config_var = environment.get(profile.env_name)
    if run_config_var.only_possibly_set:
        found.append(
            finding(
                "env-problem",
                f"container {name}: {profile.env_name} is {run_config_var.reason}; taken as "
                f"unset, as the pod's own run.yaml path would be explicit. The migration adds "
                f"an explicit {profile.env_name}, which takes precedence over envFrom",
            )
        )
    found += [
        finding(problem.rule, f"container {name}: {problem.message}", problem.severity)
        for problem in environment.problems
    ]
    found += [
        finding(
            "legacy-placeholder",
            f"{format_path(path)}: {text} is the pre-0.2.13 placeholder dialect; "
            "Llama Stack 0.3.3 keeps it as literal text",
        )
        for path, text in profile.legacy
    ]
    return found


def _older_images(
    profile: Profile,
    container: Mapping[str, Any],
    name: str,
    environment: kube_env.ContainerEnv,
) -> list[Finding]:
    """The built-in profile's older charts whose env this pod shows."""
    if not profile.template_source.startswith("built-in"):
        return []  # a template given with --template is the image's own
    found: list[Finding] = []
    # The older chart wrote no entry for it at all; an entry that resolves to nothing
    # (an optional reference) is the newer chart's pod.
    entries = container.get("env")
    declared = {
        item.get("name")
        for item in (entries if isinstance(entries, list) else [])
        if isinstance(item, Mapping)
    }
    for older in profile.older_images:
        all_set = all(environment.get(n).state is not kube_env.State.UNSET for n in older.when_set)
        absent = older.when_unset not in declared
        if all_set and absent and environment.get(older.when_unset).state is kube_env.State.UNSET:
            found.append(
                finding(
                    "older-image",
                    f"container {name} {older.message}; pass that image's run.yaml with --template",
                )
            )
    return found
