"""Tests for the byte-preserving sequence patcher."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from migrate.emit.textpatch import (
    Edit,
    InsertItem,
    PatchError,
    Path,
    RemoveItems,
    apply_edits,
    apply_edits_to_data,
)

CONTAINER: Path = ("spec", "template", "spec", "containers", 0)
ENV: Path = (*CONTAINER, "env")
MOUNTS: Path = (*CONTAINER, "volumeMounts")
VOLUMES: Path = ("spec", "template", "spec", "volumes")

RUN_CONFIG = {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}
MOUNT = {"name": "config-volume", "mountPath": "/etc/llama-stack", "readOnly": True}
VOLUME = {"name": "config-volume", "configMap": {"name": "x-config"}}


def load(text: str, version: tuple[int, int] | None = None) -> Any:
    reader = YAML(typ="safe", pure=True)
    if version is not None:
        reader.version = version
    return reader.load(text)


def strict(value: Any) -> Any:
    """A form in which 1, 1.0, True and "1" all differ under ==."""
    if isinstance(value, dict):
        return ("map", sorted((repr(k), strict(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", [strict(v) for v in value])
    return (type(value).__name__, value)


def assert_loads_as_reference(original: str, patched: str, edits: Sequence[Edit]) -> None:
    for version in (None, (1, 1)):
        expected = apply_edits_to_data(load(original, version), edits)
        assert strict(load(patched, version)) == strict(expected)
    expected = apply_edits_to_data(pyyaml.safe_load(original), edits)
    assert strict(pyyaml.safe_load(patched)) == strict(expected)


def assert_kept_in_order(original: str, patched: str, dropped: set[int], nl: str = "\n") -> None:
    """Every original line not in ``dropped`` appears unchanged, in order, in ``patched``."""
    remaining = iter(patched.split(nl))
    for number, line in enumerate(original.split(nl)):
        if number in dropped or (line == "" and number == len(original.split(nl)) - 1):
            continue
        assert any(out == line for out in remaining), f"line {number} {line!r} lost"


def lines_of(text: str, *needles: str, count: int = 2) -> set[int]:
    """Numbers of the ``count`` lines starting at each line that contains a needle."""
    lines = text.split("\n")
    found: set[int] = set()
    for needle in needles:
        (start,) = [i for i, line in enumerate(lines) if needle in line]
        found.update(range(start, start + count))
    return found


# ---------------------------------------------------------------------------
# The main case
# ---------------------------------------------------------------------------

DEPLOYMENT = """\
# Rendered by Helm; hand-edited since.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: 'llama-stack'   # keep the quotes
  labels:
    app.kubernetes.io/name: "llama-stack"
spec:
  replicas: 1 # one is enough
  template:
    metadata:
      labels:
        app.kubernetes.io/name: llama-stack
    spec:
      initContainers:
        - name: wait-for-milvus
          image: 'busybox:1.36'
          command:
            - sh
            - -c
            - |
              # poll until the database answers
              until nc -z milvus 19530; do sleep 2; done
      containers:
        - name: llama-stack   # the server
          image: "ghcr.io/example/llama-stack:0.3.3"
          args: ["--port", "5001"]
          env:
            - name: VLLM_URL
              value: "http://vllm:8000/v1"   # inference
            - name: VECTOR_STORE_DEFAULT_PROVIDER   # migrated away
              value: 'milvus'
            # Embeddings are served by vLLM too.
            - name: LLAMA_STACK_PORT
              value: "5001"
            - name: VECTOR_STORE_EMBEDDING_MODEL
              value: intfloat/e5-mistral-7b-instruct   # migrated away
            - name: HOME
              value: /home/lls
          volumeMounts:
            - name: data-volume   # persistent
              mountPath: /home/lls/.llama

      volumes:
        # The PVC is created by the chart.
        - name: data-volume
          persistentVolumeClaim:
            claimName: llama-stack
# end of manifest
"""

DEPLOYMENT_PATCHED = """\
# Rendered by Helm; hand-edited since.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: 'llama-stack'   # keep the quotes
  labels:
    app.kubernetes.io/name: "llama-stack"
