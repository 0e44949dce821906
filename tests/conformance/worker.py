"""Resolve run.yaml texts with the real Llama Stack 0.3.3, one request a line.

This script runs inside the Python 3.12 virtual environment built by
``scripts/conformance-venv``. It imports nothing from the project (nor
pytest): it is the reference that the project's output is checked against.

Protocol (JSON lines, UTF-8, one line each way per request):

* On start-up the worker writes one greeting line,
  ``{"ready": true, "llama_stack": "<version>", "python": "<version>"}``,
  after Llama Stack has been imported (or ``{"ready": false, "error": ...}``
  if the import failed, and exits).
* Request: ``{"id": n, "yaml": "<run.yaml text>", "env": {"NAME": "value"}}``.
* Response: ``{"id": n, "ok": true, "config": <resolved>, "valid": bool,
  "validation_error": str | null}`` or
  ``{"id": n, "ok": false, "error_type": "<name>", "error": "<message>"}``.

The steps are those of ``llama_stack/core/server/server.py`` (``create_app``)
at start-up: ``yaml.safe_load``, ``replace_env_vars`` against ``os.environ``
(set to exactly the request's env), then ``LoggingConfig`` for a raw
``logging_config`` and ``StackRunConfig(**cast_image_name_to_string(...))``.
A failure of ``replace_env_vars`` (an ``EnvVarError``) makes the response
``ok: false``; a failure of the model validation makes it ``valid: false``.

A second kind of request runs Llama Stack's placeholder regular expression
(the pattern literal of ``replace_env_vars``, read from its code object) and
``replace_env_vars`` itself on many strings at once:

* Request: ``{"id": n, "kind": "placeholders", "strings": ["..."],
  "env": {"NAME": "value"}}``.
* Response: ``{"id": n, "ok": true, "pattern": "<regex>", "results": [...]}``
  with one result per string: ``{"matches": [[start, end, name, operator,
  argument], ...], "replaced": {"ok": true, "value": <wire form>}}`` or
  ``"replaced": {"ok": false, "error_type": ..., "error": ..., "var_name": ...}``.
  ``operator`` and ``argument`` are null where the group did not take part.

A third kind resolves many run.yaml texts in one round trip, each exactly as a
single request would (the same steps, each with its own env):

* Request: ``{"id": n, "kind": "resolve_batch", "items": [{"yaml": "...",
  "env": {...}}, ...]}``.
* Response: ``{"id": n, "ok": true, "results": [...]}`` with one object per
  item, shaped like the answer to a single request (without ``id``).

A batch parses each distinct text once (``yaml.safe_load``, the slow part)
and resolves a deep copy of the parsed document for every item that uses
it, so a run.yaml shared by many items costs one parse.

The resolved configuration travels as JSON. NaN and infinities are written
as JSON's common extension (``NaN``, ``Infinity``), so int, float, bool and
null stay apart. Values JSON cannot carry are tagged objects
``{"__type__": kind, ...}``: ``date``, ``datetime`` (ISO text in ``value``),
``bytes`` (base64 in ``value``), ``set`` and ``tuple`` (``items``), ``map``
(``items`` as ``[key, value]`` pairs; used for any mapping with a key that is
not a string or that is the string ``"__type__"``), and ``other`` (``class``
and ``repr``).
"""

from __future__ import annotations

import base64
import copy
import datetime
import io
import json
import os
import re
import sys
from typing import Any, BinaryIO

TYPE_KEY = "__type__"


