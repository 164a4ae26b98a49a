"""CSV text split into numbered lines, without letting a stray quote swallow rows or one
huge cell shift the row numbers after it (README, "Files mailer refuses, and why").

- A line's `number` is the row number a spreadsheet shows (header = 1): a quoted cell spanning
  several lines is still one row; blank rows count in the numbering.
- What a whole row looks like is learnt from the file's first lines (`_RowShape`: the
  header's width, and the kinds of value each column holds). When a quoted cell runs over
  lines and the next of them looks like a whole row, the quote that opened it was stray: the
  line is read again with that quote kept as text, and the lines after it as they come, with
  a notice naming the rows. In a file that is not valid CSV, a row merely as wide as no row
  should be is read again the same way, kept so only if it then reads as a whole row; valid
  CSV (every quote where quotes belong) is read as the csv module reads it.
- A cell longer than a spreadsheet cell can be (`MAX_CELL_CHARS`) rejects its row, with its
  own number; the rows after it keep theirs.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import cast

from mailer.domain.models import Notice
from mailer.reading.lines import MAX_CELL_CHARS, Cell, Line, checked_line
from mailer.reading.plain_text import physical_lines, unquoted_rows

_SHAPE_SAMPLE_LINES = 2000  # the lines read to learn what a whole row looks like
_MARK = "\ue000"  # stands in for a stray quote while a line is re-read (private use)


def split_rows(text: str, delimiter: str, file: str, notices: list[Notice]) -> list[Line]:
    """Every line of the CSV `text` (named `file` in notices), blank ones included."""
    return list(iter_rows(text, delimiter, file, notices))


def iter_rows(text: str, delimiter: str, file: str, notices: list[Notice]) -> Iterator[Line]:
    """The lines `split_rows` gives, one at a time as each is split, so a large log is never
    held as lines all at once; the stray-quote notices are added once the last line is. A
    text without a quote gives its `PlainRows` (none is stray: each line is a row, as the
    csv module reads it), whose rows can also be read without a `Line` each."""
    if '"' not in text:
        return unquoted_rows(text, delimiter)
    return _quoted_rows(text, delimiter, file, notices)


def _quoted_rows(text: str, delimiter: str, file: str, notices: list[Notice]) -> Iterator[Line]:
    # The csv module refuses a field past its limit (128 KiB) mid-cell and then reads the rest
    # of the cell as rows; cells are measured here instead, so the limit is lifted meanwhile.
    old_limit = csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))
    try:
        # The repair marks stray quotes with a private-use character: not in a file using it.
        shape = None if _MARK in text else _row_shape(text, delimiter)
        yield from _TextReader(text, delimiter, shape, file, notices).lines()
    finally:
        csv.field_size_limit(old_limit)


def _kind(cell: str) -> str:
    """What sort of value a cell holds, coarsely: empty, numeric (ids, phones, dates,
    times), an email, or other text. Rows of one file agree on it column by column."""
    value = cell.strip()
    if not value:
        return ""
    if _NUMERIC.fullmatch(value):
        return "9"
    if "@" in value and " " not in value:
        return "@"
    return "a"


_ANY_KIND = frozenset({"", "9", "@", "a"})
_NUMERIC = re.compile(r"(?=.*\d)[\d\s()+\-./:,]+")


@dataclass(frozen=True)
class _RowShape:
    """What a whole data row of one file looks like: its width, and the kinds of value seen
    in each column. A line that fits it is a row, not a line of some note."""

    width: int
    kinds: tuple[frozenset[str], ...]

    def fits(self, cells: Sequence[str] | None) -> bool:
        if cells is None or len(cells) != self.width:
            return False
        misses = sum(
            1 for cell, seen in zip(cells, self.kinds, strict=True) if _kind(cell) not in seen
        )
        return misses <= self.width // 4  # a column may hold something new now and then


def _row_shape(text: str, delimiter: str) -> _RowShape | None:
    """The shape of the file's rows, learnt from its first lines. The width is the first
    line's (the header's) unless most lines have another when each is read on its own
    (quotes that don't pair up taken as text, so a stray quote can't skew it) and it is
    not one of names (a title line above the header). The kinds
    come from the rows that sit on one line and have that width (the first, the header,
    left out), else from the lines read on their own, else any kind fits. None for a
    one-column file: nothing to tell apart."""
    lines = list(islice(physical_lines(text), _SHAPE_SAMPLE_LINES))
    alone = [_parse_on_its_own(line, delimiter) for line in lines if line.strip()]
    wide = [len(cells) for cells in alone if len(cells) > 1]
    if not wide:
        return None
    header = next(cells for cells in alone if len(cells) > 1)
    widths = Counter(wide)
    width = widths.most_common(1)[0][0]
    if _looks_like_header(header) or widths[wide[0]] * 2 >= widths[width]:
        width = wide[0]  # the header's, unless most lines disagree (a title line above it)
    rows: list[list[str]] = []
    reader = csv.reader(lines, delimiter=delimiter)
    seen = 0
    try:
        for cells in reader:
            if reader.line_num - seen == 1 and len(cells) == width:
                rows.append(cells)
            seen = reader.line_num
    except csv.Error:
        pass
    data = rows[1:] or [cells for cells in alone if len(cells) == width][1:]
    if not data:
        return _RowShape(width, (_ANY_KIND,) * width)
    kinds = tuple(frozenset(_kind(cells[i]) for cells in data) for i in range(width))
    return _RowShape(width, kinds)


def _looks_like_header(cells: list[str]) -> bool:
    """Names in every cell, none twice: a header row, not a report's title line."""
    names = [cell.strip().casefold() for cell in cells]
    return all(_kind(name) == "a" for name in names) and len(set(names)) == len(names)


