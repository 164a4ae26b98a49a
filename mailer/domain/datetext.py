"""Dates and times as people and spreadsheets write them in call logs.

Accepted: ISO (`2026-11-21`, `2026-11-21 10:05`, `2026-11-21T10:05:30`, with a trailing `Z`,
UTC offset or US zone abbreviation such as `PST`), numeric with `/`, `-` or `.`
(`11/21/2026`, `11/21/26 3:15 PM`, `Sat 11/21/2026`; day-first with `order="dmy"`), month names
(`Nov 21, 2026`, `November 21, 2026 3:15 PM`, `21 Nov 2026`, `21-Nov-2026`, with an optional
weekday in front), and RFC 2822 (`Sat, 21 Nov 2026 19:30:00 -0800`, as email headers and some
dialers write it). Two-digit years follow the usual 1969 pivot (`26` is 2026, `75` is 1975),
except in a date that has passed (a birthday, `parse_past_date`): there `62` is 1962.

Zones: `parse_datetime` keeps the wall-clock time as written and drops a zone; the call log's
date column asks `parse_call_moment`, which converts a time written with a zone (and epoch
seconds or milliseconds, which are UTC) into the seller's zone (README, "Dates, names and
addresses"): an evening call in Oregon written in UTC stays on its own day. A time without a
zone is taken as written, in the seller's zone.

The parsers return None for anything they can't read, impossible dates (`2026-02-30`) included;
the caller knows which column it was and says so.

This is the one place that reads date text: the call-log reader, the dates in call notes
(`planning.callbacks`), template filters and the config all ask it for the pivot, the month
names, ISO text and impossible dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DateOrder = Literal["mdy", "dmy"]
Zone = tzinfo | None
"""The seller's time zone; None is the machine's own (`datetime.astimezone()`)."""

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

_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,? +)?"
_US_ZONES = {
    name: timezone(timedelta(hours=hours), name.upper())
    for name, hours in {
        "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
        "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10,
    }.items()
}  # fmt: skip
"""The zone abbreviations US dialers print after a time (`2026-11-21 19:30:00 PST`)."""

_TIME = r"(?:[t ]+(?:at +)?(?P<time>\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)? *(?:[ap]\.?m\.?)?))?"
_ZONE = rf"(?: *(?P<zone>z|utc|gmt|[+-]\d{{2}}:?\d{{2}}|{'|'.join(_US_ZONES)}))?"
_MONTH = r"(?P<month_name>[a-z]{3,9})\.?"

_ISO = re.compile(
    rf"{_WEEKDAY}(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}{_ZONE}"
)
_NUMERIC = re.compile(
    rf"{_WEEKDAY}(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}})"
    rf"{_TIME}{_ZONE}"
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
_RFC_2822 = re.compile(r"(?:[a-z]{3},? +)?\d{1,2} +[a-z]{3} +\d{4} +\d{1,2}:\d{2}(?::\d{2})? +\S+")
_EPOCH = re.compile(r"\d{10}(?:\.\d+)?|\d{13}")
_EPOCH_RANGE = (
    datetime(2000, 1, 1, tzinfo=UTC).timestamp(),
    datetime(2100, 1, 1, tzinfo=UTC).timestamp(),
)
"""Epoch seconds outside 2000-2100 are some other number (an id, a duration, an amount)."""
_DURATION = re.compile(r"(?:\d+:)?\d{1,2}:\d{2}(?:\.\d+)?|\d+ *(?:h|m|s|min|mins|sec|secs)\b.*")
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


def parse_call_moment(text: str, order: DateOrder = "mdy", zone: Zone = None) -> datetime | None:
    """The moment of a call as the call log's date column writes it, as a naive wall-clock
    time in `zone` (None: the machine's zone). Everything `parse_datetime` reads, plus epoch
    seconds or milliseconds between 2000 and 2100; a time written with a zone (`Z`,
    `+00:00`, `PST`, RFC 2822's `-0800`) or an epoch number is converted into `zone`, a time
    without one is kept as written. None if unreadable: `why_not_a_date` says why."""
    cleaned = text.strip()
    if plain := _PLAIN_ISO.fullmatch(cleaned):  # the quick way for the common shapes
        return _plain_moment(*plain.groups())
    if plain := _PLAIN_US.fullmatch(cleaned):
        month, day, year, hour, minute, noon = plain.groups()
        if order == "dmy":
            month, day = day, month
        return _plain_moment(year, month, day, hour, minute, None, noon)
    return _call_moment(cleaned, order, zone)


# The shapes most call logs write a call's moment in, read without `_read`'s general
# patterns: `2026-11-21 10:05` (or with a `T`, or seconds) and `11/21/2026 3:15 PM` (or a
# 24-hour time); `tests/test_datetext.py` holds them to `_read`'s answers.
_PLAIN_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ Tt](\d\d):(\d\d)(?::(\d\d))?", re.ASCII)
_PLAIN_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d\d)(?: ?([AaPp])[Mm])?", re.ASCII)


def _plain_moment(
    year: str,
    month: str,
    day: str,
    hour: str,
    minute: str,
    second: str | None,
    noon: str | None = None,
) -> datetime | None:
    """The moment of a plain date and time, or None for one that can't be (`_parse_clock`'s
    and `calendar_date`'s rules): no zone written, so the wall-clock time as it is."""
    h, m, s = int(hour), int(minute), int(second or 0)
    if noon is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if noon in "Pp" else 0)
    if h > 23 or m > 59 or s > 59:
        return None
    found = calendar_date(int(year), int(month), int(day))
    return None if found is None else datetime(found.year, found.month, found.day, h, m, s)


def _call_moment(cleaned: str, order: DateOrder, zone: Zone) -> datetime | None:
    """`parse_call_moment` the general way: every shape `_read` knows, epochs, zones."""
    if _EPOCH.fullmatch(cleaned):
        return _from_epoch(cleaned, zone)
    found = _read(cleaned, order)
    if found is None:
        return None
    moment, _, written_zone = found
    if written_zone is None:
        return moment
    return in_zone(moment.replace(tzinfo=written_zone), zone)


def in_zone(moment: datetime, zone: Zone) -> datetime:
    """An aware `moment` as the naive wall-clock time in `zone` (None: the machine's zone);
    a naive one is returned unchanged."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def named_zone(name: str) -> tzinfo | None:
    """The time zone an IANA name means ("America/Los_Angeles"), or None for a name the
    zone database doesn't hold."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Pacific" is a folder
        return None


def why_not_a_date(text: str, order: DateOrder = "mdy") -> str:
    """Why `text` is no date, for a rejection: a time alone or a duration (`00:03:15`, `3:15`,
    `3m 15s`) says so, a bare number too; anything else lists the accepted formats."""
    cleaned = " ".join(text.strip().lower().split())
    shown = repr(text.strip())
    if _DURATION.fullmatch(cleaned):
        return f"{shown} is a time of day or a duration, not a date"
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return (
            f"{shown} is a number, not a date (epoch seconds or milliseconds are read only "
            "between the years 2000 and 2100)"
        )
    return f"{shown} is not a valid date (accepted: {accepted_formats(order)})"


def parse_past_date(text: str, today: date, order: DateOrder = "mdy") -> date | None:
    """The date in `text` when it can only have passed (a birthday): a two-digit year is the
    latest one that is not after `today` ("12/10/62" is 1962 even though `full_year` makes
    `62` 2062). A four-digit year is kept as written, future or not, for the caller to judge.
    None if unreadable."""
    found = _read(text, order)
    if found is None:
        return None
    moment, two_digit_year, _ = found
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


WEEKDAY_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
"""Weekday names and abbreviations, lower case -> `date.weekday()` number (Monday is 0)."""

DAY_WORDS = "today, tomorrow, a weekday name (friday, fri) or YYYY-MM-DD"
"""What `day_in_words` reads, for help texts and error messages."""


def day_in_words(text: str, today: date) -> date | None:
    """The day a person names on the command line (`--due`, `--today`): `today`,
    `tomorrow`, a weekday name or abbreviation (the next such day, `today` itself when it is
    that day: `friday` on a Friday is that Friday), or an ISO date. None for anything else."""
    word = text.strip().lower().removesuffix(".")
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in WEEKDAY_NAMES:
        return today + timedelta(days=(WEEKDAY_NAMES[word] - today.weekday()) % 7)
    return iso_date(text)


@lru_cache(maxsize=4096)  # a log's call times repeat (a session's minutes); pure over text
def _read(text: str, order: DateOrder) -> tuple[datetime, bool, tzinfo | None] | None:
    """The date and time in `text` as written, whether its year was written with two
    digits, and the zone written after the time (None when there is none)."""
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
        return _rfc_2822(cleaned)
    clock = _parse_clock(match["time"]) if match["time"] else time()
    found = calendar_date(year, month, day)
    if clock is None or found is None:
        return None
    written = match.groupdict().get("zone")
    zone = _zone(written) if written and match["time"] else None
    return datetime.combine(found, clock), len(match["y"]) == 2, zone


def _zone(written: str) -> tzinfo:
    if written in ("z", "utc", "gmt"):
        return UTC
    if written in _US_ZONES:
        return _US_ZONES[written]
    digits = written.replace(":", "")
    offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
    return timezone(-offset if digits[0] == "-" else offset)


def _rfc_2822(cleaned: str) -> tuple[datetime, bool, tzinfo | None] | None:
    """`Sat, 21 Nov 2026 19:30:00 -0800` (email headers, some dialers): read by the standard
    library, only when it has that shape (its parser takes almost anything)."""
    if not _RFC_2822.fullmatch(cleaned):
        return None
    # Imported here: `email.utils` brings `socket` and the email package (about 10 ms at a
    # process's first date), and call logs seldom write email-header dates.
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=None), False, moment.tzinfo


def _from_epoch(digits: str, zone: Zone) -> datetime | None:
    seconds = float(digits) / (1000 if len(digits) == 13 else 1)
    if not _EPOCH_RANGE[0] <= seconds < _EPOCH_RANGE[1]:
        return None
    return in_zone(datetime.fromtimestamp(seconds, UTC), zone)


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


def old_calls_warning(days: Sequence[date], today: date, max_age_days: int) -> str | None:
    """The one warning for a file of calls older than `max_age_days` (`[calls]
    max_age_days`): an old export picked by mistake would plan cards for calls long past."""
    if not days or (today - min(days)).days <= max_age_days:
        return None  # the oldest is recent enough, so all are (asked of every log)
    old = [day for day in days if (today - day).days > max_age_days]
    calls = "1 call is" if len(old) == 1 else f"{len(old)} calls are"
    return (
        f"{calls} older than {max_age_days} days (the oldest {min(old)}): is this the right file?"
    )
