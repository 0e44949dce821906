"""A workload read from ``kubectl get -o yaml`` output loses what the API server set, and
only that.

The README's own ``kubectl get … -o yaml | migrate convert -f -``: the patched
manifest holds none of the server-set fields that ``scan`` leaves out (the one
list, :mod:`migrate.sources.server_fields`), so ``kubectl apply`` of it cannot
conflict; every other line is the one read, byte for byte — the patched file is
the one written for the same manifest with those lines deleted by hand. The
report says so per workload, with an info finding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.sources import server_fields
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
GET = ROOT / "fixtures" / "kubectl" / "get-seed.yaml"
SINGLE = ROOT / "fixtures" / "findings" / "server-fields-removed" / "raises.yaml"
FOLDER = Path("research") / "llama-stack"


def item_text() -> str:
    """The List's one item as a manifest of its own (dedented, as kubectl prints one object)."""
    lines = GET.read_text().splitlines(keepends=True)
    start = lines.index("- apiVersion: apps/v1\n")
    end = lines.index("kind: List\n")
    return "".join(line[2:] for line in lines[start:end])


def by_hand(text: str) -> str:
    """``text`` without the lines of the server-set entries, found by their indentation."""
    metadata = {f"  {key}:" for key in server_fields.METADATA}
    annotations = {f"    {key}:" for key in server_fields.ANNOTATIONS}
    kept: list[str] = []
    skipping: int | None = None  # the indentation of the entry being dropped
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if skipping is not None:
            if indent > skipping or (indent == skipping and line.lstrip().startswith("- ")):
                continue
            skipping = None
        if any(line.startswith(key) for key in (*metadata, *annotations, "status:")):
            skipping = indent
            continue
        kept.append(line)
    return "".join(kept)


def convert(path: Path, out: Path, *extra: str) -> dict[str, Any]:
    run = migrate("convert", "-f", str(path), "-d", str(out), "-o", "json", *extra)
    assert run.returncode == 0, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def findings(report: dict[str, Any], finding_id: str) -> list[str]:
    return [
        f["message"] for w in report["workloads"] for f in w["findings"] if f["id"] == finding_id
    ]


def assert_no_server_fields(manifest: dict[str, Any]) -> None:
    assert "status" not in manifest
    metadata = manifest["metadata"]
    assert not set(server_fields.METADATA) & set(metadata)
    assert not set(server_fields.ANNOTATIONS) & set(metadata.get("annotations") or {})


def test_kubectl_get_output_is_patched_without_what_the_server_set(tmp_path: Path) -> None:
    report = convert(GET, tmp_path / "got")
    patched = (tmp_path / "got" / FOLDER / "deployment.yaml").read_text()
    assert_no_server_fields(yaml.safe_load(patched))

    # Every other line is as read: the same file as for the manifest cleaned by hand.
    cleaned = tmp_path / "cleaned.yaml"
    cleaned.write_text(by_hand(item_text()))
    assert "status:" not in cleaned.read_text() and "managedFields" not in cleaned.read_text()
    assert convert(cleaned, tmp_path / "by-hand")["workloads"][0]["findings"] == [
        f for f in report["workloads"][0]["findings"] if f["id"] != "server-fields-removed"
    ]
    assert patched == (tmp_path / "by-hand" / FOLDER / "deployment.yaml").read_text()
    # ... and the template's `creationTimestamp: null`, which the server did not set, stays.
    assert "      creationTimestamp: null\n" in patched

    (message,) = findings(report, "server-fields-removed")
    assert message.startswith("read as the API server returned it (kubectl get): ")
    for name in ("metadata.resourceVersion", "metadata.uid", "metadata.managedFields", "status"):
        assert name in message
    assert "annotation deployment.kubernetes.io/revision" in message


def test_stdin_and_stdout_as_the_readme_pipes_them() -> None:
    run = migrate("convert", "-f", "-", "--stdout", stdin=GET.read_text())
    assert run.returncode == 0, run.stderr
    documents = [d for d in yaml.safe_load_all(run.stdout) if d]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    assert_no_server_fields(deployment)
    assert "[server-fields-removed]" in run.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_a_single_object_yaml_or_json(tmp_path: Path, as_json: bool) -> None:
    source = SINGLE
    if as_json:
        source = tmp_path / "get.json"
        source.write_text(json.dumps(yaml.safe_load(SINGLE.read_text()), indent=4) + "\n")
    report = convert(source, tmp_path / "out")
    patched = (tmp_path / "out" / "ai" / "llama-stack" / "deployment.yaml").read_text()
    assert_no_server_fields(yaml.safe_load(patched))
    assert patched.startswith("{") == as_json
    assert len(findings(report, "server-fields-removed")) == 1


def test_a_manifest_without_them_is_not_touched_and_gets_no_finding(tmp_path: Path) -> None:
    report = convert(ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml", tmp_path)
    assert findings(report, "server-fields-removed") == []