spec:
  replicas: 1 # one is enough
  template:
    metadata:
      labels:
        app.kubernetes.io/name: llama-stack
    spec:
      initContainers:
        - name: wait-for-milvus
          image: 'busybox:1.36'
          command:
            - sh
            - -c
            - |
              # poll until the database answers
              until nc -z milvus 19530; do sleep 2; done
      containers:
        - name: llama-stack   # the server
          image: "ghcr.io/example/llama-stack:0.3.3"
          args: ["--port", "5001"]
          env:
            - name: RUN_CONFIG_PATH
              value: /etc/llama-stack/run.yaml
            - name: VLLM_URL
              value: "http://vllm:8000/v1"   # inference
            # Embeddings are served by vLLM too.
            - name: LLAMA_STACK_PORT
              value: "5001"
            - name: HOME
              value: /home/lls
          volumeMounts:
            - name: config-volume
              mountPath: /etc/llama-stack
              readOnly: true
            - name: data-volume   # persistent
              mountPath: /home/lls/.llama

      volumes:
        # The PVC is created by the chart.
        - name: config-volume
          configMap:
            name: x-config
        - name: data-volume
          persistentVolumeClaim:
            claimName: llama-stack
# end of manifest
"""

CALLER_EDITS: list[Edit] = [
    RemoveItems(ENV, (1, 3)),
    InsertItem(ENV, 0, RUN_CONFIG),
    InsertItem(MOUNTS, 0, MOUNT),
    InsertItem(VOLUMES, 0, VOLUME),
]


def test_realistic_deployment() -> None:
    result = apply_edits(DEPLOYMENT, CALLER_EDITS)
    assert result.exact
    assert result.text == DEPLOYMENT_PATCHED
    dropped = lines_of(DEPLOYMENT, "VECTOR_STORE_DEFAULT_PROVIDER", "VECTOR_STORE_EMBEDDING_MODEL")
    assert_kept_in_order(DEPLOYMENT, result.text, dropped)
    assert_loads_as_reference(DEPLOYMENT, result.text, CALLER_EDITS)


def test_patching_the_output_again_is_stable() -> None:
    # A second migration run finds nothing to remove and must not disturb the text.
    again = apply_edits(DEPLOYMENT_PATCHED, [])
    assert again == apply_edits(DEPLOYMENT_PATCHED, ())
    assert again.exact
    assert again.text == DEPLOYMENT_PATCHED


# ---------------------------------------------------------------------------
# Layout variants
# ---------------------------------------------------------------------------

SHORT_PATH: Path = ("spec", "containers", 0)


def short_edits(*removed: int) -> list[Edit]:
    edits: list[Edit] = [RemoveItems((*SHORT_PATH, "env"), removed)] if removed else []
    return [
        *edits,
        InsertItem((*SHORT_PATH, "env"), 0, RUN_CONFIG),
        InsertItem((*SHORT_PATH, "volumeMounts"), 0, MOUNT),
        InsertItem(("spec", "volumes"), 0, VOLUME),
    ]


def test_indentless_sequences() -> None:
    text = """\
spec:
  containers:
  - name: app
    env:
    - name: A
      value: "1"
    - name: B   # goes
      value: b
    volumeMounts:
    - name: data
      mountPath: /data
  volumes:
  - name: data
    emptyDir: {}
"""
    edits = short_edits(1)
    result = apply_edits(text, edits)
    assert result.exact
    expected = """\
spec:
  containers:
  - name: app
    env:
    - name: RUN_CONFIG_PATH
      value: /etc/llama-stack/run.yaml
    - name: A
      value: "1"
    volumeMounts:
    - name: config-volume
      mountPath: /etc/llama-stack
      readOnly: true
    - name: data
      mountPath: /data
  volumes:
  - name: config-volume
    configMap:
      name: x-config
  - name: data
    emptyDir: {}
"""
    assert result.text == expected
    assert_loads_as_reference(text, result.text, edits)


def test_dash_on_its_own_line() -> None:
    text = """\
env:
  -
    name: A
    value: a
  -   # B goes
    name: B
    value: b
"""
    edits: list[Edit] = [RemoveItems(("env",), (1,)), InsertItem(("env",), 0, RUN_CONFIG)]
    result = apply_edits(text, edits)
    assert result.exact
    expected = """\
env:
  -
    name: RUN_CONFIG_PATH
    value: /etc/llama-stack/run.yaml
  -
    name: A
    value: a
