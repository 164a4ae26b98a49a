"""Who a row is: the contact id rules, phone numbers, and the aliases an opt-out holds under.
The rules live in `mailer.domain.identity`; the reader, the planner and the ledger ask it."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain.identity import contact_identity, identity_aliases, normalize_phone
from mailer.reading.records import read_call_logs

PACKAGE = Path(__file__).resolve().parents[1] / "mailer"


@pytest.mark.parametrize(
    "phone",
    [
        "2175550142",
        "(217) 555-0142",
        "217.555.0142",
        "217 555 0142",
        "+1 217-555-0142",
        "1-217-555-0142",
        "217-555-0142 x12",
        "217-555-0142 ext. 12",
        "(217) 555-0142 Extension 3",
        " 217-555-0142 ",
    ],
)
def test_one_phone_number_however_it_is_written(phone: str) -> None:
    assert normalize_phone(phone) == "2175550142"
    assert contact_identity(phone=phone) == "p-2175550142"


def test_phone_numbers_that_are_not_us_ten_digit_ones() -> None:
    assert normalize_phone("+44 20 7946 0958") == "442079460958"
    assert normalize_phone("555-0142") == "5550142"  # a local number is still a number
    assert normalize_phone("12175550142") == "2175550142"  # the US 1 of 11 digits
    assert normalize_phone("22175550142") == "22175550142"  # 11 digits, not a US 1
    assert normalize_phone("n/a") == ""


def test_the_contact_id_column_wins_as_written() -> None:
    assert contact_identity(contact_id="C001", phone="217-555-0142", email="m@x.com") == "C001"
    assert contact_identity(contact_id="  c001 ") == "c001"  # case kept: it is the log's id


def test_phone_then_email_then_name_and_postal_code() -> None:
    everything = {"email": "Mary@Example.com", "first_name": "Mary", "postal_code": "62704"}
    assert contact_identity(phone="217-555-0142", **everything) == "p-2175550142"
    # Fewer than seven digits is no phone number: the email decides.
    assert contact_identity(phone="555-01", **everything) == "e-mary@example.com"
    # No '@' is no email: the name and postal code decide.
    no_email = {"email": "n/a", "first_name": "Mary", "postal_code": "62704"}
    assert contact_identity(**no_email) == "n-mary-62704"
    assert contact_identity(first_name="Mary") == ""  # a name alone is not enough
    assert contact_identity(postal_code="62704") == ""
    assert contact_identity() == ""


@pytest.mark.parametrize(
    "email",
    ["mary.albright@example.com", "Mary.Albright@Example.COM", "  MARY.ALBRIGHT@EXAMPLE.COM  "],
)
def test_an_email_is_one_id_whatever_its_case(email: str) -> None:
    assert contact_identity(email=email) == "e-mary.albright@example.com"


@pytest.mark.parametrize(
    ("first", "last", "postal", "expected"),
    [
        ("Mary", "Albright", "62704", "n-mary-albright-62704"),
        ("MARY", "ALBRIGHT", "62704", "n-mary-albright-62704"),
        ("Zoë", "O'Brien", "62704", "n-zoe-o-brien-62704"),
        ("José", "Núñez", "K1A 0B1", "n-jose-nunez-k1a0b1"),
        ("Łukasz", "Groß", "10115", "n-lukasz-gross-10115"),
    ],
)
def test_a_name_id_ignores_case_accents_and_punctuation(
    first: str, last: str, postal: str, expected: str
) -> None:
    assert contact_identity(first_name=first, last_name=last, postal_code=postal) == expected


def test_the_reader_gives_one_person_one_id(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "phone,email,first,last,zip,outcome\n"
        "(217) 555-0142,,,,,vm\n"
        "+1 217.555.0142 x9,,,,,busy\n"
        ",Mary@Example.com,,,,vm\n"
        ",mary@example.COM,,,,busy\n"
        ",,Zoë,O'Brien,62704,vm\n"
        ",,ZOE,O BRIEN,62704,busy\n",
        encoding="utf-8",
    )
    log = read_call_logs([path], date(2026, 11, 22))
    assert [r.contact_id for r in log.records] == [
        "p-2175550142",
        "p-2175550142",
        "e-mary@example.com",
        "e-mary@example.com",
        "n-zoe-o-brien-62704",
        "n-zoe-o-brien-62704",
    ]


def test_aliases_are_the_phone_and_email_ids() -> None:
    assert identity_aliases("C001", "(217) 555-0142", "Mary@Example.com") == {
        "p-2175550142",
        "e-mary@example.com",
        "c001",  # the id in any case (`id_key`)
    }
    assert identity_aliases("C001", "", "") == {"c001"}
    assert identity_aliases("c001", "555-01", "no email") == set()


def test_an_id_is_not_its_own_alias() -> None:
    assert identity_aliases("p-2175550142", "217-555-0142", "m@x.com") == {"e-m@x.com"}
    assert identity_aliases("e-m@x.com", "", "M@X.com") == set()


@given(
    phone=st.text(alphabet="0123456789 ()-.+x", max_size=20),
    email=st.sampled_from(["", "n/a", "Mary@Example.com", " joe@x.org "]),
)
def test_aliases_are_the_ids_an_export_without_contact_ids_would_give(
    phone: str, email: str
) -> None:
    """An opt-out recorded under C001 must hold when a later export, with no contact_id
    column, gives the same person the id the identity rule derives from their phone or
    email."""
    aliases = identity_aliases("C001", phone, email)
    derived = contact_identity(phone=phone, email=email)
    assert (derived in aliases) == bool(derived)
    assert contact_identity(email=email) in aliases | {""}


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_ledger_and_the_domain_do_not_ask_the_call_log_reader() -> None:
    """Identity is a domain rule: the ledger (which keeps opt-outs under every alias) and
    the domain itself reach it without importing the reading stage."""
    for folder in ("ledger", "domain"):
        for path in sorted((PACKAGE / folder).glob("*.py")):
            readers = {m for m in _imported_modules(path) if m.startswith("mailer.reading")}
            assert not readers, f"{path.relative_to(PACKAGE)} imports {sorted(readers)}"
