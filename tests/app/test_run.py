"""What convert and scan share around the pipeline, in process: start, deliver, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.app import convert as pipeline
from migrate.app import run
from migrate.chart import profile
from migrate.emit import files
from migrate.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, OutputError
from migrate.model import FailOn
from migrate.report.formats import Format
from migrate.sources import manifests
from migrate.sources.interface import Problem

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = ROOT / "fixtures" / "manifests" / "demo" / "defaults.yaml"  # info findings only
PROFILE = profile.load()


def produced(*problems: Problem) -> run.Produced:
    documents = list(manifests.documents(str(DEFAULTS), DEFAULTS.read_text()))
    result = pipeline.convert(documents, PROFILE)
    return run.Produced(
        "convert",
        result.outcomes,
        result.documents,
        [o.artifacts for o in result.outcomes],
        problems=problems,
    )


def deliver(
    request: run.Request, *problems: Problem, stdout: bool = False
) -> tuple[int, list[str]]:
    said: list[str] = []
    code = run.deliver(request, PROFILE, [], produced(*problems), said.append, stdout=stdout)
    return code, said


def test_files_are_written_and_listed_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = deliver(run.Request(output_dir=tmp_path, output=Format.JSON))
    assert code == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    (workload,) = report["workloads"]
    assert workload["files"] == [
        str(tmp_path / "default" / "llama-stack" / name)
        for name in (
            "values-overlay.yaml",
            "configmap.yaml",
            "deployment.yaml",
            "rollback/deployment.yaml.orig",
            "rollback/README.md",
        )
    ]
    assert all(Path(path).is_file() for path in workload["files"])
    assert said == [
        "1 Llama Stack workload in 1 document: 1 to migrate, 0 already migrated, "
        "0 workloads in error; 1 finding: 0 errors, 0 warnings, 1 info"
    ]


def test_a_dry_run_writes_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = deliver(run.Request(output_dir=tmp_path, dry_run=True))
    assert code == EXIT_OK and list(tmp_path.iterdir()) == []
    assert "  would write: " in capsys.readouterr().out
    assert said[-1].endswith("; dry run: nothing written")


def test_stdout_carries_the_manifests_and_stderr_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = deliver(run.Request(output_dir=tmp_path), stdout=True)
    out, err = capsys.readouterr()
    assert code == EXIT_OK and list(tmp_path.iterdir()) == []
    kinds = [line for line in out.splitlines() if line.startswith("kind: ")]
    assert kinds == ["kind: ConfigMap", "kind: Deployment"]  # no values overlay
    assert "\n---\n" in out
    assert err.startswith("target: modular")


def test_stdout_next_applies_the_printed_manifests_and_names_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = pipeline.convert(pipeline.load([str(DEFAULTS.parent)], True), PROFILE)
    placed = [o.artifacts for o in result.outcomes]
    done = run.Produced("convert", result.outcomes, result.documents, placed)
    request = run.Request(output_dir=tmp_path, output=Format.JSON)
    said: list[str] = []
    assert run.deliver(request, PROFILE, [], done, said.append, stdout=True) == EXIT_OK
    report = json.loads(capsys.readouterr().err)
    steps = {f"{w['namespace']}/{w['name']}": w["next"] for w in report["workloads"] if w["next"]}
    assert list(tmp_path.iterdir()) == [] and len(steps) == 3
    for step in steps.values():
        assert step.startswith("kubectl apply -f -  # the manifests --stdout prints")
        assert "/" not in step  # no path: nothing was written
    # The Helm-managed one (the seed) is told that its overlay needs a run without --stdout.
    assert steps["research/llama-stack"].endswith(
        "; Helm release llama-stack: run without --stdout for values-overlay.yaml and helm upgrade"
    )


def test_fail_on_decides_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert deliver(run.Request(dry_run=True, fail_on=FailOn.INFO))[0] == EXIT_FINDINGS
    assert deliver(run.Request(dry_run=True, fail_on=FailOn.WARNING))[0] == EXIT_OK
    assert deliver(run.Request(dry_run=True, fail_on=FailOn.NONE))[0] == EXIT_OK


def test_inputs_that_could_not_be_read_are_named_first_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, said = deliver(run.Request(dry_run=True, output=Format.JSON), Problem("x.yaml: bad"))
    assert code == EXIT_INPUT
    assert said[0] == "error: x.yaml: bad" and said[1].startswith("1 Llama Stack workload")
    assert json.loads(capsys.readouterr().out)["inputErrors"] == ["x.yaml: bad"]


def test_the_report_file_takes_its_format_from_its_suffix(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    deliver(run.Request(dry_run=True, report_file=report))
    assert report.read_text().startswith("## Llama Stack runConfig migration (dry run)\n")
    with pytest.raises(OutputError, match="pass --force"):
        run.start(run.Request(report_file=report))
    run.start(run.Request(report_file=report, force=True))


def test_start_reads_the_ignore_rules_and_loads_the_target(tmp_path: Path) -> None:
    rules_file = tmp_path / "ignore"
    rules_file.write_text("no-rollout-trigger  # we restart by hand\n")
    rules, chosen = run.start(
        run.Request(ignore=("vector-store-risk ai/*",), ignore_file=rules_file, target="runconfig")
    )
    assert [(r.id, r.scope) for r in rules] == [
        ("vector-store-risk", "ai/*"),
        ("no-rollout-trigger", "*"),
    ]
    assert chosen.target.name == "runconfig"
    with pytest.raises(InputError, match="unknown finding ID 'no-such-id'"):
        run.start(run.Request(ignore=("no-such-id",)))


def test_collect_less_restores_the_collector() -> None:
    import gc

    before = gc.get_threshold()
    with run.collect_less():
        assert gc.get_threshold() != before
    assert gc.get_threshold() == before


@pytest.mark.parametrize(
    ("documents", "stream"),
    [
        (["a: 1\n", "b: 2"], "a: 1\n---\nb: 2\n"),
        (["a: 1\n", "# note\n---\nb: 2\n"], "a: 1\n# note\n---\nb: 2\n"),
        (["---\na: 1\n"], "---\na: 1\n"),
        ([], ""),
    ],
)
def test_manifests_join_into_one_yaml_stream(documents: list[str], stream: str) -> None:
    assert files.stream(documents) == stream
