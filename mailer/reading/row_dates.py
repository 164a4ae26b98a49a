"""The dates of a call log's rows: the call's moment, which the plan depends on (a row whose
call date can't be read is rejected), and the birthday and callback dates, which it does not
(one that can't be read is dropped with a notice). `records` asks here for each row's.

A session repeats its minutes, so each distinct call-date cell of a file is read once and
its reading (the moment, the notice and the problem it gives) remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import date, datetime, time

from mailer.domain.datetext import (
    DateOrder,
    Zone,
    accepted_formats,
    parse_call_moment,
    parse_date,
    parse_past_date,
    why_not_a_date,
)
from mailer.reading.source_files import Cell

MOMENTS_KEPT = 4096
"""How many distinct call-date cells a file's reader remembers the reading of."""
FAR_AHEAD_DAYS = 366
"""A call date further than this after today is refused: no call is made a year ahead."""

Moment = tuple[datetime | None, str, str]
"""A call-date cell read: the moment (None when it can't be read), its notice, its problem."""


class RowDates:
    """The dates of one file's rows, read as `order` and `zone` say on the day `today`;
    `note(row, message)` gives a row's notice."""

    def __init__(
        self,
        today: date,
        order: DateOrder,
        zone: Zone,
        note: Callable[[int | None, str], None],
    ) -> None:
        self.today, self.order, self.zone, self.note = today, order, zone, note
        self.moments: dict[str, Moment] = {}
        """Each call-date text read so far, and its reading."""

    def called_at(
        self,
        value: Cell,
        fields: Container[str],
        columns: Callable[[], str],
        row: int,
        problems: list[str],
    ) -> datetime | None:
        """The call's moment of a row's call-date cell (a workbook's typed date as it is),
        its notice given and its problem added to `problems`. `fields` are the file's
        fields, `columns()` names its date columns for a problem."""
        if isinstance(value, datetime):
            return value
        found = self.moments.get(value)
        if found is None:  # each distinct cell read once (a session repeats its minutes)
            found = self._read_moment(value, fields, columns)
            if len(self.moments) < MOMENTS_KEPT:
                self.moments[value] = found
        moment, note, problem = found
        if note:
            self.note(row, note)
        if problem:
            problems.append(problem)
        return moment

    def reader(self, fields: Container[str], columns: Callable[[], str]) -> Callable[[str], Moment]:
        """For a file of `fields` (see `called_at`): the reading of a call-date text,
        remembered as `called_at` remembers it, without its notice given."""

        def read(value: str) -> Moment:
            found = self.moments.get(value)
            if found is None:
                found = self._read_moment(value, fields, columns)
                if len(self.moments) < MOMENTS_KEPT:
                    self.moments[value] = found
            return found

        return read

    def _read_moment(
        self, value: str, fields: Container[str], columns: Callable[[], str]
    ) -> Moment:
        if not value.strip():
            said = f"no call date: taken as made today, {self.today}"
            today = datetime.combine(self.today, time())
            return today, said if "called_at" in fields else "", ""
        moment = parse_call_moment(value, self.order, self.zone)
        if moment is None:
            why = why_not_a_date(value, self.order)
            return None, "", f"bad date in {columns()}: {why}"
        if moment.date() > self.today:
            if (moment.date() - self.today).days > FAR_AHEAD_DAYS:
                # No call is made a year ahead: a CRM's "never" date (9999-12-31) or a
                # mistyped year. Planned, its rest and cards would run past the calendar.
                return (
                    None,
                    "",
                    (
                        f"bad date in {columns()}: {moment:%Y-%m-%d} is more than a year after "
                        f"today ({self.today}); give the day the call was made"
                    ),
                )
            return moment, f"call date {moment:%Y-%m-%d} is after today ({self.today})", ""
        return moment, "", ""

    def optional(self, value: Cell, what: str, row: int) -> date | None:
        """A birthday or callback date (`what`), or None when the cell is empty or can't be
        read (with a notice), or is a birthday in the future (with a notice)."""
        if isinstance(value, datetime):
            return value.date()
        if not value or not value.strip():
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
