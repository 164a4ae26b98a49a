"""One rule per date fact: the call log's date columns, the dates in call notes, birthdays,
template filters and the config read date text through `mailer.domain.datetext`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mailer.config import from_mapping
from mailer.domain.datetext import (
    MONTH_NAMES,
    calendar_date,
    full_year,
    iso_date,
    month_number,
    parse_date,
    parse_past_date,
)
from mailer.drawing.templates import friendly, short
from mailer.errors import ConfigError
from mailer.planning.callbacks import day_from_notes
from mailer.reading.records import read_call_logs

CALLED_ON = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("digits", "year"),
    [("00", 2000), ("26", 2026), ("68", 2068), ("69", 1969), ("99", 1999), ("2026", 2026)],
)
def test_the_two_digit_year_pivot(digits: str, year: int) -> None:
    assert full_year(digits) == year
    assert parse_date(f"12/1/{digits}") == date(year, 12, 1)


@pytest.mark.parametrize("year", ["26", "2026", "27", "68", "69", "75"])
@pytest.mark.parametrize("day_first", [False, True])
def test_a_dated_note_reads_its_year_as_the_date_columns_do(year: str, day_first: bool) -> None:
    written = f"3/12/{year}"
    found = day_from_notes(f"try again {written}", CALLED_ON, day_first=day_first)
    assert found is not None
    assert found[0] == parse_date(written, "dmy" if day_first else "mdy")


@pytest.mark.parametrize(("name", "number"), sorted(MONTH_NAMES.items()))
def test_every_month_name_means_one_month_in_notes_and_in_columns(name: str, number: int) -> None:
    assert month_number(name.upper()) == number
    assert month_number(f"{name.title()}.") == number
    assert parse_date(f"{name} 3, 2027") == date(2027, number, 3)
    assert parse_date(f"3 {name} 2027") == date(2027, number, 3)
    for note in (f"call back {name} 3, 2027", f"call on the 3rd of {name}"):
        found = day_from_notes(note, CALLED_ON)
        assert found is not None
        assert (found[0].month, found[0].day) == (number, 3)


def test_words_that_are_not_months() -> None:
    assert month_number("") is None
    assert month_number("smarch") is None
    assert parse_date("Smarch 3, 2027") is None


def test_impossible_days_are_none_everywhere() -> None:
    assert calendar_date(2026, 2, 30) is None
    assert calendar_date(2026, 13, 1) is None
    assert calendar_date(2028, 2, 29) == date(2028, 2, 29)
    assert parse_date("2026-02-30") is None
    assert iso_date("2026-02-30") is None
    assert day_from_notes("ring 2026-02-30", CALLED_ON) is None
    assert day_from_notes("call back Feb 30", CALLED_ON) is None


TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/10/62", date(1962, 12, 10)),  # the pivot says 2062: a birthday has passed
        ("10-Dec-62", date(1962, 12, 10)),
        ("12/10/26", date(1926, 12, 10)),  # later this year: a hundred years ago
        ("11/22/26", date(2026, 11, 22)),  # today is not after today
        ("12/10/75", date(1975, 12, 10)),
        ("12/10/2062", date(2062, 12, 10)),  # four digits as written, for the caller to judge
        ("1962-12-10", date(1962, 12, 10)),
        ("not a date", None),
        ("2/30/62", None),
    ],
)
def test_a_past_date_reads_a_two_digit_year_in_the_past(text: str, expected: date) -> None:
    assert parse_past_date(text, TODAY) == expected


def test_a_past_date_follows_the_date_order() -> None:
    assert parse_past_date("10/12/62", TODAY, "dmy") == date(1962, 12, 10)


def test_the_reader_reads_birthdays_as_past_dates(tmp_path: Path) -> None:
    path = tmp_path / "dob.csv"
    path.write_text(
        "id,outcome,dob\nY1,vm,10-Dec-62\nY2,vm,12/10/26\nY3,vm,Dec 10 2062\nY4,vm,1/2/03\n",
        encoding="utf-8",
    )
    log = read_call_logs([path], TODAY)
    assert [r.birthday for r in log.records] == [
        date(1962, 12, 10),
        date(1926, 12, 10),
        None,  # a four-digit year in the future is a mistake, with a notice
        date(2003, 1, 2),
    ]
    assert any("2062-12-10 is in the future" in n.message for n in log.notices)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30", date(2026, 11, 30)),
        (" 2026-11-30 ", date(2026, 11, 30)),
        ("2026-11-30 10:05", date(2026, 11, 30)),  # a spreadsheet's date cell with a time
        ("2026-11-30T10:05:30Z", date(2026, 11, 30)),
        ("2026-11-30 3:15 PM", date(2026, 11, 30)),
        ("11/30/2026", None),  # a person's spelling: `parse_date` reads those
        ("Nov 30, 2026", None),
        ("2026-11-30xyz", None),
        ("2026-11", None),
        ("", None),
    ],
)
def test_iso_text(text: str, expected: date | None) -> None:
    assert iso_date(text) == expected


def test_template_filters_read_iso_text() -> None:
    assert friendly("2026-11-30") == "Monday, November 30"
    assert short("2026-11-30 10:05") == "Mon, Nov 30"
    with pytest.raises(ValueError, match="is not a date"):
        friendly("11/30/2026")
    with pytest.raises(ValueError, match="is not a date"):
        friendly("")


def test_config_dates_are_iso_text() -> None:
    config = from_mapping({"print": {"stamps": {"since": "2026-01-15"}}})
    assert config.print.stamps.since == date(2026, 1, 15)
    with pytest.raises(ConfigError, match="since"):
        from_mapping({"print": {"stamps": {"since": "01/15/2026"}}})
    with pytest.raises(ConfigError, match="since"):
        from_mapping({"print": {"stamps": {"since": "2026-02-30"}}})
