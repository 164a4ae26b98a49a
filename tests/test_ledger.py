"""The ledger on real SQLite files: opening safely, recording plans, history, suppression,
pieces through their statuses, follow-ups, and two processes writing at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailer.domain.models import Action, MailStep, Outcome, PastMailing, Plan
from mailer.errors import LedgerError
from mailer.ledger import Ledger, PieceStatus, RecordResult, idempotency_key
from mailer.ledger.schema import APPLICATION_ID, SCHEMA_VERSION
from tests.builders import (
    CALLED,
    call_record,
    callback_step,
    fixed_clock,
    mail_step,
    opt_out_step,
    plan_of,
    skip_step,
)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- the file ------------------------------------------------------------------------------------


def test_new_ledger_is_private_wal_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    with Ledger.open(path) as ledger:
        ledger.record_plan(plan_of(mail_step(call_record())))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert companion.exists()
            assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0
        db = raw(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.close()


def test_missing_folder_is_a_ledger_error_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "mailer.db"
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path)
    assert "nowhere" in caught.value.message
    assert "folder" in caught.value.hint
    assert not path.parent.exists()


def test_a_folder_is_not_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="folder"):
        Ledger.open(tmp_path)


@pytest.mark.parametrize("kind", ["zero bytes", "empty database"])
def test_version_zero_file_is_migrated(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "old.db"
    if kind == "zero bytes":
        path.write_bytes(b"")
    else:
        db = raw(path)
        db.execute("CREATE TABLE scratch (x)")
        db.execute("DROP TABLE scratch")
        db.close()
        assert path.stat().st_size > 0
    with Ledger.open(path) as ledger:
        assert ledger.record_plan(plan_of(mail_step(call_record()))).new_steps == 1
    db = raw(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"calls", "steps", "suppressions", "pieces", "piece_events"} <= tables
    db.close()


def test_reopening_keeps_data_and_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    with Ledger.open(path) as ledger:
        ledger.record_plan(plan_of(mail_step(call_record())))
    with Ledger.open(path) as ledger:
        assert len(ledger.steps()) == 1
        assert ledger.record_plan(plan_of(mail_step(call_record()))) == RecordResult()


def test_ledger_from_a_newer_mailer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    Ledger.open(path).close()
    db = raw(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LedgerError, match="made by a newer mailer") as caught:
        Ledger.open(path)
    assert "upgrade" in caught.value.hint


def test_a_csv_named_like_a_ledger_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    content = b"contact_id,outcome\r\nC001,left vm\r\n\xff\xfe junk\r\n" * 200
    path.write_bytes(content)
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path)
    assert str(path) in caught.value.message
    assert "--db" in caught.value.hint
    assert path.read_bytes() == content


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    db = raw(path)
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    db.close()
    with pytest.raises(LedgerError, match="not a mailer ledger"):
        Ledger.open(path)
    db = raw(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()


# -- recording plans -----------------------------------------------------------------------------


def test_recording_the_same_plan_twice_records_nothing_new(ledger: Ledger) -> None:
    steps = (
        mail_step(call_record("C001")),
        opt_out_step(call_record("C002", Outcome.OPT_OUT)),
        skip_step(call_record("C003")),
    )
    earlier = call_record("C001", called_at=CALLED - timedelta(days=9), row=5)
    first = ledger.record_plan(plan_of(*steps), calls=[earlier])
    assert first == RecordResult(new_calls=4, new_steps=3, new_suppressions=1)
    assert ledger.record_plan(plan_of(*steps), calls=[earlier]) == RecordResult()


def test_steps_come_back_exactly_as_planned(ledger: Ledger) -> None:
    record = call_record(
        "C007",
        first="José",
        last="O'Neil",
        birthday=date(1980, 2, 29),
        callback_on=date(2026, 11, 24),
        notes='said "call back Monday", 2nd floor',
        extra={"Favourite colour": "blue", "Notes 2": "línea; ünïcode"},
    )
    steps = [
        MailStep(
            record,
            Action.MAIL,
            "first call",
            template="offer",
            send_date=date(2026, 11, 23),
            expected_delivery=date(2026, 11, 27),
            offer_expires=date(2026, 12, 7),
            follow_up_call=date(2026, 11, 30),
            history_rows=(3, 9),
        ),
        callback_step(call_record("C008", Outcome.CALLBACK), date(2026, 11, 24)),
    ]
    ledger.record_plan(plan_of(*steps))
    assert ledger.steps() == steps
    assert ledger.steps(Action.CALL) == steps[1:]
    assert ledger.step(steps[0].step_key) == steps[0]
    with pytest.raises(LedgerError, match="no step"):
        ledger.step("nobody|2026|x")


def test_a_later_plan_refreshes_dates_until_a_card_exists(ledger: Ledger) -> None:
    ledger.record_plan(plan_of(mail_step(call_record())))
    later = mail_step(
        call_record(),
        send=date(2026, 11, 24),
        delivery=date(2026, 11, 30),
        follow_up=date(2026, 12, 1),
    )
    result = ledger.record_plan(plan_of(later, today=date(2026, 11, 24)))
    assert result == RecordResult(updated_steps=1)
    assert ledger.step(later.step_key) == later

    piece = ledger.ensure_piece(later, "self", "4x6")
    ledger.record_render(piece.id, "cards/C001-offer.pdf", "ab" * 32)
    again = mail_step(
        call_record(),
        send=date(2026, 11, 25),
        delivery=date(2026, 12, 1),
        follow_up=date(2026, 12, 2),
    )
    # Held: the rendered card carries the stored dates, and the plan shows those.
    held = RecordResult(held_steps=(again.step_key,))
    assert ledger.record_plan(plan_of(again, today=date(2026, 11, 25))) == held
    assert ledger.step(later.step_key) == later


def test_changed_template_replaces_a_step_without_a_card_and_is_held_with_one(
    ledger: Ledger,
) -> None:
    offer, other = mail_step(call_record("C001")), mail_step(call_record("C002"))
    ledger.record_plan(plan_of(offer, other))
    ledger.ensure_piece(offer, "self", "4x6")  # planned only: nothing drawn yet
    rendered = ledger.ensure_piece(other, "self", "4x6")
    ledger.record_render(rendered.id, "cards/C002-offer.pdf", "cd" * 32)

    new_offer = mail_step(call_record("C001"), template="thank-you")
    new_other = mail_step(call_record("C002"), template="thank-you")
    result = ledger.record_plan(plan_of(new_offer, new_other))

    assert result == RecordResult(updated_steps=1, held_steps=(new_other.step_key,))
    assert {s.step_key for s in ledger.steps()} == {new_offer.step_key, other.step_key}
    assert ledger.piece_for_step(offer.step_key) is None
    assert [p.step_key for p in ledger.pieces()] == [other.step_key]


# -- history -------------------------------------------------------------------------------------


def test_history_leaves_out_the_calls_being_planned(ledger: Ledger) -> None:
    steps = (mail_step(call_record("C001")), opt_out_step(call_record("C002", Outcome.OPT_OUT)))
    ledger.record_plan(plan_of(*steps))
    current = {s.record.call_key for s in steps}

    again = ledger.history(["C001", "C002", "C003"], exclude_call_keys=current)
    assert {c: (h.suppressed, h.mailings) for c, h in again.items()} == {
        "C001": (False, ()),
        "C002": (False, ()),
        "C003": (False, ()),
    }

    later = ledger.history(["C001", "C002", "C003"], exclude_call_keys=())
    assert later["C001"].mailings == (
        PastMailing("offer", date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 30)),
    )
    assert later["C002"].suppressed
    assert later["C003"].contact_id == "C003"
    assert later["C003"].mailings == ()


def test_history_orders_mailings_uses_provider_dates_and_drops_cancelled(ledger: Ledger) -> None:
    august = mail_step(
        call_record(called_at=datetime(2026, 8, 3, 9, 0)),
        template="birthday",
        send=date(2026, 8, 4),
        delivery=date(2026, 8, 7),
        follow_up=date(2026, 8, 10),
    )
    november = mail_step(call_record())
    june = mail_step(
        call_record(called_at=datetime(2026, 6, 1, 9, 0)),
        send=date(2026, 6, 2),
        delivery=date(2026, 6, 5),
        follow_up=date(2026, 6, 8),
    )
    ledger.record_plan(plan_of(november, june, august))

    sent = ledger.ensure_piece(november, "provider", "4x6")
    ledger.record_render(sent.id, "cards/C001-offer.pdf", "ef" * 32)
    ledger.begin_submit(sent.id, "lob")
    ledger.record_submitted(sent.id, "psc_1", "processed_for_delivery", date(2026, 11, 25), None)
    cancelled = ledger.ensure_piece(june, "provider", "4x6")
    ledger.record_cancelled(cancelled.id)

    mailings = ledger.history(["C001"])["C001"].mailings
    assert [(m.template, m.send_date) for m in mailings] == [
        ("birthday", date(2026, 8, 4)),
        ("offer", date(2026, 11, 23)),
    ]
    # Thanksgiving (Nov 26) is not a business day: the follow-up moves to Friday the 27th.
    assert mailings[1].expected_delivery == date(2026, 11, 25)
    assert mailings[1].follow_up_call == date(2026, 11, 27)


def test_history_for_ten_thousand_contacts(ledger: Ledger) -> None:
    steps = [
        mail_step(call_record(f"C{n:05d}", row=n + 2))
        if n % 10
        else opt_out_step(call_record(f"C{n:05d}", Outcome.OPT_OUT))
        for n in range(10_000)
    ]
    assert ledger.record_plan(plan_of(*steps)).new_steps == 10_000
    wanted = [f"C{n:05d}" for n in range(10_500)]
    history = ledger.history(wanted, exclude_call_keys={steps[1].record.call_key})
    assert len(history) == 10_500
    assert history["C00000"].suppressed
    assert history["C00001"].mailings == ()
    assert len(history["C00002"].mailings) == 1
    assert history["C10400"].mailings == ()
    assert sum(h.suppressed for h in history.values()) == 1_000
    # The temporary lists are emptied: a second, smaller query sees only its own contacts.
    assert list(ledger.history(["C00002"])) == ["C00002"]


# -- suppression ---------------------------------------------------------------------------------


def test_suppression_survives_later_calls_and_ends_only_by_unsuppress(ledger: Ledger) -> None:
    opted = opt_out_step(call_record("C002", Outcome.OPT_OUT))
    ledger.record_plan(plan_of(opted))
    talked = skip_step(
        call_record("C002", Outcome.CONNECTED, called_at=datetime(2026, 12, 14, 11, 0))
    )
    ledger.record_plan(plan_of(talked, today=date(2026, 12, 14)))
    assert ledger.is_suppressed("C002")
    assert ledger.suppressed() == [("C002", date(2026, 11, 21), "asked not to be contacted")]

    assert ledger.unsuppress("C002") is True
    assert ledger.unsuppress("C002") is False
    assert ledger.unsuppress("C999") is False
    assert not ledger.is_suppressed("C002")
    assert ledger.suppressed() == []

    # Planning the old file again does not undo the user's decision...
    assert ledger.record_plan(plan_of(opted)).new_suppressions == 0
    assert not ledger.is_suppressed("C002")
    # ...but a new opt-out call does.
    again = opt_out_step(
        call_record("C002", Outcome.OPT_OUT, called_at=datetime(2027, 1, 4, 9, 30))
    )
    assert ledger.record_plan(plan_of(again, today=date(2027, 1, 4))).new_suppressions == 1
    assert ledger.suppressed() == [("C002", date(2027, 1, 4), "asked not to be contacted")]


# -- pieces --------------------------------------------------------------------------------------


def test_provider_piece_lifecycle_and_stable_idempotency_key(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    step = mail_step(call_record())
    with Ledger.open(path, clock=fixed_clock) as ledger:
        ledger.record_plan(plan_of(step))
        piece = ledger.ensure_piece(step, "provider", "4x6")
        assert piece.status is PieceStatus.PLANNED
        assert piece.idempotency_key == idempotency_key(step.step_key, "provider", "4x6")
        assert piece.idempotency_key.startswith("mailer-")
        assert len(piece.idempotency_key) == len("mailer-") + 40
        assert piece.created_at == fixed_clock()

        ledger.record_render(piece.id, "cards/C001-offer.pdf", "0f" * 32)
        assert ledger.piece(piece.id).status is PieceStatus.RENDERED
        ledger.begin_submit(piece.id, "lob")
    # The process dies here, after the key was stored and before the answer came.
    with Ledger.open(path) as ledger:
        resumed = ledger.ensure_piece(step, "provider", "4x6")
        assert (resumed.id, resumed.idempotency_key) == (piece.id, piece.idempotency_key)
        assert resumed.status is PieceStatus.SUBMITTING
        assert resumed.provider == "lob"
        ledger.begin_submit(piece.id, "lob")  # resuming is allowed

        ledger.record_submitted(
            piece.id, "psc_5f2", "processed", date(2026, 11, 27), "https://example.com/p.pdf"
        )
        done = ledger.piece(piece.id)
        assert done.status is PieceStatus.SUBMITTED
        assert (done.provider_id, done.expected_delivery) == ("psc_5f2", date(2026, 11, 27))
        assert done.preview_url == "https://example.com/p.pdf"
        assert ledger.step(step.step_key).follow_up_call == date(2026, 11, 30)
        assert ledger.piece_by_provider_id("psc_5f2") == done
        assert ledger.piece_by_provider_id("psc_5f2", "postgrid") is None
        assert ledger.piece_by_provider_id("psc_nope") is None

        events = [
            ("2026-11-24T08:00:00Z", "mailed", "Springfield IL"),
            ("2026-11-25T06:10:00Z", "in_transit", ""),
        ]
        assert ledger.record_status(piece.id, "in_transit", events) == 2
        assert ledger.record_status(piece.id, "in_transit", events[:1]) == 0
        assert (
            ledger.record_status(piece.id, "delivered", [], expected_delivery=date(2026, 12, 4))
            == 0
        )
        assert ledger.piece(piece.id).provider_status == "delivered"
        assert ledger.step(step.step_key).follow_up_call == date(2026, 12, 7)
        history = [(e.kind, e.detail) for e in ledger.events(piece.id)]
        assert [d for k, d in history if k == "status"] == [
            "planned",
            "rendered",
            "submitting",
            "submitted",
        ]
        assert ("mailed", "Springfield IL") in history

        with pytest.raises(LedgerError, match="can't become rendered"):
            ledger.record_render(piece.id, "cards/again.pdf", "00" * 32)
        ledger.record_cancelled(piece.id)
        assert ledger.piece(piece.id).status is PieceStatus.CANCELLED
        assert ledger.followups() == []


def test_self_mail_pieces_print_and_unprint(ledger: Ledger) -> None:
    steps = [mail_step(call_record(f"C00{n}")) for n in range(1, 4)]
    ledger.record_plan(plan_of(*steps))
    pieces = [ledger.ensure_piece(s, "self", "4x6") for s in steps]
    for p in pieces[:2]:
        ledger.record_render(p.id, f"cards/{p.contact_id}-offer.pdf", "aa" * 32)
    assert [p.id for p in ledger.pieces("rendered", mode="self")] == [p.id for p in pieces[:2]]
    assert ledger.pieces(mode="provider") == []

    ledger.mark_printed([p.id for p in pieces[:2]], date(2026, 11, 23))
    printed = ledger.pieces(PieceStatus.PRINTED)
    assert [p.printed_at for p in printed] == [date(2026, 11, 23)] * 2
    assert len(ledger.pieces({"printed", "planned"})) == 3
    assert ledger.piece(pieces[2].id).status is PieceStatus.PLANNED

    # A printed card is never printed again, unless a reprint asks for it.
    with pytest.raises(LedgerError, match="C001's offer card was printed already"):
        ledger.mark_printed([pieces[0].id], date(2026, 11, 24))
    # Sheets draw cards straight into their slots, so a planned card may be printed; a
    # cancelled one can't, and then the whole batch stays as it was.
    ledger.record_cancelled(pieces[2].id)
    with pytest.raises(LedgerError, match="can't become printed"):
        ledger.mark_printed([pieces[0].id, pieces[2].id], date(2026, 11, 24), reprint=True)
    assert ledger.piece(pieces[0].id).printed_at == date(2026, 11, 23)

    ledger.clear_printed([pieces[0].id])
    cleared = ledger.piece(pieces[0].id)
    assert (cleared.status, cleared.printed_at) == (PieceStatus.RENDERED, None)


def test_failed_pieces_keep_the_error_and_can_be_retried(ledger: Ledger) -> None:
    step = mail_step(call_record())
    ledger.record_plan(plan_of(step))
    piece = ledger.ensure_piece(step, "provider", "6x9")
    # Provider artwork is drawn in memory just before the request: planned is enough.
    ledger.begin_submit(piece.id, "lob")
    ledger.record_failed(piece.id, "422: address_line1 is required")
    failed = ledger.piece(piece.id)
    assert (failed.status, failed.error) == (PieceStatus.FAILED, "422: address_line1 is required")
    assert ledger.followups() == []
    ledger.begin_submit(piece.id, "lob")
    assert ledger.piece(piece.id).idempotency_key == piece.idempotency_key


def test_unsent_piece_follows_a_new_mode_and_a_sent_one_does_not(ledger: Ledger) -> None:
    step = mail_step(call_record())
    ledger.record_plan(plan_of(step))
    first = ledger.ensure_piece(step, "self", "4x6")
    ledger.record_render(first.id, "cards/C001-offer.pdf", "cc" * 32)
    moved = ledger.ensure_piece(step, "provider", "6x9")
    assert (moved.id, moved.mode, moved.size, moved.status) == (
        first.id,
        "provider",
        "6x9",
        "planned",
    )
    assert moved.idempotency_key != first.idempotency_key
    assert moved.file is None
    ledger.record_render(moved.id, "cards/C001-offer.pdf", "dd" * 32)
    ledger.begin_submit(moved.id, "lob")
    assert ledger.ensure_piece(step, "self", "4x6").mode == "provider"


def test_pieces_only_for_recorded_mail_steps(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.ensure_piece(mail_step(call_record()), "self", "4x6")
    with pytest.raises(LedgerError, match="not a mail step"):
        ledger.ensure_piece(skip_step(call_record()), "self", "4x6")
    with pytest.raises(LedgerError, match="no piece 42"):
        ledger.piece(42)
    step = mail_step(call_record())
    ledger.record_plan(plan_of(step))
    piece = ledger.ensure_piece(step, "provider", "4x6")
    with pytest.raises(LedgerError, match="never submitted"):
        ledger.record_status(piece.id, "x", [])


def test_steps_read_in_pages_are_the_same_steps_and_writes_may_come_between(
    ledger: Ledger,
) -> None:
    first_day = [mail_step(call_record(f"C{i:03d}", row=i + 2)) for i in (4, 0, 6, 2, 5, 1, 3)]
    later = mail_step(
        call_record("C000", called_at=datetime(2026, 11, 23, 9, 0)), send=date(2026, 11, 24)
    )
    ledger.record_plan(plan_of(*first_day, callback_step(call_record("C900"), date(2026, 11, 25))))
    ledger.record_plan(plan_of(later, today=date(2026, 11, 24)))
    expected = ledger.steps(Action.MAIL)
    assert len(expected) == 8
    seen = []
    for step in ledger.iter_steps(Action.MAIL, page=3):
        ledger.ensure_piece(step, "self", "4x6")  # a write between two reads of pages
        seen.append(step)
    assert seen == expected
    assert [s.contact_id for s in seen] == [f"C{i:03d}" for i in range(7)] + ["C000"]
    assert list(ledger.iter_steps(page=2)) == ledger.steps()
    assert list(ledger.iter_steps(page=9)) == ledger.steps()


def test_steps_by_key_keep_the_order_given_and_skip_unknown_keys(ledger: Ledger) -> None:
    steps = [mail_step(call_record(f"C{i:03d}", row=i + 2)) for i in range(5)]
    ledger.record_plan(plan_of(*steps))
    keys = [s.step_key for s in reversed(steps)]
    assert list(ledger.steps_by_key([*keys[:2], "no-such-step", *keys[2:]], page=2)) == list(
        reversed(steps)
    )
    assert list(ledger.steps_by_key([])) == []


# -- follow-ups ----------------------------------------------------------------------------------


def test_followups_by_date_then_name_with_due_filter(ledger: Ledger) -> None:
    mary = mail_step(call_record("C001", first="Mary", last="Albright"))
    adam = mail_step(call_record("C004", first="Adam", last="Baker"))
    zed = callback_step(
        call_record("C003", Outcome.CALLBACK, first="Zed", last="Young"), date(2026, 11, 25)
    )
    talked = skip_step(call_record("C005", Outcome.CONNECTED))
    # Ann has a phone of her own: contacts who share one are one person to the opt-out list.
    gone = mail_step(call_record("C006", first="Ann", last="Other", phone="555-0106"))
    ledger.record_plan(plan_of(mary, adam, zed, talked, gone))
    ledger.record_plan(
        plan_of(
            opt_out_step(
                call_record(
                    "C006", Outcome.OPT_OUT, called_at=datetime(2026, 11, 22, 9), phone="555-0106"
                )
            )
        )
    )

    assert ledger.followups() == [zed, adam, mary]
    assert ledger.followups(due=date(2026, 11, 25)) == [zed]
    assert ledger.followups(due=date(2026, 11, 24)) == []

    # The callback was made: the later call ends that follow-up.
    made = skip_step(
        call_record("C003", Outcome.CONNECTED, called_at=datetime(2026, 11, 25, 14, 0))
    )
    ledger.record_plan(plan_of(made, today=date(2026, 11, 25)))
    assert ledger.followups(due=date(2026, 12, 31)) == [adam, mary]


# -- two processes -------------------------------------------------------------------------------


def _overlapping_plans(worker: int) -> list[Plan]:
    """Forty plans of fifteen contacts; the two workers plan the same calls in other orders."""
    plans = []
    for batch in range(40):
        numbers = [(batch * 7 + k * (worker + 1)) % 120 for k in range(15)]
        steps = [mail_step(call_record(f"C{n:03d}", row=n + 2)) for n in dict.fromkeys(numbers)]
        plans.append(plan_of(*steps))
    return plans


def _record_concurrently(path: str, worker: int, start: Any, results: Any) -> None:
    start.wait()
    total = 0
    with Ledger.open(Path(path)) as ledger:
        for p in _overlapping_plans(worker):
            total += ledger.record_plan(p).new_calls
    results.put((worker, total))


def test_two_processes_record_into_one_ledger_at_once(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_record_concurrently, args=(str(path), n, start, results))
        for n in (0, 1)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    recorded = dict(results.get(timeout=5) for _ in workers)

    expected = {s.record.call_key for n in (0, 1) for p in _overlapping_plans(n) for s in p.steps}
    db = raw(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    keys = [r[0] for r in db.execute("SELECT call_key FROM calls")]
    db.close()
    assert sorted(keys) == sorted(expected)
    assert recorded[0] + recorded[1] == len(expected)  # each call counted new exactly once
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
