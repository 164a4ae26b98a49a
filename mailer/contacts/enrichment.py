"""The contact book in planning: a call row without a name or a street address takes them
from its book entry; a row with a newer address updates the book; a correction made by hand
(`mailer contacts edit`) after the call wins over what the row says (README, "The contact
book").

`enrich` is pure; `use_contact_book` is the one call the planner makes (it reads the book
from the ledger and, unless the plan is a dry run, saves the updates).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mailer.contacts.matching import Book
from mailer.domain.contact_book import Contact, has_street, same_address
from mailer.domain.models import Address, CallRecord, Notice
from mailer.ledger import Ledger

BookLookup = Callable[[CallRecord], Contact | None]


@dataclass(frozen=True)
class Enrichment:
    """The records as planning uses them, what was said about them, and the book entries a
    call log made newer."""

    records: tuple[CallRecord, ...]
    notices: tuple[Notice, ...] = ()
    updates: tuple[Contact, ...] = ()


def enrich(records: Sequence[CallRecord], book_lookup: BookLookup) -> Enrichment:
    """Each record completed from its book entry (see the module doc)."""
    out: list[CallRecord] = []
    notices: list[Notice] = []
    updated: dict[str, Contact] = {}
    for record in records:
        found = book_lookup(record)
        if found is None:
            out.append(record)
            continue
        entry = updated.get(found.contact_id, found)
        new, took = _completed(record, entry)
        if took:
            notices.append(
                Notice(
                    record.file,
                    record.row,
                    f"{' and '.join(took)} from the contact book ({entry.contact_id})",
                )
            )
        newer = _newer_address(record, entry)
        if newer is not None:
            updated[entry.contact_id] = newer
            notices.append(
                Notice(
                    record.file,
                    record.row,
                    f"contact book updated: {entry.name or entry.contact_id} moved from "
                    f"{_one_line(entry.address)!r} to {_one_line(record.address)!r}",
                )
            )
        out.append(new)
    return Enrichment(tuple(out), tuple(notices), tuple(updated.values()))


def _completed(record: CallRecord, entry: Contact) -> tuple[CallRecord, list[str]]:
    took: list[str] = []
    changes: dict[str, object] = {}
    corrected = _corrected_after(entry, record)
    has_name = bool(record.first_name or record.last_name)
    if entry.name and (not has_name or (corrected and record.name != entry.name)):
        changes.update(first_name=entry.first_name, last_name=entry.last_name)
        took.append("name" if not has_name else "corrected name")
    if has_street(entry.address) and not record.undated:
        if not has_street(record.address):
            changes["address"] = entry.address
            took.append("address")
        elif corrected and not same_address(record.address, entry.address):
            changes["address"] = entry.address
            took.append("corrected address")
    if record.birthday is None and entry.birthday is not None:
        changes["birthday"] = entry.birthday
        took.append("birthday")
    if not changes:
        return record, []
    return replace(record, mail_lines=(), mail_address=None, **changes), took  # type: ignore[arg-type]


def _corrected_after(entry: Contact, record: CallRecord) -> bool:
    """The seller corrected the entry by hand on or after the call's day."""
    return entry.edited_at is not None and entry.edited_at.date() >= record.called_at.date()


def _newer_address(record: CallRecord, entry: Contact) -> Contact | None:
    """The entry with the row's address, when the call is newer than what the book knows;
    None when the book stays as it is."""
    if record.undated or not has_street(record.address) or _corrected_after(entry, record):
        return None
    if has_street(entry.address) and same_address(record.address, entry.address):
        return None
    known = entry.updated_at.date() if entry.updated_at else None
    if known is not None and record.called_at.date() <= known:
        return None
    return replace(
        entry,
        address=record.address,
        source_file=record.file,
        source_line=record.row,
        updated_at=record.called_at,
    )


def _one_line(address: Address) -> str:
    parts = (address.line1, address.line2, address.city, address.state, address.postal_code)
    return ", ".join(p for p in parts if p) or "no address"


def use_contact_book(
    records: Sequence[CallRecord], ledger: Ledger, *, save: bool = True
) -> Enrichment:
    """`enrich` with the ledger's book; the updates are saved unless `save` is False."""
    if not records or not ledger.has_contacts():
        return Enrichment(tuple(records))
    book = Book(ledger.contacts())
    result = enrich(records, book.find_record)
    if save and result.updates:
        ledger.save_contacts(result.updates)
    return result


def corrected_record(record: CallRecord, entry: Contact) -> CallRecord:
    """A stored call's record with the entry's corrected name and address, its mailing
    address worked out again. An undated call keeps the address it was written with (it is
    part of what identifies the call); its card still goes to the corrected address."""
    from mailer.domain.addresses import with_mail_address

    changes: dict[str, object] = {}
    if entry.name:
        changes.update(first_name=entry.first_name, last_name=entry.last_name)
    if has_street(entry.address) and not record.undated:
        changes["address"] = entry.address
    new = replace(record, mail_lines=(), mail_address=None, **changes)  # type: ignore[arg-type]
    target = entry.address if has_street(entry.address) else new.address
    mailed = with_mail_address(replace(new, address=target))
    return replace(new, mail_lines=mailed.mail_lines, mail_address=mailed.mail_address)
