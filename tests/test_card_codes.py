"""Card codes: readable, checked, stable, and unique across a ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mailer.domain import card_codes
from mailer.domain.card_codes import ALPHABET, LENGTH, candidate, codes_in, display, read_code
from mailer.ledger.card_codes import give_card_code
from mailer.ledger.schema import connect
from tests.builders import call_record, mail_step, open_ledger, plan_of


def test_the_alphabet_has_nothing_to_mistake_on_the_phone() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_a_code_is_the_same_every_time() -> None:
    # A fixed answer: a change here would give every undrawn card a new code.
    assert candidate("a-step|mail|offer") == candidate("a-step|mail|offer")
    assert candidate("x") == "R2T3DEH"
    assert display("R2T3DEH") == "R2T3-DEH"


@given(st.text(min_size=1, max_size=40))
def test_every_single_wrong_character_and_every_swap_is_refused(key: str) -> None:
    code = candidate(key)
    assert read_code(code) == code
    for i in range(LENGTH):
        for other in ALPHABET:
            if other != code[i]:
                assert read_code(code[:i] + other + code[i + 1 :]) is None
        for j in range(i + 1, LENGTH):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert read_code("".join(swapped)) is None


def test_codes_are_read_as_people_write_them() -> None:
    code = candidate("x")
    assert read_code(" r2t3-deh ") == code
    assert read_code("R2T3 DEH") == code
    assert read_code("R2T3DEHX") is None
    assert codes_in(f"she said code {code.lower()[:4]} {code.lower()[4:]}, paid $40") == [code]
    assert codes_in(f"ref {display(code)} and again {code}") == [code]
    # A short word before it is not taken for the code's first half.
    assert codes_in(f"the {display(code)}") == [code]
    assert codes_in(f"ordered, card {display(code)}") == [code]
    assert codes_in(f"WK25-{display(code)}") == [code]  # an offer code in front
    # Not inside a longer word or number.
    assert codes_in(f"X{code} {code}9 PAYMENTS") == []


def test_a_hundred_thousand_cards_get_a_hundred_thousand_codes(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    connect(db).close()
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    steps = [mail_step(call_record(f"C{n:06d}")) for n in range(100_000)]
    conn.executemany(
        "INSERT INTO calls (call_key, contact_id, file, row, outcome, called_at, first_seen)"
        " VALUES (?, ?, 'f', 1, 'voicemail', '2026-11-20T10:00', '2026-11-23')",
        [(s.record.call_key, s.contact_id) for s in steps],
    )
    conn.executemany(
        "INSERT INTO steps (step_key, call_key, contact_id, name, action, template, reason,"
        " offer_expires, record_json, planned_on)"
        " VALUES (?, ?, ?, '', 'mail', 'offer', '', '2026-12-07', '{}', '2026-11-23')",
        [(s.step_key, s.record.call_key, s.contact_id) for s in steps],
    )
    given_out = [give_card_code(conn, s) for s in steps]
    conn.commit()
    assert len(set(given_out)) == 100_000
    assert all(read_code(code or "") == code for code in given_out)
    # Some first candidates collided and were given the next one; each card keeps its own.
    moved = sum(code != candidate(s.step_key) for code, s in zip(given_out, steps, strict=True))
    assert 0 < moved < 100
    assert [give_card_code(conn, s) for s in steps[:1000]] == given_out[:1000]
    conn.close()


def test_the_ledger_gives_sales_cards_a_code_and_keeps_it(tmp_path: Path) -> None:
    offer = mail_step(call_record("C001"))
    thanks = mail_step(call_record("C002"), "thank-you", expires=None, follow_up=None)
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_plan(plan_of(offer, thanks))
        code = ledger.step(offer.step_key).card_code
        assert code is not None
        assert card_codes.is_valid(code)
        assert ledger.step(thanks.step_key).card_code is None
        ledger.record_plan(plan_of(offer, thanks))
        assert ledger.step(offer.step_key).card_code == code


def test_a_taken_code_moves_the_card_to_its_next_candidate(tmp_path: Path) -> None:
    first = mail_step(call_record("C001"))
    second = mail_step(call_record("C002"))
    path = tmp_path / "ledger.sqlite"
    with open_ledger(path) as ledger:
        ledger.record_plan(plan_of(first))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE steps SET card_code = ?", (candidate(second.step_key),))
    conn.commit()
    conn.close()
    with open_ledger(path) as ledger:
        ledger.record_plan(plan_of(first, second))
        assert ledger.step(second.step_key).card_code == candidate(second.step_key, 1)
