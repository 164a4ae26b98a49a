"""Call times in the seller's zone (`[calls] timezone`): a time written with a zone, an
RFC 2822 date or an epoch number is converted into it; a time written without one is kept.
More date forms: epoch seconds and milliseconds (in the call date column only), RFC 2822,
weekday-prefixed numeric dates; a duration is never a date. Old calls get one warning."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.config import call_zone, from_mapping
from mailer.domain.datetext import (
    old_calls_warning,
    parse_call_moment,
    parse_date,
    parse_datetime,
    why_not_a_date,
)
from mailer.errors import ConfigError
from mailer.reading.records import read_call_logs
from tests.builders import invoke, write_file

OREGON = ZoneInfo("America/Los_Angeles")
EVENING = datetime(2026, 11, 21, 19, 30)
"""Saturday evening in Oregon: 03:30 on Sunday in UTC."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T03:30:00Z", EVENING),
        ("2026-11-22T03:30:00.250Z", EVENING),
        ("2026-11-22 03:30:00+00:00", EVENING),
        ("2026-11-22 03:30 UTC", EVENING),
        ("2026-11-21T22:30:00-05:00", EVENING),
        ("2026-11-21 19:30:00 PST", EVENING),
        ("11/21/2026 10:30 PM EST", EVENING),
        ("Sat, 21 Nov 2026 19:30:00 -0800", EVENING),
        ("Sun, 22 Nov 2026 03:30:00 GMT", EVENING),
        ("1795318200", EVENING),  # epoch seconds (UTC)
        ("1795318200000", EVENING),  # epoch milliseconds
        ("1795318200.5", datetime(2026, 11, 21, 19, 30, 0, 500000)),
        # no zone written: the wall clock as written, in the seller's zone
        ("2026-11-21 19:30", EVENING),
        ("Sat 11/21/2026 7:30 PM", EVENING),
        ("Sat 11/21/2026", datetime(2026, 11, 21)),
        ("Saturday, 11/21/2026", datetime(2026, 11, 21)),
        # summer: Pacific Daylight Time
        ("2026-07-04T02:00:00Z", datetime(2026, 7, 3, 19, 0)),
    ],
)
def test_a_call_time_is_read_in_the_sellers_zone(text: str, expected: datetime) -> None:
    assert parse_call_moment(text, "mdy", OREGON) == expected


@pytest.mark.parametrize(
    "text",
    [
        "00:03:15",  # a duration
        "3:15",
        "195",  # a duration in seconds
        "86400",
        "123456789012",  # 12 digits: neither seconds nor milliseconds
        "946684799",  # 1999-12-31: before 2000, some other number
        "4102444800",  # 2100-01-01
        "4102444800000",
        "soon",
        "",
    ],
)
def test_what_is_not_a_call_time(text: str) -> None:
    assert parse_call_moment(text, "mdy", OREGON) is None


def test_epoch_numbers_are_read_only_in_the_call_date_column() -> None:
    """An epoch number is a date only where a date must be: a birthday or a note's digits
    are never turned into one."""
    assert parse_datetime("1795318200") is None
    assert parse_date("1795318200000") is None


def test_the_zone_is_dropped_where_no_seller_zone_is_asked_for() -> None:
    """`parse_datetime` (birthdays, callback dates, notes) keeps the clock as written."""
    assert parse_datetime("2026-11-22T03:30:00Z") == datetime(2026, 11, 22, 3, 30)
    assert parse_datetime("Sat, 21 Nov 2026 19:30:00 -0800") == EVENING


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("00:03:15", "'00:03:15' is a time of day or a duration, not a date"),
        ("3:15", "'3:15' is a time of day or a duration, not a date"),
        ("12:05:09.5", "'12:05:09.5' is a time of day or a duration, not a date"),
        ("3m 15s", "'3m 15s' is a time of day or a duration, not a date"),
        ("195", "'195' is a number, not a date"),
        ("soon", "'soon' is not a valid date (accepted: 2026-11-21, "),
    ],
)
def test_why_a_value_is_not_a_date(text: str, reason: str) -> None:
    assert why_not_a_date(text).startswith(reason)


