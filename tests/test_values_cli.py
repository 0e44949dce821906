"""``migrate values`` as a user runs it: new values on stdout or in a file, findings and one
summary on stderr, the exit code from the findings and --fail-on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "values"
SEED = FIXTURES / "seed.yaml"
NEEDS_ENV = FIXTURES / "needs-env.yaml"


def findings(stderr: str) -> list[tuple[str, str]]:
    """(severity, id) of each finding line: 'SEVERITY: message [id]'."""
    found: list[tuple[str, str]] = []
    for line in stderr.splitlines()[:-1]:
        severity, _, rest = line.partition(": ")
        assert severity in ("error", "warning", "info"), line
        assert rest.endswith("]"), line
        found.append((severity, rest[rest.rindex("[") + 1 : -1]))
    return found


def test_newest_chart_by_default_with_findings_then_one_summary() -> None:
    run = migrate("values", str(SEED))
    assert run.returncode == 0, run.stderr
    new = yaml.safe_load(run.stdout)
    assert "vectorStore" not in new and "runConfig" not in new and "providers" not in new
    assert new["vectorStores"]["default_provider_id"] == "milvus"
    assert new["registeredResources"]["models"][0]["metadata"]["embedding_dimension"] == 4096
    assert findings(run.stderr) == [
        ("warning", "silent-revert"),
        ("warning", "vector-store-risk"),
        ("warning", "vllm-auto-registration"),
        ("info", "no-rollout-trigger"),
    ]
    summary = run.stderr.splitlines()[-1]
    assert summary.startswith(
        f"{SEED}: 'vectorStore' -> 'registeredResources', 'vectorStores' for target modular "
        "(7 values differ from the chart defaults)"
    )
    assert summary.endswith("; 4 findings: 0 errors, 3 warnings, 1 info")


@pytest.mark.parametrize(("target", "key"), [("runconfig", "runConfig"), ("modular-1543ca5", "")])
def test_a_chart_with_the_hazard_keeps_the_vllm_provider_list_with_a_warning(
    target: str, key: str
) -> None:
    run = migrate("values", str(SEED), "--target", target)
    assert run.returncode == 0, run.stderr
    new = yaml.safe_load(run.stdout)
    written = new[key] if key else new
    inference = written["providers"]["inference"]
    assert inference[0]["provider_type"] == "remote::vllm"
    assert all("allowed_models" not in (p.get("config") or {}) for p in inference)
    assert (
        "inference:  # kept as the pod ran it, not the chart's default "
        "providers.inference[0].config.allowed_models: [], which would break this pod "
        "(chart-default-hazard); Helm replaces a list whole, so the whole list is written\n"
    ) in run.stdout
    assert ("warning", "chart-default-hazard") in findings(run.stderr)
    summary = run.stderr.splitlines()[-1]
    # the kept list differs from the defaults by one key, the seed's own keys by seven
    assert "(8 values differ from the chart defaults)" in summary
    kept = "kept as the old values ran them: providers.inference[0].config.allowed_models"
    assert kept in summary
    assert "chart defaults adopted" not in summary


def test_adopting_every_chart_default_is_an_error_and_exit_1_with_the_values_printed() -> None:
    run = migrate("values", str(SEED), "--target", "runconfig", "--adopt-chart-defaults")
    assert run.returncode == 1, run.stderr
    new = yaml.safe_load(run.stdout)
    assert "providers" not in new["runConfig"]
    assert new["runConfig"]["vector_stores"]["default_provider_id"] == "milvus"
    assert ("error", "chart-default-hazard") in findings(run.stderr)
    summary = run.stderr.splitlines()[-1]
    assert "chart defaults adopted: providers.inference[0].config.allowed_models" in summary
    assert "findings: 1 error" in summary
    assert "the new values were printed all the same" in summary
    none = migrate(
        "values", str(SEED), "--target", "runconfig", "--adopt-chart-defaults", "--fail-on", "none"
    )
    assert none.returncode == 0 and none.stdout == run.stdout
    assert "all the same" not in none.stderr


def test_preserve_behavior_pins_every_changed_default_and_the_hazard_is_no_error() -> None:
    run = migrate("values", str(SEED), "--target", "runconfig", "--preserve-behavior")
    assert run.returncode == 0, run.stderr
    inference = yaml.safe_load(run.stdout)["runConfig"]["providers"]["inference"]
    assert all("allowed_models" not in (p.get("config") or {}) for p in inference)
    assert ("error", "chart-default-hazard") not in findings(run.stderr)
    assert "chart defaults adopted" not in run.stderr


def test_preserve_and_adopt_are_one_or_the_other() -> None:
    run = migrate("values", str(SEED), "--preserve-behavior", "--adopt-chart-defaults")
    assert run.returncode == 2
    assert "not both" in run.stderr and run.stdout == ""


def test_a_variable_that_must_stay_an_env_var_is_an_error_not_an_env_key(tmp_path: Path) -> None:
    new = tmp_path / "values.yaml"
    run = migrate("values", str(NEEDS_ENV), "--output-file", str(new))
    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    assert "env" not in yaml.safe_load(new.read_text("utf-8"))
    (line,) = [x for x in run.stderr.splitlines() if x.endswith("[env-not-carried]")]
    assert line.startswith("error: VECTOR_STORE_EMBEDDING_DIMENSION must stay an env var")
    assert "vectorStore.embedding.dimension" in line
    summary = run.stderr.splitlines()[-1]
    assert "kept as env vars: VECTOR_STORE_EMBEDDING_DIMENSION" in summary
    assert f"the new values were written to {new} all the same" in summary


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1), ("none", 0)]
)
def test_fail_on_decides_the_exit_code(fail_on: str, code: int) -> None:
    # the seed on the newest chart: warnings and an info finding, no error
    run = migrate("values", str(SEED), "--fail-on", fail_on)
    assert run.returncode == code, run.stderr
    # The new values are printed whatever the exit code.
    assert yaml.safe_load(run.stdout)["vectorStores"] == {
        "default_provider_id": "milvus",
        "default_embedding_model": {
            "provider_id": "vllm",
            "model_id": "intfloat/e5-mistral-7b-instruct",
        },
    }


def test_defaults_fail_only_on_info() -> None:
    run = migrate("values", str(FIXTURES / "defaults.yaml"), "--fail-on", "warning")
    assert run.returncode == 0, run.stderr
    assert findings(run.stderr) == [("info", "no-rollout-trigger")]
    assert migrate("values", str(FIXTURES / "defaults.yaml"), "--fail-on", "info").returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fail-on", "fatal"), "'fatal' is not one of"),
        (("--target", "nope"), "--target nope: no such target"),
    ],
)
def test_bad_options_exit_2(args: tuple[str, ...], message: str) -> None:
    run = migrate("values", str(SEED), *args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_output_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    target = tmp_path / "values.yaml"
    target.write_text("keep: me\n")
    refused = migrate("values", str(SEED), "--output-file", str(target))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert target.read_text() == "keep: me\n"
    forced = migrate("values", str(SEED), "--output-file", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == ""
    assert target.read_text() == migrate("values", str(SEED)).stdout


@pytest.mark.parametrize("target", ["modular", "runconfig"])
def test_stdin_and_already_migrated_values(target: str) -> None:
    first = migrate("values", str(SEED), "--target", target).stdout
    run = migrate("values", "-", "--target", target, stdin=first)
    assert run.returncode == 0, run.stderr
    assert run.stdout == first
    assert f"<stdin>: already migrated for target {target}" in run.stderr


def test_bad_values_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "values.yaml"
    bad.write_text("vectorStore:\n  defaultProvider: [milvus\n")
    run = migrate("values", str(bad))
    assert run.returncode == 2
    assert str(bad) in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""
