"""``migrate values``: old chart values in, values for the chosen target chart out.

Helm itself (helm-python-sdk) is the reference throughout: it loads the old
values file (``values_from_yaml`` is what ``helm -f`` runs), renders the old
chart's Deployment, whose env ``migrate convert`` turns into the planned
run.yaml and its findings, and renders the target chart from the converted
values, whose ConfigMap must hold exactly that run.yaml. Every target is
covered: the seed's chart (``runConfig:``, ``allowed_models: []`` by
default), the first modular chart (1543ca5, the same default) and the newest
modular chart (no such default).
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.app import values
from migrate.chart import profile
from migrate.emit.values import ENV_NOTE
from migrate.emit.why import LIST_NOTE
from migrate.engine import evaluate, kube_env
from migrate.errors import InputError
from migrate.model import Classification, Plan, Severity, Status
from migrate.plan import old_chart
from migrate.plan.values import layout_keys
from migrate.sources import manifests
from migrate.yaml import helm as helmyaml
from migrate.yaml.io import same
from tests.support import helm

LEGACY = helm.LEGACY
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "values"
TARGETS = ("runconfig", "modular", "modular-1543ca5")
PROFILES = {name: profile.load(target=name) for name in TARGETS}
PROFILE = profile.load()  # the default target: the newest chart
VARIABLES = [var for _, var in PROFILE.legacy_values]
POLICIES = ("safe", "preserve", "adopt")  # the default, --preserve-behavior, --adopt-chart-defaults
HAZARD_NOTE = (
    "kept as the pod ran it, not the chart's default "
    "providers.inference[0].config.allowed_models: [], which would break this pod "
    "(chart-default-hazard); Helm replaces a list whole, so the whole list is written"
)
_URL = "http://vllm.ai.svc/v1"


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="migrate-test-charts-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.cache
def chart(target: str) -> Path:
    """The fixture chart of a target; 1543ca5's is the modular one with the seed's defaults."""
    if target == "runconfig":
        return helm.RUNCONFIG
    if target == "modular":
        return helm.MODULAR
    assert target == "modular-1543ca5"
    copy = _scratch() / "llama-stack"
    shutil.copytree(helm.MODULAR, copy)
    keys = layout_keys(PROFILES[target].target.layout)
    chart_values = {
        key: value
        for key, value in helm.chart_default_values(helm.MODULAR).items()
        if key not in keys
    }
    chart_values.update(PROFILES[target].target.values)
    (copy / "values.yaml").write_text(json.dumps(chart_values), "utf-8")  # JSON is YAML
    return copy


@functools.cache
def env_chart() -> Path:
    """The newest chart, had it passed an ``env:`` map on as container env vars."""
    copy = _scratch() / "llama-stack"
    shutil.copytree(helm.MODULAR, copy)
    template = copy / "templates" / "deployment.yaml"
    text = template.read_text("utf-8")
    anchor = '              value: "/home/lls/.llama/distributions/starter/milvus"\n'
    assert text.count(anchor) == 1
    extra = (
        "            {{- range $name, $value := .Values.env }}\n"
        "            - name: {{ $name }}\n"
        "              value: {{ $value | quote }}\n"
        "            {{- end }}\n"
    )
    template.write_text(text.replace(anchor, anchor + extra), "utf-8")
    return copy


@functools.cache
def env_profile() -> profile.Profile:
    chosen = profile.load(chart=env_chart())
    assert chosen.target.env_values_key == "env"
    return chosen


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def helm_values(text: str) -> dict[str, Any]:
    """The values Helm reads from a ``-f`` file."""
    return helm_python.values_from_yaml(text) or {}


def legacy_env(text: str) -> dict[str, str]:
    """The container env the old chart renders from the values ``text`` (last entry wins)."""
    documents = helm.render_documents(LEGACY, helm_values(text), release="prod", namespace="ai")
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return {e["name"]: e.get("value") for e in env}


def planned(text: str, chosen: profile.Profile, policy: str = "safe") -> Plan:
    """What ``migrate convert`` plans for the Deployment the old chart renders from ``text``."""
    manifest = helm.render_manifest_text(LEGACY, helm_values(text), release="prod", namespace="ai")
    result = pipeline.convert(
        list(manifests.documents("helm-template", manifest)),
        chosen,
        preserve_behavior=policy == "preserve",
        adopt_defaults=policy == "adopt",
    )
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    return outcome.plan


def rendered_new(text: str, chart_dir: Path) -> tuple[Any, dict[str, str | None]]:
    """run.yaml of the ConfigMap and the container env the new chart renders from ``text``."""
    documents = helm.render_documents(chart_dir, helm_values(text), release="prod", namespace="ai")
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return yaml.safe_load(configmap["data"]["run.yaml"]), {e["name"]: e.get("value") for e in env}


def convert(
    old: str, chosen: profile.Profile | None = None, policy: str = "safe"
) -> values.ValuesResult:
    return values.convert(
        old,
        "old.yaml",
        chosen or PROFILE,
        preserve_behavior=policy == "preserve",
        adopt_defaults=policy == "adopt",
    )


def ids(result: values.ValuesResult) -> dict[str, Severity]:
    return {f.id: f.severity for f in result.findings}


def assert_round_trip(
    old: str, target: str = "modular", policy: str = "safe", chosen: profile.Profile | None = None
) -> values.ValuesResult:
    """The target chart renders from the converted values what the plan says the old pod ran.

    ``migrate convert`` sees the old pod's whole env, so it may bake a value
    that depends on another variable (``~`` and HOME) where the values file
    alone cannot: then the two run.yaml files must agree once the old pod's env
    is applied to both. A variable that stays an env var reaches the new pod
    only through a chart with an env map; otherwise the values name it in an
    ``env-not-carried`` error.
    """
    chosen = chosen or PROFILES[target]
    result = convert(old, chosen, policy)
    chart_dir = env_chart() if chosen.target.env_values_key else chart(target)
    run_yaml, env = rendered_new(result.text, chart_dir)
    plan = planned(old, chosen, policy)
    before = legacy_env(old)
    not_carried = " ".join(f.message for f in result.findings if f.id == "env-not-carried")
    for var in result.kept:
        if chosen.target.env_values_key is None:
            assert var not in env, var
            assert f"{var} must stay an env var" in not_carried, var
        else:  # what stays an env var reaches the new pod unchanged
            assert env.get(var) == before.get(var), var
    plan_kept = {v.name for v in plan.variables if v.classification is Classification.KEPT}
    assert plan_kept <= set(result.kept)
    if plan_kept == set(result.kept):
        assert same(run_yaml, plan.run_config)
    else:
        pod = {name: kube_env.expand(value or "", before.get) for name, value in before.items()}
        bake = {var: pod.get(var) for var in PROFILE.mapping()}
        home = pod.get("HOME")
        assert same(
            evaluate.partial(run_yaml, bake, home).tree,
            evaluate.partial(plan.run_config, bake, home).tree,
        )
    return result


def test_the_1543ca5_test_chart_renders_that_targets_defaults() -> None:
    run_yaml, _ = rendered_new("", chart("modular-1543ca5"))
    assert same(run_yaml, PROFILES["modular-1543ca5"].target.defaults)
    (vllm, *_) = run_yaml["providers"]["inference"]
    assert vllm["config"]["allowed_models"] == []


# ---------------------------------------------------------------------------
# Real Helm, both ways, on the fixtures


@pytest.mark.parametrize("target", TARGETS)
def test_default_values_render_the_target_charts_defaults_but_the_hazard(target: str) -> None:
    result = assert_round_trip(fixture("defaults.yaml"), target)
    assert result.variables == {
        "VECTOR_STORE_EMBEDDING_MODEL": "nomic-ai/nomic-embed-text-v1.5",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "sentence-transformers",
        "VECTOR_STORE_EMBEDDING_DIMENSION": "768",
        "VECTOR_STORE_DEFAULT_PROVIDER": "faiss",
    }
    assert result.kept == {}
    run_yaml, _ = rendered_new(result.text, chart(target))
    if target == "modular":  # nothing breaks: the chart's defaults are the release's
        assert result.written == {}
        assert same(run_yaml, PROFILES[target].target.defaults)
    else:  # only the vLLM provider list, without allowed_models, as the pod ran it
        keys = layout_keys(PROFILES[target].target.layout)
        key = "runConfig" if target == "runconfig" else "providers"
        assert list(result.written or {}) == [key] and key in keys
        assert "allowed_models" not in run_yaml["providers"]["inference"][0]["config"]


@pytest.mark.parametrize("target", TARGETS)
def test_seed_customisation_survives(target: str) -> None:
    result = assert_round_trip(fixture("seed.yaml"), target)
    run_yaml, _ = rendered_new(result.text, chart(target))
    stores = run_yaml["vector_stores"]
    assert stores["default_provider_id"] == "milvus"
    assert stores["default_embedding_model"] == {
        "provider_id": "vllm",
        "model_id": "intfloat/e5-mistral-7b-instruct",
    }
    (model,) = [
        m for m in run_yaml["registered_resources"]["models"] if m["model_type"] == "embedding"
    ]
    assert model["metadata"]["embedding_dimension"] == 4096
    assert "allowed_models" not in run_yaml["providers"]["inference"][0]["config"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.yaml")))
def test_findings_are_those_of_convert_for_the_same_release(
    name: str, policy: str, target: str
) -> None:
    """The same IDs and severities as `migrate convert` on what the old chart rendered."""
    result = convert(fixture(name), PROFILES[target], policy)
    plan = planned(fixture(name), PROFILES[target], policy)
    assert sorted((f.id, f.severity.value) for f in result.findings) == sorted(
        (f.id, f.severity.value) for f in plan.findings
    )


def test_env_map_of_the_old_values_overrides_nothing_and_stays() -> None:
    old = fixture("env-map.yaml")
    result = assert_round_trip(old)
    assert result.variables["VECTOR_STORE_EMBEDDING_MODEL"] == "intfloat/e5-mistral-7b-instruct"
    assert result.variables["VECTOR_STORE_EMBEDDING_DIMENSION"] == "4096"
    assert result.variables["VECTOR_STORE_DEFAULT_PROVIDER"] == "milvus"
    assert result.kept == {}
    env_text = old[old.index("env:\n") :]
    assert result.text.endswith(env_text)
    assert helm_values(result.text)["env"] == helm_values(old)["env"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("policy", POLICIES)
def test_values_without_the_section(target: str, policy: str) -> None:
    old = fixture("no-section.yaml")
    result = assert_round_trip(old, target, policy)
    assert not result.already_migrated and not result.section_found
    assert set(result.variables.values()) == {None}
    if target == "modular" or policy == "adopt":  # nothing to keep
        assert result.text == old
    else:  # the vLLM provider list the pod ran goes at the end
        key = "runConfig" if target == "runconfig" else "providers"
        assert result.text.startswith(old + "\n" + key + ":\n")


# ---------------------------------------------------------------------------
# Old values of every shape against what Helm renders

_PLAIN = [
    "milvus",
    "faiss",
    "vllm",
    "intfloat/e5-mistral-7b-instruct",
    "yes",
    "y",
    "N",
    "on",
    "Off",
    "tRUE",
    "true",
    "false",
    "~",
    "null",
    "Null",
    "0",
    "-0",
    "0.0",
    "00",
    "768",
    "4096",
    "+1",
    "-1",
    "08",
    "017",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1__0",
    "_1",
    "1e3",
    "1E3",
    "1.e3",
    ".5",
    ".0_0",
    "._5",
    ".5e1_0",
    "1.",
    "1_0.5",
    "1e400",
    "1000000",
    "123456789012",
    "9007199254740993",
    "12345678901234567890",
    "1.5e-7",
    "1:20",
    "2001-12-14",
    "0x",
    "0b",
    "=",
    "<<",
    ".inf",
    "-.inf",
    ".nan",
    "~/model",
    "${env.OTHER}",
    "1e21",
]
# No "$": Kubernetes expands it (tested on its own). "No" digits such as "²" stay in:
# a dimension "²" must not be taken for a number.
_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="$\x00"),
    max_size=12,
)
_scalar = st.one_of(
    st.sampled_from(_PLAIN),
    st.sampled_from([*_PLAIN, "", " padded ", "a # b", "\x85", "a\u2028b"]).map(json.dumps),
    _text.map(lambda s: json.dumps(s, ensure_ascii=False)),
    st.integers(-(2**65), 2**65).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.just(""),
)


# How the values may say whether the old chart sets VLLM_URL (the hazard's trigger): not at
# all (the chart's default url sets it), or an url that is set, empty or null.
_VLLM = ["", "vllm: {}\n", *(f"vllm:\n  url: {url}\n" for url in ("", '""', "~", "0", _URL))]


@st.composite
def old_values(draw: st.DrawFn) -> str:
    """An old values file: the section with every key spelled some way, maybe an env map
    (which the old chart never read)."""
    lines = ["vectorStore:"]
    tree: dict[str, Any] = {}
    for path, _ in PROFILE.legacy_values:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = draw(_scalar)

    def write(node: dict[str, Any], depth: int) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(f"{'  ' * depth}{key}:")
                write(value, depth + 1)
            else:
                lines.append(f"{'  ' * depth}{key}: {value}".rstrip())

    write(tree, 1)
    overrides = draw(st.lists(st.sampled_from(VARIABLES), unique=True, max_size=2))
    if overrides:
        lines.append("env:")
        lines += [f"  {var}: {draw(_scalar)}".rstrip() for var in overrides]
    return "\n".join(lines) + "\n" + draw(st.sampled_from(_VLLM))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=old_values())
def test_variables_are_what_the_old_chart_rendered(old: str) -> None:
    """The section alone sets them, as the old chart's template did: its env map is inert."""
    try:
        helm_values(old)
    except helm_python.HelmError:
        with pytest.raises(InputError, match=r"^old\.yaml:\d+"):
            values.convert(old, "old.yaml", PROFILE)
        return
    result = values.convert(old, "old.yaml", PROFILE)
    env = legacy_env(old)
    for var in VARIABLES:
        assert result.variables[var] == env.get(var), var


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=old_values(), target=st.sampled_from(TARGETS), policy=st.sampled_from(POLICIES))
def test_target_chart_renders_the_planned_run_yaml(old: str, target: str, policy: str) -> None:
    try:
        helm_values(old)
    except helm_python.HelmError:
        assume(False)
    assert_round_trip(old, target, policy)