"""
    assert result.text == expected
    assert_loads_as_reference(text, result.text, edits)


ALL_ENV = """\
spec:
  containers:
    - name: app
      env:   # everything here migrates
        - name: A
          value: a
        # about B
        - name: B
          value: b
      ports:
        - containerPort: 80
"""


def test_remove_all_items_then_insert() -> None:
    edits: list[Edit] = [RemoveItems(("spec", "containers", 0, "env"), (0, 1))]
    edits.append(InsertItem(("spec", "containers", 0, "env"), 0, RUN_CONFIG))
    result = apply_edits(ALL_ENV, edits)
    assert result.exact
    expected = """\
spec:
  containers:
    - name: app
      env:   # everything here migrates
        - name: RUN_CONFIG_PATH
          value: /etc/llama-stack/run.yaml
        # about B
      ports:
        - containerPort: 80
"""
    assert result.text == expected
    assert_loads_as_reference(ALL_ENV, result.text, edits)


def test_remove_all_items_keeps_an_empty_list() -> None:
    edits: list[Edit] = [RemoveItems(("spec", "containers", 0, "env"), (1, 0))]
    result = apply_edits(ALL_ENV, edits)
    assert result.exact
    expected = """\
spec:
  containers:
    - name: app
      env:   # everything here migrates
        []
        # about B
      ports:
        - containerPort: 80
"""
    assert result.text == expected
    assert load(result.text)["spec"]["containers"][0]["env"] == []


def test_remove_all_items_of_an_indentless_list() -> None:
    text = "env:\n- A\n- B\nnext: 1\n"
    result = apply_edits(text, [RemoveItems(("env",), (0, 1))])
    assert result.exact
    assert result.text == "env:\n  []\nnext: 1\n"


def test_missing_keys_are_created() -> None:
    text = """\
spec:
  containers:
    - name: app
      image: app:1   # pinned
      resources:
        limits:
          cpu: "1"
    # sidecars come later
  restartPolicy: Always
"""
    edits = short_edits()
    result = apply_edits(text, edits)
    assert result.exact
    expected = """\
spec:
  containers:
    - name: app
      image: app:1   # pinned
      resources:
        limits:
          cpu: "1"
      env:
        - name: RUN_CONFIG_PATH
          value: /etc/llama-stack/run.yaml
      volumeMounts:
        - name: config-volume
          mountPath: /etc/llama-stack
          readOnly: true
    # sidecars come later
  restartPolicy: Always
  volumes:
    - name: config-volume
      configMap:
        name: x-config
"""
    assert result.text == expected
    assert_loads_as_reference(text, result.text, edits)


def test_a_key_added_after_a_sequence_whose_last_item_is_empty_follows_that_item() -> None:
    text = "spec:\n  args:\n    - a\n    - \n  other:\n    -\n"
    edits: list[Edit] = [InsertItem(("spec", "volumes"), 0, "v")]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == text + "  volumes:\n    - v\n"
    assert_loads_as_reference(text, result.text, edits)


def test_null_values_are_replaced() -> None:
    text = "spec:\n  containers:\n  - name: app\n    env:\n    volumeMounts: ~   # none\n"
    edits: list[Edit] = [
        InsertItem((*SHORT_PATH, "env"), 0, RUN_CONFIG),
        InsertItem((*SHORT_PATH, "volumeMounts"), 0, {"name": "cfg", "readOnly": True}),
    ]
    result = apply_edits(text, edits)
    assert result.exact
    expected = """\
spec:
  containers:
  - name: app
    env:
    - name: RUN_CONFIG_PATH
      value: /etc/llama-stack/run.yaml
    volumeMounts: [{"name": "cfg", "readOnly": true}]   # none
