"""The Call-Mail-Call rules: what each contact gets after a calling session.

`plan_steps(records, history, config, today)` is pure: no I/O, no clock. One step per contact,
decided by its latest call in the input; the rules, in order of precedence:

1. an opt-out on any of the contact's calls: `suppress` (recorded, never contacted again);
2. a contact already on the suppression list: `skip` (only `mailer unsuppress` undoes it);
3. a callback request: `call` on the day asked for, even while a card is out (they asked);
4. attempts (`planning.attempts`): an unanswered call while the contact rests is a `skip`
   saying until when and why; after `exit_after` unanswered calls in a cycle the next step is
   the last-try `call` (after the cooldown, when a card is in it), and then they rest;
5. the first-call rule of `[cadence.outcomes]` (offer card, thank-you, call or skip; a `call`
   after a call that reached them is a `first-call`, the first of a new cycle), unless a
   card went out within `cooldown_days`: then `skip`, they are not to be pestered (the
   thank-you for an order goes anyway: they just bought);
6. a birthday card (if enabled) replaces a thank-you or any skip, a cooldown skip included: it
   sells nothing. An offer card wins over it (time-sensitive; birthdays come back next year).
7. no mailable address turns any card into a `skip` with the reason; the call still counts.
   The first unanswered call of a cycle still gets its second call instead: a `call` on the
   day the follow-up would have come after a card (a phone-only cycle).
   "Not interested" sends no sales card: they rest.

Every step carries its `attempt`, the `purpose` of its call and the cycle's `missed_at`.
Dates: `send_date` is the next mailing day, `expected_delivery` adds the delivery days of
`[mail.transit_days]` for the card's destination (domestic, Canada, international),
`follow_up_call` is the first business day after delivery and `offer_expires` is
`send_date + offer.offer_days`, raised (never past 14 days) when a holiday stretch would leave
less than `cadence.offer_margin_days` after the follow-up call.
No-sales cards (thank-you, birthday) have no offer and no follow-up call: nobody rings to ask
"did you get my birthday card?".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from operator import attrgetter, itemgetter

from mailer.config import Config
from mailer.domain import postal_days as postal
from mailer.domain.addresses import mailability_problem
from mailer.domain.models import (
    Action,
    Address,
    CallPurpose,
    CallRecord,
    ContactHistory,
    MailStep,
    Outcome,
    PastCall,
    planned_step,
)
from mailer.planning.attempts import (
    NEUTRAL,
    UNANSWERED,
    Attempts,
    count_attempts,
    count_input_attempts,
    ordinal,
    resting_reason,
)
from mailer.planning.birthdays import BIRTHDAY_TEMPLATE, birthday_card_due
from mailer.planning.feasibility import check_feasible
from mailer.planning.feasibility import weekday as _weekday
from mailer.planning.plan_days import PlanDays, callback_day

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
    """`plan_steps` for calls already grouped by contact (`group_calls`: each contact's
    calls in the order of their index)."""
    check_feasible(config)
    plan = _Contacts(config, PlanDays(config, today), addressed).plan
    if not history:  # a ledger with nothing recorded: one empty history for every contact
        return [plan(calls, _NO_HISTORY) for calls in calls_by_contact.values()]
    found = history.get
    return [
        plan(calls, found(contact_id) or ContactHistory(contact_id))
        for contact_id, calls in calls_by_contact.items()
    ]


# The members the rules ask for on every contact, each looked up once: in Python 3.11 an
# enum class's attribute goes through its metaclass's `__getattr__`, slower than a global.
_MAIL, _CALL, _SKIP, _SUPPRESS = Action.MAIL, Action.CALL, Action.SKIP, Action.SUPPRESS
_CALLBACK, _ORDERED, _OPT_OUT = Outcome.CALLBACK, Outcome.ORDERED, Outcome.OPT_OUT
_NOT_INTERESTED, _VOICEMAIL = Outcome.NOT_INTERESTED, Outcome.VOICEMAIL
_FOLLOW_UP, _CALLED_BACK = CallPurpose.FOLLOW_UP, CallPurpose.CALLBACK
_LAST_TRY, _FIRST_CALL = CallPurpose.LAST_TRY, CallPurpose.FIRST_CALL

_RECORD, _OUTCOME = itemgetter(1), attrgetter("outcome")
"""A call's record (`Calls` pairs each with its index), a record's outcome."""
_NO_HISTORY = ContactHistory("")
"""The history of a contact the ledger knows nothing of (the rules never read its id)."""


class _Contacts:
    """The rules above, applied to one contact at a time, with what every contact of one
    plan shares (settings, days) looked up once a plan rather than once a contact."""

    def __init__(
        self,
        config: Config,
        days: PlanDays,
        addressed: Callable[[CallRecord], CallRecord] | None,
    ) -> None:
        self.config, self.days, self.addressed = config, days, addressed
        self.today = days.today
        cadence = config.cadence
        self.exit_after, self.rest_days = cadence.exit_after, cadence.rest_days
        self.cooldown_days = cadence.cooldown_days
        self.birthdays = cadence.birthday
        self._mailable: dict[int, tuple[Address, str | None]] = {}
        self._reasons: dict[tuple[Outcome, str, bool], str] = {}
        self._attempts: dict[tuple[str, int], str] = {}

    def plan(self, calls: Calls, history: ContactHistory) -> MailStep:
        """The contact's step, from their calls (see the module doc for the rules)."""
        several = len(calls) > 1
        latest = _latest(calls) if several else calls[0]
        record = latest[1]
        exit_after, rest_days = self.exit_after, self.rest_days
        if history.calls:
            earlier = [*history.calls, *(_past(r) for _, r in calls)]
            tries = count_attempts(record, earlier, exit_after=exit_after, rest_days=rest_days)
        else:  # the same count, without the call keys it can do without
            own = list(map(_RECORD, calls)) if len(calls) > 1 else [record]
            tries = count_input_attempts(record, own, exit_after=exit_after, rest_days=rest_days)
        outcome = record.outcome
        days, today, step = self.days, self.today, self._step

        opt_out = latest if outcome is _OPT_OUT else None
        if several and opt_out is None and _OPT_OUT in map(_OUTCOME, map(_RECORD, calls)):
            for call in calls:  # the latest opt-out decides (a later row winning a tie)
                if call[1].outcome is _OPT_OUT and (
                    opt_out is None or call_order(call) >= call_order(opt_out)
                ):
                    opt_out = call
        if opt_out is not None:
            reason = "asked not to be contacted: added to the suppression list"
            return step(calls, tries, opt_out, _SUPPRESS, reason)
        if history.suppressed:
            reason = (
                "on the suppression list since an earlier opt-out; "
                f"`mailer unsuppress {record.contact_id}` to undo"
            )
            return step(calls, tries, latest, _SKIP, reason)
        first_step = days.first_steps[outcome]
        if first_step == "call" and outcome is _CALLBACK:
            day, reason = callback_day(record, today)
            return step(calls, tries, latest, _CALL, reason, None, day, _CALLED_BACK)

        words = _OUTCOME_WORDS[outcome]
        cooldown = (
            _cooldown(record, history, self.cooldown_days, today) if history.mailings else None
        )
        unanswered = outcome in UNANSWERED
        if unanswered and tries.rest_until is not None:
            reason = f"{words}: {resting_reason(tries, today)}"
            return step(calls, tries, latest, _SKIP, reason)
        if tries.last_try_next:
            day = days.next_call
            if cooldown is not None:
                end = _cooldown_end(history, self.config)
                day = max(day, postal.next_business_day_on_or_after(end))
            reason = (
                f"{words}, {tries.unanswered} unanswered calls: last try {_weekday(day)} (the "
                f"message with an easy way out), then they rest {rest_days} days"
            )
            return step(calls, tries, latest, _CALL, reason, None, day, _LAST_TRY)
        if outcome is _ORDERED and not carries_offer(first_step):
            cooldown = None  # a thank-you for an order goes even inside the cooldown
        template: str | None = None
        if cooldown is not None:
            reason = cooldown
        elif first_step == "call" and tries.rest_until is None:
            day = days.next_call
            # A call that reached them closes the cycle: the next one is the first call of a
            # new cycle (attempt 1, the message promising the note); after a miss it follows
            # up.
            fresh = not unanswered and outcome not in NEUTRAL
            reason = f"{words}: call again {_weekday(day)}" + (", a first call" if fresh else "")
            purpose = _FIRST_CALL if fresh else _FOLLOW_UP
            return step(calls, tries, latest, _CALL, reason, None, day, purpose)
        elif first_step in ("skip", "call"):  # a call set for a resting contact: they rest
            reason = _SKIP_REASONS.get(
                outcome,
                f'{words}: nothing to send (cadence.outcomes.{outcome.value} is "skip")',
            )
        else:
            template = first_step
            first = not several and tries.attempt == 1  # not "on the first call" otherwise
            if history.mailings:
                reason = _mail_reason(outcome, template, history, not first, days)
            else:  # the same few reasons for most contacts: each made once a plan
                said = (outcome, template, first)
                reason = self._reasons.get(said) or self._reasons.setdefault(
                    said, _mail_reason(outcome, template, history, not first, days)
                )
        if tries.rest_until is not None:  # not interested (or a text while resting): no offer
            cause = outcome is not _NOT_INTERESTED
            reason = f"{words}: {resting_reason(tries, today, why=cause)}"
            if template is not None and carries_offer(template):
                template = None

        send = days.send
        delivery, follow_up, expires = days.to(record.address.country)
        if (template is None or template in NO_SALES_TEMPLATES) and self.birthdays:
            birthday = birthday_card_due(record, history, self.config, send, delivery)
            if birthday is not None:
                template = BIRTHDAY_TEMPLATE
                reason = (
                    f"{words}; birthday on {_day(birthday, today)}: mail a birthday card, no offer"
                )
        if template is None:
            return step(calls, tries, latest, _SKIP, reason)
        address = record.address  # a household's rows share one: each asked once a plan
        known = self._mailable.get(id(address))
        if known is None:  # kept with its address: the id stays that address's meanwhile
            known = self._mailable[id(address)] = (address, mailability_problem(address))
        problem = known[1]
        sales = template not in NO_SALES_TEMPLATES
        if problem is not None:
            if sales and unanswered and tries.unanswered == 1:
                # A phone-only cycle: the second call still comes, when it would after a card.
                day = days.to("")[1]
                reason = (
                    f"{words}: no card could be mailed ({problem}); "
                    f"call again {_weekday(day)}, a phone-only cycle"
                )
                purpose = _FOLLOW_UP
                return step(calls, tries, latest, _CALL, reason, None, day, purpose)
            reason = f"no mailable address: {problem}; the call still counts"
            return step(calls, tries, latest, _SKIP, reason)
        if not sales:
            return step(calls, tries, latest, _MAIL, reason, (template, send, delivery, None))
        card = (template, send, delivery, expires)
        purpose = _FOLLOW_UP
        return step(calls, tries, latest, _MAIL, reason, card, follow_up, purpose)

    def _step(
        self,
        calls: Calls,
        tries: Attempts,
        decided_by: tuple[int, CallRecord],
        action: Action,
        reason: str,
        card: tuple[str, date, date, date | None] | None = None,
        follow_up_call: date | None = None,
        purpose: CallPurpose | None = None,
    ) -> MailStep:
        """The step `decided_by` the contact's call: `card` is a card's template, send date,
        delivery and offer's end; a follow-up call has its `purpose`."""
        index, decider = decided_by
        rows: tuple[int, ...] = ()
        if len(calls) > 1:
            others = []  # (a loop: a comprehension makes a function each time, in 3.11)
            for i, r in calls:
                if i != index:
                    others.append(r.row)
            rows = tuple(others)
        if action is _MAIL and self.addressed is not None:
            decider = self.addressed(decider)
        if tries.attempt > 1 and decider.outcome in UNANSWERED:
            said = (reason, tries.attempt)  # a plan's few reasons and attempts: made once
            found = self._attempts.get(said)
            if found is None:
                found = self._attempts[said] = f"{reason} ({ordinal(tries.attempt)} attempt)"
            reason = found
        template: str | None = None
        send: date | None = None
        delivery: date | None = None
        expires: date | None = None
        if card is not None:
            template, send, delivery, expires = card
        return planned_step(
            decider,
            action,
            reason,
            template,
            send,
            delivery,
            expires,
            follow_up_call,
            rows,
            tries.attempt,
            purpose if follow_up_call is not None else None,
            tries.missed_at,
        )


