"""Tables that fit the terminal: a compact layout for the plan and the follow-up calls.

A row keeps its short cells (row number, dates, times) on one line, side by side, and puts
the long text (why, what to say) under the row across the whole width, so nothing is cut at
80 columns. The columns that may wrap (a name, a phone) give up width first; dates never do.
Cells are Rich `Text`, never markup: a name from a call log is printed as it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console
from rich.text import Text

from mailer.files import clean_text

GAP = 2
"""Spaces between two columns."""
MIN_FLEX = 8
"""A column that wraps keeps at least this many cells."""


@dataclass(frozen=True)
class Column:
    header: str
    justify: Literal["left", "right"] = "left"
    flex: bool = False
    """May wrap onto more lines when the row is wider than the terminal."""


@dataclass(frozen=True)
class Row:
    cells: Sequence[Text | str]
    notes: Sequence[Text | str] = field(default_factory=tuple)
    """Paragraphs printed under the row, wrapped, from the second column on."""


def widths(columns: Sequence[Column], rows: Sequence[Row], width: int) -> list[int]:
    """Each column's width: its widest cell, the wrapping ones narrowed (widest first) until
    the row fits `width`."""
    found = [Text(c.header).cell_len for c in columns]
    for row in rows:
        for i, cell in enumerate(row.cells):
            found[i] = max(found[i], _text(cell).cell_len)
    flexible = [i for i, c in enumerate(columns) if c.flex]
    while sum(found) + GAP * (len(found) - 1) > width:
        narrowable = [i for i in flexible if found[i] > MIN_FLEX]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: found[i])
        found[widest] -= 1
    return found


def table_lines(
    console: Console, columns: Sequence[Column], rows: Sequence[Row], width: int
) -> list[Text]:
    """The header, a rule, and every row with its notes, as lines no wider than `width`
    (unless even the narrowest layout is wider)."""
    sizes = widths(columns, rows, width)
    total = sum(sizes) + GAP * (len(sizes) - 1)
    header = Row([Text(c.header, style="bold") for c in columns])
    lines = [*_row_lines(console, columns, sizes, header), Text("─" * min(total, width))]
    indent = sizes[0] + GAP if len(sizes) > 1 else 0
    for row in rows:
        lines.extend(_row_lines(console, columns, sizes, row))
        for note in row.notes:
            for line in _text(note).wrap(console, max(width - indent, MIN_FLEX), overflow="fold"):
                line.rstrip()
                lines.append(Text(" " * indent) + line)
    return lines


def print_table(
    console: Console, title: str, columns: Sequence[Column], rows: Sequence[Row]
) -> None:
    """The title and the table, at the console's width."""
    console.print(Text(title, style="bold"))
    for line in table_lines(console, columns, rows, console.width):
        console.print(line, no_wrap=True, crop=False, soft_wrap=True)


def _row_lines(
    console: Console, columns: Sequence[Column], sizes: Sequence[int], row: Row
) -> list[Text]:
    wrapped = [
        _text(cell).wrap(console, size, overflow="fold", no_wrap=not column.flex)
        for cell, column, size in zip(row.cells, columns, sizes, strict=True)
    ]
    height = max(1, *(len(lines) for lines in wrapped))
    out = []
    for n in range(height):
        parts = []
        for lines, column, size in zip(wrapped, columns, sizes, strict=True):
            part = lines[n].copy() if n < len(lines) else Text()
            part.rstrip()
            part.align(column.justify, size)
            parts.append(part)
        line = Text(" " * GAP).join(parts)
        line.rstrip()
        out.append(line)
    return out


def _text(cell: Text | str) -> Text:
    """A cell as Text, with no control character of a call log left in it (`clean_text`:
    these lines bypass the console's own cleaning of strings)."""
    if isinstance(cell, str):
        return Text(clean_text(cell))
    plain = clean_text(cell.plain)
    return cell.copy() if plain == cell.plain else Text(plain, style=cell.style)
