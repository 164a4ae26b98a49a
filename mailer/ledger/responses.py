"""Responses in the ledger (schema version 6, the `responses` table): the sales cards that
went out, as crediting needs them, and the orders, replies and clicks recorded against them.

A response is stored once under its `response_key` (`domain.responses.response_key`): the
same file imported twice, or a later export repeating an order, adds nothing. Which card a
response is credited to is decided by `mailer.results` with the domain's rules; this module
only stores and reads, each change in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from mailer.domain.models import CallRecord
from mailer.domain.responses import Credit, Response, SentCard
from mailer.ledger.connection import LedgerFile
from mailer.ledger.failures import reading_row
from mailer.ledger.rows import record_from_json

SENT_STATUSES = ("printed", "submitted")
"""A card counts as sent once printed (self-mail) or accepted by the provider; a card never
printed, refused, failed or cancelled earned nothing, and neither did one that came back
(its address flagged, `CardBook.record_undelivered`)."""

# Every sales card (it has a code) that went out, with the call record it was planned from:
# who the person is, for matching by phone, email, id, or name and address. The provider's
# delivery date, when it gave one, is truer than the plan's estimate.
_SENT_CARDS = """
    SELECT s.step_key, s.contact_id, s.card_code, s.send_date,
           coalesce(p.expected_delivery, s.expected_delivery) AS arrives, s.record_json
    FROM steps s JOIN pieces p ON p.step_key = s.step_key
    WHERE s.card_code IS NOT NULL AND p.status IN (?, ?)
      AND coalesce(p.error, '') NOT LIKE 'address flagged:%'
    ORDER BY s.step_key
"""


@dataclass(frozen=True)
class StoredResponse:
    """A response as the ledger holds it, with the code of the card it is credited to."""

    key: str
    kind: str
    at: datetime
    source: str
    file: str
    line: int
    amount_cents: int | None
    code: str | None
    contact_id: str | None
    step_key: str | None
    matched_by: str | None
    detail: str
    card_code: str | None


class ResponseRows(LedgerFile):
    """The responses side of the ledger, mixed into `Ledger`."""

    def held_out(self) -> Iterator[CallRecord]:
        """The call records of the contacts an experiment held out (no card, the follow-up
        call only): a response of theirs is their group's, for the report's baseline."""
        sql = "SELECT record_json FROM steps WHERE variant = 'holdout' ORDER BY step_key"
        for row in self._query(sql, ()):
            with reading_row("steps", row):
                yield record_from_json(row["record_json"])

    def sent_cards(self) -> Iterator[tuple[SentCard, CallRecord]]:
        """Every sales card that went out, with the record of the call it was planned from."""
        for row in self._query(_SENT_CARDS, SENT_STATUSES):
            with reading_row("steps", row):
                sent = date.fromisoformat(row["send_date"])
                arrives = row["arrives"]
                card = SentCard(
                    step_key=row["step_key"],
                    contact_id=row["contact_id"],
                    code=row["card_code"],
                    sent=sent,
                    arrives=date.fromisoformat(arrives) if arrives else sent,
                )
                yield card, record_from_json(row["record_json"])

    def given_codes(self) -> set[str]:
        """Every code the ledger gave a card, sent or not."""
        rows = self._query("SELECT card_code FROM steps WHERE card_code IS NOT NULL")
        return {r[0] for r in rows}

    def known_responses(self, keys: Sequence[str]) -> set[str]:
        """Which of these response keys are recorded already."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT response_key FROM responses WHERE response_key IN ({marks})"  # noqa: S608
            found.update(r[0] for r in self._query(sql, part))
        return found

    def record_responses(self, credited: Sequence[tuple[Response, Credit]]) -> list[bool]:
        """Record each response with its credit, in one transaction; for each, whether it is
        new (False: recorded before, by an earlier import or an earlier row)."""
        now = self._now()
        added = []
        with self._write() as db:
            for response, credit in credited:
                card = credit.card
                code = card.code if card else (response.codes[0] if response.codes else None)
                cur = db.execute(
                    "INSERT OR IGNORE INTO responses (response_key, kind, at, source, file,"
                    " line, amount_cents, code, contact_id, step_key, matched_by, detail,"
                    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        response.key,
                        str(response.kind),
                        response.at.isoformat(timespec="seconds"),
                        response.source,
                        response.file,
                        response.line,
                        response.amount_cents,
                        code,
                        credit.contact_id or response.contact_id or None,
                        card.step_key if card else None,
                        str(credit.matched_by) if credit.matched_by else None,
                        credit.detail,
                        now,
                    ),
                )
                added.append(cur.rowcount > 0)
        return added

    def responses(self, since: date | None = None) -> list[StoredResponse]:
        """The recorded responses (from `since` when given), newest first."""
        sql = (
            "SELECT r.*, s.card_code FROM responses r"
            " LEFT JOIN steps s ON s.step_key = r.step_key"
            " WHERE r.at >= ? ORDER BY r.at DESC, r.id DESC"
        )
        rows = self._query(sql, ((since or date.min).isoformat(),))
        found = []
        for row in rows:
            with reading_row("responses", row):
                found.append(
                    StoredResponse(
                        key=row["response_key"],
                        kind=row["kind"],
                        at=datetime.fromisoformat(row["at"]),
                        source=row["source"],
                        file=row["file"],
                        line=row["line"],
                        amount_cents=row["amount_cents"],
                        code=row["code"],
                        contact_id=row["contact_id"],
                        step_key=row["step_key"],
                        matched_by=row["matched_by"],
                        detail=row["detail"],
                        card_code=row["card_code"],
                    )
                )
        return found
