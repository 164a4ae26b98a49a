"""Dates as people and spreadsheets write them (`mailer.domain.datetext`): every accepted
format, times, two-digit years, day-first order, and None for what can't be a date."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain import datetext
from mailer.domain.datetext import (
    DateOrder,
    accepted_formats,
    parse_call_moment,
    parse_date,
    parse_datetime,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21", datetime(2026, 11, 21)),
        ("2026-11-21 10:05", datetime(2026, 11, 21, 10, 5)),
        ("2026-11-21T10:05:09", datetime(2026, 11, 21, 10, 5, 9)),
        ("11/21/2026", datetime(2026, 11, 21)),
        ("11/21/26 3:15 PM", datetime(2026, 11, 21, 15, 15)),
        ("11/21/2026 15:15", datetime(2026, 11, 21, 15, 15)),
        ("11/21/2026 12:05 am", datetime(2026, 11, 21, 0, 5)),
        ("Nov 21, 2026", datetime(2026, 11, 21)),
        ("November 21, 2026 3:15 PM", datetime(2026, 11, 21, 15, 15)),
        ("21-Nov-2026", datetime(2026, 11, 21)),
        ("2026-02-30", None),
        ("13/45/2026", None),
        ("11/21/2026 13:00 PM", None),
        ("soon", None),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_parse_date_orders_and_two_digit_years() -> None:
    assert parse_date("03/12/1979", "dmy") == date(1979, 12, 3)
    assert parse_date("03/12/1979") == date(1979, 3, 12)
    assert parse_date("12/10/62") == date(2062, 12, 10)  # the usual 1969 pivot
    assert parse_date("12/10/75") == date(1975, 12, 10)


# --- every accepted format ------------------------------------------------------------------

NOV_21 = datetime(2026, 11, 21)
AT_10_05 = datetime(2026, 11, 21, 10, 5)
AT_3_15_PM = datetime(2026, 11, 21, 15, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO, with `-`, `/` or `.`, single-digit month and day allowed
        ("2026/11/21", NOV_21),
        ("2026.11.21", NOV_21),
        ("2026-1-5", datetime(2026, 1, 5)),
        ("2026-11-21 at 10:05", AT_10_05),
        ("2026-11-21T10:05:30.123", datetime(2026, 11, 21, 10, 5, 30)),
        # a zone is dropped: the wall-clock time as written is kept
        ("2026-11-21T10:05:30Z", datetime(2026, 11, 21, 10, 5, 30)),
        ("2026-11-21 10:05 +02:00", AT_10_05),
        ("2026-11-21T10:05:30.123-0500", datetime(2026, 11, 21, 10, 5, 30)),
        ("11/21/2026 10:05 UTC", AT_10_05),
        ("11/21/2026 10:05 gmt", AT_10_05),
        # numeric, month first, with `/`, `-` or `.`
        ("11-21-2026", NOV_21),
        ("11.21.2026", NOV_21),
        ("11/21/2026 10:05:09", datetime(2026, 11, 21, 10, 5, 9)),
        # 12-hour clocks
        ("11/21/26 3:15pm", AT_3_15_PM),
        ("11/21/26 3:15 p.m.", AT_3_15_PM),
        ("11/21/2026 3 PM", datetime(2026, 11, 21, 15, 0)),
        ("11/21/2026 12:00 pm", datetime(2026, 11, 21, 12, 0)),
        ("11/21/2026 12:00 AM", NOV_21),
        # month names, month first, with an optional weekday and ordinal
        ("Nov. 21, 2026", NOV_21),
        ("November 21 2026", NOV_21),
        ("november 21st, 2026", NOV_21),
        ("Sat, Nov 21, 2026", NOV_21),
        ("Saturday, November 21, 2026 at 3:15 PM", AT_3_15_PM),
        ("Nov 21, 2026, 3:15 PM", AT_3_15_PM),
        ("Sept 3, 2026", datetime(2026, 9, 3)),
        ("Sep 3, 2026", datetime(2026, 9, 3)),
        # month names, day first
        ("21 Nov 2026", NOV_21),
        ("21st November 2026", NOV_21),
        ("21-nov-26", NOV_21),
        # spaces around and inside are not a problem
        ("  2026-11-21  ", NOV_21),
        ("Nov   21,   2026", NOV_21),
        ("Feb 29, 2028", datetime(2028, 2, 29)),
    ],
)
def test_accepted_formats(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected
    assert parse_date(text) == expected.date()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2026-13-01",  # no 13th month
        "02/30/2026",
        "Feb 29, 2027",  # not a leap year
        "Foo 3, 2026",  # not a month
        "1/2/2",  # one-digit year
        "1/2/123",  # three-digit year
        "11/21/2026 15",  # a bare number after a date is not a time
        "11/21/2026 24:00",
        "11/21/2026 10:60",
        "11/21/2026 0:30 am",  # no hour 0 on a 12-hour clock
        "2026-11-21 10:05:61",
        "11/21/2026 and then some",
        "21/2026",
    ],
)
def test_what_is_not_a_date_is_none(text: str) -> None:
    assert parse_datetime(text) is None
    assert parse_date(text) is None
    assert parse_datetime(text, "dmy") is None


# --- two-digit years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [("1/2/00", 2000), ("1/2/03", 2003), ("1/2/68", 2068), ("1/2/69", 1969), ("1/2/99", 1999)],
)
def test_two_digit_years_pivot_at_1969(text: str, year: int) -> None:
    assert parse_date(text) == date(year, 1, 2)
    assert parse_date(text, "dmy") == date(year, 2, 1)


def test_two_digit_years_with_a_month_name() -> None:
    assert parse_date("21-Nov-68") == date(2068, 11, 21)
    assert parse_date("21-Nov-69") == date(1969, 11, 21)


# --- day-first order ------------------------------------------------------------------------


def test_day_first_reads_numeric_dates_the_other_way_round() -> None:
    assert parse_date("03/12/2026", "dmy") == date(2026, 12, 3)
    assert parse_date("03/12/2026", "mdy") == date(2026, 3, 12)
    assert parse_date("31/12/2026", "dmy") == date(2026, 12, 31)
    assert parse_date("31/12/2026") is None  # no 31st month
    assert parse_date("11/21/2026", "dmy") is None  # no 21st month
    assert parse_datetime("21.11.26 3:15 PM", "dmy") == AT_3_15_PM


@pytest.mark.parametrize("text", ["2026-11-21", "Nov 21, 2026", "21 Nov 2026", "21-Nov-2026"])
def test_day_first_leaves_iso_and_month_names_alone(text: str) -> None:
    assert parse_date(text, "dmy") == date(2026, 11, 21)


# --- the formats in messages ----------------------------------------------------------------


def test_accepted_formats_follow_the_date_order() -> None:
    month_first = accepted_formats()
    day_first = accepted_formats("dmy")
    assert month_first == "2026-11-21, 2026-11-21 10:05, 11/21/2026, 11/21/26 3:15 PM, Nov 21, 2026"
    assert day_first == "2026-11-21, 2026-11-21 10:05, 21/11/2026, 21/11/26 3:15 PM, Nov 21, 2026"


@pytest.mark.parametrize("order", ["mdy", "dmy"])
def test_every_example_in_the_message_is_read_as_nov_21(order: DateOrder) -> None:
    examples = ["2026-11-21", "2026-11-21 10:05", "Nov 21, 2026"]
    examples += ["21/11/2026", "21/11/26 3:15 PM"] if order == "dmy" else []
    examples += ["11/21/2026", "11/21/26 3:15 PM"] if order == "mdy" else []
    for text in examples:
        assert parse_date(text, order) == date(2026, 11, 21), text


# --- the quick way for the shapes most logs write ------------------------------------------


@st.composite
def plain_moments(draw: st.DrawFn) -> str:
    """`2026-11-21 10:05` and `11/21/2026 3:15 PM` and their neighbours: impossible days,
    hours and minutes, am/pm in any case, a `T`, seconds, spaces around, one digit less."""

    def number(low: int, high: int, *edges: int) -> str:
        """Mostly a usual value, now and then an edge; written with two digits or one."""
        n = draw(st.integers(low, high) | st.sampled_from(edges))
        return draw(st.sampled_from([f"{n:02d}", str(n)]))

    month, day = number(1, 12, 0, 13, 99), number(1, 31, 0, 32)
    hour, minute = number(0, 23, 12, 24, 99), number(0, 59, 60)
    pad = draw(st.sampled_from(["", " ", "\t"]))
    if draw(st.booleans()):
        year = draw(st.sampled_from(["2026", "2024", "1999", "0000"]))
        sep = draw(st.sampled_from([" ", "T", "t", "  "]))
        seconds = draw(st.sampled_from(["", ":00", ":59", ":60", ":7"]))
        return f"{pad}{year}-{month}-{day}{sep}{hour}:{minute}{seconds}{pad}"
    year = draw(st.sampled_from(["2026", "2024", "1999", "0000", "26"]))
    noon = draw(st.sampled_from(["", " AM", " pm", "PM", "am", " a.m.", " P", " xm"]))
    return f"{pad}{month}/{day}/{year} {hour}:{minute}{noon}{pad}"


@settings(max_examples=1500)
@given(text=plain_moments(), order=st.sampled_from(["mdy", "dmy"]))
def test_the_quick_way_reads_a_moment_as_the_general_way(text: str, order: DateOrder) -> None:
    assert parse_call_moment(text, order) == datetext._call_moment(text.strip(), order, None)


@pytest.mark.parametrize(
    ("text", "order", "moment"),
    [
        ("2026-11-21 10:05", "mdy", datetime(2026, 11, 21, 10, 5)),
        ("2026-11-21T23:59:59", "dmy", datetime(2026, 11, 21, 23, 59, 59)),
        ("11/21/2026 3:15 PM", "mdy", datetime(2026, 11, 21, 15, 15)),
        ("21/11/2026 12:05am", "dmy", datetime(2026, 11, 21, 0, 5)),
        ("2026-02-30 10:00", "mdy", None),
        ("2026-11-21 24:00", "mdy", None),
        ("11/21/2026 13:00 PM", "mdy", None),
    ],
)
def test_plain_moments(text: str, order: DateOrder, moment: datetime | None) -> None:
    assert parse_call_moment(text, order) == moment
