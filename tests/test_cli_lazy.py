"""The command group built with only the command asked for reads like the whole group.

``migrate.cli.app`` builds the group with the one command its first argument
names (:class:`migrate.cli._Migrate`); typer's test runner always builds the
whole group, so these tests call the program as its entry point does and
compare with the whole group run on the same arguments.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import typer
import typer.main

from migrate.cli import app

Run = tuple[str, str, object]


def _run(program: Callable[..., Any], arguments: Sequence[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            program(list(arguments), prog_name="migrate")
        except SystemExit as exit_:
            code = exit_.code
    return out.getvalue(), err.getvalue(), code


COMMANDS = ("convert", "scan", "mapping", "targets", "findings", "values")

CASES = [
    *([command, "--help"] for command in COMMANDS),
    ["scan", "--bogus"],  # an unknown option
    ["scan", "-h"],
    ["convert"],  # a required option missing
    ["convert", "--versio"],  # a misspelt option: click suggests the near ones
    ["scan", "--fail-on", "x"],  # a value refused by an option's check
    ["convert", "-f"],  # an option without its value
    ["targets"],  # a command that runs
    ["findings", "--output", "json"],
    ["sca"],  # a misspelt command: the whole group suggests the right one
    ["--help"],
    ["--version"],
    [],
]


@pytest.mark.parametrize("arguments", CASES, ids=lambda arguments: " ".join(arguments) or "none")
def test_reads_like_the_whole_group(arguments: list[str]) -> None:
    whole = _run(typer.main.get_command(app), arguments)
    assert _run(app, arguments) == whole


def test_builds_only_the_command_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str | None] = []
    original = typer.main.get_command_from_info

    def counting(command_info: Any, **kwargs: Any) -> Any:
        built.append(command_info.callback.__name__)
        return original(command_info, **kwargs)

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    out, _, code = _run(app, ["targets"])
    assert code == 0 and out
    assert built == ["targets"]
    built.clear()
    _run(app, ["sca"])
    assert sorted(str(name) for name in built) == sorted(COMMANDS)


def test_shell_completion_gets_the_whole_group(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = typer.main.get_command_from_info

    def counting(command_info: Any, **kwargs: Any) -> Any:
        built.append(command_info.callback.__name__)
        return original(command_info, **kwargs)

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    monkeypatch.setenv("_MIGRATE_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "migrate ta")
    monkeypatch.setenv("COMP_CWORD", "1")
    out, _, _ = _run(app, ["targets"])
    assert sorted(built) == sorted(COMMANDS)
    assert "targets" in out.split()
