"""Files and directories as a source: what a directory read without -R passes over.

Called in-process on trees made in a temporary directory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.model import Document
from migrate.sources.files import Files
from migrate.sources.interface import Note, Problem

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"


def read(argument: Path, recursive: bool = False) -> list[Document | Problem | Note]:
    return list(Files([str(argument)], recursive).read())


def test_a_directory_whose_manifests_are_in_subdirectories_says_so(tmp_path: Path) -> None:
    (tmp_path / "apps" / "deep").mkdir(parents=True)
    (tmp_path / "infra").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(SEED, tmp_path / "apps" / "seed.yaml")
    (tmp_path / "apps" / "deep" / "pod.yml").write_text(POD)
    (tmp_path / "infra" / "pod.json").write_text('{"apiVersion": "v1", "kind": "Pod"}')
    (tmp_path / "docs" / "README.md").write_text("not a manifest\n")

    assert read(tmp_path) == [
        Note(
            f"{tmp_path}: skipped 2 subdirectories holding 3 YAML files; "
            "-R descends into subdirectories"
        )
    ]
    assert not [item for item in read(tmp_path, recursive=True) if not isinstance(item, Document)]


def test_a_directory_with_nothing_below_it_and_a_file_give_no_note(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text(POD)
    (tmp_path / "pod.yaml").write_text(POD)
    items = read(tmp_path)
    assert [type(item) for item in items] == [Document]
    assert [type(item) for item in read(tmp_path / "pod.yaml")] == [Document]


def test_the_note_follows_the_directory_s_own_documents(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "sub" / "pod.yaml").write_text(POD)
    items = read(tmp_path)
    assert [type(item) for item in items] == [Document, Note]
    assert str(items[1]).startswith(f"{tmp_path}: skipped 1 subdirectory holding 1 YAML file;")


_names = st.sampled_from(["a", "b", "c"])
_files = st.tuples(
    st.lists(_names, max_size=3).map(tuple),
    st.sampled_from(["x.yaml", "y.yml", "z.json", "w.txt", "v.YAML"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_files, max_size=8, unique=True))
def test_the_note_counts_what_recursion_would_add(tree: list[tuple[tuple[str, ...], str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for parts, name in tree:
            (root.joinpath(*parts)).mkdir(parents=True, exist_ok=True)
            (root.joinpath(*parts) / name).write_text(POD)
        flat = read(root)
        deep = read(root, recursive=True)
        added = len(deep) - len([item for item in flat if isinstance(item, Document)])
        below = {
            parts[0]
            for parts, name in tree
            if parts and root.joinpath(*parts, name).suffix in (".yaml", ".yml", ".json")
        }
        notes = [item for item in flat if isinstance(item, Note)]
        if not added:
            assert notes == []
        else:
            (note,) = notes
            assert f"skipped {len(below)} subdirector" in str(note)
            assert f"holding {added} YAML file" in str(note)
