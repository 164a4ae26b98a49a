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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from mailer.domain.datetext import (
    DateOrder,
    accepted_formats,
    parse_date,
    parse_datetime,
    parse_past_date,
)
from mailer.domain.identity import contact_identity
from mailer.domain.models import Address, CallLog, CallRecord, Notice, Outcome, Rejection
from mailer.domain.slugs import extra_column_key
from mailer.errors import InputError, UsageError
from mailer.reading.fields import (
    COLUMN_ALIASES,
    OUTCOME_ALIASES,
    column_for,
    normalize_country,
    pad_zip,
    parse_outcome,
    split_name,
)
from mailer.reading.source_files import (
    EMPTY_FILE_HINT,
    Cell,
    Line,
    as_text,
    parse_delimiter,
    read_lines,
)

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
_HEADER_SEARCH_ROWS = 10  # title lines above the header that a report export may carry


def read_call_logs(
    paths: Sequence[Path],
    today: date,
    *,
    delimiter: str | None = None,
    date_order: DateOrder = "mdy",
) -> CallLog:
    """Read every call log in `paths` (CSV, TSV or .xlsx) into one `CallLog`.

    Raises `InputError` when a file can't be used at all, `UsageError` for a bad
    `delimiter` or `date_order`.
    """
    if date_order not in ("mdy", "dmy"):
        raise UsageError(f"unknown date order {date_order!r}", hint="use 'mdy' or 'dmy'")
    chosen = parse_delimiter(delimiter) if delimiter is not None else None
    records: list[CallRecord] = []
    rejections: list[Rejection] = []
    notices: list[Notice] = []
    columns: dict[str, tuple[str, ...]] = {}
    rows = 0
    for path in paths:
        file = str(path)
        lines = read_lines(Path(path), file, chosen, notices)
        reader = _SheetReader(file, today, date_order, notices)
        header = reader.read(lines)
        columns[file] = header
        records.extend(reader.records)
        rejections.extend(reader.rejections)
        rows += reader.rows
    return CallLog(
        records=tuple(records),
        rejections=tuple(rejections),
        notices=tuple(notices),
        rows=rows,
        columns=columns,
    )


@dataclass
class _Header:
    """The header of one file: its original cells and where each known column is."""

    names: tuple[str, ...]
    number: int
    index: dict[str, int] = field(default_factory=dict)
    extras: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)


class _RowProblem(Exception):
    """A row can't become a record; the message is the rejection's reason."""


