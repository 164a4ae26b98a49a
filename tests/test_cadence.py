"""The Call-Mail-Call cadence: which step each contact gets, and its dates."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mailer.config import Config
from mailer.domain import postal_days as postal
from mailer.domain.addresses import mailability_problem, with_mail_address
from mailer.domain.models import (
    Action,
    Address,
    CallRecord,
    ContactHistory,
    MailStep,
    Outcome,
    PastMailing,
)
from mailer.errors import ConfigError
from mailer.planning import feasibility
from mailer.planning.cadence import check_feasible, plan_steps
from mailer.planning.callbacks import day_from_notes
from tests.builders import cadence_config, call_record

D = date.fromisoformat
TODAY = D("2026-11-22")  # a Sunday, four days before Thanksgiving
HOME = Address("1418 Oak Ridge Dr", "", "Springfield", "IL", "62704")
NO_STREET = Address("", "", "Springfield", "IL", "62704")


def call(
    outcome: Outcome = Outcome.VOICEMAIL,
    at: str = "2026-11-21 10:05",
    contact: str = "C001",
    **fields: Any,
) -> CallRecord:
    """The table's shorthand for `call_record`: the outcome first, the time as text, and the
    house on Oak Ridge Dr unless an address is given."""
    fields.setdefault("address", HOME)
    return call_record(contact, outcome, at, **fields)


def mailed(template: str, send: str, contact: str = "C001") -> ContactHistory:
    return ContactHistory(contact, mailings=(PastMailing(template, D(send)),))


def only_step(
    records: Sequence[CallRecord],
    history: Mapping[str, ContactHistory] | None = None,
    config: Config | None = None,
    today: date = TODAY,
) -> MailStep:
    steps = plan_steps(records, history or {}, config or cadence_config(), today)
    assert len(steps) == 1
    return steps[0]


def dates(step: MailStep) -> tuple[str | None, ...]:
    return tuple(
        None if d is None else d.isoformat()
        for d in (step.send_date, step.expected_delivery, step.offer_expires, step.follow_up_call)
    )


OFFER_DATES = ("2026-11-23", "2026-11-27", "2026-12-07", "2026-11-30")
CARD_ONLY = ("2026-11-23", "2026-11-27", None, None)
NONE = (None, None, None, None)


def call_on(day: str) -> tuple[None, None, None, str]:
    return (None, None, None, day)


# (records, history, config, action, template, reason, dates)
SCENARIOS: dict[str, tuple[Any, ...]] = {
    "voicemail, first call": (
        [call()], {}, cadence_config(), Action.MAIL, "offer",
        "voicemail on the first call: mail a time-sensitive note", OFFER_DATES,
    ),
    "no answer": (
        [call(Outcome.NO_ANSWER)], {}, cadence_config(), Action.MAIL, "offer",
        "no answer: mail a time-sensitive note", OFFER_DATES,
    ),
    "busy": (
        [call(Outcome.BUSY)], {}, cadence_config(), Action.MAIL, "offer",
        "busy: mail a time-sensitive note", OFFER_DATES,
    ),
    "connected, thank-you cards off": (
        [call(Outcome.CONNECTED)], {}, cadence_config(), Action.SKIP, None,
        "spoke with them: no card needed (enable thank-you cards in [cadence])", NONE,
    ),
    "connected, thank-you cards on": (
        [call(Outcome.CONNECTED)], {}, cadence_config(thank_you=True), Action.MAIL, "thank-you",
        "spoke with them: mail a thank-you card, no sales message", CARD_ONLY,
    ),
    "wrong number": (
        [call(Outcome.WRONG_NUMBER)], {}, cadence_config(), Action.SKIP, None,
        "wrong number: fix the contact's phone", NONE,
    ),
    "wrong number, configured to mail anyway": (
        [call(Outcome.WRONG_NUMBER)], {},
        cadence_config(outcomes={"wrong_number": "offer"}), Action.MAIL, "offer",
        "wrong number: mail a time-sensitive note", OFFER_DATES,
    ),
    "no answer, configured to call again": (
        [call(Outcome.NO_ANSWER)], {}, cadence_config(outcomes={"no_answer": "call"}),
        Action.CALL, None, "no answer: call again Mon Nov 23", call_on("2026-11-23"),
    ),
    "opt-out": (
        [call(Outcome.OPT_OUT)], {}, cadence_config(), Action.SUPPRESS, None,
        "asked not to be contacted: added to the suppression list", NONE,
    ),
    "already suppressed": (
        [call()], {"C001": ContactHistory("C001", suppressed=True)}, cadence_config(),
        Action.SKIP, None,
        "on the suppression list since an earlier opt-out; `mailer unsuppress C001` to undo",
        NONE,
    ),
    "suppressed, a callback request does not undo it": (
        [call(Outcome.CALLBACK)], {"C001": ContactHistory("C001", suppressed=True)},
        cadence_config(), Action.SKIP, None,
        "on the suppression list since an earlier opt-out; `mailer unsuppress C001` to undo",
        NONE,
    ),
    "suppressed, birthday card does not undo it": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))],
        {"C001": ContactHistory("C001", suppressed=True)}, cadence_config(birthday=True),
        Action.SKIP, None,
        "on the suppression list since an earlier opt-out; `mailer unsuppress C001` to undo",
        NONE,
    ),
    "opt-out while already suppressed": (
        [call(Outcome.OPT_OUT)], {"C001": ContactHistory("C001", suppressed=True)},
        cadence_config(), Action.SUPPRESS, None,
        "asked not to be contacted: added to the suppression list", NONE,
    ),
    "card out, the later call is the second call": (
        [call(at="2026-11-21 10:05")], {"C001": mailed("offer", "2026-11-16")}, cadence_config(),
        Action.SKIP, None,
        "second call done after the card of Nov 16: cycle complete, leave them alone until Dec 16",
        NONE,
    ),
    "mailed within the cooldown, call made before the card": (
        [call(at="2026-11-20 10:05")], {"C001": mailed("offer", "2026-11-21")}, cadence_config(),
        Action.SKIP, None, "mailed on Nov 21: not a pest; next card possible from Dec 21", NONE,
    ),
    "a thank-you card within the cooldown is no second call": (
        [call(Outcome.NO_ANSWER)], {"C001": mailed("thank-you", "2026-11-10")}, cadence_config(),
        Action.SKIP, None, "mailed on Nov 10: not a pest; next card possible from Dec 10", NONE,
    ),
    "a thank-you within the cooldown": (
        [call(Outcome.CONNECTED)], {"C001": mailed("offer", "2026-11-02")},
        cadence_config(thank_you=True), Action.SKIP, None,
        "second call done after the card of Nov 2: cycle complete, leave them alone until Dec 2",
        NONE,
    ),
    "cooldown over": (
        [call()], {"C001": mailed("offer", "2026-10-01")}, cadence_config(), Action.MAIL, "offer",
        "voicemail (last card Oct 1, cooldown over): mail a time-sensitive note", OFFER_DATES,
    ),
    "cooldown ends today": (
        [call()], {"C001": mailed("offer", "2026-10-23")}, cadence_config(), Action.MAIL, "offer",
        "voicemail (last card Oct 23, cooldown over): mail a time-sensitive note", OFFER_DATES,
    ),
    "cooldown ends tomorrow": (
        [call()], {"C001": mailed("offer", "2026-10-24")}, cadence_config(), Action.SKIP, None,
        "second call done after the card of Oct 24: cycle complete, "
        "leave them alone until Nov 23",
        NONE,
    ),
    "no cooldown configured": (
        [call()], {"C001": mailed("offer", "2026-11-16")}, cadence_config(cooldown_days=0),
        Action.MAIL, "offer",
        "voicemail (last card Nov 16, cooldown over): mail a time-sensitive note", OFFER_DATES,
    ),
    "birthday in the window replaces a skip": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))], {}, cadence_config(birthday=True),
        Action.MAIL, "birthday",
        "spoke with them; birthday on Dec 3: mail a birthday card, no offer", CARD_ONLY,
    ),
    "birthday replaces a thank-you": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))], {},
        cadence_config(birthday=True, thank_you=True), Action.MAIL, "birthday",
        "spoke with them; birthday on Dec 3: mail a birthday card, no offer", CARD_ONLY,
    ),
    "birthday replaces a cooldown skip": (
        [call(birthday=D("1979-12-03"))], {"C001": mailed("offer", "2026-11-16")},
        cadence_config(birthday=True), Action.MAIL, "birthday",
        "voicemail; birthday on Dec 3: mail a birthday card, no offer", CARD_ONLY,
    ),
    "birthday replaces a wrong-number skip": (
        [call(Outcome.WRONG_NUMBER, birthday=D("1990-12-01"))], {},
        cadence_config(birthday=True), Action.MAIL, "birthday",
        "wrong number; birthday on Dec 1: mail a birthday card, no offer", CARD_ONLY,
    ),
    "an offer card wins over a birthday card": (
        [call(birthday=D("1979-12-03"))], {}, cadence_config(birthday=True), Action.MAIL, "offer",
        "voicemail on the first call: mail a time-sensitive note", OFFER_DATES,
    ),
    "birthday card already sent this year": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))],
        {"C001": mailed("birthday", "2026-11-18")}, cadence_config(birthday=True),
        Action.SKIP, None, "mailed on Nov 18: not a pest; next card possible from Dec 18", NONE,
    ),
    "last year's birthday card does not count": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))],
        {"C001": mailed("birthday", "2025-11-20")}, cadence_config(birthday=True),
        Action.MAIL, "birthday",
        "spoke with them; birthday on Dec 3: mail a birthday card, no offer", CARD_ONLY,
    ),
    "birthday beyond the window": (
        [call(Outcome.CONNECTED, birthday=D("1962-12-10"))], {}, cadence_config(birthday=True),
        Action.SKIP, None,
        "spoke with them: no card needed (enable thank-you cards in [cadence])", NONE,
    ),
    "birthday inside a wider window": (
        [call(Outcome.CONNECTED, birthday=D("1962-12-10"))], {},
        cadence_config(birthday=True, birthday_window_days=21), Action.MAIL, "birthday",
        "spoke with them; birthday on Dec 10: mail a birthday card, no offer", CARD_ONLY,
    ),
    "birthday on the delivery day is too late": (
        [call(Outcome.CONNECTED, birthday=D("1985-11-27"))], {}, cadence_config(birthday=True),
        Action.SKIP, None,
        "spoke with them: no card needed (enable thank-you cards in [cadence])", NONE,
    ),
    "birthday cards off": (
        [call(Outcome.CONNECTED, birthday=D("1979-12-03"))], {}, cadence_config(),
        Action.SKIP, None,
        "spoke with them: no card needed (enable thank-you cards in [cadence])", NONE,
    ),
    "no street address: a phone-only cycle": (
        [call(address=NO_STREET)], {}, cadence_config(), Action.CALL, None,
        f"voicemail: no card could be mailed ({mailability_problem(NO_STREET)}); "
        "call again Mon Nov 30, a phone-only cycle",
        call_on("2026-11-30"),
    ),
    "no address at all, birthday card": (
        [call(Outcome.CONNECTED, address=Address(), birthday=D("1979-12-03"))], {},
        cadence_config(birthday=True), Action.SKIP, None,
        f"no mailable address: {mailability_problem(Address())}; the call still counts", NONE,
    ),
    "no address, but nothing to mail anyway": (
        [call(Outcome.CONNECTED, address=Address())], {}, cadence_config(), Action.SKIP, None,
        "spoke with them: no card needed (enable thank-you cards in [cadence])", NONE,
    ),
    "callback, day in the column": (
        [call(Outcome.CALLBACK, callback_on=D("2026-12-01"), notes="call back Monday")], {},
        cadence_config(), Action.CALL, None,
        "asked for a call back on Tue Dec 1 (callback_on column)", call_on("2026-12-01"),
    ),
    "callback, weekday in the notes": (
        [call(Outcome.CALLBACK, notes="Call back Monday")], {}, cadence_config(), Action.CALL, None,
        "asked for a call back Monday (from the notes)", call_on("2026-11-23"),
    ),
    "callback, date in the notes": (
        [call(Outcome.CALLBACK, notes="callback on 12/1 pls")], {}, cadence_config(),
        Action.CALL, None, "asked for a call back on 12/1 (from the notes)",
        call_on("2026-12-01"),
    ),
    "callback after Thanksgiving": (
        [call(Outcome.CALLBACK, notes="Call back after Thanksgiving")], {}, cadence_config(),
        Action.CALL, None, "asked for a call back after Thanksgiving (from the notes)",
        call_on("2026-11-27"),
    ),
    "callback, no day given": (
        [call(Outcome.CALLBACK, notes="Busy cooking")], {}, cadence_config(), Action.CALL, None,
        "asked for a call back, no day given: call Mon Nov 23", call_on("2026-11-23"),
    ),
    "callback on a Saturday moves to Monday": (
        [call(Outcome.CALLBACK, callback_on=D("2026-11-28"))], {}, cadence_config(),
        Action.CALL, None,
        "asked for a call back on Sat Nov 28 (callback_on column): "
        "Sat Nov 28 is not a business day, call Mon Nov 30",
        call_on("2026-11-30"),
    ),
    "callback day already past": (
        [call(Outcome.CALLBACK, notes="call back tomorrow", at="2026-11-18 09:00")], {},
        cadence_config(), Action.CALL, None,
        "asked for a call back tomorrow (from the notes): Thu Nov 19 has passed, call Mon Nov 23",
        call_on("2026-11-23"),
    ),
    "callback while a card is out: they asked": (
        [call(Outcome.CALLBACK, notes="call Tue")], {"C001": mailed("offer", "2026-11-16")},
        cadence_config(), Action.CALL, None, "asked for a call back Tue (from the notes)",
        call_on("2026-11-24"),
    ),
    "callback wins over a birthday card": (
        [call(Outcome.CALLBACK, birthday=D("1979-12-03"))], {}, cadence_config(birthday=True),
        Action.CALL, None, "asked for a call back, no day given: call Mon Nov 23",
        call_on("2026-11-23"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("records", "history", "config", "action", "template", "reason", "expected_dates"),
    list(SCENARIOS.values()),
    ids=list(SCENARIOS),
)
def test_cadence_table(
    records: list[CallRecord],
    history: dict[str, ContactHistory],
    config: Config,
    action: Action,
    template: str | None,
    reason: str,
    expected_dates: tuple[str | None, ...],
) -> None:
    step = only_step(records, history, config)
    assert (step.action, step.template, step.reason) == (action, template, reason)
    assert dates(step) == expected_dates


def test_an_opt_out_in_an_earlier_row_suppresses_and_is_the_deciding_row() -> None:
    records = [
        call(Outcome.OPT_OUT, at="2026-11-21 10:47", row=7),
        call(Outcome.VOICEMAIL, at="2026-11-21 16:40", row=18),
    ]
    step = only_step(records)
    assert step.action is Action.SUPPRESS
    assert (step.record.row, step.history_rows) == (7, (18,))
    assert dates(step) == NONE


def test_an_earlier_opt_out_suppresses_when_the_calls_come_as_a_one_pass_iterator() -> None:
    """`plan_steps` reads the calls twice (grouped, and as given): an iterator is read
    once into a list, never planned as if the opt-out had not been said."""
    records = [
        call(Outcome.OPT_OUT, at="2026-11-20 10:47", row=7),
        call(Outcome.VOICEMAIL, at="2026-11-21 16:40", row=18),
    ]
    (step,) = plan_steps(iter(records), {}, cadence_config(), TODAY)
    assert step.action is Action.SUPPRESS
    assert (step.record.row, step.history_rows) == (7, (18,))


def test_the_latest_call_decides_and_earlier_rows_are_history() -> None:
    records = [
        call(Outcome.CALLBACK, at="2026-11-21 16:40", row=2),  # latest, though first
        call(Outcome.CONNECTED, at="2026-11-20 09:00", row=3),
        call(Outcome.NO_ANSWER, at="2026-11-21 10:12", row=4),
    ]
    step = only_step(records)
    assert (step.record.row, step.action, step.history_rows) == (2, Action.CALL, (3, 4))


def test_a_tie_on_the_call_time_goes_to_the_later_row() -> None:
    records = [call(Outcome.CONNECTED, row=2), call(Outcome.NO_ANSWER, row=3)]
    step = only_step(records)
    assert (step.record.row, step.action, step.history_rows) == (3, Action.MAIL, (2,))


def test_a_voicemail_after_an_earlier_call_is_not_the_first_call() -> None:
    records = [
        call(Outcome.NO_ANSWER, at="2026-11-21 10:12", row=3),
        call(Outcome.VOICEMAIL, at="2026-11-21 16:40", row=18),
    ]
    step = only_step(records)
    assert (step.record.row, step.history_rows) == (18, (3,))
    assert step.reason == "voicemail: mail a time-sensitive note (2nd attempt)"
    assert (step.attempt, step.missed_at) == (
        2,
        (datetime(2026, 11, 21, 10, 12), datetime(2026, 11, 21, 16, 40)),
    )


def test_steps_come_in_order_of_first_appearance() -> None:
    records = [
        call(contact="C002", row=2),
        call(contact="C001", row=3),
        call(contact="C003", row=4),
        call(contact="C002", row=5, at="2026-11-21 16:40"),
    ]
    steps = plan_steps(records, {}, cadence_config(), TODAY)
    assert [s.contact_id for s in steps] == ["C002", "C001", "C003"]
    assert steps[0].history_rows == (2,)


def test_history_of_other_contacts_does_not_leak() -> None:
    steps = plan_steps(
        [call(contact="C001"), call(contact="C002", row=3)],
        {"C002": ContactHistory("C002", suppressed=True)},
        cadence_config(),
        TODAY,
    )
    assert [s.action for s in steps] == [Action.MAIL, Action.SKIP]


# (today, send, delivery, offer expires, follow-up call), 3 transit days, 14-day offer.
CALENDAR = [
    # Sunday before Thanksgiving (the design's worked example)
    ("2026-11-22", "2026-11-23", "2026-11-27", "2026-12-07", "2026-11-30"),
    # a run on Thanksgiving itself
    ("2026-11-26", "2026-11-27", "2026-12-01", "2026-12-11", "2026-12-02"),
    # Christmas Eve 2026 is a Thursday and open; Christmas Friday is not
    ("2026-12-24", "2026-12-24", "2026-12-29", "2027-01-07", "2026-12-30"),
    # New Year's Eve 2026; New Year 2027 on a Friday
    ("2026-12-31", "2026-12-31", "2027-01-05", "2027-01-14", "2027-01-06"),
    # Christmas 2027 on a Saturday, observed Friday Dec 24
    ("2027-12-23", "2027-12-23", "2027-12-29", "2028-01-06", "2027-12-30"),
    # a run on the observed holiday; the follow-up skips observed New Year (Fri Dec 31)
    ("2027-12-24", "2027-12-27", "2027-12-30", "2028-01-10", "2028-01-03"),
    # Christmas 2028 on a Monday
    ("2028-12-22", "2028-12-22", "2028-12-27", "2029-01-05", "2028-12-28"),
    # a Saturday run mails the same day
    ("2026-11-21", "2026-11-21", "2026-11-25", "2026-12-05", "2026-11-27"),
]


@pytest.mark.parametrize(("today", "send", "delivery", "expires", "follow_up"), CALENDAR)
def test_offer_dates_around_holidays(
    today: str, send: str, delivery: str, expires: str, follow_up: str
) -> None:
    step = only_step([call(at=f"{today} 09:00")], today=D(today))
    assert dates(step) == (send, delivery, expires, follow_up)


def test_a_holiday_stretch_raises_the_offer_deadline_up_to_the_margin() -> None:
    # 9 offer days leave 3 days after the call in an ordinary week, but not when Christmas and
    # the observed New Year push the follow-up call back: the deadline moves, within 14 days.
    config = cadence_config(offer={"offer_days": 9})
    step = only_step([call(at="2027-12-23 09:00")], config=config, today=D("2027-12-23"))
    assert dates(step) == ("2027-12-23", "2027-12-29", "2028-01-02", "2027-12-30")
    ordinary = only_step([call(at="2027-03-02 09:00")], config=config, today=D("2027-03-02"))
    assert ordinary.offer_expires == D("2027-03-11")  # Tue + 9, untouched


def test_feasible_defaults_and_tight_but_workable_settings() -> None:
    check_feasible(cadence_config())
    check_feasible(cadence_config(offer={"offer_days": 9}))  # Tue send, Mon call, +3
    check_feasible(cadence_config(mail={"transit_days": 4}))
    check_feasible(cadence_config(mail={"transit_days": 5}, offer_margin_days=2))


def test_refuses_an_offer_too_short_for_the_transit() -> None:
    with pytest.raises(ConfigError) as caught:
        check_feasible(cadence_config(offer={"offer_days": 5}, mail={"transit_days": 5}))
    assert "'mail.transit_days.domestic' is 5" in caught.value.message
    assert "offer.offer_days" in caught.value.message
    assert "Dec 22, 2027" in caught.value.message  # the send date that can't work
    assert "mail.transit_days" in caught.value.hint


def test_refuses_offer_days_that_only_fail_in_an_ordinary_week() -> None:
    config = dataclasses.replace(
        cadence_config(offer={"offer_days": 8}), source=Path("team/mailer.toml")
    )
    with pytest.raises(ConfigError) as caught:
        check_feasible(config)
    assert caught.value.message.startswith("team/mailer.toml: 'offer.offer_days' is 8")
    assert "set offer.offer_days to at least 9" in caught.value.hint


def test_refuses_a_transit_longer_than_any_offer() -> None:
    with pytest.raises(ConfigError, match=r"'mail\.transit_days\.domestic' is 13"):
        check_feasible(cadence_config(mail={"transit_days": 13}, offer_margin_days=1))


def test_plan_refuses_an_infeasible_config() -> None:
    with pytest.raises(ConfigError, match=r"offer\.offer_days"):
        plan_steps([call()], {}, cadence_config(offer={"offer_days": 3}), TODAY)


def test_a_leap_day_birthday_is_greeted_on_feb_28() -> None:
    # Presidents' Day 2027 (Mon Feb 15) delays the card to Tuesday.
    today = D("2027-02-14")
    step = only_step(
        [call(Outcome.CONNECTED, at="2027-02-13 11:00", birthday=D("1992-02-29"))],
        config=cadence_config(birthday=True),
        today=today,
    )
    assert (step.action, step.template) == (Action.MAIL, "birthday")
    assert step.reason.endswith("birthday on Feb 28: mail a birthday card, no offer")
    assert dates(step) == ("2027-02-16", "2027-02-19", None, None)


def test_a_birthday_in_early_january_is_greeted_across_the_year_end() -> None:
    step = only_step(
        [call(Outcome.CONNECTED, at="2026-12-20 11:00", birthday=D("1970-01-04"))],
        history={"C001": mailed("birthday", "2025-12-22")},
        config=cadence_config(birthday=True),
        today=D("2026-12-21"),
    )
    assert step.template == "birthday"
    assert "birthday on Jan 4, 2027" in step.reason


@pytest.mark.parametrize(
    ("notes", "called_on", "expected", "said"),
    [
        ("Call back Monday", "2026-11-21", "2026-11-23", "Monday"),
        ("call Tue", "2026-11-21", "2026-11-24", "Tue"),
        ("call back monday", "2026-11-23", "2026-11-30", "monday"),  # not the same day
        ("busy Monday, call back Wednesday", "2026-11-21", "2026-11-25", "Wednesday"),
        ("callback on 12/1", "2026-11-21", "2026-12-01", "on 12/1"),
        ("try again 1/5", "2026-12-20", "2027-01-05", "on 1/5"),  # next occurrence
        ("call 12/01/2026 am", "2026-11-21", "2026-12-01", "on 12/01/2026"),
        ("ring 2026-12-03", "2026-11-21", "2026-12-03", "on 2026-12-03"),
        ("call back Dec 2nd", "2026-11-21", "2026-12-02", "on Dec 2nd"),
        ("call on the 3rd of December", "2026-11-21", "2026-12-03", "on 3rd of December"),
        ("Call back after Thanksgiving", "2026-11-21", "2026-11-27", "after Thanksgiving"),
        ("after Christmas please", "2027-12-20", "2027-12-27", "after Christmas"),
        ("after the holidays", "2026-11-21", "2027-01-04", "after the holidays"),
        ("after New Year's", "2027-12-20", "2028-01-03", "after New Year's"),
        ("after the 4th of July", "2027-06-20", "2027-07-06", "after the 4th of July"),
        ("call after Monday", "2026-11-21", "2026-11-24", "after Monday"),
        ("tomorrow", "2026-11-21", "2026-11-22", "tomorrow"),
        ("the day after tomorrow", "2026-11-21", "2026-11-23", "the day after tomorrow"),
        ("next week", "2026-11-25", "2026-11-30", "next week"),
        ("call back later today", "2026-11-20", "2026-11-20", "later today"),
        ("in 2 weeks", "2026-11-21", "2026-12-05", "in 2 weeks"),
        ("in a couple of days", "2026-11-21", "2026-11-23", "in a couple of days"),
        ("next month", "2026-12-10", "2027-01-01", "next month"),
    ],
)
def test_callback_day_from_notes(notes: str, called_on: str, expected: str, said: str) -> None:
    assert day_from_notes(notes, D(called_on)) == (D(expected), said)


@pytest.mark.parametrize(
    ("notes", "month_first", "day_first"),
    [
        ("try again 3/12", "2027-03-12", "2026-12-03"),
        ("call 25/12/2026", None, "2026-12-25"),  # no 25th month: not a day month-first
        ("call back 12/25", "2026-12-25", None),
        ("ring 2026-12-03, or Dec 4", "2026-12-03", "2026-12-03"),  # ISO reads one way
    ],
)
def test_numeric_dates_in_notes_follow_the_date_order(
    notes: str, month_first: str | None, day_first: str | None
) -> None:
    for flag, expected in ((False, month_first), (True, day_first)):
        found = day_from_notes(notes, D("2026-12-01"), day_first=flag)
        assert (found[0] if found else None) == (D(expected) if expected else None)


@pytest.mark.parametrize(
    "notes",
    ["", "Busy cooking", "sat down with her husband", "Ordered 2 jars, happy", "on 2/30"],
)
def test_notes_without_a_day(notes: str) -> None:
    assert day_from_notes(notes, D("2026-11-21")) is None


# Property tests over random sessions and configurations in the feasible range.

CONTACTS = ["C1", "C2", "C3", "C4", "C5"]
NOTES = ["", "call back Monday", "after Thanksgiving", "call 12/1", "tomorrow", "nothing"]


@st.composite
def sessions(draw: st.DrawFn) -> tuple[list[CallRecord], dict[str, ContactHistory], Config, date]:
    today = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
    count = draw(st.integers(min_value=1, max_value=10))
    records = []
    for index in range(count):
        called = datetime.combine(today, datetime.min.time()) - timedelta(
            minutes=draw(st.integers(min_value=0, max_value=10 * 24 * 60))
        )
        callback_on = draw(st.none() | st.just(today + timedelta(draw(st.integers(-5, 10)))))
        records.append(
            call_record(
                draw(st.sampled_from(CONTACTS)),
                draw(st.sampled_from(list(Outcome))),
                called,
                row=index + 2,
                address=draw(st.sampled_from([HOME, NO_STREET, Address()])),
                birthday=draw(st.none() | st.dates(date(1940, 1, 1), date(2005, 12, 31))),
                callback_on=callback_on,
                notes=draw(st.sampled_from(NOTES)),
            )
        )
    history = {}
    for contact in draw(st.lists(st.sampled_from(CONTACTS), unique=True)):
        mailings = tuple(
            PastMailing(
                draw(st.sampled_from(["offer", "thank-you", "birthday"])),
                today - timedelta(draw(st.integers(min_value=0, max_value=90))),
            )
            for _ in range(draw(st.integers(min_value=0, max_value=2)))
        )
        history[contact] = ContactHistory(contact, draw(st.booleans()), mailings)
    config = cadence_config(
        offer={"offer_days": draw(st.integers(min_value=6, max_value=14))},
        mail={"transit_days": draw(st.integers(min_value=1, max_value=4))},
        offer_margin_days=draw(st.integers(min_value=2, max_value=3)),
        cooldown_days=draw(st.integers(min_value=0, max_value=60)),
        thank_you=draw(st.booleans()),
        birthday=draw(st.booleans()),
        birthday_window_days=draw(st.integers(min_value=1, max_value=60)),
    )
    return records, history, config, today


def feasible(config: Config) -> bool:
    try:
        check_feasible(config)
    except ConfigError:
        return False
    return True


@settings(max_examples=120, deadline=None)
@given(session=sessions())
def test_plan_invariants(
    session: tuple[list[CallRecord], dict[str, ContactHistory], Config, date],
) -> None:
    records, history, config, today = session
    assume(feasible(config))
    steps = plan_steps(records, history, config, today)

    assert steps == plan_steps(records, history, config, today)
    first_seen = list(dict.fromkeys(r.contact_id for r in records))
    assert [s.contact_id for s in steps] == first_seen
    for step in steps:
        rows = sorted(r.row for r in records if r.contact_id == step.contact_id)
        assert sorted((step.record.row, *step.history_rows)) == rows

        opted_out = any(
            r.outcome is Outcome.OPT_OUT for r in records if r.contact_id == step.contact_id
        )
        suppressed = step.contact_id in history and history[step.contact_id].suppressed
        if opted_out:
            assert step.action is Action.SUPPRESS
        elif suppressed:
            assert step.action is Action.SKIP

        if step.action is Action.MAIL:
            assert step.template is not None
            assert step.send_date is not None
            assert step.expected_delivery is not None
            assert step.send_date >= today
            assert postal.is_mailing_day(step.send_date)
            assert step.expected_delivery > step.send_date
            assert postal.is_delivery_day(step.expected_delivery)
            assert mailability_problem(step.record.address) is None
            if step.template in ("thank-you", "birthday"):
                assert step.offer_expires is None
                assert step.follow_up_call is None
            else:
                assert step.follow_up_call is not None
                assert step.offer_expires is not None
                assert step.follow_up_call > step.expected_delivery
                assert postal.is_business_day(step.follow_up_call)
                assert step.offer_expires - step.send_date <= timedelta(days=14)
                assert step.offer_expires - step.send_date >= timedelta(
                    days=config.offer.offer_days
                )
                margin = timedelta(days=config.cadence.offer_margin_days)
                assert margin >= timedelta(days=2)
                assert step.offer_expires >= step.follow_up_call + margin
        elif step.action is Action.CALL:
            assert step.follow_up_call is not None
            assert step.follow_up_call >= today
            assert postal.is_business_day(step.follow_up_call)
            assert (step.template, step.send_date, step.offer_expires) == (None, None, None)
        else:
            assert (step.template, *dates(step)) == (None, *NONE)


@settings(max_examples=80, deadline=None)
@given(session=sessions())
def test_cards_take_their_normalized_address_as_they_are_planned(
    session: tuple[list[CallRecord], dict[str, ContactHistory], Config, date],
) -> None:
    """The planner has each card's record carry its normalized address (`addressed`): the
    steps are those planned without it, the card steps' records then addressed."""
    records, history, config, today = session
    assume(feasible(config))
    plain = plan_steps(records, history, config, today)
    addressed = plan_steps(records, history, config, today, addressed=with_mail_address)
    assert addressed == [
        dataclasses.replace(s, record=with_mail_address(s.record)) if s.action is Action.MAIL else s
        for s in plain
    ]
    assert all(s.record.mail_address is not None for s in addressed if s.action is Action.MAIL)


@pytest.mark.parametrize("transit", [0, 1, 3, 5, 8, 12])
def test_the_calendar_cycle_is_counted_as_day_by_day(transit: int) -> None:
    """The feasibility check counts the ten thousand send dates of a calendar cycle on a
    table of days: the longest span, and the first date with it, asked day by day."""
    ordinary, worst, worst_send = feasibility._follow_up_spans(transit)
    day, longest, first = feasibility._CYCLE_START, 0, None
    while day <= feasibility._CYCLE_END:
        if postal.is_mailing_day(day):
            delivered = postal.add_delivery_days(day, transit)
            span = (postal.next_business_day_after(delivered) - day).days
            if span > longest:
                longest, first = span, day
        day += timedelta(days=1)
    if longest > ordinary:
        assert (worst, worst_send) == (longest, first)
    else:
        assert worst == ordinary
