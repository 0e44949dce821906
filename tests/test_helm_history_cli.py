"""``migrate convert --helm-history DIR``: release Secrets exported as YAML, read offline."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support import helm
from tests.support.cli import migrate
from tests.support.cluster import history as histories
from tests.support.cluster.history import Step

RELEASE, NAMESPACE = "rag", "research"
CUSTOM = {
    "vectorStore": {
        "defaultProvider": "milvus",
        "embedding": {"provider": "vllm", "model": "e5", "dimension": 4096},
    }
}
# Revision 2's values set a key the old run.yaml lacked, whose value must stay in the release.
NOW = {"vectorStores": {"default_provider_id": "faiss", "api_token": "SENTINEL-release-value"}}


def exported(tmp_path: Path) -> tuple[Path, Path]:
    """The live objects of revision 2 and a directory with the release's Secrets."""
    stored = histories.upgrades(
        RELEASE, NAMESPACE, [Step(helm.LEGACY, CUSTOM), Step(helm.MODULAR, NOW)]
    )
    live = tmp_path / "live.yaml"
    live.write_text(histories.kubectl_list(stored.live()))
    folder = tmp_path / "history"
    folder.mkdir()
    (folder / "rag.yaml").write_text(histories.kubectl_list(stored.records()))
    return live, folder


def test_a_revert_is_found_offline_and_restored_without_release_values(tmp_path: Path) -> None:
    live, folder = exported(tmp_path)
    out = tmp_path / "out"
    run = migrate(
        "convert", "-f", str(live), "--helm-history", str(folder), "-d", str(out), "-o", "json"
    )
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    (workload,) = [w for w in report["workloads"] if w["status"] == "already migrated"]
    assert [f["id"] for f in workload["findings"]] == ["upgrade-reverted"]
    restore_file = out / NAMESPACE / "rag-llama-stack" / "restore-overlay.yaml"
    restore = yaml.safe_load(restore_file.read_text())
    assert restore["vectorStores"]["default_provider_id"] == "milvus"
    assert restore["vectorStores"]["api_token"] is None  # Helm deletes the key
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "SENTINEL" not in written + run.stdout + run.stderr


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    live, folder = exported(tmp_path)
    out = tmp_path / "out"
    run = migrate(
        "convert", "-f", str(live), "--helm-history", str(folder), "-d", str(out), "--dry-run"
    )
    assert run.returncode == 1, run.stderr
    assert "restore-overlay.yaml" in run.stdout
    assert not out.exists()


def test_a_missing_directory_is_a_usage_error_and_nothing_is_written(tmp_path: Path) -> None:
    live, _ = exported(tmp_path)
    out = tmp_path / "out"
    missing = tmp_path / "nowhere"
    run = migrate("convert", "-f", str(live), "--helm-history", str(missing), "-d", str(out))
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: --helm-history {missing}: no such file or directory"
    assert not out.exists()


def test_a_file_that_is_not_yaml_is_named_with_its_line_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    live, folder = exported(tmp_path)
    (folder / "broken.yaml").write_text("items: [1\n")
    run = migrate("convert", "-f", str(live), "--helm-history", str(folder), "--dry-run")
    assert run.returncode == 2
    assert f"error: {folder / 'broken.yaml'}:2:1: invalid YAML" in run.stderr
    assert "Traceback" not in run.stderr
    assert "upgrade-reverted" in run.stdout  # the readable Secrets were still compared


def test_the_restore_has_a_way_back_to_both_revisions(tmp_path: Path) -> None:
    live, folder = exported(tmp_path)
    out = tmp_path / "out"
    run = migrate("convert", "-f", str(live), "--helm-history", str(folder), "-d", str(out))
    assert run.returncode == 1, run.stderr
    back = out / NAMESPACE / "rag-llama-stack" / "rollback"
    readme = (back / "README.md").read_text()
    assert f"helm rollback rag 2 -n {NAMESPACE}" in readme  # undoes the restore
    assert f"helm rollback rag 1 -n {NAMESPACE}" in readme  # back to the env-var chart
    original = yaml.safe_load((back / "deployment.yaml.orig").read_text())
    assert original["metadata"]["name"] == "rag-llama-stack"
    assert "RUN_CONFIG_PATH" in (back / "deployment.yaml.orig").read_text()


def test_a_workload_still_to_migrate_names_the_revision_to_roll_back_to(tmp_path: Path) -> None:
    stored = histories.upgrades(RELEASE, NAMESPACE, [Step(helm.LEGACY), Step(helm.LEGACY, CUSTOM)])
    live = tmp_path / "live.yaml"
    live.write_text(histories.kubectl_list(stored.live()))
    folder = tmp_path / "history"
    folder.mkdir()
    (folder / "rag.yaml").write_text(histories.kubectl_list(stored.records()))
    out = tmp_path / "out"
    run = migrate("convert", "-f", str(live), "--helm-history", str(folder), "-d", str(out))
    assert run.returncode in (0, 1), run.stderr
    readme = (out / NAMESPACE / "rag-llama-stack" / "rollback" / "README.md").read_text()
    assert f"helm rollback rag 2 -n {NAMESPACE}" in readme
    assert "helm history" not in readme
    # Without the history the revision is not known: the README says how to find it.
    plain = tmp_path / "plain"
    assert migrate("convert", "-f", str(live), "-d", str(plain)).returncode in (0, 1)
    readme = (plain / NAMESPACE / "rag-llama-stack" / "rollback" / "README.md").read_text()
    assert "helm history rag" in readme
