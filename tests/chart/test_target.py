"""Target charts in-process: built-in targets, the user's chart as a target, release values."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.chart import layout, profile, target
from migrate.chart.layout import Layout, Section
from migrate.errors import InputError
from migrate.yaml.io import same
from tests.support import helm

MODULAR = Layout(
    name="modular",
    sections=(Section("providers", "providers"), Section("vectorStores", "vector_stores")),
    fixed={"version": 2},
)
RUN_YAML = {"providers": {"inference": [{"provider_id": "vllm"}]}, "vector_stores": {"a": 1}}
KNOWN = profile.load().targets


def built_in(specs: list[dict[str, Any]], files: Mapping[str, Any]) -> dict[str, target.Target]:
    layouts = {"runconfig": Layout(name="runconfig", whole="runConfig"), "modular": MODULAR}
    return target.built_in(specs, layouts, files.__getitem__, "p")


def test_built_in_targets_from_their_values_files_or_another_target() -> None:
    targets = built_in(
        [
            {"name": "old", "layout": "runconfig", "values": "old.yaml", "description": " a\n  b "},
            {"name": "new", "layout": "modular", "values_from": "old"},
        ],
        {"old.yaml": {"runConfig": {**RUN_YAML, "version": 2, "server": {"port": 1}}}},
    )
    old, new = targets["old"], targets["new"]
    assert (old.name, old.description, old.source) == ("old", "a b", "built-in target old")
    assert old.defaults == {**RUN_YAML, "version": 2, "server": {"port": 1}}
    # The other target's run.yaml in this layout: keys it fixes or cannot set are left out.
    assert new.values == {"providers": RUN_YAML["providers"], "vectorStores": {"a": 1}}
    assert new.defaults == {"version": 2, **RUN_YAML}
    assert (new.description, new.env_values_key, new.chart) == ("", None, None)


def test_a_built_in_target_must_render_a_run_yaml() -> None:
    with pytest.raises(InputError) as caught:
        built_in([{"name": "t", "layout": "runconfig", "values": "v.yaml"}], {"v.yaml": [1]})
    assert str(caught.value) == "profile p: v.yaml is not a mapping"
    with pytest.raises(InputError) as caught:
        built_in(
            [{"name": "t", "layout": "runconfig", "values": "v.yaml"}],
            {"v.yaml": {"runConfig": {"server": {}}}},
        )
    assert str(caught.value) == (
        "built-in target t: the chart's values do not render a Llama Stack run.yaml "
        "(the whole run.yaml under 'runConfig'; expected a mapping with 'providers' or 'apis')"
    )


def test_release_values_merge_over_the_defaults_in_order() -> None:
    chart = target.Target(
        name="t",
        description="",
        layout=MODULAR,
        values={"providers": RUN_YAML["providers"], "vectorStores": {"a": 1, "b": 2}},
        source="s",
    )
    released = chart.with_release_values(
        [("one.yaml", {"vectorStores": {"a": 10}}), ("two.yaml", {"vectorStores": {"b": None}})]
    ).with_release_values([("three.yaml", {"vectorStores": {"c": 3}})])
    assert released.values["vectorStores"] == {"a": 10, "c": 3}
    assert released.defaults["vector_stores"] == {"a": 10, "c": 3}
    assert released.release_values == ("one.yaml", "two.yaml", "three.yaml")
    assert released.release_data == (
        {"vectorStores": {"a": 10}},
        {"vectorStores": {"b": None}},
        {"vectorStores": {"c": 3}},
    )
    assert chart.values["vectorStores"] == {"a": 1, "b": 2}  # the target itself is unchanged


@pytest.mark.parametrize(
    ("chart", "name"), [(helm.MODULAR, "modular"), (helm.RUNCONFIG, "runconfig")]
)
def test_a_fixture_chart_is_the_built_in_target_it_matches(
    tmp_path: Path, chart: Path, name: str
) -> None:
    for path in (chart, helm.package(chart, tmp_path)):
        found, files = target.from_chart(path, "run.yaml", KNOWN)
        assert found.name == name
        assert found.description == f"{path}: as {KNOWN[name].description}"
        assert (found.source, found.chart) == (str(path), path)
        assert found.layout == KNOWN[name].layout
        assert same(found.defaults, KNOWN[name].defaults)
        assert files.source == str(path)


def test_a_chart_that_matches_no_built_in_target_is_named_chart(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(helm.MODULAR, chart)
    values = yaml.safe_load((chart / "values.yaml").read_text())
    values["vectorStores"]["default_provider_id"] = "sqlite-vec"
    (chart / "values.yaml").write_text(yaml.safe_dump(values))
    found, _ = target.from_chart(chart, "run.yaml", KNOWN)
    assert found.name == "chart"
    assert found.description == f"{chart}: {KNOWN['modular'].layout.describe()}"
    assert found.defaults["vector_stores"]["default_provider_id"] == "sqlite-vec"


def test_the_env_map_of_a_chart_is_carried_by_its_target() -> None:
    chart = helm.FIXTURE_CHARTS.parent / "findings" / "env-not-in-overlay" / "chart"
    found, _ = target.from_chart(chart, "run.yaml", KNOWN)
    assert found.env_values_key == "env"


def test_chart_values_that_do_not_render_a_run_yaml_name_the_file_and_line(
    tmp_path: Path,
) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(helm.RUNCONFIG, chart)
    values_file = chart / "values.yaml"

    def refused(values: str) -> str:
        values_file.write_text(values)
        with pytest.raises(InputError) as caught:
            target.from_chart(chart, "run.yaml", KNOWN)
        return str(caught.value)

    assert refused("- a list\n") == f"{values_file}:1: the chart's values are not a mapping"
    assert refused("replicaCount: 1\n") == (
        f"{values_file}:1: the chart renders run.yaml from 'runConfig', "
        "but its values have no such section"
    )
    assert refused("replicaCount: 1\nrunConfig: 3\n").startswith(f"{values_file}:2: the chart ")
    assert refused("replicaCount: 1\n\nrunConfig:\n  server: {}\n") == (
        f"{values_file}:3: the chart's values do not render a Llama Stack run.yaml "
        "(the whole run.yaml under 'runConfig'; expected a mapping with 'providers' or 'apis')"
    )
    packaged = helm.package(chart, tmp_path)
    with pytest.raises(InputError) as caught:
        target.from_chart(packaged, "run.yaml", KNOWN)
    assert str(caught.value).startswith(f"{packaged}:values.yaml:3: the chart's values do not ")


def test_release_values_files() -> None:
    assert target.read_values("v.yaml", "") == {}
    assert target.read_values("v.yaml", "# only a comment\n") == {}
    assert target.read_values("v.yaml", "a:\n  b: 1\n") == {"a": {"b": 1}}
    with pytest.raises(InputError) as caught:
        target.read_values("v.yaml", "- 1\n")
    assert str(caught.value) == "v.yaml:1: Helm values must be a mapping, not a list"
    with pytest.raises(InputError, match=r"^v\.yaml:2:"):
        target.read_values("v.yaml", "a: 1\nb: c: d\n")


def test_the_built_in_profile_declares_its_layouts_and_targets() -> None:
    assert list(KNOWN) == ["runconfig", "modular", "modular-1543ca5"]
    assert KNOWN["runconfig"].layout == Layout(name="runconfig", whole="runConfig")
    assert KNOWN["modular"].layout == KNOWN["modular-1543ca5"].layout
    assert [s.values_key for s in KNOWN["modular"].layout.sections] == [
        "providers",
        "storage",
        "registeredResources",
        "server",
        "vectorStores",
        "safety",
    ]
    assert same(KNOWN["modular-1543ca5"].defaults, KNOWN["runconfig"].defaults)
    assert layout.go_truthy(KNOWN["modular"].values["vectorStores"])
