"""When a card's or a call's moment has passed: the one rule every stage asks.

A card says something time-sensitive ("call me by Friday the 4th"). Once its offer has
ended, or, for a card without an offer, two weeks after its send date, printing or sending it
would say the wrong thing, and a plan that was never carried out stops counting as a mailing
(so it no longer holds the contact in the cooldown). A follow-up call is worth making while
the offer is open, or for a week after the day it was due; after that the method says leave
them alone.

The card rule is also written as SQL (`CARD_MOMENT_PASSED_SQL`) for the ledger's history
query; `tests/test_due.py` holds the two to the same answers.
"""

from __future__ import annotations

from datetime import date, timedelta

from mailer.domain.models import MailStep

CARD_MOMENT_DAYS = 14
"""How long a card without an offer date stays timely after its send date."""

CALL_MOMENT_DAYS = 7
"""How long a follow-up call without an offer deadline stays worth making after its day."""


def card_moment_end(step: MailStep, today: date) -> date:
    """The first day on which the card says the wrong thing (an undated card counts from
    `today`)."""
    if step.offer_expires is not None:
        return step.offer_expires
    return (step.send_date or today) + timedelta(days=CARD_MOMENT_DAYS)


def card_moment_passed(step: MailStep, today: date) -> bool:
    """True when the card can no longer go out as planned: plan the contact again."""
    return card_moment_end(step, today) <= today


CARD_MOMENT_PASSED_SQL = (
    f"coalesce(s.offer_expires, date(s.send_date, '+{CARD_MOMENT_DAYS} days')) <= :today"
)
"""`card_moment_passed` over a `steps` row aliased `s`, with `:today` bound (ISO date)."""


def call_moment_passed(step: MailStep, today: date) -> bool:
    """True when a follow-up call is no longer worth making (or the step asks for none)."""
    if step.follow_up_call is None:
        return True
    until = step.offer_expires or step.follow_up_call + timedelta(days=CALL_MOMENT_DAYS)
    return until < today
