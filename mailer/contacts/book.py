"""The contact book's commands as library calls: import files into the ledger's book, and
correct one entry by hand (the unsent cards of that person follow the correction).

Importing matches each entry read to the book (`matching.Book`) and says for each whether it
was added, updated or unchanged, so importing the same file twice adds nothing. An entry the
seller corrected by hand keeps its corrected name and address when an older file is
imported again; only its empty fields are filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path

from mailer.contacts.enrichment import corrected_record
from mailer.contacts.entries import ContactFile, read_contact_file
from mailer.contacts.matching import Book
from mailer.domain.contact_book import Contact, has_street, same_address
from mailer.domain.datetext import iso_date
from mailer.domain.models import Address, CallRecord
from mailer.errors import InputError, UsageError
from mailer.ledger import Ledger


@dataclass
class ImportReport:
    """What `import_contacts` did, file by file."""

    files: list[ContactFile] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def skipped(self) -> list[tuple[str, int, str]]:
        return [(f.file, n, why) for f in self.files for n, why in f.skipped]

    @property
    def rejected(self) -> list[tuple[str, int, str]]:
        return [(f.file, n, why) for f in self.files for n, why in f.rejected]


def import_contacts(paths: Sequence[Path], ledger: Ledger, today: date) -> ImportReport:
    """Read every file, then record the new and changed entries in one transaction."""
    report = ImportReport(files=[read_contact_file(Path(p), today) for p in paths])
    # The book learned these on `today`: a call made later is newer (see `enrichment`).
    learned = datetime.combine(today, time())
    book = Book(ledger.contacts())
    changed: dict[str, Contact] = {}
    for contact_file in report.files:
        for entry in contact_file.entries:
            existing = book.find_record(entry)
            if existing is None:
                report.added += 1
                entry = replace(entry, updated_at=learned)
                book.add(entry)
                changed[entry.contact_id] = entry
                continue
            merged = replace(_merged(existing, entry), updated_at=learned)
            if _content(merged) == _content(existing):
                report.unchanged += 1
                continue
            report.updated += 1
            book.add(merged)
            changed[merged.contact_id] = merged
    ledger.save_contacts(changed.values())
    return report


def _merged(old: Contact, new: Contact) -> Contact:
    """The file's values over the book's, where the file has them; a hand-corrected entry
    keeps its name and address."""
    corrected = old.edited_at is not None
    keep_name = corrected and bool(old.name)
    # A value written another way ("St" for "Street", another phone format) is no change,
    # so two files that spell one person differently don't update each other forever.
    keep_address = (
        (corrected and has_street(old.address))
        or not has_street(new.address)
        or same_address(old.address, new.address)
    )
    return replace(
        old,
        first_name=old.first_name if keep_name else (new.first_name or old.first_name),
        last_name=old.last_name if keep_name else (new.last_name or old.last_name),
        phone=old.phone if not new.phone or new.phone_key == old.phone_key else new.phone,
        email=old.email if not new.email or new.email_key == old.email_key else new.email,
        address=old.address if keep_address else new.address,
        birthday=new.birthday or old.birthday,
        source_file=new.source_file,
        source_line=new.source_line,
        updated_at=None,
    )


def _content(entry: Contact) -> Contact:
    return replace(entry, source_file="", source_line=0, updated_at=None, edited_at=None)


# -- editing -----------------------------------------------------------------------------

EDITABLE = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country",
    "birthday",
)


@dataclass(frozen=True)
class EditResult:
    before: Contact
    after: Contact
    steps_changed: int


def edit_contact(
    ledger: Ledger, contact_id: str, changes: Mapping[str, str], today: date
) -> EditResult:
    """Correct one entry (fields from `EDITABLE`; an empty value clears the field) and the
    stored records of that person's cards not printed or sent yet."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise UsageError(f"can't edit {', '.join(unknown)}", hint=f"edit {', '.join(EDITABLE)}")
    if not changes:
        raise UsageError(
            "nothing to change", hint="give at least one option, e.g. --last-name Albright"
        )
    before = ledger.contact(contact_id) or _entry_from_cards(ledger, contact_id)
    if before is None:
        raise InputError(
            f"no contact {contact_id!r} in the contact book or among the unsent cards",
            hint="`mailer contacts list` shows the ids; `mailer contacts import FILE` adds some",
        )
    after = _changed(before, {k: v.strip() for k, v in changes.items()}, today)
    person = Book([before])

    def correct(record: CallRecord) -> CallRecord | None:
        return corrected_record(record, after) if person.find_record(record) else None

    count = ledger.correct_contact(after, correct)
    return EditResult(before, ledger.contact(after.contact_id) or after, count)


def _entry_from_cards(ledger: Ledger, contact_id: str) -> Contact | None:
    """A new book entry for a contact known only from a call log, as the latest of their
    unsent cards has them: a card refused for a name or an address too long is corrected
    like any entry, and the book then keeps the correction for the next calls."""
    wanted = contact_id.strip().casefold()
    records = [r for r in ledger.unsent_records() if r.contact_id.casefold() == wanted]
    if not records:
        return None
    latest = max(records, key=lambda r: r.called_at.replace(tzinfo=None))
    return Contact(
        contact_id=latest.contact_id,
        first_name=latest.first_name,
        last_name=latest.last_name,
        phone=latest.phone,
        email=latest.email,
        address=latest.address,
        birthday=latest.birthday,
        source_file=latest.file,
        source_line=latest.row,
    )


def _changed(entry: Contact, values: Mapping[str, str], today: date) -> Contact:
    a = entry.address
    address = Address(
        line1=values.get("line1", a.line1),
        line2=values.get("line2", a.line2),
        city=values.get("city", a.city),
        state=values.get("state", a.state),
        postal_code=values.get("postal_code", a.postal_code),
        country=values.get("country", a.country) or "US",
    )
    birthday = entry.birthday
    if "birthday" in values:
        birthday = iso_date(values["birthday"]) if values["birthday"] else None
        if values["birthday"] and (birthday is None or birthday > today):
            raise UsageError(
                f"--birthday {values['birthday']!r} is not a past date",
                hint="write it as YYYY-MM-DD, e.g. 1980-03-14",
            )
    return replace(
        entry,
        first_name=values.get("first_name", entry.first_name),
        last_name=values.get("last_name", entry.last_name),
        phone=values.get("phone", entry.phone),
        email=values.get("email", entry.email),
        address=address,
        birthday=birthday,
    )


def linked_ids(ledger: Ledger, entry: Contact) -> set[str]:
    """The contact ids the ledger's calls know this person by: the entry's own, and those of
    every planned call whose row matches the entry."""
    person = Book([entry])
    found = {entry.contact_id}
    found.update(s.contact_id for s in ledger.iter_steps() if person.find_record(s.record))
    return found
