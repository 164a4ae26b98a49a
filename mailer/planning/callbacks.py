"""When a contact asked to be called back: the `callback_on` column, or the day named in the
call's notes ("call back Monday", "try again 12/1", "after Thanksgiving", "next week").

Relative words are read from the day of the call, not the day of the run: "call back Monday"
written on a Friday means the Monday three days later, whenever the plan is made. Numeric
dates ("12/1") are month-first (US) unless the log was read day-first (`--date-order dmy`),
like the log's own date columns; month names, two-digit years and impossible days follow the
same rules as those columns (`mailer.domain.datetext`). Pure functions: no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from mailer.domain import datetext
from mailer.domain import postal_days as postal
from mailer.domain.models import CallRecord

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CallbackRequest:
    """The day a contact asked for, before it is moved to a business day."""

    day: date
    said: str
    """How the request was put, for the plan's reason: "Monday", "on 12/1", "after Thanksgiving"."""
    source: str
    """Where it came from: "callback_on column" or "notes"."""


def requested_callback(record: CallRecord) -> CallbackRequest | None:
    """The day the contact asked to be called back, or None when nothing names one.

    The `callback_on` column wins over the notes because a dialer fills it deliberately.
    """
    if record.callback_on is not None:
        day = record.callback_on
        return CallbackRequest(day, f"on {day:%a %b} {day.day}", "callback_on column")
    found = day_from_notes(record.notes, record.called_at.date(), day_first=record.day_first)
    if found is None:
        return None
    day, said = found
    return CallbackRequest(day, said, "notes")


def day_from_notes(
    notes: str, called_on: date, *, day_first: bool = False
) -> tuple[date, str] | None:
    """The day a note asks for, with the words that asked for it, or None. `day_first`
    reads "3/4" as 3 April.

    When the note names several days, the first one after a word like "call" or "try" wins
    ("busy Monday, call back Wednesday" means Wednesday); otherwise the first one.
    """
    text = notes.lower()
    mentioned = _mentions(text, called_on, _DAY_FIRST_PATTERNS if day_first else _DAY_PATTERNS)
    found = sorted(mentioned, key=lambda m: (m.start, m.start - m.end))
    mentions: list[_Mention] = []
    for mention in found:
        if not mentions or mention.start >= mentions[-1].end:
            mentions.append(mention)
    if not mentions:
        return None
    cue = _CALL_CUE.search(text)
    after_cue = [m for m in mentions if cue is not None and m.start >= cue.start()]
    chosen = (after_cue or mentions)[0]
    said = " ".join(notes[chosen.start : chosen.end].split())
    return chosen.day, f"on {said}" if chosen.calendar_date else said


class _Mention(NamedTuple):
    start: int
    end: int
    day: date
    calendar_date: bool
    """A date written as a date ("12/1", "Dec 1"): the reason says "on 12/1"."""


_DayReader = Callable[[re.Match[str], date], "date | None"]

_CALL_CUE = re.compile(r"\b(?:call|callback|cb|ring|try|reach|phone)\b")
_AFTER = re.compile(r"\bafter\s+$")

