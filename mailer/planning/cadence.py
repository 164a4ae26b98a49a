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

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import chain, compress
from operator import attrgetter

from mailer.config import Config
from mailer.domain import postal_days as postal
from mailer.domain.mail_addresses import mail_problem
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
    all_whole_minutes,
    count_attempts,
    count_input_attempts,
    ordinal,
    resting_reason,
)
from mailer.planning.birthdays import BIRTHDAY_TEMPLATE, birthday_card_due
from mailer.planning.feasibility import check_feasible
from mailer.planning.feasibility import weekday as _weekday
from mailer.planning.plan_days import PlanDays, callback_day
from mailer.planning.reasons import (
    NO_SALES_TEMPLATES,
    OUTCOME_WORDS,
    SKIP_REASONS,
    carries_offer,
    cooldown,
    cooldown_end,
    day_said,
    mail_reason,
)

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


Calls = list[CallRecord]
"""A contact's calls, in the order of the records planned (a later row wins a tie)."""


def plan_steps(
    records: Iterable[CallRecord],
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
    # Read twice below: a one-pass iterator would give the rules no calls (an opt-out lost).
    given = records if isinstance(records, list | tuple) else list(records)
    calls = group_calls(given)
    return plan_contacts(calls, history, config, today, addressed=addressed, records=given)


def group_calls(records: Sequence[CallRecord]) -> dict[str, Calls]:
    """Each contact's calls, contacts in the order they first appear in `records`."""
    calls_by_contact: defaultdict[str, Calls] = defaultdict(list)
    for record in records:  # (one pass: a missing contact's list made by the dict itself)
        calls_by_contact[record.contact_id].append(record)
    return calls_by_contact


def plan_contacts(
    calls_by_contact: Mapping[str, Calls],
    history: Mapping[str, ContactHistory],
    config: Config,
    today: date,
    *,
    addressed: Callable[[CallRecord], CallRecord] | None = None,
    records: Sequence[CallRecord] | None = None,
) -> list[MailStep]:
    """`plan_steps` for calls already grouped by contact (`group_calls`: each contact's
    calls in the order of the records). `records`, when given, are the records grouped, in
    any order: the log's own, passed over in the order they were read (and so lie in
    memory), rather than gathered again from the groups."""
    check_feasible(config)
    if records is None:
        records = list(chain.from_iterable(calls_by_contact.values()))
    # Asked once a plan: most logs date every call to the minute, without a zone.
    whole_minutes = all_whole_minutes(records)
    # The contacts with an opt-out, found in one C-level pass over the log rather than by
    # asking each contact's calls (most logs have few).
    opted_out = set(map(_CONTACT, compress(records, map(_OPT_OUT.__eq__, map(_OUTCOME, records)))))
    days = PlanDays(config, today)
    plan = _Contacts(config, days, addressed, whole_minutes, opted_out).plan
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
_NOT_INTERESTED = Outcome.NOT_INTERESTED
_FOLLOW_UP, _CALLED_BACK = CallPurpose.FOLLOW_UP, CallPurpose.CALLBACK
_LAST_TRY, _FIRST_CALL = CallPurpose.LAST_TRY, CallPurpose.FIRST_CALL

_AT, _OUTCOME, _ROW = attrgetter("called_at"), attrgetter("outcome"), attrgetter("row")
_CONTACT = attrgetter("contact_id")
_OPTED_OUT = "asked not to be contacted: added to the suppression list"
_Card = tuple[str, date, date, date | None]
"""A card's template, send date, delivery and offer's end (None: no offer)."""
_Decision = tuple[Action, str, _Card | None, date | None, CallPurpose | None]
"""What the rules decide for a contact: the action, its reason, the card, the call's day
and purpose."""
_NO_HISTORY = ContactHistory("")
"""The history of a contact the ledger knows nothing of (the rules never read its id)."""
_OUTCOME_WORDS, _SKIP_REASONS, _day = OUTCOME_WORDS, SKIP_REASONS, day_said


class _Contacts:
    """The rules above, applied to one contact at a time, with what every contact of one
    plan shares (settings, days) looked up once a plan rather than once a contact."""

    def __init__(
        self,
        config: Config,
        days: PlanDays,
        addressed: Callable[[CallRecord], CallRecord] | None,
        whole_minutes: bool,
        opted_out: set[str],
    ) -> None:
        self.config, self.days, self.addressed = config, days, addressed
        self.whole_minutes, self.opted_out = whole_minutes, opted_out
        self.today = days.today
        cadence = config.cadence
        self.exit_after, self.rest_days = cadence.exit_after, cadence.rest_days
        self.cooldown_days = cadence.cooldown_days
        self.birthdays = cadence.birthday
        self._mailable: dict[int, tuple[Address, str | None]] = {}
        self._reasons: dict[tuple[Outcome, str, bool], str] = {}
        self._attempts: dict[tuple[str, int], str] = {}
        # A birthday card depends on the contact's birthday: no decisions kept with them on.
        self._decisions: dict[tuple[object, ...], tuple[_Decision, _Decision]] | None = (
            None if cadence.birthday else {}
        )

    def plan(self, calls: Calls, history: ContactHistory) -> MailStep:
        """The contact's step, from their calls (see the module doc for the rules)."""
        several = len(calls) > 1
        record = latest_call(calls) if several else calls[0]
        exit_after, rest_days = self.exit_after, self.rest_days
        if history.calls:
            earlier = [*history.calls, *map(_past, calls)]
            tries = count_attempts(record, earlier, exit_after=exit_after, rest_days=rest_days)
        else:  # the same count, without the call keys it can do without
            tries = count_input_attempts(
                record, calls, exit_after, rest_days, whole_minutes=self.whole_minutes
            )
        outcome = record.outcome
        decisions = self._decisions
        raw: _Decision
        decision: _Decision
        if outcome is _OPT_OUT or (several and record.contact_id in self.opted_out):
            # The latest opt-out decides (a later row winning a tie).
            record = latest_call([call for call in calls if call.outcome is _OPT_OUT])
            raw = decision = (_SUPPRESS, _OPTED_OUT, None, None, None)
        elif decisions is None or history.suppressed or history.mailings or outcome is _CALLBACK:
            raw = self._rules(record, tries, history, several)
            decision = self._said(raw, tries, outcome)
        else:  # what the rules read of this contact, and nothing else: decided once a plan
            said = (
                outcome, several, record.address.country, tries.attempt, tries.unanswered,
                tries.rest_until, tries.rest_why, tries.last_try_next,
            )  # fmt: skip
            found = decisions.get(said)
            if found is None:
                raw = self._rules(record, tries, history, several)
                found = decisions[said] = (raw, self._said(raw, tries, outcome))
            raw, decision = found
        if raw[0] is _MAIL:  # a card, if the address takes one
            address = record.address  # a household's rows share one: each asked once a plan
            known = self._mailable.get(id(address))
            if known is None:  # kept with its address: the id stays that address's meanwhile
                known = self._mailable[id(address)] = (address, mail_problem(address))
            if known[1] is not None:
                unmailable = self._unmailable(raw, known[1], outcome, tries)
                decision = self._said(unmailable, tries, outcome)
        # The step the decision gives: `card` is a card's template, send date, delivery and
        # offer's end; a follow-up call on `day` has its `purpose`.
        action, reason, card, day, purpose = decision
        if not several:
            rows: tuple[int, ...] = ()
        elif len(calls) == 2:  # (most contacts called more than once: the other call's row)
            rows = (calls[0].row,) if calls[1] is record else (calls[1].row,)
        else:
            rows = _other_rows(calls, record)
        if purpose is not None and day is None:
            purpose = None
        if card is None:
            return planned_step(
                record, action, reason, None, None, None, None, day, rows, tries.attempt,
                purpose, tries.missed_at,
            )  # fmt: skip
        if action is _MAIL and self.addressed is not None:
            record = self.addressed(record)
        template, send, delivery, expires = card
        return planned_step(
            record, action, reason, template, send, delivery, expires, day, rows, tries.attempt,
            purpose, tries.missed_at,
        )  # fmt: skip

    def _rules(
        self,
        record: CallRecord,
        tries: Attempts,
        history: ContactHistory,
        several: bool,
    ) -> _Decision:
        """The step the rules give the contact's latest call `record`: an action, a reason,
        the card (template, send date, delivery, offer's end), the call's day and purpose.
        A card is decided as if the address took it (`_unmailable` says what happens when it
        can't). It reads no more of `record` than its outcome and its address's country,
        unless the contact has a history of cards or an opt-out, asked for a call back, or
        birthday cards are on (`plan` keeps the answers by those alone)."""
        outcome = record.outcome
        days, today = self.days, self.today
        rest_days = self.rest_days
        if history.suppressed:
            reason = (
                "on the suppression list since an earlier opt-out; "
                f"`mailer unsuppress {record.contact_id}` to undo"
            )
            return _SKIP, reason, None, None, None
        first_step = days.first_steps[outcome]
        if first_step == "call" and outcome is _CALLBACK:
            day, reason = callback_day(record, today)
            return _CALL, reason, None, day, _CALLED_BACK

        words = _OUTCOME_WORDS[outcome]
        cooldown_said = (
            cooldown(record.called_at.date(), history, self.cooldown_days, today)
            if history.mailings
            else None
        )
        unanswered = outcome in UNANSWERED
        if unanswered and tries.rest_until is not None:
            reason = f"{words}: {resting_reason(tries, today)}"
            return _SKIP, reason, None, None, None
        if tries.last_try_next:
            day = days.next_call
            if cooldown_said is not None:
                end = cooldown_end(history, self.config)
                day = max(day, postal.next_business_day_on_or_after(end))
            reason = (
                f"{words}, {tries.unanswered} unanswered calls: last try {_weekday(day)} (the "
                f"message with an easy way out), then they rest {rest_days} days"
            )
            return _CALL, reason, None, day, _LAST_TRY
        if outcome is _ORDERED and not carries_offer(first_step):
            cooldown_said = None  # a thank-you for an order goes even inside the cooldown
        template: str | None = None
        if cooldown_said is not None:
            reason = cooldown_said
        elif first_step == "call" and tries.rest_until is None:
            day = days.next_call
            # A call that reached them closes the cycle: the next one is the first call of a
            # new cycle (attempt 1, the message promising the note); after a miss it follows
            # up.
            fresh = not unanswered and outcome not in NEUTRAL
            reason = f"{words}: call again {_weekday(day)}" + (", a first call" if fresh else "")
            purpose = _FIRST_CALL if fresh else _FOLLOW_UP
            return _CALL, reason, None, day, purpose
        elif first_step in ("skip", "call"):  # a call set for a resting contact: they rest
            reason = _SKIP_REASONS.get(
                outcome,
                f'{words}: nothing to send (cadence.outcomes.{outcome.value} is "skip")',
            )
        else:
            template = first_step
            first = not several and tries.attempt == 1  # not "on the first call" otherwise
            if history.mailings:
                reason = mail_reason(outcome, template, history, not first, days)
            else:  # the same few reasons for most contacts: each made once a plan
                said = (outcome, template, first)
                reason = self._reasons.get(said) or self._reasons.setdefault(
                    said, mail_reason(outcome, template, history, not first, days)
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
            return _SKIP, reason, None, None, None
        if template in NO_SALES_TEMPLATES:
            return _MAIL, reason, (template, send, delivery, None), None, None
        card = (template, send, delivery, expires)
        return _MAIL, reason, card, follow_up, _FOLLOW_UP

    def _unmailable(
        self, decision: _Decision, problem: str, outcome: Outcome, tries: Attempts
    ) -> _Decision:
        """The card `decision` for an address that can't take it (rule 7)."""
        card = decision[2]
        assert card is not None
        if card[0] not in NO_SALES_TEMPLATES and outcome in UNANSWERED and tries.unanswered == 1:
            # A phone-only cycle: the second call still comes, when it would after a card.
            day = self.days.to("")[1]
            reason = (
                f"{_OUTCOME_WORDS[outcome]}: no card could be mailed ({problem}); "
                f"call again {_weekday(day)}, a phone-only cycle"
            )
            return _CALL, reason, None, day, _FOLLOW_UP
        return _SKIP, f"no mailable address: {problem}; the call still counts", None, None, None

    def _said(self, decision: _Decision, tries: Attempts, outcome: Outcome) -> _Decision:
        """The decision, its reason saying which attempt an unanswered call was."""
        if tries.attempt == 1 or outcome not in UNANSWERED:
            return decision
        action, reason, card, day, purpose = decision
        said = (reason, tries.attempt)  # a plan's few reasons and attempts: made once
        found = self._attempts.get(said)
        if found is None:
            found = self._attempts[said] = f"{reason} ({ordinal(tries.attempt)} attempt)"
        return action, found, card, day, purpose


def _other_rows(calls: Calls, decider: CallRecord) -> tuple[int, ...]:
    """The rows of a contact's calls other than the deciding one's place."""
    place = len(calls) - 1
    while calls[place] is not decider:  # (the latest of a record listed twice)
        place -= 1
    others = list(map(_ROW, calls))
    del others[place]
    return tuple(others)


def latest_call(calls: Calls) -> CallRecord:
    """`max(enumerate(calls), key=call_order)[1]`: the contact's latest call, a later row winning a
    tie; compared as they are (`max` keeps the first of equals: the calls read backwards),
    unless a log mixes times with and without a zone."""
    try:
        if len(calls) == 2:  # (most contacts called more than once: two calls)
            first, second = calls
            return first if first.called_at > second.called_at else second
        return max(reversed(calls), key=_AT)
    except TypeError:  # a time with a zone and one without: compared as `call_order` does
        return max(enumerate(calls), key=call_order)[1]


def _past(record: CallRecord) -> PastCall:
    return PastCall(record.call_key, record.called_at, record.outcome)


def call_order(call: tuple[int, CallRecord]) -> tuple[datetime, int]:
    index, record = call
    moment = record.called_at
    if moment.tzinfo is not None:
        # Compare aware and naive times without a TypeError; logs rarely mix them.
        moment = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
    return moment, index
