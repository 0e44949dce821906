"""Every value an overlay writes says why it is there, and the header says what that means.

The overlay of ``migrate convert`` and the section ``migrate values`` writes are
read back with their comments; each value (a scalar, an empty map or list, a
null that deletes a key) must carry an end-of-line comment, or sit in a list
(or map) whose key carries one: a list is written whole (Helm's list rule),
and says so. Each comment
is one of the kinds the overlay's header explains. This holds for every target
chart and every policy (the default, ``--preserve-behavior``,
``--adopt-chart-defaults``), on the shipped manifests and values, and on pods
whose migrated variables take any of a set of awkward values.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate import fastpath
from migrate.app import convert as pipeline
from migrate.app import values
from migrate.chart import profile
from migrate.emit import why
from migrate.emit.overlay import Overlay
from migrate.errors import InputError
from migrate.model import Status
from migrate.plan.values import layout_keys
from migrate.plan.workload import plan
from migrate.yaml import io as yamlio
from tests.plan.pods import container, env, workload
from tests.test_values import env_profile

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
TARGETS = ("runconfig", "modular", "modular-1543ca5", "env-chart")
# The built-in targets, and the newest chart had it passed an `env:` map on as env vars.
PROFILES = {name: profile.load(target=name) for name in TARGETS[:3]} | {"env-chart": env_profile()}
POLICIES = ("default", "--preserve-behavior", "--adopt-chart-defaults")
MANIFESTS = sorted(
    {
        *FIXTURES.glob("manifests/**/*.yaml"),
        *FIXTURES.glob("findings/*/*.yaml"),
        *FIXTURES.glob("bad/**/*.yaml"),
    }
)
VALUES = sorted(FIXTURES.glob("values/*.yaml"))
COMMENT = re.compile(r"\S  # (.+)$")  # the writers put two spaces before a comment


def reasons(text: str, keys: tuple[str, ...] | None = None) -> tuple[list[str], list[str]]:
    """The comments of the values in ``text`` (under ``keys`` only, when given), and the
    values that have none of their own and are in no list that has one."""
    lines = text.splitlines()
    data = yamlio.load_round_trip(text)
    comments: list[str] = []
    missing: list[str] = []

    def comment(line: int) -> str | None:
        found = COMMENT.search(lines[line])
        return found.group(1) if found else None

    def walk(node: CommentedMap | CommentedSeq, path: str, covered: bool) -> None:
        items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        for key, value in items:
            if not path and keys is not None and key not in keys:
                continue
            line = node.lc.key(key)[0] if isinstance(node, CommentedMap) else node.lc.item(key)[0]
            here = f"{path}.{key}" if isinstance(node, CommentedMap) else f"{path}[{key}]"
            own = comment(line)
            if own is not None:
                comments.append(own)
            if isinstance(value, CommentedMap | CommentedSeq) and value:
                walk(value, here, covered or own is not None)
            elif own is None and not covered:
                missing.append(here.lstrip("."))

    if isinstance(data, CommentedMap):
        walk(data, "", False)
    return comments, missing


def explained(text: str, comments: list[str]) -> None:
    """Each comment is of a kind the header explains."""
    header = [line for line in text.splitlines() if line.startswith("#")]
    for found in comments:
        for line in why.legend([found]):
            assert line in header, f"{found!r}: the header does not explain it"


def overlays(path: Path, target: str, policy: str) -> list[tuple[str, str]]:
    try:
        documents = pipeline.load([str(path)], recursive=False)
    except InputError:
        return []
    result = pipeline.convert(
        documents,
        PROFILES[target],
        preserve_behavior=policy == "--preserve-behavior",
        adopt_defaults=policy == "--adopt-chart-defaults",
    )
    return [
        (o.plan.label, o.artifacts[0].text)
        for o in result.outcomes
        if o.artifacts and o.artifacts[0].path.name == "values-overlay.yaml"
    ]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("target", TARGETS)
def test_every_value_of_every_shipped_overlay_says_why(target: str, policy: str) -> None:
    seen = 0
    for path in MANIFESTS:
        for label, text in overlays(path, target, policy):
            comments, missing = reasons(text)
            assert missing == [], f"{path.relative_to(ROOT)} ({label}): no reason for {missing}"
            explained(text, comments)
            seen += 1
    assert seen > 20


def test_a_kept_list_names_the_default_it_keeps_and_helms_list_rule() -> None:
    (path,) = [p for p in MANIFESTS if p.name == "seed-example.yaml"]
    for policy, cause in (
        ("default", ", which would break this pod (chart-default-hazard)"),
        ("--preserve-behavior", " (--preserve-behavior)"),
    ):
        ((_, text),) = overlays(path, "runconfig", policy)
        assert (
            "    inference:  # kept as the pod ran it, not the chart's default "
            f"providers.inference[0].config.allowed_models: []{cause}; Helm replaces a list "
            "whole, so the whole list is written\n"
        ) in text
        # The embedding model is a list too: a value of it that no env var set is explained
        # by the list's comment, and the values from env vars keep their own.
        assert (
            "    models:  # Helm replaces a list whole, so the whole list is written; a value "
            "without a comment is as the pod ran it\n"
            "      - model_id: intfloat/e5-mistral-7b-instruct  # VECTOR_STORE_EMBEDDING_MODEL\n"
        ) in text
        assert "#   'kept as the pod ran it, not the chart's default KEY: VALUE': " in text
        assert "#   'Helm replaces a list whole, so the whole list is written': " in text


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("target", TARGETS)
def test_every_value_migrate_values_writes_says_why(target: str, policy: str) -> None:
    chosen = PROFILES[target]
    keys = layout_keys(chosen.target.layout)
    if chosen.target.env_values_key is not None:
        keys += (chosen.target.env_values_key,)
    seen = 0
    for path in VALUES:
        try:
            result = values.convert(
                path.read_text("utf-8"),
                str(path),
                chosen,
                preserve_behavior=policy == "--preserve-behavior",
                adopt_defaults=policy == "--adopt-chart-defaults",
            )
        except InputError:
            continue
        if result.already_migrated:
            continue
        _, missing = reasons(result.text, keys)
        # An env map the old values had is theirs: only what migrate added must say why.
        added = [m for m in missing if m.split(".")[0] != "env" or m[4:] in result.kept]
        assert added == [], f"{path.name}: no reason for {added}"
        seen += 1
    assert seen >= 4


_VALUE = st.sampled_from(
    [
        "milvus",
        "faiss",
        "",
        "vllm",
        "sentence-transformers",
        "all-MiniLM-L6-v2",
        "~/models/e5",
        "384",
        "1e3",
        "0x10",
        "yes",
        "a # b",
        "$(HOME)/x",
        "${env.OTHER}",
    ]
)
_VARIABLES = (
    "VECTOR_STORE_DEFAULT_PROVIDER",
    "VECTOR_STORE_EMBEDDING_PROVIDER",
    "VECTOR_STORE_EMBEDDING_MODEL",
    "VECTOR_STORE_EMBEDDING_DIMENSION",
)


@settings(max_examples=60, deadline=None)
@given(
    chosen=st.dictionaries(st.sampled_from(_VARIABLES), _VALUE, min_size=1),
    vllm=st.booleans(),
    target=st.sampled_from(TARGETS),
    policy=st.sampled_from(POLICIES),
)
def test_any_pods_overlay_says_why_for_every_value(
    chosen: dict[str, str], vllm: bool, target: str, policy: str
) -> None:
    entries: dict[str, Any] = dict(chosen)
    if vllm:
        entries["VLLM_URL"] = "http://vllm.ai.svc/v1"
    result = plan(
        workload(container(env(**entries))),
        PROFILES[target],
        {},
        preserve_behavior=policy == "--preserve-behavior",
        adopt_defaults=policy == "--adopt-chart-defaults",
    )
    if result.status is not Status.NEEDS_MIGRATION:
        return
    text = Overlay().render(result, PROFILES[target]).text
    comments, missing = reasons(text)
    assert missing == [], f"no reason for {missing}:\n{text}"
    explained(text, comments)


@settings(max_examples=80, deadline=None)
@given(
    chosen=st.lists(
        st.tuples(st.dictionaries(st.sampled_from(_VARIABLES), _VALUE), st.sampled_from(POLICIES)),
        min_size=2,
        max_size=4,
    ),
    target=st.sampled_from(TARGETS),
)
def test_overlays_written_once_for_their_values_are_those_written_anew(
    chosen: list[tuple[dict[str, str], str]], target: str
) -> None:
    """On the fast path an overlay's text after its first line is kept for its values and
    comments; pods of other names, and the same settings again, get what the full path
    writes."""
    results = [
        plan(
            workload(container(env(**entries)), name=f"llama-stack-{index % 2}"),
            PROFILES[target],
            {},
            preserve_behavior=policy == "--preserve-behavior",
            adopt_defaults=policy == "--adopt-chart-defaults",
        )
        for index, (entries, policy) in enumerate([*chosen, *chosen])
    ]
    fast = [Overlay().render(r, PROFILES[target]).text for r in results]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(fastpath.ENV, "1")
        full = [Overlay().render(r, PROFILES[target]).text for r in results]
    assert fast == full
    for result, text in zip(results, fast, strict=True):
        assert text.startswith(f"# Helm values overlay for {result.label}, ")


def test_an_overlay_of_the_same_values_with_other_reasons_says_its_own() -> None:
    first = plan(
        workload(container(env(VECTOR_STORE_EMBEDDING_MODEL="e5"))), PROFILES["modular"], {}
    )
    assert first.overlay_sources
    other = replace(
        first, overlay_sources={path: "OTHER_VARIABLE" for path in first.overlay_sources}
    )
    texts = [Overlay().render(p, PROFILES["modular"]).text for p in (first, other, first)]
    assert "VECTOR_STORE_EMBEDDING_MODEL" in texts[0]
    assert "VECTOR_STORE_EMBEDDING_MODEL" not in texts[1]
    assert "# OTHER_VARIABLE" in texts[1]
    assert texts[2] == texts[0]
