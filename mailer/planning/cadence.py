"""The Call-Mail-Call rules: what each contact gets after a calling session.

`plan_steps(records, history, config, today)` is pure: no I/O, no clock. One step per contact,
decided by its latest call in the input; the rules, in order of precedence:

1. an opt-out on any of the contact's calls: `suppress` (recorded, never contacted again);
2. a contact already on the suppression list: `skip` (only `mailer unsuppress` undoes it);
3. a callback request: `call` on the day asked for, even while a card is out (they asked);
4. the first-call rule of `[cadence.outcomes]` (offer card, thank-you, call or skip), unless a
   card went out within `cooldown_days`: then `skip`, they are not to be pestered (the
   thank-you for an order goes anyway: they just bought);
5. a birthday card (if enabled) replaces a thank-you or any skip, a cooldown skip included: it
   sells nothing. An offer card wins over it: the offer is time-sensitive, the birthday
   comes back next year.
6. no mailable address turns any card into a `skip` with the reason; the call still counts.

Dates: `send_date` is the next mailing day, `expected_delivery` adds `mail.transit_days`
delivery days, `follow_up_call` is the first business day after delivery and
`offer_expires` is `send_date + offer.offer_days`, raised (never past 14 days) when a holiday
stretch would leave less than `cadence.offer_margin_days` after the follow-up call.
No-sales cards (thank-you, birthday) have no offer and no follow-up call: nobody rings to ask
"did you get my birthday card?".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from mailer.config import MAX_OFFER_DAYS, Config
from mailer.domain import postal_days as postal
from mailer.domain.addresses import mailability_problem
from mailer.domain.models import (
    Action,
    CallRecord,
    ContactHistory,
    MailStep,
    Outcome,
    PastMailing,
    planned_step,
)
from mailer.errors import ConfigError
from mailer.planning.callbacks import requested_callback, unread_callback_note
from mailer.planning.feasibility import check_feasible
from mailer.planning.feasibility import weekday as _weekday

__all__ = [
    "BIRTHDAY_TEMPLATE",
    "NO_SALES_TEMPLATES",
    "Calls",
    "carries_offer",
    "check_feasible",
    "group_calls",
    "plan_contacts",
    "plan_steps",
]

NO_SALES_TEMPLATES = frozenset({"thank-you", "birthday"})
"""Cards without a sales message: no offer, no follow-up call."""
BIRTHDAY_TEMPLATE = "birthday"

# A birthday card sent in the half year before a birthday was that birthday's card.
_SAME_BIRTHDAY = timedelta(days=183)

_OUTCOME_WORDS = {
    Outcome.VOICEMAIL: "voicemail",
    Outcome.NO_ANSWER: "no answer",
    Outcome.BUSY: "busy",
    Outcome.CONNECTED: "spoke with them",
    Outcome.CALLBACK: "asked for a call back",
    Outcome.WRONG_NUMBER: "wrong number",
    Outcome.OPT_OUT: "asked not to be contacted",
    Outcome.NOT_INTERESTED: "not interested",
    Outcome.ORDERED: "ordered",
    Outcome.TEXTED: "texted them",
    Outcome.APPOINTMENT: "meeting booked",
}
_SKIP_REASONS = {
    Outcome.CONNECTED: "spoke with them: no card needed (enable thank-you cards in [cadence])",
    Outcome.WRONG_NUMBER: "wrong number: fix the contact's phone",
    Outcome.NOT_INTERESTED: "not interested: no offer card; let them rest",
    Outcome.TEXTED: "texted them: no card and no call, the text is this round's touch",
    Outcome.APPOINTMENT: "meeting booked: no card and no follow-up call, the meeting is the "
    "next contact",
}


def carries_offer(template: str) -> bool:
    """True for a sales card (the `offer` template or any custom one), False for the
    relationship cards (thank-you, birthday)."""
    return template not in NO_SALES_TEMPLATES


Calls = list[tuple[int, CallRecord]]
"""A contact's calls, each with its index in the records planned."""


def plan_steps(
    records: Sequence[CallRecord],
    history: Mapping[str, ContactHistory],
    config: Config,
    today: date,
    *,
    addressed: Callable[[CallRecord], CallRecord] | None = None,
) -> list[MailStep]:
    """One step per contact, in the order each contact first appears in `records`.

    The contact's latest call (by `called_at`, a later row winning a tie) decides, and its
    other rows go into `history_rows`; a suppress step is decided by the opt-out call itself,
    so the plan shows the row that asked. Raises `ConfigError` when the offer can't outlast
    the follow-up call (see `check_feasible`). `addressed`, when given, is applied to the
    record of each card (`mail`) step: the planner gives it the normalized address there.
    """
    return plan_contacts(group_calls(records), history, config, today, addressed=addressed)


