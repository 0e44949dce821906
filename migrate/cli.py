"""The ``migrate`` command line: options → core call → summary → exit code.

This module owns the commands and their options, the one place where errors
become exit codes, and the short summary a person reads. It imports the
pipeline only inside commands, so ``migrate --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from migrate import __version__
from migrate.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, MigrateError

EXIT_CODES = """Exit codes (every command): 0 done, no finding at or above --fail-on;
1 findings at or above --fail-on (default: error); 2 usage error, unreadable
input, or output that would be overwritten; 3 cluster access failed."""

app = typer.Typer(
    name="migrate",
    help="Move Llama Stack deployments from VECTOR_STORE_* env vars to a runConfig "
    "ConfigMap, faithfully.\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@contextlib.contextmanager
def _collect_less() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while a run builds its documents.

    A run holds thousands of small, acyclic trees (reference counting frees
    them); the collector's default rhythm scans them again and again, which
    cost a tenth of a large conversion.
    """
    import gc

    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


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


_OUTPUT_HELP = (
    "Report format: text, json, markdown or yaml (default: text, or from --report's suffix)."
)
_SUFFIX_FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".yaml": "yaml"}
_SUFFIX_FORMATS[".yml"] = "yaml"


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return value


TemplateOption = Annotated[
    Path | None,
    typer.Option(
        "--template", metavar="FILE", help="The image's legacy run.yaml, if not the built-in one."
    ),
]
ChartOption = Annotated[
    Path | None,
    typer.Option(
        "--chart",
        metavar="PATH",
        help="The chart you upgrade to (directory or .tgz): its layout and defaults.",
    ),
]
TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        metavar="NAME",
        help="Built-in target chart (default: the newest; `migrate targets` lists them).",
    ),
]
ValuesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--values",
        metavar="FILE",
        help="The release's current values, as for `helm upgrade -f`. Repeatable.",
    ),
]
VerifyOption = Annotated[
    bool,
    typer.Option(
        "--verify",
        help="Render --chart with Helm (the [helm] extra) and check each result resolves "
        "like the old pod.",
    ),
]
AssumeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--assume",
        metavar="NAME=VALUE",
        help="Take NAME's value as VALUE where it is not known offline (a Secret, a "
        "ConfigMap not given, an unset HOME), so it can be baked. Repeatable.",
    ),
]
AdoptOption = Annotated[
    bool,
    typer.Option(
        "--adopt-chart-defaults",
        help="Adopt every changed chart default, also those that break what the pod uses.",
    ),
]
FormatOption = Annotated[
    str, typer.Option("-o", "--output", metavar="FORMAT", help="text, json, markdown or yaml.")
]


DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Write no file; print what would be done.")
]
FormatChoiceOption = Annotated[
    str | None, typer.Option("-o", "--output", metavar="FORMAT", help=_OUTPUT_HELP)
]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", metavar="FILE", help="Write the report to FILE, not stdout."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")]
MigrateVarOption = Annotated[
    list[str] | None,
    typer.Option(
        "--migrate-var",
        metavar="GLOB",
        help="Also bake these variables (shell glob) into runConfig. Repeatable.",
    ),
]
AllowCredentialsOption = Annotated[
    bool,
    typer.Option(
        "--allow-credentials",
        help="Let --migrate-var bake variables whose names look like credentials.",
    ),
]
PreserveOption = Annotated[
    bool,
    typer.Option(
        "--preserve-behavior",
        help="Pin every key whose chart default changed to what the pod ran before.",
    ),
]
IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="ID",
        help="Silence a finding: 'ID' or 'ID NAMESPACE/NAME' (glob). Repeatable.",
    ),
]
IgnoreFileOption = Annotated[
    Path | None,
    typer.Option("--ignore-file", metavar="FILE", help="Ignore rules, one per line."),
]
FailOnOption = Annotated[
    str,
    typer.Option(
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 1 on findings of this severity or worse: error, warning, info, none.",
    ),
]


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
    namespace: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--namespace",
            metavar="NS",
            help="Namespace of objects that name none (helm template output), as kubectl -n.",
        ),
    ] = None,
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir", "-d", metavar="DIR", help="Where to write <namespace>/<name>/."
        ),
    ] = Path("migrated"),
    dry_run: DryRunOption = False,
    output: FormatChoiceOption = None,
    report_file: ReportOption = None,
    stdout: Annotated[
        bool,
        typer.Option("--stdout", help="Print the patched manifests and ConfigMaps; write no file."),
    ] = False,
    force: ForceOption = False,
    template: TemplateOption = None,
    target: TargetOption = None,
    chart: ChartOption = None,
    values_files: ValuesOption = None,
    verify: VerifyOption = False,
    migrate_var: MigrateVarOption = None,
    allow_credentials: AllowCredentialsOption = False,
    assume: AssumeOption = None,
    preserve_behavior: PreserveOption = False,
    adopt_defaults: AdoptOption = False,
    ignore: IgnoreOption = None,
    ignore_file: IgnoreFileOption = None,
    fail_on: FailOnOption = "error",
) -> None:
    """Convert manifest files offline: overlay, patched workload and ConfigMap per workload."""
    _choice(output, _report_formats(), "--output")
    _choice(fail_on, ("error", "warning", "info", "none"), "--fail-on")
    _check_policy(preserve_behavior, adopt_defaults, verify, chart)
    assumptions = _assumptions(assume, allow_credentials)
    try:
        with _collect_less():
            from migrate.app import convert as pipeline
            from migrate.emit import files as writer

            rules, chosen = _start(
                ignore,
                ignore_file,
                report_file,
                force,
                template,
                (target, chart, tuple(values_files or ())),
                migrate_var,
                allow_credentials,
            )
            # A document that cannot be read is an error of its own; the others go on.
            problems: list[str] = []
            documents = pipeline.load(filenames, recursive, problems)
            result = pipeline.convert(
                documents,
                chosen,
                preserve_behavior=preserve_behavior,
                adopt_defaults=adopt_defaults,
                verify=verify,
                assume=assumptions,
                namespace=namespace,
                problems=problems,
            )
            artifacts = [a for o in result.outcomes for a in o.artifacts]
            files: dict[int, list[str]] = {}
            if not stdout:
                for index, outcome in enumerate(result.outcomes):
                    files[index] = [
                        str(output_dir.joinpath(*a.path.parts)) for a in outcome.artifacts
                    ]
            if stdout:
                manifests = [a.text for a in artifacts if a.path.name != pipeline.OVERLAY_FILE]
                if not dry_run:
                    sys.stdout.write(writer.stream(manifests))
            elif not dry_run:
                writer.write(output_dir, artifacts, force=force)
            data = _report(
                "convert",
                result.outcomes,
                result.documents,
                chosen,
                dry_run=dry_run,
                preserve_behavior=preserve_behavior,
                adopt_defaults=adopt_defaults,
                verify=verify,
                fail_on=fail_on,
                rules=rules,
                output_dir=output_dir,
                chart=chart,
                files=files,
                input_errors=problems,
            )
            for problem in problems:
                typer.echo(f"error: {problem}", err=True)
            # With --stdout the manifests own stdout: the report goes to stderr.
            _emit(
                data,
                output,
                report_file,
                stream=sys.stderr if stdout and not dry_run else None,
                force=force,
            )
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    if problems:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if data["summary"]["failed"] else EXIT_OK)


def _report(
    command: str,
    outcomes: Any,
    documents: int,
    chosen: Any,
    *,
    dry_run: bool,
    preserve_behavior: bool,
    adopt_defaults: bool,
    verify: bool,
    fail_on: str,
    rules: list[Any],
    output_dir: Path,
    chart: Path | None,
    **extra: Any,
) -> dict[str, Any]:
    """The report of a convert or scan run, as data."""
    from migrate import report
    from migrate.model import FailOn

    options = report.Options(
        command=command,
        dry_run=dry_run,
        preserve_behavior=preserve_behavior,
        adopt_defaults=adopt_defaults,
        verify=verify,
        fail_on=FailOn(fail_on),
        rules=tuple(rules),
        output_dir=str(output_dir),
        chart=str(chart) if chart is not None else None,
    )
    return report.build(outcomes, documents, options, profile=chosen, **extra)


def _assumptions(pairs: list[str] | None, allow_credentials: bool) -> dict[str, str]:
    """``--assume NAME=VALUE`` pairs; a credential-like name needs --allow-credentials."""
    from migrate.chart.profile import looks_like_credential
    from migrate.engine.kube_env import is_valid_name

    found: dict[str, str] = {}
    for pair in pairs or ():
        name, sign, value = pair.partition("=")
        if not sign or not is_valid_name(name):
            raise typer.BadParameter(
                f"{pair!r} is not NAME=VALUE with a valid env var name", param_hint="--assume"
            )
        if looks_like_credential(name) and not allow_credentials:
            raise typer.BadParameter(
                f"{name} looks like a credential, and an assumed value is baked into a "
                "ConfigMap, which is not secret; pass --allow-credentials to do it anyway",
                param_hint="--assume",
            )
        found[name] = value
    return found


