"""Which workloads and containers are Llama Stack's, and which of them migrate converts.

This module owns the recognition of the Llama Stack container in a pod
template (by the env it sets, its image or its name; a sidecar sharing the
env does not count) and what recognised it, the containers that start from a
config of their own (nothing of the image's run.yaml to translate), and the
workload kinds: Deployments and StatefulSets are converted, other kinds that
run the container are named in the report as not migrated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import evaluate, overlay
from migrate.model import Document, Path, Plan, Status
from migrate.plan.findings import finding

POD_SPEC: Path = ("spec", "template", "spec")

# Pod templates of the other kinds that can run the container: not converted, but named.
OTHER_KINDS: dict[str, Path] = {
    "DaemonSet": POD_SPEC,
    "ReplicaSet": POD_SPEC,
    "Job": POD_SPEC,
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}

# How a container names a config file of its own: `llama stack run FILE`, `--config`.
_CONFIG_FILE = re.compile(r"\.(ya?ml|json)$|/")


@dataclass(frozen=True)
class Chosen:
    """The Llama Stack container of a pod template."""

    index: int
    container: Mapping[str, Any]
    recognised: str  # what recognised it: its image, its name, the env it sets

    @property
    def name(self) -> str:
        return str(self.container.get("name", f"#{self.index}"))


def llama_stack_container(containers: list[Any], profile: Profile) -> Chosen | str | None:
    """The Llama Stack container; a message if more than one looks like it; None if none
    does."""
    by_env: dict[int, list[str]] = {}
    by_look: dict[int, list[str]] = {}
    for index, container in enumerate(containers):
        if not isinstance(container, Mapping):
            continue
        image = container.get("image")
        repository = _image_repository(image) if isinstance(image, str) else ""
        if evaluate.matches(repository, profile.container_exclude):
            continue  # e.g. the operator's controller: no Llama Stack server
        env = container.get("env")
        env_names = [
            str(item["name"])
            for item in (env if isinstance(env, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("name"), str)
        ]
        matched = [n for n in env_names if evaluate.matches(n, profile.container_env)]
        if matched:
            by_env[index] = [f"env {', '.join(matched)}"]
        looks: list[str] = []
        if evaluate.matches(repository, profile.container_images):
            looks.append(f"image {repository}")
        name = str(container.get("name", ""))
        if evaluate.matches(name, profile.container_names):
            looks.append(f"container name {name}")
        if looks:
            by_look[index] = looks
    # A sidecar that shares the env (an aliased list) does not look like the server.
    both = [i for i in by_env if i in by_look]
    candidates = both or list(by_env) or list(by_look)
    if not candidates:
        return None
    if len(candidates) > 1:
        names = ", ".join(str(containers[i].get("name", f"#{i}")) for i in candidates)
        return f"more than one container looks like Llama Stack ({names}); cannot tell which"
    chosen = candidates[0]
    why = by_look.get(chosen, []) + by_env.get(chosen, [])
    return Chosen(chosen, containers[chosen], "; ".join(why))


def is_llama_stack(document: Document, profile: Profile, pod_spec: Path = POD_SPEC) -> bool:
    """Whether a workload has (or may have) a Llama Stack container."""
    return recogniser(profile, pod_spec)(document.data)


def recogniser(profile: Profile, pod_spec: Path = POD_SPEC) -> Callable[[Any], bool]:
    """:func:`is_llama_stack` of a workload's data, for ``profile``: a scan asks it of
    every object it lists."""
    return _recogniser(
        profile.container_exclude,
        profile.container_images,
        profile.container_names,
        profile.container_env,
        pod_spec,
    )


def reads(pod_spec: Path = POD_SPEC) -> Any:
    """The fields of a workload's data that :func:`recogniser` reads, as a field tree
    (``...``: a value as it is; :mod:`migrate.sources.sketch`), None where the path to the
    pod spec is not of keys alone. Its verdict on those fields alone (null, or missing, as
    they were) is its verdict on the whole: a scan decodes no more of each object."""
    container = {"name": ..., "image": ..., "env": [{"name": ...}]}
    tree: Any = {"containers": [container]}
    for part in reversed(pod_spec):
        if not isinstance(part, str):
            return None
        tree = {part: tree}
    return tree


Match = Callable[[str], object]

_ENV_NAMES_KEPT = 4096  # env names whose verdict a recogniser keeps


@functools.lru_cache(maxsize=64)
def _recogniser(
    exclude: tuple[str, ...],
    images: tuple[str, ...],
    names: tuple[str, ...],
    env: tuple[str, ...],
    pod_spec: Path,
) -> Callable[[Any], bool]:
    """What llama_stack_container(...) is not None says, without the reasons it gathers;
    each glob list compiled once (``evaluate.globs_pattern``), and the verdict on each env
    name kept: the same few names recur in every workload of a cluster."""
    excluded: Match = evaluate.globs_pattern(exclude).match
    image_matches: Match = evaluate.globs_pattern(images).match
    name_matches: Match = evaluate.globs_pattern(names).match
    env_matches: Match = evaluate.globs_pattern(env).match
    verdicts: dict[str, bool] = {}

    def env_named(name: str) -> bool:
        verdict = verdicts.get(name)
        if verdict is None:
            verdict = env_matches(name) is not None
            if len(verdicts) < _ENV_NAMES_KEPT:
                verdicts[name] = verdict
        return verdict

    def recognises(data: Any) -> bool:
        pod = data
        for part in pod_spec:  # overlay.get_exact, for mapping keys alone
            pod = pod.get(part) if type(pod) is dict else _step(pod, part)
        containers = pod.get("containers") if isinstance(pod, Mapping) else None
        if not isinstance(containers, list):
            return False
        for container in containers:
            if type(container) is not dict and not isinstance(container, Mapping):
                continue
            image = container.get("image")
            repository = _image_repository(image) if isinstance(image, str) else ""
            if excluded(repository):
                continue
            if image_matches(repository) or name_matches(str(container.get("name", ""))):
                return True
            env = container.get("env")
            for item in env if isinstance(env, list) else ():
                if type(item) is dict or isinstance(item, Mapping):
                    name = item.get("name")
                    if isinstance(name, str) and env_named(name):
                        return True
        return False

    return recognises


def _step(tree: Any, part: Any) -> Any:
    """One step of :func:`overlay.get_exact` (None where it gives MISSING)."""
    found = overlay.get_exact(tree, (part,))
    return None if found is overlay.MISSING else found


def not_converted(document: Document, profile: Profile) -> Plan | None:
    """A workload of another kind that runs this chart's container: reported, not changed."""
    path = OTHER_KINDS.get(document.kind)
    if path is None or not is_llama_stack(document, profile, path):
        return None
    pod = overlay.get_exact(document.data, path)
    chosen = llama_stack_container(pod["containers"], profile)
    name = chosen.container.get("name") if isinstance(chosen, Chosen) else None
    return Plan(
        document=document,
        namespace=document.namespace or "default",
        status=Status.NOT_MIGRATED,
        container=str(name) if name else None,
        recognised=chosen.recognised if isinstance(chosen, Chosen) else None,
        findings=(
            finding(
                "kind-not-migrated",
                f"this {document.kind} runs the Llama Stack container, and migrate converts "
                "Deployments and StatefulSets only: give it the ConfigMap by hand (env "
                "RUN_CONFIG_PATH, the volume and the mount, as the converted workloads get "
                "them), or run it from a Deployment",
            ),
        ),
    )


