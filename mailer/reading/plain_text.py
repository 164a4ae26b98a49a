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


def unquoted_rows(text: str, delimiter: str) -> Iterator[Line]:
    """A text without quotes split as `stray_quotes` would split it (each record one line,
    a runaway cell rejects its row), minus what only quotes need (`iter_rows` lifts the
    field limit). The lines are split a part of the text at a time (`_PART_CHARS`, cut
    after a line break): a large log is never held as lines, only as its text."""
    if any(mark in text for mark in _OTHER_BREAKS):
        return _rows_of(list(physical_lines(text)), delimiter, 1)
    return itertools.chain.from_iterable(_parts(text, delimiter))


_PART_CHARS = 1 << 20
"""About how much text is split into lines at a time (a megabyte: some 10,000 rows)."""


def _parts(text: str, delimiter: str) -> Iterator[Iterator[Line]]:
    """The rows of `text`, numbered from 1, each part's as one iterator."""
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start + _PART_CHARS) + 1 or len(text)
        lines = text[start:end].splitlines(keepends=True)  # as `physical_lines` breaks them
        yield _rows_of(lines, delimiter, number)
        start, number = end, number + len(lines)


def _rows_of(lines: list[str], delimiter: str, number: int) -> Iterator[Line]:
    """`lines` (whole ones, without quotes) as rows numbered from `number`: each line is one
    row, so a cell too long for a spreadsheet is on a line as long."""
    rows = cast("Iterator[list[Cell]]", csv.reader(lines, delimiter=delimiter))
    if max(map(len, lines), default=0) <= MAX_CELL_CHARS:
        # No line is long enough to hold a runaway cell: each row as it is split.
        return map(Line, itertools.count(number), rows)
    return (
        checked_line(line, 1, ran_out=False)
        if line.cells and max(map(len, cast("list[str]", line.cells))) > MAX_CELL_CHARS
        else line
        for line in map(Line, itertools.count(number), rows)
    )


# Line breaks str.splitlines knows but a CSV reader does not (it breaks on \r and \n only).
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def physical_lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, broken where a CSV reader breaks them (`\r\n`,
    `\n`, `\r`). Without the rarer breaks `str.splitlines` also knows, it is used: it costs
    a fraction of the memory of a `StringIO`, which holds four bytes a character."""
    if any(mark in text for mark in _OTHER_BREAKS):
        return iter(io.StringIO(text, newline=""))
    return iter(text.splitlines(keepends=True))
