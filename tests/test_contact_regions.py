"""The contact book reads people as call logs do: a whole address in one cell is split, and a
phone abroad is read in its own country (also for entries a v6 ledger already holds)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from mailer.contacts.entries import read_contact_file
from mailer.contacts.matching import Book
from mailer.domain.identity import contact_identity
from mailer.ledger.schema import connect
from tests.builders import open_ledger, write_file

TODAY = date(2026, 11, 23)


def test_a_whole_address_in_one_cell_is_split(tmp_path: Path) -> None:
    sheet = write_file(
        tmp_path,
        "book.csv",
        "Name,Phone,Address,Country\n"
        'Mary Albright,217-555-0101,"1418 Oak Ridge Dr Apt 2, Springfield, IL 62704",\n'
        'Nigel Booth,+44 20 7946 0123,"10 Downing St, London SW1A 2AA",GB\n',
    )
    read = read_contact_file(sheet, TODAY)
    mary, nigel = read.entries
    address = mary.address
    assert (address.line1, address.city, address.state, address.postal_code) == (
        "1418 Oak Ridge Dr",
        "Springfield",
        "IL",
        "62704",
    )
    assert address.line2 == "Apt 2"
    # Abroad it is not cut up by a guess: kept whole, and the import says so on its line.
    assert nigel.address.line1 == "10 Downing St, London SW1A 2AA"
    assert [(n.row, "kept whole" in n.message) for n in read.notices] == [(3, True)]


def test_a_phone_abroad_is_read_in_its_own_country(tmp_path: Path) -> None:
    sheet = write_file(
        tmp_path,
        "book.csv",
        "Name,Phone,Street,City,Postcode,Country\n"
        "Nigel Booth,020 7946 0123,10 Downing St,London,SW1A 2AA,GB\n",
    )
    (nigel,) = read_contact_file(sheet, TODAY).entries
    # The id a call log gives the same person (its rows read phones in their own country).
    assert nigel.contact_id == "p-442079460123"
    assert nigel.phone_key == "442079460123"
    # A later call that writes the number internationally finds the entry.
    book = Book([nigel])
    assert book.find(phone="+44 20 7946 0123") == nigel


def test_a_version_6_ledger_rereads_phones_abroad(tmp_path: Path) -> None:
    path = tmp_path / "mailer.db"
    connect(path).close()
    db = sqlite3.connect(path)
    old_id = contact_identity(phone="020 7946 0123")  # read as a US number before
    assert old_id != "p-442079460123"
    for contact_id, phone, country in (
        (old_id, "020 7946 0123", "GB"),
        ("C001", "0161 496 0000", "GB"),  # an id of its own stays
        ("p-2175550101", "217-555-0101", "US"),
    ):
        db.execute(
            "INSERT INTO contacts (contact_id, phone, phone_key, country, updated_at)"
            " VALUES (?, ?, ?, ?, '2026-11-20T10:00:00')",
            (contact_id, phone, "stale", country),
        )
    db.execute("PRAGMA user_version = 6")
    db.commit()
    db.close()
    with open_ledger(path) as ledger:
        found = {c.contact_id: c for c in ledger.contacts()}
    assert set(found) == {"p-442079460123", "C001", "p-2175550101"}
    keys = dict(sqlite3.connect(path).execute("SELECT contact_id, phone_key FROM contacts"))
    assert keys == {
        "p-442079460123": "442079460123",
        "C001": "441614960000",
        "p-2175550101": "stale",
    }
