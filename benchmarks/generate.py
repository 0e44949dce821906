"""Large, realistic inputs for the benchmarks: a monorepo of manifests.

This module owns the benchmark corpus: N Deployments spread over several
namespaces, one file per application (a Deployment, its Service, and for
some a ConfigMap), with comments and the quoting people write by hand. A
chosen share of the Deployments are Llama Stack releases of the legacy chart:
some customised through VECTOR_STORE_* values, some through a ConfigMap, some
at the defaults. The same seed always gives the same files.

Run it directly to write a corpus: ``python benchmarks/generate.py DIR -n 2000``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NAMESPACES = ("default", "research", "search", "platform", "ml-serving", "data", "web", "batch")

# Vector-store settings a release may carry: (provider, embedding provider, model, dimension).
_SETTINGS = (
    ("faiss", "sentence-transformers", "nomic-ai/nomic-embed-text-v1.5", "768"),
    ("milvus", "vllm", "intfloat/e5-mistral-7b-instruct", "4096"),
    ("faiss", "sentence-transformers", "all-MiniLM-L6-v2", "384"),
    ("sqlite-vec", "sentence-transformers", "BAAI/bge-small-en-v1.5", "384"),
    ("chromadb", "vllm", "BAAI/bge-m3", "1024"),
)

_IMAGES = (
    "nginx:1.27",
    "ghcr.io/example/api:2.4.1",
    "registry.example/team/worker:7f3c2a1",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "redis:7.4-alpine",
)


@dataclass(frozen=True)
class Corpus:
    """What was written: the root, its files, and how many of each kind."""

    root: Path
    files: tuple[Path, ...]
    deployments: int
    llama_stack: int
    namespaces_with_llama_stack: tuple[str, ...]


def generate(
    root: Path,
    deployments: int,
    *,
    llama_share: float = 0.10,
    namespaces: int = 6,
    seed: int = 5,
) -> Corpus:
    """Write the corpus under ``root/<namespace>/<app>.yaml`` and describe it."""
    chosen = NAMESPACES[:namespaces]
    files: list[Path] = []
    llama = 0
    llama_namespaces: set[str] = set()
    for app in applications(deployments, llama_share=llama_share, namespaces=chosen, seed=seed):
        folder = root / app.namespace
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{app.name}.yaml"
        path.write_text(app.text, encoding="utf-8")
        files.append(path)
        if app.llama_stack:
            llama += 1
            llama_namespaces.add(app.namespace)
    return Corpus(root, tuple(files), deployments, llama, tuple(sorted(llama_namespaces)))


@dataclass(frozen=True)
class Application:
    """One application's manifest file."""

    name: str
    namespace: str
    llama_stack: bool
    text: str


def applications(
    deployments: int,
    *,
    llama_share: float = 0.10,
    namespaces: tuple[str, ...] = NAMESPACES[:6],
    seed: int = 5,
) -> Iterator[Application]:
    """The applications of a corpus, in order; every ``1/llama_share``-th is Llama Stack."""
    rng = random.Random(seed)
    every = round(1 / llama_share) if llama_share > 0 else 0
    for index in range(deployments):
        namespace = namespaces[index % len(namespaces)]
        if every and index % every == 0:
            yield _llama_stack(rng, index, namespace)
        else:
            yield _other(rng, index, namespace)


def _llama_stack(rng: random.Random, index: int, namespace: str) -> Application:
    name = f"llama-stack-{index:05d}"
    provider, embedding, model, dimension = rng.choice(_SETTINGS)
    variant = index // 10 % 3
    config_map = ""
    if variant == 2:
        # Settings from a ConfigMap key reference, as a team might share them.
        config_map = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-vector-store
  namespace: {namespace}
data:
  EMBEDDING_MODEL: {model}
  EMBEDDING_DIMENSION: "{dimension}"
---
"""
        model_env = f"""\
            - name: VECTOR_STORE_EMBEDDING_MODEL
              valueFrom:
                configMapKeyRef:
                  name: {name}-vector-store
                  key: EMBEDDING_MODEL
            - name: VECTOR_STORE_EMBEDDING_DIMENSION
              valueFrom:
                configMapKeyRef:
                  name: {name}-vector-store
                  key: EMBEDDING_DIMENSION
"""
    else:
        model_env = f"""\
            - name: VECTOR_STORE_EMBEDDING_MODEL
              value: "{model}"
            - name: VECTOR_STORE_EMBEDDING_DIMENSION
              value: "{dimension}"
"""
    deployment = f"""\
# Llama Stack for the {namespace} team, rendered from the legacy chart.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: llama-stack
    app.kubernetes.io/instance: {name}
    app.kubernetes.io/managed-by: Helm
  annotations:
    meta.helm.sh/release-name: {name}
    meta.helm.sh/release-namespace: {namespace}
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: llama-stack
      app.kubernetes.io/instance: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: llama-stack
        app.kubernetes.io/instance: {name}
    spec:
      securityContext:
        runAsUser: 1000
        fsGroup: 1000
      containers:
        - name: llama-stack
          image: "ghcr.io/tu-wien-datalab/llama-stack:main"
          args: ["--port", "5001"]
          ports:
            - name: http
              containerPort: 5001
          env:
            - name: HOME
              value: "/home/lls"
            - name: LLAMA_STACK_PORT
              value: "5001"
            # Vector store settings of this release.
            - name: VECTOR_STORE_DEFAULT_PROVIDER
              value: "{provider}"
            - name: VECTOR_STORE_EMBEDDING_PROVIDER
              value: {embedding}
{model_env}          volumeMounts:
            - name: data-volume
              mountPath: /home/lls/.llama
      volumes:
        - name: data-volume
          persistentVolumeClaim:
            claimName: {name}
"""
    text = config_map + deployment + "---\n" + _service(name, namespace, 5001)
    return Application(name, namespace, True, text)


def _other(rng: random.Random, index: int, namespace: str) -> Application:
    name = f"app-{index:05d}"
    image = rng.choice(_IMAGES)
    port = rng.choice((8080, 8000, 9090, 6379, 3000))
    replicas = rng.randint(1, 4)
    level = rng.choice(("info", "debug", "warn"))
    deployment = f"""\
# {name}: owned by the {namespace} team.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: {namespace}
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: '{port}'
    spec:
      containers:
        - name: main
          image: {image}
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: {port}
              protocol: TCP
          env:
            - name: LOG_LEVEL
              value: {level}
            - name: PORT
              value: "{port}"
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: {port}
            periodSeconds: 10
"""
    text = deployment + "---\n" + _service(name, namespace, port)
    return Application(name, namespace, False, text)


def _service(name: str, namespace: str, port: int) -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - port: 80
      targetPort: {port}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("-n", "--deployments", type=int, default=2000)
    parser.add_argument("--llama-share", type=float, default=0.10)
    parser.add_argument("--namespaces", type=int, default=6)
    arguments = parser.parse_args()
    corpus = generate(
        arguments.root,
        arguments.deployments,
        llama_share=arguments.llama_share,
        namespaces=arguments.namespaces,
    )
    print(
        f"{len(corpus.files)} files, {corpus.deployments} Deployments, "
        f"{corpus.llama_stack} Llama Stack, under {corpus.root}"
    )


if __name__ == "__main__":
    main()