@settings(max_examples=400, deadline=None)
@given(
    token=st.one_of(
        st.sampled_from(_PLAIN),
        st.text(alphabet="0123456789_.+-eExXoObB", min_size=1, max_size=8),
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=False).map(repr),
    )
)
def test_helm_scalar_reads_plain_scalars_as_helm_does(token: str) -> None:
    try:
        node = yaml.compose(f"x: {token}\n")
    except yaml.YAMLError:
        node = None
    assume(node is not None)
    assert node is not None
    ((_, scalar),) = node.value
    assume(scalar.style is None and scalar.value == token)
    mine = helmyaml.helm_scalar(token)
    try:
        theirs = helm_values(f"x: {token}\n")["x"]
    except helm_python.HelmError:
        assert isinstance(mine, float) and not math.isfinite(mine)
        return
    if isinstance(theirs, int | float) and not isinstance(theirs, bool):
        assert isinstance(mine, float) and mine == float(theirs)
    else:
        assert type(mine) is type(theirs) and mine == theirs


@settings(max_examples=30, deadline=None)
@example(tokens=["~"])
@given(
    tokens=st.lists(
        st.one_of(
            st.sampled_from(_PLAIN),
            st.integers(-(2**70), 2**70).map(str),
            st.floats(allow_nan=False, allow_infinity=False).map(repr),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_quote_prints_what_helm_prints(
    tmp_path_factory: pytest.TempPathFactory, tokens: list[str]
) -> None:
    """The old chart's ``quote`` of each scalar, read by Helm itself from a chart's values.yaml."""
    tokens = [t for t in tokens if t not in ("", "<<") and math.isfinite(_number(t))]
    assume(tokens)
    chart = tmp_path_factory.mktemp("chart")
    (chart / "templates").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: quote\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("".join(f"k{i}: {t}\n" for i, t in enumerate(tokens)))
    (chart / "templates" / "out.yaml").write_text(
        '{{- range $k, $v := .Values }}\n{{ $k }}: {{ if not (kindIs "invalid" $v) }}'
        "{{ $v | quote }}{{ end }}\n{{- end }}\n"
    )
    # Null keys are dropped, and a template that renders nothing is left out.
    rendered = yaml.safe_load(helm.render(chart).get("quote/templates/out.yaml", "")) or {}
    for index, token in enumerate(tokens):
        value = helmyaml.helm_scalar(token)
        if value is None:  # the chart's loader drops null keys
            assert f"k{index}" not in rendered
        else:
            assert rendered[f"k{index}"] == old_chart.quote(value), token


def _number(token: str) -> float:
    value = helmyaml.helm_scalar(token) if token else None
    return value if isinstance(value, float) else 0.0


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (768.0, "768"),
        (0.5, "0.5"),
        (1e6, "1e+06"),
        (999999.0, "999999"),
        (123456789012.0, "1.23456789012e+11"),
        (1.5e-7, "1.5e-07"),
        (0.0001, "0.0001"),
        (1e21, "1e+21"),
        (-2.5, "-2.5"),
        (-0.0, "-0"),
        (12345678901234567890.0, "1.2345678901234567e+19"),
    ],
)
def test_go_float_prints_as_go(number: float, text: str) -> None:
    assert old_chart.go_float(number) == text


# ---------------------------------------------------------------------------
# The new file: comments and other keys stay where they were

SEED_HEAD = """\
# Values of the research team's Llama Stack release (old chart, env-var generation).
# helm upgrade -i llama-stack charts/llama-stack -f seed.yaml

image:
  repository: ghcr.io/tu-wien-datalab/llama-stack
  tag: "0.3.3"  # pinned after the 0.3 upgrade
  pullPolicy: IfNotPresent

# vLLM endpoint serving the chat models and the embedding model
vllm:
  url: "http://vllm-router.vllm.svc.cluster.local/v1"

# Inline Milvus on the persistent volume
milvus:
  dbPath: /home/lls/.llama/distributions/starter/milvus.db
  url: /home/lls/.llama/distributions/starter/milvus

"""
SEED_TAIL = """
# Meant as extra env vars of the container, but no version of the chart reads
# `env:`: kept as it is, overriding nothing.
env:
  VLLM_MAX_TOKENS: "8192"
  VLLM_API_TOKEN:
    valueFrom:
      secretKeyRef:
        name: vllm-token
        key: token

resources:
  limits:
    cpu: "2"
    memory: 4Gi
"""
SEED_MODULAR = f"""\
registeredResources:
  models:  # {LIST_NOTE}
    - model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model
      provider_id: vllm  # vectorStore.embedding.provider
      provider_model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model
      model_type: embedding
      metadata:
        embedding_dimension: 4096  # vectorStore.embedding.dimension
vectorStores:
  default_provider_id: milvus  # vectorStore.defaultProvider
  default_embedding_model:
    provider_id: vllm  # vectorStore.embedding.provider
    model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model
"""


def test_seed_golden_for_the_newest_chart() -> None:
    result = values.convert(fixture("seed.yaml"), "seed.yaml", PROFILE)
    assert result.text == SEED_HEAD + SEED_MODULAR + SEED_TAIL
    assert not result.already_migrated
    assert result.target.pinned == ()
    assert "chart-default-hazard" not in ids(result)


@pytest.mark.parametrize("target", ["runconfig", "modular-1543ca5"])
def test_seed_on_a_chart_with_the_hazard_keeps_the_vllm_provider_list(target: str) -> None:
    result = values.convert(fixture("seed.yaml"), "seed.yaml", PROFILES[target])
    assert result.text.startswith(SEED_HEAD) and result.text.endswith(SEED_TAIL)
    middle = result.text[len(SEED_HEAD) : -len(SEED_TAIL)]
    if target == "runconfig":
        assert middle.startswith("runConfig:\n  providers:\n    inference:  # " + HAZARD_NOTE)
        # the seed's own keys stay exactly as the seed wrote them, beside the list
        seed_keys = "".join("  " + line + "\n" for line in SEED_MODULAR.splitlines())
        seed_keys = seed_keys.replace("  registeredResources:", "  registered_resources:")
        assert middle.endswith(seed_keys.replace("  vectorStores:", "  vector_stores:"))
    else:
        assert middle.startswith("providers:\n  inference:  # " + HAZARD_NOTE)
        assert middle.endswith(SEED_MODULAR)
    written = yaml.safe_load(middle)
    providers = written["runConfig"]["providers"] if target == "runconfig" else written["providers"]
    assert list(providers) == ["inference"]
    vllm = providers["inference"][0]
    assert vllm["provider_type"] == "remote::vllm" and "allowed_models" not in vllm["config"]
    assert ids(result)["chart-default-hazard"] is Severity.WARNING
    assert [path for path, _ in result.target.pinned] == [
        ("providers", "inference", 0, "config", "allowed_models")
    ]


@pytest.mark.parametrize("target", ["runconfig", "modular-1543ca5"])
def test_adopting_the_chart_defaults_is_an_error_and_carries_no_list(target: str) -> None:
    old = fixture("seed.yaml")
    result = assert_round_trip(old, target, "adopt")
    assert ids(result)["chart-default-hazard"] is Severity.ERROR
    assert "providers" not in (result.written or {}) and "providers:" not in result.text
    run_yaml, _ = rendered_new(result.text, chart(target))
    assert run_yaml["providers"]["inference"][0]["config"]["allowed_models"] == []


@pytest.mark.parametrize(
    "vllm",
    [
        "",
        "vllm: {}\n",
        "vllm:\n  url: http://vllm.ai.svc/v1\n",
        'vllm:\n  url: ""\n',
        "vllm:\n  url:\n",
        "vllm:\n  url: 0\n",
        "vllm:\n  url: false\n",
    ],
)
def test_the_hazard_is_kept_exactly_when_the_old_chart_set_vllm_url(vllm: str) -> None:
    old = "vectorStore:\n  defaultProvider: milvus\n" + vllm
    result = assert_round_trip(old, "runconfig")
    sets = "VLLM_URL" in legacy_env(old)
    assert bool(result.target.pinned) is sets
    assert (HAZARD_NOTE in result.text) is sets
    run_yaml, _ = rendered_new(result.text, chart("runconfig"))
    allowed = run_yaml["providers"]["inference"][0]["config"].get("allowed_models")
    assert allowed == (None if sets else [])
    assert ("chart-default-hazard" in ids(result)) is sets


def test_converting_twice_says_already_migrated() -> None:
    for chosen in (PROFILE, PROFILES["runconfig"]):
        first = values.convert(fixture("seed.yaml"), "seed.yaml", chosen).text
        again = values.convert(first, "seed.yaml", chosen)
        assert again.already_migrated
        assert again.text == first
        assert again.findings == ()


def test_values_of_the_other_layout_are_not_taken_for_migrated() -> None:
    """A runConfig: given to the modular chart is ignored by Helm without a word."""
    seed_values = values.convert(fixture("seed.yaml"), "seed.yaml", PROFILES["runconfig"]).text
    result = values.convert(seed_values, "seed.yaml", PROFILE)
    assert not result.already_migrated
    assert result.text == seed_values  # nothing to write for the newest chart
    (problem,) = [f for f in result.findings if f.id == "target-cannot-carry"]
    assert problem.severity is Severity.ERROR
    assert problem.message.startswith("seed.yaml:18: 'runConfig' is a key of the runconfig")
    run_yaml, _ = rendered_new(seed_values, chart("modular"))
    assert run_yaml["vector_stores"]["default_provider_id"] == "faiss"  # what the finding says

    modular_values = values.convert(fixture("seed.yaml"), "seed.yaml", PROFILE).text
    result = values.convert(modular_values, "seed.yaml", PROFILES["runconfig"])
    problems = [f.message for f in result.findings if f.id == "target-cannot-carry"]
    assert [m.split(" is a key")[0] for m in problems] == [
        "seed.yaml:18: 'registeredResources'",
        "seed.yaml:26: 'vectorStores'",
    ]


def test_empty_overlay_drops_the_section_and_one_blank_line() -> None:
    old = "a: 1\n\n# about the section\nvectorStore:\n  defaultProvider: faiss\n\n# b\nb: 2\n"
    assert values.convert(old, "v.yaml", PROFILE).text == "a: 1\n\n# b\nb: 2\n"


@pytest.mark.parametrize(
    ("name", "old"),
    [
        ("needs-env.yaml", None),
        ("reference", 'vectorStore:\n  embedding:\n    model: "$(HOME)/models/e5"\n'),
    ],
)
@pytest.mark.parametrize("target", TARGETS)
def test_a_variable_that_must_stay_an_env_var_is_an_error_not_an_env_key(
    name: str, old: str | None, target: str
) -> None:
    text = old if old is not None else fixture(name)
    result = assert_round_trip(text, target)
    (var,) = result.kept
    assert "env" not in helm_values(result.text)
    not_carried = [f for f in result.findings if f.id == "env-not-carried"]
    assert [f.severity for f in not_carried] == [Severity.ERROR]
    assert not_carried[0].message.startswith(f"{var} must stay an env var (")
    assert f"({target})" in not_carried[0].message and "--chart" in not_carried[0].message
    _, env = rendered_new(result.text, chart(target))
    assert var not in env


def test_refused_value_moves_to_the_env_map_of_a_chart_that_has_one() -> None:
    # "1e3" is the float 1000.0 in run.yaml, which Helm would turn into the integer 1000.
    old = 'a: 1\nvectorStore:\n  embedding:\n    dimension: "1e3"\nb: 2\n'
    result = assert_round_trip(old, chosen=env_profile())
    assert "Helm turns the whole float" in result.kept["VECTOR_STORE_EMBEDDING_DIMENSION"]
    assert result.text.startswith("a: 1\n")
    assert result.text.endswith(
        'env:\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # ' + ENV_NOTE + "\nb: 2\n"
    )
    assert "env-not-carried" not in ids(result)
    _, env = rendered_new(result.text, env_chart())
    assert env["VECTOR_STORE_EMBEDDING_DIMENSION"] == "1e3"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            "env:\n  FOO: bar  # mine\n  # trailing note\n\n# tail\nz: 1\n",
            'env:\n  FOO: bar  # mine\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {note}\n'
            "  # trailing note\n\n# tail\nz: 1\n",
        ),
        (
            "env: {}  # extra env\nz: 1\n",
            'env:  # extra env\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {note}\nz: 1\n',
        ),
        ("env:\n", 'env:\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {note}\n'),
        (
            "env: {FOO: bar}\n",
            'env:\n  FOO: bar\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {note}\n',
        ),
    ],
)
def test_refused_value_joins_an_existing_env_map(env: str, expected: str) -> None:
    old = 'vectorStore:\n  embedding:\n    dimension: "1e3"\n' + env
    result = assert_round_trip(old, chosen=env_profile())
    assert result.text.endswith(expected.format(note=ENV_NOTE))
    # entries the old chart never read become env vars of the new pod: the user is told
    inert = "FOO" in (helm_values(old).get("env") or {})
    assert ("env-problem" in ids(result)) is inert


