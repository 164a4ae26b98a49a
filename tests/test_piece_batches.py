"""A drawing run's cards recorded a chunk at a time on real SQLite files: the same rows and
status history as one card at a time, a few reads a chunk instead of three a card, and all
or none when one card of the chunk can't move."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mailer.domain.models import MailStep
from mailer.errors import LedgerError
from mailer.ledger import Ledger, PieceStatus
from tests.builders import call_record, mail_step, open_ledger, plan_of


def planned(ledger: Ledger, n: int) -> list[MailStep]:
    steps = [mail_step(call_record(f"C{i:03d}")) for i in range(n)]
    ledger.record_plan(plan_of(*steps))
    return steps


def table(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return [tuple(row) for row in db.execute(sql)]


PIECES = "SELECT * FROM pieces ORDER BY id"
EVENTS = "SELECT piece_id, at, kind, detail FROM piece_events ORDER BY piece_id, id"


def test_a_chunk_at_a_time_writes_what_one_card_at_a_time_writes(tmp_path: Path) -> None:
    one, many = tmp_path / "one.db", tmp_path / "many.db"
    with open_ledger(one) as ledger:
        steps = planned(ledger, 70)
        for n, step in enumerate(steps):
            piece = ledger.ensure_piece(step, "self", "4x6")
            if n % 7 == 3:
                ledger.record_not_drawn(piece.id, "the note does not fit")
            else:
                ledger.record_render(piece.id, f"/cards/{step.contact_id}.pdf", f"{n:064x}")
    with open_ledger(many) as ledger:
        steps = planned(ledger, 70)
        ids = ledger.ensure_pieces(steps, "self", "4x6")
        assert list(ids) == [s.step_key for s in steps]
        drawn = [
            (ids[s.step_key], f"/cards/{s.contact_id}.pdf", f"{n:064x}")
            for n, s in enumerate(steps)
            if n % 7 != 3
        ]
        failed = [
            (ids[s.step_key], "the note does not fit") for n, s in enumerate(steps) if n % 7 == 3
        ]
        ledger.record_drawing(drawn, failed)
    assert table(many, PIECES) == table(one, PIECES)
    assert table(many, EVENTS) == table(one, EVENTS)
    assert len(table(many, "SELECT 1 FROM pieces WHERE status = 'rendered'")) == 60


def test_a_chunk_takes_a_few_statements_not_seven_a_card(ledger: Ledger) -> None:
    steps = planned(ledger, 64)
    statements: list[str] = []
    ledger._db.set_trace_callback(statements.append)
    ids = ledger.ensure_pieces(steps, "self", "4x6")
    ledger.record_drawing([(i, f"/cards/{i}.pdf", "ab" * 32) for i in ids.values()], [])
    ledger._db.set_trace_callback(None)
    # The rows written are the same either way (a piece, its update, two events a card);
    # one card at a time read each piece back three times: 192 reads for this chunk.
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) <= 4
    assert all(p.status is PieceStatus.RENDERED for p in ledger.pieces())


def test_ensure_pieces_keeps_existing_cards_and_moves_only_unsent_ones(ledger: Ledger) -> None:
    steps = planned(ledger, 3)
    drawn = ledger.ensure_piece(steps[0], "self", "4x6")
    ledger.record_render(drawn.id, "/cards/C000.pdf", "ab" * 32)
    sent = ledger.ensure_piece(steps[1], "provider", "4x6")
    ledger.begin_submit(sent.id, "lob")
    ids = ledger.ensure_pieces([*steps, steps[2]], "provider", "4x6")
    assert ids[steps[0].step_key] == drawn.id
    assert ids[steps[1].step_key] == sent.id
    moved = ledger.piece(drawn.id)
    assert (moved.mode, moved.status, moved.file) == ("provider", PieceStatus.PLANNED, None)
    assert ledger.piece(sent.id).status is PieceStatus.SUBMITTING
    assert len(ledger.pieces()) == 3  # the step given twice has one card


def test_a_step_not_in_the_ledger_refuses_the_whole_chunk(ledger: Ledger) -> None:
    steps = planned(ledger, 2)
    stranger = mail_step(call_record("C999"))
    with pytest.raises(LedgerError, match=r"C999: step .* is not in the ledger"):
        ledger.ensure_pieces([*steps, stranger], "self", "4x6")
    assert ledger.pieces() == []


def test_a_card_that_cannot_become_rendered_keeps_the_chunk_unrecorded(ledger: Ledger) -> None:
    steps = planned(ledger, 3)
    ids = list(ledger.ensure_pieces(steps, "self", "4x6").values())
    ledger.begin_submit(ids[1], "lob")  # sent meanwhile: never drawn again
    with pytest.raises(LedgerError, match=r"C001, offer\) is submitting; it can't become"):
        ledger.record_drawing([(i, f"/cards/{i}.pdf", "ab" * 32) for i in ids], [])
    assert [ledger.piece(i).status for i in ids] == [
        PieceStatus.PLANNED,
        PieceStatus.SUBMITTING,
        PieceStatus.PLANNED,
    ]
    with pytest.raises(LedgerError, match="no piece 999 in the ledger"):
        ledger.record_drawing([(999, "/cards/x.pdf", "ab" * 32)], [])
