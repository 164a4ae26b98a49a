"""Many cards' rows written at once, inside the caller's one transaction: a chunk of a
drawing run (or a page of print sheets) makes its pieces and records its drawn cards in a
handful of statements, where one at a time took seven a card. The rules are the ones
`pieces.CardBook` applies one card at a time: the same checks, the same errors, the same rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from mailer.domain.models import MailStep
from mailer.errors import LedgerError
from mailer.ledger.failures import reading_row
from mailer.ledger.rows import MOVES_FROM, PieceStatus, idempotency_key

_S = PieceStatus
PART = 400
"""Values per `IN (...)` list: well under SQLite's limit of bound parameters."""


def rows_where(
    db: sqlite3.Connection, select: str, column: str, values: Sequence[str | int]
) -> list[sqlite3.Row]:
    """`select` (up to its WHERE) for the rows whose `column` is one of `values`, asked a
    part at a time."""
    rows: list[sqlite3.Row] = []
    remaining = iter(values)
    while part := list(islice(remaining, PART)):
        marks = ", ".join("?" * len(part))
        rows.extend(db.execute(f"{select} WHERE {column} IN ({marks})", part))
    return rows


def new_pieces(
    db: sqlite3.Connection,
    steps: Sequence[tuple[str, MailStep]],
    mode: str,
    size: str,
    now: str,
    path: Path,
) -> dict[str, int]:
    """Create the planned pieces of recorded mail steps that have none (each step once, in
    the order given), each given with its key; returns each new piece's id by step key. A
    step the ledger does not hold is refused, as `rows.new_piece` refuses it."""
    by_key = dict(steps)
    keys = list(by_key)
    if not keys:
        return {}
    known = {row[0] for row in rows_where(db, "SELECT step_key FROM steps", "step_key", keys)}
    for key in keys:
        if key not in known:
            step = by_key[key]
            raise LedgerError(
                f"{path}: {step.contact_id}: step {key!r} is not in the ledger",
                hint="record the plan first (`mailer plan` or `mailer run`)",
            )
    db.executemany(
        "INSERT INTO pieces (step_key, contact_id, template, mode, size, status,"
        " idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                key,
                by_key[key].contact_id,
                by_key[key].template,
                mode,
                size,
                _S.PLANNED,
                idempotency_key(key, mode, size),
                now,
                now,
            )
            for key in keys
        ],
    )
    made = {row[1]: int(row[0]) for row in rows_where(db, _ID_AND_KEY, "step_key", keys)}
    _add_events(db, [(made[key], now, str(_S.PLANNED)) for key in keys])
    return {key: made[key] for key in keys}


_ID_AND_KEY = "SELECT id, step_key FROM pieces"


def mark_drawn(
    db: sqlite3.Connection, drawn: Sequence[tuple[int, str, str]], now: str, path: Path
) -> None:
    """The cards drawn (piece id, file, SHA-256) become `rendered`, their error cleared: the
    moves `CardBook._move` makes one at a time, each guarded by the status it comes from."""
    last = {piece_id: (file, sha256) for piece_id, file, sha256 in drawn}  # one move a card
    ids = list(last)
    if not ids:
        return
    rows = {int(row["id"]): row for row in rows_where(db, "SELECT * FROM pieces", "id", ids)}
    moves = []
    events = []
    for piece_id, (file, sha256) in last.items():
        row = rows.get(piece_id)
        if row is None:
            raise LedgerError(
                f"{path}: no piece {piece_id} in the ledger",
                hint="run `mailer status` to list the cards",
            )
        with reading_row("pieces", row):
            status = PieceStatus(row["status"])
        if status not in MOVES_FROM[_S.RENDERED]:
            raise LedgerError(
                f"{path}: piece {piece_id} ({row['contact_id']}, {row['template']}) is "
                f"{status}; it can't become {_S.RENDERED}",
                hint="run `mailer status` to see where each card is",
            )
        moves.append((str(_S.RENDERED), now, file, sha256, None, piece_id, str(status)))
        if status != _S.RENDERED:
            events.append((piece_id, now, str(_S.RENDERED)))
    moved = db.executemany(
        "UPDATE pieces SET status = ?, updated_at = ?, file = ?, sha256 = ?, error = ?"
        " WHERE id = ? AND status = ?",
        moves,
    ).rowcount
    if moved != len(moves):
        raise LedgerError(
            f"{path}: a card of this chunk changed while it was becoming {_S.RENDERED}",
            hint="another mailer command is working with this ledger; run again after it",
        )
    _add_events(db, events)


def _add_events(db: sqlite3.Connection, events: list[tuple[int, str, str]]) -> None:
    """Status events (piece id, when, the new status), as `rows.add_event` adds one."""
    db.executemany(
        "INSERT OR IGNORE INTO piece_events (piece_id, at, kind, detail)"
        " VALUES (?, ?, 'status', ?)",
        events,
    )


class CardFile(NamedTuple):
    """A drawn card's file as manifest.csv lists it."""

    contact_id: str
    template: str
    file: str
    size: str
    mode: str
    sha256: str
    card_code: str | None
    variant: str | None


def card_files(
    query: Callable[[str, Sequence[str | int]], list[sqlite3.Row]], page: int
) -> Iterator[CardFile]:
    """The pieces with a card file (any status), by contact, template and id, each with
    its step's card code and variant: the columns alone, a plain tuple a card, for the
    manifest of a long-used ledger. A page at a time, each page its own short read
    (`query`), so the caller may write between pages."""
    order = "p.contact_id, p.template, p.id"
    after: tuple[str | int, ...] = ()
    while True:
        later = f"AND ({order}) > (?, ?, ?)" if after else ""
        sql = (
            "SELECT p.contact_id, p.template, p.file, p.size, p.mode, p.sha256,"  # noqa: S608
            " s.card_code, s.variant, p.id FROM pieces p"
            " LEFT JOIN steps s ON s.step_key = p.step_key"
            f" WHERE p.file IS NOT NULL AND p.sha256 IS NOT NULL {later}"
            f" ORDER BY {order} LIMIT ?"
        )
        rows = query(sql, [*after, page])
        for row in rows:
            yield CardFile(*tuple(row)[:8])
        if len(rows) < page:
            return
        after = (rows[-1][0], rows[-1][1], rows[-1][8])
