"""The JSON report against its documented schema, and YAML against JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from migrate import report
from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.errors import MigrateError
from migrate.plan.findings import CATALOGUE
from tests.support.cli import migrate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

INPUTS = [
    ("-R", "-f", "fixtures/manifests"),
    ("-R", "-f", "fixtures/manifests", "--preserve-behavior"),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return migrate("convert", "--dry-run", *args)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_lists_exactly_the_catalogued_finding_ids() -> None:
    assert SCHEMA["$defs"]["finding"]["properties"]["id"]["enum"] == list(CATALOGUE)


@pytest.mark.parametrize("args", INPUTS, ids=lambda a: " ".join(a))
def test_json_report_validates_and_yaml_carries_the_same_data(args: tuple[str, ...]) -> None:
    as_json = run(*args, "-o", "json")
    assert as_json.returncode in (0, 1), as_json.stderr
    data: dict[str, Any] = json.loads(as_json.stdout)
    VALIDATOR.validate(data)
    assert data["workloads"], "the input should hold Llama Stack workloads"
    as_yaml = run(*args, "-o", "yaml")
    assert yaml.safe_load(as_yaml.stdout) == data


def test_key_order_is_stable() -> None:
    data = json.loads(run("-R", "-f", "fixtures/manifests", "-o", "json").stdout)
    assert list(data) == list(SCHEMA["properties"])
    for workload in data["workloads"]:
        assert list(workload) == list(SCHEMA["$defs"]["workload"]["properties"])


def test_a_broken_report_is_rejected() -> None:
    data = json.loads(run("-f", "fixtures/manifests/demo/seed-example.yaml", "-o", "json").stdout)
    data["workloads"][0]["findings"][0]["id"] = "made-up"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


def test_reports_of_every_finding_fixture_validate() -> None:
    """In process, for speed: one report per fixture file of fixtures/findings."""
    chosen = profile.load()
    paths = sorted((ROOT / "fixtures" / "findings").rglob("*.yaml"))
    checked = 0
    for path in paths:
        try:
            documents = pipeline.load([str(path)], False)
        except MigrateError:
            continue  # not a manifest (a template or chart values of a fixture)
        result = pipeline.convert(documents, chosen)
        data = report.build(
            result.outcomes,
            result.documents,
            report.Options(dry_run=True),
            profile=chosen,
        )
        VALIDATOR.validate(json.loads(json.dumps(data)))
        checked += 1
    # Every ID with a fixture pair: both files of it are manifests that were checked.
    pairs = [i for i in CATALOGUE if (ROOT / "fixtures" / "findings" / i / "raises.yaml").exists()]
    assert checked >= 2 * len(pairs)
