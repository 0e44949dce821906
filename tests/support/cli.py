"""The command line in a subprocess, as users and CI run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def migrate(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``migrate ARGS`` from the repository root, colour off unless ``env`` says otherwise."""
    return subprocess.run(
        [sys.executable, "-m", "migrate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env if env is not None else {**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
