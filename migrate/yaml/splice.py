"""The one splice engine: new text for spans of an old text, located by parser positions.

Both writers that keep a file's untouched bytes (the manifest patcher and the
values writer) say what to write as :class:`Splice` records, offsets into the
original text, and :func:`apply` puts them in. Every byte outside the spliced
spans stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` of the original by ``text`` (an insertion when equal)."""

    start: int
    end: int
    text: str
    # Splices at one offset go deepest first (an item's new lines before its owner's),
    # then in the order given.
    depth: int = 0


class Overlap(ValueError):
    """Two splices claim the same characters of the original."""


def apply(text: str, splices: Iterable[Splice], *, newline: str | None = None) -> str:
    """``text`` with every splice put in; raises :class:`Overlap` when two overlap.

    With ``newline``, a text whose last line has no line break keeps it that
    way: a piece appended at its end starts on a new line (``newline`` first),
    and the line break the result then ends with is dropped. Without it the
    pieces go in as they are.
    """
    ordered = sorted(enumerate(splices), key=lambda p: (p[1].start, p[1].end, -p[1].depth, p[0]))
    out: list[str] = []
    pos = 0
    appended_at_eof = False
    for _, splice in ordered:
        if splice.start < pos:
            raise Overlap(f"splices overlap at offset {splice.start}")
        out.append(text[pos : splice.start])
        piece = splice.text
        if newline is not None and splice.start == len(text) and piece:
            done = "".join(out)
            if done and not done.endswith("\n"):
                piece = newline + piece
            appended_at_eof = True
        out.append(piece)
        pos = splice.end
    out.append(text[pos:])
    result = "".join(out)
    if (
        appended_at_eof
        and newline is not None
        and text
        and not text.endswith("\n")
        and result.endswith(newline)
    ):
        result = result[: -len(newline)]
    return result
