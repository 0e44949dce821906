"""A Helm release's whole history: from stored objects, from a cluster (GET only), from
exported files; every unreadable revision a problem line, never an exception.

Over 400 lines: the tests mirror the one source module, and each way of reading shares
the histories built at the top.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import gzip
import json
from pathlib import Path
from typing import Any

import helm_python
import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from migrate.sources import cluster, helm_history, helm_release
from migrate.sources.helm_history import History
from migrate.sources.interface import Problem
from tests.support import cluster as emulated
from tests.support import helm
from tests.support.cluster import history as built
from tests.support.cluster.history import Step

OLD = {
    "vectorStore": {"embedding": {"model": "intfloat/e5-mistral-7b-instruct", "dimension": 4096}}
}
CREDENTIAL = "sk-live-DO-NOT-LEAK-4711"
MISSING = "deleted, or never stored — Helm cannot store a release over 1 MiB in a Secret"


def upgraded(*, fails: bool = False) -> built.StoredHistory:
    """Installed with the env-var chart, upgraded twice, the last upgrade to the new chart."""
    return built.upgrades(
        "rag",
        "ai",
        [
            Step(helm.LEGACY, OLD),
            Step(helm.LEGACY, {**OLD, "vllm": {"apiKey": CREDENTIAL}}),
            Step(helm.MODULAR, {"vllm": {"apiKey": CREDENTIAL}}, fails=fails),
        ],
    )


def read(stored: built.StoredHistory) -> History:
    return helm_history.history(stored.records(), "rag", "ai")


def test_every_revision_is_read_with_its_values_manifest_chart_and_status() -> None:
    stored = upgraded()
    found = read(stored)
    assert (found.release, found.namespace, found.driver) == ("rag", "ai", "secret")
    assert found.problems == () and found.missing == () and found.unreadable == ()
    assert [(r.version, r.status) for r in found.revisions] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]
    first, _, last = found.revisions
    assert first.values == OLD and last.values == {"vllm": {"apiKey": CREDENTIAL}}
    assert first.manifest == stored.revision(1).manifest
    assert "VECTOR_STORE_EMBEDDING_DIMENSION" in first.manifest
    assert "VECTOR_STORE_EMBEDDING_DIMENSION" not in last.manifest
    assert (first.chart, first.deployed, last.deployed) == (
        "llama-stack-0.1.0",
        "2025-03-01T09:00:00Z",
        "2025-03-01T11:00:00Z",
    )
    assert first.chart_values == helm.chart_default_values(helm.LEGACY)
    assert last.chart_values == helm.chart_default_values(helm.MODULAR)
    assert "templates/configmap.yaml" not in first.chart_templates
    assert (
        last.chart_templates["templates/configmap.yaml"]
        == (helm.MODULAR / "templates" / "configmap.yaml").read_text()
    )
    assert found.revision(2) == found.revisions[1] and found.revision(9) is None


def test_a_failed_last_revision_is_read_and_the_one_before_stays_deployed() -> None:
    found = read(upgraded(fails=True))
    assert [(r.version, r.status) for r in found.revisions] == [
        (1, "superseded"),
        (2, "deployed"),
        (3, "failed"),
    ]
    assert found.problems == ()


def test_a_pruned_history_starts_later_without_a_problem() -> None:
    found = read(upgraded().pruned(2))
    assert [r.version for r in found.revisions] == [3]
    assert found.problems == () and found.missing == ()


def test_a_revision_missing_between_others_is_a_problem_saying_why_it_may_be() -> None:
    found = read(upgraded().without(2))
    assert [r.version for r in found.revisions] == [1, 3]
    assert found.missing == (2,)
    assert found.problems == (f"release rag in ai: revision 2 is missing: {MISSING}",)


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("base64", "data.release is not valid base64 (the Secret's encoding)"),
        ("helm-base64", "the release data is not valid base64 (Helm's encoding)"),
        ("gzip", "the record starts like gzip but is not valid gzip"),
        ("json", "the record is not JSON (Unterminated string starting at: line 1 column 10)"),
        ("not-an-object", "the record is JSON but not an object (an array)"),
    ],
)
@pytest.mark.parametrize("driver", ["secret", "configmap"])
def test_a_broken_record_is_one_problem_and_the_others_are_read(
    how: built.Corruption, why: str, driver: str
) -> None:
    stored = upgraded().corrupted(2, how)
    if driver == "configmap":
        stored = stored.in_config_maps()
    found = read(stored)
    kind = "Secret" if driver == "secret" else "ConfigMap"
    if driver == "configmap" and how == "base64":  # a ConfigMap has Helm's layer only
        why = "the release data is not valid base64 (Helm's encoding)"
    assert found.problems == (f"{kind} sh.helm.release.v1.rag.v2 in ai: {why}",)
    assert [r.version for r in found.revisions] == [1, 3]
    assert found.unreadable == (2,) and found.missing == () and found.driver == driver


def test_the_configmap_driver_gives_the_same_history() -> None:
    stored = upgraded()
    by_secrets, by_config_maps = read(stored), read(stored.in_config_maps())
    assert by_config_maps.driver == "configmap"
    assert by_config_maps.revisions == by_secrets.revisions


def test_records_of_both_drivers_read_the_secrets_and_name_each_configmap_left() -> None:
    stored = upgraded()
    found = helm_history.history(
        stored.records() + stored.in_config_maps().records()[:1], "rag", "ai"
    )
    assert found.driver == "secret" and len(found.revisions) == 3
    assert found.problems == (
        "ConfigMap sh.helm.release.v1.rag.v1 in ai: not read: the release's records are "
        "Secrets (Helm reads one driver)",
    )


def test_other_releases_namespaces_and_objects_are_passed_over() -> None:
    others = built.upgrades("rag", "staging", [Step(helm.LEGACY)]).objects()
    others += built.upgrades("chat", "ai", [Step(helm.LEGACY)]).objects()
    found = helm_history.history(others + upgraded().live(), "rag", "ai")
    assert found == History("rag", "ai", (), (), "")


def relabelled(secret: dict[str, Any], **labels: str) -> dict[str, Any]:
    secret["metadata"]["labels"].update(labels)
    return secret


def test_runs_of_missing_revisions_are_one_line_each_and_a_huge_one_is_not_listed() -> None:
    stored = upgraded()
    records = [*stored.without(2).records(), relabelled(secret_with("%%"), version="1000000")]
    found = helm_history.history(records, "rag", "ai")
    assert found.missing == (2,) and found.unreadable == (1000000,)
    assert found.problems[1:] == (
        f"release rag in ai: revision 2 is missing: {MISSING}",
        f"release rag in ai: revisions 4 to 999999 are missing: {MISSING}",
    )
    found = helm_history.history(stored.pruned(2).records() + stored.records()[:1], "rag", "ai")
    assert found.missing == (2,)


def test_labels_that_disagree_with_the_record_are_a_problem_and_not_read() -> None:
    records = upgraded().records()
    relabelled(records[1], version="7")
    chat = built.upgrades("chat", "ai", [Step(helm.LEGACY)]).records()[0]
    found = helm_history.history(
        [records[0], records[1], relabelled(chat, name="rag", version="3")], "rag", "ai"
    )
    assert [r.version for r in found.revisions] == [1]
    assert found.problems == (
        "Secret sh.helm.release.v1.rag.v2 in ai: its version label says 7, the record 2",
        "Secret sh.helm.release.v1.chat.v1 in ai: its version label says 3, the record 1",
    )
    assert found.unreadable == (2,) and found.missing == ()
    chat = relabelled(built.upgrades("chat", "ai", [Step(helm.LEGACY)]).records()[0], name="rag")
    assert helm_history.history([chat], "rag", "ai").problems == (
        "Secret sh.helm.release.v1.chat.v1 in ai: its name label and the release the record "
        "names disagree",
    )


def helm_string(record: bytes, *, compress: bool = True) -> str:
    return base64.b64encode(gzip.compress(record, mtime=0) if compress else record).decode()


@functools.cache
def _installed() -> dict[str, Any]:
    return built.upgrades("rag", "ai", [Step(helm.LEGACY)]).records()[0]


def secret_with(helm_text: str, version: int = 1) -> dict[str, Any]:
    secret = copy.deepcopy(_installed())
    secret["metadata"]["labels"]["version"] = str(version)
    secret["data"]["release"] = base64.b64encode(helm_text.encode()).decode()
    return secret


def test_a_record_that_unpacks_past_the_bound_is_too_large_for_both_readers() -> None:
    padding = b" " * (helm_release.MAX_RECORD + 1)
    bomb = secret_with(helm_string(b'{"name": "rag", "version": 1' + padding + b"}"))
    why = f"the record is larger than {helm_release.MAX_RECORD >> 20} MiB unpacked: too large"
    assert read_one(bomb).problems == (f"Secret sh.helm.release.v1.rag.v1 in ai: {why}",)
    with pytest.raises(helm_release.ReleaseError, match="too large"):
        helm_release.decode(bomb)


def test_a_record_stored_before_compression_is_read_as_helm_reads_it() -> None:
    record = {"name": "rag", "version": 1, "namespace": "ai", "info": {"status": "deployed"}}
    found = read_one(secret_with(helm_string(json.dumps(record).encode(), compress=False)))
    assert found.problems == () and found.revisions[0].status == "deployed"
    assert found.revisions[0].values == {} and found.revisions[0].chart == ""


def read_one(obj: dict[str, Any]) -> History:
    return helm_history.history([obj], "rag", "ai")


def test_no_problem_quotes_a_value_of_the_record() -> None:
    cut = json.dumps({"name": "rag", "config": {"vllm": {"apiKey": CREDENTIAL}}})
    for broken in (cut[: cut.index(CREDENTIAL) + len(CREDENTIAL)], cut.replace("}", "]", 1)):
        found = read_one(secret_with(helm_string(broken.encode())))
        assert len(found.problems) == 1 and CREDENTIAL not in found.problems[0]
    record = {"name": "rag", "version": 1, "config": [CREDENTIAL]}
    found = read_one(secret_with(helm_string(json.dumps(record).encode())))
    assert found.problems == (
        "Secret sh.helm.release.v1.rag.v1 in ai: the record's values (config) are not a mapping",
    )


def test_a_malformed_chart_template_is_left_out_and_said() -> None:
    templates = [
        {"name": "templates/ok.yaml", "data": "b2s="},
        {"name": "templates/empty.yaml"},  # Go's nil []byte
        {"name": "templates/bad.yaml", "data": "%%"},
        {"data": "b2s="},
    ]
    record = {"name": "rag", "version": 1, "chart": {"templates": templates}}
    found = read_one(secret_with(helm_string(json.dumps(record).encode())))
    assert found.revisions[0].chart_templates == {
        "templates/ok.yaml": "ok",
        "templates/empty.yaml": "",
    }
    assert found.problems == (
        "Secret sh.helm.release.v1.rag.v1 in ai: revision 1: chart template templates/bad.yaml "
        "does not decode; left out",
        "Secret sh.helm.release.v1.rag.v1 in ai: revision 1: chart template 3 is malformed; "
        "left out",
    )


# --- any bytes --------------------------------------------------------------------------------


def _layers(data: bytes, layers: str) -> str:
    if "gzip" in layers:
        data = gzip.compress(data, mtime=0)
    for _ in range(layers.count("b64")):
        data = base64.b64encode(data)
    return data.decode("latin-1")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.from_regex(rb'\A[\[\]{}"0-9a-z:, ]{0,80}\Z'),
    ),
    st.sampled_from(["", "b64", "b64 b64", "gzip b64 b64", "gzip b64"]),
    st.sampled_from(["Secret", "ConfigMap"]),
)
def test_any_bytes_in_the_release_data_give_a_problem_or_a_revision(
    data: bytes, layers: str, kind: str
) -> None:
    obj = secret_with("")
    obj["kind"] = kind
    obj["data"]["release"] = _layers(data, layers)
    found = read_one(obj)
    assert len(found.revisions) + len(found.problems) >= 1


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(st.none(), st.integers(), st.lists(st.text()), st.dictionaries(st.text(), st.text()))
)
def test_any_json_value_as_the_record_or_its_fields_is_a_problem_or_a_revision(value: Any) -> None:
    for record in (value, {"name": "rag", "version": 1, "info": value, "chart": value}):
        found = read_one(secret_with(helm_string(json.dumps(record).encode())))
        assert len(found.revisions) + len(found.problems) >= 1


# --- from a cluster ---------------------------------------------------------------------------


def only_get(emulator: emulated.Emulator) -> list[tuple[str, dict[str, str]]]:
    seen = emulated.requests(emulator)
    assert {method for method, _, _ in seen} == {"GET"}, seen
    return [(path, params) for _, path, params in seen]


@pytest.mark.asyncio
async def test_a_cluster_release_history_is_read_by_label_with_get_requests_only(
    tmp_path: Path,
) -> None:
    async with emulated.running(tmp_path=tmp_path) as c:
        c.seed("main", upgraded().corrupted(1, "gzip").objects())
        c.seed("main", built.upgrades("chat", "ai", [Step(helm.LEGACY)]).in_config_maps().objects())

        def histories() -> list[list[History | Problem]]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            return [
                list(helm_history.ReleaseHistory(connection, name, "ai").read())
                for name in ("rag", "chat", "none")
            ]

        (rag,), (chat,), (none,) = await asyncio.to_thread(histories)
        seen = only_get(c.emulators["main"])
    assert isinstance(rag, History) and rag.driver == "secret"
    assert [(r.version, r.status) for r in rag.revisions] == [(2, "superseded"), (3, "deployed")]
    assert rag.problems == (
        "Secret sh.helm.release.v1.rag.v1 in ai: the record starts like gzip but is not valid gzip",
    )
    assert isinstance(chat, History) and chat.driver == "configmap" and len(chat.revisions) == 1
    assert none == History("none", "ai", (), (), "")
    selectors = [(path.rsplit("/", 1)[-1], params.get("labelSelector")) for path, params in seen]
    assert selectors == [
        ("secrets", "owner=helm,name=rag"),
        ("secrets", "owner=helm,name=chat"),
        ("configmaps", "owner=helm,name=chat"),
        ("secrets", "owner=helm,name=none"),
        ("configmaps", "owner=helm,name=none"),
    ]


@pytest.mark.asyncio
async def test_a_cluster_fault_is_a_problem_naming_the_release(tmp_path: Path) -> None:
    async with emulated.running(tmp_path=tmp_path) as c:
        c.seed("main", upgraded().objects())
        emulated.forbid(c.emulators["main"], "v1/secrets", "ai")

        def history() -> list[History | Problem]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            return list(helm_history.ReleaseHistory(connection, "rag", "ai").read())

        found = await asyncio.to_thread(history)
        only_get(c.emulators["main"])
    assert found == [
        Problem("release rag in ai: listing Secrets in namespace ai is forbidden (403)")
    ]


@pytest.mark.asyncio
async def test_releases_of_a_namespace_are_read_together_as_each_alone(tmp_path: Path) -> None:
    """read_many: one request for the Secrets of them all, one for the ConfigMaps of those
    without; each history as ReleaseHistory reads it alone. A name that is no label value
    is read alone; a fault is a problem of each release it left unread."""
    names = ("rag", "chat", "none", "Not_A-Label-Value-")
    async with emulated.running(tmp_path=tmp_path) as c:
        c.seed("main", upgraded().corrupted(1, "gzip").objects())
        c.seed("main", built.upgrades("chat", "ai", [Step(helm.LEGACY)]).in_config_maps().objects())
        c.seed("main", built.upgrades("other", "ai", [Step(helm.LEGACY)]).objects())

        def read() -> tuple[dict[str, History | Problem], list[History | Problem]]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            together: dict[str, History | Problem] = {}
            for group in helm_history.groups(names):
                together.update(helm_history.read_many(connection, "ai", group))
            alone = [next(helm_history.ReleaseHistory(connection, n, "ai").read()) for n in names]
            return together, alone

        together, alone = await asyncio.to_thread(read)
        seen = only_get(c.emulators["main"])
    assert [together[name] for name in names] == alone
    assert isinstance(together["rag"], History) and len(together["rag"].revisions) == 2
    assert isinstance(together["chat"], History) and together["chat"].driver == "configmap"
    selectors = [(path.rsplit("/", 1)[-1], params.get("labelSelector")) for path, params in seen]
    assert selectors[:3] == [
        ("secrets", "owner=helm,name=Not_A-Label-Value-"),
        ("secrets", "owner=helm,name in (rag,chat,none)"),
        ("configmaps", "owner=helm,name in (chat,none)"),
    ]
    assert helm_history.groups([f"r{i}" for i in range(45)]) == [
        tuple(f"r{i}" for i in range(start, min(start + helm_history.SET_SIZE, 45)))
        for start in range(0, 45, helm_history.SET_SIZE)
    ]


@pytest.mark.asyncio
async def test_a_fault_reading_releases_together_is_a_problem_of_each(tmp_path: Path) -> None:
    async with emulated.running(tmp_path=tmp_path) as c:
        c.seed("main", upgraded().objects())
        emulated.forbid(c.emulators["main"], "v1/secrets", "ai")

        def read() -> dict[str, History | Problem]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            return helm_history.read_many(connection, "ai", ("rag", "chat"))

        found = await asyncio.to_thread(read)
    assert found == {
        name: Problem(f"release {name} in ai: listing Secrets in namespace ai is forbidden (403)")
        for name in ("rag", "chat")
    }


# --- from exported files ----------------------------------------------------------------------


def test_exported_files_give_one_history_per_namespace_and_release(tmp_path: Path) -> None:
    rag = upgraded()
    staging = built.upgrades("rag", "staging", [Step(helm.LEGACY), Step(helm.RUNCONFIG)])
    (tmp_path / "ai.yaml").write_text(built.kubectl_list(rag.records()))
    (tmp_path / "staging.yml").write_text(built.kubectl_list(staging.in_config_maps().records()))
    found = [h for h in helm_history.exported([tmp_path]) if isinstance(h, History)]
    assert len(found) == len(list(helm_history.exported([tmp_path])))
    assert [(h.namespace, h.release, h.driver, len(h.revisions)) for h in found] == [
        ("ai", "rag", "secret", 3),
        ("staging", "rag", "configmap", 2),
    ]
    assert found[0].revisions == read(rag).revisions
    assert found[0].problems == found[1].problems == ()


def test_exported_documents_and_problems_name_the_file_and_line(tmp_path: Path) -> None:
    records = upgraded().corrupted(3, "json").records()
    opaque = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}, "data": {}}
    documents = [yaml_document(obj) for obj in [records[0], opaque, records[1], records[2]]]
    (tmp_path / "one.yaml").write_text("---\n".join(documents))
    (tmp_path / "two.yaml").write_text("a: [1\n")
    (tmp_path / "three.yaml").write_bytes(b"kind: List\nitems: []\n\xff\n")
    found = list(helm_history.exported([tmp_path / "one.yaml", tmp_path / "two.yaml"]))
    found += list(helm_history.exported([tmp_path / "three.yaml", tmp_path / "gone"]))
    opaque_line = 1 + documents[0].count("\n") + 1
    third_line = opaque_line + documents[1].count("\n") + documents[2].count("\n") + 2
    problems = [str(p) for p in found if isinstance(p, Problem)]
    assert problems[1].startswith(f"{tmp_path}/two.yaml:2:1: invalid YAML: ")
    assert problems[:1] + problems[2:] == [
        f"{tmp_path}/one.yaml:{opaque_line}: Secret token is not a Helm release record",
        f"{tmp_path}/three.yaml:3: not UTF-8 text (byte 21)",
        f"{tmp_path / 'gone'}: no such file or directory",
    ]
    (history,) = [h for h in found if isinstance(h, History)]
    assert [r.version for r in history.revisions] == [1, 2]
    assert history.problems == (
        f"{tmp_path}/one.yaml:{third_line}: Secret sh.helm.release.v1.rag.v3: the record is not "
        "JSON (Unterminated string starting at: line 1 column 10)",
    )


def yaml_document(obj: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(obj, sort_keys=True, width=1 << 30)


@pytest.mark.asyncio
@pytest.mark.parametrize("driver", ["secret", "configmap"])
async def test_helm_itself_reads_the_histories_built_here_as_this_reader_does(
    tmp_path: Path, driver: str
) -> None:
    stored = upgraded(fails=True)
    stored = stored.in_config_maps() if driver == "configmap" else stored
    async with emulated.running(tmp_path=tmp_path) as c:
        c.seed("main", stored.objects())

        def both() -> tuple[list[History | Problem], Any, list[Any]]:
            connection = cluster.connect(c.kubeconfig, "main", "default", 5.0)
            ours = list(helm_history.ReleaseHistory(connection, "rag", "ai").read())
            with helm_python.Config(
                kubeconfig_path=c.kubeconfig, namespace="ai", storage_driver=driver
            ) as config:
                listed = config.history("rag")
                records = [config.get_all("rag", revision=v) for v in (1, 2, 3)]
            return ours, listed, records

        (ours,), listed, records = await asyncio.to_thread(both)
    assert isinstance(ours, History) and ours.driver == driver
    assert [(r.version, r.status, r.deployed) for r in ours.revisions] == [
        (entry["revision"], entry["status"], entry["deployed_at"]) for entry in listed
    ]
    assert [r.chart for r in ours.revisions] == [
        f"{entry['chart_name']}-{entry['chart_version']}" for entry in listed
    ]
    assert [(dict(r.values), r.manifest) for r in ours.revisions] == [
        (record["config"] or {}, record["summary"]["manifest"]) for record in records
    ]


def test_the_live_objects_are_the_last_deployed_manifest_as_helm_applied_it() -> None:
    stored = upgraded(fails=True)
    live = stored.live()
    assert [obj["kind"] for obj in live] == ["PersistentVolumeClaim", "Service", "Deployment"]
    for obj in live:
        metadata = obj["metadata"]
        assert metadata["namespace"] == "ai"
        assert metadata["annotations"][built.RELEASE_NAME] == "rag"
        assert metadata["annotations"][built.RELEASE_NAMESPACE] == "ai"
        assert metadata["labels"][built.MANAGED_BY] == "Helm"
    (deployment,) = [obj for obj in live if obj["kind"] == "Deployment"]
    env = {e["name"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "VECTOR_STORE_EMBEDDING_DIMENSION" in env  # revision 2's chart, not the failed 3's
    assert built.upgrades("rag", "ai", [Step(helm.LEGACY, fails=True)]).live() == []


@pytest.mark.parametrize("stored", [None, 42, ["a"], {"a": "b"}])
def test_release_data_that_is_not_text_is_a_problem(stored: Any) -> None:
    for obj in (secret_with(""), built.as_config_map(secret_with(""))):
        obj["data"]["release"] = stored
        assert read_one(obj).problems == (
            f"{obj['kind']} sh.helm.release.v1.rag.v1 in ai: no release data",
        )


def test_pending_and_failed_revisions_are_read_with_their_status() -> None:
    statuses = ["superseded", "deployed", "failed", "pending-upgrade"]
    secrets = [
        emulated.helm_release_secret("rag", "ai", version, status, {"v": version})
        for version, status in enumerate(statuses, start=1)
    ]
    found = helm_history.history(reversed(secrets), "rag", "ai")
    assert [(r.version, r.status, r.values) for r in found.revisions] == [
        (v, s, {"v": v}) for v, s in enumerate(statuses, start=1)
    ]


def test_a_revision_stored_twice_reads_the_first_and_says_so_unless_they_are_the_same() -> None:
    first, *_ = records = upgraded().records()
    assert helm_history.history([*records, first], "rag", "ai").problems == ()
    other = copy.deepcopy(upgraded().corrupted(1, "not-an-object").records()[0])
    other["data"]["release"] = secret_with(helm_string(b'{"name": "rag", "version": 1}'))["data"][
        "release"
    ]
    found = helm_history.history([*records, other], "rag", "ai")
    assert found.revisions[0].values == OLD
    assert found.problems == (
        "Secret sh.helm.release.v1.rag.v1 in ai: revision 1 is stored twice; not read",
    )
