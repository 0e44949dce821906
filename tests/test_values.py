"""``migrate values``: old chart values in, new chart values out.

Helm itself (helm-python-sdk) is the reference throughout: it loads the old
values file (``values_from_yaml`` is what ``helm -f`` runs), renders the old
chart's Deployment, whose env ``migrate convert`` turns into the planned
run.yaml, and renders the new chart from the converted values, whose
ConfigMap must hold exactly that run.yaml.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from migrate import pipeline, profile, values
from migrate.engine import evaluate, helmyaml
from migrate.errors import InputError
from migrate.kube import env as kube_env
from migrate.model import Classification, Plan, Status
from migrate.sources import manifests
from migrate.yamlio import same
from tests.support import helm

LEGACY = helm.FIXTURE_CHARTS / "llama-stack-legacy"
CURRENT = helm.FIXTURE_CHARTS / "llama-stack"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "values"
PROFILE = profile.load()
VARIABLES = [var for _, var in PROFILE.legacy_values]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def helm_values(text: str) -> dict[str, Any]:
    """The values Helm reads from a ``-f`` file."""
    return helm_python.values_from_yaml(text)


def legacy_env(text: str) -> dict[str, str]:
    """The container env the old chart renders from the values ``text`` (last entry wins)."""
    documents = helm.render_documents(LEGACY, helm_values(text), release="prod", namespace="ai")
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return {e["name"]: e.get("value") for e in env}


def planned(text: str, preserve: bool) -> Plan:
    """What ``migrate convert`` plans for the Deployment the old chart renders from ``text``."""
    manifest = helm.render_manifest_text(LEGACY, helm_values(text), release="prod", namespace="ai")
    result = pipeline.convert(
        list(manifests.documents("helm-template", manifest)), PROFILE, preserve_behavior=preserve
    )
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    return outcome.plan


def rendered_new(text: str) -> tuple[Any, dict[str, str | None]]:
    """run.yaml of the ConfigMap and the container env the new chart renders from ``text``."""
    documents = helm.render_documents(CURRENT, helm_values(text), release="prod", namespace="ai")
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return yaml.safe_load(configmap["data"]["run.yaml"]), {e["name"]: e.get("value") for e in env}


def assert_round_trip(old: str, preserve: bool = False) -> values.ValuesResult:
    """The new chart renders from the converted values what the plan says the old pod ran.

    ``migrate convert`` sees the old pod's whole env, so it may bake a value
    that depends on another variable (``~`` and HOME, ``$(VAR)``) where the
    values file alone cannot: then the two run.yaml files must agree once the
    old pod's env is applied to both.
    """
    result = values.convert(old, "old.yaml", PROFILE, preserve_behavior=preserve)
    run_yaml, env = rendered_new(result.text)
    plan = planned(old, preserve)
    before = legacy_env(old)
    for var in result.kept:  # what stays an env var reaches the new pod unchanged
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


# ---------------------------------------------------------------------------
# Real Helm, both ways, on the fixtures


def test_default_values_render_the_new_charts_defaults() -> None:
    old = fixture("defaults.yaml")
    result = assert_round_trip(old)
    assert PROFILE.values_key not in yaml.safe_load(result.text)
    run_yaml, _ = rendered_new(result.text)
    assert same(run_yaml, helm.chart_default_values(CURRENT)["runConfig"])
    assert result.variables == {
        "VECTOR_STORE_EMBEDDING_MODEL": "nomic-ai/nomic-embed-text-v1.5",
        "VECTOR_STORE_EMBEDDING_PROVIDER": "sentence-transformers",
        "VECTOR_STORE_EMBEDDING_DIMENSION": "768",
        "VECTOR_STORE_DEFAULT_PROVIDER": "faiss",
    }
    assert result.kept == {}


def test_seed_customisation_survives() -> None:
    result = assert_round_trip(fixture("seed.yaml"))
    run_yaml, _ = rendered_new(result.text)
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


def test_seed_with_preserve_behavior_pins_the_old_run_yaml() -> None:
    result = assert_round_trip(fixture("seed.yaml"), preserve=True)
    run_yaml, _ = rendered_new(result.text)
    vllm = run_yaml["providers"]["inference"][0]
    assert "allowed_models" not in vllm["config"]


def test_env_map_overrides_win_and_unknown_ones_stay_env_vars() -> None:
    result = assert_round_trip(fixture("env-override.yaml"))
    assert result.variables["VECTOR_STORE_EMBEDDING_MODEL"] == "BAAI/bge-small-en-v1.5"
    assert result.variables["VECTOR_STORE_EMBEDDING_DIMENSION"] == "384"
    assert "VECTOR_STORE_DEFAULT_PROVIDER" not in result.variables
    assert "env.VECTOR_STORE_DEFAULT_PROVIDER" in result.kept["VECTOR_STORE_DEFAULT_PROVIDER"]
    assert "# env.VECTOR_STORE_EMBEDDING_MODEL" in result.text


@pytest.mark.parametrize("preserve", [False, True])
def test_values_without_the_section(preserve: bool) -> None:
    old = fixture("no-section.yaml")
    result = assert_round_trip(old, preserve)
    assert not result.already_migrated
    assert set(result.variables.values()) == {None}
    if preserve:  # the pinned allowed_models removal goes at the end
        assert result.text.startswith(old + "\n" + PROFILE.values_key + ":\n")
    else:
        assert result.text == old


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


def _negative_zero(token: str) -> bool:
    value = helmyaml.helm_scalar(token) if token else None
    return isinstance(value, float) and value == 0 and math.copysign(1, value) < 0


# The env map renders zeros too, and -0.0 prints as "-0" under Helm; the harness's
# values_from_yaml hands values over as JSON through Python, which keeps no -0.
_env_scalar = _scalar.filter(lambda token: not _negative_zero(token))


@st.composite
def old_values(draw: st.DrawFn) -> str:
    """An old values file: the section with every key spelled some way, maybe env overrides."""
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
        lines += [f"  {var}: {draw(_env_scalar)}".rstrip() for var in overrides]
    lines.append(f"vllm:\n  url: {draw(st.sampled_from(['', 'http://vllm.ai.svc/v1']))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=old_values())
def test_variables_are_what_the_old_chart_rendered(old: str) -> None:
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
@given(old=old_values(), preserve=st.booleans())
def test_new_chart_renders_the_planned_run_yaml(old: str, preserve: bool) -> None:
    try:
        helm_values(old)
    except helm_python.HelmError:
        assume(False)
    assert_round_trip(old, preserve)


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
            assert rendered[f"k{index}"] == values.quote(value), token


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
    assert values.go_float(number) == text


# ---------------------------------------------------------------------------
# The new file: comments and other keys stay where they were

SEED_CONVERTED = """\
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

