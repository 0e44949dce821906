"""``migrate --help`` against the floor for any typer program.

Goal 4: ``migrate --help`` ÷ ``--help`` of a bare typer app with the same
command names ≤ 1.3, and nothing heavy (kubernetes, deepdiff, ruamel, PyYAML,
rich) imported to print help.

Both run as fresh interpreters, as a user starts them, in turns; the median
of the wall times is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT, Row, interleaved, workspace

GOAL = 1.3
HEAVY = ("kubernetes", "deepdiff", "ruamel", "yaml", "rich")

# The same command names as migrate, each with nothing behind it, and the same
# settings: without rich_markup_mode=None typer imports rich, and the floor would
# be higher than it need be.
_BARE = """
import typer

app = typer.Typer(
    name="migrate",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for name in {names!r}:
    app.command(name)(lambda: None)

app()
"""

_IMPORTED = """
import runpy, sys
sys.argv = ["migrate", "--help"]
try:
    runpy.run_module("migrate", run_name="__main__")
except SystemExit:
    pass
print({heavy!r} and [m for m in sys.modules if m.split(".")[0] in {heavy!r}], file=sys.stderr)
"""


def command_names() -> list[str]:
    from migrate.cli import app

    return [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]


def _run(arguments: list[str]) -> None:
    # As an installed program starts: from compiled modules (pip compiles them when it
    # installs; the warm-up runs write them for an editable install), whatever
    # PYTHONDONTWRITEBYTECODE says here.
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(arguments, env=environment, check=True, capture_output=True)


def heavy_imports() -> list[str]:
    """The heavy modules loaded while ``migrate --help`` runs (should be none)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED.format(heavy=HEAVY)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    found: list[str] = json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))
    return found


def run(repeats: int = 21) -> list[Row]:
    names = command_names()
    with workspace() as temporary:
        bare = Path(temporary) / "bare.py"
        bare.write_text(_BARE.format(names=names))
        times = interleaved(
            {
                "migrate": lambda: _run([sys.executable, "-m", "migrate", "--help"]),
                "bare": lambda: _run([sys.executable, str(bare), "--help"]),
            },
            repeats,
            warmup=2,
        )
    heavy = heavy_imports()
    migrate, floor = times["migrate"], times["bare"]
    return [
        Row(
            "4. migrate --help ÷ bare typer --help",
            f"{migrate * 1000:.0f} ms ÷ {floor * 1000:.0f} ms = {migrate / floor:.2f}x",
            f"≤ {GOAL}, no heavy import",
            migrate / floor <= GOAL and not heavy,
            f"commands: {', '.join(names)}; heavy modules imported: "
            f"{', '.join(heavy) or 'none'}; median of {repeats}",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--repeats", type=int, default=21)
    arguments = parser.parse_args()
    for row in run(arguments.repeats):
        print(row.line())
        if row.detail:
            print(f"    {row.detail}")


if __name__ == "__main__":
    main()
