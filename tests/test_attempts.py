"""Attempts, cycles, the exit and rests, over several calling sessions on one real ledger
file: each session is a call log planned through the command line a week or more after the
last, and the plan (plan.json, the table) says which attempt each call was and why a contact
rests. The rule itself (`planning.attempts.count_attempts`) has its own table."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailer.config import Config
from mailer.domain.card_codes import candidate
from mailer.domain.models import (
    Action,
    Address,
    CallPurpose,
    ContactHistory,
    Outcome,
    PastCall,
    PastMailing,
)
from mailer.ledger.rows import record_to_json
from mailer.ledger.schema import MIGRATIONS
from mailer.planning.attempts import count_attempts, ordinal
from mailer.planning.cadence import plan_steps
from tests.builders import address_of, call_record, invoke, open_ledger, write_file

HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,country,"
    "outcome,called_at\n"
)
STREET = {
    "C1": "12 Elm St,Springfield,IL,62704,US",
    "C2": "14 Elm St,Springfield,IL,62704,US",
    "C3": "16 Elm St,Springfield,IL,62704,US",
    "C4": ",,,,US",  # no address at all: a phone-only cycle
    "C5": "88 Queen St W,Toronto,ON,M5H 2N2,CA",
    "C6": "10 Downing St,London,,SW1A 2AA,GB",
}


class Season:
    """One seller's sessions: a call log a session, planned with `mailer plan` on one ledger."""

    def __init__(self, folder: Path, *extra: str) -> None:
        self.folder = folder
        self.db = folder / "mailer.db"
        self.extra = extra
        self.sessions = 0

    def plan(
        self, today: str, *calls: tuple[str, str, str], post: bool = True
    ) -> dict[str, dict[str, Any]]:
        """Plan a session's calls (contact, outcome, when); the plan's steps by contact."""
        self.sessions += 1
        rows = [
            f"{who},Pat,{who},217-555-01{who[1:].zfill(2)},{STREET[who]},{outcome},{when}\n"
            for who, outcome, when in calls
        ]
        log = write_file(self.folder, f"session{self.sessions}.csv", HEADER + "".join(rows))
        result = invoke(
            "plan", log, "--format", "json", "--today", today, "--db", self.db, *self.extra
        )
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        if post:
            self.post(date.fromisoformat(today))
        return {s["contact_id"]: s for s in doc["steps"]}

    def post(self, today: date) -> None:
        """The seller printed and posted every card planned (as `mailer run` would)."""
        with open_ledger(self.db) as ledger:
            done = {p.step_key for p in ledger.pieces()}
            ids = [
                ledger.ensure_piece(s, "self", "4x6").id
                for s in ledger.steps(Action.MAIL)
                if s.step_key not in done
            ]
            if ids:
                ledger.mark_printed(ids, today)


def test_three_unanswered_calls_then_the_last_try_then_a_rest_then_a_new_cycle(
    tmp_path: Path,
) -> None:
    season = Season(tmp_path)
    # Session 1 (Mon Nov 23): voicemail, an offer card, the second call on Nov 30.
    s = season.plan("2026-11-23", ("C1", "voicemail", "2026-11-23 10:05"))["C1"]
    assert (s["action"], s["attempt"], s["purpose"]) == ("mail", 1, "follow-up")
    assert s["follow_up_call"] == "2026-11-30"
    # Session 2: the second call, unanswered: the cycle's card is out, leave them alone.
    s = season.plan("2026-11-30", ("C1", "no answer", "2026-11-30 15:10"))["C1"]
    assert (s["action"], s["attempt"], s["purpose"]) == ("skip", 2, None)
    assert s["reason"].startswith("second call done after the card of Nov 23")
    assert s["reason"].endswith("(2nd attempt)")
    # Session 3: a third unanswered call: the next is the last try, when the cooldown ends,
    # instead of another offer.
    s = season.plan("2026-12-07", ("C1", "voicemail", "2026-12-07 18:30"))["C1"]
    assert (s["action"], s["attempt"], s["purpose"]) == ("call", 3, "last-try")
    assert s["follow_up_call"] == "2026-12-23"
    assert s["reason"] == (
        "voicemail, 3 unanswered calls: last try Wed Dec 23 (the message with an easy way "
        "out), then they rest 90 days (3rd attempt)"
    )
    # Session 4: the last try unanswered too: they rest 90 days, and the plan says why.
    s = season.plan("2026-12-23", ("C1", "voicemail", "2026-12-23 11:00"))["C1"]
    assert (s["action"], s["attempt"], s["follow_up_call"]) == ("skip", 4, None)
    assert s["reason"] == (
        "voicemail: resting until Mar 23, 2027: 3 unanswered calls and the last-try message "
        "(4th attempt)"
    )
    # Session 5: the seller rang anyway during the rest: still resting, nothing planned.
    s = season.plan("2027-01-15", ("C1", "busy", "2027-01-15 10:00"))["C1"]
    assert s["action"] == "skip"
    assert "resting until Mar 23: 3 unanswered calls" in s["reason"]
    # Session 6: after the rest, a new cycle: the first attempt again, and an offer card.
    s = season.plan("2027-03-29", ("C1", "voicemail", "2027-03-29 10:00"))["C1"]
    assert (s["action"], s["attempt"], s["purpose"]) == ("mail", 1, "follow-up")
    assert s["template"] == "offer"