"""
    assert result.text == expected
    assert_loads_as_reference(text, result.text, edits)


def test_empty_flow_sequence() -> None:
    text = "spec:\n  containers:\n  - name: app\n    env: []  # nothing yet\n    image: x\n"
    edits = short_edits()[:1]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == (
        "spec:\n  containers:\n  - name: app\n"
        '    env: [{"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}]'
        "  # nothing yet\n    image: x\n"
    )


def test_flow_sequence_keeps_the_text_of_kept_items() -> None:
    text = "env: [{name: A, value: 'a'}, {name: B, value: b}, \"C\"]\n"
    edits: list[Edit] = [RemoveItems(("env",), (1,)), InsertItem(("env",), 3, "on")]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == 'env: [{name: A, value: \'a\'}, "C", "on"]\n'


JSON_DOC = """\
{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "spec": {
    "template": {
      "spec": {
        "containers": [
          {
            "name": "app",
            "env": [
              {"name": "VECTOR_STORE_URL", "value": "http://qdrant:6333"},
              {
                "name": "HOME",
                "value": "/home/app"
              }
            ]
          }
        ]
      }
    }
  }
}
"""


def test_json_document_stays_json() -> None:
    edits: list[Edit] = [RemoveItems(ENV, (0,)), *CALLER_EDITS[1:]]
    result = apply_edits(JSON_DOC, edits)
    assert result.exact
    expected = """\
{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "spec": {
    "template": {
      "spec": {
        "containers": [
          {
            "name": "app",
            "env": [
              {"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"},
              {
                "name": "HOME",
                "value": "/home/app"
              }
            ],
            "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/llama-stack", \
"readOnly": true}]
          }
        ],
        "volumes": [{"name": "config-volume", "configMap": {"name": "x-config"}}]
      }
    }
  }
}
"""
    assert result.text == expected
    data = json.loads(result.text)
    assert data["spec"]["template"]["spec"]["containers"][0]["env"][0] == RUN_CONFIG


def test_one_line_json_document() -> None:
    text = '{"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "x": {}}'
    edits: list[Edit] = [
        RemoveItems(("env",), (0,)),
        InsertItem(("env",), 0, RUN_CONFIG),
        InsertItem(("x", "items"), 0, {"k": None}),
    ]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == (
        '{"env": [{"name": "RUN_CONFIG_PATH", "value": "/etc/llama-stack/run.yaml"}, '
        '{"name": "B", "value": "2"}], "x": {"items": [{"k": null}]}}'
    )
    assert json.loads(result.text) == apply_edits_to_data(json.loads(text), edits)


def test_tab_indented_json_keeps_its_tabs() -> None:
    text = '{\n\t"env": [\n\t\t{"name": "A"}\n\t],\n\t"x": {\n\t\t"a": 1\n\t}\n}\n'
    edits: list[Edit] = [InsertItem(("env",), 0, {"name": "B"}), InsertItem(("x", "l"), 0, 1)]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == (
        '{\n\t"env": [\n\t\t{"name": "B"},\n\t\t{"name": "A"}\n\t],\n'
        '\t"x": {\n\t\t"a": 1,\n\t\t"l": [1]\n\t}\n}\n'
    )


def test_leading_comment_and_document_marker() -> None:
    text = "# top\n---\n# about env\nenv:\n  - name: A\n"
    edits: list[Edit] = [InsertItem(("env",), 1, RUN_CONFIG)]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == (
        "# top\n---\n# about env\nenv:\n  - name: A\n"
        "  - name: RUN_CONFIG_PATH\n    value: /etc/llama-stack/run.yaml\n"
    )


def test_windows_line_endings() -> None:
    text = DEPLOYMENT.replace("\n", "\r\n")
    result = apply_edits(text, CALLER_EDITS)
    assert result.exact
    assert result.text == DEPLOYMENT_PATCHED.replace("\n", "\r\n")
    assert result.text.count("\n") == result.text.count("\r\n")


def test_no_trailing_newline() -> None:
    result = apply_edits("env:\n- name: A", [InsertItem(("env",), 1, {"name": "B"})])
    assert result.exact
    assert result.text == "env:\n- name: A\n- name: B"
    result = apply_edits("a: 1", [InsertItem(("env",), 0, "x")])
    assert result.exact
    assert result.text == "a: 1\nenv:\n  - x"


def test_block_scalar_lines_that_look_like_comments() -> None:
    text = """\
env:
  - name: SCRIPT
    value: |
      # not a comment
      - not an item

  # a real comment
  - name: KEEP
    value: |+
      # kept, with its blank line

  - name: LAST
"""
    edits: list[Edit] = [
        RemoveItems(("env",), (0,)),
        InsertItem(("env",), 2, {"name": "NEW", "value": "# literal"}),
    ]
    result = apply_edits(text, edits)
    assert result.exact
    expected = """\
env:

  # a real comment
  - name: KEEP
    value: |+
      # kept, with its blank line

  - name: NEW
    value: "# literal"
  - name: LAST
