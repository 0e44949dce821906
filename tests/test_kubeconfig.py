"""A kubeconfig that cannot be used ends ``migrate scan`` with one line and exit code 2.

Through the command line as users run it: the kubeconfig named by
``--kubeconfig``, by ``KUBECONFIG`` (one file or a list), or kubectl's
default. The message names the file (and the line of a YAML error) and where
its name came from; a missing one says it does not exist and how to name
another. Nothing is ever sent to a cluster: none of these configurations
gets that far.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.errors import EXIT_INPUT
from migrate.sources import cluster
from migrate.sources.interface import SourceError
from tests.support.cli import migrate

NOT_YAML = "apiVersion: v1\nclusters: [\n  - bad: : :\n"
VALID = """\
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: main
  context: {cluster: c, user: u, namespace: ai}
current-context: main
"""


def scan(tmp_path: Path, *args: str, **environment: str | None) -> tuple[int, str, str]:
    """``migrate scan ARGS`` with HOME in ``tmp_path`` and no pod around it."""
    extra: dict[str, str | None] = {
        "HOME": str(tmp_path),
        "KUBECONFIG": None,
        "KUBERNETES_SERVICE_HOST": None,
    }
    extra.update(environment)
    run = migrate("scan", *args, "--timeout", "1", extra_env=extra)
    return run.returncode, run.stdout, run.stderr


def one_line(code: int, out: str, err: str) -> str:
    assert code == EXIT_INPUT, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "bad.yaml").write_text(NOT_YAML)
    (tmp_path / "valid.yaml").write_text(VALID)
    return tmp_path


def test_a_kubeconfig_that_is_not_yaml_names_its_file_and_line(files: Path) -> None:
    bad = files / "bad.yaml"
    line = one_line(*scan(files, "--kubeconfig", str(bad)))
    assert f"{bad}:3:3: invalid YAML" in line and "--kubeconfig" in line

    line = one_line(*scan(files, KUBECONFIG=str(bad)))
    assert f"{bad}:3:3: invalid YAML" in line and "KUBECONFIG" in line

    # A list: a missing file is skipped as kubectl skips it; the broken one is named.
    listed = os.pathsep.join([str(files / "missing.yaml"), str(files / "valid.yaml"), str(bad)])
    line = one_line(*scan(files, KUBECONFIG=listed))
    assert f"{bad}:3:3: invalid YAML" in line and "listed in KUBECONFIG" in line


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("- a\n", 1, "a kubeconfig must be a mapping"),
        ("apiVersion: v1\ncontexts: main\n", 2, "contexts must be a list"),
        ("apiVersion: v1\nusers:\n- user: {}\n", 3, "each of users must be a mapping with a name"),
        ("contexts:\n- name: a\n  context: ai\n", 3, "contexts[0].context must be a mapping"),
    ],
)
def test_a_kubeconfig_of_another_shape_names_its_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    message = one_line(*scan(tmp_path, "--kubeconfig", str(path)))
    assert message.startswith(f"error: {path}:{line}: {problem}"), message


def test_an_empty_kubeconfig_or_a_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    line = one_line(*scan(tmp_path, "--kubeconfig", str(tmp_path / "empty")))
    assert line.startswith(f"error: {tmp_path / 'empty'}: empty")
    line = one_line(*scan(tmp_path, "--kubeconfig", str(tmp_path)))
    assert line.startswith(f"error: {tmp_path}: a directory")


def test_a_missing_kubeconfig_says_which_file_and_that_it_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    line = one_line(*scan(tmp_path, "--kubeconfig", str(missing)))
    assert line == f"error: {missing}: does not exist (the kubeconfig named by --kubeconfig)"

    line = one_line(*scan(tmp_path, KUBECONFIG=str(missing)))
    assert f"{missing}: does not exist" in line
    assert "KUBECONFIG" in line and "--kubeconfig FILE" in line

    other = tmp_path / "other.yaml"
    line = one_line(*scan(tmp_path, KUBECONFIG=os.pathsep.join([str(missing), str(other)])))
    assert f"none of {missing}, {other} exists" in line and "--kubeconfig FILE" in line

    default = tmp_path / ".kube" / "config"
    line = one_line(*scan(tmp_path))
    assert f"{default}: does not exist (kubectl's default kubeconfig" in line
    assert "--kubeconfig FILE" in line


# Any text at all as a kubeconfig: the contexts are listed, or the run stops with a
# SourceError of one line; never another exception (which would be a traceback).
KEYS = [
    *("name", "context", "cluster", "user", "namespace"),
    *("clusters", "contexts", "users", "current-context", "server"),
]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_trees = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(KEYS),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(_trees.map(lambda tree: yaml.safe_dump(tree)), st.text(max_size=60)))
def test_any_kubeconfig_text_lists_contexts_or_stops_with_one_line(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "config"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        cluster.contexts(path, [])
    except SourceError as error:
        assert "\n" not in str(error)
