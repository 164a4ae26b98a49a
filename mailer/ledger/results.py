"""What `mailer report` reads from the ledger: every call, every card (and every holdout
contact of an experiment) with what became of it, and every response, as plain rows.

Three queries in one snapshot, no judgement: which rows count, in which group and at what
cost is worked out by the pure functions of `mailer.results.report`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from mailer.errors import LedgerError
from mailer.files import clean_text
from mailer.ledger.connection import LedgerFile
from mailer.ledger.failures import reading_row

# A provider's tracking event that says the card arrived: Lob names it "Delivered", PostGrid's
# mail-piece scan status "delivered" (stored as the event's name, then its place).
_DELIVERED_EVENT = "delivered%"
T = TypeVar("T")

_CALLS = """
SELECT lower(trim(c.contact_id)) AS contact, substr(c.called_at, 1, 10), c.outcome, c.file,
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
SELECT step_key, lower(trim(coalesce(contact_id, ''))) AS contact, kind, substr(at, 1, 10),
       amount_cents
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
        calls = _rows(db, "calls", _CALLS, {}, _call)
        units = _rows(db, "steps", _UNITS, {"delivered": _DELIVERED_EVENT}, _unit)
        responses = _rows(db, "responses", _RESPONSES, {}, _response)
    return ResultRows(calls, units, responses)


class _Days(dict[str | None, date | None]):
    """Days read from ISO text, each text once (a season has thousands of rows and a few
    hundred days); no text is no day."""

    def __missing__(self, text: str | None) -> date | None:
        found = self[text] = date.fromisoformat(text[:10]) if text else None
        return found


def _rows(
    db: sqlite3.Connection,
    table: str,
    sql: str,
    args: dict[str, str],
    make: Callable[[tuple[Any, ...], _Days], T],
) -> tuple[T, ...]:
    """`make` of each row of `sql`, which come as plain tuples; a value that can't be read
    is reported by `reading_row` (naming its table, row and column) where the ledger
    checks that column, else as the whole row."""
    days = _Days()
    cursor = db.cursor()
    cursor.row_factory = None
    made: list[T] = []
    try:
        for values in cursor.execute(sql, args):
            made.append(make(values, days))
    except (ValueError, TypeError, KeyError) as exc:
        row = db.execute(sql, args).fetchall()[len(made)]  # the same snapshot
        with contextlib.suppress(ValueError, TypeError, KeyError), reading_row(table, row):
            make(tuple(row), days)  # a column the ledger checks names itself and its fix
        raise LedgerError(
            f"the ledger's {table} row {clean_text(repr(tuple(row)))[:200]} can't be read ({exc})",
            hint="a row changed by hand? put its dates back as YYYY-MM-DD",
        ) from exc
    return tuple(made)


def _call(v: tuple[Any, ...], day: _Days) -> CallRow:
    return CallRow(v[0], _must(day[v[1]]), v[2], v[3], v[4], v[5], v[6], day[v[7]])


def _unit(v: tuple[Any, ...], day: _Days) -> UnitRow:
    return UnitRow(
        v[0], v[1], v[2], v[3], v[4], day[v[5]], day[v[6]], _must(day[v[7]]), day[v[8]],
        str(v[9] or ""), v[10], v[11], v[12], v[13], day[v[14]], day[v[15]],
    )  # fmt: skip


def _response(v: tuple[Any, ...], day: _Days) -> ResponseRow:
    amount = v[4]
    return ResponseRow(v[0], v[1], v[2], _must(day[v[3]]), None if amount is None else int(amount))


def _must(found: date | None) -> date:
    if found is None:
        raise ValueError("a date is missing")
    return found
