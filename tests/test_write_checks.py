"""What a write refuses, checked from directory listings, is what ``stat`` says.

:func:`migrate.emit.files.write` checks every file of a run before writing
any: a file that exists (without ``--force``), one that is not a file, one
under a path that is not a directory. It reads each directory once rather
than asking ``stat`` several times per file. Here random trees (files,
directories, symbolic links to either or to nothing) and random runs are
checked against the plain reading with :mod:`pathlib`, and a run that is
refused leaves the tree as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.emit import files
from migrate.emit.files import Artifact
from migrate.errors import OutputError

# Directories and files are named apart, so that a run never puts a file where another
# of its own files needs a directory; what is on disk may use either name for anything.
DIRECTORIES = ("d0", "d1", "d2")
FILES = ("f0.yaml", "f1.yaml")
KINDS = ("file", "directory", "link-to-file", "link-to-directory", "dangling-link")

entry = st.tuples(
    st.lists(st.sampled_from(DIRECTORIES), min_size=0, max_size=2),
    st.sampled_from(DIRECTORIES + FILES),
    st.sampled_from(KINDS),
)
target = st.tuples(
    st.lists(st.sampled_from(DIRECTORIES), min_size=0, max_size=3), st.sampled_from(FILES)
)


def _expected(targets: list[Path], force: bool) -> str | None:
    """The refusal, read with pathlib as a user would check by hand."""
    if not force:
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            shown = ", ".join(existing[:3]) + (" …" if len(existing) > 3 else "")
            return f"would overwrite {shown}; pass --force to replace"
    for t in targets:
        if t.exists() and not t.is_file():
            return f"{t}: exists and is not a file"
        for parent in t.parents:
            if parent.exists():
                if not parent.is_dir():
                    return f"{t}: cannot write: {parent} is not a directory"
                break
    return None


def _unmakeable(targets: list[Path]) -> str | None:
    """The refusal when the checks pass but a directory cannot be made: a symbolic link
    to nothing stands where one must go (``mkdir`` says the name exists)."""
    first: dict[Path, Path] = {}
    for t in targets:
        first.setdefault(t.parent, t)
    for directory, t in first.items():
        for above in (directory, *directory.parents):
            if above.is_dir():
                break
            if os.path.lexists(above):
                return f"{t}: cannot write: File exists"
    return None


def _make(base: Path, entries: list[tuple[list[str], str, str]]) -> None:
    (base / "elsewhere").mkdir()
    (base / "elsewhere" / "file").write_text("x")
    for folders, name, kind in entries:
        place = base.joinpath("out", *folders)
        try:
            place.mkdir(parents=True, exist_ok=True)
            path = place / name
            if os.path.lexists(path):
                continue
            if kind == "file":
                path.write_text("old")
            elif kind == "directory":
                path.mkdir()
            elif kind == "link-to-file":
                path.symlink_to(base / "elsewhere" / "file")
            elif kind == "link-to-directory":
                path.symlink_to(base / "elsewhere")
            else:
                path.symlink_to(base / "nowhere")
        except OSError:
            continue  # a file stands where a directory was drawn: the tree is as it is


def _snapshot(base: Path) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for folder, directories, names in os.walk(base):
        for name in directories + names:
            path = Path(folder, name)
            if path.is_symlink():
                found[str(path)] = ("link", os.readlink(path))
            elif path.is_file():
                found[str(path)] = ("file", path.read_text())
            else:
                found[str(path)] = ("directory", "")
    return found


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(entry, max_size=8),
    targets=st.lists(target, min_size=1, max_size=6, unique_by=lambda t: (tuple(t[0]), t[1])),
    force=st.booleans(),
    root_kind=st.sampled_from(("directory", "absent", "file")),
)
def test_a_run_is_refused_exactly_when_stat_says_so(
    entries: list[tuple[list[str], str, str]],
    targets: list[tuple[list[str], str]],
    force: bool,
    root_kind: str,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        _make(base, entries if root_kind == "directory" else [])
        root = base / "out"
        if root_kind == "file":
            root.write_text("old")
        artifacts = [
            Artifact(PurePosixPath(*folders, name), f"{'/'.join(folders)}/{name}\n")
            for folders, name in targets
        ]
        paths = [root.joinpath(*a.path.parts) for a in artifacts]
        expected = _expected(paths, force)
        before = _snapshot(base)
        if expected is not None:
            with pytest.raises(OutputError) as refused:
                files.write(root, artifacts, force=force)
            assert str(refused.value) == expected
            assert _snapshot(base) == before
            return
        unmakeable = _unmakeable(paths)
        if unmakeable is not None:
            with pytest.raises(OutputError) as refused:
                files.write(root, artifacts, force=force)
            assert str(refused.value) == unmakeable
            after = _snapshot(base)  # directories may be made; no file is written
            assert {p: e for p, e in after.items() if e[0] != "directory"} == {
                p: e for p, e in before.items() if e[0] != "directory"
            }
            return
        written = files.write(root, artifacts, force=force)
        assert written == paths
        for artifact, path in zip(artifacts, paths, strict=True):
            assert path.read_text() == artifact.text
            assert not path.is_symlink()


def test_a_relative_root_is_checked_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("out", "a").mkdir(parents=True)
    Path("out", "a", "taken.yaml").write_text("old")
    artifacts = [Artifact(PurePosixPath("a", "taken.yaml"), "new")]
    with pytest.raises(OutputError, match=r"would overwrite out/a/taken\.yaml"):
        files.write(Path("out"), artifacts, force=False)
    assert files.write(Path("out"), artifacts, force=True) == [Path("out", "a", "taken.yaml")]
    assert Path("out", "a", "taken.yaml").read_text() == "new"
