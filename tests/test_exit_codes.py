"""Exit codes end to end: the command line in a subprocess, as CI runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
DEMO = "fixtures/manifests/demo"
DEFAULTS = f"{DEMO}/defaults.yaml"  # info findings only
SEED = f"{DEMO}/seed-example.yaml"  # warnings and info; with ADOPT one error (chart-default-hazard)
TEAM = f"{DEMO}/team-config.yaml"  # warnings and info, no error
# The seed chart's allowed_models: [] adopted while the pod sets VLLM_URL: chart-default-hazard.
ADOPT = ("--target", "runconfig", "--adopt-chart-defaults")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((DEFAULTS,), 0),
        ((SEED,), 0),
        ((SEED, "--target", "runconfig"), 0),
        ((SEED, "--target", "modular-1543ca5"), 0),
        ((SEED, "--adopt-chart-defaults"), 0),
        ((SEED, *ADOPT), 1),
        ((SEED, "--target", "modular-1543ca5", "--adopt-chart-defaults"), 1),
        ((SEED, "--target", "runconfig", "--preserve-behavior"), 0),
        ((SEED, "--fail-on", "warning"), 1),
        ((SEED, *ADOPT, "--ignore", "chart-default-hazard"), 0),
        ((SEED, *ADOPT, "--ignore", "chart-default-hazard other/*"), 1),
        ((SEED, *ADOPT, "--ignore", "chart-default-hazard research/llama-stack"), 0),
        ((SEED, *ADOPT, "--fail-on", "none"), 0),
        ((TEAM,), 0),
        ((TEAM, "--fail-on", "warning"), 1),
        ((DEFAULTS, "--fail-on", "warning"), 0),
        ((DEFAULTS, "--fail-on", "info"), 1),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_findings_decide_exit_codes_0_and_1(args: tuple[str, ...], code: int) -> None:
    run = migrate("convert", "--dry-run", "-f", *args)
    assert run.returncode == code, run.stdout + run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("convert", "-f", "no/such/file.yaml"), "no/such/file.yaml"),
        (("convert", "-f", SEED, "-o", "xml"), "'xml' is not one of"),
        (("convert", "-f", SEED, "--fail-on", "fatal"), "'fatal' is not one of"),
        (("convert", "-f", SEED, "--ignore", "no-such-id"), "unknown finding ID 'no-such-id'"),
        (("convert", "-f", SEED, "--no-such-option"), "No such option"),
        (
            ("convert", "-f", SEED, "--preserve-behavior", "--adopt-chart-defaults"),
            "--preserve-behavior / --adopt-chart-defaults",
        ),
        (("convert", "-f", SEED, "--target", "nope"), "--target nope: no such target"),
        (("convert", "-f", SEED, "--chart", "no/such/chart"), "no/such/chart: no such chart"),
        (
            ("convert", "-f", SEED, "--chart", "fixtures/charts/llama-stack-legacy"),
            "no template renders a ConfigMap with 'run.yaml'",
        ),
        (("convert", "-f", SEED, "--verify"), "give it with --chart PATH"),
        (("targets", "--chart", "no/such/chart"), "no/such/chart: no such chart"),
        (("convert",), "Missing option"),
        (("mapping", "-o", "html"), "'html' is not one of"),
        (("values", "no/such/values.yaml"), "no/such/values.yaml"),
    ],
)
def test_usage_and_input_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    run = migrate(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_invalid_yaml_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n")
    run = migrate("convert", "--dry-run", "-f", str(bad))
    assert run.returncode == 2
    assert f"{bad}:4:1: invalid YAML" in run.stderr and "line 3, column 18" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_ignore_file_with_an_unknown_id_names_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "ignore"
    rules.write_text("# ours\nno-rollout-trigger\n\nvector-store-risky search/*\n")
    run = migrate("convert", "--dry-run", "-f", SEED, "--ignore-file", str(rules))
    assert run.returncode == 2
    assert f"{rules}:4: unknown finding ID 'vector-store-risky'" in run.stderr


def test_an_ignore_file_silences_its_findings(tmp_path: Path) -> None:
    rules = tmp_path / "ignore"
    rules.write_text("chart-default-hazard  # accepted: vLLM is switched off next week\n")
    run = migrate("convert", "--dry-run", "-f", SEED, *ADOPT, "--ignore-file", str(rules))
    assert run.returncode == 0, run.stderr
    assert "chart-default-hazard" not in run.stdout
    assert "(1 ignored)" in run.stderr


def test_existing_output_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    assert migrate("convert", "-f", DEFAULTS, "-d", str(tmp_path)).returncode == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    run = migrate("convert", "-f", DEFAULTS, "-f", TEAM, "-d", str(tmp_path))
    assert run.returncode == 2 and "--force" in run.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_exit_codes_are_documented_alike_in_help_readme_and_docs() -> None:
    meanings = {
        "0": "done",
        "1": "findings at or above --fail-on",
        "2": "usage error",
        "3": "cluster access failed",
    }
    help_text = " ".join(migrate("--help").stdout.split()).lower()
    for path in (ROOT / "README.md", ROOT / "docs" / "exit-codes.md"):
        page = path.read_text().replace("`", "").lower()
        for code, words in meanings.items():
            assert re.search(rf"^\| {code} \|[^\n]*{re.escape(words)}", page, re.M), (path, code)
    for code, words in meanings.items():
        assert f"{code} {words}" in help_text, code
    for command in ("convert", "scan", "mapping", "findings", "values", "targets"):
        sub = " ".join(migrate(command, "--help").stdout.split())
        assert "Exit codes (every command)" in sub, command


def test_a_bad_document_is_named_and_the_other_inputs_still_convert(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabbed\n")
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(
        "kind: [unclosed\n---\n" + (ROOT / DEFAULTS).read_text()  # one bad, one good document
    )
    out = tmp_path / "out"
    run = migrate("convert", "-f", str(bad), "-f", SEED, "-f", str(mixed), "-d", str(out))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {bad}:4:1: invalid YAML:")
    assert errors[1].startswith(f"error: {mixed}:2:1: invalid YAML:")
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.yaml*"))
    assert written == [
        "default/llama-stack/configmap.yaml",
        "default/llama-stack/deployment.yaml",
        "default/llama-stack/rollback/deployment.yaml.orig",
        "default/llama-stack/values-overlay.yaml",
        "research/llama-stack/configmap.yaml",
        "research/llama-stack/deployment.yaml",
        "research/llama-stack/rollback/deployment.yaml.orig",
        "research/llama-stack/values-overlay.yaml",
    ]
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary files


def test_targets_lists_the_built_in_targets_newest_first() -> None:
    run = migrate("targets")
    assert run.returncode == 0, run.stderr
    names = [line.split()[0] for line in run.stdout.splitlines() if line and line[0] != " "]
    assert names == ["modular", "runconfig", "modular-1543ca5"]
    assert run.stdout.startswith("modular  (default)\n")
