"""Text on a terminal of a given width, laid out so that no word is ever cut.

This module owns how the text report fits a terminal. A name, a run.yaml
key, a path or a value is a word here, and words are never split: prose is
wrapped at spaces only, and a word wider than the line gets a line of its
own, moved left as far as it needs. A table is drawn when every column can
hold its longest word; otherwise its rows are stacked under its title (each
row's first cell, then ``header: cell`` for the others, indented). A command is printed on one
line and never wrapped, so that it survives copy and paste (the terminal
may fold it on screen; it stays one line).

It imports rich, so only a run that writes to a terminal loads it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Between two columns of a table drawn without outer edges: padding, a rule, padding.
SEPARATOR = 3

Part = tuple[str, str]
"""A piece of a line and its rich style ("" for none)."""

_WORD = re.compile(r"\S+")


def longest_word(text: str) -> int:
    """The width of the widest word of ``text`` (0 for blank text)."""
    return max((cell_len(word) for word in _WORD.findall(text)), default=0)


def wrap(text: str, width: int, indent: int = 0, hang: int = 2) -> list[tuple[int, int, int]]:
    """Where ``text`` breaks into lines of at most ``width`` cells: per line the
    start and end of its text and its margin.

    The first line starts at ``indent``, the others at ``indent + hang``. Lines
    break at spaces only; a word that does not fit its margin moves left.
    """
    spans = [match.span() for match in _WORD.finditer(text)]
    if not spans:
        return [(0, 0, indent)]
    found: list[tuple[int, int, int]] = []
    start, end = spans[0]
    margin = indent
    for word_start, word_end in spans[1:]:
        if margin + cell_len(text[start:word_end]) <= width:
            end = word_end
        else:
            found.append((start, end, margin))
            start, end, margin = word_start, word_end, indent + hang
    found.append((start, end, margin))
    return [(s, e, max(0, min(m, width - cell_len(text[s:e])))) for s, e, m in found]


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> list[int] | None:
    """The width of each column of a table that fits ``width`` cells without cutting a
    word, or None where none does."""
    columns = list(zip(header, *rows, strict=True))
    least = [max(longest_word(cell) for cell in column) for column in columns]
    most = [max(cell_len(cell) for cell in column) for column in columns]
    room = width - SEPARATOR * (len(columns) - 1)
    if sum(least) > room:
        return None
    widths = list(least)
    spare = room - sum(widths)
    while spare > 0:
        wanting = [i for i, w in enumerate(widths) if w < most[i]]
        if not wanting:
            break
        for i in wanting[:spare]:
            widths[i] += 1
        spare -= len(wanting[:spare])
    return widths


class Screen:
    """A terminal, by its stream; ``width`` fixes its width (else rich finds it)."""

    def __init__(self, stream: IO[str], width: int | None = None) -> None:
        self.console = Console(file=stream, highlight=False, width=width)
        self.width = self.console.width

    def say(self, *parts: Part, indent: int = 0, hang: int = 2) -> None:
        """One line of prose, wrapped at spaces."""
        text = Text.assemble(*parts)
        for start, end, margin in wrap(text.plain, self.width, indent, hang):
            self.console.print(Text(" " * margin) + text[start:end], soft_wrap=True)

    def blank(self) -> None:
        self.console.print()

    def heading(self, title: str, style: str = "bold") -> None:
        """A rule that carries ``title``; above a plain rule where the title is too wide."""
        if cell_len(title) + 2 <= self.width:
            self.console.rule(Text(title, style), align="left")
        else:
            self.say((title, style))
            self.console.rule()

    def command(self, label: Part, command: str) -> None:
        """``label command`` on one line, or the label above the command alone; the
        command is never wrapped."""
        if cell_len(f"{label[0]} {command}") <= self.width:
            self.console.print(Text.assemble(label, " ", command), soft_wrap=True)
        else:
            self.console.print(Text.assemble(label), soft_wrap=True)
            self.console.print(Text(command), soft_wrap=True)

    def table(self, title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table under ``title`` where it fits the width, else its rows stacked."""
        widths = column_widths(header, rows, self.width)
        if widths is None:
            self.say((f"{title}:", "italic"))
            for row in rows:
                self.say((row[0], "bold"), indent=2)
                for name, cell in zip(header[1:], row[1:], strict=True):
                    self.say((f"{name}: ", "dim"), (cell, ""), indent=4)
            return
        self.say((title, "italic"))
        grid = Table(show_edge=False, pad_edge=False)
        for name, column_width in zip(header, widths, strict=True):
            grid.add_column(name, width=column_width, overflow="fold")
        for row in rows:
            grid.add_row(*(Text(cell) for cell in row))
        self.console.print(grid)
