"""What a step says about itself: the words for each outcome and the reasons the cadence
gives (`planning.cadence`). Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import date, timedelta

from mailer.config import Config
from mailer.domain.models import ContactHistory, Outcome, PastMailing
from mailer.planning.plan_days import PlanDays

NO_SALES_TEMPLATES = frozenset({"thank-you", "birthday"})
"""Cards without a sales message: no offer, no follow-up call."""

OUTCOME_WORDS = {
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
SKIP_REASONS = {
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


def cooldown_end(history: ContactHistory, config: Config) -> date:
    last = max(m.send_date for m in history.mailings)
    return last + timedelta(days=config.cadence.cooldown_days)


def cooldown(called_at: date, history: ContactHistory, days: int, today: date) -> str | None:
    """Why no card may go out yet to a contact last called on `called_at`, or None."""
    if not history.mailings:
        return None
    last: PastMailing = max(history.mailings, key=lambda m: m.send_date)
    until = last.send_date + timedelta(days=days)
    if until <= today:
        return None
    sent, free = day_said(last.send_date, today), day_said(until, today)
    if carries_offer(last.template) and called_at >= last.send_date:
        # The call after the card is the method's second call: the cycle is done.
        return (
            f"second call done after the card of {sent}: cycle complete, "
            f"leave them alone until {free}"
        )
    return f"mailed on {sent}: not a pest; next card possible from {free}"


def mail_reason(
    outcome: Outcome, template: str, history: ContactHistory, earlier_calls: bool, days: PlanDays
) -> str:
    words, today = OUTCOME_WORDS[outcome], days.today
    if history.mailings:  # a thank-you for an order goes inside the cooldown too
        end = cooldown_end(history, days.config)
        sent = day_said(end - timedelta(days=days.config.cadence.cooldown_days), today)
        words += f" (last card {sent}{', cooldown over' if end <= today else ''})"
    elif outcome is Outcome.VOICEMAIL and not earlier_calls:
        words = "voicemail on the first call"
    if template == "offer":
        return f"{words}: mail a time-sensitive note"
    if template == "thank-you":
        return f"{words}: mail a thank-you card, no sales message"
    return f"{words}: mail the '{template}' card"


def day_said(d: date, today: date) -> str:
    return f"{d:%b} {d.day}" if d.year == today.year else f"{d:%b} {d.day}, {d.year}"
