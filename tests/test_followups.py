"""The second call (`mailer.followups.calls`): which steps ask for one and when it is still
worth making and what to say (the scripts themselves: tests/test_scripts.py; the calendar:
tests/test_followup_calendar.py; followups.csv and followups.pdf, the call sheet:
tests/test_sheet*.py)."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest

from mailer.config import Config, Followups, Sender
from mailer.domain.models import MailStep, Outcome
from mailer.followups.calls import (
    FollowUp,
    actionable,
    follow_up_for,
    follow_ups,
    friendly,
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

OFFER = dataclasses.replace(
    mail_step(call_record()), card_code="R2T3DEH"
)  # sent Nov 23, call Nov 30
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
    'week: did it reach you? The offer on it, "Your holiday candles, 20% off", is good until '
    "Monday, December 7, so if you'd like it, just call me by then (the code on the card is "
    "R2T3-DEH). No pressure at all, I just didn't want you to miss it."
)
CALLBACK_SCRIPT = (
    "Hi Zoë, it's Jamie from Prairie Lantern Candles. You asked me to give you a call back "
    "today, so here I am. Is now still a good time?"
)
HELLO_SCRIPT = (
    "Hi Ann, it's Jamie from Prairie Lantern Candles. I sent you a little card last week and "
    "just wanted to say hello. No reason other than that: I hope you're well."
)


def the_call(step: MailStep, config: Config = CONFIG) -> FollowUp:
    found = follow_up_for(step, config)
    assert found is not None
    return found


# --- which steps ask for a call ---------------------------------------------------------------


def test_an_offer_card_asks_for_the_second_call() -> None:
    call = the_call(OFFER)
    assert call.on == date(2026, 11, 30)
    # The voicemail was left at 10:05: the second call goes in another window.
    assert call.window == (time(13, 0), time(17, 0))
    assert (call.contact_id, call.name, call.phone) == ("C001", "Mary Albright", "555-0101")
    assert call.why == (
        "second call: note mailed Nov 23, offer ends Dec 7; afternoon: no answer in the morning"
    )
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
    assert call.why == "card mailed Nov 23; afternoon: no answer in the morning"
    assert call.script == HELLO_SCRIPT
    assert call.offer_deadline is None


def test_a_call_step_for_another_reason_says_that_reason() -> None:
    step = dataclasses.replace(
        callback_step(call_record("C005", Outcome.NO_ANSWER), date(2026, 11, 25)),
        reason="no answer twice: call again",
    )
    assert the_call(step).why == "no answer twice: call again; afternoon: no answer in the morning"


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
    assert the_call(CALLBACK, config).script.startswith("Hi Zoë, it's Sam. You asked me")


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


def test_follow_ups_come_soonest_first_then_by_time_and_name() -> None:
    ben = callback_step(
        call_record("C012", Outcome.CALLBACK, first="ben", last="Ode"),
        date(2026, 11, 24),
    )
    calls = follow_ups([OFFER, THANKS, CALLBACK, BIRTHDAY, ben], CONFIG)
    # Two callbacks in the morning of Nov 24 take its first two slots, by name.
    assert [(c.on, c.window[0], c.name) for c in calls] == [
        (date(2026, 11, 24), time(9, 0), "ben Ode"),
        (date(2026, 11, 24), time(9, 15), "Zoë Nguyễn"),
        (date(2026, 11, 30), time(13, 0), "Ann Lee"),
        (date(2026, 11, 30), time(13, 15), "Mary Albright"),
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
