"""Reading a chart directory or packaged ``.tgz`` in-process: what is read, and the bounds."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from migrate.chart import read
from migrate.errors import InputError
from tests.support import helm


def archive(path: Path, members: dict[str, bytes]) -> Path:
    """A gzipped tar at ``path`` holding ``members`` (name → content)."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_chart_directory_gives_its_values_and_templates() -> None:
    files = read.chart_files(helm.MODULAR)
    assert files.source == str(helm.MODULAR)
    assert files.values == (helm.MODULAR / "values.yaml").read_text("utf-8")
    assert list(files.templates) == [
        "templates/_helpers.tpl",
        "templates/configmap.yaml",
        "templates/deployment.yaml",
        "templates/pvc.yaml",
        "templates/service.yaml",
    ]
    configmap = (helm.MODULAR / "templates" / "configmap.yaml").read_text("utf-8")
    assert files.templates["templates/configmap.yaml"] == configmap


def test_a_packaged_chart_reads_as_its_directory(tmp_path: Path) -> None:
    packaged = read.chart_files(helm.package(helm.MODULAR, tmp_path))
    directory = read.chart_files(helm.MODULAR)
    assert packaged.values == directory.values
    assert packaged.templates == directory.templates


def test_only_templates_and_values_of_the_chart_itself_are_read(tmp_path: Path) -> None:
    path = archive(
        tmp_path / "c.tgz",
        {
            "c/Chart.yaml": b"name: c\n",
            "c/values.yaml": b"a: 1\n",
            "c/templates/z.yml": b"z\n",
            "c/templates/sub/a.yaml": b"a\n",
            "c/templates/NOTES.txt": b"notes\n",
            "c/charts/sub/values.yaml": b"sub: 1\n",
            "c/charts/sub/templates/x.yaml": b"x\n",
            "toplevel.yaml": b"t\n",
        },
    )
    files = read.chart_files(path)
    assert files.source == str(path)
    assert files.values == "a: 1\n"
    assert files.templates == {"templates/sub/a.yaml": "a\n", "templates/z.yml": "z\n"}
    assert list(files.templates) == ["templates/sub/a.yaml", "templates/z.yml"]


def test_a_directory_without_values_or_no_such_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read.chart_files(tmp_path)
    assert str(caught.value) == f"{tmp_path}: not a chart directory (no values.yaml)"
    missing = tmp_path / "missing"
    with pytest.raises(InputError) as caught:
        read.chart_files(missing)
    assert str(caught.value) == f"{missing}: no such chart directory or .tgz file"


def test_text_that_is_not_utf8_names_the_file_and_byte(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "values.yaml").write_text("a: 1\n")
    (chart / "templates" / "cm.yaml").write_bytes(b"kind: ConfigMap\n\xff\n")
    with pytest.raises(InputError) as caught:
        read.chart_files(chart)
    assert str(caught.value) == f"{chart / 'templates' / 'cm.yaml'}: not UTF-8 text (byte 16)"
    path = archive(tmp_path / "c.tgz", {"c/values.yaml": b"a: \xe9\n"})
    with pytest.raises(InputError) as caught:
        read.chart_files(path)
    assert str(caught.value) == f"{path}:c/values.yaml: not UTF-8 text (byte 3)"


def test_an_archive_that_is_no_chart_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tgz"
    bogus.write_bytes(b"not a tar archive")
    with pytest.raises(InputError) as caught:
        read.chart_files(bogus)
    assert str(caught.value).startswith(
        f"{bogus}: not a chart directory or a packaged chart (.tgz): "
    )
    empty = archive(tmp_path / "empty.tgz", {"c/templates/a.yaml": b"a\n"})
    with pytest.raises(InputError) as caught:
        read.chart_files(empty)
    assert str(caught.value) == f"{empty}: the packaged chart has no values.yaml"


def test_an_archive_is_bounded_before_it_is_read(tmp_path: Path) -> None:
    many = archive(
        tmp_path / "many.tgz",
        {f"c/templates/{i}.yaml": b"" for i in range(read.MAX_ARCHIVE_MEMBERS + 1)},
    )
    with pytest.raises(InputError) as caught:
        read.chart_files(many)
    assert str(caught.value) == f"{many}: more than 2000 files; not a chart"
    large = archive(
        tmp_path / "large.tgz",
        {"c/values.yaml": b"a: 1\n", "c/templates/big.yaml": b"#" * (read.MAX_ARCHIVE_MEMBER + 1)},
    )
    with pytest.raises(InputError) as caught:
        read.chart_files(large)
    assert str(caught.value) == f"{large}: c/templates/big.yaml is larger than 4 MiB"
    # A large file that is not read (a subchart's) does not count.
    archive(
        tmp_path / "fine.tgz",
        {"c/values.yaml": b"a: 1\n", "c/charts/x.bin": b"#" * (read.MAX_ARCHIVE_MEMBER + 1)},
    )
    assert read.chart_files(tmp_path / "fine.tgz").values == "a: 1\n"