def test_the_plan_table_says_which_attempt(tmp_path: Path) -> None:
    season = Season(tmp_path)
    season.plan("2026-11-23", ("C1", "voicemail", "2026-11-23 10:05"))
    season.plan("2026-11-30", ("C1", "no answer", "2026-11-30 15:10"))
    log = write_file(tmp_path, "s3.csv", HEADER + f"C1,Pat,C1,217-555-0101,{STREET['C1']},"
                     "voicemail,2026-12-07 18:30\n")  # fmt: skip
    result = invoke("plan", log, "--today", "2026-12-07", "--db", season.db)
    assert result.exit_code == 0, result.stderr
    assert "3rd attempt" in " ".join(result.stdout.split())
    with open_ledger(season.db) as ledger:
        (call,) = ledger.followups()
    assert (call.attempt, call.purpose) == (3, CallPurpose.LAST_TRY)
    assert call.missed_at == (
        datetime(2026, 11, 23, 10, 5),
        datetime(2026, 11, 30, 15, 10),
        datetime(2026, 12, 7, 18, 30),
    )


def test_exit_after_and_rest_days_come_from_the_config(tmp_path: Path) -> None:
    config = write_file(tmp_path, "mailer.toml", "[cadence]\nexit_after = 1\nrest_days = 30\n")
    season = Season(tmp_path, "--config", str(config))
    s = season.plan("2026-11-23", ("C2", "voicemail", "2026-11-23 10:05"))["C2"]
    assert (s["action"], s["purpose"], s["follow_up_call"]) == ("call", "last-try", "2026-11-24")
    s = season.plan("2026-11-24", ("C2", "no answer", "2026-11-24 16:00"))["C2"]
    assert s["reason"] == (
        "no answer: resting until Dec 24: 1 unanswered call and the last-try message (2nd attempt)"
    )


def test_an_order_in_the_cooldown_gets_its_thank_you_card(tmp_path: Path) -> None:
    season = Season(tmp_path)
    season.plan("2026-11-23", ("C2", "voicemail", "2026-11-23 10:05"))
    s = season.plan("2026-11-30", ("C2", "ordered", "2026-11-30 10:05"))["C2"]
    assert (s["action"], s["template"], s["attempt"]) == ("mail", "thank-you", 2)
    assert (s["follow_up_call"], s["purpose"]) == (None, None)


def test_not_interested_rests_and_a_later_answer_ends_the_rest(tmp_path: Path) -> None:
    season = Season(tmp_path)
    s = season.plan("2026-11-23", ("C3", "not interested", "2026-11-23 10:05"))["C3"]
    assert (s["action"], s["reason"]) == (
        "skip",
        "not interested: resting until Feb 21, 2027",
    )
    s = season.plan("2026-12-14", ("C3", "voicemail", "2026-12-14 10:05"))["C3"]
    assert s["action"] == "skip"
    assert s["reason"] == "voicemail: resting until Feb 21, 2027: not interested on Nov 23"
    # They answered: the rest is over, whatever the day.
    s = season.plan("2026-12-21", ("C3", "callback", "2026-12-21 10:05"))["C3"]
    assert (s["action"], s["purpose"]) == ("call", "callback")


def test_not_interested_set_to_call_still_lets_them_rest(tmp_path: Path) -> None:
    # A seller who maps "not interested" to a call: the rest wins, nobody is rung.
    config = write_file(tmp_path, "mailer.toml", '[cadence.outcomes]\nnot_interested = "call"\n')
    season = Season(tmp_path, "--config", str(config))
    s = season.plan("2026-11-23", ("C3", "not interested", "2026-11-23 10:05"))["C3"]
    assert (s["action"], s["follow_up_call"]) == ("skip", None)
    assert s["reason"] == "not interested: resting until Feb 21, 2027"
    # A callback they asked for is still a call.
    s = season.plan("2026-12-21", ("C3", "callback", "2026-12-21 10:05"))["C3"]
    assert s["action"] == "call"


