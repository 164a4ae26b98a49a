"""What to say on every planned call (`mailer.followups.scripts` and `.wording`): the words
for how long ago a card went out, when to leave a message, every script variant (purpose x
attempt x offer x phone x name x days since mailed), the seller's own script templates and
the sandbox they run in."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from mailer.config import Cadence, Config, Offer, Sender, Templates
from mailer.domain.models import CallPurpose, MailStep, Outcome
from mailer.errors import TemplateError
from mailer.followups.calls import FollowUp, follow_up_for
from mailer.followups.scripts import call_scripts, script_files
from mailer.followups.wording import (
    call_back_day,
    days_ago,
    days_ahead,
    leave_message,
    ordinal,
    permission_recorded,
    texts_allowed,
)
from mailer.project import DEMO
from tests.builders import REPO, call_record, callback_step, mail_step

F, C, L, FC = (
    CallPurpose.FOLLOW_UP,
    CallPurpose.CALLBACK,
    CallPurpose.LAST_TRY,
    CallPurpose.FIRST_CALL,
)
MON = date(2026, 11, 16)  # a Monday with no holiday near it
BUILT_IN = REPO / "templates" / "scripts"


# --- the words for days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "on", "said"),
    [
        (MON, MON, "today"),
        (MON, MON + timedelta(1), "yesterday"),
        (MON, MON + timedelta(3), "on Monday"),  # Thursday, same week
        (MON + timedelta(1), MON + timedelta(4), "on Tuesday"),
        (MON - timedelta(3), MON, "a few days ago"),  # Friday to Monday: never "last week"
        (MON - timedelta(2), MON + timedelta(1), "a few days ago"),  # Saturday to Tuesday
        (MON - timedelta(6), MON, "a few days ago"),  # Tuesday to Monday, six days
        (MON - timedelta(7), MON, "last week"),
        (MON - timedelta(1), MON + timedelta(6), "last week"),  # Sunday to Sunday
        (MON - timedelta(13), MON - timedelta(1), "last week"),  # Monday to Sunday
        (MON - timedelta(8), MON, "a couple of weeks ago"),  # two calendar weeks back
        (MON - timedelta(20), MON, "a couple of weeks ago"),
        (MON - timedelta(21), MON, "a few weeks ago"),
    ],
)
def test_how_long_ago_a_card_went_out(sent: date, on: date, said: str) -> None:
    assert days_ago(sent, on) == said


def test_a_card_sent_three_days_ago_is_never_last_week() -> None:
    for weekday in range(7):
        on = MON + timedelta(weekday)
        assert days_ago(on - timedelta(3), on) != "last week"


@pytest.mark.parametrize(
    ("day", "on", "said"),
    [
        (MON, MON, "today"),
        (MON + timedelta(1), MON, "tomorrow"),
        (MON + timedelta(3), MON, "on Thursday"),
        (MON + timedelta(4), MON + timedelta(3), "tomorrow"),
        (MON + timedelta(7), MON + timedelta(3), "on Monday the 23rd"),  # next week
        (MON + timedelta(10), MON, "on Thursday the 26th"),
    ],
)
def test_when_the_next_call_is(day: date, on: date, said: str) -> None:
    assert days_ahead(day, on) == said


@pytest.mark.parametrize(
    ("n", "said"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th")]
)
def test_ordinals(n: int, said: str) -> None:
    assert ordinal(n) == said
    assert ordinal(n + 20) == f"{n + 20}{said[-2:]}" or n > 9


@pytest.mark.parametrize(
    ("purpose", "on", "day"),
    [
        (F, MON, None),  # the call after a card ends the cycle: nothing promised
        (F, MON + timedelta(3), None),  # a phone-only try: the plan makes no further call
        (L, MON, None),  # the last try promises no call
        (FC, MON, date(2026, 11, 20)),  # mailed Mon, delivered Thu, called the day after
        (C, MON, date(2026, 11, 20)),  # an unanswered callback starts a cycle: the same day
        (C, MON + timedelta(4), date(2026, 11, 25)),  # Fri: mailed that day, delivered Tue
    ],
)
def test_the_day_a_message_promises(purpose: CallPurpose, on: date, day: date | None) -> None:
    assert call_back_day(purpose, on, 3) == day


@pytest.mark.parametrize(
    ("unanswered", "day"),
    [("offer", date(2026, 11, 20)), ("call", MON + timedelta(1)), ("skip", None)],
)
@pytest.mark.parametrize("purpose", [FC, C])
def test_the_promise_follows_what_the_cadence_plans_after_a_voicemail(
    purpose: CallPurpose, unanswered: str, day: date | None
) -> None:
    # [cadence.outcomes] voicemail = "call" calls the next business day; "skip" plans none.
    assert call_back_day(purpose, MON, 3, unanswered) == day


# --- whether to leave a message ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "attempt", "card", "leave"),
    [
        (FC, 1, False, True),  # the first attempt: promise the note
        (F, 2, True, True),  # the call after the note: did it reach you
        (F, 3, False, False),  # a try in between: no message, another time of day
        (F, 2, False, False),  # a phone-only cycle's second try
        (F, 4, False, True),  # past exit_after: the last attempt
        (L, 4, False, True),  # the exit message
        (L, 2, False, True),
        (C, 2, False, True),  # calling back as asked
        (F, 1, False, True),
    ],
)
def test_messages_are_left_on_the_first_and_last_attempts_not_every_time(
    purpose: CallPurpose, attempt: int, card: bool, leave: bool
) -> None:
    assert leave_message(purpose, attempt, 3, card) is leave


def test_exit_after_defaults_to_three() -> None:
    assert DEMO.cadence.exit_after == 3
    assert leave_message(F, 4, DEMO.cadence.exit_after, False) is True
    assert leave_message(F, 4, 5, False) is False


# --- permission and texts ----------------------------------------------------------------------


def with_extra(**extra: str) -> MailStep:
    return mail_step(call_record(extra=extra))


@pytest.mark.parametrize(
    ("extra", "recorded"),
    [
        ({}, False),
        ({"Permission": ""}, False),
        ({"Permission": "maybe later"}, False),
        ({"Permission": "yes"}, True),
        ({"OK to contact": "Y"}, True),
        ({"ok_to_contact": "no"}, True),  # they answered: never asked again
        ({"Notes": "yes"}, False),
    ],
)
def test_where_permission_is_recorded(extra: dict[str, str], recorded: bool) -> None:
    assert permission_recorded(with_extra(**extra)) is recorded


@pytest.mark.parametrize(
    ("extra", "outcome", "allowed"),
    [
        ({}, Outcome.VOICEMAIL, False),
        ({"Texts OK": "yes"}, Outcome.VOICEMAIL, True),
        ({"SMS opt-in": "TRUE"}, Outcome.VOICEMAIL, True),
        ({}, Outcome.TEXTED, True),  # the last contact was a text
        ({"texts ok": "no"}, Outcome.TEXTED, False),  # a no in the column wins
        ({"Texts OK": ""}, Outcome.VOICEMAIL, False),
    ],
)
def test_when_texts_are_allowed(extra: dict[str, str], outcome: Outcome, allowed: bool) -> None:
    step = mail_step(call_record(outcome=outcome, extra=extra))
    assert texts_allowed(step) is allowed


# --- every script variant ----------------------------------------------------------------------

SEND = date(2026, 11, 16)  # Monday
DEADLINE = date(2026, 12, 4)
HEADLINE = "Your holiday candles, 20% off"


def make_step(purpose: CallPurpose, attempt: int, days: int, *, name: str, phone: str) -> MailStep:
    """A step asking for a `purpose` call `days` after the card (or the missed call)."""
    on = SEND + timedelta(days)
    record = call_record(
        "C100",
        Outcome.CALLBACK if purpose is C else Outcome.VOICEMAIL,
        f"{SEND.isoformat()} 10:00",
        first=name,
        last="Albright" if name else "",
        phone=phone,
        extra={"Texts OK": "yes"},
    )
    if purpose is F:  # after a card
        step = mail_step(
            record, send=SEND, delivery=SEND + timedelta(3), expires=DEADLINE, follow_up=on
        )
    else:
        step = callback_step(record, on)
    return dataclasses.replace(step, purpose=purpose, attempt=attempt)


def config_with(*, headline: str, sender_phone: str) -> Config:
    return dataclasses.replace(
        DEMO,
        offer=Offer(headline=headline),
        sender=dataclasses.replace(DEMO.sender, phone=sender_phone),
    )


VARIANTS = list(
    itertools.product(
        (F, C, L, FC),  # purpose
        (1, 2, 3),  # the deciding call's attempt
        (HEADLINE, ""),  # the offer's headline
        ("(217) 555-0100", ""),  # the seller's phone
        ("Mary", ""),  # the contact's first name
        ("555-0101", ""),  # the contact's phone
        (1, 3, 4, 7, 10),  # days since the card (or the missed call)
    )
)


def _broken_prose(text: str) -> list[str]:
    """What reads as a bug: a dangling word or mark where an empty value was left out."""
    return re.findall(r" [,.:?!]|,,|\.\.|  |\bat ,|\bat \.|\bat\s*$|\"\"|\bNone\b|\{|\}", text)


@pytest.mark.parametrize(
    ("purpose", "attempt", "headline", "sender_phone", "name", "phone", "days"),
    VARIANTS,
    ids=lambda v: str(v) if v != "" else "empty",
)
def test_every_script_variant_reads_naturally(
    purpose: CallPurpose,
    attempt: int,
    headline: str,
    sender_phone: str,
    name: str,
    phone: str,
    days: int,
) -> None:
    step = make_step(purpose, attempt, days, name=name, phone=phone)
    config = config_with(headline=headline, sender_phone=sender_phone)
    said = call_scripts(step, config)
    texts = [said.live, said.voicemail, said.permission_ask, said.text_message]
    for text in texts:
        assert _broken_prose(text) == [], text
        assert text == text.strip()
    greeting = "Hi Mary, it's Jamie from Prairie Lantern Candles." if name else "Hi there, it's"
    assert said.live.startswith(greeting)
    assert said.voicemail.startswith(greeting)
    assert said.purpose is purpose
    assert said.attempt == (1 if purpose in (FC, C) else attempt + 1)  # C: a new cycle
    # The seller's number is read out only when there is one.
    if sender_phone and purpose is not FC:
        assert f"at {sender_phone}" in said.voicemail
    if not sender_phone:
        assert "555-0100" not in said.voicemail
        assert "call me at" not in said.voicemail
    # A text only with a phone to send it to.
    assert bool(said.text_message) is bool(phone)
    # The permission ask on every connected call but the last try, which asks it itself.
    assert bool(said.permission_ask) is (purpose is not L)
    if purpose is L:
        assert "rather I didn't" in said.live
        assert "rather I didn't" in said.voicemail
        assert "respect" in said.live
        assert "respect" in said.voicemail
        assert "in a few months" in said.voicemail
        assert said.leave_message
    if purpose is F:  # after a card: the offer, its deadline and when it went out
        for text in (said.live, said.voicemail):
            assert "Friday, December 4" in text
            assert (f'"{HEADLINE}"' in text) is bool(headline)
        when = days_ago(SEND, SEND + timedelta(days))
        assert f"in the mail to you {when}" in said.live
        assert f"in the mail to you {when}" in said.voicemail
        assert said.leave_message
        assert "ends Friday, December 4" in said.text_message or not phone
    if purpose is FC:
        assert (f'"{HEADLINE}"' in said.live) is bool(headline)
        assert "popping a note in the mail" in said.voicemail
        assert "I'll call you again on" in said.voicemail
        assert said.leave_message
        assert said.attempt == 1
    if purpose is C:
        assert "You asked me to give you a call back today" in said.live
        assert "I'll try you again" in said.voicemail
        assert said.leave_message
    if purpose is not F:
        assert "last week" not in said.live + said.voicemail or days >= 7


@pytest.mark.parametrize("days", [3, 4, 5, 6])
def test_the_script_never_says_last_week_for_a_card_sent_days_ago(days: int) -> None:
    for start in range(7):
        send = MON + timedelta(start)
        step = mail_step(
            call_record(), send=send, expires=send + timedelta(20), follow_up=send + timedelta(days)
        )
        said = call_scripts(step, DEMO)
        assert "last week" not in said.live + said.voicemail, (send, days)


def test_the_follow_up_scripts_word_for_word() -> None:
    step = make_step(F, 1, 3, name="Mary", phone="555-0101")  # mailed Monday, called Thursday
    step = dataclasses.replace(step, card_code="R2T3DEH")  # as the ledger gave it
    said = call_scripts(step, DEMO)
    assert said.live == (
        "Hi Mary, it's Jamie from Prairie Lantern Candles. I popped a note in the mail to you on "
        'Monday: did it reach you? The offer on it, "Your holiday candles, 20% off", is good '
        "until Friday, December 4, so if you'd like it, just call me by then (the code on the "
        "card is R2T3-DEH). No pressure at all, I just didn't want you to miss it."
    )
    assert said.voicemail == (
        "Hi Mary, it's Jamie from Prairie Lantern Candles. I popped a note in the mail to you on "
        'Monday and wanted to make sure it reached you. The offer on it, "Your holiday '
        "candles, 20% off\", is good until Friday, December 4: if you'd like it, call me at "
        "(217) 555-0100 by then and mention the code on the card, R2T3-DEH. Have a lovely day!"
    )
    assert said.text_message == (
        "Hi Mary, it's Jamie from Prairie Lantern Candles. I'll give you a quick call shortly "
        "about the note I mailed you: the offer on it ends Friday, December 4."
    )
    assert said.permission_ask == (
        "Before I let you go: may I keep in touch when I have something new at Prairie Lantern "
        "Candles? If you'd rather I didn't, that's fine, just say so."
    )


def test_the_exit_message_word_for_word() -> None:
    said = call_scripts(make_step(L, 3, 10, name="Mary", phone=""), DEMO)
    assert said.voicemail == (
        "Hi Mary, it's Jamie from Prairie Lantern Candles. I've tried you a few times, and I "
        "don't want to be a bother, so this is my last call for now. I'll check in again in a "
        "few months, unless you'd rather I didn't: if so, just let me know at (217) 555-0100 "
        "and I'll respect that. Take care!"
    )


def test_a_call_nobody_asked_for_is_not_scripted_as_a_callback() -> None:
    """A call-only step for another reason (the cadence says `call` for a voicemail) used to
    get "you asked me to call back"; the purpose decides now."""
    step = dataclasses.replace(
        callback_step(call_record("C005", Outcome.NO_ANSWER), date(2026, 11, 25)),
        reason="no answer: call again Wednesday",
    )
    call = follow_up_for(step, DEMO)
    assert call is not None
    assert call.purpose == "follow-up"
    assert "asked me" not in call.script + call.voicemail
    assert call.script.startswith("Hi Mary, it's Jamie from Prairie Lantern Candles. I tried you")
    asked = follow_up_for(callback_step(call_record("C006", Outcome.CALLBACK), MON), DEMO)
    assert asked is not None
    assert asked.purpose == "callback"


def test_a_seller_without_company_or_name_still_reads_naturally() -> None:
    step = make_step(F, 1, 3, name="Mary", phone="555-0101")
    alone = dataclasses.replace(DEMO, sender=Sender(name="Sam Ortiz"))
    assert call_scripts(step, alone).live.startswith("Hi Mary, it's Sam. I popped a note")
    nobody = dataclasses.replace(DEMO, sender=Sender())
    said = call_scripts(step, nobody)
    assert said.live.startswith("Hi Mary! I popped a note")
    assert "give me a call back by then" in said.voicemail


def test_the_first_call_promises_no_note_when_the_cadence_mails_none() -> None:
    config = dataclasses.replace(
        DEMO, cadence=Cadence(outcomes={**Cadence().outcomes, "voicemail": "call"})
    )
    said = call_scripts(make_step(FC, 1, 3, name="Mary", phone="555-0101"), config)
    assert "note" not in said.voicemail
    assert "I'll try you again tomorrow" in said.voicemail or "I'll try you again on" in (
        said.voicemail
    )
    # "skip" plans no call after a voicemail: the message promises none, it asks them to call.
    config = dataclasses.replace(
        DEMO, cadence=Cadence(outcomes={**Cadence().outcomes, "voicemail": "skip"})
    )
    said = call_scripts(make_step(FC, 1, 3, name="Mary", phone="555-0101"), config)
    assert "try you again" not in said.voicemail
    assert "Please call me at" in said.voicemail


def test_a_hello_call_after_a_card_without_an_offer_never_sells() -> None:
    step = mail_step(call_record(), "birthday", expires=None)
    said = call_scripts(step, DEMO)
    assert "offer" not in said.live + said.voicemail + said.text_message
    assert HEADLINE not in said.live + said.voicemail


# --- the seller's own scripts, and the sandbox ----------------------------------------------


def seller_scripts(tmp_path: Path, **files: str) -> Config:
    folder = tmp_path / "templates" / "scripts"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name.replace("_", "-").replace("-voicemail", ".voicemail")).write_text(
            text, encoding="utf-8"
        )
    return dataclasses.replace(
        DEMO, templates=Templates(dir="templates"), source=tmp_path / "mailer.toml"
    )


def test_the_sellers_script_replaces_the_built_in_file_by_file(tmp_path: Path) -> None:
    config = seller_scripts(
        tmp_path,
        **{
            "follow_up.j2": "Howdy {{ contact.first_name }}! Ends {{ call.deadline | short }}, "
            "{{ offer.code }}; attempt {{ call.attempt }} of {{ call.exit_after }}.\n\n",
        },
    )
    step = make_step(F, 1, 3, name="Mary", phone="555-0101")
    said = call_scripts(step, config)
    assert said.live == "Howdy Mary! Ends Fri, Dec 4, NOTE20; attempt 2 of 3."
    # The files it left out still come from the built-ins.
    assert said.voicemail.startswith("Hi Mary, it's Jamie from Prairie Lantern Candles. I popped")


def test_the_sellers_voice_file_changes_every_greeting(tmp_path: Path) -> None:
    config = seller_scripts(
        tmp_path,
        **{"voice.j2": (BUILT_IN / "voice.j2").read_text().replace("Hi ", "Hey ")},
    )
    for purpose in (F, C, L, FC):
        said = call_scripts(make_step(purpose, 1, 3, name="Mary", phone="1"), config)
        assert said.live.startswith("Hey Mary")
        assert said.voicemail.startswith("Hey Mary")


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ call.__class__.__init__.__globals__ }}",
        "{{ contact.items.__self__.__class__ }}",
        "{{ self.__init__.__globals__['os'] }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    ],
)
def test_a_hostile_script_cannot_reach_python_internals(tmp_path: Path, hostile: str) -> None:
    config = seller_scripts(tmp_path, **{"follow_up.j2": f"Hi.\n{hostile}\n"})
    with pytest.raises(TemplateError) as caught:
        call_scripts(make_step(F, 1, 3, name="Mary", phone="1"), config)
    message = str(caught.value)
    assert "follow-up.j2" in message
    assert "contact C100" in message
    assert "line 2" in message or "not allowed" in message or "undefined" in message
    assert "<class" not in message
    assert "subclasses" not in message.split(":", 1)[0]


@pytest.mark.parametrize(
    "escape", ['{% include "../../../../../../etc/passwd" %}', '{% include "/etc/passwd" %}']
)
def test_a_script_cannot_read_files_outside_the_scripts_folders(
    tmp_path: Path, escape: str
) -> None:
    config = seller_scripts(tmp_path, **{"follow_up.j2": escape})
    with pytest.raises(TemplateError, match="not a file of the scripts folder"):
        call_scripts(make_step(F, 1, 3, name="Mary", phone="1"), config)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Hi\n{{ call.nope }}", "call has no field 'nope'"),
        ("Hi\n{% if %}", "syntax error"),
        ("Hi\n{{ call.on | friendly(1, 2) }}", "TypeError"),
        ("{{ 'x' | friendly }}", "not a date"),
    ],
)
def test_a_broken_script_is_an_error_naming_file_line_and_contact(
    tmp_path: Path, text: str, says: str
) -> None:
    config = seller_scripts(tmp_path, **{"callback_voicemail.j2": text})
    with pytest.raises(TemplateError) as caught:
        call_scripts(make_step(C, 1, 3, name="Mary", phone="1"), config)
    message = str(caught.value)
    assert says in message
    assert "callback.voicemail.j2" in message
    assert "C100" in message
    assert "line 2" in message or not text.startswith("Hi\n")


def test_the_built_in_scripts_folder_is_complete() -> None:
    folder = BUILT_IN
    assert sorted(p.name for p in folder.glob("*.j2")) == sorted(script_files())


def test_a_follow_up_carries_every_script(tmp_path: Path) -> None:
    call: FollowUp | None = follow_up_for(make_step(F, 1, 3, name="Mary", phone="1"), DEMO)
    assert call is not None
    assert (call.purpose, call.attempt, call.leave_message) == ("follow-up", 2, True)
    assert call.script.startswith("Hi Mary")
    assert call.voicemail.startswith("Hi Mary")
    assert call.permission_ask
    assert call.text_message


# --- through the command line ------------------------------------------------------------------


def project_with_scripts(tmp_path: Path, **files: str) -> tuple[Path, Path]:
    """A project folder: the example config with templates.dir = "templates", the seller's
    `scripts/` files, and a ledger planned from the example call log."""
    from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('dir = ""', 'dir = "templates"')
    config = tmp_path / "mailer.toml"
    config.write_text(text, encoding="utf-8")
    folder = tmp_path / "templates" / "scripts"
    folder.mkdir(parents=True)
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    db = tmp_path / "mailer.db"
    plan = invoke("plan", EXAMPLE_CALLS, "--today", "2026-11-22", "--db", db)
    assert plan.exit_code == 0, plan.stderr
    return config, db


def test_mailer_followups_shows_the_scripts_naming_the_offer(tmp_path: Path) -> None:
    from tests.builders import invoke, read_csv_dicts

    config, db = project_with_scripts(tmp_path)
    result = invoke(
        "followups", "--today", "2026-11-22", "--db", db, "--config", config,
        "--csv", tmp_path / "f.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "I popped a note in the mail to you last week: did it reach you?" in flat
    assert '"Your holiday candles, 20% off"' in flat
    mary = next(r for r in read_csv_dicts(tmp_path / "f.csv") if r["contact_id"] == "C001")
    assert '"Your holiday candles, 20% off", is good until Monday, December 7' in mary["script"]


def test_mailer_followups_uses_the_sellers_script(tmp_path: Path) -> None:
    from tests.builders import invoke, read_csv_dicts

    config, db = project_with_scripts(
        tmp_path, **{"follow-up.j2": "Howdy {{ contact.first_name or 'friend' }}, it's me!"}
    )
    result = invoke(
        "followups", "--today", "2026-11-22", "--db", db, "--config", config,
        "--csv", tmp_path / "f.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = read_csv_dicts(tmp_path / "f.csv")
    mary = next(r for r in rows if r["contact_id"] == "C001")
    assert mary["script"] == "Howdy Mary, it's me!"


def test_a_hostile_script_stops_mailer_followups_with_a_clear_error(tmp_path: Path) -> None:
    from tests.builders import invoke

    config, db = project_with_scripts(
        tmp_path, **{"follow-up.j2": "{{ cycler.__init__.__globals__.os.system('true') }}"}
    )
    result = invoke("followups", "--today", "2026-11-22", "--db", db, "--config", config)
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert "error: call script" in flat
    assert "follow-up.j2" in flat
    assert "not allowed in a template" in flat or "undefined" in flat
    assert "Traceback" not in result.stderr + result.stdout


def test_mailer_run_checks_the_sellers_scripts_before_recording_anything(tmp_path: Path) -> None:
    from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('dir = ""', 'dir = "templates"')
    config = tmp_path / "mailer.toml"
    config.write_text(text, encoding="utf-8")
    folder = tmp_path / "templates" / "scripts"
    folder.mkdir(parents=True)
    (folder / "last-try.voicemail.j2").write_text("Bye\n{{ call.rest_whem }}", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", EXAMPLE_CALLS, "--today", "2026-11-22", "--config", config, "--out", out)
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert "last-try.voicemail.j2, line 2) for a sample contact" in flat
    assert "call has no field 'rest_whem'" in flat
    assert not out.exists()  # no card drawn, nothing printed


def test_at_the_beep_is_the_message_or_the_advice_to_leave_none() -> None:
    leave = follow_up_for(make_step(F, 1, 3, name="Mary", phone="1"), DEMO)
    assert leave is not None
    assert leave.at_the_beep == leave.voicemail
    step = dataclasses.replace(make_step(C, 2, 3, name="Mary", phone="1"), purpose=F)
    quiet = follow_up_for(step, DEMO)  # a phone-only try in the middle of the cycle
    assert quiet is not None
    assert not quiet.leave_message
    assert quiet.at_the_beep == "no message this time; just try again at another time of day"


def test_mailer_init_copies_the_scripts_for_the_seller_to_edit(tmp_path: Path) -> None:
    from tests.builders import invoke

    result = invoke("init", tmp_path / "shop")
    assert result.exit_code == 0, result.stderr
    copied = tmp_path / "shop" / "templates" / "scripts"
    assert sorted(p.name for p in copied.glob("*.j2")) == sorted(script_files())
    for name in script_files():
        assert (copied / name).read_bytes() == (BUILT_IN / name).read_bytes()
