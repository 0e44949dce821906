"""``migrate values`` is for chart values: a manifest is refused, and its count agrees with convert.

A Kubernetes manifest (a Deployment, a List, any object with ``apiVersion`` and
``kind``) given to ``migrate values`` stops with one line naming the file and
line, pointing to ``migrate convert``, exit code 2, and nothing on stdout.
For the seed release, the number of values that differ from the chart
defaults in ``migrate values``' summary is the number of differences
``migrate convert`` reports for the same release, for every target and policy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.app import values
from migrate.errors import EXIT_INPUT, InputError
from tests.support.cli import invoke, migrate

ROOT = Path(__file__).resolve().parents[1]
SEED_MANIFEST = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
TEAM_CONFIG = ROOT / "fixtures" / "manifests" / "demo" / "team-config.yaml"
SEED_VALUES = ROOT / "fixtures" / "values" / "seed.yaml"
LIST = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n- {}\n"
CUSTOM = "# a custom resource\napiVersion: example.com/v1alpha1\nkind: Widget\nspec: {}\n"


def refused(run_args: list[str], stdin: str | None = None) -> str:
    run = migrate("values", *run_args, stdin=stdin)
    assert run.returncode == EXIT_INPUT, run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert "not chart values: convert it with `migrate convert -f " in line, line
    return line


def test_a_deployment_is_refused_and_pointed_to_convert() -> None:
    line = refused([str(SEED_MANIFEST)])
    assert line.startswith(
        f"error: {SEED_MANIFEST}:5: a Kubernetes manifest (Deployment research/llama-stack), "
        "not chart values"
    )
    assert f"`migrate convert -f {SEED_MANIFEST}`" in line

    line = refused(["-"], stdin=SEED_MANIFEST.read_text())
    assert line.startswith("error: <stdin>:5: a Kubernetes manifest (Deployment")
    assert "`migrate convert -f -`" in line


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (LIST, "(List of 2 objects)"),
        (CUSTOM, "(Widget)"),
        (TEAM_CONFIG.read_text(), "(ConfigMap search/embedding-settings)"),  # a stream
    ],
)
def test_any_kubernetes_object_is_refused(tmp_path: Path, text: str, what: str) -> None:
    path = tmp_path / "input.yaml"
    path.write_text(text)
    assert f"a Kubernetes manifest {what}, not chart values" in refused([str(path)])


_names = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=6)
_values = st.dictionaries(
    _names, st.one_of(st.integers(), _names, st.lists(_names, max_size=2)), max_size=4
)


@settings(max_examples=100, deadline=None)
@given(
    _values,
    st.sampled_from(["v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "x.io/v2beta1"]),
    st.sampled_from(["Deployment", "StatefulSet", "List", "ConfigMap", "Widget"]),
    st.sampled_from(["", "# values\n", "---\n", "# c\n---\n"]),
)
def test_an_object_is_refused_and_values_without_one_are_not(
    data: dict[str, object], api_version: str, kind: str, prefix: str
) -> None:
    plain = {k: v for k, v in data.items() if k not in ("apiVersion", "kind")}
    values.refuse_manifest(prefix + yaml.safe_dump(plain), "v.yaml", "v.yaml")
    # A values key `kind:` or `apiVersion:` alone, or an API version that is none, is values.
    values.refuse_manifest(yaml.safe_dump({**plain, "kind": kind}), "v.yaml", "v.yaml")
    values.refuse_manifest(yaml.safe_dump({**plain, "apiVersion": api_version}), "v.yaml", "v")
    odd = {**plain, "apiVersion": 2, "kind": kind}
    values.refuse_manifest(yaml.safe_dump(odd), "v.yaml", "v.yaml")
    manifest = {"apiVersion": api_version, "kind": kind, **plain}
    with pytest.raises(InputError, match=rf"^v\.yaml:{1 + prefix.count(chr(10))}: a Kubernetes"):
        values.refuse_manifest(prefix + yaml.safe_dump(manifest, sort_keys=False), "v.yaml", "v")


_COUNT = re.compile(r"\((\d+) values? differs? from the chart defaults\)")


@pytest.mark.parametrize("target", ["modular", "runconfig", "modular-1543ca5"])
@pytest.mark.parametrize("policy", [[], ["--preserve-behavior"], ["--adopt-chart-defaults"]])
def test_values_counts_the_differences_convert_reports_for_the_same_release(
    target: str, policy: list[str]
) -> None:
    """The seed release as manifests and as values: a key the overlay writes only because
    Helm replaces a list whole (``model_type: embedding``, equal to the chart default) is
    not a value that differs."""
    outcome = values.run(
        str(SEED_VALUES),
        target=target,
        preserve_behavior="--preserve-behavior" in policy,
        adopt_defaults="--adopt-chart-defaults" in policy,
    )
    found = _COUNT.search(outcome.messages[-1])
    assert found is not None, outcome.messages[-1]
    run = invoke(
        "convert", "-f", str(SEED_MANIFEST), "--target", target, *policy, "--dry-run", "-o", "json"
    )
    (workload,) = json.loads(run.stdout)["workloads"]
    assert int(found.group(1)) == len(workload["differences"])
