"""The cards side of the ledger: each card (a *piece*) of a mail step and the moves of its
status, planned -> rendered -> printed, or submitting -> submitted at a provider, with failed
and cancelled as the ways out (`rows.MOVES_FROM` says which moves are allowed).

A move is refused unless the piece is in a status it may come from, so a card that went to
a provider can never be drawn or submitted again by mistake.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime

from mailer.domain.models import Action, MailStep
from mailer.errors import LedgerError
from mailer.ledger.connection import LedgerFile
from mailer.ledger.failures import reading_row
from mailer.ledger.piece_batches import CardFile, card_files, mark_drawn, new_pieces, rows_where
from mailer.ledger.rows import (
    CARD_MODES,
    MOVES_FROM,
    UNPRINT,
    UNSENT,
    Piece,
    PieceEvent,
    PieceStatus,
    add_event,
    fetch_piece,
    idempotency_key,
    move_follow_up,
    new_piece,
    piece_from_row,
    step_from_row,
)

_S = PieceStatus
# Sheets draw cards straight into their slots: a planned card can be printed directly; a
# printed one only again when asked (`--reprint`).
PRINTABLE = frozenset({_S.PLANNED, _S.RENDERED})
PAGE = 500
"""Rows per read when a long list is read in pages."""


class CardBook(LedgerFile):
    """The pieces of an open ledger file; `Ledger` adds the calls, steps and opt-outs."""

    def ensure_piece(self, step: MailStep, mode: str, size: str) -> Piece:
        """The card for a recorded mail step, created (`planned`) on first call.

        A piece not rendered or only rendered follows a changed mode or size (nothing has left
        the machine yet); any later piece is returned as it is.
        """
        with self._write() as db:
            return piece_from_row(fetch_piece(db, self._ensure(db, step, mode, size), self.path))

    def ensure_pieces(self, steps: Iterable[MailStep], mode: str, size: str) -> dict[str, int]:
        """`ensure_piece` for many steps in one transaction (a chunk of a batch: one write
        instead of one per card); returns each step key's piece id."""
        # Each step's key made once: it is a few string joins and a date's text, and a
        # chunk asks for it at every turn below.
        keyed = [(step.step_key, step) for step in steps]
        for _, step in keyed:
            _check_card(step, mode)
        with self._write() as db:
            found = rows_where(db, "SELECT * FROM pieces", "step_key", [k for k, _ in keyed])
            known = {row["step_key"]: row for row in found}
            ids = {k: self._ensure(db, s, mode, size, known[k]) for k, s in keyed if k in known}
            fresh = [(k, s) for k, s in keyed if k not in known]
            ids.update(new_pieces(db, fresh, mode, size, self._now(), self.path))
            return {k: ids[k] for k, _ in keyed}

    def _ensure(
        self,
        db: sqlite3.Connection,
        step: MailStep,
        mode: str,
        size: str,
        row: sqlite3.Row | None = None,
    ) -> int:
        """The piece of `step` (its row `row` when read already), made or moved to `mode`
        and `size` while nothing has left the machine."""
        _check_card(step, mode)
        if row is None:
            row = db.execute(
                "SELECT id, mode, size, status FROM pieces WHERE step_key = ?", (step.step_key,)
            ).fetchone()
        now = self._now()
        if row is None:
            return new_piece(db, step, mode, size, now, self.path)
        piece_id = int(row["id"])
        if (row["mode"], row["size"]) != (mode, size) and row["status"] in UNSENT:
            db.execute(
                "UPDATE pieces SET mode = ?, size = ?, idempotency_key = ?, status = ?,"
                " file = NULL, sha256 = NULL, updated_at = ? WHERE id = ?",
                (
                    mode,
                    size,
                    idempotency_key(step.step_key, mode, size),
                    _S.PLANNED,
                    now,
                    piece_id,
                ),
            )
            add_event(db, piece_id, now, "status", f"{_S.PLANNED}: now {mode} {size}")
        return piece_id

    def record_render(self, piece_id: int, file: str, sha256: str) -> None:
        self.record_drawing([(piece_id, file, sha256)], [])

    def record_drawing(
        self, drawn: Iterable[tuple[int, str, str]], not_drawn: Iterable[tuple[int, str]]
    ) -> None:
        """Record a chunk of a drawing run in one transaction: the cards drawn (piece id,
        file, SHA-256) become `rendered`, the cards that could not be drawn keep their
        status and record why (`record_not_drawn`). All or none: an interrupted run draws
        the chunk again, into the same files."""
        with self._write() as db:
            mark_drawn(db, list(drawn), self._now(), self.path)
            for piece_id, error in not_drawn:
                self._not_drawn(db, piece_id, error)

    def mark_printed(self, piece_ids: Iterable[int], when: date, *, reprint: bool = False) -> None:
        """Record the cards as printed `when`, all or none. A card printed before is refused
        (it is on someone's sheets already) unless `reprint` asks for it again."""
        with self.printing(piece_ids, when, reprint=reprint):
            pass

    @contextlib.contextmanager
    def printing(
        self, piece_ids: Iterable[int], when: date, *, reprint: bool = False
    ) -> Iterator[None]:
        """Record the cards as printed and keep the change open while the block runs (it
        gives the sheets their final name): both happen, or neither. A card another process
        printed meanwhile stops it with a `LedgerError` before the block runs."""
        allowed = PRINTABLE | {_S.PRINTED} if reprint else PRINTABLE
        with self._write() as db:
            for piece_id in piece_ids:
                row = fetch_piece(db, piece_id, self.path)
                if row["status"] == _S.PRINTED and not reprint:
                    raise LedgerError(
                        f"{row['contact_id']}'s {row['template']} card was printed already "
                        f"(on {row['printed_at']}), so these sheets were not kept",
                        hint="another mailer command printed it meanwhile; `mailer print` "
                        "prints the cards still to print (--reprint the last batch again)",
                    )
                self._move(db, piece_id, _S.PRINTED, allowed, printed_at=when.isoformat())
            yield

    def clear_printed(self, piece_ids: Iterable[int]) -> None:
        """Undo `mark_printed` (the sheets were not printed after all)."""
        with self._write() as db:
            for piece_id in piece_ids:
                self._move(db, piece_id, _S.RENDERED, UNPRINT, printed_at=None)

    def begin_submit(self, piece_id: int, provider: str) -> None:
        """Mark the card as being sent. Call before the request: a killed process then
        resumes with the same idempotency key."""
        with self._write() as db:
            self._move(db, piece_id, _S.SUBMITTING, provider=provider)

    def record_submitted(
        self,
        piece_id: int,
        provider_id: str,
        provider_status: str,
        expected_delivery: date | None,
        preview_url: str | None,
    ) -> None:
        """The provider accepted the card; its delivery date moves the follow-up call."""
        with self._write() as db:
            self._move(
                db,
                piece_id,
                _S.SUBMITTED,
                provider_id=provider_id,
                provider_status=provider_status,
                expected_delivery=expected_delivery.isoformat() if expected_delivery else None,
                preview_url=preview_url,
                error=None,
            )
            if expected_delivery:
                move_follow_up(db, piece_id, expected_delivery)

    def record_not_drawn(self, piece_id: int, error: str) -> None:
        """A card that could not be drawn keeps its status (drawing it again, once fixed, is
        allowed) and records why, so no one calls to ask whether it arrived; a later
        drawing clears the error (`record_render`)."""
        with self._write() as db:
            self._not_drawn(db, piece_id, error)

    def _not_drawn(self, db: sqlite3.Connection, piece_id: int, error: str) -> None:
        db.execute(
            "UPDATE pieces SET error = ?, updated_at = ? WHERE id = ? AND status = ?",
            (f"not drawn: {error}", self._now(), piece_id, str(_S.PLANNED)),
        )

    def record_failed(self, piece_id: int, error: str) -> None:
        with self._write() as db:
            self._move(db, piece_id, _S.FAILED, detail=error, error=error)

    def record_status(
        self,
        piece_id: int,
        provider_status: str,
        events: Sequence[tuple[str, str, str]],
        expected_delivery: date | None = None,
    ) -> int:
        """Store a provider status refresh and its tracking events (at, kind, detail); returns
        how many events were new. A new `expected_delivery` moves the follow-up call."""
        with self._write() as db:
            row = fetch_piece(db, piece_id, self.path)
            if row["provider_id"] is None:
                raise LedgerError(
                    f"{self.path}: piece {piece_id} ({row['contact_id']}) was never submitted",
                    hint="send it first with `mailer send --submit`",
                )
            db.execute(
                "UPDATE pieces SET provider_status = ?, updated_at = ?,"
                " expected_delivery = coalesce(?, expected_delivery) WHERE id = ?",
                (
                    provider_status,
                    self._now(),
                    expected_delivery.isoformat() if expected_delivery else None,
                    piece_id,
                ),
            )
            added = sum(add_event(db, piece_id, at, kind, detail) for at, kind, detail in events)
            if expected_delivery:
                move_follow_up(db, piece_id, expected_delivery)
            return added

    def record_undelivered(self, piece_id: int, why: str) -> bool:
        """The provider will not deliver this card (it failed, or came back to the sender):
        its follow-up call is cancelled (a call about a card that never arrived makes no
        sense) and the address is flagged on the card. Returns False when already flagged."""
        flag = f"address flagged: {why}"
        with self._write() as db:
            row = fetch_piece(db, piece_id, self.path)
            if row["error"] == flag:
                return False
            now = self._now()
            db.execute(
                "UPDATE pieces SET error = ?, updated_at = ? WHERE id = ?", (flag, now, piece_id)
            )
            db.execute(
                "UPDATE steps SET follow_up_call = NULL WHERE step_key = ?", (row["step_key"],)
            )
            add_event(db, piece_id, now, "flag", f"{flag}; follow-up call cancelled")
            return True

    def hold_same_address(self, piece_id: int) -> list[MailStep]:
        """After a card was flagged undeliverable (`record_undelivered`): the same contact's
        other cards to that same address that have not left the machine (no card yet,
        planned or drawn) are cancelled, with their follow-up calls, so a card planned before
        the flag is not printed or sent after it. Returns the steps held."""
        with self._write() as db:
            flagged = fetch_piece(db, piece_id, self.path)
            origin = db.execute(
                "SELECT * FROM steps WHERE step_key = ?", (flagged["step_key"],)
            ).fetchone()
            if origin is None:  # its step removed by hand: no address to compare with
                return []
            place = step_from_row(origin).record.address
            rows = db.execute(
                "SELECT s.*, p.id AS piece_id, p.status AS piece_status FROM steps s"
                " LEFT JOIN pieces p ON p.step_key = s.step_key"
                " WHERE lower(trim(s.contact_id)) = lower(trim(?)) AND s.action = 'mail'"
                " AND s.step_key != ? AND (p.id IS NULL OR p.status IN (?, ?))",
                (flagged["contact_id"], flagged["step_key"], _S.PLANNED, _S.RENDERED),
            ).fetchall()
            held: list[MailStep] = []
            for row in rows:
                step = step_from_row(row)
                if not step.record.address.same_place(place):
                    continue
                now = self._now()
                if row["piece_id"] is None:
                    hold_id = new_piece(db, step, flagged["mode"], flagged["size"], now, self.path)
                else:
                    hold_id = int(row["piece_id"])
                why = f"address flagged on card {piece_id}: {flagged['error'] or 'undeliverable'}"
                self._move(db, hold_id, _S.CANCELLED, detail=why, error=why)
                db.execute(
                    "UPDATE steps SET follow_up_call = NULL WHERE step_key = ?", (step.step_key,)
                )
                held.append(step)
            return held

    def flagged_addresses(self) -> dict[str, list[tuple[str, str]]]:
        """Per contact id, the cards whose address was flagged as undeliverable
        (`record_undelivered`): each card's step key and the day it was flagged (ISO)."""
        rows = self._query(
            "SELECT p.contact_id, p.step_key, min(e.at) FROM pieces p"
            " JOIN piece_events e ON e.piece_id = p.id AND e.kind = 'flag'"
            " WHERE p.error LIKE 'address flagged:%' GROUP BY p.id ORDER BY p.id"
        )
        found: dict[str, list[tuple[str, str]]] = {}
        for contact_id, step_key, at in rows:
            found.setdefault(contact_id, []).append((step_key, str(at)[:10]))
        return found

    def submitting_since(self, piece_id: int) -> datetime | None:
        """When the card was first handed to a provider (its first `submitting` move)."""
        sql = (
            "SELECT min(at) FROM piece_events WHERE piece_id = ? AND kind = 'status'"
            " AND (detail = 'submitting' OR detail LIKE 'submitting:%')"
        )
        rows = self._query(sql, (piece_id,))
        at = rows[0][0] if rows else None
        try:
            return datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            return None

    def record_cancelled(self, piece_id: int) -> None:
        with self._write() as db:
            self._move(db, piece_id, _S.CANCELLED)

    def piece(self, piece_id: int) -> Piece:
        with self._read() as db:
            return piece_from_row(fetch_piece(db, piece_id, self.path))

    def piece_for_step(self, step_key: str) -> Piece | None:
        rows = self._query("SELECT * FROM pieces WHERE step_key = ?", (step_key,))
        return piece_from_row(rows[0]) if rows else None

    def pieces_for_steps(self, step_keys: Sequence[str]) -> dict[str, Piece]:
        """The cards of these steps (a chunk: one read), by step key; steps without one are
        left out."""
        if not step_keys:
            return {}
        marks = ", ".join("?" * len(step_keys))
        sql = f"SELECT * FROM pieces WHERE step_key IN ({marks})"  # noqa: S608
        return {row["step_key"]: piece_from_row(row) for row in self._query(sql, step_keys)}

    def piece_by_provider_id(self, provider_id: str, provider: str | None = None) -> Piece | None:
        sql = "SELECT * FROM pieces WHERE provider_id = ? AND coalesce(?, provider) = provider"
        rows = self._query(sql + " ORDER BY id", (provider_id, provider))
        return piece_from_row(rows[0]) if rows else None

    def pieces(
        self, status: str | Collection[str] | None = None, mode: str | None = None
    ) -> list[Piece]:
        """Pieces by id, filtered by status (one or several) and mode when given."""
        statuses = [status] if isinstance(status, str) else list(status or ())
        clauses: list[str] = []
        args: list[str] = []
        if status is not None:
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(str(s) for s in statuses)
        if mode is not None:
            clauses.append("mode = ?")
            args.append(mode)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT * FROM pieces {where} ORDER BY id", args)  # noqa: S608
        return [piece_from_row(r) for r in rows]

    def _pieces_by_id(self, ids: Sequence[int]) -> list[Piece]:
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._query(f"SELECT * FROM pieces WHERE id IN ({marks})", ids)  # noqa: S608
        return [piece_from_row(r) for r in rows]

    def card_files(self, *, page: int = PAGE) -> Iterator[CardFile]:
        """The cards with a file, by contact and template, read a page at a time: only what
        manifest.csv lists of each (`piece_batches.card_files`)."""
        return card_files(self._query, page)

    def events(self, piece_id: int) -> list[PieceEvent]:
        """A piece's status history and tracking events, in the order they were recorded."""
        sql = "SELECT at, kind, detail FROM piece_events WHERE piece_id = ? ORDER BY id"
        return [PieceEvent(r[0], r[1], r[2]) for r in self._query(sql, (piece_id,))]

    def _move(
        self,
        db: sqlite3.Connection,
        piece_id: int,
        to: PieceStatus,
        allowed: frozenset[PieceStatus] | None = None,
        detail: str = "",
        **columns: str | None,
    ) -> None:
        row = fetch_piece(db, piece_id, self.path)
        with reading_row("pieces", row):
            status = PieceStatus(row["status"])
        if status not in (allowed or MOVES_FROM[to]):
            raise LedgerError(
                f"{self.path}: piece {piece_id} ({row['contact_id']}, {row['template']}) is "
                f"{status}; it can't become {to}",
                hint="run `mailer status` to see where each card is",
            )
        now = self._now()
        values: dict[str, str | None] = {"status": str(to), "updated_at": now, **columns}
        # Column names come from this module only; values are bound. The status read above
        # guards the change itself: a card that moved meanwhile is not moved again.
        assignments = ", ".join(f"{name} = ?" for name in values)
        moved = db.execute(
            f"UPDATE pieces SET {assignments} WHERE id = ? AND status = ?",  # noqa: S608
            (*values.values(), piece_id, str(status)),
        ).rowcount
        if moved != 1:
            raise LedgerError(
                f"{self.path}: piece {piece_id} ({row['contact_id']}) changed while it was "
                f"becoming {to}",
                hint="another mailer command is working with this ledger; run again after it",
            )
        if status != to or detail:
            add_event(db, piece_id, now, "status", f"{to}: {detail}" if detail else str(to))


def _check_card(step: MailStep, mode: str) -> None:
    """Only a mail step gets a card, and only in a mode mailer knows."""
    if step.action is not Action.MAIL or step.template is None:
        raise LedgerError(
            f"{step.contact_id}: step {step.step_key!r} is not a mail step",
            hint="only mail steps get cards",
        )
    if mode not in CARD_MODES:
        raise LedgerError(f"unknown card mode {mode!r}", hint="use 'self' or 'provider'")
