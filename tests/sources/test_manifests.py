"""Manifest files as a source: streams, Lists, helm template output, stdin, bad input.

Called in-process: each case is the source's own answer, not a command's output.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from migrate.errors import InputError
from migrate.model import Document, Origin
from migrate.sources import manifests

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n"


def read(text: str, name: str = "f.yaml") -> list[Document]:
    return list(manifests.documents(name, text))


def origins(documents: list[Document]) -> list[tuple[str, int]]:
    return [(d.origin.file, d.origin.line) for d in documents]


def test_a_stream_gives_each_document_its_text_and_first_line() -> None:
    text = "# leading comment\n---\n" + POD.format(name="a") + "---\n" + POD.format(name="b")
    first, second = read(text)
    # The first document owns what comes before it; the next starts after its marker.
    assert origins([first, second]) == [("f.yaml", 1), ("f.yaml", 8)]
    assert first.text == "# leading comment\n---\n" + POD.format(name="a")
    assert second.text == POD.format(name="b")
    assert second.data["metadata"] == {"name": "b"}


def test_empty_documents_and_an_end_marker_give_nothing_of_their_own() -> None:
    text = "---\n# only a comment\n---\n" + POD.format(name="a") + "...\n---\n"
    (only,) = read(text)
    assert only.origin == Origin("f.yaml", 4) and only.text.endswith("...\n")


def test_a_list_unpacks_into_items_that_keep_their_own_text_and_line() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a  # first\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n"
    )
    first, second = read("# kubectl get -o yaml\n" + text)
    assert origins([first, second]) == [("f.yaml", 5), ("f.yaml", 9)]
    assert first.text == "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a  # first\n"
    assert second.data == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}


def test_a_flow_list_is_written_out_item_by_item() -> None:
    (item,) = read('{"kind": "PodList", "items": [{"kind": "Pod", "metadata": {"name": "a"}}]}')
    assert item.data == {"kind": "Pod", "metadata": {"name": "a"}}
    assert item.text == "kind: Pod\nmetadata:\n  name: a\n"


def test_helm_template_output_keeps_each_sources_comment_with_its_document() -> None:
    text = (
        "---\n# Source: llama-stack/templates/service.yaml\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"
        "---\n# Source: llama-stack/templates/pod.yaml\n" + POD.format(name="p")
    )
    service, pod = read(text)
    assert origins([service, pod]) == [("f.yaml", 1), ("f.yaml", 8)]
    assert pod.text.startswith("# Source: llama-stack/templates/pod.yaml\n")


def test_stdin_is_read_as_a_file_named_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(("\ufeff" + POD.format(name="a")).encode("utf-8")))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert manifests.paths([manifests.STDIN], recursive=False) == [manifests.STDIN]
    text = manifests.read(manifests.STDIN)
    assert text == POD.format(name="a")  # the byte-order mark is dropped
    (pod,) = manifests.documents(manifests.STDIN, text)
    assert pod.origin == Origin("<stdin>", 1)


def test_paths_are_found_in_a_stable_order(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "c.json", "notes.txt", "sub/d.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    top = [Path(p).name for p in manifests.paths([str(tmp_path)], recursive=False)]
    assert top == ["a.yml", "b.yaml", "c.json"]
    deep = manifests.paths([str(tmp_path)], recursive=True)
    assert [Path(p).relative_to(tmp_path).as_posix() for p in deep] == [
        "a.yml",
        "b.yaml",
        "c.json",
        "sub/d.yaml",
    ]
    with pytest.raises(InputError, match=r"nope\.yaml: no such file or directory$"):
        manifests.paths([str(tmp_path / "nope.yaml")], recursive=False)


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Pod\nmetadata:\n  name: caf\xe9\n")
    with pytest.raises(InputError) as caught:
        manifests.read(str(path))
    assert str(caught.value) == f"{path}:3: not UTF-8 text (byte 31)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            POD.format(name="a") + "---\nkind: Pod\nspec: [\n",
            "f.yaml:8:1: invalid YAML: did not find expected node content "
            "(while parsing a flow node at line 8, column 1)",
        ),
        (
            "kind: Pod\nmetadata:\n  name: a\x01\n",
            "f.yaml:3:10: invalid YAML: unacceptable character #x0001: control characters "
            "are not allowed",
        ),
        ("---\njust text\n", "f.yaml:1: a Kubernetes object must be a mapping"),
        ("kind: List\nitems:\n- 1\n", "f.yaml:1: items[0] is not a mapping"),
        ("kind: List\n", "f.yaml:1: a List without items"),
        (
            "a: " + "[" * 300 + "]" * 300 + "\n",
            "f.yaml:1:203: invalid YAML: nested more than 200 levels deep",
        ),
    ],
)
def test_bad_input_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read(text)
    assert str(caught.value) == message


def test_a_bad_document_is_recorded_and_the_others_go_on() -> None:
    text = POD.format(name="a") + "---\nkind: [\n---\n" + POD.format(name="b")
    problems: list[str] = []
    found = list(manifests.documents("f.yaml", text, problems))
    assert [d.data["metadata"]["name"] for d in found] == ["a", "b"]
    assert origins(found) == [("f.yaml", 1), ("f.yaml", 8)]
    assert problems == [
        "f.yaml:7:1: invalid YAML: did not find expected node content "
        "(while parsing a flow node at line 7, column 1)"
    ]


def test_split_keeps_every_line_with_its_document() -> None:
    text = "# top\n---\na: 1\n...\n# c\n---\nb: 2\n--- c: 3\n"
    assert list(manifests.split(text)) == [
        (1, "# top\n---\na: 1\n...\n"),
        (5, "# c\n---\nb: 2\n"),
        (8, "--- c: 3\n"),
    ]
