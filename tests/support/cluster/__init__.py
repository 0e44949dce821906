"""Live Kubernetes clusters for the test suite, emulated in-process by kmock.

:class:`Emulator` extends kmock 0.8's ``KubernetesEmulator`` with what a
read-only scanner meets on a real API server and kmock leaves out: label and
field selectors, ``limit``/``continue`` paging, list answers that name their
``kind``/``apiVersion``, the cluster-scoped namespace list, and server-filled
metadata. :func:`forbid`, :func:`fail_once` and :func:`delay` inject faults;
:func:`requests` reads the request log.

:func:`running` starts one emulator per kubeconfig context on 127.0.0.1 and
writes a kubeconfig for the official ``kubernetes`` client. That client is
synchronous: called on the event loop that serves the emulators it blocks
them, so tests call it through :func:`asyncio.to_thread`. Build clients with
:func:`api_client`, which sets urllib3 retries explicitly (the default, 3
retries, multiplies every timeout by four).

:func:`helm_release_secret` builds a Secret as Helm 3 and 4 store a release;
:func:`objects_from_manifest` reads the objects of a multi-document YAML file
as a cluster would hold them.

The package: ``api`` (what kmock lacks of a real API server), ``selectors``,
``emulator``, ``faults`` (fault injection, the request log), ``clusters``
(running emulators, kubeconfigs, clients) and ``objects`` (Helm release
Secrets, Deployments, manifest files); the names below are its surface.
"""

from __future__ import annotations

from tests.support.cluster.clusters import FAKE_TOKEN, Cluster, api_client, running
from tests.support.cluster.emulator import DEFAULT_RESOURCES, Emulator
from tests.support.cluster.faults import delay, fail, fail_once, forbid, requests
from tests.support.cluster.objects import (
    HELM_RELEASE_STATUSES,
    HELM_RELEASE_TYPE,
    decode_helm_release,
    deployment,
    helm_release_secret,
    objects_from_manifest,
)
from tests.support.cluster.selectors import LabelSelectorError, match_labels

__all__ = [
    "DEFAULT_RESOURCES",
    "FAKE_TOKEN",
    "HELM_RELEASE_STATUSES",
    "HELM_RELEASE_TYPE",
    "Cluster",
    "Emulator",
    "LabelSelectorError",
    "api_client",
    "decode_helm_release",
    "delay",
    "deployment",
    "fail",
    "fail_once",
    "forbid",
    "helm_release_secret",
    "match_labels",
    "objects_from_manifest",
    "requests",
    "running",
]
