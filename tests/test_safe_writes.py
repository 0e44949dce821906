"""Writes are all-or-nothing per file, even when the process is killed mid-run.

The end-to-end test converts a large generated input, SIGKILLs the command
while it writes, and checks what is on disk: every file at a final path is
complete (byte for byte the file an uninterrupted run writes there), and the
only other files are the marked temporaries of ``migrate.output``, which the
next run removes. The smaller tests pin the pieces: every write goes through
a marked temporary in the target's directory (``--report FILE`` and
``values --output-file`` included), nothing existing is overwritten without
``--force``, and a temporary that a live writer holds is never removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pytest
import yaml

from migrate.emit import files as output
from migrate.emit.files import Artifact
from migrate.errors import EXIT_INTERRUPTED, OutputError
from tests.support.cli import ROOT, migrate, start

if sys.platform != "win32":
    import fcntl

# Enough workloads that writing takes a while (three files each), few enough that
# four conversions stay well under half a minute: converting dominates the run time.
WORKLOADS = 240
# Where each kill comes: after the first file of workload int(fraction * WORKLOADS).
KILL_AT = (0.0, 0.45, 0.8)
RUN_TIMEOUT = 120.0


def _deployment(index: int) -> dict[str, Any]:
    """A Llama Stack Deployment with VECTOR_STORE_* env vars; names and values vary."""
    labels = {"app.kubernetes.io/name": "llama-stack", "app.kubernetes.io/instance": f"ls-{index}"}
    providers = ("milvus", "faiss", "sqlite-vec")
    env = [
        {"name": "VLLM_URL", "value": f"http://vllm-{index}.vllm.svc.cluster.local/v1"},
        {"name": "SQLITE_STORE_DIR", "value": "/home/lls/.llama/distributions/starter"},
        {"name": "HOME", "value": "/home/lls"},
        {"name": "MILVUS_DB_PATH", "value": f"/home/lls/.llama/milvus-{index}.db"},
        {"name": "VECTOR_STORE_DEFAULT_PROVIDER", "value": providers[index % len(providers)]},
        {"name": "VECTOR_STORE_EMBEDDING_PROVIDER", "value": "vllm"},
        {"name": "VECTOR_STORE_EMBEDDING_MODEL", "value": f"team-{index}/embedder-v{index % 7}"},
        {"name": "VECTOR_STORE_EMBEDDING_DIMENSION", "value": str(256 + index)},
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"stack-{index}", "namespace": f"team-{index}", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "llama-stack",
                            "image": "ghcr.io/tu-wien-datalab/llama-stack:main",
                            "args": ["--port", "5001"],
                            "env": env,
                            "volumeMounts": [{"name": "data", "mountPath": "/home/lls/.llama"}],
                        }
                    ],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                },
            },
        },
    }


def _workload_dir(out: Path, index: int) -> Path:
    # The documented layout: one folder per workload, <namespace>/<name>.
    return out / f"team-{index}" / f"stack-{index}"


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "big.yaml"
    path.write_text(
        yaml.safe_dump_all((_deployment(i) for i in range(WORKLOADS)), sort_keys=False),
        "utf-8",
    )
    return path


def _convert(
    source: Path, out: Path, *extra: str, stderr: IO[bytes] | int
) -> subprocess.Popen[bytes]:
    command = ["convert", "--fail-on", "none", "-o", "json", "-f", str(source), "-d", str(out)]
    return start(*command, *extra, stdout=subprocess.DEVNULL, stderr=stderr)


def _files(root: Path) -> Iterator[Path]:
    for directory, _, names in os.walk(root):
        for name in names:
            yield Path(directory, name)


def _inodes(root: Path) -> dict[Path, int]:
    """Inode of every final (non-temporary) file: a rename puts a new one in place."""
    return {p: p.stat().st_ino for p in _files(root) if not output.is_temporary(p.name)}


def _temporaries(root: Path) -> set[Path]:
    return {p for p in _files(root) if output.is_temporary(p.name)}


def _replaced_in(directory: Path, before: dict[Path, int]) -> bool:
    """Whether a final file in ``directory`` was put in place since ``before``."""
    try:
        with os.scandir(directory) as entries:
            return any(
                entry.is_file(follow_symlinks=False)  # not rollback/, made before any file
                and not output.is_temporary(entry.name)
                and before.get(Path(entry.path)) != entry.inode()
                for entry in entries
            )
    except FileNotFoundError:
        return False


def _kill_while_writing(
    source: Path, out: Path, index: int, *extra: str, number: int = signal.SIGKILL
) -> str:
    """Run convert; send it signal ``number`` (SIGKILL) right after the first file of
    workload ``index`` is in place; its stderr."""
    before = _inodes(out) if out.exists() else {}
    trigger = _workload_dir(out, index)
    with tempfile.TemporaryFile() as stderr:
        process = _convert(source, out, *extra, stderr=stderr)
        deadline = time.monotonic() + RUN_TIMEOUT
        try:
            while not _replaced_in(trigger, before):
                if process.poll() is not None:
                    stderr.seek(0)
                    problem = stderr.read().decode(errors="replace")
                    pytest.fail(f"convert ended ({process.returncode}) before the kill: {problem}")
                if time.monotonic() > deadline:
                    pytest.fail(f"no file of workload {index} within {RUN_TIMEOUT:g} s")
                time.sleep(0.0002)
            process.send_signal(number)
            process.wait(RUN_TIMEOUT)
        finally:
            process.kill()
            process.wait()
        stderr.seek(0)
        said = stderr.read().decode(errors="replace")
    if number == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL, "the run finished before the kill arrived"
    else:
        assert process.returncode == EXIT_INTERRUPTED, said
    return said


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_run_leaves_complete_files_and_marked_temporaries_only(
    big_input: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    snapshots: list[dict[Path, bytes]] = []
    written_by_run: list[int] = []
    left_behind: set[Path] = set()
    for attempt, fraction in enumerate(KILL_AT):
        before = _inodes(out) if out.exists() else {}
        # The first run writes into nothing; the later ones replace what it left.
        _kill_while_writing(big_input, out, int(fraction * WORKLOADS), *(["--force"] * attempt))
        after = _inodes(out)
        written_by_run.append(sum(1 for p, ino in after.items() if before.get(p) != ino))
        # A run removes the stale temporaries of the last one before it writes a file.
        temporaries = _temporaries(out)
        assert not (left_behind & temporaries), "a stale temporary survived the next run"
        left_behind = temporaries
        snapshot = {}
        for path in after:
            data = path.read_bytes()
            if path.suffix == ".md":  # rollback/README.md
                assert data.decode("utf-8").endswith(".\n")  # a final file is whole ...
            else:
                yaml.safe_load(data)  # ... YAML ...
            snapshot[path] = data  # ... and below, byte for byte the uninterrupted one
        snapshots.append(snapshot)

    # A temporary that a kill could leave in any folder, not only the last one written.
    planted = _workload_dir(out, 0) / f"{output.TEMP_PREFIX}configmap.yaml.k1ll3d"
    planted.write_text("apiVersion: v1\nkind: Conf", "utf-8")

    rerun = _convert(big_input, out, "--force", stderr=subprocess.PIPE)
    _, stderr = rerun.communicate(timeout=RUN_TIMEOUT)
    assert rerun.returncode == 0, stderr.decode()
    assert not _temporaries(out), "stale temporaries survived a complete run"
    complete = {p: p.read_bytes() for p in _files(out)}
    names = {p.name for p in complete}
    assert names == {
        "values-overlay.yaml",
        "configmap.yaml",
        "deployment.yaml",
        "deployment.yaml.orig",
        "README.md",
    }, f"files that are neither output nor marked temporaries: {sorted(names)}"
    assert len(complete) == 5 * WORKLOADS  # three files each, and two in rollback/

    for attempt, snapshot in enumerate(snapshots):
        assert 0 < written_by_run[attempt] < len(complete), (
            f"kill {attempt + 1} came before any file or after the last one"
        )
        assert set(snapshot) <= set(complete), "a killed run wrote a file a full run does not"
        partial = [str(p) for p, data in snapshot.items() if data != complete[p]]
        assert not partial, f"kill {attempt + 1} left files that differ: {partial[:3]}"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process group is POSIX")
def test_ctrl_c_while_files_are_written_leaves_whole_files_and_says_so(
    big_input: Path, tmp_path: Path
) -> None:
    """Ctrl-C mid-write: exit code 130, one line on stderr and no traceback; every file at a
    final path is whole (byte for byte an uninterrupted run's), no temporary is left."""
    out = tmp_path / "out"
    said = _kill_while_writing(big_input, out, 1, number=signal.SIGINT)
    assert said.strip().splitlines()[-1].startswith("error: interrupted (Ctrl-C)")
    assert "Traceback" not in said and "Aborted" not in said
    assert not _temporaries(out)
    interrupted = {p: p.read_bytes() for p in _files(out)}
    assert 0 < len(interrupted) < 5 * WORKLOADS
    complete = tmp_path / "complete"
    run = _convert(big_input, complete, stderr=subprocess.PIPE)
    _, stderr = run.communicate(timeout=RUN_TIMEOUT)
    assert run.returncode == 0, stderr.decode()
    for path, data in interrupted.items():
        assert (complete / path.relative_to(out)).read_bytes() == data


# ---- the pieces --------------------------------------------------------------


@pytest.fixture
def renames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path]]:
    """Every ``os.replace`` made, as (source, target); the renames still happen."""
    done: list[tuple[Path, Path]] = []
    real: Callable[..., None] = os.replace

    def spy(source: Any, target: Any) -> None:
        done.append((Path(source), Path(target)))
        real(source, target)

    monkeypatch.setattr(os, "replace", spy)
    return done


