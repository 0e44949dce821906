"""Target charts: built-in layouts, the user's chart detected from its templates, release
values, values that must stay env vars, and breaking defaults kept by default."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.errors import InputError
from migrate.model import Status
from migrate.yaml.io import same
from tests.support import helm
from tests.support.cli import migrate as run

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
SECRET = ROOT / "fixtures" / "findings" / "env-not-carried" / "raises.yaml"


def convert(path: Path, chosen: profile.Profile, **options: Any) -> pipeline.Outcome:
    result = pipeline.convert(pipeline.load([str(path)], False), chosen, **options)
    (outcome,) = [o for o in result.outcomes if o.plan.status is Status.NEEDS_MIGRATION]
    return outcome


def overlay(outcome: pipeline.Outcome) -> dict[str, Any]:
    text = next(a.text for a in outcome.artifacts if a.path.name == pipeline.OVERLAY_FILE)
    values: dict[str, Any] = helm_python.values_from_yaml(text) or {}
    return values


# -- built-in targets -------------------------------------------------------------------


def test_the_built_in_targets_render_what_their_fixture_charts_render() -> None:
    for name, chart in (("modular", helm.MODULAR), ("runconfig", helm.RUNCONFIG)):
        documents = helm.render_documents(chart)
        (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
        rendered = yaml.safe_load(configmap["data"]["run.yaml"])
        assert same(profile.load(target=name).chart_defaults, rendered), name


def test_the_first_modular_chart_has_the_seed_defaults_in_modular_keys() -> None:
    early = profile.load(target="modular-1543ca5")
    assert same(early.chart_defaults, profile.load(target="runconfig").chart_defaults)
    assert set(early.target.values) == {s.values_key for s in early.target.layout.sections}


def test_the_seed_example_in_each_layout() -> None:
    modular = overlay(convert(SEED, profile.load()))
    assert sorted(modular) == ["registeredResources", "vectorStores"]
    assert modular["vectorStores"]["default_provider_id"] == "milvus"
    seed = overlay(convert(SEED, profile.load(target="runconfig"), adopt_defaults=True))
    assert sorted(seed) == ["runConfig"]
    assert sorted(seed["runConfig"]) == ["registered_resources", "vector_stores"]
    assert seed["runConfig"]["vector_stores"] == modular["vectorStores"]
    assert seed["runConfig"]["registered_resources"] == modular["registeredResources"]


def test_unknown_target_and_target_with_chart_are_usage_errors() -> None:
    done = run("convert", "-f", str(SEED), "--dry-run", "--target", "nope")
    assert done.returncode == 2
    assert "modular" in done.stderr and "runconfig" in done.stderr
    done = run(
        "convert", "-f", str(SEED), "--dry-run", "--target", "modular", "--chart",
        str(helm.MODULAR),
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_targets_lists_the_default_first_and_tells_a_chart() -> None:
    done = run("targets", "-o", "json")
    rows = json.loads(done.stdout)
    assert rows[0]["name"] == "modular" and rows[0]["default"] is True
    assert {r["name"] for r in rows} == {"modular", "modular-1543ca5", "runconfig"}
    done = run("targets", "--chart", str(helm.RUNCONFIG), "-o", "json")
    assert json.loads(done.stdout)[-1]["name"] == "runconfig"


# -- the user's chart ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "name"), [(helm.MODULAR, "modular"), (helm.RUNCONFIG, "runconfig")]
)
def test_a_chart_is_detected_from_its_configmap_template(
    tmp_path: Path, chart: Path, name: str
) -> None:
    for path in (chart, helm.package(chart, tmp_path)):
        chosen = profile.load(chart=path)
        assert chosen.target.name == name
        assert chosen.target.chart == path


def test_a_chart_of_another_layout_is_detected_and_named_as_none_of_ours(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(helm.MODULAR, chart)
    values = yaml.safe_load((chart / "values.yaml").read_text())
    values["vectorStores"]["default_provider_id"] = "sqlite-vec"
    (chart / "values.yaml").write_text(yaml.safe_dump(values))
    chosen = profile.load(chart=chart)
    assert chosen.target.name == "chart"
    assert chosen.target.layout.name == "modular"
    assert chosen.chart_defaults["vector_stores"]["default_provider_id"] == "sqlite-vec"


@pytest.mark.parametrize(
    "template",
    [
        "data:\n  run.yaml: |\n    {{- tpl (toYaml .Values.runConfig) . | nindent 4 }}\n",
        "data:\n  run.yaml: |\n    {{- if .Values.x }}\n    a: 1\n    {{- end }}\n",
        "data:\n  other.yaml: |\n    {{- toYaml .Values.runConfig | nindent 4 }}\n",
    ],
)
def test_a_chart_of_an_unknown_layout_is_refused_with_what_was_looked_for(
    tmp_path: Path, template: str
) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(helm.RUNCONFIG, chart)
    (chart / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" + template
    )
    with pytest.raises(InputError, match=r"toYaml \.Values\.<key>") as caught:
        profile.load(chart=chart)
    assert str(chart) in str(caught.value)
    done = run("convert", "-f", str(SEED), "--dry-run", "--chart", str(chart))
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_the_old_chart_is_refused_as_a_target() -> None:
    with pytest.raises(InputError, match="VECTOR_STORE_"):
        profile.load(chart=helm.LEGACY)


def test_an_archive_that_is_no_chart_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "chart.tgz"
    bogus.write_bytes(b"not a tar archive")
    with pytest.raises(InputError, match=r"chart\.tgz"):
        profile.load(chart=bogus)
    empty = tmp_path / "empty.tgz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(InputError, match=r"no values\.yaml"):
        profile.load(chart=empty)


def test_a_chart_with_an_env_map_carries_the_variables_that_stay(tmp_path: Path) -> None:
    chart = ROOT / "fixtures" / "findings" / "env-not-in-overlay" / "chart"
    chosen = profile.load(chart=chart)
    assert chosen.target.env_values_key == "env"
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        SEED.read_text().replace(
            'value: "intfloat/e5-mistral-7b-instruct"', 'value: "e5-${env.X}"', 1
        )
    )
    # Baked, the text would be expanded by the new config; it stays an env var.
    outcome = convert(plain, chosen)
    assert overlay(outcome)["env"] == {"VECTOR_STORE_EMBEDDING_MODEL": "e5-${env.X}"}
    assert "env-not-carried" not in [f.id for f in outcome.plan.findings]


# -- release values, env vars, hazards -------------------------------------------------------


def test_release_values_that_already_set_a_key_shrink_the_overlay(tmp_path: Path) -> None:
    values = tmp_path / "release.yaml"
    values.write_text("vectorStores:\n  default_provider_id: milvus\n")
    with_release = overlay(convert(SEED, profile.load(values=(values,))))
    without = overlay(convert(SEED, profile.load()))
    assert "default_provider_id" in without["vectorStores"]
    assert "default_provider_id" not in with_release["vectorStores"]


def test_a_secret_sourced_variable_is_an_error_for_helm_not_an_env_key() -> None:
    outcome = convert(SECRET, profile.load())
    found = {f.id: f for f in outcome.plan.findings}
    assert found["env-not-carried"].severity.value == "error"
    assert "--assume VECTOR_STORE_EMBEDDING_MODEL=VALUE" in found["env-not-carried"].message
    assert "env" not in overlay(outcome)
    done = run("convert", "-f", str(SECRET), "--dry-run", "-o", "json")
    assert done.returncode == 1
    (workload,) = json.loads(done.stdout)["workloads"]
    assert workload["next"] is None


def test_assume_bakes_a_value_not_known_offline() -> None:
    outcome = convert(
        SECRET, profile.load(), assume={"VECTOR_STORE_EMBEDDING_MODEL": "intfloat/e5"}
    )
    assert "env-not-carried" not in [f.id for f in outcome.plan.findings]
    values = overlay(outcome)
    assert values["vectorStores"]["default_embedding_model"]["model_id"] == "intfloat/e5"
    done = run("convert", "-f", str(SECRET), "--dry-run", "--assume", "MY_API_KEY=x")
    assert done.returncode == 2 and "--allow-credentials" in done.stderr
    done = run("convert", "-f", str(SECRET), "--dry-run", "--assume", "no-equals")
    assert done.returncode == 2


def test_a_breaking_default_is_kept_by_default_and_adopted_on_request() -> None:
    seed_chart = profile.load(target="runconfig")
    kept = convert(SEED, seed_chart)
    hazard = [f for f in kept.plan.findings if f.id == "chart-default-hazard"]
    assert [f.severity.value for f in hazard] == ["warning"]
    assert not [d for d in kept.plan.drift if d.adopted]
    vllm = overlay(kept)["runConfig"]["providers"]["inference"][0]
    assert vllm["provider_type"] == "remote::vllm" and "allowed_models" not in vllm["config"]
    adopted = convert(SEED, seed_chart, adopt_defaults=True)
    hazard = [f for f in adopted.plan.findings if f.id == "chart-default-hazard"]
    assert [f.severity.value for f in hazard] == ["error"]
    assert "providers" not in overlay(adopted)["runConfig"]
    done = run("convert", "-f", str(SEED), "--dry-run", "--target", "runconfig", "-o", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["workloads"][0]["next"].endswith("# target: runconfig")


def test_preserve_behavior_and_adopt_chart_defaults_exclude_each_other() -> None:
    done = run(
        "convert", "-f", str(SEED), "--dry-run", "--preserve-behavior", "--adopt-chart-defaults"
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_the_overlay_header_names_the_target() -> None:
    outcome = convert(SEED, profile.load())
    text = next(a.text for a in outcome.artifacts if a.path.name == pipeline.OVERLAY_FILE)
    assert "# Target chart: modular (the newest chart" in text


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), "vectorStores.default_provider_id"),
        (("--target", "runconfig"), "runConfig.vector_stores.default_provider_id"),
    ],
)
def test_mapping_names_the_values_key_of_the_target(
    options: tuple[str, ...], expected: str
) -> None:
    done = run("mapping", "-o", "json", *options)
    table = json.loads(done.stdout)
    (provider,) = [v for v in table["variables"] if v["name"] == "VECTOR_STORE_DEFAULT_PROVIDER"]
    assert [k["values"] for k in provider["keys"]] == [expected]
