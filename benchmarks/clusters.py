"""The scan benchmark's clusters: the test suite's emulator, at a network's distance.

This module owns the emulated API servers the scan benchmark measures
against: one :class:`~tests.support.cluster.Emulator` per kubeconfig context,
each on a port of its own on 127.0.0.1, and the kubeconfig naming them. Two
settings set them apart from the test suite's, which they leave as it is:

* ``latency``: every request is answered after this many seconds (requests
  wait side by side, as on a real server, not one after another);
* list answers are kept per request (path and query): the clusters do not
  change while they are measured, and a real API server answers lists from a
  cache in memory. Without it the emulator walks every stored object for each
  page (a tenth of a second for 5,000 Deployments), and with eight clusters
  in one process the floor would be the emulator's own Python, not the
  clients' work. Each answer is still encoded as JSON per request. The
  clusters of :func:`running` hold the same objects, seeded alike, so they
  share what they keep: one warm-up run of one context warms them all;
* a request is forgotten once it is answered (it is counted first): kmock
  keeps every request it was sent and matches each new one against its whole
  log, so an emulator's every answer took longer the more it had given (8 ms
  for a small list when new, 50 ms after 1,000 requests). A real API server
  does not slow down with the requests it served; and the benchmark's later
  runs, and a scan's extra requests (ConfigMaps, Helm histories) more than a
  bare list's pages, would pay for the earlier ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import kmock
import yaml

from tests.support.cluster import FAKE_TOKEN, Emulator


@attrs.define(kw_only=True)
class Distant(Emulator):
    """The test suite's emulator, answering after ``latency`` seconds, its list answers kept."""

    latency: float = 0.0
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], kmock.Payload] = attrs.field(
        factory=dict
    )
    """List answers kept, by path and query; shared only by clusters holding the same objects."""
    served: list[tuple[str, str, dict[str, str]]] = attrs.field(factory=list)
    """The requests answered: (method, path, query parameters), in order of arrival."""

    async def _handle(self, request: kmock.Request) -> Any:
        self.served.append((str(request.method.value), request.url.path, dict(request.params)))
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return await super()._handle(request)
        finally:  # answered: out of kmock's log, which each new request is matched against
            self._requests.remove(request)

    async def _serve_list(self, request: kmock.Request) -> kmock.Payload:
        key = (request.url.path, tuple(sorted(request.params.items())))
        if key not in self.answers:
            self.answers[key] = await super()._serve_list(request)
        return self.answers[key]


def kubeconfig(servers: Mapping[str, str]) -> dict[str, Any]:
    """A kubeconfig with a cluster, user and context per name; the first is current."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": n, "user": {"token": FAKE_TOKEN}} for n in servers],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in servers],
        "current-context": next(iter(servers)),
    }


@dataclass
class Fleet:
    """Running clusters, one per context, and the kubeconfig naming them."""

    kubeconfig: Path
    emulators: dict[str, Distant]

    def requests(self) -> int:
        """How many requests all the clusters have answered so far."""
        return sum(len(emulator.served) for emulator in self.emulators.values())

    def methods(self) -> set[str]:
        return {m for e in self.emulators.values() for m, _, _ in e.served}


@contextlib.asynccontextmanager
async def running(
    contexts: Sequence[str],
    objects: Iterable[Mapping[str, Any]],
    *,
    latency: float,
    directory: Path,
) -> AsyncIterator[Fleet]:
    """Start a :class:`Distant` emulator per context, each holding ``objects``, sharing answers.

    Call the synchronous ``kubernetes`` client (or a child process) through
    ``asyncio.to_thread``: the emulators answer on this event loop.
    """
    stored = list(objects)
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], kmock.Payload] = {}
    async with contextlib.AsyncExitStack() as stack:
        emulators: dict[str, Distant] = {}
        urls: dict[str, str] = {}
        for name in contexts:
            emulator = await stack.enter_async_context(Distant(latency=latency, answers=answers))
            emulator.seed(stored)
            server = await stack.enter_async_context(kmock.Server(emulator))
            emulators[name] = emulator
            urls[name] = str(server.url).rstrip("/")
        path = directory / "kubeconfig.yaml"
        path.write_text(yaml.safe_dump(kubeconfig(urls), sort_keys=False))
        yield Fleet(path, emulators)