def _assert_through_temporaries(renames: list[tuple[Path, Path]], targets: list[Path]) -> None:
    # Files are written a few at a time, so in no fixed order; each exactly once.
    assert sorted(target for _, target in renames) == sorted(targets)
    for source, target in renames:
        assert source.parent == target.parent
        assert output.is_temporary(source.name)
        assert not source.exists()


def test_write_goes_through_a_marked_temporary_per_file(
    tmp_path: Path, renames: list[tuple[Path, Path]]
) -> None:
    artifacts = [
        Artifact(PurePosixPath("ns/a/configmap.yaml"), "a: 1\n"),
        Artifact(PurePosixPath("ns/b/deployment.yaml"), "b: 2\n"),
    ]
    written = output.write(tmp_path, artifacts, force=False)
    _assert_through_temporaries(renames, written)
    assert [p.read_text("utf-8") for p in written] == ["a: 1\n", "b: 2\n"]
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o644)}


def test_report_file_and_values_output_file_go_through_temporaries(
    tmp_path: Path, renames: list[tuple[Path, Path]]
) -> None:
    report = tmp_path / "report.json"
    values = tmp_path / "new-values.yaml"
    output.write_file(report, "{}\n")
    output.write_new_file(values, "runConfig: {}\n", force=False)
    _assert_through_temporaries(renames, [report, values])


