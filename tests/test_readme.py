"""Every command of the README's "Use" section runs as written, on the shipped fixtures.

Each line of the section's shell block is run by bash, as a user would paste it,
in a fresh working directory that holds what its placeholders name: the
release's manifest (``release.yaml``), a directory of manifests
(``manifests/``), old chart values (``old-values.yaml``, ``my-values.yaml``),
the newest chart packaged (``llama-stack-0.1.0.tgz``) and the old chart
(``old-chart/``), which a ``helm`` on PATH renders as ``helm template`` does
(Helm as a library: :mod:`tests.support.helm`). The exit code of each line
must be the one recorded here, and no line may print a traceback.

Lines that need a cluster (``migrate scan``, ``kubectl``) are not run; they are
listed with that reason. A line of the README that is not listed here fails the
test, and so does a listed line the README no longer has: the README cannot
drift from the tool unnoticed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import helm

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
NEEDS_A_CLUSTER = "needs a cluster: not run offline"


@dataclass(frozen=True)
class Line:
    """What one README line must do: its exit code, or why it is not run."""

    code: int | None = None
    skip: str | None = None
    why: str = ""  # why that exit code


# The README's lines, without their comments, and what each must do.
LINES: dict[str, Line] = {
    "migrate convert -f release.yaml --dry-run": Line(0),
    "migrate convert -f release.yaml": Line(0),
    "migrate convert -R -f manifests/ --output-dir out": Line(0),
    "helm template my-release old-chart | migrate convert -f - --stdout": Line(0),
    "kubectl get deploy,sts,cm -n ai -o yaml | migrate convert -f - --dry-run -o markdown": Line(
        skip=NEEDS_A_CLUSTER
    ),
    "migrate scan -A --dry-run": Line(skip=NEEDS_A_CLUSTER),
    "migrate scan -n ai --helm-values -d out": Line(skip=NEEDS_A_CLUSTER),
    "migrate convert -R -f manifests/ --dry-run -o json --report report.json --fail-on warning": (
        Line(1, why="the demo manifests raise warnings, and --fail-on warning fails on them")
    ),
    "migrate convert -f release.yaml --chart llama-stack-0.1.0.tgz --values my-values.yaml "
    "--verify": Line(0),
    "migrate convert -f release.yaml --target runconfig": Line(0),
    "migrate targets": Line(0),
    "migrate values old-values.yaml > values.yaml": Line(0),
    "migrate mapping": Line(0),
    "migrate findings": Line(0),
}

# A `helm` that knows `helm template RELEASE CHART`, enough for the README.
_HELM = """\
import sys
from pathlib import Path

sys.path.insert(0, {root!r})
from tests.support import helm

args = sys.argv[1:]
if len(args) != 3 or args[0] != "template":
    sys.exit(f"this helm knows only `helm template RELEASE CHART`, not {{args}}")
sys.stdout.write(helm.render_manifest_text(Path(args[2]), release=args[1]))
"""


def readme_lines() -> list[str]:
    """The lines of the first shell block of the README's "Use" section, comments cut."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Use\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines()]
    return [re.sub(r"\s+", " ", line) for line in lines if line]


@functools.cache
def packaged_chart() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="migrate-readme-chart-"))
    return helm.package(helm.MODULAR, folder)


def workdir(tmp_path: Path) -> Path:
    """A fresh directory with every file the README's placeholders name, and a bin/ of
    `migrate` (this checkout's) and `helm`."""
    shutil.copy(FIXTURES / "manifests" / "demo" / "seed-example.yaml", tmp_path / "release.yaml")
    shutil.copytree(FIXTURES / "manifests" / "demo", tmp_path / "manifests")
    shutil.copy(FIXTURES / "values" / "seed.yaml", tmp_path / "old-values.yaml")
    shutil.copy(FIXTURES / "values" / "seed.yaml", tmp_path / "my-values.yaml")
    shutil.copy(packaged_chart(), tmp_path / "llama-stack-0.1.0.tgz")
    shutil.copytree(helm.LEGACY, tmp_path / "old-chart")
    tools = tmp_path.parent / f"{tmp_path.name}-bin"
    tools.mkdir()
    (tools / "migrate").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m migrate "$@"\n')
    (tools / "helm").write_text(f"#!{sys.executable}\n" + _HELM.format(root=str(ROOT)))
    for tool in tools.iterdir():
        tool.chmod(0o755)
    return tools


def test_every_line_of_the_readme_is_known_here() -> None:
    lines = readme_lines()
    assert len(lines) >= 10
    unknown = [line for line in lines if line not in LINES]
    assert unknown == [], "README lines this test does not know: add each to LINES"
    gone = [line for line in LINES if line not in lines]
    assert gone == [], "lines in LINES the README no longer has: remove them"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(line, marks=[pytest.mark.skip(reason=case.skip)] if case.skip else [])
        for line, case in LINES.items()
    ],
)
def test_the_readme_line_runs_with_its_exit_code(tmp_path: Path, line: str) -> None:
    tools = workdir(tmp_path)
    environment = {
        **os.environ,
        "NO_COLOR": "1",
        "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    case = LINES[line]
    shown = f"$ {line}\n{run.stdout[-2000:]}{run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, shown
    assert run.returncode == case.code, shown
