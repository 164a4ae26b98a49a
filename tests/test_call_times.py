"""When follow-up calls are made: callback notes read for days and times of day (a table of
real phrasings, the flagged ones listed), the window of the day chosen away from the ones
that missed, calls spread in slots, the contact's own clock, the config keys, and all of it
through `mailer plan` / `mailer followups` at 80 columns with the calendar parsed back."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from mailer.config import Calls, Followups, call_windows, from_mapping
from mailer.domain.daytimes import DEFAULT_WINDOWS, CallWindow, TimeAsk, time_asked, windows_of
from mailer.domain.models import Address, CallRecord, Outcome
from mailer.errors import ConfigError
from mailer.followups.calls import follow_up_for, follow_ups
from mailer.followups.windows import Placement, choose, contact_zone, spread
from mailer.planning.cadence import plan_steps
from mailer.planning.callbacks import requested_callback, unread_callback_note
from mailer.project import DEMO
from tests.builders import call_record, invoke, mail_step, write_file

WINDOWS = windows_of(DEFAULT_WINDOWS)
MORNING, AFTERNOON, EVENING = WINDOWS
SLOT = timedelta(minutes=15)
FRIDAY_10 = "2026-11-20 10:00"  # a Friday morning call


def callback(notes: str, called_at: str = FRIDAY_10) -> CallRecord:
    return call_record("C001", Outcome.CALLBACK, called_at, notes=notes)


# --- the note reader: real phrasings ------------------------------------------------------------

# (notes, called at, day asked, time asked (start, end), how the plan says it)
PHRASINGS = [
    ("Call back Friday after 3", "2026-11-18 10:00", "2026-11-20", (15, None), "Friday after 3"),
    ("cb fri after 3pm", "2026-11-18 10:00", "2026-11-20", (15, None), "fri after 3pm"),
    ("call me in March", "2027-02-20 11:00", "2027-03-01", None, "in March"),
    ("try early March", "2027-02-20 11:00", "2027-03-01", None, "early March"),
    ("mid-march is better", "2027-02-20 11:00", "2027-03-15", None, "mid-march"),
    ("call end of March", "2027-02-20 11:00", "2027-03-25", None, "end of March"),
    ("call me in jan", "2026-11-20 11:00", "2027-01-01", None, "in jan"),
    ("call me on the 25th", "2026-11-20 11:00", "2026-11-25", None, "on the 25th"),
    ("the 25th works", "2026-11-28 11:00", "2026-12-25", None, "the 25th"),
    ("on the 31st", "2026-11-05 11:00", "2026-12-31", None, "on the 31st"),
    ("after the 25th", "2026-11-20 11:00", "2026-11-26", None, "after the 25th"),
    ("call back at 2:30", FRIDAY_10, "2026-11-20", (14.5, 14.5), "at 2:30"),
    ("call back after 3", FRIDAY_10, "2026-11-20", (15, None), "after 3"),
    ("after 3", "2026-11-20 16:10", "2026-11-21", (15, None), "after 3"),
    ("call in the evening", FRIDAY_10, "2026-11-20", (17, None), "in the evening"),
    ("mornings are best", "2026-11-20 14:00", "2026-11-21", (None, 12), "mornings"),
    ("tonight after dinner", FRIDAY_10, "2026-11-20", (17, None), "tonight"),
    ("Monday morning", FRIDAY_10, "2026-11-23", (None, 12), "Monday morning"),
    ("busy, try Tuesday between 2 and 4", FRIDAY_10, "2026-11-24", (14, 16), "Tuesday between"),
    ("wed 10am", FRIDAY_10, "2026-11-25", (10, 10), "wed 10am"),
    ("call around noon tomorrow", FRIDAY_10, "2026-11-21", (12, 13), "tomorrow noon"),
    ("next week, before 11", FRIDAY_10, "2026-11-23", (None, 11), "next week before 11"),
    ("try 12/1 at 10:30am", FRIDAY_10, "2026-12-01", (10.5, 10.5), "on 12/1 at 10:30am"),
    ("ring after lunch on Monday", FRIDAY_10, "2026-11-23", (12, 17), "Monday after lunch"),
    ("call after three", FRIDAY_10, "2026-11-20", (15, None), "after three"),
    ("call 217-555-0164 Thursday", FRIDAY_10, "2026-11-26", None, "Thursday"),
]


def _clock(hours: float | None) -> time | None:
    return None if hours is None else time(int(hours), int(hours % 1 * 60))


@pytest.mark.parametrize(("notes", "called", "day", "at", "said"), PHRASINGS)
def test_real_callback_phrasings_are_read(
    notes: str, called: str, day: str, at: tuple[float | None, float | None] | None, said: str
) -> None:
    request = requested_callback(callback(notes, called))
    assert request is not None
    assert request.day == date.fromisoformat(day)
    if at is None:
        assert request.at is None
    else:
        assert request.at is not None
        assert (request.at.start, request.at.end) == (_clock(at[0]), _clock(at[1]))
    for word in said.split():
        assert word in request.said, request.said
    assert unread_callback_note(callback(notes, called)) is None


# Notes that speak of when but name nothing mailer can read: flagged for the seller.
FLAGGED = [
    "call me when the baby comes",
    "after the wedding",
    "in the new year",
    "next spring maybe",
    "back from vacation soon",
    "around the 3rd week of jan",
    "when her husband is home",
    "call back 12/30/9999",  # a slip: more than a year away is never calendared
]
# Notes that say nothing about when: no day given, nothing to flag.
SILENT = ["", "cb", "please call back", "Busy cooking", "wants a call back, was driving"]


@pytest.mark.parametrize("notes", FLAGGED)
def test_notes_that_cant_be_read_are_flagged_not_guessed(notes: str) -> None:
    record = callback(notes)
    assert requested_callback(record) is None
    assert unread_callback_note(record) == notes
    (step,) = plan_steps([record], {}, DEMO, date(2026, 11, 20))
    assert step.reason == f"couldn't read {notes!r}; due Mon Nov 23, please check"
    assert step.follow_up_call == date(2026, 11, 23)
    call = follow_up_for(step, DEMO)
    assert call is not None
    assert call.why.startswith(f"couldn't read {notes!r}")


@pytest.mark.parametrize("notes", SILENT)
def test_notes_that_say_nothing_of_when_give_no_day_and_no_flag(notes: str) -> None:
    record = callback(notes)
    assert unread_callback_note(record) is None
    (step,) = plan_steps([record], {}, DEMO, date(2026, 11, 20))
    assert step.reason == "asked for a call back, no day given: call Mon Nov 23"


def test_times_are_never_read_from_dates_phones_or_ordinals() -> None:
    counts = ("call back in about 5 minutes", "after 2 days", "after two weeks", "at one point")
    for notes in ("try 3/4", "3rd attempt", "555-0101", "on the 25th", "call 12/1", *counts):
        assert time_asked(notes) is None, notes
    assert time_asked("2-4pm") == TimeAsk(time(14), time(16), "2-4pm")
    assert time_asked("at 9") == TimeAsk(time(9), time(9), "at 9")  # 8 to 11 are mornings
    assert time_asked("after 7") == TimeAsk(time(19), None, "after 7")  # 1 to 7 afternoons


# --- choosing the window ------------------------------------------------------------------------


def test_a_missed_morning_goes_to_the_afternoon_then_the_evening() -> None:
    assert choose(WINDOWS, [], None, SLOT)[:3] == ("morning", time(9), time(12))
    assert choose(WINDOWS, [time(10, 5)], None, SLOT) == (
        "afternoon", time(13), time(17), "afternoon: no answer in the morning",
    )  # fmt: skip
    assert choose(WINDOWS, [time(10, 5), time(14, 0)], None, SLOT)[0] == "evening"
    assert choose(WINDOWS, [time(18)], None, SLOT)[0] == "morning"  # round the day
    # Every window missed: the one missed least, the next after the last miss on a tie.
    assert choose(WINDOWS, [time(10), time(14), time(18), time(10)], None, SLOT)[0] == "afternoon"
    # A call between windows counts against the nearest one.
    assert choose(WINDOWS, [time(12, 20)], None, SLOT)[0] == "afternoon"


@given(st.lists(st.integers(0, 24 * 60 - 1), max_size=6))
def test_never_a_missed_window_while_another_is_left(minutes: list[int]) -> None:
    missed = [time(m // 60, m % 60) for m in minutes]
    name = choose(WINDOWS, missed, None, SLOT)[0]
    hit = set()
    for at in missed:
        nearest = min(
            WINDOWS,
            key=lambda w: (
                0
                if w.start <= at < w.end
                else min(abs(_m(w.start) - _m(at)), abs(_m(at) - _m(w.end)))
            ),
        )
        hit.add(nearest.name)
    if len(hit) < len(WINDOWS):
        assert name not in hit


def _m(at: time) -> int:
    return at.hour * 60 + at.minute


def test_a_time_asked_for_wins_over_the_windows() -> None:
    after_three = TimeAsk(time(15), None, "after 3")
    assert choose(WINDOWS, [time(15, 30)], after_three, SLOT)[:3] == (
        "afternoon", time(15), time(17),
    )  # fmt: skip
    evening = TimeAsk(time(17), None, "evening")
    assert choose(WINDOWS, [], evening, SLOT)[:3] == ("evening", time(17, 30), time(19, 30))
    # Outside every window: at the time they asked all the same.
    late = TimeAsk(time(20, 30), time(20, 30), "at 8:30")
    assert choose(WINDOWS, [], late, SLOT)[:3] == ("as asked", time(20, 30), time(20, 45))


def test_calls_of_a_day_are_spread_in_slots_not_stacked() -> None:
    day = date(2026, 11, 30)
    afternoon = Placement(day, time(13), time(17), "afternoon")
    exact = Placement(day, time(13, 15), time(13, 30), "afternoon")
    items = [(f"c{n}", afternoon) for n in range(3)] + [("asked", exact)]
    placed = spread(items, SLOT)
    starts = {key: p.start for key, p in placed.items()}
    # The call asked for 13:15 keeps it (narrowest first); the others fill around it.
    assert starts == {"asked": time(13, 15), "c0": time(13), "c1": time(13, 30), "c2": time(13, 45)}
    assert spread(items, SLOT) == placed  # the same plan spreads the same way
    # A full window shares the slot shared with the fewest, never leaves its window.
    tiny = Placement(day, time(9), time(9, 30), "morning")
    shared = spread([(f"t{n}", tiny) for n in range(5)], SLOT)
    assert sorted(p.start for p in shared.values()) == [time(9)] * 3 + [time(9, 15)] * 2


def test_the_missed_calls_of_the_cycle_all_count() -> None:
    # An afternoon miss on an earlier session, then this morning's voicemail: the evening.
    step = dataclasses.replace(
        mail_step(call_record("C001")), missed_at=(datetime(2026, 11, 14, 14, 30),)
    )
    call = follow_up_for(step, DEMO)
    assert call is not None
    assert (call.window_name, call.window) == ("evening", (time(17, 30), time(19, 30)))
    assert call.why.endswith("evening: no answer in the morning and afternoon")
    # A call that was answered is no miss: the first window.
    spoke = dataclasses.replace(step, record=call_record("C001", Outcome.CONNECTED), missed_at=())
    assert follow_up_for(spoke, DEMO).window_name == "morning"  # type: ignore[union-attr]


# --- the contact's own clock -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "phone", "zone"),
    [
        ("IL", "", "America/Chicago"),
        ("CA", "+1 212 555 0100", "America/Los_Angeles"),  # where they live wins
        ("TX", "915-555-0100", "America/Denver"),  # El Paso: a two-zone state, the area code
        ("TX", "212-555-0100", "America/Chicago"),  # the area code elsewhere: most of Texas
        ("", "212-555-0100", "America/New_York"),  # no address: the area code
        ("", "555-0100", None),  # nothing to tell
    ],
)
def test_the_contacts_zone_comes_from_the_address_then_the_area_code(
    state: str, phone: str, zone: str | None
) -> None:
    record = call_record("C001", phone=phone, address=Address("1 Main St", "", "Town", state))
    found = contact_zone(record)
    assert (str(found) if found else None) == zone


NEW_YORK = dataclasses.replace(DEMO, calls=Calls(timezone="America/New_York"))


def test_a_contact_in_another_zone_is_called_in_their_hours_shown_in_the_sellers() -> None:
    # A Chicago contact left a voicemail at 10:05 New York time (9:05 theirs): their
    # afternoon, 13:00-17:00 Central, is 14:00-18:00 for a seller in New York.
    step = mail_step(call_record("C001", phone="217-555-0101"))
    (call,) = follow_ups([step], NEW_YORK)
    assert (call.on, call.window) == (date(2026, 11, 30), (time(14), time(14, 15)))
    assert call.their_time == "13:00 their time (CST)"
    assert call.why.endswith("afternoon: no answer in the morning; 13:00 their time (CST)")
    # Without the seller's zone, mailer moves nothing between zones.
    (plain,) = follow_ups([step], DEMO)
    assert (plain.window, plain.their_time) == ((time(13), time(13, 15)), "")


def test_the_seller_sees_their_own_day_when_the_contacts_evening_is_past_midnight() -> None:
    honolulu = call_record(
        "C001", phone="808-555-0101", address=Address("1 Ala St", "", "Hilo", "HI")
    )
    step = dataclasses.replace(mail_step(honolulu), missed_at=(datetime(2026, 11, 21, 15, 5),))
    step = dataclasses.replace(step, record=dataclasses.replace(honolulu, outcome=Outcome.BUSY))
    # 10:05 and 15:05 New York are 05:05 and 10:05 in Hilo: mornings both; afternoon next.
    (call,) = follow_ups([step], NEW_YORK)
    assert call.window_name == "afternoon"
    assert (call.on, call.window[0]) == (date(2026, 11, 30), time(18))
    assert call.their_time == "13:00 their time (HST)"


# --- the config ---------------------------------------------------------------------------------


def test_the_default_windows_and_the_old_single_window_key() -> None:
    assert call_windows(Followups()) == WINDOWS
    old = from_mapping({"followups": {"call_window": "10:00-12:00"}}).followups
    assert call_windows(old) == (CallWindow("call_window", time(10), time(12)),)
    mine = from_mapping({"followups": {"windows": {"evening": "", "lunch": "12:00-13:00"}}})
    assert [w.name for w in call_windows(mine.followups)] == ["morning", "lunch", "afternoon"]


@pytest.mark.parametrize(
    ("followups", "message"),
    [
        ({"windows": {"lunch": "12:00-14:00"}}, "'followups.windows.afternoon' overlaps lunch"),
        ({"windows": {"morning": "9-12"}}, "'followups.windows.morning' is '9-12'"),
        ({"windows": {"morning": "12:00-09:00"}}, "'followups.windows.morning' is"),
        (
            {"windows": {"morning": "", "afternoon": "", "evening": ""}},
            "'followups.windows' leaves no window",
        ),
        (
            {"call_window": "10:00-12:00", "windows": {"late": "20:00-21:00"}},
            "'followups.call_window' and [followups.windows] are both set",
        ),
        ({"call_window": "10-12"}, "'followups.call_window' is '10-12'"),
        ({"slot_minutes": 0}, "'followups.slot_minutes' is 0"),
    ],
)
def test_windows_that_are_not_windows_are_config_errors(
    followups: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping({"followups": followups})
    assert message in str(caught.value)


# --- through the command line -----------------------------------------------------------------

HEADER = "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,"
ROWS = [
    "A1,Amy,Carter,217-555-0101,1 Oak St,Springfield,IL,62704,voicemail,2026-11-20 10:05,",
    "B2,Ben,Ode,217-555-0102,2 Oak St,Springfield,IL,62704,no answer,2026-11-20 10:20,",
    "C3,Cy,Park,217-555-0103,3 Oak St,Springfield,IL,62704,voicemail,2026-11-20 14:10,",
    "D4,Di,Fox,303-555-0104,4 Pine St,Denver,CO,80203,callback,2026-11-20 11:00,Monday after 3",
    "E5,Eve,Ng,217-555-0105,5 Oak St,Springfield,IL,62704,callback,2026-11-20 11:30,"
    "call me when the baby comes",
]


def test_followups_at_80_columns_and_the_calendar_parsed_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    calls = write_file(tmp_path, "calls.csv", HEADER + "called_at,notes\n" + "\n".join(ROWS) + "\n")
    config = write_file(
        tmp_path,
        "mailer.toml",
        '[sender]\nname = "Jamie Rivera"\n[calls]\ntimezone = "America/Chicago"\n',
    )
    db = tmp_path / "m.db"
    planned = invoke("plan", calls, "--config", config, "--today", "2026-11-20", "--db", db)
    assert planned.exit_code == 0, planned.output
    said = " ".join(planned.output.split())
    assert (
        "calls.csv:6: couldn't read 'call me when the baby comes'; due Mon Nov 23, please check"
        in said
    )
    ics = tmp_path / "calls.ics"
    shown = invoke(
        "followups", "--config", config, "--today", "2026-11-23", "--db", db, "--ics", ics
    )
    assert shown.exit_code == 0, shown.output
    assert [line for line in shown.stdout.splitlines() if len(line) > 80] == []
    events = {
        str(e["SUMMARY"]).split()[1]: (
            e.decoded("DTSTART"),
            e.decoded("DTEND"),
            str(e["DESCRIPTION"]),
        )
        for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    }
    # Di asked for Monday after 3, her time (Denver): 16:00 for a seller in Chicago.
    start, end, text = events["Di"]
    assert (start, end) == (datetime(2026, 11, 23, 16, 0), datetime(2026, 11, 23, 16, 15))
    assert "15:00 their time (MST)" in text
    # Eve's note could not be read: the call says so.
    assert events["Eve"][2].startswith("couldn't read 'call me when the baby comes'")
    assert events["Eve"][0] == datetime(2026, 11, 23, 9, 0)
    # Amy and Ben missed in the morning, Cy in the afternoon: no call goes back there, and
    # the two afternoon calls of the same day are a slot apart.
    assert events["Amy"][0].time() == time(13, 0)
    assert events["Ben"][0].time() == time(13, 15)
    assert events["Cy"][0].time() == time(17, 30)
    assert len({e[0] for e in events.values()}) == len(events)


def test_a_callback_day_years_away_is_flagged_and_nothing_overflows(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,first_name,last_name,phone,outcome,called_at,callback_on,notes\n"
        "C001,Mary,Albright,217-555-0101,callback,2026-11-20 10:00,9999-12-31,\n"
        "C002,Zoe,Nguyen,217-555-0102,callback,2026-11-20 11:00,,call back 12/30/9999\n",
    )
    db, out = tmp_path / "m.db", tmp_path / "out"
    ran = invoke("run", calls, "--demo", "--db", db, "--out", out, "--today", "2026-11-20")
    assert ran.exit_code == 0, ran.output
    said = " ".join(ran.stderr.split())
    assert "couldn't read 'callback_on 9999-12-31'; due Mon Nov 23, please check" in said
    assert "couldn't read 'call back 12/30/9999'; due Mon Nov 23, please check" in said
    listed = invoke("followups", "--all", "--demo", "--db", db, "--today", "2026-11-20")
    assert listed.exit_code == 0, listed.output
    assert "Traceback" not in listed.output
