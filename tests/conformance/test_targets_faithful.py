"""Each target layout's chart, rendered by Helm, resolves like the old pod under Llama Stack 0.3.3.

For random release values of the old env-var chart (``vectorStore`` settings
drawn from awkward strings and dimensions, vLLM on or off with an API key and
a token limit sometimes, persistence on or off, telemetry sometimes):

1. Helm renders the old chart (:data:`~tests.support.helm.LEGACY`); the old
   pod's env (as the kubelet builds it) and the run.yaml baked into the image
   go to the real Llama Stack 0.3.3, which resolves the old configuration.
2. ``migrate`` converts that rendered manifest for the target layout, with a
   random policy (safe, preserve the pod's behaviour, adopt chart defaults).
3. Helm renders the target's fixture chart with the *same* release values (a
   user keeps their values file; the new chart ignores ``vectorStore``) and
   the produced overlay, read by Helm's own reader
   (``helm_python.values_from_yaml``); the rendered Deployment's env and the
   ConfigMap's run.yaml go to Llama Stack again — once the rendered pod is
   seen to start from that ConfigMap (``$RUN_CONFIG_PATH`` and its mounts).
4. Both resolve alike (up to the chart drift the plan adopted), or the plan
   has an error finding that says the Helm route cannot carry the pod — and
   that claim is checked too (see ``excuse``).

Every layout gets at least ``MIGRATE_CONFORMANCE_EXAMPLES`` distinct
release-value sets (1,000 unless that environment variable says more). All
layouts draw the same sets (one seed, ``MIGRATE_CONFORMANCE_SEED`` to replay a
run), so the old chart is rendered and the old pod resolved once per set. A
Hypothesis example carries a batch of sets; Llama Stack resolves a chunk of
them in one worker round trip while the next chunk is rendered and converted.
With ``-s`` each layout prints its counts and where the time went.

The oracle can fail: ``test_a_broken_overlay_is_caught`` drops each key of a
produced overlay in turn, ``test_an_upgrade_without_the_overlay_is_caught``
leaves the overlay out, and both must make the comparison fail.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, event, given, note, seed, settings
from hypothesis import strategies as st

from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Classification, Plan, Severity, Status
from migrate.plan.verify import merge_user_values as _user_values
from migrate.sources import manifests
from migrate.yaml.io import same
from tests.conformance.llamastack import LlamaStack, PendingResolutions, Resolution, canonical
from tests.conformance.test_faithful import TEMPLATE_TEXT, assert_same_behaviour, expand
from tests.helm.test_roundtrip import _dimension, _text
from tests.support import helm

EXAMPLES_ENV_VAR = "MIGRATE_CONFORMANCE_EXAMPLES"
# Release-value sets per layout; the default run must stay within its time budget.
EXAMPLES = max(1, int(os.environ.get(EXAMPLES_ENV_VAR) or 1000))
# One seed for every layout: each layout gets the same release values, so the old
# chart's render and the old pod's resolution are computed once for all of them.
# Set it to replay a run (the seed is printed with every failure).
SEED_ENV_VAR = "MIGRATE_CONFORMANCE_SEED"
SEED = int(os.environ.get(SEED_ENV_VAR) or random.randrange(2**32))
BATCH = 25  # release-value sets per Hypothesis example
CHUNK = 5  # sets per worker round trip: the next chunk is prepared while one resolves
# Hypothesis examples beyond EXAMPLES / BATCH make up for sets drawn twice (about 2 %);
# once EXAMPLES distinct sets have passed, the rest return at once.
SPARE = 1.2

RELEASE = "prod"
NAMESPACE = "ai"
TARGETS: dict[str, Path] = {"modular": helm.MODULAR, "runconfig": helm.RUNCONFIG}
PROFILES = {name: profile.load(target=name) for name in TARGETS}
POLICIES = ("safe", "preserve", "adopt")

# Error findings that say the Helm route cannot reproduce the pod. Only these
# excuse a workload from the comparison, and each claim is checked:
# - env-not-carried: a migrated variable must stay an env var (its value cannot
#   be baked) and no chart version has a values key for extra env vars;
# - target-cannot-carry: the chart's values cannot render the run.yaml the pod
#   needs (Helm's render must then really differ from the planned run.yaml).
UNCARRIED = frozenset({"env-not-carried", "target-cannot-carry"})
# Error findings that are true of a workload and still leave the comparison on:
# - chart-default-hazard: adopting vLLM's `allowed_models: []` (only with
#   --adopt-chart-defaults, only for a pod that sets VLLM_URL); the drift is
#   adopted, so the comparison skips that key and nothing else;
# - embedding-provider-not-enabled: the old pod's own configuration already
#   names an embedding provider it does not run; the migration must keep it so.
ERRORS_KEPT_FAITHFUL = frozenset({"chart-default-hazard", "embedding-provider-not-enabled"})
HAZARD_TRIGGER = "VLLM_URL"

# More awkward values than test_roundtrip's, for what Llama Stack does with them:
# a provider id of __disabled__ drops a list item; kubelet $(VAR) references;
# placeholder syntax; numbers Python converts; values Helm writes as numbers.
_more_text = st.sampled_from(
    [
        "__disabled__",
        "${env.VLLM_URL:=a}",
        "${env.VECTOR_STORE_EMBEDDING_MODEL}",
        "$(HOME)/model",
        "$$(HOME)",
        "$(VLLM_URL)",
        "$(VECTOR_STORE_DEFAULT_PROVIDER)",
        "$(VECTOR_STORE_EMBEDDING_MODEL)",
        "null",
        " ",
        "nan",
        "-inf",
        "99999999999999999999",
        "1e-7",
        "2024-01-01",
        "line\nbreak",
    ]
)
_scalar = st.sampled_from([True, False, 0, 1, 1.5, 10**20])
_awkward = st.one_of(_text, _more_text, _scalar)
_awkward_dimension = st.one_of(
    _dimension, st.sampled_from([0, 1.5, 1000.0, 2**53 + 1, "nan", "-0", " ", "768.0"])
)
_ABSENT = object()  # the key is left out: the chart's default applies


def _entry(
    draw: st.DrawFn, target: dict[str, Any], key: str, values: st.SearchStrategy[Any]
) -> None:
    """Leave ``key`` out (chart default), null it (deletes the default), or set it."""
    choice = draw(st.sampled_from(["absent", "null", "set", "set", "set"]))
    if choice == "null":
        target[key] = None
    elif choice == "set":
        target[key] = draw(values)


@st.composite
def release_values(draw: st.DrawFn) -> dict[str, Any]:
    """A user's values file for the old chart."""
    values: dict[str, Any] = {}
    shape = draw(st.sampled_from(["absent", "null", "set", "set", "set", "set"]))
    if shape == "null":
        values["vectorStore"] = None
    elif shape == "set":
        store: dict[str, Any] = {}
        if draw(st.integers(0, 9)):
            embedding: dict[str, Any] = {}
            _entry(draw, embedding, "provider", _awkward)
            _entry(draw, embedding, "model", _awkward)
            _entry(draw, embedding, "dimension", _awkward_dimension)
            store["embedding"] = embedding
        else:
            store["embedding"] = None  # deletes every embedding default
        _entry(draw, store, "defaultProvider", _awkward)
        values["vectorStore"] = store
    url = draw(st.sampled_from([_ABSENT, None, "", "http://vllm.ai.svc/v1", "$(HOME)"]))
    if url is not _ABSENT:
        vllm: dict[str, Any] = {"url": url}
        if draw(st.booleans()):
            vllm["apiKey"] = draw(st.sampled_from(["sk-123", "", "${env.X}", "~/key", "true"]))
        if draw(st.booleans()):
            vllm["maxTokens"] = draw(st.sampled_from([4096, "8192", 0, " 12 ", "1_000", 1.5]))
        values["vllm"] = vllm
    persistence = draw(st.sampled_from([_ABSENT, True, False]))
    if persistence is not _ABSENT:
        values["persistence"] = {"enabled": persistence}
    if draw(st.booleans()):
        telemetry: dict[str, Any] = {"enabled": draw(st.booleans())}
        if draw(st.booleans()):
            telemetry["sinks"] = draw(st.sampled_from(["console", "", "otel,sqlite"]))
        values["telemetry"] = telemetry
    if draw(st.integers(0, 9)) == 0:
        values["service"] = {"port": draw(st.sampled_from([8321, 5001, "8080"]))}
    if draw(st.integers(0, 9)) == 0:
        mount, volume = draw(_extra_mounts)
        values["volumeMounts"] = [mount]
        values["volumes"] = [volume]
    return values


