"""The second call (`mailer.followups.calls`): which steps ask for one and when it is still
worth making, what to say, and the calendar file (parsed back with icalendar). followups.csv
and followups.pdf, the call sheet, are tested in test_sheet*.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from icalendar import Calendar

from mailer.config import Config, Followups, Sender
from mailer.domain.models import MailStep, Outcome
from mailer.followups.calls import (
    FollowUp,
    actionable,
    calendar_bytes,
    call_script,
    follow_up_for,
    follow_ups,
    friendly,
    write_ics,
)
from mailer.project import DEMO
from tests.builders import (
    call_record,
    callback_step,
    mail_step,
    opt_out_step,
    skip_step,
)

CONFIG = DEMO
STAMP = date(2026, 11, 23)

OFFER = mail_step(call_record())  # sent Nov 23, call Nov 30, offer until Dec 7
CALLBACK = callback_step(
    call_record("C002", Outcome.CALLBACK, first="Zoë", last="Nguyễn", row=3), date(2026, 11, 24)
)
BIRTHDAY = mail_step(
    call_record("C004", first="Ann", last="Lee", row=5), "birthday", expires=None
)  # a card with a call but no offer
THANKS = mail_step(
    call_record("C003", Outcome.CONNECTED, row=4), "thank-you", expires=None, follow_up=None
)

OFFER_SCRIPT = (
    "Hi Mary, it's Jamie from Prairie Lantern Candles. I popped a note in the mail to you last "
    "week: did it reach you? The offer on it is good until Monday, December 7, so if you'd like "
    "it, just call me by then. No pressure at all, I just didn't want you to miss it."
)
CALLBACK_SCRIPT = (
    "Hi Zoë, it's Jamie from Prairie Lantern Candles. You asked me to give you a call back "
    "today, so here I am. Is now still a good time?"
)
HELLO_SCRIPT = (
    "Hi Ann, it's Jamie from Prairie Lantern Candles. I sent you a little card the other day "
    "and just wanted to say hello. No reason other than that: I hope you're well."
)


def the_call(step: MailStep, config: Config = CONFIG) -> FollowUp:
    found = follow_up_for(step, config)
    assert found is not None
    return found


# --- which steps ask for a call ---------------------------------------------------------------


def test_an_offer_card_asks_for_the_second_call() -> None:
    call = the_call(OFFER)
    assert call.on == date(2026, 11, 30)
    assert call.window == (time(10, 0), time(12, 0))
    assert (call.contact_id, call.name, call.phone) == ("C001", "Mary Albright", "555-0101")
    assert call.why == "second call: note mailed Nov 23, offer ends Dec 7"
    assert call.script == OFFER_SCRIPT
    assert call.offer_deadline == date(2026, 12, 7)


def test_a_callback_is_a_call_on_the_day_asked() -> None:
    call = the_call(CALLBACK)
    assert call.on == date(2026, 11, 24)
    assert call.why == "asked for a call back"
    assert call.script == CALLBACK_SCRIPT
    assert call.offer_deadline is None


def test_a_card_without_an_offer_gets_a_hello_call() -> None:
    call = the_call(BIRTHDAY)
    assert call.why == "card mailed Nov 23"
    assert call.script == HELLO_SCRIPT
    assert call.offer_deadline is None


def test_a_call_step_for_another_reason_says_that_reason() -> None:
    step = dataclasses.replace(
        callback_step(call_record("C005", Outcome.NO_ANSWER), date(2026, 11, 25)),
        reason="no answer twice: call again",
    )
    assert the_call(step).why == "no answer twice: call again"


@pytest.mark.parametrize(
    "step",
    [
        THANKS,
        skip_step(call_record("C006", Outcome.CONNECTED)),
        opt_out_step(call_record("C007", Outcome.OPT_OUT)),
        # a skip or opt-out never asks for a call, whatever dates it carries
        dataclasses.replace(opt_out_step(call_record("C008")), follow_up_call=date(2026, 12, 1)),
    ],
)
def test_steps_that_ask_for_no_call(step: MailStep) -> None:
    assert follow_up_for(step, CONFIG) is None
    assert follow_ups([step], CONFIG) == []


def test_a_contact_without_a_name_is_called_by_id_and_greeted_there() -> None:
    step = mail_step(call_record("C010", first="", last=""))
    call = the_call(step)
    assert call.name == "C010"
    assert call.script.startswith("Hi there, it's Jamie from Prairie Lantern Candles.")


def test_the_window_and_the_sellers_voice_come_from_the_config() -> None:
    config = dataclasses.replace(
        CONFIG,
        sender=Sender(name="Sam Ortiz", company=""),
        followups=Followups(call_window="09:30-11:15"),
    )
    call = the_call(OFFER, config)
    assert call.window == (time(9, 30), time(11, 15))
    assert call.script.startswith("Hi Mary, it's Sam. I popped a note in the mail")
    assert call_script(CALLBACK, config).startswith("Hi Zoë, it's Sam. You asked me")


def test_the_uid_is_stable_for_a_step_and_differs_between_steps() -> None:
    uid = the_call(OFFER).uid
    assert uid == the_call(mail_step(call_record())).uid
    assert uid.endswith("@mailer")
    digest = uid.removesuffix("@mailer")
    assert len(digest) == 32
    assert set(digest) <= set("0123456789abcdef")
    others = {the_call(s).uid for s in (CALLBACK, BIRTHDAY, mail_step(call_record("C011")))}
    assert uid not in others
    assert len(others) == 3


def test_follow_ups_come_soonest_first_then_by_name() -> None:
    ben = callback_step(
        call_record("C012", Outcome.CALLBACK, first="ben", last="Ode"),
        date(2026, 11, 24),
    )
    calls = follow_ups([OFFER, THANKS, CALLBACK, BIRTHDAY, ben], CONFIG)
    assert [(c.on, c.name) for c in calls] == [
        (date(2026, 11, 24), "ben Ode"),
        (date(2026, 11, 24), "Zoë Nguyễn"),
        (date(2026, 11, 30), "Ann Lee"),
        (date(2026, 11, 30), "Mary Albright"),
    ]


def test_friendly_dates_are_how_people_say_them() -> None:
    assert friendly(date(2026, 11, 30)) == "Monday, November 30"
    assert friendly(date(2027, 1, 1)) == "Friday, January 1"


# --- whether a call is still worth making -----------------------------------------------------


@pytest.mark.parametrize(
    ("today", "worth_it"),
    [
        (date(2026, 11, 23), True),
        (date(2026, 11, 30), True),
        (date(2026, 12, 7), True),  # the offer's last day
        (date(2026, 12, 8), False),
    ],
)
def test_an_offer_call_is_worth_making_while_the_offer_is_open(today: date, worth_it: bool) -> None:
    assert actionable(OFFER, today) is worth_it


@pytest.mark.parametrize(
    ("today", "worth_it"),
    [
        (date(2026, 11, 24), True),
        (date(2026, 12, 1), True),  # a week after the day asked
        (date(2026, 12, 2), False),
    ],
)
def test_a_call_without_an_offer_is_worth_making_for_a_week(today: date, worth_it: bool) -> None:
    assert actionable(CALLBACK, today) is worth_it


def test_a_step_without_a_call_is_never_actionable() -> None:
    assert actionable(THANKS, date(2026, 11, 1)) is False
    assert actionable(skip_step(call_record()), date(2026, 11, 1)) is False


# --- the calendar -----------------------------------------------------------------------------


def events(data: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//mailer//Call-Mail-Call follow-ups//EN"
    return [
        {
            "uid": str(e["UID"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "stamp": e.decoded("DTSTAMP"),
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
        }
        for e in calendar.walk("VEVENT")
    ]


def test_the_calendar_has_one_event_a_call_in_local_time(tmp_path: Path) -> None:
    calls = follow_ups([OFFER, CALLBACK, THANKS], CONFIG)
    path = tmp_path / "followups.ics"
    write_ics(calls, path, STAMP)
    assert path.read_bytes() == calendar_bytes(calls, STAMP)
    assert events(path.read_bytes()) == [
        {
            "uid": the_call(CALLBACK).uid,
            "start": datetime(2026, 11, 24, 10, 0),  # floating: the seller's own time zone
            "end": datetime(2026, 11, 24, 12, 0),
            "stamp": datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
            "summary": "Call Zoë Nguyễn 555-0102",
            "description": f"asked for a call back\n\n{CALLBACK_SCRIPT}",
        },
        {
            "uid": the_call(OFFER).uid,
            "start": datetime(2026, 11, 30, 10, 0),
            "end": datetime(2026, 11, 30, 12, 0),
            "stamp": datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
            "summary": "Call Mary Albright 555-0101",
            "description": (
                "second call: note mailed Nov 23, offer ends Dec 7\n\n"
                f"{OFFER_SCRIPT}\n\nOffer deadline: Monday, December 7"
            ),
        },
    ]


def test_an_event_without_a_phone_says_only_the_name() -> None:
    step = mail_step(call_record("C014", first="Ann", last="Lee", phone=""))
    (event,) = events(calendar_bytes([the_call(step)], STAMP))
    assert event["summary"] == "Call Ann Lee"


def test_the_same_calls_give_the_same_bytes_and_the_stamp_is_the_only_clock() -> None:
    calls = follow_ups([OFFER, CALLBACK], CONFIG)
    assert calendar_bytes(calls, STAMP) == calendar_bytes(list(calls), STAMP)
    later = calendar_bytes(calls, date(2026, 11, 25))
    assert later != calendar_bytes(calls, STAMP)
    assert [e["stamp"] for e in events(later)] == [datetime(2026, 11, 25, tzinfo=UTC)] * 2


def test_no_calls_is_an_empty_calendar() -> None:
    assert events(calendar_bytes([], STAMP)) == []
