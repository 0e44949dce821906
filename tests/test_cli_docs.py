"""The README and docs/ name every option and command the command line has, and only those.

The options come from the commands themselves (what ``--help`` prints); the
pages' option tables and synopses are read as a user reads them. The demo's
exit code is checked against what the README says of it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer.main
from typer.core import TyperGroup, TyperOption

from migrate.cli import app
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
USAGE = ROOT / "docs" / "usage.md"
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def commands() -> dict[str, Any]:
    """The commands of ``migrate``, as click sees them."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return dict(group.commands)


def _options(command: str) -> list[TyperOption]:
    return [param for param in commands()[command].params if isinstance(param, TyperOption)]


def options(command: str) -> set[str]:
    """Every option of ``migrate COMMAND``, as its ``--help`` lists them (but --help)."""
    return {name for param in _options(command) for name in (*param.opts, *param.secondary_opts)}


def table_options(page: Path, heading: str) -> set[str]:
    """The options named in the first column of the first table after ``heading``."""
    text = page.read_text("utf-8").split(heading, 1)[1]
    rows = re.search(r"^\|.*?(?=\n\n|\Z)", text, re.M | re.S)
    assert rows, (page, heading)
    return {
        option
        for row in rows.group(0).splitlines()[2:]
        for option in _OPTION.findall(row.split("|")[1])
    }


def synopsis(page: Path, command: str) -> str:
    """The ``migrate COMMAND`` lines (and their continuations) of the first fenced block
    of the command's section, without shell comments."""
    text = page.read_text("utf-8").split(f"## `migrate {command}`", 1)[1]
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    kept: list[str] = []
    keeping = False
    for line in block.splitlines():
        keeping = line.startswith(f"migrate {command}") or (keeping and line[:1].isspace())
        if keeping:
            kept.append(line.split("#", 1)[0])
    return "\n".join(kept)


def test_the_readme_option_table_lists_every_option_of_convert() -> None:
    assert table_options(README, "Options of `convert`:") == options("convert")


def test_the_usage_page_lists_every_option_of_convert_scan_values_and_mapping() -> None:
    assert table_options(USAGE, "### Options\n") == options("convert")
    scan = table_options(USAGE, "## `migrate scan`")
    others = USAGE.read_text("utf-8").split("The other options are those of `convert` (", 1)[1]
    scan |= set(_OPTION.findall(others.split(")", 1)[0]))
    assert scan == options("scan")
    for command in ("values", "mapping", "targets", "findings"):
        listed = set(_OPTION.findall(synopsis(USAGE, command)))
        # A synopsis may give an option by one of its names (-o for -o/--output).
        assert listed <= options(command), (command, listed - options(command))
        for option in _options(command):
            assert listed & {*option.opts, *option.secondary_opts}, (command, option.opts)


def test_allow_credentials_says_what_it_allows() -> None:
    # --assume refuses a credential-like name without it, as --migrate-var does.
    (allow,) = [p for p in _options("convert") if "--allow-credentials" in p.opts]
    assert "--migrate-var" in str(allow.help) and "--assume" in str(allow.help)


def test_the_exit_code_page_names_every_command() -> None:
    page = (ROOT / "docs" / "exit-codes.md").read_text("utf-8")
    sentence = page.split("The same for every command (", 1)[1].split(")", 1)[0]
    assert set(re.findall(r"`(\w+)`", sentence)) == set(commands())
    assert "once it lands" not in page


def demo_commands() -> list[list[str]]:
    """The ``migrate`` runs of ``make demo``, as the Makefile gives them."""
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    return [
        shlex.split(line.strip())[1:]
        for line in recipe.splitlines()
        if line.strip().startswith("$(BIN)/migrate ")
    ]


def test_the_readme_says_which_exit_code_the_demo_ends_with(tmp_path: Path) -> None:
    readme = " ".join(README.read_text("utf-8").split())
    stated = re.search(r"`make demo` ends with exit code (\d)", readme)
    assert stated, "the README says which exit code make demo ends with"
    runs = demo_commands()
    assert len(runs) == 2
    for arguments in runs:
        place = arguments.index("--output-dir") + 1
        arguments[place] = str(tmp_path / arguments[place])
        run = migrate(*arguments)
        assert run.returncode == int(stated.group(1)), run.stderr
        # Not clean, on purpose: the warnings the README promises, which --fail-on
        # warning turns into exit code 1.
        assert re.search(r"[1-9]\d* warnings?\b", run.stderr.splitlines()[-1]), run.stderr
    first = runs[0]
    assert migrate(*first, "--dry-run", "--fail-on", "warning").returncode == 1