"""
    assert result.text == expected
    assert load(result.text)["env"][0]["value"] == "# kept, with its blank line\n\n"


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_blank_lines_after_a_removed_item_would_join_a_kept_block_scalar(nl: str) -> None:
    """A "|+" scalar keeps the blank lines after it: those that followed the removed
    item go with it, unless a comment between ends the scalar first."""
    text = """\
env:
- name: KEPT
  value: |+
    first line
- name: GONE
  value: x

- name: LAST
  value: |+
    last line
- name: GONE_TOO
# the list ends

after: 1
"""
    text = text.replace("\n", nl)
    result = apply_edits(text, [RemoveItems(("env",), (1, 3))])
    assert result.exact
    assert result.text == nl.join(
        [
            "env:",
            "- name: KEPT",
            "  value: |+",
            "    first line",
            "- name: LAST",
            "  value: |+",
            "    last line",
            "# the list ends",
            "",
            "after: 1",
            "",
        ]
    )
    loaded = load(result.text)
    assert [item["value"] for item in loaded["env"]] == ["first line\n", "last line\n"]


def test_an_item_added_after_a_removed_one_that_took_blank_lines_stays_exact() -> None:
    """The blank lines the removed last item takes with it (a "|+" scalar before it)
    are not where an item added at the end goes: it follows what is left."""
    text = (
        "env:\n- name: KEPT\n  value: |+\n    first line\n- name: GONE\n  value: x\n\n\nafter: 1\n"
    )
    edits: list[Edit] = [
        RemoveItems(("env",), (1,)),
        InsertItem(("env",), 2, {"name": "NEW", "value": "v"}),
    ]
    result = apply_edits(text, edits)
    assert result.exact
    assert result.text == (
        "env:\n- name: KEPT\n  value: |+\n    first line\n- name: NEW\n  value: v\nafter: 1\n"
    )


def test_nested_values_follow_the_document_style() -> None:
    text = "volumes:\n- name: a\n  secret:\n      secretName: s\n      items:\n      - key: k\n"
    value = {"name": "b", "secret": {"secretName": "t", "items": [{"key": "x", "path": "p"}]}}
    result = apply_edits(text, [InsertItem(("volumes",), 1, value)])
    assert result.exact
    assert result.text == text + (
        "- name: b\n  secret:\n      secretName: t\n      items:\n      - key: x\n        path: p\n"
    )


AMBIGUOUS = [
    *["true", "on", "Off", "yes", "y", "N", "768", "1:20", "0o17", "0x1F", "1e3", "1_000"],
    *[".5", "-1", "+1", "~", "null", "", "2024-01-01", "2001-12-14t21:59:43.10-05:00"],
    *["a: b", "x #y", " lead", "trail ", "-x", "- x", "? q", ": c", "*a", "&a", "!t", "%p"],
    *["@a", "`b", "'q'", '"dq"', "#c", "[a]", "{b}", "|", ">", "<<", "=", "multi\nline"],
    *["tab\there", "back\\slash", "nul\x00", "nel\x85", "ls\u2028", "bom\ufeff", "ünï"],
    *["emoji \U0001f600", "a,b", "a:b", "http://x:80/y", "plain words"],
]


@pytest.mark.parametrize("value", AMBIGUOUS)
def test_written_strings_read_back_as_strings(value: str) -> None:
    text = "env:\n- name: A\n"
    edits: list[Edit] = [InsertItem(("env",), 0, {"name": "X", "value": value})]
    result = apply_edits(text, edits)
    assert result.exact
    for version in (None, (1, 1)):
        assert load(result.text, version)["env"][0]["value"] == value
    if not any(c in value for c in "\x85\u2028\ufeff"):
        assert pyyaml.safe_load(result.text)["env"][0]["value"] == value


def test_plain_where_plain_is_unambiguous() -> None:
    result = apply_edits("env:\n- name: A\n", [InsertItem(("env",), 0, RUN_CONFIG)])
    assert "value: /etc/llama-stack/run.yaml\n" in result.text
    result = apply_edits("env:\n- name: A\n", [InsertItem(("env",), 0, {"v": "on"})])
    assert '- v: "on"\n' in result.text


# ---------------------------------------------------------------------------
# Fallbacks and errors
# ---------------------------------------------------------------------------


def test_aliased_items_fall_back_to_a_round_trip_dump() -> None:
    text = """\
