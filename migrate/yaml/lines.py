"""Line arithmetic on YAML text: where each line starts and ends, and which break new lines get.

This module owns the one :class:`Lines` class that both writers of YAML text
(the manifest patcher and the values writer) use to turn parser positions into
offsets and back, and :func:`split_lines`, which cuts a text at YAML's line
breaks as the parser's marks count them.
"""

from __future__ import annotations

import bisect
import functools
import re

# YAML's line breaks; str.splitlines also breaks at \v, \f and \x1c-\x1e, which YAML does not.
_BREAKS = "\r\n\x85\u2028\u2029"
YAML_BREAK = re.compile(f"\r\n|[{_BREAKS}]")
"""A line break as the YAML reader counts it (the ``line`` of its marks)."""
NEWLINE = re.compile("\n")
"""Only ``\\n`` ends a line: see :class:`Lines` for who counts lines this way."""
_LINE = re.compile(f"[^{_BREAKS}]*(?:\r\n|[{_BREAKS}])|[^{_BREAKS}]+$")


def split_lines(text: str) -> list[str]:
    """``text.splitlines(keepends=True)``, broken only at YAML's line breaks (as its marks are)."""
    return _LINE.findall(text)


class Lines:
    """The lines of a text: line numbers from offsets and back, and what each line holds.

    ``breaks`` decides what ends a line. YAML's breaks (the default) make line
    numbers those of the parser's marks, which the values writer reads. The
    manifest patcher counts only ``\\n``: it works from the marks' character
    offsets alone, so either count is consistent there, and counting ``\\n``
    keeps a line holding a Unicode break (in a comment or a quoted scalar)
    whole, as its output always has.

    A text that ends with a break has an empty last line in :attr:`starts`
    (at the text's end); :attr:`count` counts only lines holding a character.
    """

    def __init__(self, text: str, breaks: re.Pattern[str] = YAML_BREAK) -> None:
        self.text = text
        self.breaks = breaks
        self.starts = [0] + [match.end() for match in breaks.finditer(text)]
        self.count = len(self.starts) - (1 if self.starts[-1] == len(text) else 0)

    @functools.cached_property
    def _ends(self) -> list[int]:
        return [match.start() for match in self.breaks.finditer(self.text)] + [len(self.text)]

    # Two rules for the break new lines get, one per writer. They differ only for a
    # text that mixes "\r\n" and "\n", and each writer keeps the bytes it always wrote.

    @functools.cached_property
    def newline(self) -> str:
        """``\\r\\n`` when any line of the text ends with it, else ``\\n`` (values files)."""
        return "\r\n" if "\r\n" in self.text else "\n"

    @functools.cached_property
    def first_newline(self) -> str:
        """The break of the first line that ends in ``\\n``: ``\\r\\n`` or ``\\n`` (manifests)."""
        first = self.text.find("\n")
        return "\r\n" if first > 0 and self.text[first - 1] == "\r" else "\n"

    def line(self, index: int) -> int:
        """The line that holds offset ``index``."""
        return bisect.bisect_right(self.starts, index) - 1

    def col(self, index: int) -> int:
        """The column of offset ``index`` in its line."""
        return index - self.starts[self.line(index)]

    def start(self, line: int) -> int:
        """Where ``line`` starts (the end of the text past the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def after(self, line: int) -> int:
        """Where the line after ``line`` starts: ``line`` ends there with its break."""
        return self.start(line + 1)

    def get(self, line: int) -> str:
        """Line ``line`` with its break ("" past the end)."""
        return self.text[self.start(line) : self.after(line)]

    def __getitem__(self, line: int) -> str:
        """Line ``line`` without its break; ``line`` must be below :attr:`count`."""
        return self.text[self.starts[line] : self._ends[line]]

    def blank(self, line: int) -> bool:
        """Whether ``line`` exists and holds only spaces, tabs or a byte-order mark (and,
        in a text split at "\\n" alone, the "\\r" of its "\\r\\n")."""
        return 0 <= line < self.count and not self[line].strip(" \t\r\ufeff")

    def comment(self, line: int) -> bool:
        """Whether ``line`` exists and holds only a comment."""
        return 0 <= line < self.count and self[line].lstrip(" \t\ufeff").startswith("#")

    def indent(self, line: int) -> int:
        """The spaces that start ``line``."""
        text = self[line]
        return len(text) - len(text.lstrip(" "))