def test_model_named_like_a_yaml_11_boolean_is_quoted_for_helm() -> None:
    old = 'vectorStore:\n  embedding:\n    model: "y"\n'
    result = values.convert(old, "v.yaml", PROFILE)
    assert 'model_id: "y"' in result.text
    assert_round_trip(old)


def test_line_breaks_and_a_missing_last_break_are_kept() -> None:
    old = "# c\r\n\r\nvectorStore:\r\n  defaultProvider: milvus\r\nb: 1"
    assert values.convert(old, "v.yaml", PROFILE).text == (
        "# c\r\n\r\nvectorStores:\r\n"
        "  default_provider_id: milvus  # vectorStore.defaultProvider\r\nb: 1"
    )
    assert values.convert(old, "v.yaml", PROFILES["runconfig"]).text.startswith(
        "# c\r\n\r\nrunConfig:\r\n  providers:\r\n    inference:  # " + HAZARD_NOTE + "\r\n"
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "modular",
            "a:\n  - 1\n  - 2\nvectorStores:\n"
            "  default_provider_id: milvus  # vectorStore.defaultProvider\n"
            'vllm:\n  url: ""\nb:\n  c: d\n',
        ),
        (
            "runconfig",
            "a:\n  - 1\n  - 2\nrunConfig:\n  vector_stores:\n"
            "    default_provider_id: milvus  # vectorStore.defaultProvider\n"
            'vllm:\n  url: ""\nb:\n  c: d\n',
        ),
    ],
)
def test_json_values_are_written_again_in_block_style(target: str, expected: str) -> None:
    old = (
        '{"a": [1, 2], "vectorStore": {"defaultProvider": "milvus"}, "vllm": {"url": ""}, '
        '"b": {"c": "d"}}\n'
    )
    assert values.convert(old, "v.json", PROFILES[target]).text == expected