# shared settings
proxy: &proxy
  name: HTTP_PROXY
  value: http://proxy:3128
env:
- *proxy
- name: A   # goes
  value: a
"""
    edits: list[Edit] = [RemoveItems(("env",), (1,)), InsertItem(("env",), 0, RUN_CONFIG)]
    result = apply_edits(text, edits)
    assert not result.exact
    assert result.text.startswith("# shared settings\n")
    assert_loads_as_reference(text, result.text, edits)


def test_compact_nested_sequence_falls_back() -> None:
    text = "matrix:\n- - a\n  - b\n- - c\n"
    edits: list[Edit] = [RemoveItems(("matrix", 0), (0,))]
    result = apply_edits(text, edits)
    assert not result.exact
    assert load(result.text) == {"matrix": [["b"], ["c"]]}


def test_fallback_keeps_document_marker_and_quotes_ambiguous_strings() -> None:
    text = "# top\r\n---\r\nmatrix:\r\n- - 'a'\r\n"
    edits: list[Edit] = [InsertItem(("matrix", 0), 0, "yes")]
    result = apply_edits(text, edits)
    assert not result.exact
    assert result.text == "# top\r\n---\r\nmatrix:\r\n- - \"yes\"\r\n  - 'a'\r\n"


def test_fallback_with_a_version_directive_writes_one_document() -> None:
    text = "# top\n%YAML 1.1\n---\nm:\n- - a\n"
    result = apply_edits(text, [InsertItem(("m", 0), 0, "on")])
    assert not result.exact
    assert result.text == '# top\n%YAML 1.1\n---\nm:\n- - "on"\n  - a\n'


def test_values_that_are_not_plain_data_fall_back() -> None:
    result = apply_edits("env:\n- a\n", [InsertItem(("env",), 0, datetime.date(2024, 1, 1))])
    assert not result.exact
    assert load(result.text) == {"env": [datetime.date(2024, 1, 1), "a"]}


@pytest.mark.parametrize("value", [1e20, 1e-07, -0.5, 3.0, 1.5e300, float("inf"), -float("inf")])
def test_floats_read_back_as_floats_everywhere(value: float) -> None:
    text = "env:\n- a\n"
    edits: list[Edit] = [InsertItem(("env",), 0, {"f": value})]
    result = apply_edits(text, edits)
    assert result.exact
    assert_loads_as_reference(text, result.text, edits)


@pytest.mark.parametrize(
    ("text", "edits"),
    [
        ("env:\n- a\n", [RemoveItems(("env",), (1,))]),
        ("env:\n- a\n", [RemoveItems(("env",), (0, 0))]),
        ("env:\n- a\n", [RemoveItems(("env",), (-1,))]),
        ("env:\n- a\n", [InsertItem(("env",), 2, "b")]),
        ("env:\n- a\n", [InsertItem(("env",), -1, "b")]),
        ("a: 1\n", [RemoveItems(("env",), (0,))]),
        ("a: 1\n", [InsertItem(("env",), 1, "b")]),
        ("a: 1\n", [InsertItem(("spec", "env"), 0, "b")]),
        ("a: 1\n", [InsertItem(("a",), 0, "b")]),
        ("a: [1]\n", [InsertItem(("a", 1, "env"), 0, "b")]),
        ("a: [{env: []}]\n", [RemoveItems(("a",), (0,)), InsertItem(("a", 0, "env"), 0, 1)]),
        ("a: 1\n---\nb: 2\n", [InsertItem(("env",), 0, "b")]),
        ("a: [\n", [InsertItem(("a",), 0, "b")]),
    ],
)
def test_edits_that_do_not_fit(text: str, edits: list[Edit]) -> None:
    with pytest.raises(PatchError):
        apply_edits(text, edits)


# ---------------------------------------------------------------------------
# Reference semantics
# ---------------------------------------------------------------------------


def test_reference_semantics_anchor_insertions_to_original_items() -> None:
    data = {"l": ["a", "b", "c", "d"]}
    edits: list[Edit] = [
        InsertItem(("l",), 4, "end"),
        RemoveItems(("l",), (1, 3)),
        InsertItem(("l",), 1, "x1"),
        InsertItem(("l",), 0, "first"),
        InsertItem(("l",), 1, "x2"),
        RemoveItems(("l",), (0,)),
    ]
    assert apply_edits_to_data(data, edits) == {"l": ["first", "x1", "x2", "c", "end"]}
    assert data == {"l": ["a", "b", "c", "d"]}, "the input is not modified"


def test_reference_semantics_paths_refer_to_the_original() -> None:
    data = {"c": [{"env": [1]}, {"env": [2]}]}
    edits: list[Edit] = [InsertItem(("c",), 0, {"env": []}), InsertItem(("c", 1, "env"), 0, 0)]
    assert apply_edits_to_data(data, edits) == {"c": [{"env": []}, {"env": [1]}, {"env": [0, 2]}]}


def test_reference_semantics_create_missing_and_null() -> None:
    data = {"a": {"x": None}}
    edits: list[Edit] = [
        InsertItem(("a", "x"), 0, 1),
        InsertItem(("a", "x"), 0, 2),
        InsertItem(("a", "y"), 0, {"k": [1]}),
    ]
    value = {"k": [1]}
    result = apply_edits_to_data(data, [*edits[:2], InsertItem(("a", "y"), 0, value)])
    assert result == {"a": {"x": [1, 2], "y": [{"k": [1]}]}}
    assert result["a"]["y"][0] is not value
    assert apply_edits_to_data(data, []) == data


# ---------------------------------------------------------------------------
# Property
# ---------------------------------------------------------------------------

SAFE_PLAIN = ["qdrant", "http://qdrant:6333", "/data/x", "llama3", "abc-def", "a b"]
QUOTABLE = st.text(alphabet="abcXYZ019 :#-_./'\"\\", max_size=12)
BLOCK_LINES = ["# not a comment", "- not an item", "key: value", "  indented"]
NASTY = st.one_of(st.sampled_from(AMBIGUOUS), st.text(max_size=8))


@st.composite
def env_values(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(["RUN_CONFIG_PATH", "NEW", "on", "1:20"]))
    kind = draw(st.sampled_from(["value", "secret", "odd"]))
    if kind == "value":
        return {"name": name, "value": draw(NASTY)}
    if kind == "secret":
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": "s", "key": draw(NASTY)}}}
    return {
        "name": name,
        "value": None,
        "extra": [1, True, None, draw(st.floats(allow_nan=False)), draw(NASTY), {}, []],
        "nested": [[draw(NASTY)], {"a": {"b": 2}}],
    }


@st.composite
def deployments(draw: st.DrawFn) -> tuple[str, list[Edit], set[int], str]:
    """A Deployment text, random edits, the lines those edits may drop, the line break."""
    offset = draw(st.sampled_from([0, 2]))  # indentless or indented sequences
    own_dash = draw(st.booleans())
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# generated manifest")
    if draw(st.booleans()):
        lines.append("---")
    lines += ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: demo  # x"]
    lines += ["spec:", "  template:", "    spec:", "      containers:"]
    dash = 6 + offset
    col = dash + 2
    lines += [" " * dash + "- name: server", " " * col + "image: 'img:1'"]
    spans: list[range] = []
    touched: set[int] = set()
    block_end = -1
    env_kind = draw(st.sampled_from(["block", "block", "flow", "missing", "null", "null-word"]))
    n = 0
    if env_kind == "block":
        n = draw(st.integers(1, 5))
        lines.append(" " * col + "env:" + draw(st.sampled_from(["", "  # env"])))
        edash, ecol = col + offset, col + offset + 2
        keep = False  # the previous item ends in a "|+" scalar, which owns blank lines
        for i in range(n):
            for comment in draw(st.lists(st.sampled_from(["# note", "", "   # deep"]), max_size=2)):
                lines.append(comment and " " * draw(st.sampled_from([0, edash])) + comment)
                keep = keep and not comment
                if keep:
                    spans[-1] = range(spans[-1].start, len(lines))
            first = len(lines)
            keep = False
            head = f"name: VAR_{i}" + draw(st.sampled_from(["", "   # eol"]))
            if own_dash:
                lines += [" " * edash + "-", " " * ecol + head]
            else:
                lines.append(" " * edash + "- " + head)
            kind = draw(st.sampled_from(["plain", "single", "double", "block", "none", "from"]))
            if kind == "plain":
                lines.append(" " * ecol + "value: " + draw(st.sampled_from(SAFE_PLAIN)))
            elif kind == "single":
                lines.append(" " * ecol + "value: '" + draw(QUOTABLE).replace("'", "''") + "'")
            elif kind == "double":
                lines.append(" " * ecol + "value: " + json.dumps(draw(QUOTABLE)) + " # q")
            elif kind == "block":
                indicator = draw(st.sampled_from(["|", "|-", ">", "|+"]))
                keep = indicator == "|+"
                lines.append(" " * ecol + "value: " + indicator)
                body = draw(st.lists(st.sampled_from(BLOCK_LINES), min_size=1, max_size=3))
                lines += [" " * (ecol + 2) + line for line in ["first line", *body]]
                # Trailing blank lines belong to a "|+" value only.
                lines += [""] * draw(st.integers(0, 2))
                block_end = len(lines)
            elif kind == "from":
                lines += [
                    " " * ecol + "valueFrom:",
                    " " * (ecol + 2) + "fieldRef:",
                    " " * (ecol + 4) + "fieldPath: metadata.name",
                ]
            spans.append(range(first, len(lines)))
    elif env_kind == "flow":
        n = draw(st.integers(0, 3))
        items = ", ".join(f"{{name: V{i}, value: {json.dumps(draw(QUOTABLE))}}}" for i in range(n))
        touched.add(len(lines))
        lines.append(" " * col + f"env: [{items}]  # flow")
    elif env_kind == "null":
        lines.append(" " * col + "env:")
    elif env_kind == "null-word":
        touched.add(len(lines))
        lines.append(" " * col + "env: null  # none yet")
    mounts = draw(st.integers(0, 2))
    if mounts:
        lines.append(" " * col + "volumeMounts:")
        for i in range(mounts):
            lines += [
                " " * (col + offset) + f"- name: m{i}",
                " " * (col + offset + 2) + "mountPath: /m",
            ]
    if draw(st.booleans()):
        lines += [" " * col + "ports:", " " * (col + offset) + "- containerPort: 80"]
    if draw(st.booleans()):
        lines.append("      # containers end here")
    volumes = draw(st.integers(0, 2))
    if volumes:
        lines.append("      volumes:")
        for i in range(volumes):
            lines += [" " * (6 + offset) + f"- name: m{i}", " " * (8 + offset) + "emptyDir: {}"]
    if draw(st.booleans()):
        lines.append("      restartPolicy: Always")
    if draw(st.booleans()):
        lines.append("# trailer")
    # Without a final line break a block scalar at the very end changes its value as
    # soon as anything is appended, so such a text cannot be patched exactly.
    text = nl.join(lines) + (nl if block_end == len(lines) else draw(st.sampled_from([nl, ""])))

    edits: list[Edit] = []
    removed: set[int] = set()
    if env_kind in ("block", "flow") and n:
        removed = draw(st.sets(st.integers(0, n - 1)))
        if removed:
            edits.append(RemoveItems(ENV, tuple(sorted(removed))))
    for _ in range(draw(st.integers(0, 2))):
        edits.append(InsertItem(ENV, draw(st.integers(0, n)), draw(env_values())))
    if draw(st.booleans()):
        mount = {"name": "config-volume", "mountPath": draw(NASTY), "readOnly": draw(st.booleans())}
        edits.append(InsertItem(MOUNTS, draw(st.integers(0, mounts)), mount))
    if draw(st.booleans()):
        volume = {"name": "v", "configMap": {"name": draw(NASTY), "items": [{"key": "a"}]}}
        edits.append(InsertItem(VOLUMES, draw(st.integers(0, volumes)), volume))
    edits = list(draw(st.permutations(edits)))
    dropped = {line for i in removed if env_kind == "block" for line in spans[i]} | touched
    for i in removed if env_kind == "block" else ():
        # Blank lines right after a removed item may go with it: after a "|+" scalar
        # they would join its value.
        line = spans[i].stop
        while line < len(lines) and lines[line] == "":
            dropped.add(line)
            line += 1
    return text, edits, dropped, nl


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deployments())
def test_property_patch_matches_reference(case: tuple[str, list[Edit], set[int], str]) -> None:
    text, edits, dropped, nl = case
    result = apply_edits(text, edits)
    assert_loads_as_reference(text, result.text, edits)
    assert result.exact, "every generated shape is patchable as text"
    assert_kept_in_order(text, result.text, dropped, nl)
    if nl == "\r\n":
        assert result.text.count("\n") == result.text.count("\r\n")