def test_no_address_still_gets_the_second_call(tmp_path: Path) -> None:
    season = Season(tmp_path)
    s = season.plan("2026-11-23", ("C4", "voicemail", "2026-11-23 10:05"))["C4"]
    assert (s["action"], s["purpose"], s["follow_up_call"]) == ("call", "follow-up", "2026-11-30")
    assert "no card could be mailed" in s["reason"]
    assert "phone-only cycle" in s["reason"]
    result = invoke("followups", "--today", "2026-11-30", "--db", season.db)
    assert result.exit_code == 0, result.stderr
    assert "Pat C4" in result.stdout
    # The phone-only second call unanswered: no third call straight away.
    s = season.plan("2026-11-30", ("C4", "voicemail", "2026-11-30 16:05"))["C4"]
    assert (s["action"], s["attempt"]) == ("skip", 2)


def test_cards_abroad_take_their_own_transit_days(tmp_path: Path) -> None:
    season = Season(tmp_path)
    steps = season.plan(
        "2026-12-01",
        ("C1", "voicemail", "2026-12-01 10:00"),
        ("C5", "voicemail", "2026-12-01 10:05"),
        ("C6", "voicemail", "2026-12-01 10:10"),
    )
    # Tue Dec 1: 3 delivery days to Springfield, 5 to Toronto, 7 to London (Mon-Sat).
    assert steps["C1"]["expected_delivery"] == "2026-12-04"
    assert steps["C5"]["expected_delivery"] == "2026-12-07"
    assert steps["C6"]["expected_delivery"] == "2026-12-09"
    assert steps["C5"]["follow_up_call"] == "2026-12-08"
    assert steps["C6"]["follow_up_call"] == "2026-12-10"
    assert steps["C6"]["offer_expires"] >= "2026-12-13"


def test_transit_days_are_set_per_destination(tmp_path: Path) -> None:
    config = write_file(tmp_path, "mailer.toml", "[mail.transit_days]\ncanada = 2\n")
    season = Season(tmp_path, "--config", str(config))
    steps = season.plan("2026-12-01", ("C5", "voicemail", "2026-12-01 10:05"))
    assert steps["C5"]["expected_delivery"] == "2026-12-03"
    bad = write_file(tmp_path, "bad.toml", "[mail.transit_days]\nmars = 200\n")
    result = invoke("plan", tmp_path / "session1.csv", "--config", bad, "--db", season.db)
    assert result.exit_code != 0
    assert "mail.transit_days.mars" in result.stderr


@pytest.mark.parametrize("how", ["not drawn", "refused", "undeliverable"])
def test_no_follow_up_call_for_a_card_that_will_not_arrive(tmp_path: Path, how: str) -> None:
    season = Season(tmp_path)
    season.plan(
        "2026-11-23",
        ("C1", "voicemail", "2026-11-23 10:05"),
        ("C2", "voicemail", "2026-11-23 10:10"),
        post=False,
    )
    with open_ledger(season.db) as ledger:
        c1 = next(s for s in ledger.steps(Action.MAIL) if s.contact_id == "C1")
        piece = ledger.ensure_piece(c1, "self", "4x6")
        if how == "not drawn":
            ledger.record_not_drawn(piece.id, "the headline does not fit")
        elif how == "refused":
            ledger.record_failed(piece.id, "provider refused: bad address")
        else:
            ledger.record_undelivered(piece.id, "returned to sender")
        assert [s.contact_id for s in ledger.followups()] == ["C2"]
        assert ledger.lost_cards({c1.step_key}) == {c1.step_key}
    result = invoke("followups", "--today", "2026-11-30", "--db", season.db)
    assert "Pat C1" not in result.stdout
    assert "Pat C2" in result.stdout


def test_a_card_drawn_after_all_gets_its_call_back(tmp_path: Path) -> None:
    season = Season(tmp_path)
    season.plan("2026-11-23", ("C1", "voicemail", "2026-11-23 10:05"), post=False)
    with open_ledger(season.db) as book:
        step = book.steps(Action.MAIL)[0]
        piece = book.ensure_piece(step, "self", "4x6")
        book.record_not_drawn(piece.id, "font missing")
        assert book.followups() == []
        card = tmp_path / "card.pdf"
        card.write_bytes(b"%PDF-1.4\n")
        book.record_render(piece.id, str(card), "0" * 64)
        assert [s.contact_id for s in book.followups()] == ["C1"]