def test_cli_report_and_values_files_are_written_whole(tmp_path: Path) -> None:
    seed = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
    report = tmp_path / "report.json"
    run = migrate(
        "convert", "--dry-run", "--fail-on", "none", "-f", str(seed), "--report", str(report)
    )
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load(report.read_text("utf-8"))["summary"]
    old = ROOT / "fixtures" / "values" / "seed.yaml"
    new = tmp_path / "new-values.yaml"
    run = migrate("values", str(old), "--output-file", str(new))
    assert run.returncode == 0, run.stderr
    text = new.read_text("utf-8")
    again = migrate("values", str(old), "--output-file", str(new))
    assert again.returncode == 2 and "--force" in again.stderr
    assert new.read_text("utf-8") == text
    assert migrate("values", str(old), "--output-file", str(new), "--force").returncode == 0
    assert not _temporaries(tmp_path)


def test_nothing_is_written_when_one_file_exists_without_force(tmp_path: Path) -> None:
    (tmp_path / "ns" / "b").mkdir(parents=True)
    (tmp_path / "ns" / "b" / "deployment.yaml").write_text("kept\n", "utf-8")
    artifacts = [
        Artifact(PurePosixPath("ns/a/configmap.yaml"), "a: 1\n"),
        Artifact(PurePosixPath("ns/b/deployment.yaml"), "b: 2\n"),
    ]
    with pytest.raises(OutputError, match="--force"):
        output.write(tmp_path, artifacts, force=False)
    assert not (tmp_path / "ns" / "a").exists()
    assert (tmp_path / "ns" / "b" / "deployment.yaml").read_text("utf-8") == "kept\n"
    output.write(tmp_path, artifacts, force=True)
    assert (tmp_path / "ns" / "b" / "deployment.yaml").read_text("utf-8") == "b: 2\n"


