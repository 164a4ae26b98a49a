"""The rules behind what a call's script says, as pure functions: which call this is (its
purpose and attempt), whether to leave a message, when to say you'll call back, how long ago
the card went out in words, and what the contact allowed (texts, keeping in touch).

The words themselves live in the script templates (`mailer.followups.scripts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from mailer.domain import postal_days as postal
from mailer.domain.models import Action, CallPurpose, MailStep, Outcome
from mailer.domain.slugs import extra_column_key

PERMISSION_COLUMNS = ("permission", "ok_to_contact", "okay_to_contact", "may_contact")
"""Call-log or contact columns (any header that becomes one of these keys: "OK to contact",
"Permission") recording whether the contact agreed to hear from the seller again."""
TEXT_COLUMNS = ("texts_ok", "text_ok", "ok_to_text", "sms_opt_in", "sms_ok")
"""Columns recording that the contact agreed to text messages ("Texts OK", "SMS opt-in")."""
_YES = frozenset({"yes", "y", "true", "1", "x", "ok", "okay", "opted in", "opt-in", "✓", "✔"})
_NO = frozenset({"no", "n", "false", "0", "opted out", "opt-out"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def purpose_of(step: MailStep) -> CallPurpose:
    """Why the call is made: the plan's word when it has one; else a call asked for is a
    callback and every other planned call follows up the last attempt."""
    if step.purpose is not None:
        return step.purpose
    if step.action is Action.CALL and step.record.outcome is Outcome.CALLBACK:
        return CallPurpose.CALLBACK
    return CallPurpose.FOLLOW_UP


def call_attempt(step: MailStep, purpose: CallPurpose) -> int:
    """Which attempt of the cycle the planned call is: the one after the deciding call, or
    the first of a new cycle for a first call and for a callback (the call that asked for it
    reached them, and a call that reaches them ends the cycle)."""
    if purpose in (CallPurpose.FIRST_CALL, CallPurpose.CALLBACK):
        return 1
    return max(step.attempt, 1) + 1


def after_card(step: MailStep) -> bool:
    """The call follows a card mailed for this step."""
    return step.action is Action.MAIL and step.send_date is not None


def leave_message(purpose: CallPurpose, attempt: int, exits_after: int, card: bool) -> bool:
    """The method leaves a message on the first attempt of a cycle (promising the note), on
    the call after the note (did it reach you, call me by the deadline), when calling back as
    asked, and on the last try (the way out); not on the tries in between, which go at
    another time of day instead."""
    if purpose in (CallPurpose.FIRST_CALL, CallPurpose.LAST_TRY, CallPurpose.CALLBACK):
        return True
    return attempt <= 1 or card or attempt > exits_after


def days_ago(past: date, on: date) -> str:
    """How long ago `past` was, said on `on`: "yesterday", "on Monday" (this week), "a few
    days ago", "last week" (only for the calendar week before and a week or more ago),
    "a couple of weeks ago"."""
    days = (on - past).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    weeks_apart = on - timedelta(days=on.weekday()) - (past - timedelta(days=past.weekday()))
    weeks = weeks_apart.days // 7
    if days < 7:
        return f"on {_WEEKDAYS[past.weekday()]}" if weeks == 0 else "a few days ago"
    if weeks == 1:
        return "last week"
    return "a couple of weeks ago" if days < 21 else "a few weeks ago"


def days_ahead(day: date, on: date) -> str:
    """When `day` is, said on `on`: "tomorrow", "on Thursday" (this week), "on Tuesday the
    8th" (further off)."""
    days = (day - on).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 7 and day.weekday() > on.weekday():
        return f"on {_WEEKDAYS[day.weekday()]}"
    return f"on {_WEEKDAYS[day.weekday()]} the {ordinal(day.day)}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def call_back_day(
    purpose: CallPurpose, on: date, transit_days: int, unanswered: str = "offer"
) -> date | None:
    """The day a message promises the next call, the one the cadence plans if this call
    goes unanswered: after a first call or a callback (either starts a cycle), the business
    day after the note it leads to should arrive, which is also the day a phone-only cycle
    calls again. None after a follow-up or the last try: the cadence plans no further call
    in their cycle (the call after a card ends it, a phone-only cycle has one try, and the
    last try leads to a rest), so their messages ask the contact to call instead.
    `unanswered` is what `[cadence.outcomes]` plans after a voicemail: `call` calls the next
    business day, `skip` plans nothing to promise, a card calls after it arrives."""
    if purpose not in (CallPurpose.FIRST_CALL, CallPurpose.CALLBACK) or unanswered == "skip":
        return None
    if unanswered == "call":
        return postal.next_business_day_after(on)
    delivery = postal.add_delivery_days(postal.next_mailing_day(on), transit_days)
    return postal.next_business_day_after(delivery)


def rest_words(days: int) -> str:
    """How long the contact rests, as the exit message says it."""
    if days <= 10:
        return "in a few days"
    if days <= 45:
        return "in a few weeks"
    return "in a few months" if days <= 200 else "later in the year"


def _answer(extra: Mapping[str, str], columns: tuple[str, ...]) -> bool | None:
    """A yes or no recorded under one of `columns` (None when none is)."""
    for header, value in extra.items():
        if extra_column_key(header) in columns:
            word = value.strip().casefold()
            if word in _YES:
                return True
            if word in _NO:
                return False
    return None


def permission_recorded(step: MailStep) -> bool:
    """They already answered "may I keep in touch?" (yes or no): don't ask again."""
    return _answer(step.record.extra, PERMISSION_COLUMNS) is not None


def texts_allowed(step: MailStep) -> bool:
    """A text before the call is welcome: a texts column says yes, or the last contact was
    a text (no column saying no)."""
    said = _answer(step.record.extra, TEXT_COLUMNS)
    return said if said is not None else step.record.outcome is Outcome.TEXTED
