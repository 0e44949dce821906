"""Shell completion, the way typer programs offer it: install, show, complete.

Completion runs the program with ``_MIGRATE_COMPLETE`` set, as the script that
``--show-completion`` prints does on every TAB; the tests drive it the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
# A line only that shell's script holds.
SHELL_MARKS = {
    "bash": "complete -o default -F",
    "zsh": "#compdef migrate",
    "fish": "complete --command migrate",
}


def complete(*words: str) -> list[str]:
    """What bash completion offers after ``migrate WORDS`` (the last one being typed)."""
    run = migrate(
        extra_env={
            "_MIGRATE_COMPLETE": "complete_bash",
            "COMP_WORDS": " ".join(["migrate", *words]),
            "COMP_CWORD": str(len(words)),
        }
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_help_offers_install_and_show_completion() -> None:
    run = migrate("--help")
    assert "--install-completion" in run.stdout
    assert "--show-completion" in run.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_the_migrate_commands(shell: str) -> None:
    # Shown through `python -m migrate`, it still completes the `migrate` command.
    # Without detection typer takes the shell as the option's value, so the
    # script does not depend on the shell that runs the tests (CI runs `sh`).
    run = migrate(
        "--show-completion",
        shell,
        extra_env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert "_MIGRATE_COMPLETE" in run.stdout
    assert "python" not in run.stdout.lower()
    assert SHELL_MARKS[shell] in run.stdout


def test_commands_options_and_values_complete() -> None:
    assert complete("con") == ["convert"]
    assert complete("convert", "--dry") == ["--dry-run"]
    assert complete("convert", "-o", "") == ["text", "json", "markdown", "yaml"]
    assert complete("scan", "--fail-on", "w") == ["warning"]
    assert complete("values", "x.yaml", "--target", "mod") == ["modular", "modular-1543ca5"]


def test_completion_is_documented() -> None:
    for page in (ROOT / "README.md", ROOT / "docs" / "usage.md"):
        text = page.read_text("utf-8")
        assert "migrate --install-completion" in text, page
        assert "--show-completion" in text, page
