"""Ask the real Llama Stack 0.3.3 how it resolves a run.yaml for a pod's env.

Llama Stack 0.3.3 needs Python 3.12 and the project runs on 3.11+, so the
reference lives in its own virtual environment (built by
``scripts/conformance-venv``) and is driven through one long-lived worker
process (``worker.py`` beside this module) that speaks JSON lines.

The virtual environment is ``$MIGRATE_CONFORMANCE_VENV``, by default
``.venv-conformance`` at the repository root.

    with LlamaStack() as stack:
        old = stack.resolve(old_run_yaml, pod_env)
        new = stack.resolve(migrated_run_yaml, pod_env)
        assert canonical(old.config) == canonical(new.config)

A resolved configuration arrives in "wire form": plain JSON data in which
NaN and infinities are floats and values JSON cannot carry (dates, bytes,
sets, mappings with keys that are not strings) are tagged objects
``{"__type__": kind, ...}`` (see ``worker.py``). ``canonical`` turns wire
form into one string per value, so equal strings mean equal configurations
with equal types.

``placeholders`` runs Llama Stack's own ``${env...}`` regular expression and
``replace_env_vars`` on many strings in one round trip:

    batch = stack.placeholders(["${env.A:=x}-y", "plain"], {"A": "1"})
    batch.results[0].matches[0].name == "A"

``resolve_many`` resolves many (run.yaml text, env) pairs in one round trip,
each exactly as ``resolve`` would; the worker parses a text shared by several
pairs once. ``submit_many`` sends such a batch and returns at once, so the
caller can prepare the next batch while the worker resolves this one:

    pending = stack.submit_many([(old_yaml, old_env), (new_yaml, new_env)])
    ...  # other work; no other request may be answered in between
    old, new = pending.results()

At most one batch is outstanding: any other request (or the next
``submit_many``) first reads the answer of the outstanding one, which its
``results()`` then returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn

__all__ = [
    "LLAMA_STACK_VERSION",
    "VENV_ENV_VAR",
    "LlamaStack",
    "LlamaStackError",
    "PendingResolutions",
    "PlaceholderBatch",
    "PlaceholderMatch",
    "PlaceholderResult",
    "Resolution",
    "VenvMissingError",
    "canonical",
    "default_venv",
]

LLAMA_STACK_VERSION = "0.3.3"
VENV_ENV_VAR = "MIGRATE_CONFORMANCE_VENV"
REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().with_name("worker.py")

_STDERR_TAIL = 4000


class LlamaStackError(RuntimeError):
    """The reference worker could not be started or stopped answering."""


class VenvMissingError(LlamaStackError):
    """The conformance virtual environment has not been built."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        super().__init__(f"no Llama Stack {LLAMA_STACK_VERSION} virtual environment at {venv}")


@dataclass(frozen=True)
class Resolution:
    """What Llama Stack 0.3.3 made of one run.yaml text and env.

    ``ok`` is false when start-up would fail before validation (YAML that
    does not load, ``${env.X}`` with X unset: ``error_type`` and ``error``
    say why). When ``ok``, ``config`` is the output of ``replace_env_vars``
    in wire form and ``valid`` tells whether ``StackRunConfig`` accepts it.
    """

    ok: bool
    config: Any
    valid: bool
    validation_error: str | None
    error_type: str | None
    error: str | None


@dataclass(frozen=True)
class PlaceholderMatch:
    """One match of Llama Stack's pattern: span and groups (None: the group took no part)."""

    start: int
    end: int
    name: str
    operator: str | None
    argument: str | None


@dataclass(frozen=True)
class PlaceholderResult:
    """Llama Stack 0.3.3 on one string: its matches, and ``replace_env_vars`` of it.

    ``ok`` false means ``replace_env_vars`` raised (``error_type``; ``var_name``
    for an ``EnvVarError``); otherwise ``value`` is its result in wire form.
    """

    matches: tuple[PlaceholderMatch, ...]
    ok: bool
    value: Any
    error_type: str | None
    error: str | None
    var_name: str | None


@dataclass(frozen=True)
class PlaceholderBatch:
    """The pattern Llama Stack uses and one result per string asked about."""

    pattern: str
    results: tuple[PlaceholderResult, ...]


