"""One run of ``convert`` or ``scan`` around its pipeline: start, deliver, exit code.

This module owns what the two commands share. Before anything is read: the
ignore rules, refusing an existing ``--report`` file, and loading the
profile. After planning: writing the files (or the manifests to stdout),
building the report, writing it in the format asked where asked, the
problems and the summary line on stderr, and the exit code. Errors are
raised as they are; only the command line turns them into exit codes.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from migrate import report
from migrate.app.result import Outcome, Policy
from migrate.chart import profile as profiles
from migrate.chart.profile import Profile
from migrate.emit import files, layout
from migrate.emit.files import Artifact
from migrate.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, OutputError
from migrate.model import FailOn
from migrate.report.formats import Format
from migrate.report.ignore import Rule
from migrate.sources.interface import Note, Problem

Say = Callable[[str], None]
"""Where a line for the person running the command goes (stderr)."""


@dataclass(frozen=True)
class Request:
    """What ``convert`` and ``scan`` are both asked: the target, the policy, the outputs."""

    output_dir: Path = Path("migrated")
    dry_run: bool = False
    output: Format | None = None  # None: from --report's suffix, else text
    report_file: Path | None = None
    force: bool = False
    template: Path | None = None
    target: str | None = None
    chart: Path | None = None
    values_files: tuple[Path, ...] = ()
    migrate_var: tuple[str, ...] = ()
    allow_credentials: bool = False
    policy: Policy = field(default_factory=Policy)
    ignore: tuple[str, ...] = ()
    ignore_file: Path | None = None
    fail_on: FailOn = FailOn.ERROR


@dataclass(frozen=True)
class Produced:
    """What a run planned, ready to be delivered."""

    command: str  # "convert" or "scan"
    outcomes: Sequence[Outcome]
    documents: int
    # each outcome's files, relative to the output directory
    placed: Sequence[Sequence[Artifact]]
    contexts: Sequence[str] | None = None  # a scan's context of each outcome
    scan: Sequence[Mapping[str, Any]] | None = None  # per context: what was read, faults
    problems: Sequence[Problem] = ()  # inputs that could not be read
    notes: Sequence[Note] = ()  # inputs passed over on purpose, worth a line


@contextlib.contextmanager
def collect_less() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while a run builds its documents.

    A run holds thousands of small, acyclic trees (reference counting frees
    them); the collector's default rhythm scans them again and again, which
    cost a tenth of a large conversion.
    """
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def start(request: Request) -> tuple[list[Rule], Profile]:
    """What a run checks and loads before reading anything: the ignore rules, the report
    file, and the profile with its target (name, chart, release values)."""
    rules = _rules(request.ignore, request.ignore_file)
    if request.report_file is not None and request.report_file.exists() and not request.force:
        raise OutputError(f"would overwrite {request.report_file}; pass --force to replace")
    chosen = profiles.load(
        template=request.template,
        target=request.target,
        chart=request.chart,
        values=request.values_files,
        extra_vars=request.migrate_var,
        allow_credentials=request.allow_credentials,
    )
    return rules, chosen


def _rules(ignore: Sequence[str], ignore_file: Path | None) -> list[Rule]:
    rules = [report.parse_rule(text, f"--ignore {text!r}") for text in ignore]
    if ignore_file is not None:
        try:
            text = ignore_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{ignore_file}: cannot read: {error}") from None
        rules += report.read_rules(text, str(ignore_file))
    return rules


def deliver(
    request: Request,
    chosen: Profile,
    rules: Sequence[Rule],
    produced: Produced,
    say: Say,
    *,
    stdout: bool = False,
    elsewhere: files.Elsewhere | None = None,
) -> int:
    """Write the files (with ``stdout``, print the manifests instead), then the report and
    the summary; the exit code. ``elsewhere`` writes its share of the files meanwhile."""
    artifacts = [a for placed in produced.placed for a in placed]
    listed: dict[int, list[str]] = {}
    if stdout:
        # Only the manifests that apply the migration: no overlay, nothing of rollback/.
        contexts: Sequence[str | None] = produced.contexts or [None] * len(produced.outcomes)
        manifests = [
            a.text
            for outcome, context, placed in zip(
                produced.outcomes, contexts, produced.placed, strict=True
            )
            for a in placed
            if a.path in layout.manifests(outcome.plan, context)
        ]
        if not request.dry_run:
            sys.stdout.write(files.stream(manifests))
    else:
        listed = {
            index: [str(request.output_dir.joinpath(*a.path.parts)) for a in placed]
            for index, placed in enumerate(produced.placed)
        }
        if not request.dry_run:
            files.write(request.output_dir, artifacts, force=request.force, elsewhere=elsewhere)
    options = report.Options(
        command=produced.command,
        dry_run=request.dry_run,
        preserve_behavior=request.policy.preserve_behavior,
        adopt_defaults=request.policy.adopt_defaults,
        verify=request.policy.verify,
        fail_on=request.fail_on,
        rules=tuple(rules),
        output_dir=str(request.output_dir),
        chart=str(request.chart) if request.chart is not None else None,
        stdout=stdout,
    )
    data = report.build(
        produced.outcomes,
        produced.documents,
        options,
        profile=chosen,
        files=listed,
        contexts=produced.contexts,
        scan=produced.scan,
        input_errors=[problem.message for problem in produced.problems],
        input_notes=[note.message for note in produced.notes],
    )
    for problem in produced.problems:
        say(f"error: {problem}")
    for note in produced.notes:
        say(f"note: {note}")
    # With --stdout the manifests own stdout: the report goes to stderr.
    _write_report(data, request, sys.stderr if stdout and not request.dry_run else sys.stdout)
    say(report.summary_line(data))
    if produced.problems:
        return EXIT_INPUT
    return EXIT_FINDINGS if data["summary"]["failed"] else EXIT_OK


def _write_report(data: Mapping[str, Any], request: Request, stream: TextIO) -> None:
    """The report to ``--report FILE``, else to ``stream``."""
    if request.output is not None:
        chosen = request.output
    elif request.report_file is not None:
        chosen = Format.for_file(request.report_file)
    else:
        chosen = Format.TEXT
    renderer = chosen.renderer()
    if request.report_file is not None:
        files.write_new_file(request.report_file, renderer.render(data), force=request.force)
    else:
        renderer.write(data, stream)