_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4,
    # "sat" and "sun" are ordinary words too often ("sat down"): only the full names count.
    "saturday": 5,
    "sunday": 6,
}  # fmt: skip
# The month names the log's date columns accept (`datetext`), longest first so that
# "september" is not read as "sep".
_MONTH_WORD = "(" + "|".join(sorted(datetext.MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "a couple": 2, "a couple of": 2}

# "after <holiday>": the first business day after the holiday's own day, by the name the
# holidays package gives that day.
_AFTER_HOLIDAY = tuple(
    (re.compile(rf"\bafter\s+(?:the\s+)?(?:{words})(?![a-z])"), name)
    for words, name in (
        (r"thanksgiving", "Thanksgiving Day"),
        (r"christmas|xmas", "Christmas Day"),
        (r"new\s+year'?s?(?:\s+day)?|holidays", "New Year's Day"),
        (r"labou?r\s+day", "Labor Day"),
        (r"memorial\s+day", "Memorial Day"),
        (r"(?:4th|fourth)\s+of\s+july|july\s+4(?:th)?|independence\s+day", "Independence Day"),
        (r"juneteenth", "Juneteenth National Independence Day"),
        (r"veterans'?\s+day", "Veterans Day"),
        (r"columbus\s+day", "Columbus Day"),
        (r"(?:mlk|martin\s+luther\s+king)(?:\s+jr\.?)?\s+day", "Martin Luther King Jr. Day"),
        (r"presidents'?\s+day", "Washington's Birthday"),
    )
)


def _iso(m: re.Match[str], _called_on: date) -> date | None:
    return datetext.calendar_date(int(m[1]), int(m[2]), int(m[3]))


def _numeric(m: re.Match[str], called_on: date) -> date | None:
    year = None if m[3] is None else datetext.full_year(m[3])
    return _month_day(int(m[1]), int(m[2]), year, called_on)


def _numeric_day_first(m: re.Match[str], called_on: date) -> date | None:
    year = None if m[3] is None else datetext.full_year(m[3])
    return _month_day(int(m[2]), int(m[1]), year, called_on)


def _month_then_day(m: re.Match[str], called_on: date) -> date | None:
    year = None if m[3] is None else int(m[3])
    return _month_day(datetext.month_number(m[1]) or 0, int(m[2]), year, called_on)


def _day_then_month(m: re.Match[str], called_on: date) -> date | None:
    return _month_day(datetext.month_number(m[2]) or 0, int(m[1]), None, called_on)


def _weekday(m: re.Match[str], called_on: date) -> date | None:
    # The coming one, never the day of the call itself: that call has been made.
    ahead = (_WEEKDAYS[m[1]] - called_on.weekday() - 1) % 7 + 1
    return called_on + timedelta(days=ahead)


def _next_week(_m: re.Match[str], called_on: date) -> date | None:
    return called_on + timedelta(days=7 - called_on.weekday())


def _next_month(_m: re.Match[str], called_on: date) -> date | None:
    if called_on.month == 12:
        return date(called_on.year + 1, 1, 1)
    return date(called_on.year, called_on.month + 1, 1)


def _in_span(m: re.Match[str], called_on: date) -> date | None:
    count = int(m[1]) if m[1].isdigit() else _COUNTS[m[1]]
    return called_on + timedelta(days=count * (7 if m[2] == "week" else 1))


def _days_later(days: int) -> _DayReader:
    def read(_m: re.Match[str], called_on: date) -> date | None:
        return called_on + timedelta(days=days)

    return read


# (pattern, reader, written as a calendar date). Longer phrases win over shorter ones that
# start at the same place ("the day after tomorrow" over "tomorrow" is by position).
_DAY_PATTERNS: tuple[tuple[re.Pattern[str], _DayReader, bool], ...] = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), _iso, True),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b"), _numeric, True),
    (
        re.compile(rf"\b{_MONTH_WORD}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"),
        _month_then_day,
        True,
    ),
    (
        re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}(?![a-z])"),
        _day_then_month,
        True,
    ),
    (
        re.compile(
            r"\b(?:(?:next|this|on)\s+)?("
            + "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
            + r")\b"
        ),
        _weekday,
        False,
    ),
    (
        re.compile(r"\b(?:later\s+)?today\b|\btonight\b|\bthis\s+(?:afternoon|evening)\b"),
        _days_later(0),
        False,
    ),
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b"), _days_later(2), False),
    (re.compile(r"\btomorrow\b"), _days_later(1), False),
    (re.compile(r"\bnext\s+week\b"), _next_week, False),
    (re.compile(r"\bnext\s+month\b"), _next_month, False),
    (
        re.compile(r"\bin\s+(\d{1,2}|a couple of|a couple|a|one|two|three|four)\s+(day|week)s?\b"),
        _in_span,
        False,
    ),
)


# The same, reading "3/4" as 3 April.
_DAY_FIRST_PATTERNS = tuple(
    (pattern, _numeric_day_first if read is _numeric else read, calendar_date)
    for pattern, read, calendar_date in _DAY_PATTERNS
)


def _mentions(
    text: str,
    called_on: date,
    patterns: tuple[tuple[re.Pattern[str], _DayReader, bool], ...],
) -> Iterator[_Mention]:
    for pattern, name in _AFTER_HOLIDAY:
        for m in pattern.finditer(text):
            holiday = _next_holiday(name, called_on)
            if holiday is not None:
                yield _Mention(m.start(), m.end(), postal.next_business_day_after(holiday), False)
    for pattern, read, calendar_date in patterns:
        for m in pattern.finditer(text):
            day = read(m, called_on)
            if day is None:
                continue
            # "after Monday", "after 12/1": the day after the one named.
            after = _AFTER.search(text, 0, m.start()) if calendar_date or read is _weekday else None
            if after is not None:
                yield _Mention(after.start(), m.end(), day + _ONE_DAY, False)
            else:
                yield _Mention(m.start(), m.end(), day, calendar_date)


def _month_day(month: int, day: int, year: int | None, called_on: date) -> date | None:
    """A date the note names; without a year, its next occurrence on or after the call."""
    if year is not None:
        return datetext.calendar_date(year, month, day)
    for candidate_year in (called_on.year, called_on.year + 1):
        found = datetext.calendar_date(candidate_year, month, day)
        if found is not None and found >= called_on:
            return found
    return None  # a day that does not exist (2/30), or Feb 29 with no leap year ahead


def _next_holiday(name: str, called_on: date) -> date | None:
    """The holiday's own day (not the observed one) on or after the call."""
    for year in (called_on.year, called_on.year + 1):
        for day, day_name in sorted(postal.federal_holidays(year).items()):
            if day_name == name and day >= called_on:
                return day
    return None