# --- through the reader and `mailer plan` -----------------------------------------------------


def test_a_duration_column_never_becomes_the_call_date(tmp_path: Path) -> None:
    path = write_file(
        tmp_path,
        "ringcentral.csv",
        "Phone,Date,Duration,Result\n"
        "(217) 555-0142,Sat 11/21/2026,00:03:15,Voicemail\n"
        "(217) 555-0143,Sat 11/21/2026,3:15,Voicemail\n"
        "(217) 555-0144,Sat 11/21/2026,195,Voicemail\n",
    )
    log = read_call_logs([path], date(2026, 11, 22), zone=OREGON)
    assert log.rejections == ()
    assert [r.called_at for r in log.records] == [datetime(2026, 11, 21)] * 3
    assert [r.extra["Duration"] for r in log.records] == ["00:03:15", "3:15", "195"]


def test_a_duration_in_the_date_column_is_rejected_with_its_reason(tmp_path: Path) -> None:
    path = write_file(tmp_path, "calls.csv", "Phone,Call Time,Result\n217-555-0142,00:03:15,vm\n")
    log = read_call_logs([path], date(2026, 11, 22), zone=OREGON)
    (rejected,) = log.rejections
    assert rejected.row == 2
    assert rejected.error == (
        "bad date in column 'Call Time': '00:03:15' is a time of day or a duration, not a date"
    )


@pytest.mark.parametrize("outcome", ["not_interested", "voicemail", "connected"])
def test_a_never_date_is_rejected_not_planned_past_the_calendar(
    tmp_path: Path, outcome: str
) -> None:
    """A CRM's "never" date (9999-12-30) once crashed planning: a rest counted from it ran
    past the year 9999. A call more than a year after today is a bad date; a day ahead is
    still only a notice."""
    calls = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,first_name,last_name,phone,outcome,called_at\n"
        f"C1,Ann,Lee,2175550001,{outcome},9999-12-30 10:00\n"
        f"C2,Bo,Lee,2175550002,{outcome},2026-11-23 10:00\n",
    )
    result = invoke("plan", calls, "--today", "2026-11-22", "--dry-run")
    assert result.exit_code == 3, result.output
    assert "9999-12-30 is more than a year after today (2026-11-22)" in result.output
    log = read_call_logs([calls], date(2026, 11, 22))
    (rejected,) = log.rejections
    assert rejected.row == 2
    assert [r.contact_id for r in log.records] == ["C2"]
    assert any("after today" in notice.message for notice in log.notices)


def _config(tmp_path: Path, calls: str = 'timezone = "America/Los_Angeles"') -> Path:
    return write_file(tmp_path, "mailer.toml", f"[calls]\n{calls}\n")


def _plan(tmp_path: Path, calls: Path, today: str, config: Path) -> tuple[dict[str, object], str]:
    result = invoke(
        "plan",
        calls,
        "--format",
        "json",
        "--today",
        today,
        "--config",
        config,
        "--db",
        tmp_path / "m.db",
    )
    assert result.exit_code in (0, 3), result.output
    doc: dict[str, object] = json.loads(result.stdout)
    return doc, result.stderr


def test_an_evening_oregon_call_in_utc_stays_on_its_own_day(tmp_path: Path) -> None:
    """Mary's voicemail at 19:30 on Saturday, written in UTC (03:30 Sunday), came before the
    20:00 conversation written in local time: the conversation is her latest call, so no
    card. Kept in UTC, the voicemail would have been "later" and planned an offer card, and
    would have been a call "after today"."""
    calls = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,name,outcome,called_at\n"
        "C001,Mary Albright,Left Voicemail,2026-11-22T03:30:00Z\n"
        "C001,Mary Albright,Talked,2026-11-21 20:00\n",
    )
    doc, warnings = _plan(tmp_path, calls, "2026-11-21", _config(tmp_path))
    steps = doc["steps"]
    assert isinstance(steps, list)
    ((mary_action, mary_row),) = [(s["action"], s["row"]) for s in steps]
    assert (mary_action, mary_row) == ("skip", 3)
    assert "after today" not in warnings


