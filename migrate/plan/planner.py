"""Planning one workload: from its manifest and env to overlay, run.yaml and patch.

This module owns the decisions: which container is Llama Stack, whether the
workload is already migrated, which migrated variables are baked and which
stay env vars (and why), the desired run.yaml (env-caused changes combined
with chart-default drift), the minimal Helm overlay, and the manifest edits.
Every decision is checked before it is returned: the overlay must render the
desired run.yaml under Helm's merge rules.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.chart.profile import Hazard, Profile
from migrate.engine import evaluate, kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.engine.placeholders import placeholders
from migrate.model import (
    Classification,
    Document,
    Drift,
    Edit,
    Finding,
    InsertItem,
    Path,
    Plan,
    RemoveItems,
    Severity,
    Status,
    VariablePlan,
    owner_release,
)
from migrate.plan import checks
from migrate.plan.findings import finding
from migrate.yaml.io import same

WORKLOAD_KINDS = ("Deployment", "StatefulSet")
_POD_SPEC: Path = ("spec", "template", "spec")
# Sources whose values may be written into a values file; Secrets never are.
_PLAIN_SOURCES = ("value", "configMapKeyRef", "envFrom.configMapRef")
_SECRET_SOURCES = ("secretKeyRef", "envFrom.secretRef")


def plan(
    document: Document,
    profile: Profile,
    config_maps: kube_env.ConfigMaps,
    *,
    preserve_behavior: bool = False,
    adopt_defaults: bool = False,
    assume: Mapping[str, str] | None = None,
) -> Plan:
    """Decide everything for one Deployment or StatefulSet; ``assume`` gives values for
    variables not known offline (``--assume``)."""
    namespace = document.namespace or "default"
    pod = overlay.get_exact(document.data, _POD_SPEC)
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    if containers == []:
        # No container at all (a Kustomize base, say): nothing of Llama Stack runs here.
        return Plan(document=document, namespace=namespace, status=Status.NOT_LLAMA_STACK)
    if not isinstance(containers, list):
        return _error(document, namespace, "workload-invalid", "the pod template has no containers")
    chosen = _llama_stack_container(containers, profile)
    if chosen is None:
        return Plan(document=document, namespace=namespace, status=Status.NOT_LLAMA_STACK)
    if isinstance(chosen, str):
        return _error(document, namespace, "container-ambiguous", chosen)
    index, container, recognised = chosen
    own = own_config(container, profile)
    if own is not None:
        label = container.get("name", f"#{index}")
        return Plan(
            document=document,
            namespace=namespace,
            status=Status.NOT_MIGRATED,
            container=str(label),
            recognised=recognised,
            findings=(
                finding(
                    "own-config",
                    f"container {label} {own}: it does not start from the image's run.yaml, "
                    "so there is nothing to translate; nothing is written",
                ),
            ),
        )
    shape = _shape_problem(pod, container)
    if shape:
        return _error(document, namespace, "workload-invalid", shape)
    name = str(container.get("name", f"#{index}"))
    uses = _uses(document.data)
    edited = [
        ("spec.template.spec", pod),
        (f"container {name}", container),
        (f"the env list of container {name}", container.get("env")),
        (f"the volumeMounts list of container {name}", container.get("volumeMounts")),
        ("spec.template.spec.volumes", pod.get("volumes")),
    ]
    shared = [what for what, node in edited if uses.get(id(node), 0) > 1]
    if shared:
        return _error(document, namespace, "shared-node", _shared_message(shared[0]), name)
    container_path: Path = (*_POD_SPEC, "containers", index)
    environment = kube_env.resolve(
        container, config_maps, enable_service_links=pod.get("enableServiceLinks") is not False
    )
    if assume:
        environment = environment.assuming(assume)

    state = _existing_layout(pod, container, environment, profile)
    if state == "migrated":
        return Plan(
            document=document,
            namespace=namespace,
            status=Status.ALREADY_MIGRATED,
            container=name,
            recognised=recognised,
        )
    if state is not None:
        return _error(document, namespace, "layout-conflict", state, container=name)
    taken = _configmap_taken(profile, document.name, config_maps)
    if taken is not None:
        return _error(document, namespace, "layout-conflict", taken, container=name)

    findings = []
    if document.namespace is None:
        findings.append(
            finding(
                "namespace-not-given",
                "the manifest names no namespace (as `helm template` prints it) and none was "
                "given with -n: `default` is assumed for the output folder, and the next "
                "command leaves the namespace to you",
            )
        )
    if profile.template_source.startswith("built-in"):
        for older in profile.older_images:
            all_set = all(
                environment.get(n).state is not kube_env.State.UNSET for n in older.when_set
            )
            # The older chart wrote no entry for it at all; an entry that resolves to
            # nothing (an optional reference) is the newer chart's pod.
            entries = container.get("env")
            declared = {
                item.get("name")
                for item in (entries if isinstance(entries, list) else [])
                if isinstance(item, Mapping)
            }
            absent = older.when_unset not in declared
            if (
                all_set
                and absent
                and environment.get(older.when_unset).state is kube_env.State.UNSET
            ):
                findings.append(
                    finding(
                        "older-image",
                        f"container {name} {older.message}; pass that image's run.yaml with "
                        "--template",
                    )
                )
    run_config_var = environment.get(profile.env_name)
    if _only_possibly_set(run_config_var):
        findings.append(
            finding(
                "env-problem",
                f"container {name}: {profile.env_name} is {run_config_var.reason}; taken as "
                f"unset, as the pod's own run.yaml path would be explicit. The migration adds "
                f"an explicit {profile.env_name}, which takes precedence over envFrom",
            )
        )
    findings += [
        finding(problem.rule, f"container {name}: {problem.message}", problem.severity)
        for problem in environment.problems
    ]
    findings += [
        finding(
            "legacy-placeholder",
            f"{format_path(path)}: {text} is the pre-0.2.13 placeholder dialect; "
            "Llama Stack 0.3.3 keeps it as literal text",
        )
        for path, text in profile.legacy
    ]

    table = profile.mapping()
    bake: dict[str, str | None] = {}
    refused: dict[str, str] = {}
    for variable in table:
        var = environment.get(variable)
        if var.state is kube_env.State.KNOWN:
            bake[variable] = var.value
        elif var.state is kube_env.State.UNSET:
            bake[variable] = None
        else:
            refused[variable] = var.reason or "its value is not known offline"
    home_var = environment.get("HOME")
    # An empty HOME is no HOME: the runtime (runc) then sets it from /etc/passwd.
    home = home_var.value if home_var.state is kube_env.State.KNOWN and home_var.value else None

    keep = () if adopt_defaults else active_hazards(profile, environment)
    resolution = resolve(profile, bake, home, preserve_behavior=preserve_behavior, keep=keep)
    for variable, reason in resolution.refused.items():
        refused.setdefault(variable, reason)
        bake.pop(variable, None)
    evaluation, desired, values, conflicts = (
        resolution.evaluation,
        resolution.desired,
        resolution.values,
        resolution.conflicts,
    )
    # The Helm route is the next step only for a workload a Helm release manages; the
    # patched manifest keeps every env var and carries any run.yaml.
    helm_managed = owner_release(_metadata(document)) is not None
    findings += carry_problems(profile, values, desired, helm_managed=helm_managed)
    findings += [
        finding(
            "drift-conflict",
            f"{format_path(c.path)}: the chart changed its default and the env changed it "
            "too; the env's value is kept",
        )
        for c in conflicts
    ]

    # A baked variable that the planned run.yaml still reads (a chart default adopted
    # with its own placeholder) must keep its entry, or the pod would read another value.
    still_read = {
        name: [format_path(p) for p in paths]
        for name, paths in evaluate.readers(desired).items()
        if name in bake
    }
    variables, removed_indices = _classify(
        container, environment, table, bake, refused, profile, still_read
    )
    entries = container.get("env") or []
    shared_items = [i for i in sorted(removed_indices) if uses.get(id(entries[i]), 0) > 1]
    if shared_items:
        what = f"env entry {entries[shared_items[0]].get('name')} of container {name}"
        return _error(document, namespace, "shared-node", _shared_message(what), name)
    env_values: dict[str, str] = {}
    kept: list[str] = []
    for fate in variables:
        if fate.classification is Classification.UNUSED:
            findings.append(
                finding(
                    "unused-variable",
                    f"{fate.name} looks like a migrated variable, but the template never "
                    "reads it (a typo?); it is left in place",
                )
            )
        if fate.classification is not Classification.KEPT:
            continue
        var = environment.get(fate.name)
        if var.state is not kube_env.State.UNSET:
            kept.append(fate.name)
        if var.source in _SECRET_SOURCES:
            findings.append(
                finding(
                    "secret-variable",
                    f"{fate.name} comes from a Secret ({var.source}); its value is never read, "
                    "so it stays an env var and run.yaml keeps reading it",
                )
            )
        else:
            findings.append(
                finding("value-not-inlined", f"{fate.name} stays an env var: {fate.reason}")
            )
        env_key = profile.target.env_values_key
        if var.state is kube_env.State.UNSET:
            continue
        if env_key is None:
            if helm_managed:
                findings.append(
                    finding(
                        "env-not-carried",
                        f"{fate.name} must stay an env var ({fate.reason or var.source}), and "
                        f"the target chart ({profile.target.name}) has no values key for extra "
                        "env vars: after `helm upgrade` the pod would lack it. Bake a known "
                        f"value with --assume {fate.name}=VALUE, use a chart that passes extra "
                        "env vars (--chart), or apply the patched manifest and ConfigMap "
                        "instead, which keep it",
                    )
                )
        elif var.state is kube_env.State.KNOWN and var.source in _PLAIN_SOURCES and var.value:
            env_values[fate.name] = str(var.value)
        else:
            findings.append(
                finding(
                    "env-not-in-overlay",
                    f"{fate.name} ({var.source}) must still reach the pod; the overlay "
                    f"cannot set it, so give the chart's '{env_key}' values an equivalent "
                    "entry",
                )
            )

    configmap = profile.configmap_for(document.name)
    edits: list[Edit] = []
    if removed_indices:
        edits.append(RemoveItems((*container_path, "env"), tuple(sorted(removed_indices))))
    edits += [
        InsertItem(
            (*container_path, "env"),
            0,
            {"name": profile.env_name, "value": profile.run_config_path},
        ),
        InsertItem(
            (*container_path, "volumeMounts"),
            0,
            {"name": profile.volume_name, "mountPath": profile.mount_path, "readOnly": True},
        ),
        InsertItem(
            (*_POD_SPEC, "volumes"),
            0,
            {"name": profile.volume_name, "configMap": {"name": configmap}},
        ),
    ]
    drift = tuple(
        Drift(path=path, before=before, after=after, adopted=True)
        for path, before, after in overlay.differences(evaluation.tree, desired)
    ) + tuple(
        Drift(path=path, before=before, after=after, adopted=False)
        for path, before, after in resolution.kept_drift
    )
    metadata = document.data.get("metadata")
    template_metadata = overlay.get_exact(document.data, ("spec", "template", "metadata"))
    findings += checks.run(
        checks.Workload(
            profile=profile,
            environment=environment,
            home=home,
            before=evaluation.tree,
            after=desired,
            provenance=evaluation.provenance,
            kept=tuple(kept),
            drift=drift,
            workload_annotations=_annotations(metadata),
            pod_annotations=_annotations(template_metadata),
            configmap=configmap,
        )
    )
    return Plan(
        document=document,
        namespace=namespace,
        status=Status.NEEDS_MIGRATION,
        container=name,
        variables=tuple(variables),
        overlay=values,
        overlay_sources=_sources(desired, evaluation.provenance, refused, resolution.notes()),
        env_values=env_values,
        run_config=desired,
        configmap=configmap,
        edits=tuple(edits),
        drift=drift,
        findings=tuple(findings),
        environment=environment,
        recognised=recognised,
    )


@dataclass(frozen=True)
class Resolution:
    """The run.yaml a set of migrated-variable values leads to, and its overlay."""

    evaluation: evaluate.Evaluation  # the template with the values baked in: what the pod ran
    desired: Any  # the run.yaml the new chart must render (drift adopted or kept)
    values: dict[str, Any]  # the minimal overlay, in run.yaml's shape
    conflicts: tuple[overlay.Conflict, ...]
    refused: dict[str, str]  # variable → why it stays an env var
    # chart-default changes not adopted: (path, what the pod ran, the chart's default)
    kept_drift: tuple[tuple[Path, Any, Any], ...] = ()
    # the keys kept as the pod ran them against a chart default, with the reason an
    # overlay comment gives
    pinned: tuple[tuple[Path, str], ...] = ()

    def notes(self) -> dict[Path, str]:
        """The overlay's comment for each kept key, on the list that carries it (Helm
        replaces lists whole)."""
        return {_list_owner(path): why for path, why in self.pinned}


def resolve(
    profile: Profile,
    bake: Mapping[str, str | None],
    home: str | None,
    *,
    preserve_behavior: bool = False,
    keep: tuple[Hazard, ...] = (),
) -> Resolution:
    """Bake ``bake`` (variable → value, None for unset) and derive the overlay.

    Chart-default drift is adopted, except at the keys of the hazards in
    ``keep`` (those keep what the pod ran) and, with ``preserve_behavior``,
    everywhere. A variable whose value Helm could not carry unchanged through
    the overlay is refused (it stays an env var) and the rest are baked again.
    """
    remaining = dict(bake)
    refused: dict[str, str] = {}
    defaults = profile.chart_defaults
    baseline = profile.baseline(home)
    while True:
        evaluation = evaluate.partial(profile.template, remaining, home)
        for variable, reason in evaluation.refused.items():
            refused.setdefault(variable, reason)
            remaining.pop(variable, None)
        conflicts: list[overlay.Conflict] = []
        kept: list[tuple[Path, Any, Any]] = []
        pinned: list[tuple[Path, str]] = []
        adopting = overlay.merge3(baseline, evaluation.tree, defaults, conflicts)
        if preserve_behavior:
            desired = evaluation.tree
            kept = overlay.differences(evaluation.tree, adopting)
            pinned = [(path, "kept as the pod ran it (--preserve-behavior)") for path, _, _ in kept]
            conflicts = []
        else:
            desired = adopting
            for hazard in keep:
                for path, before, after in overlay.differences(evaluation.tree, desired):
                    if hazard.key in path:
                        desired = overlay.set_exact(desired, path, before)
                        kept.append((path, before, after))
                        pinned.append(
                            (
                                path,
                                f"kept as the pod ran it: the chart's default {hazard.key} "
                                "breaks this pod (chart-default-hazard)",
                            )
                        )
        values = overlay.helm_diff(defaults, desired)
        unfit = _unfit_for_helm(values, desired, evaluation.provenance)
        if not unfit:
            return Resolution(
                evaluation, desired, values, tuple(conflicts), refused, tuple(kept), tuple(pinned)
            )
        for variable, reason in unfit.items():
            refused.setdefault(variable, reason)
            remaining.pop(variable, None)


def active_hazards(profile: Profile, environment: kube_env.ContainerEnv) -> tuple[Hazard, ...]:
    """The hazards whose trigger this pod sets (or may set: not known offline)."""
    active: list[Hazard] = []
    for hazard in profile.hazards:
        trigger = environment.get(hazard.when_set)
        if trigger.state is not kube_env.State.UNSET and trigger.value != "":
            active.append(hazard)
    return tuple(active)


def carry_problems(
    profile: Profile, values: Mapping[str, Any], desired: Any, *, helm_managed: bool = True
) -> list[Finding]:
    """What the target chart's values cannot render of ``desired`` (its own template fixes it,
    it leaves out a section that is empty, or Helm cannot set the value, as a null). An
    error where a Helm release manages the workload; a warning where the patched manifest,
    which carries any run.yaml, is the next step."""
    target = profile.target
    layout = target.layout
    rendered = layout.render(overlay.helm_merge(target.values, layout.to_values(values)))
    if same(rendered, desired):
        return []
    wrong = [format_path(path) for path, _, _ in overlay.differences(desired, rendered)] or [
        "run.yaml"
    ]
    return [
        finding(
            "target-cannot-carry",
            f"{', '.join(wrong)}: the target chart ({target.name}: {layout.describe()}) cannot "
            "render what the pod needs there through its values; after `helm upgrade` these "
            "keys would differ. Apply the patched manifest and ConfigMap instead, or use "
            "another target",
            None if helm_managed else Severity.WARNING,
        )
    ]


def _metadata(document: Document) -> Mapping[str, Any]:
    metadata = document.data.get("metadata")
    return metadata if isinstance(metadata, Mapping) else {}


def _annotations(metadata: Any) -> Mapping[str, Any]:
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def _sources(
    desired: Any,
    provenance: Mapping[Path, frozenset[str]],
    refused: Mapping[str, str],
    notes: Mapping[Path, str] | None = None,
) -> dict[Path, str]:
    """For each changed key, the env vars it came from (the overlay's comments); for a key
    kept against a chart default, why."""
    sources = {path: ", ".join(sorted(names)) for path, names in provenance.items()}
    sources.update(notes or {})
    for path, text in evaluate.strings(desired) if refused else ():
        if "${" not in text:
            continue
        kept = sorted({p.name for p in placeholders(text) if p.name in refused})
        if kept:
            note = ", ".join(kept) + " (still read from the env)"
            sources[path] = f"{sources[path]}; {note}" if path in sources else note
    return sources


def _list_owner(path: Path) -> Path:
    """The path of the outermost list on ``path`` (what an overlay must carry whole)."""
    for index, part in enumerate(path):
        if isinstance(part, int):
            return path[:index]
    return path


def _error(
    document: Document, namespace: str, kind: str, message: str, container: str | None = None
) -> Plan:
    return Plan(
        document=document,
        namespace=namespace,
        status=Status.ERROR,
        container=container,
        findings=(finding(kind, message),),
    )


def _shape_problem(pod: Mapping[str, Any], container: Mapping[str, Any]) -> str | None:
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


def is_llama_stack(document: Document, profile: Profile, pod_spec: Path = _POD_SPEC) -> bool:
    """Whether a workload has (or may have) a Llama Stack container."""
    pod = overlay.get_exact(document.data, pod_spec)
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    if not isinstance(containers, list):
        return False
    return _llama_stack_container(containers, profile) is not None


# Pod templates of the other kinds that can run the container: not converted, but named.
OTHER_KINDS: dict[str, Path] = {
    "DaemonSet": _POD_SPEC,
    "ReplicaSet": _POD_SPEC,
    "Job": _POD_SPEC,
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def not_converted(document: Document, profile: Profile) -> Plan | None:
    """A workload of another kind that runs this chart's container: reported, not changed."""
    path = OTHER_KINDS.get(document.kind)
    if path is None or not is_llama_stack(document, profile, path):
        return None
    pod = overlay.get_exact(document.data, path)
    chosen = _llama_stack_container(pod["containers"], profile)
    name = chosen[1].get("name") if isinstance(chosen, tuple) else None
    return Plan(
        document=document,
        namespace=document.namespace or "default",
        status=Status.NOT_MIGRATED,
        container=str(name) if name else None,
        recognised=chosen[2] if isinstance(chosen, tuple) else None,
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


# How a container names a config file of its own: `llama stack run FILE`, `--config`.
_CONFIG_FILE = re.compile(r"\.(ya?ml|json)$|/")


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


def _image_repository(image: str) -> str:
    repository = image.split("@", 1)[0]
    slash = repository.rfind("/")
    colon = repository.rfind(":")
    return repository[:colon] if colon > slash else repository


def _llama_stack_container(
    containers: list[Any], profile: Profile
) -> tuple[int, Mapping[str, Any], str] | str | None:
    """The Llama Stack container: its index, data and what recognised it; a message if
    ambiguous; None if there is none."""
    by_env: dict[int, list[str]] = {}
    by_look: dict[int, list[str]] = {}
    for index, container in enumerate(containers):
        if not isinstance(container, Mapping):
            continue
        image = container.get("image")
        repository = _image_repository(image) if isinstance(image, str) else ""
        if any(fnmatch.fnmatchcase(repository, glob) for glob in profile.container_exclude):
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
        if any(fnmatch.fnmatchcase(repository, glob) for glob in profile.container_images):
            looks.append(f"image {repository}")
        name = str(container.get("name", ""))
        if any(fnmatch.fnmatchcase(name, glob) for glob in profile.container_names):
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
    return chosen, containers[chosen], "; ".join(why)


def _existing_layout(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    environment: kube_env.ContainerEnv,
    profile: Profile,
) -> str | None:
    """'migrated', None (old layout), or why the new layout cannot be added safely."""
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
    if _only_possibly_set(run_config):
        run_config = environment.vars.get(profile.env_name) or run_config
    if run_config.state is not kube_env.State.UNSET and not _only_possibly_set(run_config):
        if (
            run_config.state is kube_env.State.KNOWN
            and run_config.value == profile.run_config_path
            and ours in mount_paths
        ):
            return "migrated"
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


def _configmap_taken(
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


def _only_possibly_set(var: kube_env.EnvVar) -> bool:
    """Unknown only because an envFrom source we cannot list might define it."""
    return (
        var.state is kube_env.State.UNKNOWN
        and var.env_index is None
        and var.source == kube_env.SOURCE_NONE
    )


def _unfit_for_helm(
    values: Mapping[str, Any], desired: Any, provenance: Mapping[Path, frozenset[str]]
) -> dict[str, str]:
    """Baked variables whose values the overlay cannot carry through Helm unchanged."""
    unfit: dict[str, str] = {}
    for path, _ in overlay.leaves(values):
        names = provenance.get(path)
        if not names:
            continue
        value = overlay.get_exact(desired, path)
        if value is overlay.MISSING:
            continue  # a deletion, which Helm carries
        reason = overlay.helm_refusal(value)
        if reason:
            for name in names:
                unfit.setdefault(name, f"at {format_path(path)}: {reason}")
    return unfit


def _uses(tree: Any) -> dict[int, int]:
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


def _shared_message(what: str) -> str:
    return (
        f"{what} is a YAML anchor that an alias elsewhere in the manifest shares; editing "
        "it would change the other place too (another container would lose the variable "
        "or gain the mount). Expand the alias (write the node out where it is used) and "
        "convert again"
    )


def _expanded_elsewhere(container: Mapping[str, Any]) -> dict[str, str]:
    """Names that the container's command, args or a mount's subPathExpr reference with
    $(NAME) → where (the first place found)."""
    places: list[tuple[str, Any]] = [
        ("command", container.get("command")),
        ("args", container.get("args")),
    ]
    mounts = container.get("volumeMounts")
    for mount in mounts if isinstance(mounts, list) else []:
        if isinstance(mount, Mapping):
            places.append(("volumeMounts[].subPathExpr", [mount.get("subPathExpr")]))
    found: dict[str, str] = {}
    for where, texts in places:
        for text in texts if isinstance(texts, list) else []:
            if isinstance(text, str):
                for name in kube_env.references(text):
                    found.setdefault(name, where)
    return found


def _classify(
    container: Mapping[str, Any],
    environment: kube_env.ContainerEnv,
    table: Mapping[str, list[Path]],
    bake: Mapping[str, str | None],
    refused: Mapping[str, str],
    profile: Profile,
    still_read: Mapping[str, list[str]] | None = None,
) -> tuple[list[VariablePlan], set[int]]:
    """Each env var's fate, and the env entries to remove."""
    still_read = still_read or {}
    env = container.get("env")
    entries = env if isinstance(env, list) else []
    named: dict[str, list[int]] = {}
    for index, item in enumerate(entries):
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            named.setdefault(item["name"], []).append(index)
    # The kubelet expands $(NAME) in command, args and subPathExpr too: removing NAME
    # would turn such a reference into literal text, so NAME stays.
    expanded = _expanded_elsewhere(container)
    removed_names = {
        name for name in bake if name in named and name not in expanded and name not in still_read
    }
    # An entry that expands $(NAME) would change if NAME's entry went away: keep NAME then.
    while True:
        removed_indices = {i for name in removed_names for i in named[name]}
        blocked = {
            name
            for name in removed_names
            if any(r not in removed_indices for r in environment.referrers(name))
        }
        if not blocked:
            break
        removed_names -= blocked
    readers = profile.readers
    plans: list[VariablePlan] = []
    for name in list(environment.vars) + [n for n in table if n not in environment.vars]:
        var = environment.get(name)
        keys = tuple(format_path(p) for p in readers.get(name, []))
        if name in bake:
            reason = None
            if name in still_read:
                reason = "left in env because the planned run.yaml still reads it at " + ", ".join(
                    still_read[name]
                )
            elif name in expanded:
                reason = f"left in env because the container's {expanded[name]} expands $({name})"
            elif name in named and name not in removed_names:
                reason = f"left in env because another env var expands $({name})"
            elif name not in named and var.state is not kube_env.State.UNSET:
                reason = (
                    f"set by {var.source}, which cannot drop one key; run.yaml no longer reads it"
                )
            elif bake[name] is None:
                reason = "unset: the template's default is baked"
            elif var.reason == kube_env.ASSUMED:
                reason = kube_env.ASSUMED
            plans.append(
                VariablePlan(
                    name, var.source, Classification.MIGRATED, keys, name in removed_names, reason
                )
            )
        elif name in table:
            plans.append(
                VariablePlan(name, var.source, Classification.KEPT, keys, False, refused.get(name))
            )
        elif evaluate.matches(name, profile.migrated_vars):
            plans.append(
                VariablePlan(
                    name,
                    var.source,
                    Classification.UNUSED,
                    (),
                    False,
                    "the template never reads it; left in place",
                )
            )
        elif keys:
            plans.append(VariablePlan(name, var.source, Classification.RUNTIME, keys, False))
        else:
            plans.append(VariablePlan(name, var.source, Classification.OTHER, (), False))
    return plans, removed_indices