runConfig:
  registered_resources:
    models:
      - model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model
        provider_id: vllm  # vectorStore.embedding.provider
        provider_model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model
        model_type: embedding
        metadata:
          embedding_dimension: 4096  # vectorStore.embedding.dimension
  vector_stores:
    default_provider_id: milvus  # vectorStore.defaultProvider
    default_embedding_model:
      provider_id: vllm  # vectorStore.embedding.provider
      model_id: intfloat/e5-mistral-7b-instruct  # vectorStore.embedding.model

# Extra env vars of the container
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


def test_seed_golden() -> None:
    result = values.convert(fixture("seed.yaml"), "seed.yaml", PROFILE)
    assert result.text == SEED_CONVERTED
    assert not result.already_migrated


def test_converting_twice_says_already_migrated() -> None:
    again = values.convert(SEED_CONVERTED, "seed.yaml", PROFILE)
    assert again.already_migrated
    assert again.text == SEED_CONVERTED


def test_empty_overlay_drops_the_section_and_one_blank_line() -> None:
    old = "a: 1\n\n# about the section\nvectorStore:\n  defaultProvider: faiss\n\n# b\nb: 2\n"
    assert values.convert(old, "v.yaml", PROFILE).text == "a: 1\n\n# b\nb: 2\n"


def test_refused_value_moves_to_a_new_env_map() -> None:
    # "1e3" is the float 1000.0 in run.yaml, which Helm would turn into the integer 1000.
    old = 'a: 1\nvectorStore:\n  embedding:\n    dimension: "1e3"\nb: 2\n'
    result = values.convert(old, "v.yaml", PROFILE)
    assert "Helm turns the whole float" in result.kept["VECTOR_STORE_EMBEDDING_DIMENSION"]
    assert result.text.startswith("a: 1\n")
    assert result.text.endswith(
        'env:\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # ' + values.ENV_NOTE + "\nb: 2\n"
    )
    assert_round_trip(old)


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
    result = values.convert(old, "v.yaml", PROFILE)
    assert result.text.endswith(expected.format(note=values.ENV_NOTE))
    assert_round_trip(old)


def test_expanded_reference_stays_an_env_var() -> None:
    old = 'vectorStore:\n  embedding:\n    model: "$(HOME)/models/e5"\n'
    result = values.convert(old, "v.yaml", PROFILE)
    assert "$(HOME)" in result.kept["VECTOR_STORE_EMBEDDING_MODEL"]
    assert "VECTOR_STORE_EMBEDDING_MODEL" not in result.variables
    assert yaml.safe_load(result.text)["env"] == {
        "VECTOR_STORE_EMBEDDING_MODEL": "$(HOME)/models/e5"
    }
    run_yaml, env = rendered_new(result.text)
    assert env["VECTOR_STORE_EMBEDDING_MODEL"] == "$(HOME)/models/e5"
    assert run_yaml["vector_stores"]["default_embedding_model"]["model_id"] == (
        "${env.VECTOR_STORE_EMBEDDING_MODEL:=nomic-ai/nomic-embed-text-v1.5}"
    )
    assert_round_trip(old)


