"""A CSV text without a quote split into numbered lines, a part of the text at a time: with
no quote, no cell spans lines, so each line is one row and a long cell a long line
(`stray_quotes.iter_rows` reads every text through here or its own careful reading).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from typing import cast

from mailer.reading.lines import MAX_CELL_CHARS, Cell, Line, checked_line


def unquoted_rows(text: str, delimiter: str) -> PlainRows:
    """A text without quotes split as `stray_quotes` would split it (each record one line,
    a runaway cell rejects its row). The lines are split a part of the text at a time
    (`_PART_CHARS`, cut after a line break): a large log is never held as lines, only as
    its text."""
    return PlainRows(text, delimiter)


class PlainRows:
    """The rows of a quote-free text, as `Line`s, or (`pairs`) as each row's number and
    cells, or (`lines`) as each row's number and line, for the reader to split, without a
    `Line` a row: a row whose cell is too long for a spreadsheet then has its problem in
    `problems`, under its number, until it is read."""

    def __init__(self, text: str, delimiter: str) -> None:
        self.problems: dict[int, str] = {}
        """The problem of each row split but not read yet that has one (rare: a row with a
        runaway cell), by row number."""
        self.delimiter = delimiter
        if any(mark in text for mark in _OTHER_BREAKS):
            ended = physical_lines(text)
            parts: Iterator[list[str]] = iter([list(map(str.rstrip, ended, _ENDINGS))])
        else:
            parts = _parts(text)
        self._rows = itertools.chain.from_iterable(self._numbered(parts, delimiter))

    def __iter__(self) -> PlainRows:
        return self

    def __next__(self) -> Line:
        number, row = next(self._rows)
        problem = self.problems.pop(number, "") if self.problems else ""
        return Line(number, self._cells(row), problem)

    def pairs(self) -> Iterator[tuple[int, list[Cell]]]:
        """The rows not read yet, each as its number and cells (see `problems`)."""
        return ((number, self._cells(row)) for number, row in self._rows)

    def lines(self) -> Iterator[tuple[int, list[Cell] | str]]:
        """The rows not read yet, each as its number and its line without its ending, for
        the reader to split at `delimiter` as `pairs` splits it (the csv module's cells: a
        blank line has none); a part's with a line too long for one cell as their cells,
        each checked (see `problems`)."""
        return self._rows

    def _cells(self, row: list[Cell] | str) -> list[Cell]:
        """A row's cells: a line split as the csv module splits a line without a quote, at
        each delimiter (it reads each character through its quoting rules), or no cell for
        a blank line."""
        if isinstance(row, str):
            return row.split(self.delimiter) if row else []  # type: ignore[return-value]
        return row

    def _numbered(
        self, parts: Iterator[list[str]], delimiter: str
    ) -> Iterator[Iterator[tuple[int, list[Cell] | str]]]:
        """Each part's rows (its lines without their endings), numbered on from 1 (each
        line is one row, so a cell too long for a spreadsheet is on a line as long)."""
        number = 1
        for lines in parts:
            if max(map(len, lines), default=0) <= MAX_CELL_CHARS:
                # No line is long enough to hold a runaway cell: each line as it is, to be
                # split when it is read.
                yield zip(itertools.count(number), lines)
            else:
                yield self._checked(lines, delimiter, number)
            number += len(lines)

    def _checked(
        self, lines: list[str], delimiter: str, number: int
    ) -> Iterator[tuple[int, list[Cell]]]:
        """The rows of a part with a line too long for one cell, each checked as it comes
        (`checked_line`); split with the csv module's field limit lifted for the part."""
        old_limit = csv.field_size_limit(max(max(map(len, lines)) + 1, csv.field_size_limit()))
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        finally:
            csv.field_size_limit(old_limit)
        for line in map(Line, itertools.count(number), cast("list[list[Cell]]", rows)):
            if line.cells and max(map(len, cast("list[str]", line.cells))) > MAX_CELL_CHARS:
                line = checked_line(line, 1, ran_out=False)
                self.problems[line.number] = line.problem
            yield line.number, line.cells


_ENDINGS = itertools.repeat("\r\n")
"""What `str.rstrip` takes off each line: its ending (a line has one at most)."""

_PART_CHARS = 1 << 20
"""About how much text is split into lines at a time (a megabyte: some 10,000 rows)."""


def _parts(text: str) -> Iterator[list[str]]:
    """The lines of `text` without their endings, a part at a time (broken where
    `physical_lines` breaks them: the text has none of the rarer breaks)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _PART_CHARS) + 1 or len(text)
        part = text[start:end]
        if "\r" in part:
            yield part.splitlines()
        else:  # only "\n" breaks it: split there, as `splitlines` would (for less)
            lines = part.split("\n")
            if part[-1] == "\n":
                lines.pop()  # no line after the last ending
            yield lines
        start = end


# Line breaks str.splitlines knows but a CSV reader does not (it breaks on \r and \n only).
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def physical_lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, broken where a CSV reader breaks them (`\r\n`,
    `\n`, `\r`). Without the rarer breaks `str.splitlines` also knows, it is used: it costs
    a fraction of the memory of a `StringIO`, which holds four bytes a character."""
    if any(mark in text for mark in _OTHER_BREAKS):
        return iter(io.StringIO(text, newline=""))
    return iter(text.splitlines(keepends=True))