def v3_ledger(path: Path) -> None:
    """A ledger as version 3 of mailer left it: one voicemail and its offer step."""
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("mailer_name_address_key", 1, lambda _: "")
    for statements in MIGRATIONS[:3]:
        for statement in statements:
            db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.execute("PRAGMA application_id = 1296843847")
    record = call_record(
        "C1", Outcome.VOICEMAIL, called_at=datetime(2026, 11, 23, 10, 5), first_name="Pat"
    )
    db.execute(
        "INSERT INTO calls VALUES (?, ?, 'old.csv', 2, 'voicemail', ?, '2026-11-23')",
        (record.call_key, "C1", record.called_at.isoformat()),
    )
    db.execute(
        "INSERT INTO steps (step_key, call_key, contact_id, name, action, template, reason,"
        " send_date, expected_delivery, offer_expires, follow_up_call, record_json, planned_on)"
        " VALUES (?, ?, 'C1', 'Pat', 'mail', 'offer', 'voicemail: mail a time-sensitive note',"
        " '2026-11-23', '2026-11-27', '2026-12-07', '2026-11-30', ?, '2026-11-23')",
        (f"{record.call_key}|mail|offer", record.call_key, record_to_json(record)),
    )
    db.close()


def test_a_version_3_ledger_gains_attempts_and_its_calls_count(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    v3_ledger(path)
    with open_ledger(path) as ledger:
        (old,) = ledger.followups()
        assert (old.attempt, old.purpose, old.missed_at) == (1, None, ())
        # Its sales card gets the code a card drawn from it shows (`candidate`).
        assert old.card_code == candidate(old.step_key)
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS) == 7
    # The old ledger's voicemail is the first attempt of the cycle the next session goes on.
    season = Season(tmp_path)
    season.sessions = 1
    s = season.plan("2026-11-30", ("C1", "no answer", "2026-11-30 15:10"))["C1"]
    assert (s["attempt"], s["action"]) == (2, "skip")


# -- the rule itself -------------------------------------------------------------------------

T0 = datetime(2026, 11, 2, 10, 0)


def calls(*outcomes: Outcome | tuple[Outcome, int]) -> list[PastCall]:
    """Calls a week apart (or `days` after the one before, given as (outcome, days))."""
    out, at = [], T0
    for index, item in enumerate(outcomes):
        outcome, gap = item if isinstance(item, tuple) else (item, 7)
        at = at + timedelta(days=gap) if index else at
        out.append(PastCall(f"k{index}", at, outcome))
    return out


VM, NA, TALK, NO = Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.CONNECTED, Outcome.NOT_INTERESTED

CYCLES = {
    "first call": ([VM], 1, 1, False, None),
    "two unanswered": ([VM, NA], 2, 2, False, None),
    "three unanswered: the next is the last try": ([VM, NA, VM], 3, 3, True, None),
    "the last try unanswered: rest": ([VM, NA, VM, VM], 4, 4, False, "3 unanswered calls"),
    "an answer starts a new cycle": ([VM, VM, TALK, VM], 1, 1, False, None),
    "the answer itself is an attempt": ([VM, VM, TALK], 3, 0, False, None),
    "not interested rests": ([VM, NO], 2, 0, False, "not interested"),
    "a rest ends after rest_days": ([VM, VM, VM, VM, (VM, 90)], 1, 1, False, None),
    "a long silence starts anew": ([VM, VM, (VM, 120)], 1, 1, False, None),
    "texts are not attempts": ([VM, Outcome.TEXTED, VM], 2, 2, False, None),
}  # fmt: skip


@pytest.mark.parametrize(
    ("outcomes", "attempt", "unanswered", "last_try_next", "resting"),
    list(CYCLES.values()),
    ids=list(CYCLES),
)
def test_cycles(
    outcomes: list[Any], attempt: int, unanswered: int, last_try_next: bool, resting: str | None
) -> None:
    *earlier, last = calls(*outcomes)
    deciding = call_record("C1", last.outcome, called_at=last.called_at)
    # The deciding call is also in the ledger's list when a plan is run again: counted once.
    found = count_attempts(
        deciding, [*earlier, PastCall(deciding.call_key, last.called_at, last.outcome)],
        exit_after=3, rest_days=90,
    )  # fmt: skip
    assert (found.attempt, found.unanswered, found.last_try_next) == (
        attempt,
        unanswered,
        last_try_next,
    )
    assert (found.rest_why.split(" and")[0].split(" on")[0] or None) == resting
    assert len(found.missed_at) == (unanswered if last.outcome in (VM, NA) else 0)


