"""When a contact asked to be called back: the `callback_on` column, or the day named in the
call's notes ("call back Monday", "try again 12/1", "after Thanksgiving", "next week", "in
March", "on the 25th"), and the time of day ("after 3", "evening", `domain.daytimes`).

Relative words are read from the day of the call, not the day of the run: "call back Monday"
written on a Friday means the Monday three days later, whenever the plan is made. Numeric
dates ("12/1") are month-first (US) unless the log was read day-first (`--date-order dmy`),
like the log's own date columns; month names, two-digit years and impossible days follow the
same rules as those columns (`mailer.domain.datetext`). Pure functions: no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple

from mailer.domain import datetext
from mailer.domain import postal_days as postal
from mailer.domain.daytimes import TimeAsk, time_asked
from mailer.domain.models import CallRecord, MailStep, Notice, Outcome

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CallbackRequest:
    """The day a contact asked for, before it is moved to a business day."""

    day: date
    said: str
    """How the request was put, for the plan's reason: "Monday", "on 12/1", "after Thanksgiving"."""
    source: str
    """Where it came from: "callback_on column" or "notes"."""
    at: TimeAsk | None = None
    """The time of day asked for, when the notes name one."""


_FARTHEST = timedelta(days=366)
"""A callback day more than a year after the call is a slip ("12/30/9999"), not a plan: it is
flagged for the seller (`unread_callback_note`), never put on the calendar."""


def requested_callback(record: CallRecord) -> CallbackRequest | None:
    """The day the contact asked to be called back, or None when nothing names one within a
    year of the call (see `_asked`)."""
    found = _asked(record)
    if found is not None and found.day - record.called_at.date() > _FARTHEST:
        return None
    return found


def _asked(record: CallRecord) -> CallbackRequest | None:
    """The day the contact asked to be called back, or None when nothing names one.

    The `callback_on` column wins over the notes because a dialer fills it deliberately; the
    time of day still comes from the notes. A note naming only a time ("after 3") means the
    day of the call when that time is still to come then, else the day after.
    """
    at = time_asked(record.notes)
    said_at = f" {at.said}" if at is not None else ""
    if record.callback_on is not None:
        day = record.callback_on
        return CallbackRequest(day, f"on {day:%a %b} {day.day}{said_at}", "callback_on column", at)
    found = day_from_notes(record.notes, record.called_at.date(), day_first=record.day_first)
    if found is not None:
        day, said = found
        if at is not None and at.said.lower() in said.lower():
            said_at = ""  # "tonight" is a day and a time: said once
        return CallbackRequest(day, said + said_at, "notes", at)
    if at is None:
        return None
    called = record.called_at
    later_today = not record.undated and called.time() != time(0) and _still_to_come(at, called)
    day = called.date() if later_today else called.date() + _ONE_DAY
    return CallbackRequest(day, at.said, "notes", at)


def _still_to_come(at: TimeAsk, called: datetime) -> bool:
    now = called.time()
    if at.end is not None and at.start != at.end:
        return now < at.end
    return at.start is None or now < at.start


# Words that say a note is about when, so one read for nothing is flagged, not passed over:
# "call me when the baby comes", "after the wedding", "in the new year", "call 12.5".
_WHEN = re.compile(
    r"\d|\b(?:when|until|till|til|after|before|once|next|soon|week|weekend|month|year|"
    r"spring|summer|fall|autumn|winter|season|holidays?|vacation|trip|back\s+from|return|"
    r"day|days|time|o'?clock|tomorrow|today|tonight|morning|afternoon|evening|end\s+of)"
    r"(?![a-z])"
)


def unread_callback_note(record: CallRecord) -> str | None:
    """The notes of a callback that speak of when but name no day or time mailer can read
    ("call me when the baby comes"), or None: the seller is told, rather than a day guessed
    silently. Notes that don't speak of when ("busy cooking", "cb") just give no day."""
    if record.outcome is not Outcome.CALLBACK or requested_callback(record) is not None:
        return None
    if record.callback_on is not None:  # a day too far off to be meant
        return f"callback_on {record.callback_on.isoformat()}"
    notes = " ".join(record.notes.split())
    return notes if _WHEN.search(notes.lower()) else None


