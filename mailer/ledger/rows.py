"""How the ledger's rows hold the domain: pieces and their statuses, steps and calls as rows,
the whole `CallRecord` as JSON, and the row writes that recording a plan is made of.

The functions take an open connection inside the caller's transaction; `store` owns the
transactions.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from mailer.domain.models import Action, Address, CallPurpose, CallRecord, MailStep, Outcome
from mailer.domain.postal_days import next_business_day_after
from mailer.domain.postcards import CardMode
from mailer.errors import LedgerError
from mailer.ledger.card_codes import give_card_code
from mailer.ledger.failures import reading_row

CARD_MODES = tuple(CardMode)


class PieceStatus(StrEnum):
    """Where a card is: planned -> rendered -> printed (self-mail) or submitting -> submitted
    (provider); failed and cancelled are the way out."""

    PLANNED = "planned"
    RENDERED = "rendered"
    PRINTED = "printed"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    FAILED = "failed"
    CANCELLED = "cancelled"


_S = PieceStatus
# The statuses each move may start from. Anything else is refused, so a card that went to a
# provider can't be rendered again or submitted a second time by mistake.
MOVES_FROM: dict[PieceStatus, frozenset[PieceStatus]] = {
    _S.RENDERED: frozenset({_S.PLANNED, _S.RENDERED, _S.FAILED}),
    # Sheets draw cards straight into their slots: a planned card can be printed directly.
    # Never printed -> printed: only `--reprint` prints a card again, and says so.
    _S.PRINTED: frozenset({_S.PLANNED, _S.RENDERED}),
    # Provider cards may be drawn in memory just before the request: planned is enough.
    _S.SUBMITTING: frozenset({_S.PLANNED, _S.RENDERED, _S.SUBMITTING, _S.FAILED}),
    _S.SUBMITTED: frozenset({_S.SUBMITTING, _S.SUBMITTED}),
    _S.FAILED: frozenset({_S.PLANNED, _S.RENDERED, _S.SUBMITTING, _S.FAILED}),
    _S.CANCELLED: frozenset(set(_S) - {_S.SUBMITTING}),
}
UNPRINT = frozenset({_S.PRINTED, _S.RENDERED})
# Nothing has left the machine yet: a piece can still follow a changed mode or size.
UNSENT = frozenset({_S.PLANNED, _S.RENDERED})


@dataclass(frozen=True)
class Piece:
    """One card for one mail step, and what happened to it."""

    id: int
    step_key: str
    contact_id: str
    template: str
    mode: str
    size: str
    status: PieceStatus
    idempotency_key: str
    provider: str | None
    provider_id: str | None
    provider_status: str | None
    expected_delivery: date | None
    preview_url: str | None
    file: str | None
    sha256: str | None
    error: str | None
    printed_at: date | None
    created_at: datetime
    updated_at: datetime
    card_code: str | None = None
    """The card's code and its experiment variant, where a query read them with the
    piece; else None."""
    variant: str | None = None


@dataclass(frozen=True)
class PieceEvent:
    """A status change (`kind` "status") or a provider tracking event."""

    at: str
    kind: str
    detail: str


def idempotency_key(step_key: str, mode: str, size: str) -> str:
    """The provider idempotency key of a card: the same card always gets the same key."""
    digest = hashlib.sha256(f"{step_key}\x1f{mode}\x1f{size}".encode()).hexdigest()
    return "mailer-" + digest[:40]


# -- writing rows ------------------------------------------------------------------------------


def insert_call(db: sqlite3.Connection, record: CallRecord, today: str) -> bool:
    cur = db.execute(
        "INSERT OR IGNORE INTO calls (call_key, contact_id, file, row, outcome, called_at,"
        " first_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record.call_key,
            record.contact_id,
            record.file,
            record.row,
            str(record.outcome),
            record.called_at.isoformat(),
            today,
        ),
    )
    return cur.rowcount > 0


_STEP_COLUMNS = (
    "step_key",
    "call_key",
    "contact_id",
    "name",
    "action",
    "template",
    "reason",
    "send_date",
    "expected_delivery",
    "offer_expires",
    "follow_up_call",
    "history_rows",
    "record_json",
    "attempt",
    "purpose",
    "missed_at",
    "variant",
    "planned_on",
)
# Column names come from this module only; values are always bound.
_PLACEHOLDERS = ", ".join("?" * len(_STEP_COLUMNS))
_INSERT_STEP = f"INSERT INTO steps ({', '.join(_STEP_COLUMNS)}) VALUES ({_PLACEHOLDERS})"  # noqa: S608
_UPDATE_STEP = (
    f"UPDATE steps SET {', '.join(f'{c} = ?' for c in _STEP_COLUMNS[1:])} WHERE step_key = ?"  # noqa: S608
)


def put_step(db: sqlite3.Connection, step: MailStep, today: str) -> str:
    """Store one step; says what happened: "new", "updated", "same" or "held"."""
    values = _step_values(step, today)
    old = db.execute("SELECT * FROM steps WHERE call_key = ?", (step.record.call_key,)).fetchone()
    if old is None:
        db.execute(_INSERT_STEP, values)
        give_card_code(db, step)
        return "new"
    has_card = db.execute(
        "SELECT 1 FROM pieces WHERE step_key = ? AND status != ?", (old["step_key"], _S.PLANNED)
    ).fetchone()
    if old["step_key"] != step.step_key:
        if has_card:
            return "held"
        db.execute("DELETE FROM pieces WHERE step_key = ?", (old["step_key"],))
        db.execute("DELETE FROM steps WHERE step_key = ?", (old["step_key"],))
        db.execute(_INSERT_STEP, values)
        give_card_code(db, step)
        return "updated"
    # planned_on (last) only says which plan produced the dates: not a change by itself.
    if not has_card:
        # A step recorded before card codes existed gets one while its card is undrawn.
        give_card_code(db, step)
    if tuple(old[c] for c in _STEP_COLUMNS[:-1]) == values[:-1]:
        return "same"
    if has_card:  # its card was made as stored: the plan shows that, not what it would be now
        return "held"
    db.execute(_UPDATE_STEP, (*values[1:], step.step_key))
    return "updated"


def _step_values(step: MailStep, today: str) -> tuple[str | int | None, ...]:
    return (
        step.step_key,
        step.record.call_key,
        step.contact_id,
        step.record.name,
        str(step.action),
        step.template,
        step.reason,
        iso(step.send_date),
        iso(step.expected_delivery),
        iso(step.offer_expires),
        iso(step.follow_up_call),
        json.dumps(list(step.history_rows)),
        record_to_json(step.record),
        step.attempt,
        str(step.purpose) if step.purpose is not None else None,
        json.dumps([m.isoformat() for m in step.missed_at]),
        step.variant,
        today,
    )


ALIAS_REASON = "the same person as "
"""Starts the reason of a row that suppresses a phone or email id on behalf of a contact."""


def suppress_contact(db: sqlite3.Connection, step: MailStep, fresh: set[str]) -> bool:
    """Put an opted-out contact on the list, and the ids their phone and email would give
    them in another export, so the opt-out holds whichever id a later log uses; True when
    that is news."""
    from mailer.ledger.contacts import suppression_ids

    record = step.record
    news = _suppress_id(db, record.contact_id, step.reason, record, fresh)
    also = f"{ALIAS_REASON}{record.contact_id} (phone, email or name and address): {step.reason}"
    for alias in sorted(suppression_ids(record)):
        _suppress_id(db, alias, also, record, fresh)
    return news


def _suppress_id(
    db: sqlite3.Connection, contact_id: str, reason: str, record: CallRecord, fresh: set[str]
) -> bool:
    row = db.execute(
        "SELECT lifted_at FROM suppressions WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    values = (record.called_at.date().isoformat(), record.call_key, reason)
    if row is None:
        db.execute(
            "INSERT INTO suppressions (since, call_key, reason, contact_id) VALUES (?, ?, ?, ?)",
            (*values, contact_id),
        )
        return True
    # A lifted suppression stays lifted on a re-plan of the old opt-out; a new one restores it.
    if row["lifted_at"] is not None and record.call_key in fresh:
        db.execute(
            "UPDATE suppressions SET since = ?, call_key = ?, reason = ?, lifted_at = NULL"
            " WHERE contact_id = ?",
            (*values, contact_id),
        )
        return True
    return False


def new_piece(
    db: sqlite3.Connection, step: MailStep, mode: str, size: str, now: str, path: Path
) -> int:
    """Create the planned piece of a recorded mail step; returns its id."""
    if db.execute("SELECT 1 FROM steps WHERE step_key = ?", (step.step_key,)).fetchone() is None:
        raise LedgerError(
            f"{path}: {step.contact_id}: step {step.step_key!r} is not in the ledger",
            hint="record the plan first (`mailer plan` or `mailer run`)",
        )
    cur = db.execute(
        "INSERT INTO pieces (step_key, contact_id, template, mode, size, status,"
        " idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            step.step_key,
            step.contact_id,
            step.template,
            mode,
            size,
            _S.PLANNED,
            idempotency_key(step.step_key, mode, size),
            now,
            now,
        ),
    )
    piece_id = int(cur.lastrowid or 0)
    add_event(db, piece_id, now, "status", _S.PLANNED)
    return piece_id


def add_event(db: sqlite3.Connection, piece_id: int, at: str, kind: str, detail: str) -> int:
    cur = db.execute(
        "INSERT OR IGNORE INTO piece_events (piece_id, at, kind, detail) VALUES (?, ?, ?, ?)",
        (piece_id, at, kind, detail),
    )
    return cur.rowcount


def move_follow_up(db: sqlite3.Connection, piece_id: int, delivery: date) -> None:
    """The call follows the real delivery; cards with no call (thank-you, birthday) keep none."""
    db.execute(
        "UPDATE steps SET follow_up_call = ?"
        " WHERE step_key = (SELECT step_key FROM pieces WHERE id = ?)"
        " AND follow_up_call IS NOT NULL",
        (next_business_day_after(delivery).isoformat(), piece_id),
    )


def fetch_piece(db: sqlite3.Connection, piece_id: int, path: Path) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM pieces WHERE id = ?", (piece_id,)
    ).fetchone()
    if row is None:
        raise LedgerError(
            f"{path}: no piece {piece_id} in the ledger",
            hint="run `mailer status` to list the cards",
        )
    return row


# -- reading rows ------------------------------------------------------------------------------


def record_to_json(record: CallRecord) -> str:
    """The whole call as JSON text, stable (sorted keys) so equal records give equal text."""
    a = record.address
    return json.dumps(
        {
            "file": record.file,
            "row": record.row,
            "contact_id": record.contact_id,
            "outcome": str(record.outcome),
            "called_at": record.called_at.isoformat(),
            "first_name": record.first_name,
            "last_name": record.last_name,
            "phone": record.phone,
            "email": record.email,
            "address": {
                "line1": a.line1,
                "line2": a.line2,
                "city": a.city,
                "state": a.state,
                "postal_code": a.postal_code,
                "country": a.country,
            },
            "birthday": iso(record.birthday),
            "callback_on": iso(record.callback_on),
            "notes": record.notes,
            "extra": dict(record.extra),
            **({"undated": True} if record.undated else {}),
            **({"day_first": True} if record.day_first else {}),
            **(
                {"mail_lines": list(record.mail_lines), "mail_address": _address_json(m)}
                if (m := record.mail_address) is not None
                else {}
            ),
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def record_from_json(text: str) -> CallRecord:
    data = json.loads(text)
    return CallRecord(
        file=data["file"],
        row=int(data["row"]),
        contact_id=data["contact_id"],
        outcome=Outcome(data["outcome"]),
        called_at=datetime.fromisoformat(data["called_at"]),
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
        email=data["email"],
        address=Address(**data["address"]),
        birthday=parse_date(data["birthday"]),
        callback_on=parse_date(data["callback_on"]),
        notes=data["notes"],
        extra=dict(data["extra"]),
        undated=bool(data.get("undated", False)),
        day_first=bool(data.get("day_first", False)),
        mail_lines=tuple(data.get("mail_lines", ())),
        mail_address=Address(**data["mail_address"]) if "mail_address" in data else None,
    )


def _address_json(a: Address) -> dict[str, str]:
    return {
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "state": a.state,
        "postal_code": a.postal_code,
        "country": a.country,
    }


def step_from_row(row: sqlite3.Row) -> MailStep:
    with reading_row("steps", row):
        return _step(row)


def _step(row: sqlite3.Row) -> MailStep:
    return MailStep(
        record=record_from_json(row["record_json"]),
        action=Action(row["action"]),
        reason=row["reason"],
        template=row["template"],
        send_date=parse_date(row["send_date"]),
        expected_delivery=parse_date(row["expected_delivery"]),
        offer_expires=parse_date(row["offer_expires"]),
        follow_up_call=parse_date(row["follow_up_call"]),
        history_rows=tuple(int(n) for n in _json_list(row["history_rows"])),
        attempt=int(row["attempt"]),
        purpose=CallPurpose(row["purpose"]) if row["purpose"] else None,
        missed_at=tuple(datetime.fromisoformat(str(m)) for m in _json_list(row["missed_at"])),
        card_code=row["card_code"],
        variant=row["variant"],
    )


def _json_list(text: str) -> list[str | int]:
    """A JSON list column, most often empty: read without the parser then."""
    return [] if text == "[]" else list(json.loads(text))


def piece_from_row(row: sqlite3.Row) -> Piece:
    with reading_row("pieces", row):
        return _piece(row)


def _piece(row: sqlite3.Row) -> Piece:
    names = row.keys()  # `in row` would look among the values
    return Piece(
        id=int(row["id"]),
        step_key=row["step_key"],
        contact_id=row["contact_id"],
        template=row["template"],
        mode=row["mode"],
        size=row["size"],
        status=PieceStatus(row["status"]),
        idempotency_key=row["idempotency_key"],
        provider=row["provider"],
        provider_id=row["provider_id"],
        provider_status=row["provider_status"],
        expected_delivery=parse_date(row["expected_delivery"]),
        preview_url=row["preview_url"],
        file=row["file"],
        sha256=row["sha256"],
        error=row["error"],
        printed_at=parse_date(row["printed_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        card_code=row["card_code"] if "card_code" in names else None,
        variant=row["variant"] if "variant" in names else None,
    )


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
