"""followups.ics: one event a call, carrying what the seller needs at the phone (why, the
offer and its deadline, the live script, the voicemail and whether to leave it, the text to
send first, the permission ask) and a reminder before it.

Re-exporting updates events rather than doubling them: the UID comes from the step and the
call's purpose (`calls.call_uid`), SEQUENCE grows with the export day, and DTSTAMP and
LAST-MODIFIED are that day, so the same plan exported the same day gives the same bytes.

The file is written an event at a time (`CalendarWriter`), as RFC 5545 lays it out: a
calendar of thousands of calls never sits in memory, and building an object per property
would cost more than the text itself. The lines are the ones the icalendar package writes
for the same events (a test holds the two to the same bytes), and icalendar reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from pathlib import Path
from typing import BinaryIO

from mailer.files import clean_text, written_beside
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

_HEAD = (
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//mailer//Call-Mail-Call follow-ups//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
)
_FOLD = 74
"""Octets a content line holds before it is folded (RFC 5545 allows 75 and the leading
space of a continuation line; icalendar folds here)."""


class CalendarWriter:
    """followups.ics written into `out` an event at a time: `add` each call, then `close`.
    `stamp` (the export day) is the only clock: it fixes DTSTAMP, LAST-MODIFIED and
    SEQUENCE, so the same plan gives the same file."""

    def __init__(self, out: BinaryIO, stamp: date) -> None:
        self._out = out
        moment = f"{stamp:%Y%m%d}T000000Z"
        # A later export of the same call is a newer version of it, never a second event.
        sequence = max((stamp - _EPOCH).days, 0)
        self._stamped = (
            f"DTSTAMP:{moment}\r\n",
            f"SEQUENCE:{sequence}\r\n",
            f"LAST-MODIFIED:{moment}\r\n",
        )
        self._trigger = f"TRIGGER:{_before(REMINDER_MINUTES)}\r\n"
        out.write("".join(f"{line}\r\n" for line in _HEAD).encode())

    def add(self, call: FollowUp) -> None:
        """One event and its reminder. Names and notes come from call logs: no control
        character goes into a calendar."""
        summary = _text(clean_text(summary_of(call), one_line=True))
        dtstamp, sequence, modified = self._stamped
        self._out.write(
            b"".join(
                (
                    b"BEGIN:VEVENT\r\n",
                    _line("SUMMARY:" + summary),
                    # Floating local times: the seller calls in their own time zone.
                    b"DTSTART:%s\r\n" % _moment(call.on, call.window[0]),
                    b"DTEND:%s\r\n" % _moment(call.on, call.window[1]),
                    dtstamp.encode(),
                    _line("UID:" + _text(call.uid)),
                    sequence.encode(),
                    _line("DESCRIPTION:" + _text(clean_text(description_of(call)))),
                    modified.encode(),
                    b"BEGIN:VALARM\r\nACTION:DISPLAY\r\n",
                    _line("DESCRIPTION:" + summary),
                    self._trigger.encode(),
                    b"END:VALARM\r\nEND:VEVENT\r\n",
                )
            )
        )

    def close(self) -> None:
        self._out.write(b"END:VCALENDAR\r\n")


def _text(value: str) -> str:
    """A TEXT value escaped: the backslash first, then what the format gives a meaning.
    (`str.replace` a character at a time: `str.translate` with a table of strings takes
    about 70 microseconds for a call's description, a tenth of the whole event.)"""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _moment(day: date, at: time) -> bytes:
    return f"{day:%Y%m%d}T{at:%H%M%S}".encode()


def _before(minutes: int) -> str:
    """A negative duration: `-PT15M`, `-PT1H30M`."""
    hours, rest = divmod(minutes, 60)
    return "-PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def _line(line: str) -> bytes:
    """A content line, folded into pieces of at most `_FOLD` octets, each after the first
    starting with a space. A fold never splits a character's UTF-8 bytes, and never leaves
    a backslash (an escape's start) or a caret at the end of a piece: calendar apps that
    unfold carelessly would read a broken escape."""
    data = line.encode()
    if len(data) <= _FOLD:
        return data + b"\r\n"
    pieces = []
    start = 0
    while len(data) - start > _FOLD:
        cut = start + _FOLD
        while data[cut] & 0xC0 == 0x80:  # inside a character: fold before it
            cut -= 1
        if data[cut - 1] in b"\\^" and cut - 1 > start:
            cut -= 1
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def calendar_bytes(calls: Iterable[FollowUp], stamp: date) -> bytes:
    """An iCalendar file with one event a call (see `CalendarWriter`)."""
    import io

    buffer = io.BytesIO()
    writer = CalendarWriter(buffer, stamp)
    for call in calls:
        writer.add(call)
    writer.close()
    return buffer.getvalue()


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


def write_ics(calls: Iterable[FollowUp], path: Path, stamp: date) -> None:
    """followups.ics, written an event at a time beside `path`, then renamed into place."""
    with written_beside(path) as tmp, tmp.open("wb") as f:
        writer = CalendarWriter(f, stamp)
        for call in calls:
            writer.add(call)
        writer.close()
