"""A corpus of broken and hostile inputs: ``fixtures/bad/cases.yaml``.

Each case is one run of ``migrate convert`` in a subprocess, as a user runs
it, under an address-space limit and a timeout::

    migrate convert [-f BAD] -f fixtures/manifests/demo/defaults.yaml -d TMP/out [ARGS]

and asserts the documented outcome: the exit code (docs/exit-codes.md), a
message on stderr naming the file and line (and column, where YAML gives one),
no traceback, the other input converted all the same (or, for an error of the
whole run, nothing written), and no partial or temporary file left behind.
Findings are checked in the report's block of the workload they concern.

The cases run in parallel on a small thread pool, started together on first
use and awaited by each test.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import migrate_bytes

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad"
OTHER = "fixtures/manifests/demo/defaults.yaml"
OTHER_FOLDER = "default/llama-stack"
WORKLOAD_FILES = tuple(
    {"values-overlay.yaml", "configmap.yaml", kind, f"rollback/{kind}.orig", "rollback/README.md"}
    for kind in ("deployment.yaml", "statefulset.yaml")
)
MEMORY_LIMIT = 1 << 30  # bytes of address space for each run
TIMEOUT = 60  # seconds for each run
ROLES = ("manifest", "stdin", "template", "chart", "none")
SETUPS = (
    "output-exists",
    "output-exists-empty",
    "output-is-file",
    "output-readonly",
    "output-blocked",
)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Case:
    """One entry of cases.yaml (see the comment at its top)."""

    id: str
    exit: int
    message: str
    file: str | None = None
    generate: str | None = None
    role: str = "manifest"
    args: tuple[str, ...] = ()
    setup: str | None = None
    report: str | None = None
    written: str = "defaults"
    also_written: tuple[str, ...] = ()
    absent: str | None = None
    xfail: str | None = None
    skip_as_root: str | None = None


def load_cases() -> list[Case]:
    entries = yaml.safe_load((BAD / "cases.yaml").read_text("utf-8"))
    cases: list[Case] = []
    for entry in entries:
        known = set(Case.__dataclass_fields__)
        assert set(entry) <= known, (entry.get("id"), set(entry) - known)
        for key in ("args", "also_written"):
            if key in entry:
                entry[key] = tuple(str(value) for value in entry[key])
        cases.append(Case(**entry))
    return cases


CASES = load_cases()


# -- inputs made at test time ------------------------------------------------------


def _workload(namespace: str = "bad") -> str:
    """The other input's Deployment, moved to another namespace."""
    text = (ROOT / OTHER).read_text("utf-8")
    return text.replace("namespace: default", f"namespace: {namespace}")


def _dashboards(count: int) -> list[str]:
    """ConfigMaps holding ~10 KB of JSON each, like exported Grafana dashboards."""
    panel = (
        '    {{"panel": {0}, "title": "request latency p99 by route", '
        '"expr": "histogram_quantile(0.99, rate(x[5m]))"}},\n'
    )
    body = "".join(panel.format(index) for index in range(100))
    return [
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboard-{index}\n"
        f"  namespace: bad\ndata:\n  dashboard.json: |\n{body}"
        for index in range(count)
    ]


def _large_stream(path: Path) -> None:
    """~33 MB: 3,000 documents, the workload among them, a broken one at the very end."""
    documents = _dashboards(3000)
    documents.insert(1500, _workload())
    documents.append('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "unclosed\n')
    path.write_text("---\n".join(documents), "utf-8")


def _large_list(path: Path) -> None:
    """~34 MB: one ``kind: List`` of 3,000 ConfigMaps and the workload, as kubectl prints it."""
    items = [*_dashboards(3000), _workload()]
    indented = ["  - " + item.replace("\n", "\n    ").rstrip(" ") for item in items]
    path.write_text("apiVersion: v1\nkind: List\nitems:\n" + "".join(indented), "utf-8")


def _non_utf8(path: Path) -> None:
    """Latin-1 bytes in a comment on line 3."""
    text = "# Exported by an old editor.\n#\n# Caf\xe9 cluster, 2019\n" + _workload()
    path.write_bytes(text.encode("latin-1"))


def _utf16(path: Path) -> None:
    """UTF-16 with a byte order mark, as Windows PowerShell's '>' writes it."""
    path.write_bytes(_workload().encode("utf-16"))


