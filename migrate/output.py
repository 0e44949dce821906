"""Writing artifacts safely.

This module owns the only writes the tool makes: every file goes to a
temporary name in its own directory and is renamed into place, so a reader
never sees half a file; nothing that exists is overwritten unless asked, and
that is checked for every file before the first one is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from migrate.errors import OutputError
from migrate.pipeline import Artifact


def write(root: Path, artifacts: Sequence[Artifact], *, force: bool) -> list[Path]:
    """Write ``artifacts`` under ``root``; returns the paths written."""
    targets = [root.joinpath(*artifact.path.parts) for artifact in artifacts]
    if not force:
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            shown = ", ".join(existing[:3]) + (" …" if len(existing) > 3 else "")
            raise OutputError(f"would overwrite {shown}; pass --force to replace")
    for target in targets:
        if target.exists() and not target.is_file():
            raise OutputError(f"{target}: exists and is not a file")
    written: list[Path] = []
    for artifact, target in zip(artifacts, targets, strict=True):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(target, artifact.text)
        except OSError as error:
            raise OutputError(f"{target}: cannot write: {error.strerror}") from None
        written.append(target)
    return written


def _atomic_write(target: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_file(target: Path, text: str) -> None:
    """Write one report file atomically; a report replaces the one of an earlier run."""
    if target.exists() and not target.is_file():
        raise OutputError(f"{target}: exists and is not a file")
    try:
        _atomic_write(target, text)
    except OSError as error:
        raise OutputError(f"{target}: cannot write: {error.strerror}") from None


def write_new_file(target: Path, text: str, *, force: bool) -> None:
    """Write one file atomically; an existing file only with ``force``."""
    if target.exists() and not force:
        raise OutputError(f"would overwrite {target}; pass --force to replace")
    write_file(target, text)
