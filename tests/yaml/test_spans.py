"""Node extents, and the items of a kind: List cut out as documents of their own."""

from __future__ import annotations

import yaml as pyyaml

from migrate.yaml import load, spans

LIST = """\
apiVersion: v1
kind: List
items:
  - kind: Pod
    metadata:
      name: a   # first
  -
    # the second item starts below its dash
    kind: Pod
    metadata: {name: b}
  - kind: Service
    spec:
      note: |
        kept
"""


def test_each_item_is_its_own_text_from_its_line() -> None:
    items = spans.list_items(LIST)
    assert [first for first, _ in items] == [3, 8, 10]  # where each item's content starts
    assert items[0][1] == "kind: Pod\nmetadata:\n  name: a   # first\n"
    for (_, text), item in zip(items, pyyaml.safe_load(LIST)["items"], strict=True):
        assert pyyaml.safe_load(text) == item


def test_a_flow_list_has_no_item_texts() -> None:
    assert spans.list_items("kind: List\nitems: [{kind: Pod}]\n") == []


def test_the_last_line_of_a_node_and_of_what_it_holds() -> None:
    root = load.compose("a:\n  b: 1\n# note\nd: 2\n")
    (_, a), (_, d) = root.value
    assert spans.end_line(a) == 2  # a block mapping's end mark runs past the comment
    assert spans.last_line(a) == 1  # the last line of what it holds
    assert spans.end_line(d) == spans.last_line(d) == 3
