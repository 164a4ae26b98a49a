"""The second call of Call-Mail-Call: who to ring, when, why, and what to say.

The script follows the method: check the note arrived, remind them of the deadline, no
pressure. Pure text building here; `write_ics` is the only I/O (followups.csv and the
printable call sheet are `sheet` and `sheet_pdf`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from mailer.config import Config, call_window
from mailer.domain.models import Action, Address, MailStep, Outcome
from mailer.domain.moments import call_moment_passed
from mailer.files import clean_text, write_bytes_atomic


@dataclass(frozen=True)
class FollowUp:
    """One call to make."""

    on: date
    window: tuple[time, time]
    contact_id: str
    name: str
    phone: str
    why: str
    script: str
    offer_deadline: date | None
    uid: str
    attempt: int = 1
    purpose: str = ""
    """follow-up, callback, last-try or first-call (`CallPurpose`)."""
    voicemail: str = ""
    """The message to leave if they don't answer (`script` is the live one)."""
    leave_message: bool = True
    """Whether to leave that message this time (the method: not every time)."""
    permission_ask: str = ""
    """On a live call with no permission recorded: may I contact you again?"""
    text_message: str = ""
    """A text to send before calling, when the contact allows texts."""
    email: str = ""
    address: Address = field(default_factory=Address)
    """The contact's address as the call log gave it: the call sheet carries it back, so a
    sheet fed in as the next call log can still mail a card."""


def friendly(d: date) -> str:
    """'Monday, November 30': how people say dates on the phone."""
    return f"{d:%A}, {d:%B} {d.day}"


def actionable(step: MailStep, today: date) -> bool:
    """A follow-up still worth making (see `mailer.domain.moments`)."""
    return not call_moment_passed(step, today)


def follow_up_for(step: MailStep, config: Config) -> FollowUp | None:
    """The call a step asks for, or None when it asks for none."""
    if step.follow_up_call is None or step.action not in (Action.MAIL, Action.CALL):
        return None
    record = step.record
    (sh, sm), (eh, em) = call_window(config.followups)
    return FollowUp(
        on=step.follow_up_call,
        window=(time(sh, sm), time(eh, em)),
        contact_id=record.contact_id,
        name=record.name or record.contact_id,
        phone=record.phone,
        why=_why(step),
        script=call_script(step, config),
        offer_deadline=step.offer_expires,
        uid=hashlib.sha256(step.step_key.encode()).hexdigest()[:32] + "@mailer",
        attempt=step.attempt,
        purpose=step.purpose.value if step.purpose is not None else "",
        email=record.email,
        address=record.address,
    )


def follow_ups(steps: Iterable[MailStep], config: Config) -> list[FollowUp]:
    """The calls to make, soonest first, then by name."""
    calls = [f for f in (follow_up_for(s, config) for s in steps) if f is not None]
    return sorted(calls, key=lambda f: (f.on, f.name.casefold(), f.contact_id))


def _why(step: MailStep) -> str:
    if step.action is Action.CALL:
        if step.record.outcome is Outcome.CALLBACK:
            return "asked for a call back"
        return step.reason
    assert step.send_date is not None
    sent = f"{step.send_date:%b} {step.send_date.day}"
    if step.offer_expires is not None:
        deadline = f"{step.offer_expires:%b} {step.offer_expires.day}"
        return f"second call: note mailed {sent}, offer ends {deadline}"
    return f"card mailed {sent}"


def call_script(step: MailStep, config: Config) -> str:
    """What to say on the call, in the seller's voice."""
    first = step.record.first_name or "there"
    me = config.sender.first_name or "me"
    company = config.sender.company
    intro = f"Hi {first}, it's {me} from {company}." if company else f"Hi {first}, it's {me}."
    if step.action is Action.CALL:
        return (
            f"{intro} You asked me to give you a call back today, so here I am. "
            "Is now still a good time?"
        )
    if step.offer_expires is None:
        return (
            f"{intro} I sent you a little card the other day and just wanted to say hello. "
            "No reason other than that: I hope you're well."
        )
    deadline = friendly(step.offer_expires)
    return (
        f"{intro} I popped a note in the mail to you last week: did it reach you? "
        f"The offer on it is good until {deadline}, so if you'd like it, just call me by then. "
        "No pressure at all, I just didn't want you to miss it."
    )


def calendar_bytes(calls: Sequence[FollowUp], stamp: date) -> bytes:
    """An iCalendar file with one event a call. `stamp` fixes DTSTAMP so the same plan gives
    the same file; the UID comes from the step, so re-importing updates rather than doubles."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//mailer//Call-Mail-Call follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    for f in calls:
        event = Event()
        event.add("uid", f.uid)
        event.add("dtstamp", datetime.combine(stamp, time(0, 0), tzinfo=UTC))
        # Floating local times: the seller calls in their own time zone.
        event.add("dtstart", datetime.combine(f.on, f.window[0]))
        event.add("dtend", datetime.combine(f.on, f.window[1]))
        phone = f" {f.phone}" if f.phone else ""
        # Names and notes come from call logs: no control character goes into a calendar.
        event.add("summary", clean_text(f"Call {f.name}{phone}", one_line=True))
        details = [f.why, "", f.script]
        if f.offer_deadline:
            details += ["", f"Offer deadline: {friendly(f.offer_deadline)}"]
        event.add("description", clean_text("\n".join(details)))
        cal.add_component(event)
    return bytes(cal.to_ical())


def write_ics(calls: Sequence[FollowUp], path: Path, stamp: date) -> None:
    write_bytes_atomic(path, calendar_bytes(calls, stamp))