def own_config(container: Mapping[str, Any], profile: Profile) -> str | None:
    """How the container starts Llama Stack from a config of its own, if it does."""
    env = container.get("env")
    for item in env if isinstance(env, list) else []:
        if not isinstance(item, Mapping):
            continue
        if item.get("name") == "LLAMA_STACK_CONFIG":
            return "sets LLAMA_STACK_CONFIG"
        value = item.get("value")
        named_path = item.get("name") == profile.env_name and isinstance(value, str)
        if named_path and value != profile.run_config_path:
            return f"sets {profile.env_name} to {value!r}"
    words: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        for part in value if isinstance(value, list) else []:
            if isinstance(part, str):
                words += part.split()
    for position, word in enumerate(words):
        if word == "--config" or word.startswith("--config="):
            return "passes --config"
        after_run = position >= 2 and words[position - 2 : position] == ["stack", "run"]
        if after_run and not word.startswith("-") and _CONFIG_FILE.search(word):
            return f"runs `llama stack run {word}`"
    return None


def own_config_plan(document: Document, namespace: str, chosen: Chosen, how: str) -> Plan:
    """The plan of a workload whose container starts from a config of its own."""
    label = chosen.container.get("name", f"#{chosen.index}")
    return Plan(
        document=document,
        namespace=namespace,
        status=Status.NOT_MIGRATED,
        container=str(label),
        recognised=chosen.recognised,
        findings=(
            finding(
                "own-config",
                f"container {label} {how}: it does not start from the image's run.yaml, "
                "so there is nothing to translate; nothing is written",
            ),
        ),
    )


def _image_repository(image: str) -> str:
    repository = image.split("@", 1)[0]
    slash = repository.rfind("/")
    colon = repository.rfind(":")
    return repository[:colon] if colon > slash else repository