def test_stale_temporaries_go_but_unmarked_files_and_live_temporaries_stay(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ns" / "a"
    folder.mkdir(parents=True)
    stale = folder / f"{output.TEMP_PREFIX}configmap.yaml.abc123"
    stale.write_text("half", "utf-8")
    other = folder / ".configmap.yaml.abc123"  # looks like a temporary, is not ours
    other.write_text("keep", "utf-8")
    live = folder / f"{output.TEMP_PREFIX}deployment.yaml.xyz789"
    live.write_text("being written", "utf-8")
    with live.open("rb") as held:
        if sys.platform != "win32":
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            assert output.remove_stale_temporaries([folder]) == [stale]
            assert live.exists()
    assert other.exists()
    output.write(tmp_path, [Artifact(PurePosixPath("ns/a/configmap.yaml"), "a: 1\n")], force=False)
    assert sorted(p.name for p in folder.iterdir()) == [".configmap.yaml.abc123", "configmap.yaml"]


def test_a_failed_write_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: Any, target: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="cannot write"):
        output.write(
            tmp_path, [Artifact(PurePosixPath("ns/a/configmap.yaml"), "a: 1\n")], force=False
        )
    assert not list(_files(tmp_path))


@pytest.mark.parametrize("fresh", [True, False], ids=["new-directory", "existing-directory"])
def test_a_file_where_a_directory_must_go_stops_the_run_before_any_write(
    tmp_path: Path, fresh: bool
) -> None:
    """Under a directory that does not exist yet, every file's checks are its own; where
    a file stands in the way, above the output directory or inside it, nothing is written."""
    (tmp_path / "blocker").write_text("a file\n", "utf-8")
    root = tmp_path / ("blocker/out" if fresh else "")
    artifacts = [
        Artifact(PurePosixPath("ns/a/configmap.yaml"), "a: 1\n"),
        Artifact(PurePosixPath("blocker/b/deployment.yaml"), "b: 2\n"),
    ]
    with pytest.raises(OutputError, match="is not a directory") as raised:
        output.write(root, artifacts, force=False)
    blocked = root / artifacts[0 if fresh else 1].path
    assert str(raised.value).startswith(f"{blocked}: cannot write:")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["blocker"]
    written = output.write(tmp_path / "new" / "out", artifacts, force=False)
    assert [p.read_text("utf-8") for p in written] == ["a: 1\n", "b: 2\n"]


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def _failing_at(monkeypatch: pytest.MonkeyPatch, name: str, nth: int, error: BaseException) -> None:
    """``os.<name>`` raises ``error`` on its ``nth`` call (from 1), works otherwise."""
    real: Callable[..., Any] = getattr(os, name)
    calls = [0]

    def failing(*arguments: Any) -> Any:
        calls[0] += 1
        if calls[0] == nth:
            raise error
        return real(*arguments)

    monkeypatch.setattr(os, name, failing)


MANY = 300  # files: several batches of the batch writer, some waiting for their flush


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the batch writer: syncfs")
@pytest.mark.parametrize("nth", [1, 64, 65, 150, MANY])
@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("replace", PermissionError(13, "Permission denied")),  # on the flushing thread
        ("fchmod", OSError(28, "No space left on device")),  # on the writing thread
        ("fchmod", KeyboardInterrupt()),  # Ctrl-C while the files are written
    ],
    ids=["rename-refused", "disk-full", "ctrl-c"],
)
def test_a_write_that_fails_midway_leaves_whole_files_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int, call: str, error: BaseException
) -> None:
    """Whichever file fails, in whichever batch: the error names that file, every file at
    a final path is whole, no temporary is left and no file stays open."""
    artifacts = [
        Artifact(PurePosixPath(f"ns-{i % 3}/w-{i // 5}/file-{i}.yaml"), f"index: {i}\n" * (i % 7))
        for i in range(MANY)
    ]
    expected = {tmp_path / a.path: a.text for a in artifacts}
    failed = str(tmp_path / artifacts[nth - 1].path)
    opened = _open_descriptors()
    _failing_at(monkeypatch, call, nth, error)
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            output.write(tmp_path, artifacts, force=False)
    else:
        with pytest.raises(OutputError) as raised:
            output.write(tmp_path, artifacts, force=False)
        assert str(raised.value) == f"{failed}: cannot write: {error.strerror}"  # type: ignore[attr-defined]
    monkeypatch.undo()
    assert _open_descriptors() == opened
    on_disk = set(_files(tmp_path))
    assert not _temporaries(tmp_path)
    assert Path(failed) not in on_disk
    assert on_disk <= set(expected)
    assert all(path.read_text("utf-8") == expected[path] for path in on_disk)
    written = output.write(tmp_path, artifacts, force=True)  # and the next run completes
    assert {p: p.read_text("utf-8") for p in written} == expected
