"""The recorded demo session (docs/demo-session.txt) is what the demo prints today.

``scripts/record-demo`` runs the ``$(BIN)/migrate`` commands of the Makefile's
``demo:`` recipe and records them; ``make demo-record`` writes the file. Here
the script records again, and the file must be the same text; it must also
be a plain capture (no escape codes, no path of the machine that recorded
it), run exactly the demo's commands, and be linked from the README.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

from tests.support.cli import python

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "record-demo"
SESSION = ROOT / "docs" / "demo-session.txt"


def script() -> dict[str, Any]:
    return runpy.run_path(str(SCRIPT), run_name="record_demo")


def test_the_recording_is_current() -> None:
    run = python(str(SCRIPT), "--check")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_the_recording_is_plain_text_of_this_project_only() -> None:
    text = SESSION.read_text("utf-8")
    assert "\x1b" not in text
    assert str(ROOT) not in text and str(Path.home()) not in text
    assert not re.search(r"/(tmp|home|Users|var/folders)/", text)


def test_it_records_the_demos_commands_each_with_its_exit_code() -> None:
    loaded = script()
    text = SESSION.read_text("utf-8")
    commands = re.findall(r"^\$ (.+)$", text, re.MULTILINE)
    assert commands == [*loaded["demo_commands"](), *loaded["LOOK"]]
    assert commands[0] == "migrate convert -R -f fixtures/manifests/demo --output-dir out"
    assert "--verify" in commands[1]
    codes = re.findall(r"^\[exit (\d+)\]$", text, re.MULTILINE)
    assert len(codes) == len(commands)


def test_the_commands_follow_the_makefile(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        "demo: x\n\trm -rf out\n\t$(BIN)/migrate convert -f a.yaml \\\n\t\t--dry-run\n"
        "\t$(BIN)/pip install y\n\t$(BIN)/migrate targets\n\nother:\n\t$(BIN)/migrate no\n"
    )
    assert script()["demo_commands"](makefile) == [
        "migrate convert -f a.yaml --dry-run",
        "migrate targets",
    ]


def test_the_readme_links_the_recording_near_try_it() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    try_it = readme.split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    assert "](docs/demo-session.txt)" in try_it
    assert "make demo-record" in try_it
    assert "\ndemo-record:" in (ROOT / "Makefile").read_text("utf-8")
