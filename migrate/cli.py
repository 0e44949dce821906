"""The ``migrate`` command line: options → one core call → exit code.

This module owns the commands and their options: it turns option values
into the core's requests (formats, fail-on levels, the policy, assumed
values), makes one call per command, and is the one place where errors
become exit codes (:func:`_run`). It imports the core only inside commands,
so ``migrate --help`` stays fast.

Over 400 lines because typer reads each command's options from its
signature: six commands take some forty options between them, each declared
once here. Every function is a command, an option check, or the error
mapping.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from migrate import __version__
from migrate.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, MigrateError

if TYPE_CHECKING:
    from migrate.app import run
    from migrate.report.formats import Format

EXIT_CODES = """Exit codes (every command): 0 done, no finding at or above --fail-on;
1 findings at or above --fail-on (default: error); 2 usage error, unreadable
input, or output that would be overwritten; 3 cluster access failed (or, with
--deadline, a context gave nothing in time); 130 scan interrupted (Ctrl-C)."""


class _Migrate(typer.Typer):
    """The command group, built with only the command asked for.

    typer makes each command's options anew at every run (some forty options,
    their types and their parsers): tens of milliseconds, most of them for the
    commands not run. Where the first argument names a command, the group is
    built with that command alone, the same group otherwise: its usage, help
    and errors read the same. Anything else (no command, an option first, a
    misspelt command, shell completion) gets the whole group.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        arguments: Sequence[str] | None = kwargs.get("args", args[0] if args else None)
        if arguments is None:
            arguments = sys.argv[1:]
        name = arguments[0] if arguments else None
        asked = [command for command in self.registered_commands if _name_of(command) == name]
        completing = any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ)
        if len(asked) != 1 or completing:
            return super().__call__(*args, **kwargs)
        alone = copy.copy(self)
        alone.registered_commands = asked
        return typer.Typer.__call__(alone, *args, **kwargs)


def _name_of(command: Any) -> str | None:
    """A registered command's name, as typer names it."""
    if command.name:
        return str(command.name)
    callback = command.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


app = _Migrate(
    name="migrate",
    help="Move Llama Stack deployments from VECTOR_STORE_* env vars to a runConfig "
    "ConfigMap, faithfully.\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
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


_OUTPUT_HELP = (
    "Report format: text, json, markdown or yaml (default: text, or from --report's suffix)."
)


# Shell completion of option values (`migrate --install-completion`): each runs only
# when the shell asks, so its imports cost --help nothing.
def _complete_format(incomplete: str) -> list[str]:
    from migrate.report.formats import Format

    return [name for name in Format if name.startswith(incomplete)]


def _complete_fail_on(incomplete: str) -> list[str]:
    from migrate.model import FailOn

    return [name for name in FailOn if name.startswith(incomplete)]


def _complete_target(incomplete: str) -> list[str]:
    from migrate.chart import profile

    return [name for name in sorted(profile.load().targets) if name.startswith(incomplete)]


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
        autocompletion=_complete_target,
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
    str,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="text, json, markdown or yaml.",
        autocompletion=_complete_format,
    ),
]


DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Write no file; print what would be done.")
]
FormatChoiceOption = Annotated[
    str | None,
    typer.Option(
        "-o", "--output", metavar="FORMAT", help=_OUTPUT_HELP, autocompletion=_complete_format
    ),
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
        help="Let --migrate-var and --assume bake variables whose names look like credentials.",
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
        autocompletion=_complete_fail_on,
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
    helm_history: Annotated[
        Path | None,
        typer.Option(
            "--helm-history",
            metavar="DIR",
            help="Helm release Secrets exported as YAML (kubectl get secret -l owner=helm "
            "-o yaml): check migrated workloads against the revisions before their upgrade.",
        ),
    ] = None,
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
    request = _request(
        output=output,
        fail_on=fail_on,
        preserve_behavior=preserve_behavior,
        adopt_defaults=adopt_defaults,
        verify=verify,
        assume=assume,
        allow_credentials=allow_credentials,
        output_dir=output_dir,
        dry_run=dry_run,
        report_file=report_file,
        force=force,
        template=template,
        target=target,
        chart=chart,
        values_files=values_files,
        migrate_var=migrate_var,
        ignore=ignore,
        ignore_file=ignore_file,
    )

    def run_convert() -> int:
        from migrate.app import convert as command
        from migrate.sources.files import Files

        source = Files(filenames, recursive, namespace)
        return command.main(request, source, _say, stdout=stdout, helm_history=helm_history)

    _run(run_convert)


def _request(
    *,
    output: str | None,
    fail_on: str,
    preserve_behavior: bool,
    adopt_defaults: bool,
    verify: bool,
    assume: list[str] | None,
    allow_credentials: bool,
    output_dir: Path,
    dry_run: bool,
    report_file: Path | None,
    force: bool,
    template: Path | None,
    target: str | None,
    chart: Path | None,
    values_files: list[Path] | None,
    migrate_var: list[str] | None,
    ignore: list[str] | None,
    ignore_file: Path | None,
) -> run.Request:
    """What convert and scan ask of the core, from the options they share; usage errors
    first, in the order the options are checked."""
    from migrate.app import run
    from migrate.app.result import Policy
    from migrate.model import FailOn

    chosen = _format(output) if output is not None else None
    _choice(fail_on, tuple(FailOn), "--fail-on")
    _check_policy(preserve_behavior, adopt_defaults, verify, chart)
    assumptions = _assumptions(assume, allow_credentials)
    return run.Request(
        output_dir=output_dir,
        dry_run=dry_run,
        output=chosen,
        report_file=report_file,
        force=force,
        template=template,
        target=target,
        chart=chart,
        values_files=tuple(values_files or ()),
        migrate_var=tuple(migrate_var or ()),
        allow_credentials=allow_credentials,
        policy=Policy(preserve_behavior, adopt_defaults, verify, assumptions),
        ignore=tuple(ignore or ()),
        ignore_file=ignore_file,
        fail_on=FailOn(fail_on),
    )


def _format(output: str) -> Format:
    """``-o/--output`` as a report format."""
    from migrate.report.formats import Format

    _choice(output, tuple(Format), "--output")
    return Format(output)


def _run(command: Callable[[], int]) -> NoReturn:
    """Run one command's core: the one place where errors become exit codes."""
    try:
        code = command()
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:  # where a command does not stop on its own terms (scan does)
        typer.echo(
            "error: interrupted (Ctrl-C): no report; each file written is whole, "
            "and the others were not written",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(code)


def _say(line: str) -> None:
    """A line for the person running the command, on stderr."""
    typer.echo(line, err=True)


def _print(text: str) -> int:
    sys.stdout.write(text)
    return EXIT_OK


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
    max_connections: Annotated[
        int,
        typer.Option(
            "--max-connections",
            metavar="N",
            help="Requests open at once per cluster (contexts are scanned at once).",
            min=1,
        ),
    ] = 8,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            metavar="SECONDS",
            help="For the whole scan: what is not read by then is a scan-incomplete finding.",
            min=0.1,
        ),
    ] = None,
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
    request = _request(
        output=output,
        fail_on=fail_on,
        preserve_behavior=preserve_behavior,
        adopt_defaults=adopt_defaults,
        verify=verify,
        assume=assume,
        allow_credentials=allow_credentials,
        output_dir=output_dir,
        dry_run=dry_run,
        report_file=report_file,
        force=force,
        template=template,
        target=target,
        chart=chart,
        values_files=values_files,
        migrate_var=migrate_var,
        ignore=ignore,
        ignore_file=ignore_file,
    )
    if all_namespaces and namespace:
        raise typer.BadParameter("use -A or -n, not both", param_hint="--all-namespaces")

    def run_scan() -> int:
        from migrate.app import scan as command

        clusters = command.Clusters(
            kubeconfig=kubeconfig,
            contexts=tuple(context or ()),
            namespaces=tuple(namespace or ()),
            all_namespaces=all_namespaces,
            selector=selector,
            timeout=timeout,
            helm_values=helm_values,
            max_connections=max_connections,
            deadline=deadline,
        )
        return command.main(request, clusters, _say)

    _run(run_scan)


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
    chosen = _format(output)

    def run_mapping() -> int:
        from migrate.app import tables

        listing = tables.mapping(
            chosen, template=template, target=target, chart=chart, migrate_var=migrate_var or ()
        )
        return _print(listing)

    _run(run_mapping)


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
    chosen = _format(output)

    def run_targets() -> int:
        from migrate.app import tables

        return _print(tables.target_charts(chosen, chart))

    _run(run_targets)


@app.command(epilog=EXIT_CODES)
def findings(
    output: FormatOption = "text",
) -> None:
    """List every finding ID with its usual severity (docs/findings.md explains each)."""
    chosen = _format(output)

    def run_findings() -> int:
        from migrate.app import tables

        return _print(tables.finding_ids(chosen))

    _run(run_findings)


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
        from migrate.app import values as job

        outcome = job.run(
            old_values,
            template=template,
            target=target,
            chart=chart,
            preserve_behavior=preserve_behavior,
            adopt_defaults=adopt_defaults,
            fail_on=fail_on,
            output_file=output_file,
        )
        if output_file is not None:
            from migrate.emit.files import write_new_file

            write_new_file(output_file, outcome.text, force=force)
        else:
            sys.stdout.write(outcome.text)
            sys.stdout.flush()
        for message in outcome.messages:
            typer.echo(message, err=True)
    except MigrateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    raise typer.Exit(EXIT_FINDINGS if outcome.failed else EXIT_OK)


def main() -> None:
    """Console-script entry point; ``python -m migrate`` is named ``migrate`` too, so that
    the completion it installs is the ``migrate`` command's."""
    app(prog_name="migrate")
