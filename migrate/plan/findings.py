"""The catalogue of finding IDs: the one list of everything ``migrate`` can report.

This module owns the stable IDs, their usual severity and their one-line
titles; ``docs/findings.md`` has one section per ID (a test keeps the two in
step). Code raises findings only through :func:`finding`, so an ID that is
not catalogued cannot reach a report.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.model import Finding, Severity


@dataclass(frozen=True)
class Kind:
    """One finding ID: its usual severity and what it is about."""

    id: str
    severity: Severity
    title: str


_KINDS = (
    # What an upgrade without care would break.
    Kind("silent-revert", Severity.WARNING, "an upgrade without the overlay drops customised keys"),
    Kind(
        "vector-store-risk",
        Severity.WARNING,
        "the embedding model or dimension differs from the target chart's defaults",
    ),
    Kind(
        "chart-default-hazard",
        Severity.ERROR,
        "a chart default breaks what the pod uses (a warning where the pod's value is kept)",
    ),
    Kind("drift-conflict", Severity.WARNING, "the chart and the env both changed one key"),
    # The configuration itself.
    Kind(
        "vllm-auto-registration",
        Severity.WARNING,
        "the embedding model is served by a vLLM provider that registers its models itself",
    ),
    Kind(
        "vector-provider-not-enabled",
        Severity.WARNING,
        "the default vector store provider is not enabled",
    ),
    Kind(
        "embedding-provider-not-enabled",
        Severity.ERROR,
        "the default embedding model's provider is not enabled",
    ),
    Kind(
        "legacy-placeholder",
        Severity.WARNING,
        "a placeholder of the old dialect stays literal text",
    ),
    # The env of the pod.
    Kind(
        "unused-variable",
        Severity.WARNING,
        "a migrated-looking variable that the template never reads",
    ),
    Kind(
        "secret-variable",
        Severity.WARNING,
        "a migrated variable comes from a Secret and stays an env var",
    ),
    Kind(
        "unresolved-reference",
        Severity.WARNING,
        "an env reference names a ConfigMap or key that is not in the input",
    ),
    Kind("value-not-inlined", Severity.WARNING, "a migrated variable stays an env var"),
    Kind(
        "env-not-in-overlay",
        Severity.WARNING,
        "a kept variable must still reach the pod, and the overlay cannot set it",
    ),
    Kind(
        "env-not-carried",
        Severity.ERROR,
        "a variable must stay an env var, and the target chart cannot set it",
    ),
    Kind("env-problem", Severity.WARNING, "the container's env has an entry to look at"),
    Kind(
        "namespace-not-given",
        Severity.INFO,
        "the manifest names no namespace and none was given with -n",
    ),
    # After the migration.
    Kind(
        "no-rollout-trigger",
        Severity.INFO,
        "nothing restarts the pods when the ConfigMap changes",
    ),
    # Reading a cluster (`migrate scan`).
    Kind("namespace-forbidden", Severity.WARNING, "a namespace could not be read (401/403)"),
    Kind(
        "api-unavailable",
        Severity.ERROR,
        "the API server failed or timed out, after retries",
    ),
    Kind(
        "helm-release-unreadable",
        Severity.WARNING,
        "no deployed revision of the workload's Helm release could be read",
    ),
    Kind(
        "helm-values-mismatch",
        Severity.WARNING,
        "the Helm release's values do not explain the pod's env",
    ),
    # Workloads that are not migrated, and why.
    Kind(
        "own-config",
        Severity.INFO,
        "the pod runs Llama Stack with its own config, not the image's run.yaml",
    ),
    Kind(
        "kind-not-migrated",
        Severity.WARNING,
        "a workload of a kind migrate does not convert runs the Llama Stack container",
    ),
    Kind(
        "older-image",
        Severity.WARNING,
        "the pod's env shows an older chart, whose image may bake another run.yaml",
    ),
    # Workloads that cannot be migrated.
    Kind("workload-invalid", Severity.ERROR, "the workload is not a valid pod template"),
    Kind(
        "container-ambiguous",
        Severity.ERROR,
        "more than one container looks like Llama Stack",
    ),
    Kind(
        "configmap-too-large",
        Severity.ERROR,
        "the run.yaml does not fit into a ConfigMap (1 MiB)",
    ),
    Kind(
        "shared-node",
        Severity.ERROR,
        "a node the migration edits is a YAML anchor that an alias shares",
    ),
    Kind(
        "layout-conflict",
        Severity.ERROR,
        "the pod already uses the new layout's names or a run config of its own",
    ),
    Kind(
        "target-cannot-carry",
        Severity.ERROR,
        "the target chart's values cannot render the run.yaml the pod needs",
    ),
    Kind(
        "verify-mismatch",
        Severity.ERROR,
        "the chart rendered by Helm with the overlay resolves differently from the old pod",
    ),
    Kind("self-check", Severity.ERROR, "a result failed its own check; nothing was written"),
)

CATALOGUE: dict[str, Kind] = {kind.id: kind for kind in _KINDS}


def finding(id: str, message: str, severity: Severity | None = None) -> Finding:
    """A finding of a catalogued kind; ``severity`` overrides the usual one."""
    kind = CATALOGUE[id]
    return Finding(id, severity or kind.severity, message)


SEVERITY_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def at_least(severity: Severity, threshold: Severity) -> bool:
    """Whether ``severity`` is ``threshold`` or worse."""
    return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold]


def render(kinds: list[Kind], output: str) -> str:
    """The catalogue as a table (text, markdown) or data (json, yaml)."""
    rows = [{"id": k.id, "severity": k.severity.value, "title": k.title} for k in kinds]
    if output == "json":
        import json

        return json.dumps(rows, indent=2) + "\n"
    if output == "yaml":
        from migrate.yaml.io import dump_run_yaml

        return dump_run_yaml(rows)
    if output == "markdown":
        lines = ["| ID | Severity | About |", "|---|---|---|"]
        lines += [f"| [`{r['id']}`](#{r['id']}) | {r['severity']} | {r['title']} |" for r in rows]
        return "\n".join(lines) + "\n"
    width = max(len(r["id"]) for r in rows)
    return "".join(
        f"{r['id'].ljust(width)}  {r['severity'].ljust(7)}  {r['title']}\n" for r in rows
    )
