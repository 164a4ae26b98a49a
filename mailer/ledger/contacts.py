"""The contact book side of the ledger: the `contacts` table (schema version 2), the calls
and cards a book entry has, the stored records of unsent cards brought up to date after a
correction, and the ids an opt-out is kept under.

Which entry is which person is decided by `mailer.contacts` (the contact book stage); this
module only stores and reads, each change in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from mailer.domain.contact_book import Contact, name_address_key
from mailer.domain.identity import identity_aliases
from mailer.domain.models import Action, Address, CallRecord
from mailer.ledger.connection import LedgerFile
from mailer.ledger.failures import reading_row
from mailer.ledger.rows import iso, record_from_json, record_to_json

_COLUMNS = (
    "contact_id",
    "first_name",
    "last_name",
    "phone",
    "phone_key",
    "email",
    "email_key",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country",
    "address_key",
    "birthday",
    "source_file",
    "source_line",
    "updated_at",
    "edited_at",
)
# Column names come from this module only; values are always bound.
_UPSERT = (
    f"INSERT OR REPLACE INTO contacts ({', '.join(_COLUMNS)})"  # noqa: S608
    f" VALUES ({', '.join('?' * len(_COLUMNS))})"
)
# A card not printed or sent yet: none, planned, drawn, or failed at a provider.
_UNSENT_STEPS = """
    SELECT s.step_key, s.record_json, p.id AS piece_id, p.status FROM steps s
    LEFT JOIN pieces p ON p.step_key = s.step_key
    WHERE s.action = 'mail' AND coalesce(p.status, 'planned') IN ('planned', 'rendered', 'failed')
"""


def suppression_ids(record: CallRecord, *, by_address: bool = True) -> set[str]:
    """Every other id an opted-out person stays suppressed under: their phone and email ids
    (`domain.identity`) and their name-and-address key (`domain.contact_book`). The one rule
    the suppression list is written and checked with. `by_address=False` leaves out the
    name-and-address key, for a check against a list that holds none
    (`Ledger.suppresses_by_address`): working it out is most of the cost."""
    region = record.address.country or "US"  # a national number reads in its own country
    ids = identity_aliases(record.contact_id, record.phone, record.email, phone_region=region)
    if by_address and (
        key := name_address_key(record.first_name, record.last_name, record.address)
    ):
        ids.add(key)
    ids.discard(record.contact_id)
    return ids


@dataclass(frozen=True)
class ContactActivity:
    """A book entry's calls and cards, as `mailer contacts show` lists them."""

    calls: tuple[tuple[datetime, str, str, int, int | None], ...]
    """(called at, outcome, file, row, attempt), oldest first; the attempt of the cycle is
    known for the calls a plan was decided by (None for the others)."""
    cards: tuple[tuple[str, date | None, str], ...]
    """(template, send date, card status or "not drawn"), oldest first."""