@pytest.mark.parametrize(
    "written",
    [
        "1795318200000",  # Aircall-style epoch milliseconds
        "1795318200",
        "Sat, 21 Nov 2026 19:30:00 -0800",
        "Sat 11/21/2026 7:30 PM",
        "2026-11-21 19:30:00 PST",
    ],
)
def test_more_date_forms_plan_through_mailer_plan(tmp_path: Path, written: str) -> None:
    calls = write_file(
        tmp_path,
        "calls.csv",
        f'contact_id,name,address,outcome,called_at\nC001,Mary Albright,"12 Elm St, Springfield, '
        f'IL 62704",vm,"{written}"\n',
    )
    doc, warnings = _plan(tmp_path, calls, "2026-11-21", _config(tmp_path))
    assert doc["rejected"] == []
    steps = doc["steps"]
    assert isinstance(steps, list)
    assert [(s["action"], s["send_date"]) for s in steps] == [("mail", "2026-11-21")]
    assert "after today" not in warnings


# --- the config ---------------------------------------------------------------------------


def test_the_zone_comes_from_the_config() -> None:
    assert call_zone(from_mapping({}).calls) is None  # the machine's own
    assert call_zone(from_mapping({"calls": {"timezone": "Europe/London"}}).calls) == ZoneInfo(
        "Europe/London"
    )


@pytest.mark.parametrize("zone", ["Pacific", "America/Portland", "../etc/passwd", "PST-8"])
def test_an_unknown_zone_names_the_key_and_the_fix(zone: str) -> None:
    with pytest.raises(ConfigError, match=r"calls\.timezone") as caught:
        from_mapping({"calls": {"timezone": zone}})
    assert "America/Los_Angeles" in (caught.value.hint or "")


def test_an_unknown_zone_in_the_file_stops_mailer_plan(tmp_path: Path) -> None:
    calls = write_file(tmp_path, "calls.csv", "id,outcome\nC001,vm\n")
    config = _config(tmp_path, 'timezone = "Mars/Olympus_Mons"')
    result = invoke("plan", calls, "--config", config, "--db", tmp_path / "m.db")
    assert result.exit_code != 0
    assert "calls.timezone" in result.output
    assert "Traceback" not in result.output


def test_max_age_days_must_be_positive() -> None:
    with pytest.raises(ConfigError, match=r"calls\.max_age_days"):
        from_mapping({"calls": {"max_age_days": 0}})


# --- old calls ----------------------------------------------------------------------------


def test_one_warning_for_a_file_of_old_calls(tmp_path: Path) -> None:
    rows = "".join(f"C{n:03d},vm,2026-08-{n:02d}\n" for n in range(1, 13))
    old = write_file(tmp_path, "old.csv", "id,outcome,called_at\n" + rows)
    fresh = write_file(tmp_path, "fresh.csv", "id,outcome,called_at\nC100,vm,2026-11-20\n")
    log = read_call_logs([old, fresh], date(2026, 11, 22), max_age_days=60)
    warnings = [n for n in log.notices if "older than" in n.message]
    assert [(n.file, n.row, n.message) for n in warnings] == [
        (
            str(old),
            None,
            "12 calls are older than 60 days (the oldest 2026-08-01): is this the right file?",
        )
    ]


def test_old_calls_through_mailer_plan(tmp_path: Path) -> None:
    calls = write_file(tmp_path, "calls.csv", "id,outcome,called_at\nC001,vm,2026-08-01\n")
    result = invoke(
        "plan",
        calls,
        "--today",
        "2026-11-22",
        "--config",
        _config(tmp_path, "max_age_days = 30"),
        "--db",
        tmp_path / "m.db",
    )
    assert "1 call is older than 30 days (the oldest 2026-08-01)" in result.output


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([date(2026, 9, 23)], None),  # exactly 60 days: not older
        ([date(2026, 9, 22)], "1 call is older than 60 days (the oldest 2026-09-22)"),
        ([], None),
    ],
)
def test_the_age_limit(days: list[date], expected: str | None) -> None:
    found = old_calls_warning(days, date(2026, 11, 22), 60)
    assert (found.split(":")[0] if found else None) == expected
