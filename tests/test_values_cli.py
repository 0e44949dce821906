"""``migrate values`` as a user runs it: stdout or a file, summary on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "values" / "seed.yaml"


def test_new_values_on_stdout_and_one_summary_with_the_hazard_on_stderr() -> None:
    run = migrate("values", str(SEED))
    assert run.returncode == 0, run.stderr
    new = yaml.safe_load(run.stdout)
    assert "vectorStore" not in new and new["runConfig"]["vector_stores"]["default_provider_id"]
    lines = run.stderr.splitlines()
    assert lines[0].startswith(f"{SEED}: 'vectorStore' -> 'runConfig' (")
    assert "chart defaults adopted: providers.inference[0].config.allowed_models" in lines[0]
    assert lines[1].startswith("warning: providers.inference[0].config.allowed_models:")
    assert lines[1].endswith("[chart-default-hazard]")


def test_preserve_behavior_pins_the_vllm_provider_and_warns_of_nothing() -> None:
    run = migrate("values", str(SEED), "--preserve-behavior")
    assert run.returncode == 0, run.stderr
    inference = yaml.safe_load(run.stdout)["runConfig"]["providers"]["inference"]
    assert all("allowed_models" not in (p.get("config") or {}) for p in inference)
    assert "warning" not in run.stderr


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


def test_stdin_and_already_migrated_values(tmp_path: Path) -> None:
    first = migrate("values", str(SEED)).stdout
    run = subprocess.run(
        [sys.executable, "-m", "migrate", "values", "-"],
        input=first,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == first
    assert "<stdin>: already migrated" in run.stderr


def test_bad_values_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "values.yaml"
    bad.write_text("vectorStore:\n  defaultProvider: [milvus\n")
    run = migrate("values", str(bad))
    assert run.returncode == 2
    assert str(bad) in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""