def encode(value: Any) -> Any:
    """Return ``value`` as JSON-ready data, tagging what JSON cannot carry."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TYPE_KEY not in value:
            return {key: encode(item) for key, item in value.items()}
        return {TYPE_KEY: "map", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    # datetime is a subclass of date: test it first.
    if isinstance(value, datetime.datetime):
        return {TYPE_KEY: "datetime", "value": value.isoformat()}
    if isinstance(value, datetime.date):
        return {TYPE_KEY: "date", "value": value.isoformat()}
    if isinstance(value, bytes):
        return {TYPE_KEY: "bytes", "value": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {TYPE_KEY: "tuple", "items": [encode(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        items = [encode(item) for item in value]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {TYPE_KEY: "set", "items": items}
    return {TYPE_KEY: "other", "class": type(value).__qualname__, "repr": repr(value)}


class Resolver:
    """Llama Stack's own start-up steps, imported once."""

    def __init__(self) -> None:
        import yaml
        from llama_stack.core.datatypes import LoggingConfig, StackRunConfig
        from llama_stack.core.stack import cast_image_name_to_string, replace_env_vars

        self._yaml = yaml
        self._logging_config = LoggingConfig
        self._run_config = StackRunConfig
        self._cast_image_name = cast_image_name_to_string
        self._replace_env_vars = replace_env_vars

    def resolve(self, text: str, env: dict[str, str]) -> dict[str, Any]:
        """Answer one request (without its id)."""
        try:
            contents = self._yaml.safe_load(text)
        except self._yaml.YAMLError as exc:
            return failure("YAMLError", exc)
        return self._resolve_loaded(contents, env)

    def resolve_batch(self, items: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
        """Answer one resolve_batch request (without its id): one answer per item."""
        parsed: dict[str, tuple[bool, Any]] = {}
        results = []
        for text, env in items:
            if text not in parsed:
                try:
                    parsed[text] = (True, self._yaml.safe_load(text))
                except self._yaml.YAMLError as exc:
                    parsed[text] = (False, failure("YAMLError", exc))
            loaded, contents = parsed[text]
            if not loaded:
                results.append(contents)
                continue
            try:
                results.append(self._resolve_loaded(copy.deepcopy(contents), env))
            except Exception as exc:  # one item's failure never ends the batch
                results.append(failure(type(exc).__name__, exc))
        return {"ok": True, "results": results}

    def _resolve_loaded(self, contents: Any, env: dict[str, str]) -> dict[str, Any]:
        """``resolve`` after ``yaml.safe_load``: the same steps on a loaded document."""
        os.environ.clear()
        os.environ.update(env)
        config = self._replace_env_vars(contents)
        valid, validation_error = self._validate(contents, config)
        return {
            "ok": True,
            "config": encode(config),
            "valid": valid,
            "validation_error": validation_error,
        }

    def placeholders(self, strings: list[str], env: dict[str, str]) -> dict[str, Any]:
        """Answer one placeholders request (without its id)."""
        pattern = placeholder_pattern(self._replace_env_vars)
        os.environ.clear()
        os.environ.update(env)
        results = []
        for text in strings:
            matches = [
                [m.start(), m.end(), m.group(1), m.group(2), m.group(3)]
                for m in pattern.finditer(text)
            ]
            try:
                replaced = {"ok": True, "value": encode(self._replace_env_vars(text))}
            except Exception as exc:
                replaced = {**failure(type(exc).__name__, exc), "var_name": _var_name(exc)}
            results.append({"matches": matches, "replaced": replaced})
        return {"ok": True, "pattern": pattern.pattern, "results": results}

    def _validate(self, contents: Any, config: Any) -> tuple[bool, str | None]:
        # cast_image_name_to_string changes its argument: validate a copy so
        # that the reported config is exactly what replace_env_vars returned.
        try:
            if isinstance(contents, dict) and (cfg := contents.get("logging_config")):
                self._logging_config(**cfg)
            self._run_config(**self._cast_image_name(copy.deepcopy(config)))
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, None


def failure(error_type: str, exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "error_type": error_type, "error": str(exc)}


def _var_name(exc: BaseException) -> str | None:
    name = getattr(exc, "var_name", None)
    return name if isinstance(name, str) else None


def placeholder_pattern(function: Any) -> re.Pattern[str]:
    """The ``${env...}`` pattern literal in ``function``'s code (one, or an error)."""
    found = [
        const
        for const in function.__code__.co_consts
        if isinstance(const, str) and const.startswith("\\$") and "env" in const
    ]
    if len(found) != 1:
        raise RuntimeError(f"expected one placeholder pattern in {function.__qualname__}: {found}")
    return re.compile(found[0])


def parse_placeholders_request(request: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Return strings and env of a placeholders request, or raise ValueError."""
    strings = request.get("strings")
    env = request.get("env", {})
    if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        raise ValueError("'strings' must be a list of strings")
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValueError("'env' must be an object of strings")
    return strings, env


def parse_batch_request(request: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Return the (yaml text, env) items of a resolve_batch request, or raise ValueError."""
    items = request.get("items")
    if not isinstance(items, list):
        raise ValueError("'items' must be a list")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("each item must be an object")
        text = item.get("yaml")
        env = item.get("env", {})
        if not isinstance(text, str):
            raise ValueError("'yaml' must be a string")
        if not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items()
        ):
            raise ValueError("'env' must be an object of strings")
        parsed.append((text, env))
    return parsed


def parse_request(line: bytes) -> tuple[Any, str, dict[str, str]]:
    """Return id, yaml text and env of a request line, or raise ValueError."""
    request = json.loads(line)
    if not isinstance(request, dict):
        raise ValueError("a request must be a JSON object")
    request_id = request.get("id")
    text = request.get("yaml")
    env = request.get("env", {})
    if not isinstance(text, str):
        raise ValueError("'yaml' must be a string")
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValueError("'env' must be an object of strings")
    return request_id, text, env


def answer(resolver: Resolver, line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError as exc:
        return {"id": None, **failure("BadRequest", exc)}
    if isinstance(request, dict) and request.get("kind") == "placeholders":
        try:
            strings, env = parse_placeholders_request(request)
        except ValueError as exc:
            return {"id": request.get("id"), **failure("BadRequest", exc)}
        try:
            response = resolver.placeholders(strings, env)
        except Exception as exc:  # one request's failure never ends the worker
            response = failure(type(exc).__name__, exc)
        return {"id": request.get("id"), **response}
    if isinstance(request, dict) and request.get("kind") == "resolve_batch":
        try:
            items = parse_batch_request(request)
        except ValueError as exc:
            return {"id": request.get("id"), **failure("BadRequest", exc)}
        try:
            response = resolver.resolve_batch(items)
        except Exception as exc:  # one request's failure never ends the worker
            response = failure(type(exc).__name__, exc)
        return {"id": request.get("id"), **response}
    try:
        request_id, text, env = parse_request(line)
    except ValueError as exc:
        return {"id": None, **failure("BadRequest", exc)}
    try:
        response = resolver.resolve(text, env)
    except Exception as exc:  # one request's failure never ends the worker
        response = failure(type(exc).__name__, exc)
    return {"id": request_id, **response}


def send(out: BinaryIO, message: dict[str, Any]) -> None:
    try:
        data = json.dumps(message, allow_nan=True)
    except (TypeError, ValueError) as exc:
        data = json.dumps({"id": message.get("id"), **failure("EncodeError", exc)}, allow_nan=True)
    out.write(data.encode("utf-8") + b"\n")
    out.flush()


def main() -> int:
    # Llama Stack logs through rich to sys.stdout: keep the protocol channel
    # private and send everything else written to stdout to stderr.
    protocol = io.FileIO(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    try:
        resolver = Resolver()
        from importlib import metadata

        version = metadata.version("llama-stack")
    except Exception as exc:
        send(protocol, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    python = ".".join(str(part) for part in sys.version_info[:3])
    send(protocol, {"ready": True, "llama_stack": version, "python": python})

    for line in sys.stdin.buffer:
        if line.strip():
            send(protocol, answer(resolver, line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
