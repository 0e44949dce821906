"""Planning one workload: from its manifest and env to overlay, run.yaml and patch.

This module owns the order of the decisions for one Deployment or
StatefulSet and the :class:`~migrate.model.Plan` that records them: which
container is Llama Stack (:mod:`~migrate.plan.classify`), whether the pod
can take the new layout (:mod:`~migrate.plan.layout`), its env as the kubelet
gives it, what the input tells (:mod:`~migrate.plan.inputs`), the desired
run.yaml and minimal overlay (:mod:`~migrate.plan.resolution`), each
variable's fate (:mod:`~migrate.plan.variables`), the manifest edits, and
the checks on the result (:mod:`~migrate.plan.checks`). Every decision is
checked before it is returned: the overlay must render the desired run.yaml
under Helm's merge rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate.chart.profile import Profile
from migrate.engine import evaluate, kube_env, overlay
from migrate.engine.evaluate import format_path
from migrate.engine.placeholders import placeholders
from migrate.model import (
    Document,
    Drift,
    Edit,
    InsertItem,
    Path,
    Plan,
    RemoveItems,
    Status,
    owner_release,
)
from migrate.plan import (
    checks,
    classify,
    env_from,
    inputs,
    layout,
    migrated,
    resolution,
    runtime,
    variables,
)
from migrate.plan.findings import finding


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
    found = _llama_stack(document, namespace, profile)
    if isinstance(found, Plan):
        return found
    pod, chosen = found
    container, name = chosen.container, chosen.name
    uses = layout.uses(document.data)
    shared = layout.shared_edited_node(pod, container, name, uses)
    if shared:
        return _error(document, namespace, "shared-node", shared, name)
    container_path: Path = (*classify.POD_SPEC, "containers", chosen.index)
    environment = kube_env.resolve(
        container, config_maps, enable_service_links=pod.get("enableServiceLinks") is not False
    )
    if assume:
        environment = environment.assuming(assume)

    state = layout.existing(pod, container, environment, profile)
    if state == layout.MIGRATED:
        # Already on the new layout: the run.yaml it runs now is checked instead.
        running = migrated.current(pod, container, config_maps, profile)
        if isinstance(running, migrated.Current):
            checked, config = migrated.check(running, environment, profile), running.config
        else:
            checked, config = (running,), {}
        return Plan(
            document=document,
            namespace=namespace,
            status=Status.ALREADY_MIGRATED,
            container=name,
            run_config=config,
            configmap=running.configmap if isinstance(running, migrated.Current) else "",
            findings=checked,
            environment=environment,
            recognised=chosen.recognised,
        )
    conflict = state or layout.configmap_taken(profile, document.name, config_maps)
    if conflict is not None:
        return _error(document, namespace, "layout-conflict", conflict, container=name)

    findings = inputs.findings(document, profile, container, name, environment)
    table = profile.mapping()
    bake, refused = _bake(table, environment)
    home = runtime.home(environment)

    keep = () if adopt_defaults else resolution.active_hazards(profile, environment)
    resolved = resolution.resolve(
        profile, bake, home, preserve_behavior=preserve_behavior, keep=keep
    )
    for variable, reason in resolved.refused.items():
        refused.setdefault(variable, reason)
        bake.pop(variable, None)
    evaluation, desired = resolved.evaluation, resolved.desired
    # The Helm route is the next step only for a workload a Helm release manages; the
    # patched manifest keeps every env var and carries any run.yaml.
    helm_managed = owner_release(_metadata(document)) is not None
    findings += resolution.carried(profile, resolved.uncarried, helm_managed=helm_managed)
    findings += [
        finding(
            "drift-conflict",
            f"{format_path(c.path)}: the chart changed its default and the env changed it "
            "too; the env's value is kept",
        )
        for c in resolved.conflicts
    ]

    # A baked variable that the planned run.yaml still reads (a chart default adopted
    # with its own placeholder) must keep its entry, or the pod would read another value.
    still_read = {
        name: [format_path(p) for p in paths]
        for name, paths in resolved.reads.items()
        if name in bake
    }
    fates, removed_indices = variables.fates(
        container, environment, table, bake, refused, profile, still_read
    )
    entries = container.get("env") or []
    shared_items = [i for i in sorted(removed_indices) if uses.get(id(entries[i]), 0) > 1]
    if shared_items:
        what = f"env entry {entries[shared_items[0]].get('name')} of container {name}"
        return _error(document, namespace, "shared-node", layout.shared_message(what), name)
    staying = variables.staying(fates, environment, profile, helm_managed=helm_managed)
    findings += staying.findings
    findings += env_from.kept_imports(container, name, environment, config_maps, fates)

    configmap = profile.configmap_for(document.name)
    drift = tuple(
        Drift(path=path, before=before, after=after, adopted=True)
        for path, before, after in overlay.differences(evaluation.tree, desired)
    ) + tuple(
        Drift(path=path, before=before, after=after, adopted=False)
        for path, before, after in resolved.kept_drift
    )
    findings += checks.run(
        checks.Workload(
            profile=profile,
            environment=environment,
            home=home,
            before=evaluation.tree,
            after=desired,
            provenance=evaluation.provenance,
            kept=staying.kept,
            drift=drift,
            workload_annotations=_annotations(document.data.get("metadata")),
            pod_annotations=_annotations(
                overlay.get_exact(document.data, ("spec", "template", "metadata"))
            ),
            configmap=configmap,
        )
    )
    return Plan(
        document=document,
        namespace=namespace,
        status=Status.NEEDS_MIGRATION,
        container=name,
        variables=tuple(fates),
        overlay=resolved.values,
        overlay_sources=_sources(desired, evaluation.provenance, refused, resolved.notes()),
        env_values=staying.env_values,
        run_config=desired,
        configmap=configmap,
        edits=_edits(profile, container_path, removed_indices, configmap),
        drift=drift,
        findings=tuple(findings),
        environment=environment,
        recognised=chosen.recognised,
    )


def _bake(
    table: Mapping[str, Any], environment: kube_env.ContainerEnv
) -> tuple[dict[str, str | None], dict[str, str]]:
    """What each migrated variable is baked to (None: unset, the template's default), and
    the ones whose value is not known offline, with why."""
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
    return bake, refused


def _llama_stack(
    document: Document, namespace: str, profile: Profile
) -> Plan | tuple[Mapping[str, Any], classify.Chosen]:
    """The pod spec and its Llama Stack container, or the plan of a workload that has none,
    has more than one, starts from a config of its own or has lists the API server rejects."""
    pod = overlay.get_exact(document.data, classify.POD_SPEC)
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    if containers == []:
        # No container at all (a Kustomize base, say): nothing of Llama Stack runs here.
        return Plan(document=document, namespace=namespace, status=Status.NOT_LLAMA_STACK)
    if not isinstance(containers, list):
        return _error(document, namespace, "workload-invalid", "the pod template has no containers")
    chosen = classify.llama_stack_container(containers, profile)
    if chosen is None:
        return Plan(document=document, namespace=namespace, status=Status.NOT_LLAMA_STACK)
    if isinstance(chosen, str):
        return _error(document, namespace, "container-ambiguous", chosen)
    own = classify.own_config(chosen.container, profile)
    if own is not None:
        return classify.own_config_plan(document, namespace, chosen, own)
    shape = layout.shape_problem(pod, chosen.container)
    if shape:
        return _error(document, namespace, "workload-invalid", shape)
    return pod, chosen


def _edits(
    profile: Profile, container_path: Path, removed_indices: set[int], configmap: str
) -> tuple[Edit, ...]:
    """The manifest edits: the removed env entries, then RUN_CONFIG_PATH, the mount and the
    ConfigMap volume, each first in its list."""
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
            (*classify.POD_SPEC, "volumes"),
            0,
            {"name": profile.volume_name, "configMap": {"name": configmap}},
        ),
    ]
    return tuple(edits)


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


def _error(
    document: Document, namespace: str, rule: str, message: str, container: str | None = None
) -> Plan:
    return Plan(
        document=document,
        namespace=namespace,
        status=Status.ERROR,
        container=container,
        findings=(finding(rule, message),),
    )