def test_json_values_with_a_value_that_stays_an_env_var() -> None:
    old = '{"vectorStore": {"embedding": {"dimension": "1e3"}}, "env": {"A": "b"}}'
    result = values.convert(old, "v.json", env_profile())
    assert result.text.endswith(
        f'env:\n  A: b\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {ENV_NOTE}\n'
    )
    assert_round_trip(old, chosen=env_profile())
    built_in = values.convert(old, "v.json", PROFILE)  # no env map to add to: env-not-carried
    assert helm_values(built_in.text)["env"] == {"A": "b"}
    assert "env-not-carried" in ids(built_in)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "a: 1", "vectorStore:\n"])
def test_nothing_to_carry_over_to_the_newest_chart(text: str) -> None:
    result = values.convert(text, "v.yaml", PROFILE)
    assert result.text == ("" if text == "vectorStore:\n" else text)
    assert not result.already_migrated
    assert result.target.values == {} and result.written == {}


_OTHER = st.sampled_from(
    [
        "image:\n  repository: ghcr.io/x/llama-stack  # pinned\n  tag: main\n",
        "# the port\nservice:\n  port: 5001\n",
        "notes: |\n  # not a comment\n  text\n",
        "list:\n- a\n- b  # b\n",
        "flow: {a: 1, b: [2, 3]}\n",
        "empty:\n  # nothing set yet\n",
        "anchor: &shared\n  x: 1\nalias: *shared\n",
        "quoted: 'it''s'\n",
        "env: {A: b}  # read by no chart\n",
        'vllm:\n  url: ""  # no vLLM: nothing to keep\n',
        "\n",
        "# free-standing comment\n\n",
    ]
)
_SECTION = st.sampled_from(
    [
        "vectorStore:\n  defaultProvider: milvus\n",
        "# header\n# more header\nvectorStore:  # eol\n  defaultProvider: milvus  # why\n",
        "vectorStore:\n  embedding:\n    model: e5\n    # commented: out\n      # deeper\n",
        "vectorStore: {defaultProvider: milvus,\n  embedding: {model: e5}}\n",
        "vectorStore:\n  embedding:\n    model: >-\n      e5\n      # part of the model name\n",
        "vectorStore:\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    others=st.lists(_OTHER, unique=True, max_size=8),
    split=st.integers(0, 8),
    section=_SECTION,
    gap=st.sampled_from(["", "\n", "\n# belongs to what follows\n", "# also what follows\n"]),
    target=st.sampled_from(TARGETS),
)
def test_every_line_outside_the_section_is_kept(
    others: list[str], split: int, section: str, gap: str, target: str
) -> None:
    head, tail = "".join(others[:split]), gap + "".join(others[split:])
    old = head + section + tail
    result = values.convert(old, "v.yaml", PROFILES[target])
    if not result.written:  # nothing to write: the section goes, and a blank line with it
        doubled = tail.startswith("\n") and (not head or head.split("\n")[-2] == "")
        assert result.text == head + (tail[1:] if doubled else tail)
        return
    assert result.text.startswith(head)
    assert result.text.endswith(tail)
    middle = result.text[len(head) : len(result.text) - len(tail)]
    assert not re.search(r"(?m)^vectorStore:", middle)
    assert list(yaml.safe_load(middle)) == list(result.written)
    keys = layout_keys(PROFILES[target].target.layout)
    assert set(result.written) <= set(keys)


# ---------------------------------------------------------------------------
# Bad input: file:line, never a traceback


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\nb: [\n", r"v\.yaml:3:1: invalid YAML"),
        ("a: 1\nvectorStore: {}\na: 2\n", r"v\.yaml:3:1: invalid YAML: found duplicate key 'a'"),
        ("- a\n- b\n", r"v\.yaml:1: the values are a list"),
        ("a: 1\nvectorStore: [milvus]\n", r"v\.yaml:2: vectorStore is a list"),
        ("vectorStore: milvus\n", r"v\.yaml:1: vectorStore is a string"),
        ("vectorStore:\n  embedding: e5\n", r"v\.yaml:2: vectorStore\.embedding is a string"),
        (
            "vectorStore:\n  embedding:\n    model:\n      name: e5\n",
            r"v\.yaml:4: vectorStore\.embedding\.model is a mapping",
        ),
        ("vectorStore:\n  defaultProvider: [a]\n", r"v\.yaml:2: vectorStore\.defaultProvider"),
        ("a: 1\nb: .inf\n", r"v\.yaml:2:4: '\.inf' is inf, which Helm cannot load"),
        ("a: !!int x\n", r"v\.yaml:1:4: 'x' is not a valid tag:yaml.org,2002:int"),
        ("a: !custom x\n", r"v\.yaml:1:4: invalid YAML: could not determine a constructor"),
        (
            "vectorStore:\n  defaultProvider: milvus\n  embedding:\n"
            "    model: $(VECTOR_STORE_DEFAULT_PROVIDER)-e5\n",
            r"v\.yaml:4: vectorStore\.embedding\.model expands \$\(VECTOR_STORE_DEFAULT",
        ),
        ('vectorStore:\n  defaultProvider: "a\\0b"\n', r"v\.yaml:2: .* NUL character"),
        ("base: &b {vectorStore: {}}\n<<: *b\n", r"v\.yaml:1: 'vectorStore' comes in through"),
        ("base: &b {vectorStores: {}}\n<<: *b\n", r"v\.yaml:1: 'vectorStores' comes in through"),
        (
            "a: 1\nvectorStore:\n  defaultProvider: milvus\nvectorStores: {}\n",
            r"v\.yaml:4: the values have both 'vectorStores' and 'vectorStore' \(line 2\)",
        ),
        ("a: 1\n\x01\n", r"v\.yaml:2"),
        (
            "vectorStore: &v\n  defaultProvider: milvus\nb: 1\nc: *v\n",
            r"v\.yaml:4: c uses an anchor defined in vectorStore \(line 1\)",
        ),
    ],
)
def test_bad_input_names_file_and_line(text: str, where: str) -> None:
    with pytest.raises(InputError) as caught:
        values.convert(text, "v.yaml", PROFILE)
    assert re.match(where, str(caught.value)), str(caught.value)


def test_values_with_both_layouts_of_the_seed_chart_are_refused() -> None:
    text = "runConfig: {}\n\nvectorStore:\n  defaultProvider: milvus\n"
    with pytest.raises(InputError, match=r"^v\.yaml:1: the values have both 'runConfig' and "):
        values.convert(text, "v.yaml", PROFILES["runconfig"])


@pytest.mark.parametrize("env", ["env: [X]\n", "env:\n  VECTOR_STORE_EMBEDDING_MODEL: [a]\n"])
def test_an_env_map_of_any_shape_is_kept_as_the_old_chart_ignored_it(env: str) -> None:
    old = "vectorStore:\n  defaultProvider: milvus\n" + env
    result = values.convert(old, "v.yaml", PROFILE)
    assert result.text.endswith(env)
    assert result.variables["VECTOR_STORE_DEFAULT_PROVIDER"] == "milvus"
