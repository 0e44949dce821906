"""Chart layouts in-process: rendering values into run.yaml and mapping its keys back."""

from __future__ import annotations

from typing import Any

import pytest

from migrate.chart import layout
from migrate.chart.layout import Layout, Section
from migrate.errors import InputError

WHOLE = Layout(name="runconfig", whole="runConfig")
MODULAR = Layout(
    name="modular",
    sections=(Section("providers", "providers"), Section("vectorStores", "vector_stores")),
    fixed={"version": 2, "apis": ["inference"]},
)


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (None, False),
        (False, False),
        ("", False),
        ({}, False),
        ([], False),
        (0, False),
        (0.0, False),
        (True, True),
        ("x", True),
        ({"a": None}, True),
        ([None], True),
        (1, True),
        (-0.5, True),
        (object(), True),
    ],
)
def test_go_truthy_is_what_with_and_if_take_as_set(value: Any, truthy: bool) -> None:
    assert layout.go_truthy(value) is truthy


def test_a_whole_layout_renders_and_maps_everything_under_its_key() -> None:
    run_yaml = {"providers": {"inference": []}, "apis": ["inference"]}
    assert WHOLE.render({"runConfig": run_yaml, "replicaCount": 1}) is run_yaml
    assert WHOLE.render({"replicaCount": 1}) is None
    assert WHOLE.values_key("anything") == "runConfig"
    assert WHOLE.values_path(("vector_stores", "default_provider_id")) == (
        "runConfig",
        "vector_stores",
        "default_provider_id",
    )
    assert WHOLE.values_path(()) == ("runConfig",)
    assert WHOLE.to_values({"server": {"port": 1}}) == {"runConfig": {"server": {"port": 1}}}
    assert WHOLE.to_values({}) == {}
    assert WHOLE.uncarried({"server": {}, "other": 1}) == []
    assert WHOLE.describe() == "the whole run.yaml under 'runConfig'"


def test_a_modular_layout_renders_the_fixed_keys_then_each_set_section() -> None:
    values = {"providers": {"inference": [1]}, "vectorStores": {}, "replicaCount": 3}
    assert MODULAR.render(values) == {
        "version": 2,
        "apis": ["inference"],
        "providers": {"inference": [1]},
    }
    # The fixed keys are the template's: a rendering does not change them.
    assert MODULAR.fixed == {"version": 2, "apis": ["inference"]}


def test_a_modular_layout_maps_run_yaml_keys_to_their_values_keys() -> None:
    assert MODULAR.values_key("vector_stores") == "vectorStores"
    assert MODULAR.values_key("version") is None
    assert MODULAR.values_path(("vector_stores", "default_provider_id")) == (
        "vectorStores",
        "default_provider_id",
    )
    assert MODULAR.values_path(("server", "port")) is None
    assert MODULAR.values_path(()) is None
    assert MODULAR.values_path((0, "x")) is None
    overlay = {"vector_stores": {"default_provider_id": "milvus"}, "server": {"port": 1}}
    assert MODULAR.to_values(overlay) == {"vectorStores": {"default_provider_id": "milvus"}}
    assert MODULAR.uncarried(overlay) == ["server"]
    assert (
        MODULAR.describe()
        == "modular keys providers, vectorStores; version, apis fixed by the template"
    )
    bare = Layout(name="modular", sections=MODULAR.sections)
    assert bare.describe() == "modular keys providers, vectorStores"


def test_the_layouts_a_profile_declares() -> None:
    declared = layout.declared(
        {
            "runconfig": {"whole": "runConfig"},
            "modular": {
                "sections": {"providers": "providers", "vectorStores": "vector_stores"},
                "fixed": {"version": 2, "apis": ["inference"]},
            },
            "empty": {"whole": ""},
        },
        "profile p",
    )
    assert declared == {"runconfig": WHOLE, "modular": MODULAR, "empty": Layout(name="empty")}
    assert layout.declared(None, "profile p") == {}  # type: ignore[arg-type]


def test_a_declared_layout_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InputError, match=r"^profile p: layout broken is not a mapping$"):
        layout.declared({"broken": ["whole"]}, "profile p")
