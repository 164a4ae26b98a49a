"""What `mailer report` reads from the ledger: every call, every card (and every holdout
contact of an experiment) with what became of it, and every response, as plain rows.

Three queries in one snapshot, no judgement: which rows count, in which group and at what
cost is worked out by the pure functions of `mailer.results.report`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from mailer.ledger.connection import LedgerFile
from mailer.ledger.failures import reading_row

# A provider's tracking event that says the card arrived: Lob names it "Delivered", PostGrid's
# mail-piece scan status "delivered" (stored as the event's name, then its place).
_DELIVERED_EVENT = "delivered%"

_CALLS = """
SELECT lower(trim(c.contact_id)) AS contact, c.called_at, c.outcome, c.file,
       s.action, s.template, s.variant, s.offer_expires
FROM calls c LEFT JOIN steps s ON s.call_key = c.call_key
"""

# One row per card (a mail step) and per contact of an experiment, card or not (a holdout).
_UNITS = """
SELECT s.step_key, lower(trim(s.contact_id)) AS contact, s.action, s.template, s.variant,
       s.send_date, s.offer_expires, s.planned_on,
       coalesce(p.expected_delivery, s.expected_delivery) AS expected_delivery,
       coalesce(json_extract(s.record_json, '$.address.country'), '') AS country,
       c.file,
       p.status, p.mode, p.size, p.printed_at,
       (SELECT min(substr(e.at, 1, 10)) FROM piece_events e
        WHERE e.piece_id = p.id AND e.kind NOT IN ('status', 'flag') AND e.at != ''
          AND lower(e.detail) LIKE :delivered) AS delivered_on
FROM steps s
JOIN calls c ON c.call_key = s.call_key
LEFT JOIN pieces p ON p.step_key = s.step_key
WHERE s.action = 'mail' OR s.variant IS NOT NULL
"""

_RESPONSES = """
SELECT step_key, lower(trim(coalesce(contact_id, ''))) AS contact, kind, at, amount_cents
FROM responses
"""


@dataclass(frozen=True, slots=True)
class CallRow:
    """A call, with what its plan step was (None when it decided none: an earlier call)."""

    contact: str
    """The case-folded contact id."""
    day: date
    outcome: str
    file: str
    action: str | None
    template: str | None
    variant: str | None
    offer_expires: date | None


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A card of a mail step, or a contact of an experiment who got none (a holdout)."""

    step_key: str
    contact: str
    action: str
    template: str | None
    variant: str | None
    send_date: date | None
    offer_expires: date | None
    planned_on: date
    expected_delivery: date | None
    country: str
    file: str
    """The call log of the call that decided it."""
    status: str | None
    """The card's status (`PieceStatus`), None when it has no card."""
    mode: str | None
    size: str | None
    printed_on: date | None
    delivered_on: date | None
    """The day a provider reported the card delivered, None when none has."""


@dataclass(frozen=True, slots=True)
class ResponseRow:
    step_key: str | None
    """The card (or holdout step) it is credited to, None when none."""
    contact: str
    kind: str
    day: date
    amount_cents: int | None


@dataclass(frozen=True)
class ResultRows:
    calls: tuple[CallRow, ...]
    units: tuple[UnitRow, ...]
    responses: tuple[ResponseRow, ...]


def read_results(ledger: LedgerFile) -> ResultRows:
    """Every call, card, holdout contact and response of the ledger, from one snapshot."""
    with ledger._read() as db:
        calls = tuple(_call(row) for row in db.execute(_CALLS))
        units = tuple(_unit(row) for row in db.execute(_UNITS, {"delivered": _DELIVERED_EVENT}))
        responses = tuple(_response(row) for row in db.execute(_RESPONSES))
    return ResultRows(calls, units, responses)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _call(row: sqlite3.Row) -> CallRow:
    with reading_row("calls", row):
        return CallRow(
            contact=row["contact"],
            day=date.fromisoformat(row["called_at"][:10]),
            outcome=row["outcome"],
            file=row["file"],
            action=row["action"],
            template=row["template"],
            variant=row["variant"],
            offer_expires=_day(row["offer_expires"]),
        )


def _unit(row: sqlite3.Row) -> UnitRow:
    with reading_row("steps", row):
        return UnitRow(
            step_key=row["step_key"],
            contact=row["contact"],
            action=row["action"],
            template=row["template"],
            variant=row["variant"],
            send_date=_day(row["send_date"]),
            offer_expires=_day(row["offer_expires"]),
            planned_on=date.fromisoformat(row["planned_on"][:10]),
            expected_delivery=_day(row["expected_delivery"]),
            country=str(row["country"] or ""),
            file=row["file"],
            status=row["status"],
            mode=row["mode"],
            size=row["size"],
            printed_on=_day(row["printed_at"]),
            delivered_on=_day(row["delivered_on"]),
        )


def _response(row: sqlite3.Row) -> ResponseRow:
    with reading_row("responses", row):
        amount = row["amount_cents"]
        return ResponseRow(
            step_key=row["step_key"],
            contact=row["contact"],
            kind=row["kind"],
            day=date.fromisoformat(row["at"][:10]),
            amount_cents=int(amount) if amount is not None else None,
        )