def group_calls(records: Sequence[CallRecord]) -> dict[str, Calls]:
    """Each contact's calls, contacts in the order they first appear in `records`."""
    calls_by_contact: dict[str, Calls] = {}
    for index, record in enumerate(records):
        calls = calls_by_contact.get(record.contact_id)
        if calls is None:
            calls_by_contact[record.contact_id] = [(index, record)]
        else:
            calls.append((index, record))
    return calls_by_contact


def plan_contacts(
    calls_by_contact: Mapping[str, Calls],
    history: Mapping[str, ContactHistory],
    config: Config,
    today: date,
    *,
    addressed: Callable[[CallRecord], CallRecord] | None = None,
) -> list[MailStep]:
    """`plan_steps` for calls already grouped by contact (`group_calls`)."""
    check_feasible(config)
    days = _Days(config, today)
    return [
        _plan_contact(
            calls, history.get(contact_id) or ContactHistory(contact_id), config, days, addressed
        )
        for contact_id, calls in calls_by_contact.items()
    ]


class _Days:
    """The days every step of one plan shares, each worked out once, when first needed."""

    def __init__(self, config: Config, today: date) -> None:
        self.config, self.today = config, today
        self._first_steps: dict[Outcome, str] = {}

    def first_step(self, outcome: Outcome) -> str:
        """`config.cadence.first_call_step`, asked once an outcome."""
        found = self._first_steps.get(outcome)
        if found is None:
            found = self._first_steps[outcome] = self.config.cadence.first_call_step(outcome)
        return found

    @functools.cached_property
    def send(self) -> date:
        return postal.next_mailing_day(self.today)

    @functools.cached_property
    def delivery(self) -> date:
        return postal.add_delivery_days(self.send, self.config.mail.transit_days)

    @functools.cached_property
    def follow_up(self) -> date:
        """The follow-up call after a card's delivery."""
        return postal.next_business_day_after(self.delivery)

    @functools.cached_property
    def expires(self) -> date:
        return _offer_expires(self.send, self.follow_up, self.config)

    @functools.cached_property
    def next_call(self) -> date:
        """The next business day after today, for a call instead of a card."""
        return postal.next_business_day_after(self.today)


def _plan_contact(
    calls: Calls,
    history: ContactHistory,
    config: Config,
    days: _Days,
    addressed: Callable[[CallRecord], CallRecord] | None = None,
) -> MailStep:
    today = days.today

    def step(
        decided_by: tuple[int, CallRecord],
        action: Action,
        reason: str,
        *,
        template: str | None = None,
        send_date: date | None = None,
        expected_delivery: date | None = None,
        offer_expires: date | None = None,
        follow_up_call: date | None = None,
    ) -> MailStep:
        index, record = decided_by
        rows = tuple(r.row for i, r in calls if i != index) if len(calls) > 1 else ()
        if action is Action.MAIL and addressed is not None:
            record = addressed(record)
        return planned_step(
            record,
            action,
            reason,
            template,
            send_date,
            expected_delivery,
            offer_expires,
            follow_up_call,
            rows,
        )

    latest = max(calls, key=_call_order) if len(calls) > 1 else calls[0]
    opt_outs = [call for call in calls if call[1].outcome is Outcome.OPT_OUT]
    if opt_outs:
        return step(
            max(opt_outs, key=_call_order),
            Action.SUPPRESS,
            "asked not to be contacted: added to the suppression list",
        )
    record = latest[1]
    if history.suppressed:
        return step(
            latest,
            Action.SKIP,
            "on the suppression list since an earlier opt-out; "
            f"`mailer unsuppress {record.contact_id}` to undo",
        )
    first_step = days.first_step(record.outcome)
    if first_step == "call" and record.outcome is Outcome.CALLBACK:
        day, reason = _callback_day(record, today)
        return step(latest, Action.CALL, reason, follow_up_call=day)

    words = _OUTCOME_WORDS[record.outcome]
    cooldown = _cooldown(record, history, config.cadence.cooldown_days, today)
    if record.outcome is Outcome.ORDERED and not carries_offer(first_step):
        cooldown = None  # a thank-you for an order goes even inside the cooldown
    template: str | None = None
    if cooldown is not None:
        reason = cooldown
    elif first_step == "call":
        day = days.next_call
        return step(latest, Action.CALL, f"{words}: call again {_weekday(day)}", follow_up_call=day)
    elif first_step == "skip":
        reason = _SKIP_REASONS.get(
            record.outcome,
            f'{words}: nothing to send (cadence.outcomes.{record.outcome.value} is "skip")',
        )
    else:
        template = first_step
        reason = _mail_reason(record.outcome, template, history, len(calls) > 1, today)

    send = days.send
    delivery = days.delivery
    if template is None or not carries_offer(template):
        birthday = _birthday_card_due(record, history, config, send, delivery)
        if birthday is not None:
            template = BIRTHDAY_TEMPLATE
            reason = f"{words}; birthday on {_day(birthday, today)}: mail a birthday card, no offer"
    if template is None:
        return step(latest, Action.SKIP, reason)
    problem = mailability_problem(record.address)
    if problem is not None:
        return step(latest, Action.SKIP, f"no mailable address: {problem}; the call still counts")

    if not carries_offer(template):
        return step(
            latest,
            Action.MAIL,
            reason,
            template=template,
            send_date=send,
            expected_delivery=delivery,
        )
    return step(
        latest,
        Action.MAIL,
        reason,
        template=template,
        send_date=send,
        expected_delivery=delivery,
        offer_expires=days.expires,
        follow_up_call=days.follow_up,
    )


