"""The migration is faithful under real Llama Stack 0.3.3.

For generated pods (values, empty values, padded numbers, booleans, floats,
``~`` paths, placeholder syntax, unicode, Secret and ConfigMap references,
unset variables), the legacy template resolved with the old pod's env must
equal the migrated run.yaml resolved with the patched pod's env — exactly
with ``--preserve-behavior``, and up to the chart drift the plan names
without it. ``StackRunConfig`` must accept the migrated configuration
whenever it accepted the old one.

The pods' true environments are computed here by a small resolver of the
test's own (Secrets included, which the tool never sees), not by the code
under test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Drift, Status
from migrate.sources import manifests
from tests.conformance.llamastack import LlamaStack, Resolution, canonical

PROFILE = profile.load()
TEMPLATE_TEXT = (
    resources.files("migrate.profiles").joinpath("tuw-ai/template-run.yaml").read_text("utf-8")
)
# CI runs more; the whole suite must stay well under ten minutes on a loaded machine.
# libyaml reads and writes as PyYAML's pure classes do, several times faster.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
EXAMPLES = 1200 if os.environ.get("CI", "").lower() in {"true", "1"} else 300
MIGRATED = (
    "VECTOR_STORE_DEFAULT_PROVIDER",
    "VECTOR_STORE_EMBEDDING_PROVIDER",
    "VECTOR_STORE_EMBEDDING_MODEL",
    "VECTOR_STORE_EMBEDDING_DIMENSION",
)
INTERESTING = [
    "",
    " ",
    "768",
    " 42 ",
    "4096",
    "true",
    "False",
    "1e3",
    "1_000",
    "inf",
    "-inf",
    "nan",
    "0.5",
    "1234567.5",
    "1e-7",
    "1000.0",
    "99999999999999999999",
    "~/x",
    "~",
    "~root/x",
    "${env.X}",
    "${env.VLLM_URL:=a}",
    "${env.",
    "a}b",
    "milvus",
    "faiss",
    "vllm",
    "sentence-transformers",
    "intfloat/e5-mistral-7b-instruct",
    "modèle-ünïcødé-模型",
    "on",
    "no",
    "1:20",
    "2024-01-01",
    "0x10",
    "null",
    "=",
    "__disabled__",
    "$(HOME)",
    "$$(HOME)",
    "line\nbreak",
    "\x85",
    "a\u2028b",
    "tab\there",
    "a: b",
    "'quoted'",
    "<<",
    ".inf",
    "0o17",
    "Yes",
    "+1",
    ".5",
    "1.",
]
_values = st.one_of(
    st.sampled_from(INTERESTING), st.text(max_size=12).filter(lambda s: "\0" not in s)
)


@dataclass(frozen=True)
class Var:
    """How one variable reaches the pod, and its true value."""

    name: str
    source: str  # value | secret | configmap | configmap-missing | envfrom
    value: str


_sources = st.sampled_from(["value", "value", "value", "secret", "configmap", "configmap-missing"])


# The runtime (runc) sets HOME from the image's /etc/passwd when the pod's env has none or an
# empty one: a home the pod's manifest never shows.
PASSWD_HOME = "/home/from-passwd"


@st.composite
def pods(draw: st.DrawFn) -> tuple[list[Var], str | None, list[str] | None]:
    variables: list[Var] = []
    names = [n for n in MIGRATED if draw(st.booleans())]
    names += [
        n for n in ("HOME", "VLLM_URL", "MILVUS_URL", "SQLITE_STORE_DIR") if draw(st.booleans())
    ]
    runtime_values = st.sampled_from(
        ["", "/home/lls", "x", *(f"$({n})" for n in MIGRATED), "$$(HOME)/y"]
    )
    for name in draw(st.permutations(names)):
        source = draw(_sources) if name in MIGRATED or name == "HOME" else "value"
        value = draw(_values) if name in MIGRATED else draw(runtime_values)
        variables.append(Var(name, source, value))
    # The kubelet expands $(NAME) in args too: a reference to a migrated variable there.
    args = None
    if draw(st.booleans()):
        args = ["--port", "8321", f"--note=$({draw(st.sampled_from(MIGRATED))})"]
    # envFrom of the same ConfigMap: unprefixed it defines the migrated variables too.
    return variables, draw(st.sampled_from([None, "", "FROM_CM_"])), args


def manifest(
    variables: list[Var], envfrom_prefix: str | None, args: list[str] | None = None
) -> str:
    env: list[dict[str, Any]] = []
    config: dict[str, str] = {}
    for var in variables:
        if var.source == "value":
            env.append({"name": var.name, "value": var.value})
        elif var.source == "secret":
            env.append(
                {"name": var.name, "valueFrom": {"secretKeyRef": {"name": "s", "key": var.name}}}
            )
        elif var.source == "configmap":
            config[var.name] = var.value
            env.append(
                {
                    "name": var.name,
                    "valueFrom": {"configMapKeyRef": {"name": "cm", "key": var.name}},
                }
            )
        else:
            env.append(
                {
                    "name": var.name,
                    "valueFrom": {
                        "configMapKeyRef": {"name": "cm", "key": "ABSENT", "optional": True}
                    },
                }
            )
    container: dict[str, Any] = {
        "name": "llama-stack",
        "image": "ghcr.io/tu-wien-datalab/llama-stack:main",
        "env": env,
    }
    if envfrom_prefix is not None:
        container["envFrom"] = [{"configMapRef": {"name": "cm"}, "prefix": envfrom_prefix}]
    if args is not None:
        container["args"] = args
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "llama-stack", "namespace": "ai"},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [container]},
            },
        },
    }
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ai"}}
    cm["data"] = config
    documents = [cm, deployment]
    text = yaml.dump_all(documents, Dumper=DUMPER, sort_keys=False, allow_unicode=True)
    if list(yaml.load_all(text, Loader=LOADER)) != documents:
        # PyYAML writes some characters raw that YAML then reads as line breaks (NEL);
        # escaped, every value arrives as generated.
        text = yaml.dump_all(documents, Dumper=DUMPER, sort_keys=False, allow_unicode=False)
    assert list(yaml.load_all(text, Loader=LOADER)) == documents
    return text


def true_env(container: Mapping[str, Any], variables: list[Var]) -> dict[str, str]:
    """The environment the kubelet would build, Secrets included (test oracle)."""
    truth = {v.name: v.value for v in variables}
    config = {v.name: v.value for v in variables if v.source == "configmap"}
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        env.update({prefix + k: v for k, v in config.items()})
    for item in container.get("env") or []:
        name = item["name"]
        if "value" in item:
            env[name] = expand(item["value"], env)
        elif "secretKeyRef" in item["valueFrom"]:
            env[name] = truth[name]
        else:
            ref = item["valueFrom"]["configMapKeyRef"]
            if ref["key"] in config:
                env[name] = config[ref["key"]]
    if not env.get("HOME"):
        env["HOME"] = PASSWD_HOME
    return env


def expand(value: str, env: Mapping[str, str]) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "$" and i + 1 < len(value):
            if value[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            if value[i + 1] == "(":
                end = value.find(")", i + 2)
                if end >= 0:
                    name = value[i + 2 : end]
                    out.append(env.get(name, f"$({name})"))
                    i = end + 1
                    continue
        out.append(value[i])
        i += 1
    return "".join(out)


def migrated(text: str, preserve: bool) -> tuple[pipeline.Outcome, dict[str, Any], str]:
    documents = list(manifests.documents("pod.yaml", text))
    result = pipeline.convert(documents, PROFILE, preserve_behavior=preserve)
    (outcome,) = result.outcomes
    assert outcome.plan.status is Status.NEEDS_MIGRATION, outcome.plan.findings
    files = {a.path.name: a.text for a in outcome.artifacts}
    patched = yaml.load(files["deployment.yaml"], Loader=LOADER)
    run_yaml = yaml.load(files["configmap.yaml"], Loader=LOADER)["data"]["run.yaml"]
    return outcome, patched, run_yaml


def container_of(deployment: Mapping[str, Any]) -> Mapping[str, Any]:
    container: Mapping[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def differing_paths(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in set(a) | set(b):
            if key not in a or key not in b:
                found.append((*path, key))
            else:
                found += differing_paths(a[key], b[key], (*path, key))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            p
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for p in differing_paths(x, y, (*path, i))
        ]
    return [] if canonical(a) == canonical(b) else [path]


def assert_same_behaviour(old: Resolution, new: Resolution, drift: tuple[Drift, ...]) -> None:
    """Both start or both fail; equal configurations, but for the keys of adopted drift;
    StackRunConfig accepts the new one exactly when it accepted the old one."""
    assert old.ok == new.ok, (old.error, new.error)
    if not old.ok:
        return
    adopted = [d.path for d in drift if d.adopted]
    for path in differing_paths(old.config, new.config):
        assert any(path[: len(d)] == d for d in adopted), (path, adopted)
    assert new.valid == old.valid, (old.validation_error, new.validation_error)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pod=pods())
# An empty HOME is no HOME: runc takes the one of /etc/passwd, and `~` follows it.
@example(
    pod=(
        [Var("HOME", "value", ""), Var("VECTOR_STORE_EMBEDDING_MODEL", "value", "~/x")],
        None,
        None,
    )
)
def test_migrated_config_resolves_like_the_old_one(
    llama_stack: LlamaStack, pod: tuple[list[Var], str | None, list[str] | None]
) -> None:
    variables, envfrom_prefix, args = pod
    text = manifest(variables, envfrom_prefix, args)
    original = container_of(list(yaml.load_all(text, Loader=LOADER))[1])
    old_env = true_env(original, variables)
    runs = {preserve: migrated(text, preserve) for preserve in (True, False)}
    new_envs = {
        preserve: true_env(container_of(patched), variables)
        for preserve, (_, patched, _) in runs.items()
    }
    # The old configuration and both migrated ones, resolved in one round trip.
    old, *resolved = llama_stack.resolve_many(
        [(TEMPLATE_TEXT, old_env)]
        + [(run_yaml, new_envs[preserve]) for preserve, (_, _, run_yaml) in runs.items()]
    )
    news = dict(zip(runs, resolved, strict=True))

    for preserve in (True, False):
        outcome, patched, _ = runs[preserve]
        new_container = container_of(patched)
        originals = [canonical(e) for e in original.get("env") or []]
        for entry in new_container["env"][1:]:
            assert canonical(entry) in originals, "a kept env entry was altered"
        assert new_container["env"][0] == {
            "name": PROFILE.env_name,
            "value": PROFILE.run_config_path,
        }
        new_env = new_envs[preserve]
        new = news[preserve]
        # What the kubelet makes of the args is the same before and after.
        old_args = [expand(a, old_env) for a in original.get("args") or []]
        assert [expand(a, new_env) for a in new_container.get("args") or []] == old_args
        if preserve:
            assert not [d for d in outcome.plan.drift if d.adopted]
        assert_same_behaviour(old, new, outcome.plan.drift)
        event(f"starts={old.ok} valid={old.valid}")
    kept = sum(1 for v in outcome.plan.variables if v.classification.value == "kept")
    event(f"kept as env vars: {kept}")
    if any(v.reason and "expands $(" in v.reason for v in outcome.plan.variables):
        event("a baked variable's entry stays because another entry expands it")
