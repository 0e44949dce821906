"""Reading live clusters, read-only: connection, paged raw lists, retries and faults.

This module owns every call to the Kubernetes API and is the only one that
imports the kubernetes client, and only once a cluster is used: ``migrate
--help`` and ``convert``, which reach this module's data types, do not pay for
it. It only ever sends GET requests: lists of Deployments, StatefulSets and
ConfigMaps, and, for ``--helm-values``, the Secrets Helm stores releases in
(selected by label; no other Secret is ever read). Lists are paged
(``limit``/``continue``) and read as raw JSON, not as the client's typed
models (of the workload lists, only what the scan looks at first:
:mod:`~migrate.sources.sketch`); a list still sends one request at a time,
but asks for its next page as soon as it has this page's ``continue``, on a
thread of its own, so that the API server prepares it while this page's
objects are looked at. 5xx answers and timeouts are retried a bounded number
of times with backoff; 401/403 on one namespace is a :class:`Fault` and the
scan goes on; an unreachable cluster or rejected credentials end the run
(exit code 3).

A :class:`Connection` may be shared by threads (one urllib3 pool, sized to
``--max-connections``); every request first asks the scan's :class:`Stop`
(``--deadline``, Ctrl-C) whether to go on, and no request outlives the
deadline: what is cut is a :class:`Fault` of kind ``stopped``.

The module stays over 400 lines because it is the only one allowed to import
the kubernetes client (a contract of the layers): the kubeconfig's contexts,
the connection, every request and its retries go through the client, so they
live here; decoding the pages is :mod:`migrate.sources.sketch`'s.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubernetes import client

    from migrate.sources import sketch

from migrate.errors import EXIT_CLUSTER
from migrate.sources import kubeconfig as kubeconfigs
from migrate.sources import stopping
from migrate.sources.activity import ACTIVITY
from migrate.sources.interface import SourceError

PAGE_SIZE = 500
MAX_CONNECTIONS = 8  # requests open at once per cluster (--max-connections)
RETRIES = 3
BACKOFF = 0.2  # seconds before the first retry; doubled each time


class ClusterError(SourceError):
    """The cluster cannot be reached, or it rejects our credentials."""

    exit_code = EXIT_CLUSTER


# A list's fault and the scan's stop live in their own module; these names stay
# this module's (``cluster.Fault``, ``cluster.Stop``), as its callers know them.
Fault = stopping.Fault
Stop = stopping.Stop


@dataclass(frozen=True)
class Resource:
    """A listable kind and the API paths that list it, in one namespace and across all."""

    kind: str
    api_version: str
    plural: str

    def path(self, namespace: str | None) -> str:
        group = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        return (
            f"{group}/namespaces/{{namespace}}/{self.plural}"
            if namespace
            else (f"{group}/{self.plural}")
        )


# Requests are built from these paths rather than through the client's generated
# API classes: importing those costs about half a second each.
DEPLOYMENTS = Resource("Deployment", "apps/v1", "deployments")
STATEFUL_SETS = Resource("StatefulSet", "apps/v1", "statefulsets")
CONFIG_MAPS = Resource("ConfigMap", "v1", "configmaps")
SECRETS = Resource("Secret", "v1", "secrets")


@dataclass
class Connection:
    """One context's API client, with the count of requests sent through it.

    Threads may share it; ``max_connections`` is the size of its urllib3 pool,
    and the number of threads that :mod:`migrate.sources.context` lists with.
    """

    context: str
    namespace: str  # the context's default namespace
    api: client.ApiClient
    timeout: float
    requests: int = 0
    on_page: Callable[[int], None] = field(default=lambda objects: None)  # objects in the page
    max_connections: int = MAX_CONNECTIONS
    stop: Stop = field(default_factory=Stop)
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def list(
        self,
        resource: Resource,
        namespace: str | None,
        *,
        selector: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every object of ``resource`` in ``namespace`` (None: all), page by page; this
        thread counts as at work on it (:data:`ACTIVITY`) but while a request is out."""
        for listed in self.sketches(resource, namespace, None, selector, page_size):
            yield listed.whole()

    def sketches(
        self,
        resource: Resource,
        namespace: str | None,
        reader: sketch.Reader | None,
        selector: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[sketch.Listed]:
        """As :meth:`list`, each object with the sketch ``reader`` decodes of it (None:
        the whole object), and the whole object when asked for."""
        from migrate.sources import sketch  # msgspec, once a cluster is listed

        where = f"in namespace {namespace}" if namespace else "across all namespaces"
        what = f"{resource.kind}s {where}"
        path = resource.path(namespace)
        parameters = {"namespace": namespace} if namespace else {}
        kind = (resource.api_version, resource.kind)
        decode = functools.partial(reader.page if reader else sketch.whole_page, kind=kind)

        def query(token: str | None) -> list[tuple[str, Any]]:
            asked: list[tuple[str, Any]] = [("limit", page_size)]
            if token:
                asked.append(("continue", token))
            if selector:
                asked.append(("labelSelector", selector))
            return asked

        token: str | None = None
        ahead: _Ahead | None = None
        with ACTIVITY.working():
            while True:
                page: sketch.Page = self._get(path, parameters, query(token), what, ahead, decode)
                token = (page.metadata or {}).get("continue") or None
                # The next page is asked for before this one's objects are looked at, so
                # that the API server prepares it meanwhile: still one request at a time.
                ahead = self._ahead(path, parameters, query(token)) if token else None
                self.on_page(page.count)
                yield from page.items
                if not token:
                    return

    def _ahead(
        self, path: str, parameters: dict[str, str], query: Sequence[tuple[str, Any]]
    ) -> _Ahead | None:
        """The first attempt at a request, sent now on a thread of its own; None at a stop."""
        if self.stop.fired():
            return None
        with self._counting:
            self.requests += 1
        return _Ahead(functools.partial(self._request, path, parameters, query, self._timeout()))

    def _get(
        self,
        path: str,
        parameters: dict[str, str],
        query: Sequence[tuple[str, Any]],
        what: str,
        ahead: _Ahead | None = None,
        decode: Callable[[Any], Any] = json.loads,
    ) -> Any:
        """The answer to a GET, retried, as ``decode`` reads it (a body it cannot read is
        retried too); ``ahead``: its first attempt, already sent."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        delay = BACKOFF
        stop = self.stop
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            if stop.fired():  # an answer sent ahead is dropped too, as if never asked for
                raise stop.fault(what)
            sent = ahead if attempt == 0 else None
            if sent is None:
                with self._counting:
                    self.requests += 1
            try:
                with ACTIVITY.waiting():
                    if sent is None:
                        body = self._request(path, parameters, query, self._timeout())
                    else:
                        body = sent.body()
                return decode(body)
            except ApiException as error:
                if error.status == 401:
                    raise ClusterError(
                        f"context {self.context}: the API server rejected the credentials "
                        f"(401 {error.reason})"
                    ) from None
                if error.status == 403:
                    raise Fault("forbidden", f"listing {what} is forbidden (403)") from None
                retry = error.status in (429, 500, 502, 503, 504) and not last
                if not retry:
                    raise Fault(
                        "unavailable",
                        f"listing {what} failed: {error.status} {error.reason}"
                        + (f" after {attempt + 1} attempts" if attempt else ""),
                    ) from None
            except urllib3.exceptions.MaxRetryError as error:
                if stop.fired():
                    raise stop.fault(what) from None
                if _refused(error.reason):
                    if last:
                        raise ClusterError(
                            f"context {self.context}: cannot reach the API server at "
                            f"{self.api.configuration.host} ({_short(error.reason)})"
                        ) from None
                elif last:
                    raise Fault(
                        "unavailable", f"listing {what} failed: {_short(error.reason)}"
                    ) from None
            except (urllib3.exceptions.HTTPError, TimeoutError, ValueError) as error:
                if stop.fired():
                    raise stop.fault(what) from None
                if last:
                    raise Fault(
                        "unavailable",
                        f"listing {what} failed after {attempt + 1} attempts: {_short(error)}",
                    ) from None
            if stop.wait(delay):
                raise stop.fault(what)
            delay *= 2
        raise AssertionError("unreachable")

    def _timeout(self) -> float:
        """--timeout, but no longer than the deadline leaves (and a little: the request
        that it cuts is then a stopped one, not a timed-out one)."""
        left = self.stop.remaining()
        return self.timeout if left is None else min(self.timeout, left + 0.05)

    def _request(
        self,
        path: str,
        parameters: dict[str, str],
        query: Sequence[tuple[str, Any]],
        timeout: float,
    ) -> Any:
        """One GET as the client's generated methods send it; the body, undecoded."""
        from kubernetes.client.exceptions import ApiException

        request = self.api.param_serialize(
            method="GET",
            resource_path=path,
            path_params=parameters,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(*request, _request_timeout=timeout)
        response.read()
        if not 200 <= response.status <= 299:
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return response.data


class _Ahead:
    """A request sent on a daemon thread of its own; its answer is waited for later.

    Nothing else of the request's is done there: the caller decodes the answer,
    retries it, and counts it (:meth:`Connection._get`). A request no longer
    wanted, at a stop, ends on its own within its timeout.
    """

    def __init__(self, request: Callable[[], Any]) -> None:
        self._request = request
        self._done = threading.Event()
        self._body: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._send, name="migrate-ahead", daemon=True).start()

    def _send(self) -> None:
        try:
            self._body = self._request()
        except BaseException as error:  # raised again in the caller, which retries it
            self._error = error
        finally:
            self._done.set()

    def body(self) -> Any:
        """The answer's body, once it came; the request's error raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._body


def _refused(reason: object) -> bool:
    import urllib3

    return isinstance(
        reason,
        urllib3.exceptions.NewConnectionError
        | urllib3.exceptions.ConnectTimeoutError
        | urllib3.exceptions.NameResolutionError,
    )


def _short(error: object) -> str:
    import urllib3

    if isinstance(error, urllib3.exceptions.ReadTimeoutError):
        return "timed out"
    text = str(error)
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        text = text.split(": ", 1)[-1]
    return text.splitlines()[0] if text else type(error).__name__


def contexts(kubeconfig: Path | None, wanted: list[str]) -> list[tuple[str, str]]:
    """The contexts to scan with their default namespaces: ``wanted``, or the current one.

    Inside a pod without a kubeconfig, the pod's own service account is the
    one context, named ``in-cluster``.
    """
    if kubeconfig is None and _in_cluster():
        if wanted:
            raise SourceError("--context needs a kubeconfig; none was found (running in a pod)")
        return [("in-cluster", _pod_namespace())]
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    files = kubeconfigs.find(kubeconfig)
    try:
        available, current = config.list_kube_config_contexts(config_file=files.argument)
    except (ConfigException, OSError) as error:
        raise SourceError(f"kubeconfig {files.argument}: {_one_line(error)}") from None
    by_name = {c["name"]: (c.get("context") or {}).get("namespace") or "default" for c in available}
    if not wanted:
        if not current:
            raise SourceError("kubeconfig: no current context; pass --context")
        wanted = [current["name"]]
    missing = [name for name in wanted if name not in by_name]
    if missing:
        raise SourceError(
            f"kubeconfig: no context named {', '.join(missing)} "
            f"(known: {', '.join(sorted(by_name)) or 'none'})"
        )
    return [(name, by_name[name]) for name in dict.fromkeys(wanted)]


def connect(
    kubeconfig: Path | None,
    context: str,
    namespace: str,
    timeout: float,
    *,
    max_connections: int = MAX_CONNECTIONS,
    stop: Stop | None = None,
) -> Connection:
    """An API client for ``context``; urllib3's own retries off (ours are bounded), its
    pool sized to ``max_connections``."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    try:
        if context == "in-cluster" and kubeconfig is None and _in_cluster():
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(
                config_file=kubeconfigs.find(kubeconfig).argument,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (ConfigException, OSError) as error:
        raise SourceError(f"kubeconfig, context {context}: {_one_line(error)}") from None
    configuration.retries = 0
    configuration.connection_pool_maxsize = max_connections
    return Connection(
        context,
        namespace,
        client.ApiClient(configuration),
        timeout,
        max_connections=max_connections,
        stop=stop or Stop(),
    )


def _in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and not kubeconfigs.exists(None)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _pod_namespace() -> str:
    path = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
    try:
        return path.read_text().strip() or "default"
    except OSError:
        return "default"