def _parse_on_its_own(line: str, delimiter: str) -> list[str]:
    """`line` read as a row by itself, its quotes all taken as text if they don't pair up."""
    if line.count('"') % 2 == 0:
        return _parse_alone(line, delimiter)
    body = line.rstrip("\r\n")
    return next(csv.reader([body], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])


def _parse_alone(line: str, delimiter: str) -> list[str]:
    body = line.rstrip("\r\n")
    return next(csv.reader([body], delimiter=delimiter), [])


def _split_literally(line: str, delimiter: str, width: int) -> list[str] | None:
    """`line` read on its own as a row of `width` cells, a stray quote in it kept as text:
    as it stands if that gives `width` cells, else with one of its quotes taken literally,
    else with every quote taken literally; None if nothing does."""
    body = line.rstrip("\r\n")
    plain = _parse_alone(body, delimiter)
    if len(plain) == width and body.count('"') % 2 == 0:
        return plain
    quote = _literal_quote(body, delimiter, width)
    if quote is not None:
        cells = _parse_alone(body[:quote] + _MARK + body[quote + 1 :], delimiter)
        return [cell.replace(_MARK, '"') for cell in cells]
    literal = next(csv.reader([body], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    if len(literal) == width:
        return literal
    return plain if len(plain) == width else None


def _literal_quote(line: str, delimiter: str, width: int) -> int | None:
    """Where the stray quote of `line` is: the last of its quotes that, read as text, leaves
    the line `width` cells when read on its own; None if none does."""
    body = line.rstrip("\r\n")
    quotes = [i for i, ch in enumerate(body) if ch == '"']
    for i in reversed(quotes[-16:]):
        if len(_parse_alone(body[:i] + _MARK + body[i + 1 :], delimiter)) == width:
            return i
    return None


class _PhysicalLines:
    """The text's lines as the csv reader takes them: it remembers the lines of the record
    being read (`taken`, and whether one of them had a stray quote marked, `marked`), and
    takes lines back to be read again."""

    def __init__(self, text: str) -> None:
        self._source = physical_lines(text)
        self._back: list[tuple[str, bool]] = []  # lines given back, the next one last
        self.taken: list[str] = []
        self.marked = False
        self.ran_out = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._back:
            line, marked = self._back.pop()
            self.marked = self.marked or marked
        else:
            line = next(self._source, "")
            if not line:
                self.ran_out = True
                raise StopIteration
        self.taken.append(line)
        return line

    def start_record(self) -> None:
        self.taken.clear()
        self.marked = False

    def give_back(self, first: str, rest: Sequence[str], *, marked: bool) -> None:
        """Read `first` (`marked`: a line with a stray quote marked) and `rest` again."""
        self._back.extend((line, False) for line in reversed(rest))
        self._back.append((first, marked))
        self.ran_out = False

    def look_ahead(self, limit: int) -> Generator[str, None, None]:
        """The lines after the record being read, up to `limit` characters of them, without
        reading them: they are read again, as they were, after the look."""
        pulled: list[tuple[str, bool]] = []
        size = 0
        try:
            while size <= limit:
                if self._back:
                    pulled.append(self._back.pop())
                else:
                    line = next(self._source, "")
                    if not line:
                        return
                    pulled.append((line, False))
                size += len(pulled[-1][0])
                yield pulled[-1][0]
        finally:
            self._back.extend(reversed(pulled))


class _TextReader:
    """Splits the text into numbered lines, undoing what stray quotes and runaway cells do."""

    def __init__(
        self,
        text: str,
        delimiter: str,
        shape: _RowShape | None,
        file: str,
        notices: list[Notice],
    ) -> None:
        self.text = text
        self.delimiter = delimiter
        self.shape = shape
        self.file = file
        self.notices = notices
        self._valid: bool | None = None

    def lines(self) -> Iterator[Line]:
        source = _PhysicalLines(self.text)
        reader = csv.reader(source, delimiter=self.delimiter, quotechar='"')
        number = 1  # the next row's number
        strays: list[tuple[int, int]] = []  # (first row, last row) a stray quote joined
        width = self.shape.width if self.shape is not None else -1
        while True:
            source.start_record()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Line(number, [], problem=f"this row can't be split: {exc}")
                number += 1
                continue
            taken = source.taken
            if (
                len(taken) == 1
                and len(cells) == width
                and not source.marked
                and len(taken[0]) <= MAX_CELL_CHARS
            ):
                # The common case, kept quick: a whole row on its own line.
                yield Line(number, cast("list[Cell]", cells))
                number += 1
                continue
            quote = self._stray_quote(taken, len(cells), source)
            if quote is not None:
                # Read the line again with its stray quote as text, and the lines after it
                # as they come: a row of their own, or a cell that rightly spans lines.
                strays.append((number, number + len(taken) - 1))
                first = taken[0]
                marked = first[:quote] + _MARK + first[quote + 1 :]
                source.give_back(marked, taken[1:], marked=True)
                continue
            if source.marked:
                cells = [cell.replace(_MARK, '"') for cell in cells]
            yield checked_line(Line(number, list(cells)), len(taken), ran_out=source.ran_out)
            number += 1
        self._note_strays(strays)

    def _stray_quote(self, taken: list[str], width: int, source: _PhysicalLines) -> int | None:
        """Where, in the first line of the record just read, a stray quote is: when the record
        spans lines and the next of them looks like a whole row (the quote opened a cell and
        the rows after it fell inside), or when the record is one line as wide as no row
        should be and reads as a whole row with the quote as text; None when the record
        reads as it should."""
        if self.shape is None:
            return None
        first = taken[0]
        if len(taken) > 1:
            return (
                _literal_quote(first, self.delimiter, self.shape.width)
                if (self._swallows_rows(taken))
                else None
            )
        if width == self.shape.width or '"' not in first or self._valid_csv():
            return None
        quote = _literal_quote(first, self.delimiter, self.shape.width)
        if quote is None:
            return None
        marked = first[:quote] + _MARK + first[quote + 1 :]
        return quote if self._reads_well(marked, source) else None

    def _valid_csv(self) -> bool:
        """Whether the whole text is valid CSV (every quote where quotes belong): then a row
        of the wrong width is just that, and is read as the csv module reads it."""
        if self._valid is None:
            try:
                for _ in csv.reader(
                    physical_lines(self.text), delimiter=self.delimiter, strict=True
                ):
                    pass
                self._valid = True
            except csv.Error:
                self._valid = False
        return self._valid

    def _swallows_rows(self, taken: list[str]) -> bool:
        """The record spans lines, and the first after its own looks like a whole row."""
        assert self.shape is not None
        following = next((line for line in taken[1:] if line.strip()), None)
        return following is not None and self.shape.fits(
            _split_literally(following, self.delimiter, self.shape.width)
        )

    def _reads_well(self, marked: str, source: _PhysicalLines) -> bool:
        """Whether `marked` (a line with a stray quote marked) then reads as a whole row: on
        its own line; or, when it opens a cell that spans lines (a note rightly on several
        lines), one that ends before the end of the file, swallows no row, and ends where a
        record of the lines as they stand ends too. Looked at ahead, without reading the
        lines."""
        assert self.shape is not None
        lines = source.look_ahead(2 * MAX_CELL_CHARS)
        used: list[str] = []
        end: list[bool] = []  # holds True once the lines ran out

        def feed() -> Iterator[str]:
            for line in itertools.chain((marked,), lines):
                used.append(line)
                yield line
            end.append(True)

        reader = csv.reader(feed(), delimiter=self.delimiter, quotechar='"')
        try:
            cells = next(reader)
            if len(cells) != self.shape.width:
                return False
            record = list(used)
            if len(record) == 1:
                return True
            if end or self._swallows_rows(record):
                return False
            # Read as they stand, the lines after `marked` must break into records exactly
            # where the cell it opens ends: else that cell ends inside a real one.
            # (unless the record crossing that point is broken itself).
            rest = len(record) - 1
            counted: list[str] = []
            replayed: list[bool] = []  # holds True once the lines ran out

            def replay() -> Iterator[str]:
                for line in itertools.chain(record[1:], lines):
                    counted.append(line)
                    yield line
                replayed.append(True)

            original = csv.reader(replay(), delimiter=self.delimiter, quotechar='"')
            start = 0
            while len(counted) < rest:
                start = len(counted)
                if next(original, None) is None:
                    break
            crossing = counted[start:]
            return len(counted) == rest or (
                len(crossing) > 1 and (bool(replayed) or self._swallows_rows(crossing))
            )
        except csv.Error:
            return False
        finally:
            lines.close()  # hands the lines looked at back

    def _note_strays(self, strays: list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for first, last in strays:
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        for first, last in merged:
            message = (
                'a stray quote (") in this row was kept as text, so its cells stay in their '
                "columns: check the row"
                if first == last
                else f'a stray quote (") would have read rows {first} to {last} as one cell; '
                "they were read as separate rows, the quote kept as text: check these rows"
            )
            self.notices.append(Notice(self.file, first, message))
