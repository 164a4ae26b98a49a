"""followups.ics (`mailer.followups.calendar`), parsed back with icalendar: one event a call
with the offer, its deadline, both scripts, the text, the leave-message advice and a
reminder; UIDs that stay put across exports so calendar apps update instead of doubling."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from mailer.domain.models import CallPurpose, MailStep, Outcome
from mailer.followups.calendar import REMINDER_MINUTES, calendar_bytes, write_ics
from mailer.followups.calls import FollowUp, follow_up_for, follow_ups
from mailer.project import DEMO
from tests.builders import (
    EXAMPLE_CALLS,
    EXAMPLE_CONFIG,
    call_record,
    callback_step,
    invoke,
    mail_step,
)

STAMP = date(2026, 11, 23)
OFFER = mail_step(call_record(extra={"Texts OK": "yes"}))  # call Nov 30, offer until Dec 7
CALLBACK = callback_step(
    call_record("C002", Outcome.CALLBACK, first="Zoë", last="Nguyễn", row=3), date(2026, 11, 24)
)


def the_call(step: MailStep) -> FollowUp:
    found = follow_up_for(step, DEMO)
    assert found is not None
    return found


def events(data: bytes) -> list[Any]:
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//mailer//Call-Mail-Call follow-ups//EN"
    return list(calendar.walk("VEVENT"))


def test_each_event_carries_what_the_seller_needs_at_the_phone(tmp_path: Path) -> None:
    calls = follow_ups([OFFER, CALLBACK], DEMO)
    path = tmp_path / "followups.ics"
    write_ics(calls, path, STAMP)
    assert path.read_bytes() == calendar_bytes(calls, STAMP)
    zoe, mary = events(path.read_bytes())
    offer = the_call(OFFER)
    assert str(mary["UID"]) == offer.uid
    assert mary.decoded("DTSTART") == datetime(2026, 11, 30, 13, 0)  # floating; the morning missed
    assert mary.decoded("DTEND") == datetime(2026, 11, 30, 13, 15)
    assert str(mary["SUMMARY"]) == "Call Mary Albright 555-0101 (follow-up, attempt 2)"
    text = str(mary["DESCRIPTION"])
    assert text.startswith(
        "second call: note mailed Nov 23, offer ends Dec 7; afternoon: no answer in the morning\n"
    )
    assert "Offer deadline: Monday, December 7" in text
    assert '"Your holiday candles, 20% off"' in text  # the offer by name
    assert f"If they answer: {offer.script}" in text
    assert f"Voicemail (leave this message): {offer.voicemail}" in text
    assert f"Text first: {offer.text_message}" in text
    assert f"Ask before you hang up: {offer.permission_ask}" in text
    assert str(zoe["SUMMARY"]) == "Call Zoë Nguyễn 555-0102 (call back, attempt 1)"
    assert "Text first" not in str(zoe["DESCRIPTION"])  # no texts allowed


def test_every_event_has_a_reminder_before_the_window() -> None:
    for event in events(calendar_bytes(follow_ups([OFFER, CALLBACK], DEMO), STAMP)):
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-REMINDER_MINUTES)
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
    assert REMINDER_MINUTES == 15


def test_a_try_without_a_message_says_so() -> None:
    step = dataclasses.replace(
        callback_step(call_record("C005", Outcome.NO_ANSWER), date(2026, 11, 25)),
        reason="no answer: call again",
        attempt=2,
    )
    (event,) = events(calendar_bytes([the_call(step)], STAMP))
    assert "Voicemail (no message this time; just try again at another time of day):" in str(
        event["DESCRIPTION"]
    )


def test_an_event_without_a_phone_says_only_the_name() -> None:
    step = mail_step(call_record("C014", first="Ann", last="Lee", phone=""))
    (event,) = events(calendar_bytes([the_call(step)], STAMP))
    assert str(event["SUMMARY"]) == "Call Ann Lee (follow-up, attempt 2)"


def test_the_same_plan_exported_again_keeps_every_uid_and_moves_forward() -> None:
    calls = follow_ups([OFFER, CALLBACK], DEMO)
    first = events(calendar_bytes(calls, STAMP))
    again = events(calendar_bytes(follow_ups([OFFER, CALLBACK], DEMO), STAMP))
    later = events(calendar_bytes(calls, date(2026, 11, 25)))
    assert calendar_bytes(calls, STAMP) == calendar_bytes(list(calls), STAMP)
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in again]
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in later]
    for before, after in zip(first, later, strict=True):
        # A later export is a newer version of the same event: calendar apps update it.
        assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
        assert after.decoded("DTSTAMP") == datetime(2026, 11, 25, tzinfo=UTC)
        assert after.decoded("LAST-MODIFIED") == datetime(2026, 11, 25, tzinfo=UTC)
        assert before.decoded("DTSTAMP") == datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    "other",
    [
        mail_step(call_record("C011")),  # another contact
        mail_step(call_record(called_at="2026-11-22 09:00")),  # another deciding call
        dataclasses.replace(OFFER, purpose=CallPurpose.LAST_TRY),  # another purpose
    ],
)
def test_different_calls_have_different_uids(other: MailStep) -> None:
    assert the_call(other).uid != the_call(OFFER).uid


def test_no_calls_is_an_empty_calendar() -> None:
    assert events(calendar_bytes([], STAMP)) == []


def test_mailer_followups_exports_the_same_events_twice(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    plan = invoke("plan", EXAMPLE_CALLS, "--today", "2026-11-22", "--db", db)
    assert plan.exit_code == 0, plan.stderr
    exported = []
    for name, today in (("a.ics", "2026-11-22"), ("b.ics", "2026-11-24")):
        result = invoke(
            "followups", "--today", today, "--db", db, "--config", EXAMPLE_CONFIG,
            "--ics", tmp_path / name,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        exported.append(events((tmp_path / name).read_bytes()))
    first, second = exported
    assert len(first) > 3
    uids = [str(e["UID"]) for e in first]
    assert len(set(uids)) == len(uids)
    # Two days on, the calls still ahead are the same events, under the same UIDs.
    assert second
    assert {str(e["UID"]) for e in second} <= set(uids)
    for event in first:
        text = str(event["DESCRIPTION"])
        assert "If they answer: Hi " in text
        assert "Voicemail (" in text
        assert event.walk("VALARM")
    mary = next(e for e in first if "Mary Albright" in str(e["SUMMARY"]))
    assert '"Your holiday candles, 20% off"' in str(mary["DESCRIPTION"])
    assert "Monday, December 7" in str(mary["DESCRIPTION"])


def _reference(calls: list[FollowUp], stamp: date) -> bytes:
    """The same calendar built the slow way, an object a property with the icalendar
    package: the streamed file must be these bytes."""
    from icalendar import Alarm, Event

    from mailer.files import clean_text
    from mailer.followups.calendar import description_of, summary_of

    cal = Calendar()
    cal.add("prodid", "-//mailer//Call-Mail-Call follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    moment = datetime.combine(stamp, datetime.min.time(), tzinfo=UTC)
    for f in calls:
        event = Event()
        event.add("uid", f.uid)
        event.add("dtstamp", moment)
        event.add("last-modified", moment)
        event.add("sequence", (stamp - date(2020, 1, 1)).days)
        event.add("dtstart", datetime.combine(f.on, f.window[0]))
        event.add("dtend", datetime.combine(f.on, f.window[1]))
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


def test_the_streamed_calendar_is_the_bytes_icalendar_writes(tmp_path: Path) -> None:
    """Escapes (backslash, comma, semicolon, line breaks) and folding at 75 octets, with
    accents, symbols and emoji falling on every place of a fold, and a backslash or a
    caret just before one."""
    base = the_call(OFFER)
    calls = [
        dataclasses.replace(
            base,
            name=f"Zoë Nguyễn; {'a,b' * (k % 5)}\\c ^x",
            why="," * k + "€" * (k % 30) + "\\" * (k % 3),
            script=("ab\\" * k) + "é^" * (k % 7) + "x" * k + "😀" * (k % 4),
            voicemail="line one\nline two\r\nthree; " + "ü" * k,
            text_message="" if k % 2 else "Text\x1b[31m me",
            uid=f"u{k}@mailer",
        )
        for k in range(120)
    ]
    calls.append(dataclasses.replace(base, permission_ask="", voicemail="", offer_deadline=None))
    path = tmp_path / "followups.ics"
    write_ics(iter(calls), path, STAMP)  # any iterable: written as it comes
    assert path.read_bytes() == _reference(calls, STAMP)
    assert calendar_bytes([], STAMP) == _reference([], STAMP)
    (event,) = events(calendar_bytes(calls[7:8], STAMP))
    assert str(event["SUMMARY"]) == "Call Zoë Nguyễn; a,ba,b\\c ^x 555-0101 (follow-up, attempt 2)"
    assert "line one\nline two\nthree; " in str(event["DESCRIPTION"])
