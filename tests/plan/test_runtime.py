"""run.yaml as the server sees it at start-up: the readings the rules and --verify share."""

from __future__ import annotations

from migrate.engine import kube_env
from migrate.plan import runtime
from tests.plan.pods import env


def pod(**values: str) -> kube_env.ContainerEnv:
    return kube_env.resolve({"env": env(**values)}, {})


def test_runtime_resolves_what_the_env_knows_and_nothing_else() -> None:
    assert runtime.runtime("${env.A:=x}-${env.B:+on}", pod(A="a"), None) == "a-"
    secret = {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "a"}}}]}
    assert runtime.runtime("${env.A:=x}", kube_env.resolve(secret, {}), None) is runtime.UNKNOWN
    assert runtime.runtime(768, pod(), None) == 768


def test_providers_name_the_gate_of_a_disabled_provider() -> None:
    config = {"providers": {"vector_io": [{"provider_id": "${env.QDRANT_URL:+qdrant}"}]}}
    off = runtime.providers(config, "vector_io", pod(), None)
    assert (off.enabled, off.disabled, off.unknown) == (
        {},
        {"qdrant": "${env.QDRANT_URL:+qdrant} is empty while QDRANT_URL is unset"},
        False,
    )
    on = runtime.providers(config, "vector_io", pod(QDRANT_URL="http://q"), None)
    assert list(on.enabled) == ["qdrant"] and on.disabled == {}


def test_home_is_known_only_when_set_and_not_empty() -> None:
    assert runtime.home(pod(HOME="/home/lls")) == "/home/lls"
    assert runtime.home(pod(HOME="")) is None
    assert runtime.home(pod()) is None