def _control_character(path: Path) -> None:
    """A raw BEL character in the second document's value (line 36, column 13)."""
    second = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bell\n"
    second += "  namespace: bad\ndata:\n  k: ding\x07dong\n"
    path.write_text(_workload() + "---\n" + second, "utf-8")


def _form_feed(path: Path) -> None:
    """A form feed in a comment, which YAML does not count as a line break."""
    first = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # page\x0cbreak\n"
    second = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [b\n"
    path.write_text(first + "---\n" + second, "utf-8")


def _deep_flow(path: Path) -> None:
    """100,000 nested flow sequences on one line."""
    depth = 100_000
    path.write_text(_workload() + "---\nkind: " + "[" * depth + "]" * depth + "\n", "utf-8")


def _crlf(path: Path) -> None:
    """Windows line endings; the second document is broken (line 35)."""
    text = _workload() + "---\nkind: [\n"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def _chart_archive(members: dict[str, bytes]) -> bytes:
    """A gzipped tar of ``members`` (name to content), as ``helm package`` writes one."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _chart_tgz_truncated(path: Path) -> None:
    """A packaged chart cut off halfway, as an interrupted download leaves it."""
    chart = BAD / "chart-runconfig-not-run-yaml"
    members = {
        f"llama-stack/{file.relative_to(chart).as_posix()}": file.read_bytes()
        for file in sorted(chart.rglob("*"))
        if file.is_file()
    }
    # Incompressible bytes last: the cut falls in them, after the chart's own files.
    members["llama-stack/README.md"] = random.Random(0).randbytes(32 * 1024)
    data = _chart_archive(members)
    path.write_bytes(data[: len(data) // 2])


def _chart_tgz_no_chart(path: Path) -> None:
    """A well-formed .tgz that holds no chart: a backup of a run.yaml and notes."""
    run_yaml = (ROOT / "migrate/profiles/tuw-ai/template-run.yaml").read_bytes()
    path.write_bytes(
        _chart_archive({"backup/run.yaml": run_yaml, "backup/NOTES.txt": b"before the upgrade\n"})
    )


GENERATORS: dict[str, Callable[[Path], None]] = {
    "large-stream": _large_stream,
    "large-list": _large_list,
    "non-utf8": _non_utf8,
    "utf16": _utf16,
    "control-character": _control_character,
    "form-feed": _form_feed,
    "deep-flow": _deep_flow,
    "crlf": _crlf,
    "chart-tgz-truncated": _chart_tgz_truncated,
    "chart-tgz-no-chart": _chart_tgz_no_chart,
}
# The name a generated input is written under: <generator><suffix>, .yaml unless listed.
SUFFIXES: dict[str, str] = {"chart-tgz-truncated": ".tgz", "chart-tgz-no-chart": ".tgz"}


def generated_name(generator: str) -> str:
    return generator + SUFFIXES.get(generator, ".yaml")


# -- running a case ------------------------------------------------------------------


@dataclass
class Run:
    """One finished run of a case, with what it found before and left behind."""

    folder: Path
    out: Path
    bad: str | None
    returncode: int | None
    stdout: str
    stderr: str
    before: dict[str, bytes | None] = field(default_factory=dict)
    after: dict[str, bytes | None] = field(default_factory=dict)
    folder_entries: set[str] = field(default_factory=set)
    # The same case with MIGRATE_FULL_PATH=1 (every shortcut off), paths made the same:
    # (exit code, stdout, stderr, files written); None where the case is about writing.
    full: tuple[int | None, str, str, dict[str, bytes | None]] | None = None


def snapshot(out: Path) -> dict[str, bytes | None]:
    """Every path under (and including) ``out``: file bytes, or None for a directory."""
    if not out.exists():
        return {}
    if out.is_file():
        return {".": out.read_bytes()}
    found: dict[str, bytes | None] = {".": None}
    for path in sorted(out.rglob("*")):
        key = path.relative_to(out).as_posix()
        found[key] = path.read_bytes() if path.is_file() else None
    return found


def _prepare(case: Case, folder: Path) -> tuple[str | None, Path]:
    """The bad input's path as passed to migrate, and the output directory."""
    bad: str | None = None
    if case.generate is not None:
        target = folder / generated_name(case.generate)
        GENERATORS[case.generate](target)
        bad = str(target)
    elif case.file is not None:
        bad = (BAD / case.file).relative_to(ROOT).as_posix()
    out = folder / "out"
    if case.setup == "output-exists":
        existing = out / OTHER_FOLDER / "configmap.yaml"
        existing.parent.mkdir(parents=True)
        existing.write_text("# from an earlier run\n", "utf-8")
    elif case.setup in ("output-exists-empty", "output-readonly"):
        out.mkdir()
        if case.setup == "output-readonly":
            out.chmod(0o555)
    elif case.setup == "output-is-file":
        out.write_text("not a directory\n", "utf-8")
    elif case.setup == "output-blocked":
        out.mkdir()
        (out / OTHER_FOLDER.split("/")[0]).write_text("not a directory\n", "utf-8")
    return bad, out


def command(case: Case, bad: str | None, out: Path) -> list[str]:
    inputs: list[str] = []
    if case.role == "manifest" and bad is not None:
        inputs = ["-f", bad]
    elif case.role == "stdin":
        inputs = ["-f", "-"]
    extra = list(case.args)
    if case.role == "template" and bad is not None:
        extra = ["--template", bad, *extra]
    elif case.role == "chart" and bad is not None:
        extra = ["--chart", bad, *extra]
    return ["convert", *inputs, "-f", OTHER, "-d", str(out), *extra]


def _launch(
    case: Case, bad: str | None, out: Path, full_path: bool = False
) -> tuple[int | None, str, str]:
    stdin = (ROOT / bad).read_bytes() if case.role == "stdin" and bad is not None else b""
    try:
        done = migrate_bytes(
            *command(case, bad, out),
            stdin=stdin,
            extra_env={"MIGRATE_FULL_PATH": "1"} if full_path else None,
            timeout=TIMEOUT,
            memory_limit=MEMORY_LIMIT,
        )
        code: int | None = done.returncode
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, stdout, stderr = None, expired.stdout or b"", expired.stderr or b""
    return code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def execute(case: Case, folder: Path) -> Run:
    bad, out = _prepare(case, folder)
    before = snapshot(out)
    code, stdout, stderr = _launch(case, bad, out)
    if case.setup == "output-readonly":
        out.chmod(0o755)
    run = Run(
        folder=folder,
        out=out,
        bad=bad,
        returncode=code,
        stdout=stdout,
        stderr=stderr,
        before=before,
        after=snapshot(out),
        folder_entries={path.name for path in folder.iterdir()},
    )
    if case.setup is None:
        other = folder.with_name(f"{folder.name}.full") / "out"
        code, stdout, stderr = _launch(case, bad, other, full_path=True)
        run.full = (
            code,
            stdout.replace(str(other), str(out)),
            stderr.replace(str(other), str(out)),
            snapshot(other),
        )
    return run


class Runs:
    """The selected cases and one plain conversion of the other input, run in parallel."""

    def __init__(self, pool: ThreadPoolExecutor, root: Path, selected: list[Case]) -> None:
        self._pool = pool
        self._root = root
        self._started: dict[str, Future[Run]] = {}
        self._reference = self._start(Case(id="reference", exit=0, message="", role="none"))
        for case in selected:
            self._start(case)

    def _start(self, case: Case) -> Future[Run]:
        if case.id not in self._started:
            folder = self._root / case.id
            folder.mkdir()
            self._started[case.id] = self._pool.submit(execute, case, folder)
        return self._started[case.id]

    def result(self, case: Case) -> Run:
        return self._start(case).result()

    @property
    def reference(self) -> Run:
        """The other input converted on its own."""
        return self._reference.result()


def _selected(request: pytest.FixtureRequest) -> list[Case]:
    """The cases this session runs (all of them, unless -k or node IDs say otherwise)."""
    chosen = {
        item.callspec.params["case"].id
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_bad_input" and hasattr(item, "callspec")
    }
    return [case for case in CASES if case.id in chosen and not _skipped(case)]


def _skipped(case: Case) -> bool:
    return case.skip_as_root is not None and AS_ROOT


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("bad-inputs")
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield Runs(pool, root, _selected(request))
    shutil.rmtree(root, ignore_errors=True)


# -- the assertions ------------------------------------------------------------------


def pattern(text: str, run: Run) -> str:
    """A regular expression of cases.yaml with {file}, {out} and {other} filled in."""
    names = {
        "file": re.escape(run.bad or ""),
        "out": re.escape(str(run.out)),
        "other": re.escape(OTHER),
    }
    return re.sub(r"\{(file|out|other)\}", lambda m: names[m.group(1)], text)


def report_block(stdout: str, source: str) -> str:
    """The text report's block of the workload read from ``source`` (empty if none)."""
    blocks = stdout.split("\n\n")
    return "\n\n".join(b for b in blocks if re.search(rf"^  source: {source}:\d+$", b, re.M))


def workload_folders(files: dict[str, bytes | None]) -> dict[str, set[str]]:
    """``namespace/name`` → the names of the files written there."""
    folders: dict[str, set[str]] = {}
    for key, content in files.items():
        if content is None or key == ".":
            continue
        folder, _, name = key.rpartition("/")
        if folder.endswith("/rollback"):  # the way back, in the workload's folder
            folder, name = folder.removesuffix("/rollback"), f"rollback/{name}"
        folders.setdefault(folder, set()).add(name)
    return folders


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks: list[Any] = []
        if case.xfail is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
        if case.skip_as_root is not None:
            marks.append(pytest.mark.skipif(AS_ROOT, reason=case.skip_as_root))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, runs: Runs) -> None:
    run = runs.result(case)
    shown = f"{case.id}: exit {run.returncode}\n--- stderr\n{run.stderr}\n--- stdout\n{run.stdout}"
    assert run.returncode is not None, f"{case.id}: no answer within {TIMEOUT} s"
    assert "Traceback" not in run.stderr + run.stdout, shown
    assert run.returncode == case.exit, shown
    assert re.search(pattern(case.message, run), run.stderr, re.M), shown
    if case.report is not None:
        source = re.escape(run.bad if case.role == "manifest" and run.bad else OTHER)
        block = report_block(run.stdout, source)
        assert re.search(pattern(case.report, run), block, re.M), shown

    # The shortcuts of the fast path change nothing (migrate/fastpath.py).
    if run.full is not None:
        assert run.full == (run.returncode, run.stdout, run.stderr, run.after), shown

    # Nothing is written outside the output directory (names become paths).
    expected_entries = {"out"} if case.generate is None else {"out", generated_name(case.generate)}
    assert run.folder_entries <= expected_entries, run.folder_entries

    new = {k: v for k, v in run.after.items() if run.before.get(k, b"\0") != v}
    # No temporary file (the writer's are dot files) and no partial one: every file
    # written is complete YAML (or the rollback README), in a workload's folder holding
    # exactly its files.
    hidden = [k for k in run.after if k != "." and k.rpartition("/")[2].startswith(".")]
    assert not hidden, hidden
    for key, content in new.items():
        if content is not None and key != "." and not key.endswith(".md"):
            list(yaml.safe_load_all(content.decode("utf-8")))
    folders = workload_folders(new)
    assert all(names in WORKLOAD_FILES for names in folders.values()), folders

    if case.written == "nothing":
        assert run.after == run.before, sorted(new)
        return
    assert case.written == "defaults", case.written
    assert set(folders) == {OTHER_FOLDER, *case.also_written}, sorted(folders)
    if case.role in ("manifest", "stdin", "none") and not case.args:
        reference = runs.reference
        ours = {k: v for k, v in run.after.items() if k.startswith(OTHER_FOLDER + "/")}
        theirs = {k: v for k, v in reference.after.items() if k.startswith(OTHER_FOLDER + "/")}
        assert ours == theirs, "the other input converts as it does on its own"
    if case.absent is not None:
        for key, content in new.items():
            if content is not None:
                text = content.decode("utf-8")
                assert not re.search(case.absent, text, re.M), (key, case.absent)


def test_the_corpus_has_40_cases_and_uses_every_file() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES), "case IDs are unique"
    used: set[Path] = set()
    for case in CASES:
        assert case.role in ROLES, case.id
        assert case.setup is None or case.setup in SETUPS, case.id
        assert case.written in ("defaults", "nothing"), case.id
        assert (case.file is None) or (case.generate is None), case.id
        assert case.generate is None or case.generate in GENERATORS, case.id
        if case.file is not None:
            path = BAD / case.file
            assert path.exists(), case.id
            used |= {path} if path.is_file() else {p for p in path.rglob("*") if p.is_file()}
    files = {p for p in BAD.rglob("*") if p.is_file() and p.name != "cases.yaml"}
    assert sorted(str(p.relative_to(BAD)) for p in files - used) == [], "files no case uses"
    assert set(GENERATORS) == {case.generate for case in CASES if case.generate}
    assert set(SUFFIXES) <= set(GENERATORS)
