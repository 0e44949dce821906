"""The scan benchmark's child processes: a scan, and a bare paged list, each timing itself.

Each measured run is a child process of its own (``python -m
benchmarks.children MODE ...``), so that its memory is its own: it imports
what it needs, notes its resident size (the baseline), times the work alone,
and prints its figures as one line of JSON. This module owns both children
and their starting: one at a time, or several bare lists released together
(``benchmarks/probe.py`` measures; ``benchmarks/scan.py`` decides what to run).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import probe
from benchmarks.common import ROOT, quiet

PAGE = 500
PROFILE_ENV = "MIGRATE_BENCH_PROFILE"  # a file: the scan child writes a pyinstrument profile


def scan(kubeconfig: str, output: str, *contexts: str) -> dict[str, Any]:
    # The kubernetes client, as the bare list imports it before its clock starts (the scan
    # imports it once it connects).
    from kubernetes import client, config  # noqa: F401
    from kubernetes.client.exceptions import ApiException  # noqa: F401
    from kubernetes.config.config_exception import ConfigException  # noqa: F401

    from migrate import report  # noqa: F401  (imported before the baseline)
    from migrate.app import scan as _  # noqa: F401
    from migrate.cli import app
    from migrate.sources import cluster  # noqa: F401

    baseline = probe.status_kb("VmRSS")
    profile_to = os.environ.get(PROFILE_ENV)
    profiler: Any = None
    if profile_to:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    arguments = ["scan", "--kubeconfig", kubeconfig, "-A", "-d", output]
    for context in contexts:
        arguments += ["--context", context]
    with probe.TreePeak() as tree, quiet():
        start = time.perf_counter()
        try:
            code = app(arguments, standalone_mode=False)
        except SystemExit as exit_:
            code = exit_.code
        seconds = time.perf_counter() - start
    if code not in (None, 0, 1):
        raise RuntimeError(f"scan failed (exit {code}): the benchmark would measure that")
    if profiler is not None:
        profiler.stop()
        from benchmarks.run import trimmed

        Path(profile_to or "").write_text(trimmed(profiler, "scan"))
    return {
        "seconds": seconds,
        "baseline_kb": baseline,
        "peak_kb": tree.peak_kb,
        "workers": tree.workers,
    }


def bare_list(kubeconfig: str, context: str, wait: str = "") -> dict[str, Any]:
    from kubernetes import client, config

    baseline = probe.status_kb("VmRSS")
    configuration = client.Configuration()
    load: Any = config.load_kube_config
    load(
        config_file=kubeconfig,
        context=context,
        client_configuration=configuration,
        persist_config=False,
    )
    configuration.retries = 0
    if wait:
        probe.wait_for_start()
    started = probe.clock()
    count = 0
    with client.ApiClient(configuration) as api:
        token = None
        while True:
            # The request the client's generated list method sends, without importing
            # its API classes (which costs about half a second; the scan avoids it too).
            query: list[tuple[str, Any]] = [("limit", PAGE)]
            if token:
                query.append(("continue", token))
            request = api.param_serialize(
                method="GET",
                resource_path="/apis/apps/v1/deployments",
                query_params=query,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            response = api.call_api(*request)
            response.read()
            page = json.loads(response.data)
            count += len(page["items"])
            token = page["metadata"].get("continue")
            if not token:
                break
    ended = probe.clock()
    return {
        "seconds": ended - started,
        "start": started,
        "end": ended,
        "baseline_kb": baseline,
        "peak_kb": probe.status_kb("VmHWM"),
        "count": count,
    }


def _command(mode: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.children", mode, *arguments]


# Children start as an installed program does: from compiled modules (pip compiles them
# when it installs; the first child writes them for an editable install), whatever
# PYTHONDONTWRITEBYTECODE says here.
_ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
} | {"PYTHONPATH": str(ROOT)}


def run(mode: str, *arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        _command(mode, *arguments), capture_output=True, text=True, env=_ENVIRONMENT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def lists_at_once(kubeconfig: str, contexts: Sequence[str]) -> list[dict[str, Any]]:
    """The bare list of each context, one process each, started together once all are ready."""
    with contextlib.ExitStack() as stack:
        children = [
            stack.enter_context(
                subprocess.Popen(
                    _command("list", kubeconfig, context, "wait"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=_ENVIRONMENT,
                )
            )
            for context in contexts
        ]
        try:
            for child in children:
                assert child.stdout is not None
                if child.stdout.readline().strip() != probe.READY:
                    raise RuntimeError(f"list child failed:\n{child.communicate()[1]}")
            for child in children:
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
            results: list[dict[str, Any]] = []
            for child in children:
                out, err = child.communicate()
                if child.returncode != 0:
                    raise RuntimeError(f"list child failed:\n{err}")
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
    return results


def bare_interpreter_kb() -> int:
    """Peak resident size of an interpreter that does nothing else."""
    code = (
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'): print(line.split()[1])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout)


def main() -> None:
    mode, *arguments = sys.argv[1:]
    result = scan(*arguments) if mode == "scan" else bare_list(*arguments)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