def _call_order(call: tuple[int, CallRecord]) -> tuple[datetime, int]:
    index, record = call
    moment = record.called_at
    if moment.tzinfo is not None:
        # Compare aware and naive times without a TypeError; logs rarely mix them.
        moment = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
    return moment, index


def _offer_expires(send: date, follow_up: date, config: Config) -> date:
    margin = timedelta(days=config.cadence.offer_margin_days)
    expires = max(send + timedelta(days=config.offer.offer_days), follow_up + margin)
    if expires > send + timedelta(days=MAX_OFFER_DAYS):
        # check_feasible rules this out for every calendar there is; kept as a guard.
        raise ConfigError(
            f"a card sent {send.isoformat()} is called about on {follow_up.isoformat()}: "
            f"no offer of {MAX_OFFER_DAYS} days or less stays open "
            f"{config.cadence.offer_margin_days} days after that",
            hint="lower mail.transit_days or cadence.offer_margin_days",
        )
    return expires


def _callback_day(record: CallRecord, today: date) -> tuple[date, str]:
    """The business day to call back on and why. A day asked for is kept when it is today or
    later (a run the morning of the callback still lists it as due); a day already past means
    the call is overdue: today, or the next business day."""
    request = requested_callback(record)
    if request is None:
        day = postal.next_business_day_after(today)
        unread = unread_callback_note(record)
        if unread is not None:  # flagged, not guessed silently
            return day, f"couldn't read {unread!r}; due {_weekday(day)}, please check"
        return day, f"asked for a call back, no day given: call {_weekday(day)}"
    source = "from the notes" if request.source == "notes" else request.source
    reason = f"asked for a call back {request.said} ({source})"
    day = postal.next_business_day_on_or_after(max(request.day, today))
    if request.day < today:
        reason += f": {_weekday(request.day)} has passed, call {_weekday(day)}"
    elif day != request.day:
        reason += f": {_weekday(request.day)} is not a business day, call {_weekday(day)}"
    return day, reason


def _cooldown(record: CallRecord, history: ContactHistory, days: int, today: date) -> str | None:
    """Why no card may go out yet, or None."""
    if not history.mailings:
        return None
    last = max(history.mailings, key=lambda m: m.send_date)
    until = last.send_date + timedelta(days=days)
    if until <= today:
        return None
    sent, free = _day(last.send_date, today), _day(until, today)
    if carries_offer(last.template) and record.called_at.date() >= last.send_date:
        # The call after the card is the method's second call: the cycle is done.
        return (
            f"second call done after the card of {sent}: cycle complete, "
            f"leave them alone until {free}"
        )
    return f"mailed on {sent}: not a pest; next card possible from {free}"


def _mail_reason(
    outcome: Outcome, template: str, history: ContactHistory, earlier_calls: bool, today: date
) -> str:
    words = _OUTCOME_WORDS[outcome]
    if history.mailings:
        last = max(history.mailings, key=lambda m: m.send_date)
        words += f" (last card {_day(last.send_date, today)}, cooldown over)"
    elif outcome is Outcome.VOICEMAIL and not earlier_calls:
        words = "voicemail on the first call"
    if template == "offer":
        return f"{words}: mail a time-sensitive note"
    if template == "thank-you":
        return f"{words}: mail a thank-you card, no sales message"
    return f"{words}: mail the '{template}' card"


def _birthday_card_due(
    record: CallRecord, history: ContactHistory, config: Config, send: date, delivery: date
) -> date | None:
    """The birthday a card sent today would greet, or None: it must arrive before the day,
    within the window, and be the first card for that birthday."""
    if not config.cadence.birthday or record.birthday is None:
        return None
    birthday = _next_birthday(record.birthday, delivery)
    if (birthday - send).days > config.cadence.birthday_window_days:
        return None
    if any(_greets(m, birthday) for m in history.mailings):
        return None
    return birthday


def _greets(mailing: PastMailing, birthday: date) -> bool:
    return mailing.template == BIRTHDAY_TEMPLATE and (
        birthday - _SAME_BIRTHDAY < mailing.send_date <= birthday
    )


def _next_birthday(born: date, after: date) -> date:
    """The first birthday strictly after `after`; Feb 29 is kept on Feb 28 in common years."""
    for year in (after.year, after.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day > after:
            return day
    raise AssertionError("a birthday comes round every year")


def _day(d: date, today: date) -> str:
    return f"{d:%b} {d.day}" if d.year == today.year else f"{d:%b} {d.day}, {d.year}"
