"""Rendering of Helm charts for the test suite.

This module owns the tests' access to Helm: it loads a chart directory with
helm-python-sdk (Helm as a library, no ``helm`` binary, no cluster), merges
values overlays the way ``helm install -f`` does, and hands the result back
as template texts, parsed documents or the multi-document text that
``helm template`` prints, and packages a chart directory into the ``.tgz``
that ``helm package`` writes.

It also names the fixture charts: :data:`FIXTURE_CHARTS` is their home, and
one constant per generation of the real ``llama-stack`` chart (whose version
stayed 0.1.0 throughout, so only content tells them apart):

- :data:`LEGACY`: the env-var generation, ``vectorStore`` values become
  ``VECTOR_STORE_*`` env vars read by the run.yaml baked into the image;
- :data:`RUNCONFIG`: ``runConfig`` holds the whole run.yaml, written into the
  ``<fullname>-config`` ConfigMap;
- :data:`MODULAR`: the newest, one value per run.yaml section
  (``providers``, ``storage``, ``registeredResources``, ``server``,
  ``vectorStores``, ``safety``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import yaml

__all__ = [
    "FIXTURE_CHARTS",
    "LEGACY",
    "MODULAR",
    "RUNCONFIG",
    "chart_default_values",
    "package",
    "render",
    "render_documents",
    "render_manifest_text",
]

FIXTURE_CHARTS: Path = Path(__file__).resolve().parents[2] / "fixtures" / "charts"
"""Directory holding the fixture charts (one sub-directory per chart)."""

LEGACY: Path = FIXTURE_CHARTS / "llama-stack-legacy"
"""The env-var chart (commit 0666a43 and before): no ConfigMap."""

RUNCONFIG: Path = FIXTURE_CHARTS / "llama-stack-runconfig"
"""The seed's chart (commit cfa6aea): ``runConfig`` rendered whole by ``toYaml``."""

MODULAR: Path = FIXTURE_CHARTS / "llama-stack-modular"
"""The newest chart (commit 1cd87ed and later): run.yaml assembled per section."""

# A kubeconfig without clusters: a client-side dry run never connects, and an
# explicit empty config keeps the caller's own kubeconfig out of the picture.
_OFFLINE_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"


def _is_output(template_path: str, text: str) -> bool:
    """Whether a rendered template yields manifest text (not NOTES, not blank)."""
    return not template_path.endswith("NOTES.txt") and bool(text.strip())


def render(
    chart_dir: Path,
    values: dict[str, Any] | None = None,
    *,
    release: str = "llama-stack",
    namespace: str = "default",
) -> dict[str, str]:
    """Render ``chart_dir`` with ``values`` merged over its defaults.

    ``chart_dir`` may also be a packaged chart (``.tgz``). Returns template
    path (``<chart>/templates/<file>``) to rendered text, sorted by path.
    Templates that render to nothing and ``NOTES.txt`` are left out.
    """
    with helm_python.Chart.load(chart_dir) as chart:
        rendered = chart.render(values, name=release, namespace=namespace)
    return {path: rendered[path] for path in sorted(rendered) if _is_output(path, rendered[path])}


def render_documents(
    chart_dir: Path,
    values: dict[str, Any] | None = None,
    *,
    release: str = "llama-stack",
    namespace: str = "default",
) -> list[dict[str, Any]]:
    """Render ``chart_dir`` and parse every non-empty YAML document.

    Documents come in template-path order, and in file order within one
    template.
    """
    documents: list[dict[str, Any]] = []
    for path, text in render(chart_dir, values, release=release, namespace=namespace).items():
        for document in yaml.safe_load_all(text):
            if document is None:
                continue
            if not isinstance(document, dict):
                raise TypeError(f"{path} rendered a {type(document).__name__}, not a mapping")
            documents.append(document)
    return documents


def render_manifest_text(
    chart_dir: Path,
    values: dict[str, Any] | None = None,
    *,
    release: str = "llama-stack",
    namespace: str = "default",
) -> str:
    """Return the text ``helm template`` prints for ``chart_dir``.

    The text comes from Helm itself: a client-side dry-run install into
    in-memory release storage, which is what ``helm template`` runs. Each
    document is framed as ``---`` and ``# Source: <template path>``, in
    Helm's install order (by kind, then by path), and the text ends with a
    single newline. Hook manifests are not included; the fixture charts have
    none.
    """
    with (
        helm_python.Chart.load(chart_dir) as chart,
        helm_python.Config(
            storage_driver="memory",
            kubeconfig_content=_OFFLINE_KUBECONFIG,
            namespace=namespace,
        ) as config,
    ):
        summary = config.install(chart, release, values, dry_run="client", namespace=namespace)
    manifest = summary["manifest"]
    if not isinstance(manifest, str):
        raise TypeError(f"Helm returned a {type(manifest).__name__} manifest, not text")
    return manifest.strip() + "\n"


def chart_default_values(chart_dir: Path) -> dict[str, Any]:
    """Return the default values of the chart in ``chart_dir`` (its values.yaml)."""
    with helm_python.Chart.load(chart_dir) as chart:
        return chart.values


def package(chart_dir: Path, destination: Path) -> Path:
    """Package the chart in ``chart_dir`` as ``helm package`` does.

    The archive ``<name>-<version>.tgz`` is written into the directory
    ``destination`` (created when missing), its members under
    ``<chart name>/``; its path is returned. All fixture charts share name
    and version, so give each its own ``destination``.
    """
    destination.mkdir(parents=True, exist_ok=True)
    return Path(helm_python.package(chart_dir, destination=destination))