def test_env_entry_expanding_a_migrated_variable_keeps_it() -> None:
    old = (
        "vectorStore:\n  embedding:\n    model: e5\n"
        "env:\n  WORKER_MODEL: $(VECTOR_STORE_EMBEDDING_MODEL)-worker\n"
    )
    result = values.convert(old, "v.yaml", PROFILE)
    assert "env.WORKER_MODEL" in result.kept["VECTOR_STORE_EMBEDDING_MODEL"]
    assert result.variables["VECTOR_STORE_EMBEDDING_MODEL"] == "e5"
    _, env = rendered_new(result.text)
    assert env["VECTOR_STORE_EMBEDDING_MODEL"] == "e5"
    assert list(env).index("VECTOR_STORE_EMBEDDING_MODEL") < list(env).index("WORKER_MODEL")
    assert_round_trip(old)


def test_env_entry_expanding_a_migrated_variable_it_would_precede_is_refused() -> None:
    old = (
        "vectorStore:\n  embedding:\n    model: e5\n"
        "env:\n  A_MODEL: $(VECTOR_STORE_EMBEDDING_MODEL)\n"
    )
    with pytest.raises(InputError, match=r"^v\.yaml:5: env\.A_MODEL expands"):
        values.convert(old, "v.yaml", PROFILE)


def test_model_named_like_a_yaml_11_boolean_is_quoted_for_helm() -> None:
    old = 'vectorStore:\n  embedding:\n    model: "y"\n'
    result = values.convert(old, "v.yaml", PROFILE)
    assert 'model_id: "y"' in result.text
    assert_round_trip(old)


def test_line_breaks_and_a_missing_last_break_are_kept() -> None:
    old = "# c\r\n\r\nvectorStore:\r\n  defaultProvider: milvus\r\nb: 1"
    result = values.convert(old, "v.yaml", PROFILE)
    assert result.text == (
        "# c\r\n\r\nrunConfig:\r\n  vector_stores:\r\n"
        "    default_provider_id: milvus  # vectorStore.defaultProvider\r\nb: 1"
    )


def test_json_values_are_written_again_in_block_style() -> None:
    old = '{"a": [1, 2], "vectorStore": {"defaultProvider": "milvus"}, "b": {"c": "d"}}\n'
    result = values.convert(old, "v.json", PROFILE)
    assert result.text == (
        "a:\n  - 1\n  - 2\nrunConfig:\n  vector_stores:\n"
        "    default_provider_id: milvus  # vectorStore.defaultProvider\nb:\n  c: d\n"
    )


def test_json_values_with_a_value_that_stays_an_env_var() -> None:
    old = '{"vectorStore": {"embedding": {"dimension": "1e3"}}, "env": {"A": "b"}}'
    result = values.convert(old, "v.json", PROFILE)
    assert result.text.endswith(
        f'env:\n  A: b\n  VECTOR_STORE_EMBEDDING_DIMENSION: "1e3"  # {values.ENV_NOTE}\n'
    )
    assert_round_trip(old)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "a: 1", "vectorStore:\n"])
def test_nothing_to_carry_over(text: str) -> None:
    result = values.convert(text, "v.yaml", PROFILE)
    assert result.text == ("" if text == "vectorStore:\n" else text)
    assert not result.already_migrated
    assert result.target.values == {}


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
)
def test_every_line_outside_the_section_is_kept(
    others: list[str], split: int, section: str, gap: str
) -> None:
    head, tail = "".join(others[:split]), gap + "".join(others[split:])
    old = head + section + tail
    result = values.convert(old, "v.yaml", PROFILE)
    if section == "vectorStore:\n":  # nothing set: the section goes, and a blank line with it
        doubled = tail.startswith("\n") and (not head or head.split("\n")[-2] == "")
        assert result.text == head + (tail[1:] if doubled else tail)
        return
    assert result.text.startswith(head)
    assert result.text.endswith(tail)
    middle = result.text[len(head) : len(result.text) - len(tail)]
    assert not re.search(r"(?m)^vectorStore:", middle)
    assert middle.startswith("runConfig:\n")


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
        ("a: 1\nenv: [X]\n", r"v\.yaml:2: env is a list"),
        ("env:\n  VECTOR_STORE_EMBEDDING_MODEL: [a]\n", r"v\.yaml:2: env\.VECTOR_STORE"),
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
        (
            "runConfig: {}\n\nvectorStore:\n  defaultProvider: milvus\n",
            r"v\.yaml:1: the values have both 'runConfig' and 'vectorStore' \(line 3\)",
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