class PendingResolutions:
    """A batch sent by ``LlamaStack.submit_many``; ``results()`` waits for its answer."""

    def __init__(self, stack: LlamaStack, request_id: int, count: int) -> None:
        self._stack = stack
        self.request_id = request_id
        self.count = count
        self._answer: dict[str, Any] | None = None

    def results(self) -> list[Resolution]:
        """One ``Resolution`` per submitted pair, in order (waits for the worker)."""
        if self._answer is None:
            self._stack._collect(self)
        answer = self._answer
        assert answer is not None
        if not answer.get("ok"):
            raise LlamaStackError(
                f"resolve_batch request failed: {answer.get('error_type')}: {answer.get('error')}"
            )
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != self.count:
            raise LlamaStackError(f"expected {self.count} results, got: {str(results)[:200]}")
        return [_resolution(item) for item in results]


def _resolution(response: Mapping[str, Any]) -> Resolution:
    """A worker's answer for one run.yaml (single or batch item) as a ``Resolution``."""
    if response.get("ok"):
        error = response.get("validation_error")
        return Resolution(
            ok=True,
            config=response.get("config"),
            valid=bool(response.get("valid")),
            validation_error=None if error is None else str(error),
            error_type=None,
            error=None,
        )
    return Resolution(
        ok=False,
        config=None,
        valid=False,
        validation_error=None,
        error_type=str(response.get("error_type")),
        error=str(response.get("error")),
    )


