"""Responses from call logs: the second call's sheet says who ordered, with the card's code
or the amount in the notes or a column; `mailer plan` records them once, credited to the
card (README, "Recording responses")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import Result

from mailer.domain.card_codes import display
from mailer.domain.models import Action
from tests.builders import EXAMPLE_CONFIG, invoke, open_ledger, write_file

HEADER = "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code"
PEOPLE = {
    "C001": "Mary,Albright,(217) 555-0101,12 Elm St,Springfield,IL,62704",
    "C002": "Denise,Okafor,217-555-0102,13 Elm St,Springfield,IL,62704",
    "C003": "Linda,Marsh,217-555-0103,14 Elm St,Springfield,IL,62704",
    "C004": "Patricia,Nguyen,217-555-0104,15 Elm St,Springfield,IL,62704",
    "C005": "Rosa,Diaz,217-555-0105,16 Elm St,Springfield,IL,62704",
}


def said(result: Result) -> str:
    return " ".join(result.stderr.split())


def plan(db: Path, calls: Path, today: str, *more: str) -> Result:
    result = invoke("plan", calls, "--today", today, "--db", db, "--config", EXAMPLE_CONFIG, *more)
    assert result.exit_code == 0, result.stderr
    return result


def mailed(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Five voicemails on Saturday the 21st, five offer cards printed on Monday the 23rd
    (expected Friday the 27th): the ledger and each contact's card code."""
    db = tmp_path / "mailer.db"
    rows = [f"{c},{p},voicemail,2026-11-21 10:0{i}" for i, (c, p) in enumerate(PEOPLE.items())]
    calls = write_file(tmp_path, "calls.csv", f"{HEADER},outcome,called_at\n" + "\n".join(rows))
    plan(db, calls, "2026-11-23")
    with open_ledger(db) as ledger:
        steps = ledger.steps(Action.MAIL)
        ledger.mark_printed(
            [ledger.ensure_piece(s, "self", "4x6").id for s in steps], date(2026, 11, 23)
        )
        codes = {s.contact_id: s.card_code or "" for s in ledger.steps(Action.MAIL)}
    return db, codes


def test_the_second_calls_orders_and_replies_are_recorded_once(tmp_path: Path) -> None:
    db, codes = mailed(tmp_path)
    second = write_file(
        tmp_path,
        "second_calls.csv",
        f"{HEADER},outcome,called_at,notes,Order Total\n"
        # The code read out on the phone, and the total in the notes.
        f'C001,{PEOPLE["C001"]},ordered,2026-11-30 10:00,"read me {display(codes["C001"])},'
        ' 2 jars, $45.00 total",\n'
        # The total in its own column.
        f'C002,{PEOPLE["C002"]},ordered,2026-11-30 10:05,,"1,234.50"\n'
        # They called back reading the code, no order yet: a reply.
        f"C003,{PEOPLE['C003']},connected,2026-11-30 10:10,code {codes['C003'].lower()},\n"
        # Ordered, but nothing says what: no response to record.
        f"C004,{PEOPLE['C004']},ordered,2026-11-30 10:15,happy customer,\n"
        # A voicemail that happens to hold a code: nobody answered.
        f"C005,{PEOPLE['C005']},voicemail,2026-11-30 10:20,{codes['C005']},\n",
    )
    dry = plan(db, second, "2026-11-30", "--dry-run")
    assert "recorded from the calls" not in said(dry)
    result = plan(db, second, "2026-11-30")
    assert "3 orders and replies recorded from the calls" in said(result)
    with open_ledger(db) as ledger:
        found = sorted(
            (r.contact_id, r.kind, r.amount_cents, r.matched_by, r.card_code, r.source)
            for r in ledger.responses()
        )
        lines = sorted((Path(r.file).name, r.line) for r in ledger.responses())
    assert found == [
        ("C001", "order", 4500, "code", codes["C001"], "calls"),
        ("C002", "order", 123450, "contact", codes["C002"], "calls"),
        ("C003", "reply", None, "code", codes["C003"], "calls"),
    ]
    assert lines == [("second_calls.csv", 2), ("second_calls.csv", 3), ("second_calls.csv", 4)]
    again = plan(db, second, "2026-11-30")
    assert "recorded from the calls" not in said(again)
    with open_ledger(db) as ledger:
        assert len(ledger.responses()) == 3


def test_an_order_before_the_card_arrived_is_recorded_but_not_credited(tmp_path: Path) -> None:
    db, _ = mailed(tmp_path)
    early = write_file(
        tmp_path,
        "early.csv",
        f"{HEADER},outcome,called_at,amount\nC004,{PEOPLE['C004']},ordered,2026-11-25 09:00,30\n",
    )
    plan(db, early, "2026-11-25")
    with open_ledger(db) as ledger:
        (response,) = ledger.responses()
    assert response.step_key is None
    assert response.contact_id == "C004"
    assert response.amount_cents == 3000
    assert "before their card arrived (2026-11-27)" in response.detail


def test_a_later_log_without_ids_still_finds_the_card_by_phone(tmp_path: Path) -> None:
    db, codes = mailed(tmp_path)
    dialer = write_file(
        tmp_path,
        "dialer.csv",
        "phone,outcome,called_at,notes\n217.555.0104,ordered,2026-12-01 11:00,paid $30.00\n",
    )
    result = plan(db, dialer, "2026-12-01")
    assert "1 order or reply recorded from the calls" in said(result)
    with open_ledger(db) as ledger:
        (response,) = ledger.responses()
    assert (response.contact_id, response.matched_by) == ("C004", "phone")
    assert (response.card_code, response.amount_cents) == (codes["C004"], 3000)
