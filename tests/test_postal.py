"""Mailing, delivery and business days around US federal holidays."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain import postal_days as postal

D = date.fromisoformat

FEDERAL_2026 = {
    "2026-01-01": "New Year's Day",
    "2026-01-19": "Martin Luther King Jr. Day",
    "2026-02-16": "Washington's Birthday",
    "2026-05-25": "Memorial Day",
    "2026-06-19": "Juneteenth National Independence Day",
    "2026-07-03": "Independence Day (observed)",
    "2026-07-04": "Independence Day",
    "2026-09-07": "Labor Day",
    "2026-10-12": "Columbus Day",
    "2026-11-11": "Veterans Day",
    "2026-11-26": "Thanksgiving Day",
    "2026-12-25": "Christmas Day",
}


def test_2026_closes_on_the_eleven_federal_holidays_and_nothing_else() -> None:
    closed = {
        d.isoformat(): postal.holiday_name(d)
        for d in (date(2026, 1, 1) + timedelta(days=i) for i in range(365))
        if postal.is_usps_holiday(d)
    }
    assert closed == FEDERAL_2026
    assert dict(postal.federal_holidays(2026)) == {D(k): v for k, v in FEDERAL_2026.items()}


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2027-12-24", "Christmas Day (observed)"),  # Christmas on a Saturday
        ("2027-12-25", "Christmas Day"),
        ("2027-12-31", "New Year's Day (observed)"),  # for Saturday Jan 1, 2028
        ("2028-01-01", "New Year's Day"),
        ("2028-12-25", "Christmas Day"),  # a Monday
        ("2028-11-10", "Veterans Day (observed)"),
        ("2027-07-05", "Independence Day (observed)"),
        ("2026-11-24", None),
        ("2026-12-24", None),  # Christmas Eve is not a federal holiday
    ],
)
def test_observed_days_are_closed_too(day: str, name: str | None) -> None:
    assert postal.holiday_name(D(day)) == name
    assert postal.is_usps_holiday(D(day)) is (name is not None)


@pytest.mark.parametrize(
    ("day", "mailing", "delivery", "business"),
    [
        ("2026-11-23", True, True, True),  # Monday
        ("2026-11-21", True, True, False),  # Saturday: post office open, no sales calls
        ("2026-11-22", False, False, False),  # Sunday
        ("2026-11-26", False, False, False),  # Thanksgiving
        ("2026-11-11", False, False, False),  # Veterans Day, a Wednesday
        ("2026-10-12", False, False, False),  # Columbus Day, a Monday
        ("2027-12-24", False, False, False),  # observed Christmas, a Friday
        ("2026-12-26", True, True, False),  # the Saturday after Christmas
    ],
)
def test_kinds_of_day(day: str, mailing: bool, delivery: bool, business: bool) -> None:
    d = D(day)
    assert postal.is_mailing_day(d) is mailing
    assert postal.is_delivery_day(d) is delivery
    assert postal.is_business_day(d) is business


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-23", "2026-11-23"),  # a mailing day is its own next mailing day
        ("2026-11-22", "2026-11-23"),  # Sunday
        ("2026-11-26", "2026-11-27"),  # Thanksgiving
        ("2026-12-25", "2026-12-26"),  # Christmas Friday -> Saturday
        ("2027-12-24", "2027-12-27"),  # observed Friday, Christmas Saturday, Sunday
        ("2027-12-31", "2028-01-03"),  # observed Friday, New Year Saturday, Sunday
        ("2028-12-24", "2028-12-26"),  # Sunday, Christmas Monday
    ],
)
def test_next_mailing_day(day: str, expected: str) -> None:
    assert postal.next_mailing_day(D(day)) == D(expected)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-11-23", 3, "2026-11-27"),  # Tue, Wed, (Thanksgiving), Fri
        ("2026-11-23", 0, "2026-11-23"),
        ("2026-11-21", 1, "2026-11-23"),  # Saturday -> Monday
        ("2026-12-23", 3, "2026-12-28"),  # Thu, (Christmas), Sat, (Sun), Mon
        ("2026-12-31", 3, "2027-01-05"),  # (New Year), Sat, Mon, Tue
        ("2027-12-23", 1, "2027-12-27"),  # observed Fri and Christmas Sat both closed
        ("2028-12-22", 2, "2028-12-26"),  # Sat, (Sun), (Christmas Mon), Tue
    ],
)
def test_add_delivery_days(day: str, n: int, expected: str) -> None:
    assert postal.add_delivery_days(D(day), n) == D(expected)


def test_add_delivery_days_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        postal.add_delivery_days(D("2026-11-23"), -1)


@pytest.mark.parametrize(
    ("day", "after", "on_or_after"),
    [
        ("2026-11-27", "2026-11-30", "2026-11-27"),  # Friday
        ("2026-11-25", "2026-11-27", "2026-11-25"),  # the day before Thanksgiving
        ("2026-11-26", "2026-11-27", "2026-11-27"),  # Thanksgiving itself
        ("2026-12-31", "2027-01-04", "2026-12-31"),  # New Year on a Friday
        ("2027-12-30", "2028-01-03", "2027-12-30"),  # observed New Year on Friday Dec 31
        ("2027-12-23", "2027-12-27", "2027-12-23"),
        ("2028-12-22", "2028-12-26", "2028-12-22"),  # Christmas on a Monday
        ("2026-11-21", "2026-11-23", "2026-11-23"),  # Saturday
    ],
)
def test_business_days(day: str, after: str, on_or_after: str) -> None:
    assert postal.next_business_day_after(D(day)) == D(after)
    assert postal.next_business_day_on_or_after(D(day)) == D(on_or_after)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))


@settings(max_examples=150, deadline=None)
@given(day=days, n=st.integers(min_value=0, max_value=22))
def test_counting_agrees_with_a_day_by_day_walk(day: date, n: int) -> None:
    mailing = postal.next_mailing_day(day)
    assert mailing >= day
    assert postal.is_mailing_day(mailing)
    assert not any(postal.is_mailing_day(day + timedelta(i)) for i in range((mailing - day).days))

    delivered = postal.add_delivery_days(day, n)
    between = [day + timedelta(i) for i in range(1, (delivered - day).days + 1)]
    assert sum(postal.is_delivery_day(d) for d in between) == n
    assert n == 0 or postal.is_delivery_day(delivered)

    call = postal.next_business_day_after(day)
    assert call > day
    assert postal.is_business_day(call)
    assert call.weekday() < 5
    assert not any(postal.is_business_day(day + timedelta(i)) for i in range(1, (call - day).days))
    assert postal.next_business_day_on_or_after(day) in (day, call)


# The United States calendar read from its own module (`postal_days._united_states`) rather
# than through the library's registry, which first imports every country's module.


def test_the_calendar_read_on_its_own_is_the_registry_s() -> None:
    """Every year's closed days and their names, as `holidays.country_holidays("US")` gives
    them, from 1990 to 2080."""
    import holidays

    for year in range(1990, 2081):
        mine = postal._united_states()(years=year, observed=True)
        theirs = holidays.country_holidays("US", years=year, observed=True)
        assert dict(mine) == dict(theirs), year


def test_a_library_laid_out_otherwise_falls_back_to_its_registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def moved() -> None:
        raise ImportError("holidays.countries.united_states")

    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path))  # no year kept: read from the library
    monkeypatch.setattr(postal, "_united_states", moved)
    postal._holidays_in.cache_clear()
    try:
        assert {d.isoformat(): n for d, n in postal.federal_holidays(2026).items()} == (
            FEDERAL_2026
        )
    finally:
        postal._holidays_in.cache_clear()


def test_a_plan_s_calendar_does_not_import_every_country() -> None:
    """What the speed comes from: a fresh process asking for a mailing day reads the United
    States calendar alone, and none of the library's country modules through its package
    (which imports them all, Afghanistan's first)."""
    import subprocess
    import sys

    code = (
        "import sys, datetime\n"
        "from mailer.domain import postal_days\n"
        "assert postal_days.next_mailing_day(datetime.date(2026, 12, 25))"
        " == datetime.date(2026, 12, 26)\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
