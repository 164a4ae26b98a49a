"""Mailing days, delivery days and business days: the calendar the cadence counts on.

USPS neither delivers nor accepts mail for delivery on Sundays and the eleven federal
holidays (New Year's, MLK, Presidents', Memorial, Juneteenth, Independence, Labor, Columbus,
Veterans, Thanksgiving, Christmas). A holiday on a weekend is also observed on the nearest
weekday; both the day itself and the observed day count as closed, which is what the post
office does (a Saturday Christmas closes Friday the 24th as well as the 25th).

Pure functions of their arguments: no clock.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import holidays

_ONE_DAY = timedelta(days=1)
# USPS carries mail to its territories and military post offices as domestic mail.
_DOMESTIC = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW"})
Destination = Literal["domestic", "canada", "international"]


@dataclass(frozen=True)
class TransitDays:
    """Delivery days a card takes, by destination (`[mail.transit_days]` in mailer.toml; a
    bare number there is the domestic time)."""

    domestic: int = 3
    canada: int = 5
    international: int = 7

    def to(self, country: str) -> int:
        """The days for a card to `country` (an ISO-2 code, "" for the US)."""
        return int(getattr(self, destination(country)))


def destination(country: str) -> Destination:
    """Where a card goes, as the transit table knows it: the US (its territories and
    military mail included), Canada, or anywhere else."""
    code = country.strip().upper() or "US"
    if code in _DOMESTIC:
        return "domestic"
    return "canada" if code == "CA" else "international"


_SATURDAY = 5
_SUNDAY = 6


@functools.cache
def _holidays_in(year: int) -> Mapping[date, str]:
    # Kept in the cache folder by the library's release: importing `holidays` and working a
    # year out is about 45 ms of CPU at a process's first plan, reading the kept year well
    # under one. A layout without a release to name (a source checkout) is never kept.
    # Imported here: the domain's one way to the disk, for its tables only.
    from mailer.cache_folder import kept_table, library_release

    release = library_release("holidays", "holidays")
    if release is None:
        return MappingProxyType(_library_days(year))
    made_by = b"\0".join((_RECIPE, release, str(year).encode()))
    return MappingProxyType(kept_table("holidays", made_by, lambda: _as_text(year), _days_of(year)))


_LANGUAGE = "en_US"
_RECIPE = b"us-federal-observed-en-2"
"""Change it whenever `_library_days` asks the library another way: old files are then not
found."""


def _library_days(year: int) -> dict[date, str]:
    # holidays.US(years=Y) already lists a New Year's Day of Y+1 observed on Dec 31 of Y, so one
    # year's table answers every date of that year. Federal holidays only: no state subdivision.
    # Imported here: most commands (drawing, printing, sending) never ask about a holiday.
    import holidays

    # In English whatever the process's locale: the library names the days in the language
    # of LANGUAGE or LANG (Thai, for one), and the callback notes read them by their names.
    try:
        table: Mapping[date, str] = _united_states()(years=year, observed=True, language=_LANGUAGE)
    except Exception:  # the library laid out otherwise: its registry, as `country_holidays`
        table = holidays.country_holidays("US", years=year, observed=True, language=_LANGUAGE)
    return {day: name for day, name in table.items() if day.year == year}


def _as_text(year: int) -> dict[str, str]:
    """A year's closed days as kept: ISO dates to names, in the library's order."""
    return {day.isoformat(): str(name) for day, name in _library_days(year).items()}


def _days_of(year: int) -> Callable[[object], dict[date, str]]:
    """What reads a kept year back, refusing (ValueError, TypeError) anything else."""

    def read(kept: object) -> dict[date, str]:
        if not isinstance(kept, dict):
            raise TypeError("a year's closed days are a table")
        days = {date.fromisoformat(day): name for day, name in kept.items()}
        if any(d.year != year or not isinstance(n, str) for d, n in days.items()):
            raise ValueError("a closed day of another year, or without a name")
        return days

    return read


@functools.cache
def _united_states() -> type[holidays.HolidayBase]:
    """The holidays library's United States calendar, the class `country_holidays("US")`
    makes, from its own module. Asking the library's registry for it imports the module of
    every country first (about 250 of them: a sixth of a second of CPU, once a process, for
    one table); the module is read on its own instead, unless it is imported already."""
    import holidays

    name = "holidays.countries.united_states"
    module = sys.modules.get(name)
    if module is None:
        path = Path(holidays.__file__).parent / "countries" / "united_states.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    found: type[holidays.HolidayBase] = module.UnitedStates
    return found


def federal_holidays(year: int) -> Mapping[date, str]:
    """Every closed day of `year` (observed days included) with its name."""
    return _holidays_in(year)


def holiday_name(d: date) -> str | None:
    """The federal holiday on `d` ("Christmas Day (observed)"), or None."""
    return _holidays_in(d.year).get(d)


def is_usps_holiday(d: date) -> bool:
    """True when `d` is a federal holiday or the weekday one is observed on."""
    return d in _holidays_in(d.year)


def is_mailing_day(d: date) -> bool:
    """A day a card can be posted and starts moving: Monday to Saturday, not a holiday."""
    return d.weekday() != _SUNDAY and not is_usps_holiday(d)


def is_delivery_day(d: date) -> bool:
    """A day USPS delivers letter mail: Monday to Saturday, not a holiday."""
    return d.weekday() != _SUNDAY and not is_usps_holiday(d)


def is_business_day(d: date) -> bool:
    """A day to make a sales call: Monday to Friday, not a holiday."""
    return d.weekday() < _SATURDAY and not is_usps_holiday(d)


@functools.lru_cache(maxsize=1024)  # a plan asks about the same few days for every contact
def next_mailing_day(d: date) -> date:
    """`d` itself when it is a mailing day, else the first mailing day after it."""
    while not is_mailing_day(d):
        d += _ONE_DAY
    return d


@functools.lru_cache(maxsize=1024)
def add_delivery_days(d: date, n: int) -> date:
    """The `n`th delivery day after `d` (`d` itself is not counted; `n == 0` gives `d`)."""
    if n < 0:
        raise ValueError(f"delivery days can't be negative: {n}")
    while n:
        d += _ONE_DAY
        if is_delivery_day(d):
            n -= 1
    return d


def next_business_day_after(d: date) -> date:
    """The first business day strictly after `d`."""
    return next_business_day_on_or_after(d + _ONE_DAY)


@functools.lru_cache(maxsize=1024)
def next_business_day_on_or_after(d: date) -> date:
    """`d` itself when it is a business day, else the first business day after it."""
    while not is_business_day(d):
        d += _ONE_DAY
    return d


def closed_because(d: date) -> str | None:
    """Why the post office takes no mail on `d` ("Sunday", "Labor Day"), or None when it is
    a mailing day."""
    if is_mailing_day(d):
        return None
    return holiday_name(d) or d.strftime("%A")


def when_to_post(today: date) -> str:
    """When cards drawn `today` can be posted, in words for the closing hint: "today", or
    the next mailing day and why not before ("on Tuesday, September 8 (the post office is
    closed on Sunday and Labor Day)")."""
    day = next_mailing_day(today)
    if day == today:
        return "today"
    closed = []
    while today < day:
        closed.append(closed_because(today) or "")
        today += _ONE_DAY
    return f"on {day:%A, %B} {day.day} (the post office is closed on {' and '.join(closed)})"