def _volume(mount: dict[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if kind == "emptyDir":
        return mount, {"name": mount["name"], "emptyDir": {}}
    return mount, {"name": mount["name"], "configMap": {"name": "my-run-config"}}


# Where the new layout mounts its ConfigMap, spelt otherwise, or deeper: the new
# chart's pod would not start from its ConfigMap (migrate must refuse them).
SHADOWING_MOUNTS = [
    {"name": "extra", "mountPath": "/etc/llama-stack/"},
    {"name": "extra", "mountPath": "/etc/llama-stack/run.yaml", "subPath": "run.yaml"},
    {"name": "extra", "mountPath": "/etc/llama-stack/extra"},
]
# A user's own volume, mounted into the server's container: harmless, or where the
# new layout mounts its ConfigMap, or under the new layout's volume name.
_extra_mounts = st.builds(
    _volume,
    st.sampled_from(
        [
            {"name": "extra", "mountPath": "/data"},
            {"name": "extra", "mountPath": "/etc"},
            {"name": "extra", "mountPath": "/etc/llama-stack"},
            *SHADOWING_MOUNTS,
            {"name": "config-volume", "mountPath": "/data"},
        ]
    ),
    st.sampled_from(["emptyDir", "configMap"]),
)


@dataclass(frozen=True)
class Case:
    """One release-value set and the policy ``migrate`` runs with."""

    values: dict[str, Any]
    policy: str

    def describe(self) -> str:
        return f"policy={self.policy} values={json.dumps(self.values, sort_keys=True)}"

    @property
    def key(self) -> str:
        return json.dumps([self.values, self.policy], sort_keys=True)


cases = st.builds(Case, release_values(), st.sampled_from(POLICIES))
batches = st.lists(cases, min_size=BATCH, max_size=BATCH, unique_by=lambda case: case.key)

# Seconds spent per stage, over the whole module (printed with the statistics).
TIMES: dict[str, float] = {}


@contextmanager
def timed(stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMES[stage] = TIMES.get(stage, 0.0) + time.perf_counter() - start


# -- rendering ---------------------------------------------------------------------


@dataclass(frozen=True)
class Legacy:
    """What the old chart rendered for one set of release values."""

    manifest: str  # `helm template` output: what migrate reads
    env: dict[str, str]  # the old pod's env as the kubelet builds it


_legacy: dict[str, Legacy] = {}


def legacy(values: Mapping[str, Any]) -> Legacy:
    """The old chart rendered with ``values`` (cached: identical values, identical render)."""
    key = json.dumps(values, sort_keys=True)
    if key not in _legacy:
        with timed("helm: render the old chart"):
            text = helm.render_manifest_text(
                helm.LEGACY, dict(values), release=RELEASE, namespace=NAMESPACE
            )
            documents = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d]
            _legacy[key] = Legacy(text, pod_env(documents))
    return _legacy[key]


def pod_env(documents: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The Llama Stack container's env, ``$(VAR)`` references expanded as the kubelet does."""
    (deployment,) = [d for d in documents if d.get("kind") == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env: dict[str, str] = {}
    for entry in container.get("env") or []:
        assert set(entry) == {"name", "value"}, entry  # these charts write plain values only
        env[entry["name"]] = expand(entry["value"], env)
    return env


@dataclass(frozen=True)
class NewPod:
    """What the target chart rendered: the ConfigMap's run.yaml and the pod's env."""

    run_yaml: str
    env: dict[str, str]
    # Why the pod would not start from the ConfigMap's run.yaml, or None.
    problem: str | None

    @property
    def request(self) -> tuple[str, dict[str, str]]:
        """What to ask Llama Stack: this run.yaml with this env."""
        return (self.run_yaml, self.env)


class Charts:
    """The target charts, loaded once; ``render`` is ``helm upgrade -f values -f overlay``."""

    def __init__(self, loaded: Mapping[str, Any]) -> None:
        self._loaded = loaded

    def render(self, target: str, values: Mapping[str, Any], overlay: Mapping[str, Any]) -> NewPod:
        with timed("helm: render the target chart"):
            merged = _user_values(dict(values), dict(overlay))
            rendered = self._loaded[target].render(merged, name=RELEASE, namespace=NAMESPACE)
            (configmap,) = [t for p, t in rendered.items() if p.endswith("/configmap.yaml")]
            (deployment,) = [t for p, t in rendered.items() if p.endswith("/deployment.yaml")]
            config = yaml.load(configmap, Loader=yaml.CSafeLoader)
            workload = yaml.load(deployment, Loader=yaml.CSafeLoader)
            env = pod_env([workload])
            run_yaml = config["data"][RUN_YAML_KEY]
            assert isinstance(run_yaml, str)
            problem = config_not_read(workload, env, config["metadata"]["name"])
            return NewPod(run_yaml, env, problem)


RUN_CONFIG_ENV = "RUN_CONFIG_PATH"  # the image starts from this file when it exists
RUN_YAML_KEY = "run.yaml"


def config_not_read(
    deployment: Mapping[str, Any], env: Mapping[str, str], configmap: str
) -> str | None:
    """Why the pod would not start from ``configmap``'s run.yaml, or None when it would.

    The file at ``$RUN_CONFIG_PATH`` comes from the deepest volume mount that holds
    the path (mount paths compare cleaned); a pod spec with two volumes of one name
    or two mounts at one path is refused by the API server; a volume mounted inside
    the ConfigMap's mount cannot get its mount point (ConfigMap volumes are
    read-only), so the container does not start.
    """
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    if RUN_CONFIG_ENV not in env:
        return f"{RUN_CONFIG_ENV} is not set"
    wanted = posixpath.normpath(env[RUN_CONFIG_ENV])
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    if len(volumes) != len(pod.get("volumes") or []):
        return "two volumes share a name"
    mounts = container.get("volumeMounts") or []
    if len({m["mountPath"] for m in mounts}) != len(mounts):
        return "two volume mounts share a path"
    holding = [
        (posixpath.normpath(m["mountPath"]), m)
        for m in mounts
        if wanted == posixpath.normpath(m["mountPath"])
        or wanted.startswith(posixpath.normpath(m["mountPath"]).rstrip("/") + "/")
    ]
    if not holding:
        return f"nothing is mounted at {wanted}"
    deepest = max(len(path) for path, _ in holding)
    top = [(path, m) for path, m in holding if len(path) == deepest]
    if len(top) != 1:
        return f"{len(top)} volume mounts at {top[0][0]}"
    ((path, mount),) = top
    key = mount.get("subPath") or posixpath.relpath(wanted, path)
    if mount.get("subPath") and path != wanted:
        return f"{wanted} is under the subPath mount {path}"
    source = volumes.get(mount["name"], {}).get("configMap") or {}
    if source.get("name") != configmap or key != RUN_YAML_KEY:
        return f"{wanted} comes from volume {mount['name']!r}, key {key!r}"
    inside = [
        m["mountPath"]
        for m in mounts
        if posixpath.normpath(m["mountPath"]).startswith(path.rstrip("/") + "/")
    ]
    if inside:
        return f"{inside[0]} is mounted inside the ConfigMap's read-only mount at {path}"
    return None


@pytest.fixture(scope="module")
def charts() -> Iterator[Charts]:
    with ExitStack() as stack:
        yield Charts(
            {
                name: stack.enter_context(helm_python.Chart.load(path))
                for name, path in TARGETS.items()
            }
        )


# -- one workload --------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """Everything about one case except Llama Stack's answers."""

    target: str
    case: Case
    plan: Plan
    overlay: dict[str, Any]
    old_env: dict[str, str]
    new: NewPod  # what Helm rendered from the release values and the overlay
    # Why the comparison is left out (an error finding says so), or None: compare.
    excuse: str | None = None

    @property
    def old_key(self) -> tuple[str, str]:
        return (TEMPLATE_TEXT, json.dumps(self.old_env, sort_keys=True))

    @property
    def new_key(self) -> tuple[str, str]:
        return (self.new.run_yaml, json.dumps(self.new.env, sort_keys=True))

    def describe(self) -> str:
        findings = [(f.id, f.severity.value) for f in self.plan.findings]
        return (
            f"target={self.target} {self.case.describe()}\n"
            f"overlay={json.dumps(self.overlay, sort_keys=True)}\n"
            f"findings={findings}\ndrift={self.plan.drift}"
        )


def convert(target: str, case: Case) -> tuple[Legacy, Plan, dict[str, Any]]:
    """``migrate`` on the old chart's render: the plan and the overlay as Helm reads it.

    A workload that ``migrate`` refuses (status error) has no overlay: ``{}``.
    """
    old = legacy(case.values)
    with timed("migrate: convert"):
        result = pipeline.convert(
            list(manifests.documents("helm-template", old.manifest)),
            PROFILES[target],
            preserve_behavior=case.policy == "preserve",
            adopt_defaults=case.policy == "adopt",
        )
    (outcome,) = [o for o in result.outcomes if o.plan.status is not Status.NOT_LLAMA_STACK]
    if outcome.plan.status is Status.ERROR:
        return old, outcome.plan, {}
    assert outcome.plan.status is Status.NEEDS_MIGRATION, (case.describe(), outcome.plan.findings)
    files = {a.path.name: a.text for a in outcome.artifacts}
    # Helm reads the file itself, as `helm upgrade -f` does (go-yaml rules, not PyYAML's).
    with timed("helm: read the overlay"):
        overlay = helm_python.values_from_yaml(files[pipeline.OVERLAY_FILE]) or {}
    assert isinstance(overlay, dict)
    return old, outcome.plan, overlay


def prepare(charts: Charts, target: str, case: Case) -> Prepared:
    old, plan, overlay = convert(target, case)
    item = Prepared(
        target, case, plan, overlay, old.env, charts.render(target, case.values, overlay)
    )
    with timed("judge"):
        return replace(item, excuse=excuse(item))


def error_ids(plan: Plan) -> set[str]:
    return {f.id for f in plan.findings if f.severity is Severity.ERROR}


def excuse(item: Prepared) -> str | None:
    """Check the plan's error findings; say why Llama Stack need not be asked, if it need not.

    Only an error that the Helm route cannot carry the pod excuses a workload, and
    each such claim is checked against what Helm rendered.
    """
    plan, policy = item.plan, item.case.policy
    errors = error_ids(plan)
    context = item.describe()
    if plan.status is Status.ERROR:
        # Refused outright: only for a pod whose values already use the new layout's
        # mount path or volume name, so that the new chart's pod would not start from
        # its ConfigMap even without an overlay.
        assert errors == {"layout-conflict"}, context
        assert item.new.problem is not None, context
        return "refused: layout-conflict"
    if item.new.problem is not None and not errors & UNCARRIED:
        raise AssertionError(
            f"no error reported, but the new pod does not start from the ConfigMap's "
            f"run.yaml: {item.new.problem}\n{context}"
        )
    assert errors <= UNCARRIED | ERRORS_KEPT_FAITHFUL, (errors, context)
    adopted = [d for d in plan.drift if d.adopted]
    if policy == "preserve":
        assert not adopted, context
    if "chart-default-hazard" in errors:
        # An error only where the hazard was adopted, for a pod that uses vLLM.
        assert policy == "adopt" and adopted and item.old_env.get(HAZARD_TRIGGER), context
    if "env-not-carried" in errors:
        # A variable really stays an env var, and the new chart does not render it.
        kept = [v.name for v in plan.variables if v.classification is Classification.KEPT]
        assert kept, context
        assert any(name not in item.new.env for name in kept), context
    if "target-cannot-carry" in errors:
        # Helm's render with the overlay really is not the planned run.yaml.
        assert not same(yaml.safe_load(item.new.run_yaml), dict(plan.run_config)), context
    if errors & UNCARRIED:
        return "error reported: " + ", ".join(sorted(errors & UNCARRIED))
    return None


def compare(item: Prepared, old: Resolution, new: Resolution) -> str:
    """The new pod resolves like the old one, but for the drift the plan adopted."""
    try:
        assert_same_behaviour(old, new, item.plan.drift)
        if refuses_every_model(new) and not refuses_every_model(old):
            # Adopted, the seed's `allowed_models: []` is allowed to differ; not silently.
            assert "chart-default-hazard" in error_ids(item.plan), "hazard adopted silently"
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{item.describe()}") from None
    how = "resolves alike"
    if any(d.adopted for d in item.plan.drift):
        how += ", drift adopted"
    if errors := error_ids(item.plan):
        how += ", error reported: " + ", ".join(sorted(errors))
    return how


def refuses_every_model(resolution: Resolution) -> bool:
    """Whether an enabled inference provider has ``allowed_models: []`` (refuses everything)."""
    if not resolution.ok or not isinstance(resolution.config, dict):
        return False
    providers = resolution.config.get("providers") or {}
    return any(
        isinstance(provider, dict)
        and provider.get("provider_id")
        and isinstance(provider.get("config"), dict)
        and provider["config"].get("allowed_models") == []
        for provider in providers.get("inference") or []
    )


class Tally:
    """How the checked workloads passed, per layout."""

    def __init__(self) -> None:
        self.passed: set[str] = set()  # keys of the cases that passed
        self.outcomes: Counter[str] = Counter()
        self.failed = False  # once a case failed, Hypothesis replays: check everything

    def wanted(self, case: Case) -> bool:
        """Whether ``case`` still needs checking (a set that passed passes again)."""
        if self.failed:
            return True
        return case.key not in self.passed and len(self.passed) < EXAMPLES


# Llama Stack's answers by (run.yaml text, env), shared by the layouts: the old
# pod's recur, since every layout gets the same release values.
_answers: dict[tuple[str, str], Resolution] = {}


class Checker:
    """Checks workloads in chunks: one chunk resolves while the next is prepared."""

    def __init__(self, stack: LlamaStack, charts: Charts, tally: Tally) -> None:
        self.stack = stack
        self.charts = charts
        self.tally = tally
        self.answers = _answers

    def check(self, target: str, batch: Sequence[Case]) -> None:
        try:
            self._check(target, [case for case in batch if self.tally.wanted(case)])
        except BaseException:
            self.tally.failed = True
            note(f"replay this run with {SEED_ENV_VAR}={SEED}")
            raise

    def _check(self, target: str, batch: Sequence[Case]) -> None:
        waiting: tuple[list[Prepared], PendingResolutions, list[tuple[str, str]]] | None = None
        for start in range(0, len(batch), CHUNK):
            prepared = [prepare(self.charts, target, case) for case in batch[start : start + CHUNK]]
            if waiting is not None:
                self.finish(*waiting)
            asked = self.unanswered(prepared)
            with timed("worker: send"):
                pending = self.stack.submit_many([(t, json.loads(e)) for t, e in asked])
            waiting = (prepared, pending, asked)
        if waiting is not None:
            self.finish(*waiting)

    def unanswered(self, prepared: Sequence[Prepared]) -> list[tuple[str, str]]:
        compared = [p for p in prepared if p.excuse is None]
        keys = dict.fromkeys(k for p in compared for k in (p.old_key, p.new_key))
        return [k for k in keys if k not in self.answers]

    def finish(
        self, prepared: list[Prepared], pending: PendingResolutions, asked: list[tuple[str, str]]
    ) -> None:
        with timed("worker: wait for Llama Stack"):
            self.answers.update(zip(asked, pending.results(), strict=True))
        for item in prepared:
            with timed("judge"):
                how = item.excuse or compare(
                    item, self.answers[item.old_key], self.answers[item.new_key]
                )
            self.tally.outcomes[how] += 1
            self.tally.passed.add(item.case.key)
            event(how)
        if len(self.answers) > 5_000:  # the old pod's answers recur; new ones rarely do
            self.answers.clear()


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_chart_resolves_like_the_old_pod(
    llama_stack: LlamaStack, charts: Charts, target: str
) -> None:
    tally = Tally()
    checker = Checker(llama_stack, charts, tally)

    @seed(SEED)
    @settings(
        max_examples=math.ceil(EXAMPLES * SPARE / BATCH),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: the failure names the one set that failed (values, policy,
        # overlay, findings), and shrinking batches of sets took minutes.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(batch=batches)
    def run(batch: list[Case]) -> None:
        checker.check(target, batch)

    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    ranked = sorted(TIMES.items(), key=lambda item: -item[1])
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in ranked)
    print(
        f"\n{target}: {len(tally.passed)} distinct release-value sets in {elapsed:.1f} s "
        f"({SEED_ENV_VAR}={SEED}): "
        f"{dict(tally.outcomes)}\n  time so far in this module: {stages}"
    )
    assert len(tally.passed) >= EXAMPLES
    # The comparison must really run: an error for every workload would pass vacuously.
    compared = sum(n for how, n in tally.outcomes.items() if how.startswith("resolves alike"))
    assert compared >= len(tally.passed) // 2, tally.outcomes


# -- the oracle can fail ---------------------------------------------------------------


def key_paths(overlay: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key of ``overlay`` down to values that are not maps (lists are replaced whole)."""
    paths: list[tuple[str, ...]] = []
    for key, value in overlay.items():
        path = (*prefix, key)
        paths.append(path)
        if isinstance(value, dict):
            paths += key_paths(value, path)
    return paths


def without(overlay: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    copy = json.loads(json.dumps(overlay))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert isinstance(copy, dict)
    return copy


@pytest.mark.parametrize("target", sorted(TARGETS))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=release_values())
def test_a_broken_overlay_is_caught(
    llama_stack: LlamaStack, charts: Charts, target: str, values: dict[str, Any]
) -> None:
    """Drop any one key of a faithful overlay: the comparison must fail."""
    old, plan, overlay = convert(target, Case(values, "preserve"))
    # Only a workload with an overlay to break, and one the comparison applies to.
    assume(plan.status is Status.NEEDS_MIGRATION and overlay and not error_ids(plan))
    paths = key_paths(overlay)
    requests = [(TEMPLATE_TEXT, old.env), charts.render(target, values, overlay).request]
    requests += [charts.render(target, values, without(overlay, path)).request for path in paths]
    old_config, faithful, *broken = llama_stack.resolve_many(requests)
    assert_same_behaviour(old_config, faithful, plan.drift)
    for path, new in zip(paths, broken, strict=True):
        try:
            assert_same_behaviour(old_config, new, plan.drift)
        except AssertionError:
            continue
        pytest.fail(
            f"dropping {'.'.join(path)} from the {target} overlay went unnoticed: {overlay}"
        )
    event(f"overlay keys dropped one at a time: {len(paths)}")


def test_an_upgrade_without_the_overlay_is_caught(llama_stack: LlamaStack, charts: Charts) -> None:
    """The seed's example values, upgraded with no overlay, silently revert: the check sees it."""
    values = {
        "vectorStore": {
            "defaultProvider": "milvus",
            "embedding": {
                "provider": "vllm",
                "model": "intfloat/e5-mistral-7b-instruct",
                "dimension": 4096,
            },
        }
    }
    for target in sorted(TARGETS):
        old, plan, overlay = convert(target, Case(values, "safe"))
        assert not error_ids(plan)
        old_config, faithful, reverted = llama_stack.resolve_many(
            [
                (TEMPLATE_TEXT, old.env),
                charts.render(target, values, overlay).request,
                charts.render(target, values, {}).request,
            ]
        )
        assert_same_behaviour(old_config, faithful, plan.drift)
        with pytest.raises(AssertionError):
            assert_same_behaviour(old_config, reverted, plan.drift)


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("kind", ["emptyDir", "configMap"])
@pytest.mark.parametrize("mount", SHADOWING_MOUNTS, ids=lambda mount: mount["mountPath"])
def test_a_mount_that_shadows_the_configmap_is_reported(
    charts: Charts, target: str, kind: str, mount: dict[str, Any]
) -> None:
    """A release whose own volume sits where the new layout mounts its run.yaml.

    After `helm upgrade` the pod does not start from the ConfigMap (two mounts at
    one cleaned path, a subPath mount of the file shadowing it, a mount inside the
    read-only ConfigMap mount): migrate must refuse rather than write an overlay
    that looks complete. (It did not, before mount paths were compared cleaned.)
    """
    mount, volume = _volume(mount, kind)
    item = prepare(charts, target, Case({"volumeMounts": [mount], "volumes": [volume]}, "safe"))
    assert item.new.problem is not None
    assert item.excuse == "refused: layout-conflict"


def test_resolve_many_answers_like_resolve(llama_stack: LlamaStack) -> None:
    """The batch API is the single API, item by item (a shared text, a YAML error, a failure)."""
    requests: list[tuple[str, dict[str, str]]] = [
        (TEMPLATE_TEXT, {}),
        (TEMPLATE_TEXT, {"VLLM_URL": "http://x", "VECTOR_STORE_EMBEDDING_DIMENSION": " 42 "}),
        ("a: [", {}),
        ("a: ${env.MISSING}", {}),
        ("a: ${env.A:=1}", {"A": "true"}),
    ]
    batch = llama_stack.resolve_many(requests)
    singles = [llama_stack.resolve(text, env) for text, env in requests]
    assert [canonical(r.config) for r in batch] == [canonical(r.config) for r in singles]
    assert [(r.ok, r.valid, r.error_type) for r in batch] == [
        (r.ok, r.valid, r.error_type) for r in singles
    ]
    # An outstanding batch is read before any other request is answered.
    pending = llama_stack.submit_many(requests[:1])
    assert llama_stack.resolve(*requests[2]).error_type == "YAMLError"
    assert canonical(pending.results()[0].config) == canonical(singles[0].config)
