"""Running clusters: one emulator per kubeconfig context on 127.0.0.1, and API clients."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kmock
import kubernetes
import yaml

from tests.support.cluster.emulator import Emulator

FAKE_TOKEN = "kmock-fake-token"
"""The bearer token written into the kubeconfig of :func:`running`."""


def _kubeconfig(servers: Mapping[str, str], current: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": n, "user": {"token": FAKE_TOKEN}} for n in servers],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in servers],
        "current-context": current,
    }


@dataclass
class Cluster:
    """Running emulators, one per kubeconfig context (see :func:`running`)."""

    kubeconfig: Path
    """A kubeconfig with one cluster/user/context per name; current-context is the first."""
    emulators: dict[str, Emulator]
    urls: dict[str, str]
    directory: Path
    refused_url: str = field(repr=False)
    """An http URL on 127.0.0.1 whose port refuses connections (bound, not listening)."""

    @property
    def contexts(self) -> list[str]:
        return list(self.emulators)

    def seed(self, context: str, objects: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> None:
        """Store objects in the cluster of ``context`` (see :meth:`Emulator.seed`)."""
        self.emulators[context].seed(objects)

    def unreachable_kubeconfig(
        self, directory: Path | None = None, *, context: str = "unreachable"
    ) -> Path:
        """A kubeconfig with the live contexts plus ``context``, whose server refuses connections.

        Its current-context is ``context``.
        """
        servers = {**self.urls, context: self.refused_url}
        path = (directory or self.directory) / f"kubeconfig-{context}.yaml"
        path.write_text(yaml.safe_dump(_kubeconfig(servers, context), sort_keys=False))
        return path


@contextlib.contextmanager
def _refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound (so nobody takes it), not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running(
    contexts: Sequence[str] = ("main",), *, tmp_path: Path, latency: float = 0.0
) -> AsyncIterator[Cluster]:
    """Start one :class:`Emulator` with a ``kmock.Server`` on 127.0.0.1 per context name.

    ``latency`` (seconds) holds every answer of every emulator that long.

    Writes ``tmp_path/kubeconfig.yaml`` (token auth with :data:`FAKE_TOKEN`, plain http).
    Call the synchronous ``kubernetes`` client through ``asyncio.to_thread``.
    """
    if isinstance(contexts, str):
        raise TypeError("contexts is a sequence of names, not one string")
    if not contexts or len(set(contexts)) != len(contexts):
        raise ValueError(f"need distinct context names, got {contexts!r}")
    async with contextlib.AsyncExitStack() as stack:
        emulators: dict[str, Emulator] = {}
        urls: dict[str, str] = {}
        for name in contexts:
            emulator = await stack.enter_async_context(Emulator(latency=latency))
            server = await stack.enter_async_context(kmock.Server(emulator))
            emulators[name] = emulator
            urls[name] = str(server.url).rstrip("/")
        port = stack.enter_context(_refusing_port())
        kubeconfig = tmp_path / "kubeconfig.yaml"
        kubeconfig.write_text(yaml.safe_dump(_kubeconfig(urls, contexts[0]), sort_keys=False))
        yield Cluster(
            kubeconfig=kubeconfig,
            emulators=emulators,
            urls=urls,
            directory=tmp_path,
            refused_url=f"http://127.0.0.1:{port}",
        )


def api_client(
    kubeconfig: Path, context: str | None = None, *, retries: int = 0
) -> kubernetes.client.ApiClient:
    """A ``kubernetes`` API client for ``context`` of ``kubeconfig``, with explicit retries.

    urllib3 retries every failed connection or read 3 times by default, so a 1 s timeout
    takes 4 s; here they default to 0. Close the client (``with api_client(...) as api:``).
    """
    configuration = kubernetes.client.Configuration()
    # Untyped in kubernetes 37 (which ships py.typed); through Any, mypy accepts it either way.
    load_kube_config: Any = kubernetes.config.load_kube_config
    load_kube_config(
        config_file=str(kubeconfig),
        context=context,
        client_configuration=configuration,
        persist_config=False,
    )
    configuration.retries = retries
    return kubernetes.client.ApiClient(configuration)
