"""Cards for the ledger's mail steps: which are still to draw, and drawing them as a stream."""

from __future__ import annotations

import csv
import dataclasses
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import Result

from mailer.domain.models import Action, MailStep, Outcome
from mailer.drawing.batch import RenderedCard, RenderFailure
from mailer.drawing.draw import draw_cards, undrawn, undrawn_keys
from mailer.ledger import Ledger, PieceStatus
from tests.builders import call_record, config_for, invoke, mail_step, opt_out_step, plan_of

TODAY = date(2026, 11, 23)
CONFIG = config_for("4x6", "self")


def five_cards(ledger: Ledger) -> list[MailStep]:
    # A phone each: contacts who share a phone are one person to the suppression list.
    steps = [
        mail_step(call_record(f"C{i:03d}", row=i + 2, phone=f"555-01{i:02d}")) for i in range(5)
    ]
    ledger.record_plan(plan_of(*steps))
    return steps


def test_cards_are_drawn_from_a_stream_and_recorded_a_chunk_at_a_time(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mailer.drawing.draw.RECORD_CHUNK", 2)
    steps = five_cards(ledger)
    read: list[str] = []
    seen: list[RenderedCard | RenderFailure | None] = []

    def from_the_ledger() -> Iterator[MailStep]:
        for step in ledger.iter_steps(Action.MAIL, page=2):
            # Steps are read a chunk ahead, and each chunk drawn is recorded before the
            # next one is read: nothing piles up in memory or unrecorded.
            read.append(step.step_key)
            drawn = [p for p in ledger.pieces() if p.status is PieceStatus.RENDERED]
            assert len(drawn) >= len(read) - 2
            yield step

    out = tmp_path / "out"
    batch = draw_cards(
        ledger, CONFIG, from_the_ledger(), mode="self", out_dir=out, on_progress=seen.append
    )
    assert (batch.drawn, batch.already, batch.failures) == (5, 0, [])
    assert read == [s.step_key for s in steps]
    assert [o.contact_id for o in seen if o is not None] == [s.contact_id for s in steps]
    pieces = ledger.pieces()
    assert {p.status for p in pieces} == {PieceStatus.RENDERED}
    assert all(p.file and Path(p.file).is_file() for p in pieces)
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == 5

    again: list[RenderedCard | RenderFailure | None] = []
    batch = draw_cards(
        ledger, CONFIG, ledger.iter_steps(Action.MAIL), mode="self", out_dir=out,
        on_progress=again.append,
    )  # fmt: skip
    assert (batch.drawn, batch.already) == (0, 5)
    assert again == [None] * 5  # the progress bar still reaches its total


def test_a_chunk_of_cards_takes_two_writes_to_the_ledger_not_two_a_card(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mailer.drawing.draw.RECORD_CHUNK", 4)
    ledger.record_plan(
        plan_of(
            *(
                mail_step(call_record(f"C{i:03d}", row=i + 2, phone=f"555-02{i:02d}"))
                for i in range(10)
            )
        )
    )
    statements: list[str] = []
    ledger._db.set_trace_callback(statements.append)
    batch = draw_cards(
        ledger, CONFIG, ledger.iter_steps(Action.MAIL), mode="self", out_dir=tmp_path / "out"
    )
    ledger._db.set_trace_callback(None)
    assert batch.drawn == 10
    writes = sum(1 for s in statements if s.startswith("BEGIN IMMEDIATE"))
    # three chunks: each one write for its new cards and one for their drawing
    assert writes == 6
    assert {p.status for p in ledger.pieces()} == {PieceStatus.RENDERED}


def test_undrawn_keys_leave_out_drawn_suppressed_and_passed_offers(
    ledger: Ledger, tmp_path: Path
) -> None:
    steps = five_cards(ledger)
    stale = mail_step(
        call_record("C100", row=20), send=date(2026, 11, 2), expires=date(2026, 11, 16)
    )
    ledger.record_plan(plan_of(stale))
    stopped = opt_out_step(
        call_record(
            "C001", Outcome.OPT_OUT, called_at=datetime(2026, 11, 22, 9, 0), phone="555-0101"
        )
    )
    ledger.record_plan(plan_of(stopped))
    draw_cards(ledger, CONFIG, [steps[3]], mode="self", out_dir=tmp_path / "out")

    keys, passed = undrawn_keys(ledger, "self", "4x6", TODAY)
    assert keys == [steps[i].step_key for i in (0, 2, 4)]
    assert passed == 1
    # Drawn in another mode: to draw again in this one.
    keys, _ = undrawn_keys(ledger, "provider", "4x6", TODAY)
    assert keys == [steps[i].step_key for i in (0, 2, 3, 4)]
    assert list(ledger.steps_by_key(keys)) == [steps[i] for i in (0, 2, 3, 4)]


@pytest.mark.parametrize("keep", [0, 2, 5])
@pytest.mark.parametrize("limit", [None, 1, 3])
def test_the_steps_kept_from_the_count_and_those_read_again_are_the_ledger_steps(
    ledger: Ledger, keep: int, limit: int | None
) -> None:
    steps = five_cards(ledger)
    due = undrawn(ledger, "self", "4x6", TODAY, keep=keep)
    assert due.keys == [s.step_key for s in steps]
    assert len(due.kept) == keep
    assert list(due.steps(ledger, limit)) == steps[:limit]


def test_render_reads_each_step_once(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count of the cards to draw keeps their steps: the drawing reads none again."""
    five_cards(ledger)
    asked: list[str] = []
    by_key = Ledger.steps_by_key

    def counted(self: Ledger, keys: Iterable[str], **options: int) -> Iterator[MailStep]:
        keys = list(keys)
        asked.extend(keys)
        return by_key(self, keys, **options)

    monkeypatch.setattr(Ledger, "steps_by_key", counted)
    result = invoke("render", "--db", ledger.path, "--out", tmp_path / "out", "--demo",
                    "--today", TODAY.isoformat())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == 5
    assert asked == []


def _passed_cards(ledger: Ledger) -> None:
    """Two cards whose offer ends today: too late to draw."""
    passed = [
        dataclasses.replace(
            mail_step(call_record(f"P{i}", row=20 + i, first="Pat", last=f"Late{i}")),
            offer_expires=TODAY,
        )
        for i in range(2)
    ]
    ledger.record_plan(plan_of(*passed))


def _steps_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The contact ids of the steps read from the ledger's rows from now on."""
    from mailer.ledger import store
    from mailer.ledger.rows import step_from_row

    read: list[str] = []

    def counted(row: sqlite3.Row) -> MailStep:
        step = step_from_row(row)
        read.append(step.contact_id)
        return step

    monkeypatch.setattr(store, "step_from_row", counted)
    return read


def _render_two(ledger: Ledger, out: Path) -> tuple[Result, list[str]]:
    """`mailer render --limit 2` into `out`: its result and the card files there after."""
    result = invoke("render", "--db", ledger.path, "--out", out, "--demo",
                    "--today", TODAY.isoformat(), "--limit", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    return result, sorted(p.name for p in (out / "cards").glob("*.pdf"))


def test_render_with_a_limit_reads_only_the_steps_it_draws_and_still_counts_the_rest(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--limit 2` of seven cards reads the call records of the two it draws; the cards
    whose moment has passed are still all counted, and the rest drawn next time."""
    steps = five_cards(ledger)
    _passed_cards(ledger)
    read = _steps_read(monkeypatch)
    result, drawn = _render_two(ledger, tmp_path / "out")
    assert drawn == [f"{s.contact_id}-offer.pdf" for s in steps[:2]]
    assert "2 planned cards were not drawn: their offer has passed" in result.output
    assert sorted(set(read)) == ["C000", "C001"]
    again = invoke("render", "--db", ledger.path, "--out", tmp_path / "out", "--demo",
                   "--today", TODAY.isoformat())  # fmt: skip
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == 5


def test_render_with_a_limit_still_leaves_out_an_opted_out_contact(
    ledger: Ledger, tmp_path: Path
) -> None:
    """With someone on the suppression list every step is read to apply the rule: a card
    for a contact who opted out under another id is never among those drawn."""
    first = mail_step(call_record("A001", row=2, first="Olga", last="Ward", phone="555-0900"))
    ledger.record_plan(plan_of(first))
    # Another export's id for the same phone opts out.
    out_call = call_record("B777", Outcome.OPT_OUT, "2026-11-21 11:00", row=3, phone="555-0900")
    ledger.record_plan(plan_of(opt_out_step(out_call)))
    steps = five_cards(ledger)
    _, drawn = _render_two(ledger, tmp_path / "out")
    assert drawn == [f"{s.contact_id}-offer.pdf" for s in steps[:2]]


def test_an_interrupted_drawing_keeps_what_was_drawn_and_the_rerun_draws_the_rest(
    ledger: Ledger, tmp_path: Path
) -> None:
    five_cards(ledger)
    out = tmp_path / "out"
    drawn: list[str] = []

    def stop_after_two(outcome: RenderedCard | RenderFailure | None) -> None:
        assert isinstance(outcome, RenderedCard)
        drawn.append(outcome.step_key)
        if len(drawn) == 2:
            raise KeyboardInterrupt  # Ctrl-C between two cards

    with pytest.raises(KeyboardInterrupt):
        draw_cards(
            ledger, CONFIG, ledger.iter_steps(Action.MAIL), mode="self", out_dir=out,
            on_progress=stop_after_two,
        )  # fmt: skip
    rendered = {p.step_key for p in ledger.pieces() if p.status is PieceStatus.RENDERED}
    assert rendered == set(drawn)
    first_files = {p.name: p.read_bytes() for p in (out / "cards").glob("*.pdf")}
    assert len(first_files) == 2

    batch = draw_cards(ledger, CONFIG, ledger.iter_steps(Action.MAIL), mode="self", out_dir=out)
    assert (batch.drawn, batch.already) == (3, 2)
    assert {p.status for p in ledger.pieces()} == {PieceStatus.RENDERED}
    assert len(ledger.pieces()) == 5
    for name, data in first_files.items():
        assert (out / "cards" / name).read_bytes() == data
    assert not list((out / "cards").glob("*.part"))
