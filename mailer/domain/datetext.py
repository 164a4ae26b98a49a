"""Dates and times as people and spreadsheets write them in call logs.

Accepted: ISO (`2026-11-21`, `2026-11-21 10:05`, `2026-11-21T10:05:30`, a trailing `Z` or UTC
offset is dropped: the wall-clock time as written is kept), numeric with `/`, `-` or `.`
(`11/21/2026`, `11/21/26 3:15 PM`; day-first with `order="dmy"`), and month names
(`Nov 21, 2026`, `November 21, 2026 3:15 PM`, `21 Nov 2026`, `21-Nov-2026`, with an optional
weekday in front). Two-digit years follow the usual 1969 pivot (`26` is 2026, `75` is 1975),
except in a date that has passed (a birthday, `parse_past_date`): there `62` is 1962.

The parsers return None for anything they can't read, impossible dates (`2026-02-30`) included;
the caller knows which column it was and says so.

This is the one place that reads date text: the call-log reader, the dates in call notes
(`planning.callbacks`), template filters and the config all ask it for the pivot, the month
names, ISO text and impossible dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Literal

DateOrder = Literal["mdy", "dmy"]

MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
"""Month names and abbreviations, lower case, as people write them -> month number."""

_TIME = r"(?:[t ]+(?:at +)?(?P<time>\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)? *(?:[ap]\.?m\.?)?))?"
_ZONE = r"(?: *(?:z|utc|gmt|[+-]\d{2}:?\d{2}))?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,? +)?"
_MONTH = r"(?P<month_name>[a-z]{3,9})\.?"

_ISO = re.compile(rf"(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}{_ZONE}")
_NUMERIC = re.compile(
    rf"(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}{_ZONE}"
)
_MONTH_FIRST = re.compile(
    rf"{_WEEKDAY}{_MONTH} +(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? +(?P<y>\d{{4}})"
    rf"(?:,? +(?:at +)?(?P<time>\d{{1,2}}(?::\d{{2}}(?::\d{{2}})?)? *(?:[ap]\.?m\.?)?))?"
)
_DAY_FIRST = re.compile(
    rf"{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ -]{_MONTH}[ -](?P<y>\d{{4}}|\d{{2}})"
    rf"(?:,? +(?:at +)?(?P<time>\d{{1,2}}(?::\d{{2}}(?::\d{{2}})?)? *(?:[ap]\.?m\.?)?))?"
)
_ISO_DAY = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ].*)?", re.DOTALL)
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)? *(?:(?P<ampm>[ap])\.?m\.?)?"
)


def accepted_formats(order: DateOrder = "mdy") -> str:
    """The formats, as examples, for error messages."""
    numeric = "21/11/2026, 21/11/26 3:15 PM" if order == "dmy" else "11/21/2026, 11/21/26 3:15 PM"
    return f"2026-11-21, 2026-11-21 10:05, {numeric}, Nov 21, 2026"


def parse_date(text: str, order: DateOrder = "mdy") -> date | None:
    """The calendar date in `text` (a time after it is allowed and ignored), or None."""
    moment = parse_datetime(text, order)
    return moment.date() if moment is not None else None


def parse_datetime(text: str, order: DateOrder = "mdy") -> datetime | None:
    """The date and time in `text`; a date alone is taken at 00:00. None if unreadable."""
    found = _read(text, order)
    return found[0] if found is not None else None


def parse_past_date(text: str, today: date, order: DateOrder = "mdy") -> date | None:
    """The date in `text` when it can only have passed (a birthday): a two-digit year is the
    latest one that is not after `today` ("12/10/62" is 1962 even though `full_year` makes
    `62` 2062). A four-digit year is kept as written, future or not, for the caller to judge.
    None if unreadable."""
    found = _read(text, order)
    if found is None:
        return None
    moment, two_digit_year = found
    day = moment.date()
    if two_digit_year and day > today:
        return calendar_date(day.year - 100, day.month, day.day)
    return day


def full_year(digits: str) -> int:
    """The year a year number means: four digits as written, two by the 1969 pivot (`26` is
    2026, `68` is 2068, `69` is 1969)."""
    if len(digits) != 2:
        return int(digits)
    short = int(digits)
    return 2000 + short if short < 69 else 1900 + short


def month_number(name: str) -> int | None:
    """The month a name or abbreviation means (`Sept`, `sept.`, `SEPTEMBER` -> 9), or None."""
    return MONTH_NAMES.get(name.strip().lower().removesuffix("."))


def calendar_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (`2026-02-30`, month 13)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def iso_date(text: str) -> date | None:
    """The day ISO text names (`2026-11-21`, as the config writes it and as a spreadsheet's
    date cell reads as text); a time after a `T` or a space (`2026-11-21 10:05`,
    `2026-11-21T10:05Z`) is allowed and ignored. None for anything else, other date spellings
    included: people's dates in call logs are `parse_date`."""
    match = _ISO_DAY.fullmatch(text.strip())
    if match is None:
        return None
    return calendar_date(int(match["y"]), int(match["m"]), int(match["d"]))


def _read(text: str, order: DateOrder) -> tuple[datetime, bool] | None:
    """The date and time in `text`, and whether its year was written with two digits."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        return None
    if match := _ISO.fullmatch(cleaned):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    elif match := _NUMERIC.fullmatch(cleaned):
        first, second = int(match["a"]), int(match["b"])
        month, day = (second, first) if order == "dmy" else (first, second)
        year = full_year(match["y"])
    elif (match := _MONTH_FIRST.fullmatch(cleaned)) or (match := _DAY_FIRST.fullmatch(cleaned)):
        month = MONTH_NAMES.get(match["month_name"], 0)
        day, year = int(match["d"]), full_year(match["y"])
    else:
        return None
    clock = _parse_clock(match["time"]) if match["time"] else time()
    found = calendar_date(year, month, day)
    if clock is None or found is None:
        return None
    return datetime.combine(found, clock), len(match["y"]) == 2


def _parse_clock(text: str) -> time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None or (match["mi"] is None and match["ampm"] is None):
        return None  # a bare number after a date is not a time we can trust
    hour, minute, second = int(match["h"]), int(match["mi"] or 0), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)
