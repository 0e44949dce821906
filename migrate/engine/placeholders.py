"""The ``${env...}`` placeholder language of Llama Stack 0.3.3.

This module owns parsing run.yaml strings into literal text and placeholders,
evaluating one placeholder the way ``llama_stack.core.stack.replace_env_vars``
does, the type conversion the server applies to a substituted string, and the
recognition of the pre-0.2.13 dialect that 0.3.3 leaves as literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal as TypingLiteral

# The exact pattern of Llama Stack 0.3.3: upper-case names only, one pass.
PATTERN = re.compile(r"\$\{env\.([A-Z0-9_]+)(?::([=+])([^}]*))?}")

# The older dialect (0.2.12 and before): ``${env.X:default}`` and ``${env.X+value}``.
# Under 0.3.3 these are not matched and stay in the configuration as text.
LEGACY_PATTERN = re.compile(r"\$\{env\.([A-Za-z0-9_]+)(?::([^=+}][^}]*)?|\+([^}]*))}")

Operator = TypingLiteral["=", "+"] | None


@dataclass(frozen=True)
class Placeholder:
    """One ``${env.NAME[:=|:+]arg}`` occurrence."""

    name: str
    operator: Operator
    argument: str
    text: str


Token = str | Placeholder


class RequiredUnset(Exception):
    """``${env.NAME}`` with NAME unset or empty: Llama Stack refuses to start."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class UnknownHome(Exception):
    """A value starting with ``~`` needs the container's home directory, which is unknown."""


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into literal runs and placeholders, in order; literals are never empty."""
    if "${env." not in text:  # every placeholder starts so (PATTERN)
        return [text] if text else []
    tokens: list[Token] = []
    position = 0
    for match in PATTERN.finditer(text):
        if match.start() > position:
            tokens.append(text[position : match.start()])
        operator = match.group(2)
        tokens.append(
            Placeholder(
                name=match.group(1),
                operator="=" if operator == "=" else "+" if operator == "+" else None,
                argument=match.group(3) or "",
                text=match.group(0),
            )
        )
        position = match.end()
    if position < len(text):
        tokens.append(text[position:])
    return tokens


def placeholders(text: str) -> list[Placeholder]:
    """The placeholders of ``text`` in order."""
    if "${env." not in text:
        return []
    return [token for token in tokenize(text) if isinstance(token, Placeholder)]


def legacy_placeholders(text: str) -> list[str]:
    """Old-dialect placeholders in ``text`` that 0.3.3 leaves as literal text."""
    current = [(m.start(), m.end()) for m in PATTERN.finditer(text)]
    return [
        m.group(0)
        for m in LEGACY_PATTERN.finditer(text)
        if not any(start < m.end() and m.start() < end for start, end in current)
    ]


def expand_user(value: str, home: str | None) -> str:
    """``os.path.expanduser`` for a container whose HOME is ``home``.

    Only ``~`` and ``~/...`` can be expanded offline; ``~user`` needs the
    container's password database. ``home`` None means HOME is unknown.
    """
    if not value.startswith("~"):
        return value
    slash = value.find("/", 1)
    end = len(value) if slash < 0 else slash
    if end != 1 or home is None:
        raise UnknownHome(value)
    return (home.rstrip("/") + value[end:]) or "/"


def substitute(placeholder: Placeholder, env_value: str | None, home: str | None) -> str:
    """The text Llama Stack 0.3.3 puts in place of ``placeholder``.

    ``env_value`` None means the variable is not in the environment; an empty
    value counts as unset, as in the server.
    """
    if placeholder.operator == "=":
        if env_value:
            value = env_value
        elif placeholder.argument == "":
            return ""
        else:
            value = placeholder.argument
    elif placeholder.operator == "+":
        if env_value:
            if not placeholder.argument:
                return ""
            value = placeholder.argument
        else:
            value = ""
    else:
        if not env_value:
            raise RequiredUnset(placeholder.name)
        value = env_value
    return expand_user(value, home)


def convert(text: str) -> object:
    """The type conversion applied to a string whose substitution changed it."""
    if text == "":
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    return text


def evaluate(text: str, env: dict[str, str], home: str | None) -> object:
    """Resolve one run.yaml string completely, as the server does at start-up."""
    result = "".join(
        token if isinstance(token, str) else substitute(token, env.get(token.name), home)
        for token in tokenize(text)
    )
    return convert(result) if result != text else result
