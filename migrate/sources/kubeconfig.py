"""Which kubeconfig files a scan reads, and the check that they can be read at all.

This module owns kubectl's rule for finding them (``--kubeconfig FILE``, else
the files listed in ``KUBECONFIG``, else ``~/.kube/config``) and what a
kubeconfig that cannot be used becomes: one line naming the file (and the
line, where there is one) and where its name came from, raised as a
:class:`~migrate.sources.interface.SourceError` (exit code 2) before the
Kubernetes client reads it. The client's own errors say neither ("Invalid
kube-config file. No configuration found."), or come as a parser's traceback.
Like kubectl, files of a ``KUBECONFIG`` list that do not exist are skipped,
as long as one does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.sources.interface import SourceError
from migrate.yaml import load

ENVIRONMENT = "KUBECONFIG"
DEFAULT = Path("~") / ".kube" / "config"
# The lists the client merges by name, and the mapping each entry holds.
_ENTRIES = {"clusters": "cluster", "contexts": "context", "users": "user"}


@dataclass(frozen=True)
class Kubeconfig:
    """The kubeconfig files to read, every one checked, and where their names came from."""

    files: tuple[Path, ...]
    origin: str  # how messages name them: "the kubeconfig named by --kubeconfig", …

    @property
    def argument(self) -> str:
        """The files as the Kubernetes client's ``config_file`` takes a list of them."""
        return os.pathsep.join(str(path) for path in self.files)


def candidates(
    kubeconfig: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[tuple[Path, ...], str]:
    """The files kubectl would read, existing or not, and how messages name them."""
    environ = os.environ if environ is None else environ
    if kubeconfig is not None:
        return (kubeconfig,), "the kubeconfig named by --kubeconfig"
    listed = environ.get(ENVIRONMENT, "")
    if listed:
        named = tuple(
            dict.fromkeys(Path(part).expanduser() for part in listed.split(os.pathsep) if part)
        )
        if len(named) == 1:
            return named, f"the kubeconfig named by {ENVIRONMENT}"
        return named, f"a kubeconfig listed in {ENVIRONMENT}"
    return (DEFAULT.expanduser(),), f"kubectl's default kubeconfig; {ENVIRONMENT} is not set"


def exists(kubeconfig: Path | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether any kubeconfig file kubectl would read exists."""
    return any(path.exists() for path in candidates(kubeconfig, environ)[0])


def find(kubeconfig: Path | None, environ: Mapping[str, str] | None = None) -> Kubeconfig:
    """The kubeconfig files to read, each checked; SourceError (one line) when none exists
    or one cannot be read, is not YAML, or is not shaped as a kubeconfig."""
    named, origin = candidates(kubeconfig, environ)
    present = tuple(path for path in named if path.exists())
    if not present:
        hint = "" if kubeconfig is not None else "; pass --kubeconfig FILE to name one"
        if len(named) == 1:
            raise SourceError(f"{named[0]}: does not exist ({origin}){hint}")
        listed = ", ".join(str(path) for path in named)
        raise SourceError(f"no kubeconfig: none of {listed} exists (listed in {ENVIRONMENT}){hint}")
    for path in present:
        check(path, origin)
    return Kubeconfig(present, origin)


def check(path: Path, origin: str) -> None:
    """Raise SourceError unless ``path`` holds a kubeconfig the client can merge; ``origin``
    says in the message where its name came from."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except IsADirectoryError:
        raise SourceError(f"{path}: a directory, not a file ({origin})") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror} ({origin})") from None
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 text (byte {error.start}) ({origin})") from None
    try:
        # The client reads it with yaml.safe_load: the same loader, with the project's limits.
        data = load.load_run_yaml(text, str(path))
    except InputError as error:
        raise SourceError(f"{error} ({origin})") from None
    if data is None:
        raise SourceError(f"{path}: empty ({origin})")
    problem = _shape(data)
    if problem is not None:
        keys, message = problem
        raise SourceError(f"{path}{_line(text, keys)}: {message} ({origin})")


def _shape(data: Any) -> tuple[tuple[str | int, ...], str] | None:
    """The first part of ``data`` the client would crash on, as (path of keys, problem)."""
    if not isinstance(data, dict):
        return (), "a kubeconfig must be a mapping (apiVersion, clusters, contexts, users)"
    for key, inner in _ENTRIES.items():
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            return (key,), f"{key} must be a list"
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                return (key, index), f"each of {key} must be a mapping with a name"
            if entry.get(inner) is not None and not isinstance(entry[inner], dict):
                return (key, index, inner), f"{key}[{index}].{inner} must be a mapping"
    if not isinstance(data.get("current-context") or "", str):
        return ("current-context",), "current-context must be a context's name"
    return None


def _line(text: str, keys: tuple[str | int, ...]) -> str:
    """``:LINE`` of the node at ``keys`` in ``text`` (already loaded), or nothing."""
    node = load.compose(text)
    for key in keys:
        if isinstance(key, int) and isinstance(node.value, list) and key < len(node.value):
            node = node.value[key]
            continue
        pairs = node.value if isinstance(node.value, list) else []
        found = [pair[1] for pair in pairs if isinstance(pair, tuple) and pair[0].value == key]
        if not found:
            return ""
        node = found[0]
    return f":{node.start_mark.line + 1}"