def unread_callback_notices(steps: Iterable[MailStep]) -> tuple[Notice, ...]:
    """A plan notice for each callback note that could not be read (see `unread_callback_note`)."""
    notices = []
    callback = Outcome.CALLBACK
    for step in steps:
        if step.record.outcome is not callback:
            continue  # (as `unread_callback_note` says, asked of every contact's step)
        notes = unread_callback_note(step.record)
        if notes is not None and step.follow_up_call is not None:
            due = f"{step.follow_up_call:%a %b} {step.follow_up_call.day}"
            said = f"couldn't read {notes!r}; due {due}, please check"
            notices.append(Notice(step.record.file, step.record.row, said))
    return tuple(notices)


def day_from_notes(
    notes: str, called_on: date, *, day_first: bool = False
) -> tuple[date, str] | None:
    """The day a note asks for, with the words that asked for it, or None. `day_first`
    reads "3/4" as 3 April.

    When the note names several days, the first one after a word like "call" or "try" wins
    ("busy Monday, call back Wednesday" means Wednesday); otherwise the first one.
    """
    text = notes.lower()
    mentioned = _mentions(text, called_on, _day_patterns(day_first))
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
_PART_OF_MONTH = r"(early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)"
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "a couple": 2, "a couple of": 2}

# "after <holiday>": the first business day after the holiday's own day, by the name the
# holidays package gives that day.
_HOLIDAY_WORDS = (
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


@cache
def _after_holiday() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The holidays' patterns, compiled at the first note read (see `_day_patterns`)."""
    return tuple(
        (re.compile(rf"\bafter\s+(?:the\s+)?(?:{words})(?![a-z])"), name)
        for words, name in _HOLIDAY_WORDS
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


def _month_part(m: re.Match[str], called_on: date) -> date | None:
    """ "in March": its first day; "mid March" the 15th; "late March" its last week. The next
    March after the call; in March itself, the day after the call at the earliest."""
    month = datetext.month_number(m[3]) or 0
    if not 1 <= month <= 12:
        return None
    year = called_on.year + (1 if month < called_on.month else 0)
    qualifier = " ".join((m[1] or m[2] or "").split()).removeprefix("the ")
    last = (date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY).day
    day = {"mid": 15, "middle of": 15, "late": last - 6, "end of": last - 6}.get(qualifier, 1)
    return max(date(year, month, day), called_on + _ONE_DAY)


def _day_of_month(m: re.Match[str], called_on: date) -> date | None:
    """ "on the 25th": the next 25th after the call (skipping months without one)."""
    year, month = called_on.year, called_on.month
    for _ in range(13):
        found = datetext.calendar_date(year, month, int(m[1]))
        if found is not None and found > called_on:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


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


_Patterns = tuple[tuple[re.Pattern[str], _DayReader, bool], ...]


@cache
def _day_patterns(day_first: bool) -> _Patterns:
    """(pattern, reader, written as a calendar date), compiled at the first note read, not
    at import: a plan whose notes ask for no callback (most) never needs them, and their
    two dozen patterns were most of this module's import. Longer phrases win over shorter
    ones that start at the same place ("the day after tomorrow" over "tomorrow" is by
    position). `day_first`: the same, reading "3/4" as 3 April."""
    if day_first:
        return tuple(
            (pattern, _numeric_day_first if read is _numeric else read, calendar_date)
            for pattern, read, calendar_date in _day_patterns(False)
        )
    return (
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
                rf"\b(?:in\s+(?:{_PART_OF_MONTH}[\s-]*)?|{_PART_OF_MONTH}[\s-]*){_MONTH_WORD}"
                r"(?![a-z])(?!\s*\d)"
            ),
            _month_part,
            False,
        ),
        (
            re.compile(
                r"\b(?:on\s+(?:the\s+)?|the\s+)(\d{1,2})(?:st|nd|rd|th)\b"
                # "the 3rd week", "the 2nd time": counts, not days of the month.
                r"(?!\s+(?:week|weekend|time|attempt|call|try|month|day|message)s?\b)"
                rf"(?!\s+(?:of\s+)?{_MONTH_WORD}(?![a-z]))"
            ),
            _day_of_month,
            False,
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
            re.compile(
                r"\bin\s+(\d{1,2}|a couple of|a couple|a|one|two|three|four)\s+(day|week)s?\b"
            ),
            _in_span,
            False,
        ),
    )


def _mentions(
    text: str,
    called_on: date,
    patterns: _Patterns,
) -> Iterator[_Mention]:
    for pattern, name in _after_holiday():
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
            after = (
                _AFTER.search(text, 0, m.start())
                if calendar_date or read in (_weekday, _day_of_month)
                else None
            )
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
