"""What is due at each stage comes from one rule (`Ledger.due_cards`): an opt-out under any
of a person's ids keeps their card out of drawing, printing and sending alike."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from mailer.domain.moments import CARD_MOMENT_PASSED_SQL, card_moment_passed
from mailer.ledger import Ledger, PieceStatus
from tests.builders import (
    EXAMPLE_CONFIG,
    FOLLOW_UP,
    call_record,
    invoke,
    mail_step,
    opt_out_step,
    plan_of,
    write_file,
)

HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at"
)
# The first export has no contact ids: Amy is known by her phone. The second, from the CRM,
# has her id, and she asked to be taken off the list.
PHONE_ONLY = (
    "first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at\n"
    "Amy,Carter,217-555-0150,12 Elm St,Springfield,IL,62704,voicemail,2026-11-21 10:05\n"
    "Beth,Dunn,217-555-0151,14 Elm St,Springfield,IL,62704,voicemail,2026-11-21 10:09\n"
)
OPT_OUT = (
    f"{HEADER}\n"
    "C042,Amy,Carter,217-555-0150,12 Elm St,Springfield,IL,62704,opt_out,2026-11-22 09:00\n"
)


def _two_logs(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "m.db"
    for name, text, day in (("a.csv", PHONE_ONLY, "2026-11-21"), ("b.csv", OPT_OUT, "2026-11-22")):
        log = write_file(tmp_path, name, text)
        result = invoke("plan", log, "--today", day, "--db", db, "--config", EXAMPLE_CONFIG)
        assert result.exit_code == 0, result.stderr
    return db, tmp_path / "out"


def _drawn_contacts(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT contact_id FROM pieces WHERE file IS NOT NULL").fetchall()
    return {r[0] for r in rows}


def test_render_skips_a_contact_suppressed_under_their_phone_id(tmp_path: Path) -> None:
    db, out = _two_logs(tmp_path)
    result = invoke(
        "render", "--today", "2026-11-22", "--db", db, "--out", out,
        "--config", EXAMPLE_CONFIG,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    drawn = _drawn_contacts(db)
    assert drawn == {"p-2175550151"}, drawn  # Beth's card, never Amy's
    assert len(list((out / "cards").glob("*.pdf"))) == 1


def test_print_and_the_dry_run_send_skip_the_same_contact(tmp_path: Path) -> None:
    db, out = _two_logs(tmp_path)
    result = invoke(
        "print", "--today", "2026-11-22", "--db", db, "--out", out,
        "--config", EXAMPLE_CONFIG,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "1 card on 1 sheet of" in result.stderr
    with Ledger.open(db) as ledger:
        printed = {p.contact_id for p in ledger.pieces(PieceStatus.PRINTED)}
    assert printed == {"p-2175550151"}


def test_every_stage_asks_the_same_question(ledger: Ledger) -> None:
    amy = call_record("C042", phone="217-555-0150", email="amy@example.com")
    beth = call_record("p-2175550150", phone="217-555-0150", row=3)  # Amy under her phone id
    carol = call_record("C077", phone="217-555-0177", email="carol@example.com", row=4)
    ledger.record_plan(plan_of(mail_step(beth), mail_step(carol)))
    due = [d.step.contact_id for d in ledger.due_cards({None, PieceStatus.PLANNED})]
    assert due == ["C077", "p-2175550150"]
    ledger.record_plan(plan_of(opt_out_step(amy)))
    due = [d.step.contact_id for d in ledger.due_cards({None, PieceStatus.PLANNED})]
    assert due == ["C077"]
    # Follow-up calls obey the same rule.
    assert [s.contact_id for s in ledger.followups(FOLLOW_UP)] == ["C077"]


@pytest.mark.parametrize(
    ("offer_expires", "send", "today", "passed"),
    [
        ("2026-12-07", "2026-11-23", "2026-12-06", False),
        ("2026-12-07", "2026-11-23", "2026-12-07", True),
        (None, "2026-11-23", "2026-12-06", False),
        (None, "2026-11-23", "2026-12-07", True),
    ],
)
def test_the_moment_rule_reads_the_same_in_python_and_sql(
    tmp_path: Path, offer_expires: str | None, send: str, today: str, passed: bool
) -> None:
    step = dataclasses.replace(
        mail_step(call_record("C001")),
        send_date=date.fromisoformat(send),
        offer_expires=date.fromisoformat(offer_expires) if offer_expires else None,
    )
    assert card_moment_passed(step, date.fromisoformat(today)) is passed
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE steps (offer_expires TEXT, send_date TEXT)")
        conn.execute("INSERT INTO steps VALUES (?, ?)", (offer_expires, send))
        sql = f"SELECT {CARD_MOMENT_PASSED_SQL} FROM steps s"
        (answer,) = conn.execute(sql, {"today": today}).fetchone()
    assert bool(answer) is passed


def test_a_contact_id_in_another_case_is_one_person_to_the_cooldown(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    header = (
        "contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome,called_at"
    )
    first = f"{header}\nC004,Amy,Carter,12 Elm St,Springfield,IL,62704,voicemail,2026-11-21 10:00\n"
    later = f"{header}\nc004,Amy,Carter,12 Elm St,Springfield,IL,62704,voicemail,2026-11-24 10:00\n"
    steps = []
    for name, text, day in (("a.csv", first, "2026-11-21"), ("b.csv", later, "2026-11-24")):
        log = write_file(tmp_path, name, text)
        result = invoke(
            "plan", log, "--format", "json", "--today", day, "--db", db,
            "--config", EXAMPLE_CONFIG,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        steps.append(json.loads(result.stdout)["steps"][0])
    assert steps[0]["action"] == "mail"
    assert steps[1]["action"] == "skip", steps[1]
    assert "card" in steps[1]["reason"], steps[1]["reason"]
    # The call after the card, under the other spelling, is the second call: none is due.
    due = invoke("followups", "--all", "--today", "2026-11-30", "--db", db, "--demo")
    assert due.exit_code == 0, due.stderr
    assert "Amy Carter" not in due.stdout
    assert "no follow-up calls" in due.stderr