class _SheetReader:
    """Turns the lines of one file into records, rejections and notices."""

    def __init__(self, file: str, today: date, order: DateOrder, notices: list[Notice]) -> None:
        self.file = file
        self.today = today
        self.order = order
        self.notices = notices
        self.records: list[CallRecord] = []
        self.rejections: list[Rejection] = []
        self.rows = 0

    def note(self, row: int | None, message: str) -> None:
        self.notices.append(Notice(self.file, row, message))

    def read(self, lines: list[Line]) -> tuple[str, ...]:
        """Read every line; returns the header's original cells."""
        header = self._header(lines)
        for line in lines:
            if line.number <= header.number or line.is_blank:
                continue
            self.rows += 1
            try:
                self.records.append(self._record(line, header))
            except _RowProblem as exc:
                self._reject(line, header, str(exc))
            except (ValueError, OverflowError, UnicodeError) as exc:
                self._reject(line, header, f"this row can't be read: {exc}")
        return header.names

    def _reject(self, line: Line, header: _Header, error: str) -> None:
        values = {
            name: as_text(line.cells[i]) if i < len(line.cells) else ""
            for i, name in enumerate(header.names)
        }
        for i in range(len(header.names), len(line.cells)):
            values[f"(column {i + 1})"] = as_text(line.cells[i])
        self.rejections.append(Rejection(self.file, line.number, error, values))

    # The header ------------------------------------------------------------------------

    def _header(self, lines: list[Line]) -> _Header:
        candidates = [line for line in lines if not line.is_blank][:_HEADER_SEARCH_ROWS]
        if not candidates:
            raise InputError(f"{self.file} is empty: no header and no rows", EMPTY_FILE_HINT)
        chosen = next((line for line in candidates if _has_outcome_column(line)), None)
        if chosen is None:
            first = candidates[0]
            seen = ", ".join(repr(as_text(c)) for c in first.cells[:8] if as_text(c))
            accepted = ", ".join(("outcome", *COLUMN_ALIASES["outcome"]))
            if not any(column_for(as_text(c)) for c in first.cells):
                raise InputError(
                    f"{self.file}: no header row: the first row ({seen}) names no known column",
                    f"add a header row as line 1, with an outcome column ({accepted})",
                )
            raise InputError(
                f"{self.file}: no outcome column in the header ({seen})",
                f"name the column that holds each call's result with one of: {accepted}",
            )
        skipped = sum(1 for line in candidates if line.number < chosen.number)
        if skipped:
            self.note(
                chosen.number,
                f"header found on row {chosen.number}; {skipped} row(s) above it skipped",
            )
        return self._map_header(chosen)

    def _map_header(self, line: Line) -> _Header:
        raw = [c if isinstance(c, str) else as_text(c) for c in line.cells]
        while raw and not raw[-1].strip():
            raw.pop()  # trailing empty header cells: a spreadsheet's unused columns
        names: list[str] = []
        for position, text in enumerate(raw, start=1):
            name = text if text.strip() else f"column {position}"
            if not text.strip():
                self.note(line.number, f"column {position} has no header; kept as {name!r}")
            elif text != text.strip():
                self.note(
                    line.number, f"header {text!r} has stray spaces; read as {text.strip()!r}"
                )
            while name in names:
                name = f"{name} ({position})"
            names.append(name)
        header = _Header(tuple(names), line.number)
        # An extra column is always reachable by its header; its template key (the one rule
        # templates use too) is added unless it would shadow a known field or another column.
        taken_keys: set[str] = set(COLUMN_ALIASES)
        unknown: list[str] = []
        for i, name in enumerate(names):
            column = column_for(raw[i])
            if column is not None and column not in header.index:
                header.index[column] = i
                continue
            label = name.strip()
            if column is not None:
                first = names[header.index[column]].strip()
                self.note(
                    line.number,
                    f"columns {first!r} and {label!r} both mean {column}: "
                    f"using {first!r}, {label!r} kept as an extra column",
                )
            if label in taken_keys:
                label = f"{label} (column {i + 1})"
            keys = [label]
            ident = extra_column_key(label)
            if ident and ident != label and ident not in taken_keys:
                keys.append(ident)
            taken_keys.update(keys)
            header.extras.append((i, tuple(keys)))
            unknown.append(label)
        if unknown:
            self.note(line.number, f"extra columns kept for templates: {', '.join(unknown)}")
        if "called_at" not in header.index:
            self.note(line.number, f"no call date column: every call is taken as made {self.today}")
        return header

    # A row -----------------------------------------------------------------------------

    def _record(self, line: Line, header: _Header) -> CallRecord:
        if line.problem:
            raise _RowProblem(line.problem)
        self._check_width(line, len(header.names))
        cells = line.cells
        index = header.index

        def cell(column: str) -> Cell:
            i = index.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        def text(column: str) -> str:
            return as_text(cell(column))

        problems: list[str] = []
        outcome = self._outcome(text("outcome"), problems)
        called_at = self._called_at(cell("called_at"), header, line.number, problems)
        first, last = text("first_name"), text("last_name")
        if not (first or last) and text("name"):
            first, last = split_name(text("name"))
        country = normalize_country(text("country"))
        postal_code = self._postal_code(text("postal_code"), text("state"), country, line.number)
        phone, email = text("phone"), text("email")
        contact_id = contact_identity(
            contact_id=text("contact_id"),
            phone=phone,
            email=email,
            first_name=first,
            last_name=last,
            postal_code=postal_code,
        )
        if not contact_id:
            problems.append(
                "no way to identify the contact: give a contact_id, phone, email, "
                "or a name and postal code"
            )
        if problems or outcome is None or called_at is None:
            raise _RowProblem("; ".join(problems))
        extra: dict[str, str] = {}
        for i, keys in header.extras:
            value = as_text(cells[i]) if i < len(cells) else ""
            for key in keys:
                extra[key] = value
        return CallRecord(
            file=self.file,
            row=line.number,
            contact_id=contact_id,
            outcome=outcome,
            called_at=called_at,
            undated=not isinstance(cell("called_at"), datetime) and not text("called_at"),
            day_first=self.order == "dmy",
            first_name=first,
            last_name=last,
            phone=phone,
            email=email,
            address=Address(
                line1=text("address_line1"),
                line2=text("address_line2"),
                city=text("city"),
                state=text("state"),
                postal_code=postal_code,
                country=country,
            ),
            birthday=self._optional_date(cell("birthday"), "birthday", line.number),
            callback_on=self._optional_date(cell("callback_on"), "callback date", line.number),
            notes=text("notes"),
            extra=extra,
        )

    def _check_width(self, line: Line, width: int) -> None:
        cells = line.cells
        if len(cells) > width and any(as_text(c) for c in cells[width:]):
            last = max(i for i, c in enumerate(cells) if as_text(c)) + 1
            raise _RowProblem(f"row has {last} cells but the header has {width}")
        if line.strict_width and len(cells) < width:
            raise _RowProblem(f"truncated row: {len(cells)} of {width} columns")

    def _outcome(self, value: str, problems: list[str]) -> Outcome | None:
        if not value:
            problems.append(f"missing outcome; expected one of: {_EXPECTED_OUTCOMES}")
            return None
        outcome = parse_outcome(value)
        if outcome is None:
            problems.append(f"unknown outcome {value!r}; expected one of: {_EXPECTED_OUTCOMES}")
        return outcome

    def _called_at(
        self, value: Cell, header: _Header, row: int, problems: list[str]
    ) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if not value.strip():
            if "called_at" in header.index:
                self.note(row, f"no call date: taken as made today, {self.today}")
            return datetime.combine(self.today, time())
        moment = parse_datetime(value, self.order)
        if moment is None:
            column = header.names[header.index["called_at"]].strip()
            problems.append(
                f"bad date in column {column!r}: {value.strip()!r} is not a valid date "
                f"(accepted: {accepted_formats(self.order)})"
            )
        elif moment.date() > self.today:
            self.note(row, f"call date {moment:%Y-%m-%d} is after today ({self.today})")
        return moment

    def _optional_date(self, value: Cell, what: str, row: int) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if not value.strip():
            return None
        birthday = what == "birthday"
        # A birthday has passed: its two-digit year is read in the century that says so.
        day = (
            parse_past_date(value, self.today, self.order)
            if birthday
            else parse_date(value, self.order)
        )
        if day is None:
            self.note(
                row,
                f"{what} {value.strip()!r} is not a valid date, so it is ignored "
                f"(accepted: {accepted_formats(self.order)})",
            )
        elif birthday and day > self.today:
            self.note(row, f"birthday {day} is in the future, so it is ignored")
            return None
        return day

    def _postal_code(self, value: str, state: str, country: str, row: int) -> str:
        if country != "US" or not value:
            return value
        fixed = pad_zip(value, state)
        if fixed is None:
            self.note(
                row,
                f"postal code {value!r} is not a US ZIP code; "
                "set the country column if this address is abroad",
            )
            return value
        if _digits(fixed) > _digits(value.removesuffix(".0")):
            self.note(
                row, f"ZIP code {value!r} read as {fixed!r} (a spreadsheet dropped its zeros)"
            )
        elif fixed != value:
            self.note(row, f"ZIP code {value!r} read as {fixed!r}")
        return fixed


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _has_outcome_column(line: Line) -> bool:
    return any(column_for(as_text(c)) == "outcome" for c in line.cells)