def _check_policy(
    preserve_behavior: bool, adopt_defaults: bool, verify: bool, chart: Path | None
) -> None:
    if preserve_behavior and adopt_defaults:
        raise typer.BadParameter(
            "keep every old value or adopt every new default, not both",
            param_hint="--preserve-behavior / --adopt-chart-defaults",
        )
    if verify and chart is None:
        raise typer.BadParameter(
            "--verify renders the chart you upgrade to: give it with --chart PATH",
            param_hint="--verify",
        )


def _check_report_file(report_file: Path | None, force: bool) -> None:
    """Refuse an existing --report FILE before anything is written, unless --force."""
    from migrate.errors import OutputError

    if report_file is not None and report_file.exists() and not force:
        raise OutputError(f"would overwrite {report_file}; pass --force to replace")


def _report_formats() -> tuple[str, ...]:
    return ("text", "json", "markdown", "yaml")


def _start(
    ignore: list[str] | None,
    ignore_file: Path | None,
    report_file: Path | None,
    force: bool,
    template: Path | None,
    target: tuple[str | None, Path | None, tuple[Path, ...]],
    migrate_var: list[str] | None,
    allow_credentials: bool,
) -> tuple[list[Any], Any]:
    """What convert and scan check and load before reading anything: ignore rules,
    the report file, and the profile with its target (name, chart, release values)."""
    from migrate.chart import profile

    rules = _rules(ignore or [], ignore_file)
    _check_report_file(report_file, force)
    name, chart, values = target
    chosen = profile.load(
        template=template,
        target=name,
        chart=chart,
        values=values,
        extra_vars=tuple(migrate_var or ()),
        allow_credentials=allow_credentials,
    )
    return rules, chosen


def _rules(ignore: list[str], ignore_file: Path | None) -> list[Any]:
    from migrate import report

    rules = [report.parse_rule(text, f"--ignore {text!r}") for text in ignore]
    if ignore_file is not None:
        try:
            text = ignore_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{ignore_file}: cannot read: {error}") from None
        rules += report.read_rules(text, str(ignore_file))
    return rules


def _emit(
    data: Mapping[str, Any],
    output: str | None,
    report_file: Path | None,
    *,
    stream: TextIO | None = None,
    force: bool = False,
) -> None:
    """Payload to --report FILE or ``stream`` (stdout); the one-line summary to stderr."""
    from migrate import report

    chosen = output or (
        _SUFFIX_FORMATS.get(report_file.suffix.lower(), "text") if report_file else "text"
    )
    if report_file is not None:
        from migrate.emit.files import write_new_file

        write_new_file(report_file, report.render(data, chosen), force=force)
    else:
        target = stream or sys.stdout
        if chosen == "text" and target.isatty():
            from migrate.report.text import print_rich

            print_rich(data, target)
        else:
            target.write(report.render(data, chosen))
            target.flush()
    typer.echo(report.summary_line(data), err=True)


