"""Kubernetes' ``$(VAR)`` expansion of ``env[].value``, as the kubelet reads it.

This module owns the reading of a value into literal pieces and references
(Kubernetes' ``expansion.Expand``), the names a value references, and the
expansion itself given a lookup. It knows nothing of where values come from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A ``$(NAME)`` reference in a value."""

    name: str


def tokens(value: str) -> tuple[list[str | Ref], bool]:
    """Split ``value`` the way Kubernetes' expansion.Expand reads it.

    Returns the literal pieces and references, and whether a ``$`` is followed
    by a non-ASCII character: kubelets before the fix of kubernetes#136325
    split that character's bytes (and 1.34 then fails to start the container),
    so the result depends on the node's version.
    """
    pieces: list[str | Ref] = []
    non_ascii_after_operator = False
    checkpoint = 0
    cursor = 0
    length = len(value)
    while cursor < length:
        # A '$' as the very last character is never an operator.
        if value[cursor] != "$" or cursor + 1 >= length:
            cursor += 1
            continue
        if checkpoint < cursor:
            pieces.append(value[checkpoint:cursor])
        following = value[cursor + 1]
        if following == "$":
            pieces.append("$")
            cursor += 2
        elif following == "(":
            closer = value.find(")", cursor + 2)
            if closer < 0:
                # Only the "$(" is consumed, so a later "$$" is still an escape.
                pieces.append("$(")
                cursor += 2
            else:
                pieces.append(Ref(value[cursor + 2 : closer]))
                cursor = closer + 1
        else:
            if ord(following) > 0x7F:
                non_ascii_after_operator = True
            pieces.append("$" + following)
            cursor += 2
        checkpoint = cursor
    if checkpoint < length:
        pieces.append(value[checkpoint:])
    return pieces, non_ascii_after_operator


def unique(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` in order, without repeats."""
    return tuple(dict.fromkeys(names))


def references(value: str) -> tuple[str, ...]:
    """Names that ``value`` references with ``$(NAME)``, in order, without repeats."""
    pieces, _ = tokens(value)
    return unique(piece.name for piece in pieces if isinstance(piece, Ref))


def expand(value: str, lookup: Callable[[str], str | None]) -> str:
    """Kubernetes ``$(VAR)`` expansion; ``lookup`` returns None for an undefined name.

    ``$$`` is an escaped ``$``; an undefined reference, a ``$(`` without a
    closing ``)`` and a ``$`` before any other character stay as written.
    Substituted values are not scanned again.
    """
    pieces, _ = tokens(value)
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, Ref):
            found = lookup(piece.name)
            out.append(f"$({piece.name})" if found is None else found)
        else:
            out.append(piece)
    return "".join(out)
