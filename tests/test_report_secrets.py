"""No secret value reaches a report: sentinels planted in Secrets, Secret refs and
credential-like env values never appear in any format, on stdout or stderr."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.support.cli import migrate

SENTINELS = {
    "secret-data": "SENTINEL-7f3a-data",
    "secret-string-data": "SENTINEL-7f3a-stringdata",
    "env-from-secret": "SENTINEL-7f3a-envfrom",
    "api-key": "SENTINEL-7f3a-apikey",
    "token": "SENTINEL-7f3a-token",
    "password": "SENTINEL-7f3a-password",
}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


MANIFEST = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: vector-settings, namespace: ai}}
data:
  model: {_b64(SENTINELS["secret-data"])}
stringData:
  provider: {SENTINELS["secret-string-data"]}
---
apiVersion: v1
kind: Secret
metadata: {{name: more-settings, namespace: ai}}
data:
  VECTOR_STORE_EMBEDDING_DIMENSION: {_b64(SENTINELS["env-from-secret"])}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llama-stack, namespace: ai}}
spec:
  selector: {{matchLabels: {{app: llama-stack}}}}
  template:
    metadata: {{labels: {{app: llama-stack}}}}
    spec:
      containers:
        - name: llama-stack
          image: ghcr.io/tu-wien-datalab/llama-stack:main
          envFrom:
            - secretRef: {{name: more-settings}}
          env:
            - name: VLLM_URL
              value: http://vllm.ai.svc/v1
            - name: OPENAI_API_KEY
              value: {SENTINELS["api-key"]}
            - name: VLLM_API_TOKEN
              value: {SENTINELS["token"]}
            - name: PGVECTOR_PASSWORD
              value: {SENTINELS["password"]}
            - name: VECTOR_STORE_EMBEDDING_MODEL
              valueFrom: {{secretKeyRef: {{name: vector-settings, key: model}}}}
            - name: VECTOR_STORE_DEFAULT_PROVIDER
              valueFrom: {{secretKeyRef: {{name: vector-settings, key: provider}}}}
"""


def _leaks(text: str) -> list[str]:
    return [name for name, value in SENTINELS.items() if value in text or _b64(value) in text]


@pytest.mark.parametrize("output", ["text", "json", "markdown", "yaml"])
@pytest.mark.parametrize("mode", ["dry-run", "write"])
def test_no_sentinel_in_any_report_format(tmp_path: Path, output: str, mode: str) -> None:
    source = tmp_path / "release.yaml"
    source.write_text(MANIFEST)
    out = tmp_path / "out"
    args = ["convert", "-f", str(source), "-d", str(out), "-o", output, "--fail-on", "none"]
    args += ["--dry-run"] if mode == "dry-run" else ["--report", str(tmp_path / "report")]
    run = migrate(*args)
    assert run.returncode == 0, run.stderr
    shown = run.stdout + run.stderr
    if mode == "write":
        shown += (tmp_path / "report").read_text()
    # The report did talk about the workload and its secret-sourced variables...
    assert "VECTOR_STORE_EMBEDDING_MODEL" in shown and "secret-variable" in shown
    # ...and named no value of theirs.
    assert _leaks(shown) == []


def test_no_secret_sentinel_in_overlay_or_configmap(tmp_path: Path) -> None:
    source = tmp_path / "release.yaml"
    source.write_text(MANIFEST)
    out = tmp_path / "out"
    run = migrate("convert", "-f", str(source), "-d", str(out))
    assert run.returncode in (0, 1), run.stderr
    written = {path.name: path.read_text() for path in out.rglob("*.yaml")}
    assert set(written) == {"values-overlay.yaml", "configmap.yaml", "deployment.yaml"}
    for name in ("values-overlay.yaml", "configmap.yaml"):
        assert _leaks(written[name]) == [], name
    # The patched workload keeps the user's own env entries as they were, and
    # never gains a value out of a Secret.
    secret_only = {k: v for k, v in SENTINELS.items() if k.startswith(("secret", "env-from"))}
    assert not any(v in written["deployment.yaml"] for v in secret_only.values())