@app.command(epilog=EXIT_CODES)
def scan(
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", metavar="FILE", help="Kubeconfig file (default: kubectl's)."),
    ] = None,
    context: Annotated[
        list[str] | None,
        typer.Option("--context", metavar="NAME", help="Context to scan. Repeatable."),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("-n", "--namespace", metavar="NS", help="Namespace to scan. Repeatable."),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="Scan every namespace.")
    ] = False,
    selector: Annotated[
        str | None,
        typer.Option("-l", "--selector", metavar="SELECTOR", help="Label selector for workloads."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Per request.", min=0.1)
    ] = 30.0,
    helm_values: Annotated[
        bool,
        typer.Option(
            "--helm-values",
            help="Also write helm-values.yaml: the release's deployed values, converted.",
        ),
    ] = False,
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir",
            "-d",
            metavar="DIR",
            help="Where to write <context>/<namespace>/<name>/.",
        ),
    ] = Path("migrated"),
    dry_run: DryRunOption = False,
    output: FormatChoiceOption = None,
    report_file: ReportOption = None,
    force: ForceOption = False,
    template: TemplateOption = None,
    target: TargetOption = None,
    chart: ChartOption = None,
    values_files: ValuesOption = None,
    verify: VerifyOption = False,
    migrate_var: MigrateVarOption = None,
    allow_credentials: AllowCredentialsOption = False,
    assume: AssumeOption = None,
    preserve_behavior: PreserveOption = False,
    adopt_defaults: AdoptOption = False,
    ignore: IgnoreOption = None,
    ignore_file: IgnoreFileOption = None,
    fail_on: FailOnOption = "error",
) -> None:
    """Scan live clusters, read-only (GET requests only): the same report and files as convert."""
    _choice(output, _report_formats(), "--output")
    _choice(fail_on, ("error", "warning", "info", "none"), "--fail-on")
    _check_policy(preserve_behavior, adopt_defaults, verify, chart)
    assumptions = _assumptions(assume, allow_credentials)
    if all_namespaces and namespace:
        raise typer.BadParameter("use -A or -n, not both", param_hint="--all-namespaces")
    try:
        with _collect_less():
            from migrate.app import scan as scanner
            from migrate.emit import files as writer

            rules, chosen = _start(
                ignore,
                ignore_file,
                report_file,
                force,
                template,
                (target, chart, tuple(values_files or ())),
                migrate_var,
                allow_credentials,
            )
            with _progress() as on_page:
                results = scanner.scan(
                    kubeconfig,
                    context or [],
                    chosen,
                    namespaces=namespace or [],
                    all_namespaces=all_namespaces,
                    selector=selector,
                    timeout=timeout,
                    preserve_behavior=preserve_behavior,
                    adopt_defaults=adopt_defaults,
                    verify=verify,
                    assume=assumptions,
                    helm_values=helm_values,
                    on_page=on_page,
                )
            outcomes = [o for r in results for o in r.result.outcomes]
            contexts = [r.context for r in results for _ in r.result.outcomes]
            files = {
                index: [
                    str(output_dir / scanner.folder(contexts[index]) / a.path) for a in o.artifacts
                ]
                for index, o in enumerate(outcomes)
            }
            if not dry_run:
                writer.write(output_dir, scanner.artifacts(results), force=force)
            data = _report(
                "scan",
                outcomes,
                sum(r.result.documents for r in results),
                chosen,
                dry_run=dry_run,
                preserve_behavior=preserve_behavior,
                adopt_defaults=adopt_defaults,
                verify=verify,
                fail_on=fail_on,
                rules=rules,
                output_dir=output_dir,
                chart=chart,
                files=files,
                contexts=contexts,
                scan=[
                    {
                        "context": r.context,
                        "namespaces": r.namespaces,
                        "requests": r.requests,
                        "faults": r.faults,
                    }
                    for r in results
                ],
            )
            _emit(data, output, report_file, force=force)
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    raise typer.Exit(EXIT_FINDINGS if data["summary"]["failed"] else EXIT_OK)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str], None] | None]:
    """A spinner naming the page being read, on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("connecting") as status:
        pages = 0

        def on_page(label: str) -> None:
            nonlocal pages
            pages += 1
            status.update(f"{label} (page {pages})")

        yield on_page


@app.command(epilog=EXIT_CODES)
def mapping(
    template: TemplateOption = None,
    target: TargetOption = None,
    chart: ChartOption = None,
    migrate_var: Annotated[
        list[str] | None,
        typer.Option("--migrate-var", metavar="GLOB", help="Also list these variables."),
    ] = None,
    output: FormatOption = "text",
) -> None:
    """Print the env var → run.yaml key table derived from the template, with the values
    key that sets each in the target chart."""
    _choice(output, _report_formats(), "--output")
    try:
        from migrate.chart import profile
        from migrate.report import mapping as table

        chosen = profile.load(
            template=template, target=target, chart=chart, extra_vars=tuple(migrate_var or ())
        )
        sys.stdout.write(table.render(table.build(chosen), output))
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


@app.command(epilog=EXIT_CODES)
def targets(
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            metavar="PATH",
            help="Also tell which layout this chart (directory or .tgz) has.",
        ),
    ] = None,
    output: FormatOption = "text",
) -> None:
    """List the target charts: the built-in ones, and with --chart what that chart is."""
    _choice(output, _report_formats(), "--output")
    try:
        from migrate.chart import profile
        from migrate.chart import target as layouts

        chosen = profile.load(chart=chart)
        default = profile.load().target.name
        rows = [
            layouts.summary(t, default=t.name == default)
            for t in sorted(chosen.targets.values(), key=lambda t: t.name != default)
        ]
        if chart is not None:
            rows.append(layouts.summary(chosen.target, default=False))
        sys.stdout.write(layouts.render_summaries(rows, output))
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


@app.command(epilog=EXIT_CODES)
def findings(
    output: FormatOption = "text",
) -> None:
    """List every finding ID with its usual severity (docs/findings.md explains each)."""
    _choice(output, _report_formats(), "--output")
    from migrate.plan.findings import CATALOGUE, render

    sys.stdout.write(render(list(CATALOGUE.values()), output))


@app.command(epilog=EXIT_CODES)
def values(
    old_values: Annotated[
        str,
        typer.Argument(
            metavar="OLD_VALUES.yaml", help="Values file of the old chart ('-': stdin)."
        ),
    ],
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file", metavar="FILE", help="Write the new values here, not stdout."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing --output-file.")
    ] = False,
    template: TemplateOption = None,
    target: TargetOption = None,
    chart: ChartOption = None,
    preserve_behavior: Annotated[
        bool,
        typer.Option(
            "--preserve-behavior",
            help="Pin every key whose chart default changed to what the old values ran.",
        ),
    ] = False,
    adopt_defaults: AdoptOption = False,
    fail_on: FailOnOption = "error",
) -> None:
    """Turn values of the old chart (vectorStore:) into values for the chart you upgrade to."""
    _choice(fail_on, ("error", "warning", "info", "none"), "--fail-on")
    _check_policy(preserve_behavior, adopt_defaults, False, chart)
    try:
        from migrate.chart import profile
        from migrate.engine.evaluate import format_path
        from migrate.plan import values as converter
        from migrate.report.diff import changes
        from migrate.sources import manifests

        chosen = profile.load(template=template, target=target, chart=chart)
        name = "<stdin>" if old_values == "-" else old_values
        result = converter.convert(
            manifests.read(old_values),
            name,
            chosen,
            preserve_behavior=preserve_behavior,
            adopt_defaults=adopt_defaults,
        )
        if output_file is not None:
            from migrate.emit.files import write_new_file

            write_new_file(output_file, result.text, force=force)
        else:
            sys.stdout.write(result.text)
            sys.stdout.flush()
        for found in result.findings:
            typer.echo(f"{found.severity.value}: {found.message} [{found.id}]", err=True)
        section, where = chosen.legacy_section, f"target {chosen.target.name}"
        if result.already_migrated:
            summary = (
                f"{name}: already migrated for {where} (no '{section}' section; the values "
                "set the chart's own keys); unchanged"
            )
        else:
            written = ", ".join(f"'{key}'" for key in result.written or {}) or "no key"
            count = len(changes(chosen.target.defaults, result.target.desired))
            origin = f"'{section}'" if result.section_found else f"no '{section}' section"
            summary = (
                f"{name}: {origin} -> {written} for {where} ({count} "
                f"{'value differs' if count == 1 else 'values differ'} from the chart defaults)"
            )
            if result.kept:
                summary += f"; kept as env vars: {', '.join(sorted(result.kept))}"
            pinned = sorted({format_path(path) for path, _ in result.target.pinned})
            if pinned:
                summary += "; kept as the old values ran them: " + ", ".join(pinned)
            drift = [] if preserve_behavior else _drifted(result.target)
            if drift:
                summary += "; chart defaults adopted: " + ", ".join(
                    format_path(path) for path in drift
                )
        counts = {
            severity: sum(1 for f in result.findings if f.severity.value == severity)
            for severity in ("error", "warning", "info")
        }
        summary += (
            f"; findings: {counts['error']} error, {counts['warning']} warning, "
            f"{counts['info']} info"
        )
        failed = converter.failed(result.findings, fail_on)
        if failed:
            written_to = "written to " + str(output_file) if output_file else "printed"
            summary += (
                f"; the new values were {written_to} all the same, with the findings at or "
                f"above --fail-on {fail_on} named above: resolve them before `helm upgrade`"
            )
        typer.echo(summary, err=True)
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


def _drifted(resolution: Any) -> list[Any]:
    """Keys where the new values render other than what the old ones ran: chart defaults
    adopted (those kept as the old values ran them are not among them)."""
    from migrate.report.diff import changes

    return [c.path for c in changes(resolution.evaluation.tree, resolution.desired)]


def main() -> None:
    """Console-script entry point."""
    app()
