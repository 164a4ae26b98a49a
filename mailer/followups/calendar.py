"""followups.ics: one event a call, carrying what the seller needs at the phone (why, the
offer and its deadline, the live script, the voicemail and whether to leave it, the text to
send first, the permission ask) and a reminder before it.

Re-exporting updates events rather than doubling them: the UID comes from the step and the
call's purpose (`calls.call_uid`), SEQUENCE grows with the export day, and DTSTAMP and
LAST-MODIFIED are that day, so the same plan exported the same day gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from mailer.files import clean_text, write_bytes_atomic
from mailer.followups.calls import FollowUp, friendly

REMINDER_MINUTES = 15
"""The calendar reminds the seller this many minutes before each call's window opens."""
_EPOCH = date(2020, 1, 1)

_PURPOSES = {
    "follow-up": "follow-up",
    "callback": "call back",
    "last-try": "last try",
    "first-call": "first call",
}


def calendar_bytes(calls: Sequence[FollowUp], stamp: date) -> bytes:
    """An iCalendar file with one event a call. `stamp` (the export day) is the only clock:
    it fixes DTSTAMP, LAST-MODIFIED and SEQUENCE, so the same plan gives the same file."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//mailer//Call-Mail-Call follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    moment = datetime.combine(stamp, time(0, 0), tzinfo=UTC)
    for f in calls:
        event = Event()
        event.add("uid", f.uid)
        event.add("dtstamp", moment)
        event.add("last-modified", moment)
        # A later export of the same call is a newer version of it, never a second event.
        event.add("sequence", max((stamp - _EPOCH).days, 0))
        # Floating local times: the seller calls in their own time zone.
        event.add("dtstart", datetime.combine(f.on, f.window[0]))
        event.add("dtend", datetime.combine(f.on, f.window[1]))
        # Names and notes come from call logs: no control character goes into a calendar.
        summary = clean_text(summary_of(f), one_line=True)
        event.add("summary", summary)
        event.add("description", clean_text(description_of(f)))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=-REMINDER_MINUTES))
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def summary_of(f: FollowUp) -> str:
    """`Call Mary Albright 555-0101 (follow-up, attempt 2)`."""
    phone = f" {f.phone}" if f.phone else ""
    what = _PURPOSES.get(f.purpose, f.purpose)
    tag = f" ({what}, attempt {f.attempt})" if what else ""
    return f"Call {f.name}{phone}{tag}"


def description_of(f: FollowUp) -> str:
    """What the seller reads before dialling, in the order they need it."""
    lines = [f.why]
    if f.offer_deadline:
        lines += ["", f"Offer deadline: {friendly(f.offer_deadline)}"]
    if f.text_message:
        lines += ["", f"Text first: {f.text_message}"]
    lines += ["", f"If they answer: {f.script}"]
    if f.permission_ask:
        lines += ["", f"Ask before you hang up: {f.permission_ask}"]
    if f.voicemail:
        lines += ["", f"Voicemail ({f.voicemail_advice}): {f.voicemail}"]
    return "\n".join(lines)


def write_ics(calls: Sequence[FollowUp], path: Path, stamp: date) -> None:
    write_bytes_atomic(path, calendar_bytes(calls, stamp))
