"""``--verify``: the target chart rendered by real Helm, resolved and compared with the old pod."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Status
from migrate.plan import verify
from tests.support import helm
from tests.support.cli import migrate as run

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
SEED_VALUES = ROOT / "fixtures" / "values" / "seed.yaml"


def seed_outcome(
    chart: Path, target_values: tuple[Path, ...] = (SEED_VALUES,)
) -> tuple[pipeline.Outcome, profile.Profile]:
    chosen = profile.load(chart=chart, values=target_values)
    documents = pipeline.load([str(SEED)], False)
    result = pipeline.convert(documents, chosen)
    (outcome,) = [o for o in result.outcomes if o.plan.status is Status.NEEDS_MIGRATION]
    return outcome, chosen


def overlay_text(outcome: pipeline.Outcome) -> str:
    return next(a.text for a in outcome.artifacts if a.path.name == pipeline.OVERLAY_FILE)


@pytest.mark.parametrize("packaged", [False, True])
def test_the_seed_release_with_its_values_is_verified(tmp_path: Path, packaged: bool) -> None:
    chart = helm.package(helm.MODULAR, tmp_path) if packaged else helm.MODULAR
    done = run(
        "convert", "-f", str(SEED), "--dry-run", "-o", "json", "--chart", str(chart),
        "--values", str(SEED_VALUES), "--verify",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    (workload,) = [w for w in report["workloads"] if w["status"] == "needs migration"]
    assert workload["verified"] is True
    assert report["options"]["verify"] is True
    assert report["target"]["name"] == "modular"
    assert "verify-mismatch" not in [f["id"] for f in workload["findings"]]


def test_without_the_release_values_helm_renders_another_vllm_url() -> None:
    outcome, chosen = seed_outcome(helm.MODULAR, ())
    checked = verify.check(outcome.plan, chosen, overlay_text(outcome))
    assert checked.verified is False
    (found,) = [f for f in checked.findings if f.id == "verify-mismatch"]
    assert found.severity.value == "error"
    assert "providers.inference[0].config.url" in found.message
    assert "http://vllm-router.vllm.svc.cluster.local/v1" in found.message


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("default_provider_id: milvus", "default_provider_id: faiss", "vector_stores"),
        ("embedding_dimension: 4096", "embedding_dimension: 4095", "embedding_dimension"),
        ("embedding_dimension: 4096", 'embedding_dimension: "4096"', "embedding_dimension"),
    ],
)
def test_a_corrupted_overlay_is_caught(old: str, new: str, path: str) -> None:
    outcome, chosen = seed_outcome(helm.MODULAR)
    text = overlay_text(outcome)
    assert verify.check(outcome.plan, chosen, text).verified is True
    assert old in text
    checked = verify.check(outcome.plan, chosen, text.replace(old, new))
    assert checked.verified is False
    (found,) = [f for f in checked.findings if f.id == "verify-mismatch"]
    assert path in found.message


def test_a_seed_layout_overlay_given_to_the_modular_chart_is_refused() -> None:
    seed_layout = profile.load(target="runconfig", values=(SEED_VALUES,))
    documents = pipeline.load([str(SEED)], False)
    (runconfig,) = [
        o
        for o in pipeline.convert(documents, seed_layout).outcomes
        if o.plan.status is Status.NEEDS_MIGRATION
    ]
    assert overlay_text(runconfig).count("runConfig:") == 1
    outcome, modular = seed_outcome(helm.MODULAR)
    checked = verify.check(outcome.plan, modular, overlay_text(runconfig))
    assert checked.verified is False
    (found,) = [f for f in checked.findings if f.id == "verify-mismatch"]
    # Helm ignored the runConfig key: the pod falls back to the chart's vector store.
    assert "vector_stores.default_provider_id: 'milvus' -> 'faiss'" in found.message


def test_the_seed_chart_keeps_the_vllm_provider_and_verifies() -> None:
    outcome, chosen = seed_outcome(helm.RUNCONFIG)
    assert chosen.target.name == "runconfig"
    assert "kept as the pod ran it" in overlay_text(outcome)
    assert verify.check(outcome.plan, chosen, overlay_text(outcome)).verified is True


def test_verify_needs_a_chart() -> None:
    done = run("convert", "-f", str(SEED), "--dry-run", "--verify")
    assert done.returncode == 2
    assert "--chart" in done.stderr and "Traceback" not in done.stderr


def test_verify_without_helm_python_says_how_to_get_it(tmp_path: Path) -> None:
    blocker = tmp_path / "helm_python"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('not installed here')\n")
    done = run(
        "convert", "-f", str(SEED), "--dry-run", "--chart", str(helm.MODULAR), "--verify",
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'llama-stack-migrate[helm]'" in done.stderr
    assert "Traceback" not in done.stderr
