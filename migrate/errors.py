"""The project's error families and the exit code each one maps to.

Exit codes are the same for every command: 0 done; 1 findings at or above
``--fail-on``; 2 usage or unreadable input; 3 cluster access failed; 130
interrupted (Ctrl-C). Only
``cli`` turns these errors into exit codes (docs/exit-codes.md).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_CLUSTER = 3
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + the signal's number


class MigrateError(Exception):
    """Base of every error the command line reports without a traceback."""

    exit_code = EXIT_INPUT


class InputError(MigrateError):
    """Input that cannot be read or understood: files, templates, charts, options."""

    exit_code = EXIT_INPUT


class OutputError(MigrateError):
    """Output that cannot be written safely (exists, not writable, collides)."""

    exit_code = EXIT_INPUT


class InternalError(MigrateError):
    """A self-check failed: the output would not be faithful, so none is written for it."""

    exit_code = EXIT_FINDINGS