def test_calls_after_the_deciding_one_do_not_count() -> None:
    *earlier, last = calls(VM, VM, VM, VM)
    deciding = call_record("C1", VM, called_at=earlier[0].called_at)
    found = count_attempts(deciding, [*earlier[1:], last], exit_after=3, rest_days=90)
    assert (found.attempt, found.last_try_next) == (1, False)


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


def test_resting_day_is_shown_with_its_year_when_it_is_another() -> None:
    *earlier, last = calls(VM, VM, VM, VM)
    deciding = call_record("C1", VM, called_at=last.called_at)
    found = count_attempts(deciding, earlier, exit_after=3, rest_days=90)
    assert found.rest_until == date(2027, 2, 21)


# -- every rule, one table (the cadence, pure) -----------------------------------------------

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0)


def before(days: int, outcome: Outcome = VM) -> PastCall:
    at = NOW - timedelta(days=days)
    return PastCall(f"C1|{at.isoformat()}|{outcome}", at, outcome)


def offer_sent(days_ago: int, template: str = "offer") -> PastMailing:
    return PastMailing(template, MONDAY - timedelta(days=days_ago))


NOWHERE = Address()
TORONTO = Address("88 Queen St W", "", "Toronto", "ON", "M5H 2N2", "CA")
LONDON = Address("10 Downing St", "", "London", "", "SW1A 2AA", "GB")

RULES = {
    "3 unanswered: the last try, tomorrow": (
        VM, address_of("C1"), [before(14), before(7, NA)], [],
        (Action.CALL, CallPurpose.LAST_TRY, 3, None, date(2026, 11, 24)),
    ),
    "3 unanswered, a card in its cooldown: the last try when it ends": (
        VM, address_of("C1"), [before(14), before(7, NA)], [offer_sent(14)],
        (Action.CALL, CallPurpose.LAST_TRY, 3, None, date(2026, 12, 9)),
    ),
    "the last try unanswered: rest": (
        NA, address_of("C1"), [before(21), before(14), before(7)], [offer_sent(21)],
        (Action.SKIP, None, 4, None, None),
    ),
    "the rest over: a new cycle and an offer": (
        VM, address_of("C1"), [before(130), before(120), before(110), before(100)], [],
        (Action.MAIL, CallPurpose.FOLLOW_UP, 1, "offer", date(2026, 11, 30)),
    ),
    "an order in the cooldown: a thank-you": (
        Outcome.ORDERED, address_of("C1"), [before(7)], [offer_sent(7)],
        (Action.MAIL, None, 2, "thank-you", None),
    ),
    "not interested: rest": (
        NO, address_of("C1"), [], [], (Action.SKIP, None, 1, None, None),
    ),
    "no address: a phone-only second call": (
        VM, NOWHERE, [], [], (Action.CALL, CallPurpose.FOLLOW_UP, 1, None, date(2026, 11, 30)),
    ),
    "a card to Canada: 5 delivery days": (
        VM, TORONTO, [], [], (Action.MAIL, CallPurpose.FOLLOW_UP, 1, "offer", date(2026, 12, 1)),
    ),
    "a card abroad: 7 delivery days": (
        VM, LONDON, [], [], (Action.MAIL, CallPurpose.FOLLOW_UP, 1, "offer", date(2026, 12, 3)),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "address", "earlier", "mailings", "expected"), list(RULES.values()), ids=list(RULES)
)
def test_every_rule(
    outcome: Outcome,
    address: Address,
    earlier: list[PastCall],
    mailings: list[PastMailing],
    expected: tuple[Action, CallPurpose | None, int, str | None, date | None],
) -> None:
    record = call_record("C1", outcome, called_at=NOW, address=address)
    history = {"C1": ContactHistory("C1", calls=tuple(earlier), mailings=tuple(mailings))}
    (step,) = plan_steps([record], history, Config(), MONDAY)
    found = (step.action, step.purpose, step.attempt, step.template, step.follow_up_call)
    assert found == expected, step.reason
    if step.action is Action.SKIP:
        assert "resting until" in step.reason
    assert len(step.missed_at) == (step.attempt if outcome in (VM, NA) else 0)
