"""A corpus of realistic manifests that are not Llama Stack: ``fixtures/corpus/not-llama-stack``.

Operators (the llama-stack-k8s-operator's own controller, its RBAC and CRD),
CRDs with odd scalars (a lone ``=``, 'yes'/no/on, 0o17, timestamps, long
descriptions, x-kubernetes-* extensions), ``helm template`` output, Kustomize
bases with empty lists, a ``kind: List`` from ``kubectl get -o yaml``, and
workloads whose names and labels say llama (Ollama, llama.cpp, vLLM). ``migrate
convert`` must read all of it, call every workload "not Llama Stack", raise no
finding and write nothing.

The expected counts come from reading the corpus here, independently of migrate:
PyYAML with the two YAML 1.1 scalars that Go YAML (kubectl) reads as text, a
lone ``=`` and timestamps, read as text too.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from migrate.sources import manifests
from tests.support.cli import ROOT, migrate

CORPUS = ROOT / "fixtures" / "corpus" / "not-llama-stack"
ARGUMENT = str(CORPUS.relative_to(ROOT))
SUFFIXES = (".yaml", ".yml", ".json")  # what `convert -R` reads from a directory
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
NOT_LLAMA_STACK = "not Llama Stack"


class _GoLikeLoader(yaml.SafeLoader):
    """YAML 1.1 as kubectl reads it: a lone '=' and timestamps stay strings."""


def _text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_GoLikeLoader.add_constructor("tag:yaml.org,2002:value", _text)
_GoLikeLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)


def _files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def _objects() -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every object of the corpus, the items of a ``kind: List`` one by one."""
    for path in _files():
        for data in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_GoLikeLoader):
            if data is None:
                continue  # an empty document, or one that is only comments
            assert isinstance(data, Mapping), path
            if data.get("kind") == "List":
                for item in data["items"]:
                    yield path, item
            else:
                yield path, data


def _expected_workloads() -> set[tuple[str, str, str]]:
    return {
        (data["kind"], data["metadata"].get("namespace", "default"), data["metadata"]["name"])
        for _, data in _objects()
        if data.get("kind") in WORKLOAD_KINDS
    }


def _built_in(data: Mapping[str, Any]) -> bool:
    """Whether the object's kind is one of Kubernetes' own, not a custom resource."""
    group = str(data.get("apiVersion", "")).rpartition("/")[0]
    if group == "kustomize.config.k8s.io":
        return False  # kustomization.yaml: read by kustomize, never sent to a cluster
    return "." not in group or group.endswith(".k8s.io")


def _no_traceback(run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in run.stderr + run.stdout, run.stderr


def test_corpus_is_what_it_says() -> None:
    files = _files()
    assert 10 <= len(files) <= 15, [str(p) for p in files]
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path}: no opening comment"
    kinds = {data.get("kind") for _, data in _objects()}
    assert {"Deployment", "StatefulSet", "CustomResourceDefinition"} <= kinds


def test_convert_reports_nothing_but_not_llama_stack(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = migrate("convert", "-R", "-f", ARGUMENT, "-d", str(out), "-o", "json")
    _no_traceback(run)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    expected = _expected_workloads()
    assert report["inputErrors"] == []
    for workload in report["workloads"]:
        where = f"{workload['source']}: {workload['kind']} {workload['name']}"
        assert workload["status"] == NOT_LLAMA_STACK, where
        assert workload["findings"] == [], where
        assert workload["files"] == [], where
    reported = {(w["kind"], w["namespace"], w["name"]) for w in report["workloads"]}
    assert reported == expected
    summary = report["summary"]
    assert summary["workloads"] == 0
    assert summary["notLlamaStack"] == len(expected)
    assert summary["documents"] == sum(1 for _ in _objects())
    assert summary["findings"] == {"error": 0, "warning": 0, "info": 0}
    assert summary["failed"] is False
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_dry_run_text_finds_no_llama_stack(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = migrate("convert", "-R", "-f", ARGUMENT, "-d", str(out), "--dry-run", "-o", "text")
    _no_traceback(run)
    assert run.returncode == 0, run.stderr
    assert "no Llama Stack workloads found" in run.stdout
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_built_in_objects_are_valid_kubernetes(path: Path) -> None:
    """Objects of Kubernetes' own kinds validate; custom resources and
    kustomization.yaml have no schema to check against."""
    text = path.read_text(encoding="utf-8")
    read = list(manifests.documents(str(path), text))
    assert len(read) == sum(1 for p, _ in _objects() if p == path)
    errors = []
    for document in read:
        if not _built_in(document.data):
            continue
        try:
            kubernetes_validate.validate(document.data, "1.33", strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{document.origin}: {document.kind}: {error.message}")
    assert errors == []