def _latest(calls: Calls) -> tuple[int, CallRecord]:
    """`max(calls, key=call_order)`: the contact's latest call, a later row winning a tie;
    compared as they are, unless a log mixes times with and without a zone."""
    latest = calls[0]
    at = latest[1].called_at
    try:
        for call in calls:
            moment = call[1].called_at
            if moment > at or (moment == at and call[0] > latest[0]):
                latest, at = call, moment
    except TypeError:  # a time with a zone and one without: compared as `call_order` does
        return max(calls, key=call_order)
    return latest


def _past(record: CallRecord) -> PastCall:
    return PastCall(record.call_key, record.called_at, record.outcome)


def _cooldown_end(history: ContactHistory, config: Config) -> date:
    last = max(m.send_date for m in history.mailings)
    return last + timedelta(days=config.cadence.cooldown_days)


def call_order(call: tuple[int, CallRecord]) -> tuple[datetime, int]:
    index, record = call
    moment = record.called_at
    if moment.tzinfo is not None:
        # Compare aware and naive times without a TypeError; logs rarely mix them.
        moment = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
    return moment, index


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
    outcome: Outcome, template: str, history: ContactHistory, earlier_calls: bool, days: PlanDays
) -> str:
    words, today = _OUTCOME_WORDS[outcome], days.today
    if history.mailings:  # a thank-you for an order goes inside the cooldown too
        end = _cooldown_end(history, days.config)
        sent = _day(end - timedelta(days=days.config.cadence.cooldown_days), today)
        words += f" (last card {sent}{', cooldown over' if end <= today else ''})"
    elif outcome is _VOICEMAIL and not earlier_calls:
        words = "voicemail on the first call"
    if template == "offer":
        return f"{words}: mail a time-sensitive note"
    if template == "thank-you":
        return f"{words}: mail a thank-you card, no sales message"
    return f"{words}: mail the '{template}' card"


def _day(d: date, today: date) -> str:
    return f"{d:%b} {d.day}" if d.year == today.year else f"{d:%b} {d.day}, {d.year}"
