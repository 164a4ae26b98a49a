"""Reading call logs: CSV/TSV exports and .xlsx sheets into `CallRecord`s.

Forgiving and loud. Headers match through aliases, and every non-blank data row ends up either
as a record or as a rejection naming its row and the reason; surprises that don't cost the row
(a padded ZIP, a bad birthday, a stray header space) become notices. Whole-file problems
(missing file, no header, no outcome column) raise `InputError` with a hint.

Opening files (encodings, delimiters, workbooks) is `source_files`; the alias tables and
value normalizers are `fields`. Choices worth knowing:
- `row` is the row number a spreadsheet shows (header = 1); blank rows count in the numbering
  but are not data rows.
- A missing call date means the call was made `today`, taken at 00:00, so that any call with a
  time on the same day counts as later.
- A birthday or callback date that can't be read is dropped with a notice: the call is still
  worth planning. A call date that can't be read rejects the row: the plan depends on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path

from mailer.domain.datetext import (
    DateOrder,
    Zone,
    old_calls_warning,
    parse_date,
    parse_datetime,
)
from mailer.domain.models import (
    CallLog,
    CallRecord,
    Notice,
    Outcome,
    Rejection,
    read_call_record,
)
from mailer.errors import UsageError
from mailer.reading.call_sheets import SheetRows
from mailer.reading.collector import collector_paused
from mailer.reading.fields import (
    COLUMN_ALIASES,
    OUTCOME_ALIASES,
    normalize_country,
    pad_zip,
    parse_outcome,
    split_name,
)
from mailer.reading.header import Header as _Header
from mailer.reading.header import HeaderReader
from mailer.reading.misreads import RowOutcome, decide_outcome, one_spelling_per_id
from mailer.reading.people import People
from mailer.reading.plain_text import PlainRows
from mailer.reading.quick_rows import QuickRows, quick_rows
from mailer.reading.row_dates import RowDates
from mailer.reading.row_fields import RowFields
from mailer.reading.source_files import Cell, Line, as_text, parse_delimiter, stream_lines
from mailer.reading.sources import GOOGLE_VOICE, Preset, SourceMapping, is_footer, load_presets

__all__ = [
    "COLUMN_ALIASES",
    "OUTCOME_ALIASES",
    "normalize_country",
    "pad_zip",
    "parse_date",
    "parse_datetime",
    "parse_outcome",
    "read_call_logs",
    "split_name",
]

_EXPECTED_OUTCOMES = ", ".join(o.value for o in Outcome)


def read_call_logs(
    paths: Sequence[Path],
    today: date,
    *,
    delimiter: str | None = None,
    date_order: DateOrder = "mdy",
    zone: Zone = None,
    max_age_days: int | None = None,
    sheet: str | None = None,
    mapping: SourceMapping | None = None,
) -> CallLog:
    """Read every call log in `paths` (CSV, TSV or .xlsx) into one `CallLog`.

    Call times written with a zone are read in `zone` (None: the machine's own, see
    `datetext.parse_call_moment`); with `max_age_days`, a file holding calls older than that
    gets one notice (`[calls]` in mailer.toml). `sheet` picks a workbook's sheet by name or
    1-based number (see `source_files.read_lines`, whose lines come one at a time here).

    Raises `InputError` when a file can't be used at all, `UsageError` for a bad
    `delimiter`, `date_order` or `sheet`.

    `mapping` is how columns and words are read: a preset by name (else the one the header
    matches, see `sources.detect_preset`) and the seller's `[columns]` and `[outcomes]`. A
    folder is read as a Google Voice Takeout (`sources.takeout_lines`).
    """
    if date_order not in ("mdy", "dmy"):
        raise UsageError(f"unknown date order {date_order!r}", hint="use 'mdy' or 'dmy'")
    with collector_paused():  # no cycles made: see `collector`
        return _read_logs(paths, today, delimiter, date_order, zone, max_age_days, sheet, mapping)


def _read_logs(
    paths: Sequence[Path],
    today: date,
    delimiter: str | None,
    date_order: DateOrder,
    zone: Zone,
    max_age_days: int | None,
    sheet: str | None,
    mapping: SourceMapping | None,
) -> CallLog:
    """`read_call_logs`, with the collector held off."""
    mapping = mapping or SourceMapping()
    forced = mapping.forced()
    chosen = parse_delimiter(delimiter) if delimiter is not None else None
    records: list[CallRecord] = []
    rejections: list[Rejection] = []
    notices: list[Notice] = []
    columns: dict[str, tuple[str, ...]] = {}
    skipped: list[Rejection] = []
    rows = 0
    for path in paths:
        file = str(path)
        folder = Path(path) if Path(path).is_dir() else None
        preset = forced
        lines: Iterable[Line]
        if folder is not None:
            # Imported here: its HTML reader costs a file's first read about 10 ms of CPU.
            from mailer.reading.takeout import takeout_folder, takeout_lines

            lines = takeout_lines(takeout_folder(folder) or folder, file)
            preset = forced or load_presets()[GOOGLE_VOICE]
        else:
            lines = stream_lines(Path(path), file, chosen, notices, sheet)
        # The file's own notices follow those its lines give (a stray quote's, said once
        # the last line is split), as when the lines were all split first.
        said: list[Notice] = []
        reader = _SheetReader(file, today, date_order, said, zone)
        reader.mapping, reader.preset, reader.forced = mapping, preset, preset is not None
        reader.how = mapping.how_chosen(folder is not None)
        header = reader.read(lines)
        notices.extend(said)
        if max_age_days is not None and (old := _old_calls(reader.records, today, max_age_days)):
            notices.append(Notice(file, None, old))
        columns[file] = header
        records.extend(reader.records)
        rejections.extend(reader.rejections)
        skipped.extend(reader.sheet.skipped)
        rows += reader.rows
    records = one_spelling_per_id(records, notices)
    return CallLog(
        records=tuple(records),
        rejections=tuple(rejections),
        notices=tuple(notices),
        rows=rows,
        columns=columns,
        skipped=tuple(skipped),
    )


_CALLED_AT = attrgetter("called_at")


def _old_calls(records: Sequence[CallRecord], today: date, max_age_days: int) -> str | None:
    """`old_calls_warning` of the records' call days. Asked first of each distinct moment
    (a log's rows of one minute share one), and of every call only when some are old: the
    answer is the oldest day's until the warning counts calls. (The reader's moments are
    naive, in the calls' zone: equal moments are one day.)"""
    distinct = set(map(_CALLED_AT, records))
    if old_calls_warning(list(map(datetime.date, distinct)), today, max_age_days) is None:
        return None
    days = list(map(datetime.date, map(_CALLED_AT, records)))
    return old_calls_warning(days, today, max_age_days)


_NO_EXTRAS: dict[str, str] = {}
"""The extras of every record of a file that has none: one read-only mapping, not one a row."""
_NO_PROBLEMS: dict[int, str] = {}
"""The problems of lines that carry their own (`Line.problem`): none kept apart."""

_DECIDED_KEPT = 4096
"""How many distinct outcome cells a file's reader remembers the decision for."""


def _noting(file: str, notices: list[Notice]) -> Callable[[int | None, str], None]:
    """A row's notice of `file` added to `notices`."""
    return lambda row, message: notices.append(Notice(file, row, message))


class _RowProblem(Exception):
    """A row can't become a record; the message is the rejection's reason."""


class _SheetReader:
    """Turns the lines of one file into records, rejections and notices."""

    def __init__(
        self, file: str, today: date, order: DateOrder, notices: list[Notice], zone: Zone = None
    ) -> None:
        self.file = file
        self.zone = zone
        self.today = today
        self.order = order
        self.notices = notices
        self.records: list[CallRecord] = []
        self.rejections: list[Rejection] = []
        self.sheet = SheetRows(file)  # mailer's own call sheet: rows not called yet
        self.rows = 0
        self.mapping = SourceMapping()
        self.preset: Preset | None = None
        self.forced = False
        self.how = ""
        self.footers = 0
        self._decided: dict[tuple[str, ...], RowOutcome] = {}
        # The dates' notices go to the list straight, not through `self.note`: a bound
        # method kept there would tie this reader and its memories in a cycle, kept after
        # the read until the collector next looks, and the peak memory with them.
        self._dates = RowDates(today, order, zone, _noting(file, notices))
        self._people = People()
        self._known = self._people.known
        self.day_first = order == "dmy"

    def note(self, row: int | None, message: str) -> None:
        self.notices.append(Notice(self.file, row, message))

    def read(self, lines: Iterable[Line]) -> tuple[str, ...]:
        """Read every line; returns the header's original cells. Each line is read as it
        comes and let go once it is a record or a rejection, so a large log is never held
        as lines."""
        reader = HeaderReader(self.file, self.today, self.mapping, self.preset, self.forced)
        reader.how, reader.note = self.how, self.note
        header, pending = reader.read(lines)
        self.preset = reader.preset  # detected from the header line
        self.sheet.use(self.preset, header.map, self.rejections)
        columns = RowFields(header, self.preset)
        quick = self._quick(header, columns)
        rest = reader.rest()
        # A quote-free text's rows after its top lines: numbers and cells, no `Line` a row.
        plain = rest if isinstance(rest, PlainRows) and quick is not None else None
        lines = reader.head() if plain is not None else pending
        self._header, self._columns = header, columns
        if quick is None:
            for line in lines:
                if line.number > header.number:
                    self._line(line, header, columns)
        else:
            # (Each sum after the call: the rows read the full way count themselves.)
            made = quick(self._unread(lines), self._full_line, _NO_PROBLEMS, "")
            if plain is not None:
                self._plain_problems = plain.problems
                made += quick(plain.lines(), self._full_pair, plain.problems, plain.delimiter)
            self.rows += made
        if self.footers:
            noun = "line" if self.footers == 1 else "lines"
            self.note(None, f"{self.footers} footer {noun} after the data skipped")
        self.notices += [Notice(self.file, None, m) for m in self.sheet.said(header.names)]
        return header.names

    def _unread(self, lines: Iterable[Line]) -> Iterator[tuple[int, list[Cell]]]:
        """The number and cells of each line after the header that may be made the quick
        way; a line that can't (its problem rejects it) read the full way in its turn."""
        after = self._header.number
        for line in lines:
            if line.number <= after:
                continue
            if line.problem:
                self._line(line, self._header, self._columns)
                continue
            self._current = line
            yield line.number, line.cells

    def _full_line(self, _number: int, _cells: list[Cell]) -> None:
        """The full reading of the line `_unread` gave last."""
        self._line(self._current, self._header, self._columns)

    def _full_pair(self, number: int, cells: list[Cell]) -> None:
        """The full reading of a quote-free text's row (with its problem, if it has one)."""
        problem = self._plain_problems.pop(number, "") if self._plain_problems else ""
        self._line(Line(number, cells, problem), self._header, self._columns)

    def _line(self, line: Line, header: _Header, columns: RowFields) -> None:
        """A line not made the quick way: a record, a rejection, or none (blank, footer)."""
        # Each cell's text (`as_text`), once per row; text cells without a call.
        try:
            texts = list(map(str.strip, line.cells))  # type: ignore[arg-type]
        except TypeError:  # a workbook's date cell
            texts = [c.strip() if isinstance(c, str) else as_text(c) for c in line.cells]
        if not line.problem and not any(texts):
            return  # a blank line (`Line.is_blank`)
        if not line.problem and not any(texts[1:]) and is_footer(texts, self.preset):
            self.footers += 1  # "Grand Totals (8 records)", "Confidential Information"
            return
        self.rows += 1
        if self.sheet.skips(line, texts):
            return  # a call sheet's call not made yet: skipped, not rejected
        try:
            self.records.append(self._record(line, texts, header, columns))
        except _RowProblem as exc:
            self._reject(line, header, str(exc))
        except (ValueError, OverflowError, UnicodeError) as exc:
            self._reject(line, header, f"this row can't be read: {exc}")

    def _quick(self, header: _Header, columns: RowFields) -> QuickRows | None:
        """The quick reading of this file's plain rows (`quick_rows`), from this reader's
        memories of its cells; None when every row must be read in full."""
        sheet = self.sheet.parts or (self.preset is not None and self.preset.unfilled)
        blanks = self.preset is not None and self.preset.blanks
        return quick_rows(
            self.file,
            len(header.names),
            columns,
            self.records,
            plain=not (header.extras or sheet or blanks),
            day_first=self.day_first,
            decided=self._decided,
            moments=self._dates.moments,
            read_moment=self._dates.reader(header.index, header.date_columns),
            known=self._known,
            read_person=self._people.reader(columns.person),
            no_extras=_NO_EXTRAS,
        )

    def _reject(self, line: Line, header: _Header, error: str) -> None:
        values = {
            name: as_text(line.cells[i]) if i < len(line.cells) else ""
            for i, name in enumerate(header.names)
        }
        for i in range(len(header.names), len(line.cells)):
            values[f"(column {i + 1})"] = as_text(line.cells[i])
        self.rejections.append(Rejection(self.file, line.number, error, values))

    # A row -----------------------------------------------------------------------------

    def _record(
        self, line: Line, texts: list[str], header: _Header, columns: RowFields
    ) -> CallRecord:
        if line.problem:
            raise _RowProblem(line.problem)
        cells, row = line.cells, line.number
        if len(cells) != len(header.names):
            self._check_width(line, len(header.names))
        problems: list[str] = []
        # The outcome: the words of the outcome columns, each distinct one decided once.
        i = columns.outcome
        words = (texts[i],) if i is not None and i < len(texts) else self._words(texts, header)
        decided = self._decided.get(words) or self._decide(words, header)
        if decided.note:
            self.note(row, decided.note)
        if decided.outcome is None:
            problems.append(f"{decided.problem}; expected one of: {_EXPECTED_OUTCOMES}")
        # The call's moment: a workbook's typed date as it is, each distinct text read once.
        called_text = columns.called_at(texts)
        i = columns.called_cell
        called_cell = cells[i] if called_text and i is not None and i < len(cells) else called_text
        called_cell = self.sheet.dated(called_cell, texts, row)  # a call sheet's planned day
        dates = self._dates
        called_at = dates.called_at(called_cell, header.index, header.date_columns, row, problems)
        # Who: each distinct set of person cells read once (`People`), said again each row.
        key = columns.person_key(texts)
        person = self._known.get(key)
        if person is None:
            said: list[str] = []
            try:
                person = self._people.person(key, columns.person, said)
            finally:
                for message in said:
                    self.note(row, message)
        else:
            for message in person.notices:
                self.note(row, message)
        if not person.contact_id:
            problems.append(
                "no way to identify the contact: give a contact_id, phone, email, "
                "or a name and postal code"
            )
        if problems or decided.outcome is None or called_at is None:
            raise _RowProblem("; ".join(problems))
        extra: dict[str, str] = {} if header.extras else _NO_EXTRAS
        for i, keys in header.extras:
            value = texts[i] if i < len(texts) else ""
            for name in keys:
                extra[name] = value
        birthday = callback = None
        if columns.dated:
            birthday = self._dates.optional(
                columns.cell(cells, columns.birthday(texts), "birthday"), "birthday", row
            )
            callback = self._dates.optional(
                columns.cell(cells, columns.callback_on(texts), "callback_on"),
                "callback date",
                row,
            )
        return read_call_record(
            self.file,
            row,
            person.contact_id,
            decided.outcome,
            called_at,
            person.first_name,
            person.last_name,
            person.phone,
            person.email,
            person.address,
            birthday,
            callback,
            columns.notes(texts),
            extra,
            not isinstance(called_cell, datetime) and not called_cell.strip(),
            self.day_first,
        )

    def _check_width(self, line: Line, width: int) -> None:
        cells = line.cells
        if len(cells) > width and any(as_text(c) for c in cells[width:]):
            last = max(i for i, c in enumerate(cells) if as_text(c)) + 1
            raise _RowProblem(f"row has {last} cells but the header has {width}")
        if line.strict_width and len(cells) < width:
            raise _RowProblem(f"truncated row: {len(cells)} of {width} columns")

    def _words(self, texts: Sequence[str], header: _Header) -> tuple[str, ...]:
        return tuple(texts[i] if i < len(texts) else "" for i in header.map.outcomes)

    def _decide(self, words: tuple[str, ...], header: _Header) -> RowOutcome:
        """The outcome of a row's outcome-column words (`sources.decide_outcome`): the most
        trusted column decides, an opt-out in any of them wins, a disagreement is noted. A
        log repeats its few outcome words: each is decided once."""
        said = [
            (header.names[i].strip(), w) for i, w in zip(header.map.outcomes, words, strict=True)
        ]
        decided = decide_outcome(said, header.words)
        if len(self._decided) < _DECIDED_KEPT:
            self._decided[words] = decided
        return decided