class ContactRows(LedgerFile):
    """The contact book of an open ledger file (mixed into `Ledger`)."""

    def suppresses_by_address(self) -> bool:
        """Whether the suppression list holds any name-and-address id (an `a-` id), so a
        check that can't match one may skip working them out."""
        sql = "SELECT 1 FROM suppressions WHERE contact_id LIKE 'a-%' AND lifted_at IS NULL"
        return bool(self._query(sql + " LIMIT 1"))

    def has_contacts(self) -> bool:
        return bool(self._query("SELECT 1 FROM contacts LIMIT 1"))

    def contacts(self) -> list[Contact]:
        """Every entry, by last name, first name and id."""
        sql = "SELECT * FROM contacts ORDER BY last_name COLLATE NOCASE, first_name, contact_id"
        return [_contact_from_row(r) for r in self._query(sql)]

    def contact(self, contact_id: str) -> Contact | None:
        """The entry with this id (case ignored), or None."""
        sql = "SELECT * FROM contacts WHERE contact_id = ? COLLATE NOCASE ORDER BY contact_id"
        rows = self._query(sql, (contact_id.strip(),))
        return _contact_from_row(rows[0]) if rows else None

    def save_contacts(self, entries: Iterable[Contact]) -> int:
        """Store each entry (replacing the one with its id) in one transaction; returns how
        many. An entry with no `updated_at` is stamped now."""
        now = self._clock()
        count = 0
        with self._write() as db:
            for entry in entries:
                db.execute(_UPSERT, _contact_values(entry, now))
                count += 1
        return count

    def correct_contact(
        self, entry: Contact, correct: Callable[[CallRecord], CallRecord | None]
    ) -> int:
        """Store a corrected entry (stamped as edited now) and, in the same transaction,
        the records of the mail steps whose card is not printed or sent yet, as `correct`
        returns them (None: not this person's card). A drawn card loses its file, so it is
        drawn again. Returns how many steps changed."""
        now = self._clock()
        changed = 0
        with self._write() as db:
            db.execute(_UPSERT, _contact_values(replace(entry, updated_at=now, edited_at=now), now))
            for row in db.execute(_UNSENT_STEPS).fetchall():
                with reading_row("steps", row):
                    old = record_from_json(row["record_json"])
                new = correct(old)
                if new is None or new == old:
                    continue
                db.execute(
                    "UPDATE steps SET record_json = ?, name = ? WHERE step_key = ?",
                    (record_to_json(new), new.name, row["step_key"]),
                )
                if row["status"] == "rendered":
                    db.execute(
                        "UPDATE pieces SET file = NULL, sha256 = NULL WHERE id = ?",
                        (row["piece_id"],),
                    )
                changed += 1
        return changed

    def activity(self, contact_ids: Collection[str]) -> ContactActivity:
        """The calls and cards recorded under any of these contact ids (case and spaces
        ignored, as plans match them)."""
        ids = sorted(set(contact_ids) | {i.strip().lower() for i in contact_ids})
        if not ids:
            return ContactActivity((), ())
        marks = ", ".join("?" * len(ids))
        calls = self._query(
            "SELECT c.called_at, c.outcome, c.file, c.row, s.attempt FROM calls c"  # noqa: S608
            " LEFT JOIN steps s ON s.call_key = c.call_key"
            f" WHERE c.contact_id IN ({marks}) OR lower(trim(c.contact_id)) IN ({marks})"
            " ORDER BY c.called_at, c.call_key",
            [*ids, *ids],
        )
        cards = self._query(
            "SELECT s.template, s.send_date, coalesce(p.status, 'not drawn') AS status"  # noqa: S608
            " FROM steps s LEFT JOIN pieces p ON p.step_key = s.step_key"
            f" WHERE s.action = ? AND (s.contact_id IN ({marks})"
            f" OR lower(trim(s.contact_id)) IN ({marks})) ORDER BY s.send_date, s.step_key",
            [str(Action.MAIL), *ids, *ids],
        )
        return ContactActivity(
            tuple(
                (
                    datetime.fromisoformat(r[0]),
                    str(r[1]),
                    str(r[2]),
                    int(r[3]),
                    None if r[4] is None else int(r[4]),
                )
                for r in calls
            ),
            tuple(
                (str(r[0] or ""), date.fromisoformat(r[1]) if r[1] else None, str(r[2]))
                for r in cards
            ),
        )

    def called_name(self, contact_id: str) -> str | None:
        """The name the latest plan for a contact id knows them by (case ignored), for a
        contact known only from call logs; None when no plan has them."""
        rows = self._query(
            "SELECT name FROM steps WHERE contact_id = ? OR lower(trim(contact_id)) = ?"
            " ORDER BY planned_on DESC, step_key DESC LIMIT 1",
            [contact_id, contact_id.strip().lower()],
        )
        return str(rows[0][0]) if rows else None

    def unsent_records(self) -> list[CallRecord]:
        """The records of the mail steps whose card is not printed or sent yet."""
        return [record_from_json(r["record_json"]) for r in self._query(_UNSENT_STEPS)]


def _contact_values(entry: Contact, now: datetime) -> tuple[str | int | None, ...]:
    a = entry.address
    stamp = entry.updated_at or now
    return (
        entry.contact_id,
        entry.first_name,
        entry.last_name,
        entry.phone,
        entry.phone_key,
        entry.email,
        entry.email_key,
        a.line1,
        a.line2,
        a.city,
        a.state,
        a.postal_code,
        a.country,
        entry.address_key,
        iso(entry.birthday),
        entry.source_file,
        entry.source_line,
        stamp.isoformat(timespec="seconds"),
        entry.edited_at.isoformat(timespec="seconds") if entry.edited_at else None,
    )


def _contact_from_row(row: sqlite3.Row) -> Contact:
    with reading_row("contacts", row):
        return _contact(row)


def _contact(row: sqlite3.Row) -> Contact:
    return Contact(
        contact_id=row["contact_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        email=row["email"],
        address=Address(
            row["line1"],
            row["line2"],
            row["city"],
            row["state"],
            row["postal_code"],
            row["country"],
        ),
        birthday=date.fromisoformat(row["birthday"]) if row["birthday"] else None,
        source_file=row["source_file"],
        source_line=int(row["source_line"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        edited_at=datetime.fromisoformat(row["edited_at"]) if row["edited_at"] else None,
    )