def default_venv() -> Path:
    """The conformance venv: ``$MIGRATE_CONFORMANCE_VENV`` or ``.venv-conformance``."""
    configured = os.environ.get(VENV_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return REPO_ROOT / ".venv-conformance"


class LlamaStack:
    """One worker process running Llama Stack 0.3.3; requests are sequential.

    A worker that crashed or timed out is killed; the next ``resolve``
    starts a fresh one.
    """

    def __init__(self, venv: Path | None = None, *, timeout: float = 60.0) -> None:
        self.venv = venv if venv is not None else default_venv()
        self.python = self.venv / "bin" / "python"
        self.timeout = timeout
        self.version: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = bytearray()
        self._next_id = 0
        self._pending: PendingResolutions | None = None

    def __enter__(self) -> LlamaStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker (if not running) and wait until Llama Stack is imported."""
        if self._process is not None and self._process.poll() is None:
            return
        self.close()
        if not self.python.is_file():
            raise VenvMissingError(self.venv)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._buffer.clear()
        self._process = subprocess.Popen(
            [str(self.python), "-I", "-X", "utf8", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_worker_env(),
            cwd=str(self.venv),
        )
        # Importing Llama Stack takes a few seconds (longer the first time).
        greeting = self._receive(max(self.timeout, 120.0))
        if not greeting.get("ready"):
            problem = greeting.get("error", "no greeting")
            self._fail(f"the worker could not import Llama Stack: {problem}")
        version = greeting.get("llama_stack")
        if version != LLAMA_STACK_VERSION:
            self._fail(
                f"{self.venv} has llama-stack {version}, expected {LLAMA_STACK_VERSION}; "
                "rebuild it with scripts/conformance-venv"
            )
        self.version = str(version)

    def close(self) -> None:
        """Stop the worker; safe to call more than once."""
        self._pending = None  # its answer can no longer arrive
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):  # a dead worker's pipe
                    process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def resolve(self, yaml_text: str, env: Mapping[str, str]) -> Resolution:
        """Resolve ``yaml_text`` as Llama Stack 0.3.3 does at start-up with exactly ``env``."""
        return _resolution(self._request({"yaml": yaml_text, "env": dict(env)}))

    def placeholders(self, strings: Sequence[str], env: Mapping[str, str]) -> PlaceholderBatch:
        """Llama Stack's placeholder pattern and ``replace_env_vars`` on each of ``strings``.

        ``replace_env_vars`` runs with exactly ``env`` as the environment.
        """
        response = self._request(
            {"kind": "placeholders", "strings": list(strings), "env": dict(env)}
        )
        if not response.get("ok"):
            raise LlamaStackError(
                f"placeholders request failed: {response.get('error_type')}: "
                f"{response.get('error')}"
            )
        results = []
        for item in response["results"]:
            replaced = item["replaced"]
            results.append(
                PlaceholderResult(
                    matches=tuple(PlaceholderMatch(*match) for match in item["matches"]),
                    ok=bool(replaced["ok"]),
                    value=replaced.get("value"),
                    error_type=replaced.get("error_type"),
                    error=replaced.get("error"),
                    var_name=replaced.get("var_name"),
                )
            )
        if len(results) != len(strings):
            self._fail(f"{len(results)} results for {len(strings)} strings")
        return PlaceholderBatch(pattern=str(response["pattern"]), results=tuple(results))

    def resolve_many(self, items: Sequence[tuple[str, Mapping[str, str]]]) -> list[Resolution]:
        """``resolve`` for each (run.yaml text, env) pair, in one round trip."""
        return self.submit_many(items).results()

    def submit_many(self, items: Sequence[tuple[str, Mapping[str, str]]]) -> PendingResolutions:
        """Send a batch of (run.yaml text, env) pairs and return without waiting.

        The worker resolves them while the caller goes on; ``results()`` of
        the returned object waits for the answer.
        """
        self._drain()
        self.start()
        self._next_id += 1
        payload = {
            "id": self._next_id,
            "kind": "resolve_batch",
            "items": [{"yaml": text, "env": dict(env)} for text, env in items],
        }
        # The worker is idle (every earlier answer has been read), so it reads
        # the whole line before it writes anything: no pipe can fill both ways.
        self._send(json.dumps(payload).encode("utf-8") + b"\n")
        pending = PendingResolutions(self, self._next_id, len(items))
        self._pending = pending
        return pending

    def _collect(self, pending: PendingResolutions) -> None:
        """Read the answer to ``pending`` (the outstanding batch) into it."""
        if pending is not self._pending:
            raise LlamaStackError(
                f"batch {pending.request_id} has no answer: the worker was restarted"
            )
        self._pending = None
        # Resolving takes a few milliseconds an item; allow for a slow machine.
        response = self._receive(self.timeout + pending.count)
        if response.get("id") != pending.request_id:
            self._fail(f"answer {response.get('id')!r} to batch {pending.request_id}")
        pending._answer = response

    def _drain(self) -> None:
        """Read the answer of the outstanding batch, if any, before the next request."""
        if self._pending is not None:
            self._collect(self._pending)

    def _request(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request (an id is added) and return the answer to it."""
        self._drain()
        self.start()
        self._next_id += 1
        request_id = self._next_id
        request = {"id": request_id, **payload}
        self._send(json.dumps(request).encode("utf-8") + b"\n")
        response = self._receive(self.timeout)
        if response.get("id") != request_id:
            self._fail(f"answer {response.get('id')!r} to request {request_id}: {response}")
        return response

    def _send(self, data: bytes) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(data)
            self._process.stdin.flush()
        except OSError as exc:
            self._fail(f"cannot write to the worker: {exc}")

    def _receive(self, timeout: float) -> dict[str, Any]:
        """Read one JSON line from the worker within ``timeout`` seconds."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while (end := self._buffer.find(b"\n")) < 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self._fail(f"no answer from the worker within {timeout:g} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self._fail("the worker exited")
                self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            message = json.loads(line)
        except ValueError as exc:
            self._fail(f"unreadable answer from the worker ({exc}): {line[:200]!r}")
        if not isinstance(message, dict):
            self._fail(f"unexpected answer from the worker: {line[:200]!r}")
        return message

    def _fail(self, message: str) -> NoReturn:
        """Kill the worker and raise, with the end of its stderr."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
        stderr = self._stderr_tail()
        self.close()
        details = f"\n--- worker stderr (end) ---\n{stderr}" if stderr.strip() else ""
        raise LlamaStackError(message + details)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - _STDERR_TAIL))
        return self._stderr.read().decode("utf-8", "replace")


def _worker_env() -> dict[str, str]:
    """A small, predictable environment for importing Llama Stack.

    Requests replace the whole environment anyway; this only keeps the
    caller's variables (logging switches, PYTHON*, ...) away from the import.
    """
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"}
    for name in ("HOME", "TMPDIR"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def canonical(value: Any) -> str:
    """One JSON string per wire-form value: equal strings, equal configurations.

    Keys are sorted; 1, 1.0 and true stay apart (as do 0.0 and -0.0); NaN
    equals NaN. Only wire form is accepted (dict with string keys, list,
    str, int, float, bool, None): anything else raises ``TypeError`` rather
    than being silently coerced the way ``json.dumps`` would (tuples to
    lists, integer keys to strings).
    """
    _check_wire_form(value, "$")
    return json.dumps(value, sort_keys=True, allow_nan=True, separators=(",", ":"))


def _check_wire_form(value: Any, where: str) -> None:
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return
    if kind is list:
        for index, item in enumerate(value):
            _check_wire_form(item, f"{where}[{index}]")
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{where}: key {key!r} is not a string (not wire form)")
            _check_wire_form(item, f"{where}.{key}")
        return
    raise TypeError(f"{where}: {kind.__name__} is not wire form; see worker.py for tagging")
