"""The command line as users and CI run it: the one runner of ``migrate`` for every test.

``migrate(*args)`` runs ``python -m migrate ARGS`` in a subprocess from the
repository root with colour off and returns its text output; ``migrate_bytes``
the same with bytes in and out (and an optional address-space limit);
``start`` a run to stop midway; ``python`` the interpreter itself, for probes
of what an import pulls in; ``invoke`` the command in-process, where a test
makes hundreds of runs and a subprocess each would dominate the suite.

The environment is the test's own with ``NO_COLOR=1``, unless ``env`` gives a
whole one; ``extra_env`` is merged over either, a ``None`` value removing the
variable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120.0  # seconds; a run that takes longer hangs

# Sets the limit, then becomes the command: no preexec_fn, which is unsafe with threads.
_LAUNCHER = """\
import os, resource, sys
limit = int(sys.argv[1])
_, hard = resource.getrlimit(resource.RLIMIT_AS)
if hard != resource.RLIM_INFINITY:
    limit = min(limit, hard)
resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""

Env = Mapping[str, str]
ExtraEnv = Mapping[str, str | None]


def environment(env: Env | None = None, extra_env: ExtraEnv | None = None) -> dict[str, str]:
    """The environment of a run: ``env`` or the test's own with colour off, then ``extra_env``."""
    merged = dict(env) if env is not None else {**os.environ, "NO_COLOR": "1"}
    for name, value in (extra_env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def python(
    *args: str,
    stdin: str | None = None,
    env: Env | None = None,
    extra_env: ExtraEnv | None = None,
    cwd: Path = ROOT,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run the test's Python interpreter with ``ARGS``, text in and out."""
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(env, extra_env),
        timeout=timeout,
    )


def migrate(
    *args: str,
    stdin: str | None = None,
    env: Env | None = None,
    extra_env: ExtraEnv | None = None,
    cwd: Path = ROOT,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``migrate ARGS``, from the repository root unless ``cwd`` says otherwise."""
    return python(
        "-m", "migrate", *args, stdin=stdin, env=env, extra_env=extra_env, cwd=cwd, timeout=timeout
    )


def migrate_bytes(
    *args: str,
    stdin: bytes | None = None,
    env: Env | None = None,
    extra_env: ExtraEnv | None = None,
    cwd: Path = ROOT,
    timeout: float = TIMEOUT,
    memory_limit: int | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``migrate ARGS`` with bytes in and out, as input that is not UTF-8 needs.

    With ``memory_limit``, the run gets that many bytes of address space. A run
    that outlives ``timeout`` is killed and raises :class:`subprocess.TimeoutExpired`.
    """
    command = [sys.executable, "-m", "migrate", *args]
    if memory_limit is not None:
        command = [sys.executable, "-c", _LAUNCHER, str(memory_limit), *command[1:]]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=environment(env, extra_env),
        timeout=timeout,
        check=False,
    )


def start(
    *args: str,
    stdout: IO[bytes] | int | None = None,
    stderr: IO[bytes] | int | None = None,
    env: Env | None = None,
    extra_env: ExtraEnv | None = None,
    cwd: Path = ROOT,
) -> subprocess.Popen[bytes]:
    """Start ``migrate ARGS`` and return at once, for a test that stops the run midway."""
    return subprocess.Popen(
        [sys.executable, "-m", "migrate", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
        env=environment(env, extra_env),
    )


def invoke(
    *args: str, env: Env | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run ``migrate ARGS`` in this process, with ``env`` set over the test's environment.

    Exceptions propagate rather than becoming an exit code, so a crash shows its
    traceback.
    """
    # Imported here: the subprocess runners above need neither typer nor the package.
    from typer.testing import CliRunner

    from migrate.cli import app

    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)
