"""The ``migrate`` command line: options → core call → summary → exit code.

This module owns the commands and their options, the one place where errors
become exit codes, and the short summary a person reads. It imports the
pipeline only inside commands, so ``migrate --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from migrate import __version__
from migrate.errors import EXIT_FINDINGS, EXIT_OK, MigrateError

if TYPE_CHECKING:
    from migrate.model import Plan
    from migrate.pipeline import Result

EXIT_CODES = """Exit codes: 0 done; 1 a workload could not be migrated; 2 usage or
unreadable input, or output that would be overwritten; 3 cluster access failed."""

app = typer.Typer(
    name="migrate",
    help="Move Llama Stack deployments from VECTOR_STORE_* env vars to a runConfig "
    "ConfigMap, faithfully.\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migrate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Move Llama Stack deployments from VECTOR_STORE_* env vars to a runConfig ConfigMap."""


@app.command(epilog=EXIT_CODES)
def convert(
    filenames: Annotated[
        list[str],
        typer.Option(
            "-f",
            "--filename",
            metavar="PATH",
            help="Manifest file or directory ('-' reads stdin). Repeatable.",
        ),
    ],
    recursive: Annotated[
        bool, typer.Option("-R", "--recursive", help="Descend into directories.")
    ] = False,
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir", "-d", metavar="DIR", help="Where to write <namespace>/<name>/."
        ),
    ] = Path("migrated"),
    stdout: Annotated[
        bool,
        typer.Option("--stdout", help="Print the patched manifests and ConfigMaps; write no file."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite existing output files.")
    ] = False,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            metavar="FILE",
            help="The image's legacy run.yaml, if not the built-in one.",
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart", metavar="DIR", help="Read the target defaults from this chart's values.yaml."
        ),
    ] = None,
    migrate_var: Annotated[
        list[str] | None,
        typer.Option(
            "--migrate-var",
            metavar="GLOB",
            help="Also bake these variables (shell glob) into runConfig. Repeatable.",
        ),
    ] = None,
    preserve_behavior: Annotated[
        bool,
        typer.Option(
            "--preserve-behavior",
            help="Pin keys whose chart defaults changed to what the pod ran before.",
        ),
    ] = False,
) -> None:
    """Convert manifest files offline: overlay, patched workload and ConfigMap per workload."""
    try:
        from migrate import output, pipeline, profile

        chosen = profile.load(template=template, chart=chart, extra_vars=tuple(migrate_var or ()))
        documents = pipeline.load(filenames, recursive)
        result = pipeline.convert(documents, chosen, preserve_behavior=preserve_behavior)
        artifacts = [a for o in result.outcomes for a in o.artifacts]
        if stdout:
            manifests = [a.text for a in artifacts if a.path.name not in (pipeline.OVERLAY_FILE,)]
            sys.stdout.write(_stream(manifests))
            _summary(result, None, sys.stderr)
        else:
            output.write(output_dir, artifacts, force=force)
            _summary(result, output_dir, sys.stdout)
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    raise typer.Exit(EXIT_FINDINGS if result.failed else EXIT_OK)


def _stream(documents: list[str]) -> str:
    """One multi-document YAML stream; a document that opens with its own '---' keeps it."""
    parts: list[str] = []
    for index, text in enumerate(documents):
        first = next(
            (line for line in text.splitlines() if line.strip() and not line.startswith("#")), ""
        )
        if index and not first.startswith("---"):
            parts.append("---\n")
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def _summary(result: Result, output_dir: Path | None, stream: TextIO) -> None:
    from migrate.model import Classification, Status

    lines: list[str] = []
    for outcome in result.outcomes:
        plan = outcome.plan
        if plan.status is Status.NOT_LLAMA_STACK:
            continue
        lines.append(f"{plan.label}: {plan.status.value}")
        if plan.status is Status.NEEDS_MIGRATION:
            baked = [v.name for v in plan.variables if v.classification is Classification.MIGRATED]
            kept = [v.name for v in plan.variables if v.classification is Classification.KEPT]
            keys = sum(1 for _ in _overlay_leaves(plan.overlay))
            lines.append(
                f"  baked: {', '.join(baked) or 'none'}; overlay keys: {keys}"
                + (f"; kept as env: {', '.join(kept)}" if kept else "")
            )
            adopted = [d for d in plan.drift if d.adopted]
            if adopted:
                from migrate.engine.evaluate import format_path

                lines.append(
                    "  chart defaults adopted: "
                    + ", ".join(format_path(d.path) for d in adopted)
                    + " (--preserve-behavior keeps the old values)"
                )
            if output_dir is not None:
                folder = output_dir / plan.namespace / plan.name
                lines.append(f"  wrote {folder}/")
                lines.append(f"  next: {_next_step(plan, folder)}")
            if not outcome.exact:
                lines.append("  note: the manifest was re-serialised (layout not kept exactly)")
        for finding in plan.findings:
            lines.append(f"  {finding.severity.value}: {finding.message} [{finding.id}]")
    workloads = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    migrated = len(result.by_status(Status.NEEDS_MIGRATION))
    lines.append(
        f"{result.documents} documents, {len(workloads)} Llama Stack workloads: "
        f"{migrated} to migrate, {len(result.by_status(Status.ALREADY_MIGRATED))} already "
        f"migrated, {len(result.by_status(Status.ERROR))} errors"
    )
    stream.write("\n".join(lines) + "\n")


def _next_step(plan: Plan, folder: Path) -> str:
    """The command that applies the result: helm for Helm-managed workloads, else kubectl."""
    metadata = plan.document.data.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    release = annotations.get("meta.helm.sh/release-name")
    if release:
        return (
            f"helm upgrade {release} <new chart> -n {plan.namespace} "
            f"-f <your values> -f {folder}/values-overlay.yaml"
        )
    return f"kubectl apply -f {folder}/configmap.yaml -f {folder}/{plan.kind.lower()}.yaml"


def _overlay_leaves(overlay: object) -> list[object]:
    from migrate.engine.overlay import leaves

    return list(leaves(overlay)) if overlay else []


def main() -> None:
    """Console-script entry point."""
    app()
