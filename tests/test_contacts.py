"""The contact book: reading vCard, Google and Outlook files, matching a call to an entry,
completing call records from the book, and the ledger's contacts table."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from mailer.contacts.book import edit_contact, import_contacts
from mailer.contacts.enrichment import enrich, use_contact_book
from mailer.contacts.entries import NO_YEAR, read_contact_file
from mailer.contacts.matching import Book
from mailer.contacts.vcard import parse_cards
from mailer.domain.contact_book import Contact, name_address_key
from mailer.domain.models import Action, Address, Outcome
from mailer.errors import InputError
from mailer.ledger import Ledger
from mailer.ledger.contacts import suppression_ids
from mailer.ledger.rows import record_to_json
from mailer.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from tests.builders import (
    ELM_STREET,
    REPO,
    call_record,
    mail_step,
    open_ledger,
    opt_out_step,
    plan_of,
    write_file,
)

DATA = REPO / "tests" / "data" / "contacts"
TODAY = date(2026, 11, 23)


def by_name(path: Path) -> dict[str, Contact]:
    return {e.name or e.contact_id: e for e in read_contact_file(path, TODAY).entries}


# -- reading files -----------------------------------------------------------------------


def test_an_iphone_vcard_3_export_reads_folded_quoted_printable_and_escaped_values() -> None:
    read = read_contact_file(DATA / "iphone_contacts.vcf", TODAY)
    people = {e.name or e.contact_id: e for e in read.entries}
    mary = people["Mary Albright"]
    assert mary.phone == "(217) 555-0101"  # the preferred cell, not the home line
    assert mary.email == "mary.albright@example.com"
    # The street's escaped newline is the second line; the folded country is whole.
    assert mary.address == Address("12 Elm Street", "Apt 4", "Springfield", "IL", "62704", "US")
    assert mary.birthday == date(1975, 3, 14)
    assert mary.source_line == 1
    zoe = people["Zoë Quiñones"]  # quoted-printable UTF-8, with a soft line break
    assert zoe.address.line1 == "1422 Maple Ave, Apt 3"
    assert zoe.address.city == "Springfield"
    nameless = people["p-2175550103"]  # a card with no name still gives its address
    assert nameless.address.line1 == "77 Birch Rd, Unit 2"
    pat = people["Pat Ostrowski"]
    assert (pat.address.line1, pat.address.line2) == ("500 Commerce Dr", "Suite 200")
    # A company's card (its name is only the organization) has nothing a call could use.
    assert read.skipped == [(25, "nothing a call could use: no name, address or birthday")]
    assert read.rejected == []


def test_a_vcard_4_export_reads_uris_pref_home_addresses_and_yearless_birthdays() -> None:
    read = read_contact_file(DATA / "android_v4.vcf", TODAY)
    people = {e.name: e for e in read.entries}
    ann = people["Ann Marie Delacroix"]
    assert ann.phone == "+1-217-555-0104"
    assert ann.contact_id == "p-2175550104"
    assert ann.birthday == date(NO_YEAR, 4, 12)
    hal = people["Hal Brennan"]
    assert hal.address.line1 == "41 Pine St, Apt 7"  # home, not the work address first listed
    assert hal.birthday == date(1962, 9, 30)
    assert read.rejected == [(19, "the card has no END:VCARD (the file ends inside it)")]


def test_a_google_contacts_csv_reads_multi_line_streets_and_several_phones() -> None:
    read = read_contact_file(DATA / "google_contacts.csv", TODAY)
    assert read.kind == "Google Contacts CSV"
    people = {e.name: e for e in read.entries}
    mary = people["Mary Albright"]
    assert mary.phone == "(217) 555-0101"  # the first of "a ::: b"
    assert (mary.address.line1, mary.address.line2) == ("12 Elm St", "Apt 4")
    gus = people["Gus Whitfield"]
    assert gus.source_line == 3  # Mary's quoted multi-line cells are one spreadsheet row
    assert gus.birthday == date(NO_YEAR, 11, 30)
    assert [n for n, _ in read.rejected] == [4]
    assert [n for n, _ in read.skipped] == [5]


def test_an_outlook_csv_takes_the_home_address_else_the_business_one() -> None:
    read = read_contact_file(DATA / "outlook_contacts.csv", TODAY)
    assert read.kind == "Outlook CSV"
    people = {e.name: e for e in read.entries}
    assert people["Dana Kowalczyk"].address.city == "Champaign"
    assert people["Dana Kowalczyk"].phone == "(217) 555-0108"
    assert people["Dana Kowalczyk"].birthday == date(1979, 6, 21)
    raj = people["Raj Patel"]
    assert (raj.address.line1, raj.address.line2) == ("200 Wacker Dr", "Floor 12")
    assert raj.birthday is None  # Outlook's 0/0/00 is no birthday
    assert any("2/30/1980" in n.message for n in read.notices)


def test_a_plain_sheet_with_call_log_headers_keeps_its_ids(tmp_path: Path) -> None:
    sheet = write_file(
        tmp_path,
        "book.csv",
        "Customer ID,Full Name,Phone Number,Street Address,City,ST,ZIP\n"
        'C001,"Albright, Mary",217-555-0101,12 Elm St,Springfield,IL,62704\n',
    )
    (entry,) = read_contact_file(sheet, TODAY).entries
    assert (entry.contact_id, entry.first_name, entry.last_name) == ("C001", "Mary", "Albright")


def test_a_file_naming_no_contact_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="names no contact column"):
        read_contact_file(write_file(tmp_path, "x.csv", "foo,bar\n1,2\n"), TODAY)
    with pytest.raises(InputError, match="no BEGIN:VCARD"):
        read_contact_file(write_file(tmp_path, "x.vcf", "hello\n"), TODAY)


def test_vcard_lines_unfold_and_escaped_separators_stay_inside_a_component() -> None:
    text = "BEGIN:VCARD\r\nN:O\\;Brien;Se\r\n án;;;\r\nEND:VCARD\r\nstray\r\n"
    cards, stray = parse_cards(text)
    assert cards[0].first("N") is not None
    assert cards[0].first("N").parts()[:2] == ["O;Brien", "Seán"]  # type: ignore[union-attr]
    assert stray == [(5, "outside any BEGIN:VCARD ... END:VCARD card")]


# -- matching ----------------------------------------------------------------------------

MARY = Contact("C001", "Mary", "Albright", "217-555-0101", "Mary@Example.com", ELM_STREET)


@pytest.mark.parametrize(
    ("details", "why"),
    [
        ({"contact_id": "c001"}, "id, case ignored"),
        ({"phone": "+1 (217) 555-0101"}, "phone digits"),
        ({"email": " mary@example.COM "}, "email, case ignored"),
        (
            {
                "first_name": "MARY",
                "last_name": "ALBRIGHT",
                "address": Address("12 Elm Street", "Apt. 4", "", "", "62704-1234"),
            },
            "name and address",
        ),
        (
            {
                "first_name": "Mary",
                "last_name": "Albright",
                "address": Address(postal_code="62704"),
            },
            "name and postal code, no street",
        ),
    ],
)
def test_a_call_finds_its_entry(details: dict[str, object], why: str) -> None:
    assert Book([MARY]).find(**details) == MARY, why  # type: ignore[arg-type]


def test_matching_tries_id_then_phone_then_email_then_name_and_address() -> None:
    by_phone = Contact("p-1", "Ann", "Other", phone="217-555-0199")
    by_email = Contact("e-2", "Bea", "Other", email="bea@example.com")
    book = Book([MARY, by_phone, by_email])
    assert book.find(contact_id="C001", phone="217-555-0199") == MARY
    assert book.find(contact_id="C777", phone="217-555-0199", email="bea@example.com") == by_phone
    assert book.find(phone="217-555-0000", email="BEA@example.com") == by_email
    assert (
        book.find(
            email="bea@example.com", first_name="Mary", last_name="Albright", address=ELM_STREET
        )
        == by_email
    )
    assert book.find(first_name="Mary", last_name="Albright", address=MAPLE) is None


MAPLE = Address("1422 Maple Ave", "Apt 3", "Springfield", "IL", "62704")


def test_a_name_and_postal_code_shared_by_two_entries_matches_neither() -> None:
    twin = replace(MARY, contact_id="C002", phone="217-555-0102", email="", address=MAPLE)
    found = Book([MARY, twin]).find(
        first_name="Mary", last_name="Albright", address=Address(postal_code="62704")
    )
    assert found is None


# -- enrichment --------------------------------------------------------------------------


def test_a_row_without_name_or_address_takes_them_from_the_book() -> None:
    bare = call_record("C001", first="", last="", address=Address(), birthday=None)
    book = Book([replace(MARY, birthday=date(1975, 3, 14))])
    result = enrich([bare], book.find_record)
    (record,) = result.records
    assert (record.name, record.address) == ("Mary Albright", ELM_STREET)
    assert record.birthday == date(1975, 3, 14)
    assert "name and address and birthday from the contact book (C001)" in str(result.notices[0])
    assert result.updates == ()


def test_a_newer_address_in_the_call_log_updates_the_book_and_says_so() -> None:
    known = replace(MARY, updated_at=datetime(2026, 10, 1, 9, 0))
    moved = call_record("C001", address=MAPLE)
    result = enrich([moved], Book([known]).find_record)
    assert result.records == (moved,)
    (update,) = result.updates
    assert update.address == MAPLE
    assert (update.source_file, update.source_line) == ("calls.csv", 2)
    assert "contact book updated: Mary Albright moved from '12 Elm St" in str(result.notices[0])


def test_an_older_call_does_not_overwrite_a_book_updated_since() -> None:
    known = replace(MARY, updated_at=datetime(2026, 11, 22, 9, 0))
    result = enrich([call_record("C001", address=MAPLE)], Book([known]).find_record)
    assert result.updates == ()
    assert result.records[0].address == MAPLE  # the row's own card still uses its address


def test_a_hand_correction_after_the_call_wins_over_the_row() -> None:
    fixed = replace(MARY, last_name="Allbright", edited_at=datetime(2026, 11, 23, 8, 0))
    result = enrich([call_record("C001", address=MAPLE)], Book([fixed]).find_record)
    record = result.records[0]
    assert (record.last_name, record.address) == ("Allbright", ELM_STREET)
    assert result.updates == ()


def test_without_a_book_planning_reads_no_contacts(ledger: Ledger) -> None:
    records = [call_record("C001", first="")]
    assert use_contact_book(records, ledger).records == tuple(records)


# -- import into the ledger --------------------------------------------------------------


def test_importing_the_same_files_twice_adds_nothing(ledger: Ledger) -> None:
    files = sorted(DATA.glob("*.*"))
    first = import_contacts(files, ledger, TODAY)
    # Mary is in the Google and the iPhone file, spelled differently: one entry.
    assert (first.added, first.updated, first.unchanged) == (10, 0, 1)
    again = import_contacts(files, ledger, TODAY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 11)
    assert len(ledger.contacts()) == 10
    assert [(Path(f).name, n) for f, n, _ in again.rejected] == [
        ("android_v4.vcf", 19),
        ("google_contacts.csv", 4),
    ]


def test_an_import_does_not_undo_a_hand_correction(ledger: Ledger) -> None:
    import_contacts([DATA / "google_contacts.csv"], ledger, TODAY)
    edit_contact(ledger, "p-2175550101", {"last_name": "Allbright", "line1": "14 Elm St"}, TODAY)
    report = import_contacts([DATA / "google_contacts.csv"], ledger, TODAY)
    assert report.unchanged == 2
    entry = ledger.contact("P-2175550101")
    assert entry is not None
    assert (entry.last_name, entry.address.line1) == ("Allbright", "14 Elm St")


def test_an_edit_rewrites_the_unsent_card_of_that_person_only(ledger: Ledger) -> None:
    long_name = call_record("C001", first="Maximiliana", last="Bartholomew-Fitzgerald Worthington")
    other = call_record("C002", first="Zoë", last="Quiñones", address=MAPLE)
    ledger.record_plan(plan_of(mail_step(long_name), mail_step(other)))
    ledger.save_contacts([replace(MARY, first_name="Maximiliana")])
    result = edit_contact(ledger, "C001", {"first_name": "Max", "last_name": "Albright"}, TODAY)
    assert result.steps_changed == 1
    steps = {s.contact_id: s for s in ledger.steps(Action.MAIL)}
    assert steps["C001"].record.name == "Max Albright"
    assert steps["C001"].record.mail_lines[0] == "12 ELM ST APT 4"
    assert steps["C002"].record.name == "Zoë Quiñones"


# -- suppression by name and address -----------------------------------------------------


def test_an_opt_out_holds_for_the_same_name_and_address_under_another_id(ledger: Ledger) -> None:
    gone = call_record("C004", Outcome.OPT_OUT, address=ELM_STREET)
    ledger.record_plan(plan_of(opt_out_step(gone)))
    back = call_record(
        "n-mary-albright-62704",
        phone="",
        email="",
        first="MARY",
        last="ALBRIGHT",
        address=Address("12 Elm Street", "Apt. 4", "Springfield", "IL", "62704"),
    )
    ids = {back.contact_id: suppression_ids(back)}
    history = ledger.history([back.contact_id], (), TODAY, ids)
    assert history[back.contact_id].suppressed
    elsewhere = replace(back, address=MAPLE)
    other = ledger.history(
        [back.contact_id], (), TODAY, {back.contact_id: suppression_ids(elsewhere)}
    )
    assert not other[back.contact_id].suppressed
    assert name_address_key("Mary", "Albright", ELM_STREET) in suppression_ids(back)


# -- the schema ---------------------------------------------------------------------------


def test_a_version_1_ledger_gains_the_contact_book_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    # What a version 1 mailer recorded for an opt-out: the call, its step, the suppression.
    gone = call_record("C004", Outcome.OPT_OUT, datetime(2026, 10, 2, 10, 0), address=MAPLE)
    db.execute(
        "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?)",
        (gone.call_key, "C004", "calls.csv", 2, "opt_out", "2026-10-02T10:00:00", "2026-10-02"),
    )
    db.execute(
        "INSERT INTO steps (step_key, call_key, contact_id, name, action, reason, record_json,"
        " planned_on) VALUES (?, ?, ?, ?, 'suppress', 'asked', ?, '2026-10-02')",
        (f"{gone.call_key}|suppress|", gone.call_key, "C004", gone.name, record_to_json(gone)),
    )
    db.execute(
        "INSERT INTO suppressions (contact_id, since, call_key, reason) VALUES (?, ?, ?, ?)",
        ("C004", "2026-10-02", gone.call_key, "asked to be removed"),
    )
    db.execute("PRAGMA user_version = 1")
    db.execute("PRAGMA application_id = 1296843847")
    db.commit()
    db.close()
    with open_ledger(path) as ledger:
        assert ledger.is_suppressed("C004")
        # The old opt-out now also holds under the person's name and address.
        assert ledger.is_suppressed(name_address_key("Mary", "Albright", MAPLE))
        assert [c for c, _, _ in ledger.suppressed()] == ["C004"]
        assert ledger.contacts() == []
        report = import_contacts([DATA / "outlook_contacts.csv"], ledger, TODAY)
        assert report.added == 3
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
    check.close()


def test_an_xlsx_with_outlook_headers_reads_like_the_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "First Name",
            "Last Name",
            "Mobile Phone",
            "Home Street",
            "Home City",
            "Home State",
            "Home Postal Code",
            "Birthday",
        ]
    )
    sheet.append(
        [
            "Dana",
            "Kowalczyk",
            "(217) 555-0108",
            "88 Willow Way",
            "Champaign",
            "IL",
            61820,
            datetime(1979, 6, 21),
        ]
    )
    book.save(tmp_path / "book.xlsx")
    read = read_contact_file(tmp_path / "book.xlsx", TODAY)
    (dana,) = read.entries
    assert (dana.contact_id, dana.address.postal_code) == ("p-2175550108", "61820")
    assert dana.birthday == date(1979, 6, 21)


def test_an_edit_sends_a_drawn_card_back_to_be_drawn(ledger: Ledger) -> None:
    step = mail_step(call_record("C001"))
    ledger.record_plan(plan_of(step))
    piece = ledger.ensure_piece(step, "self", "4x6")
    ledger.record_render(piece.id, "/tmp/C001-offer.pdf", "abc")
    ledger.save_contacts([MARY])
    result = edit_contact(ledger, "C001", {"line1": "14 Elm St"}, TODAY)
    assert result.steps_changed == 1
    drawn = ledger.piece(piece.id)
    assert (drawn.file, drawn.sha256) == (None, None)
    assert ledger.steps(Action.MAIL)[0].record.address.line1 == "14 Elm St"


def test_no_stage_draws_a_card_for_an_opted_out_name_and_address(ledger: Ledger) -> None:
    from mailer.ledger import PieceStatus

    back = call_record("n-mary-albright-62704", phone="", email="", address=ELM_STREET)
    elsewhere = call_record("C005", address=MAPLE)
    ledger.record_plan(
        plan_of(
            mail_step(back),
            mail_step(
                elsewhere,
            ),
        )
    )
    assert not ledger.suppresses_by_address()
    gone = call_record("C004", Outcome.OPT_OUT, datetime(2026, 11, 22, 9, 0), address=ELM_STREET)
    ledger.record_plan(plan_of(opt_out_step(gone)))
    assert ledger.suppresses_by_address()
    due = [d.step.contact_id for d in ledger.due_cards({None, PieceStatus.PLANNED})]
    assert due == ["C005"]
