"""Addresses as they go on a card: USPS Publication 28 style, guarded, original never lost."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain.addresses import (
    delivery_lines,
    mailability_problem,
    normalize,
    restore_zip_zeros,
)
from mailer.domain.models import Address

CASES = [
    pytest.param(
        Address("1418 oak ridge dr", "", "springfield", "il", "62704"),
        ("1418 OAK RIDGE DR", "SPRINGFIELD IL 62704"),
        "",
        id="lower case",
    ),
    pytest.param(
        Address("77 Maple Ave #3B", "", "Boston", "MA", "02134"),
        ("77 MAPLE AVE UNIT 3B", "BOSTON MA 02134"),
        "",
        id="bare # becomes UNIT",
    ),
    pytest.param(
        Address("77 Maple Ave", "Apt 3B", "Boston", "MA", "02134"),
        ("77 MAPLE AVE APT 3B", "BOSTON MA 02134"),
        "",
        id="apartment in line 2 joins the delivery line",
    ),
    pytest.param(
        Address("77 Maple Ave", "Apt # 2", "Boston", "Massachusetts", "02134"),
        ("77 MAPLE AVE APT 2", "BOSTON MA 02134"),
        "",
        id="APT # 2 and a state name",
    ),
    pytest.param(
        Address("77 Maple Ave", "Suite #12", "Boston", "MA", "02134"),
        ("77 MAPLE AVE STE 12", "BOSTON MA 02134"),
        "",
        id="suite",
    ),
    pytest.param(
        Address("77 Maple Ave", "", "Boston", "MA", "2134"),
        ("77 MAPLE AVE", "BOSTON MA 02134"),
        "",
        id="zip that lost its zero",
    ),
    pytest.param(
        Address("77 Maple Ave", "", "Boston", "MA", "2134-0001"),
        ("77 MAPLE AVE", "BOSTON MA 02134-0001"),
        "",
        id="zip+4 that lost its zero",
    ),
    pytest.param(
        Address("1418 Oak Ridge Dr", "", "Springfield", "IL", "627041234"),
        ("1418 OAK RIDGE DR", "SPRINGFIELD IL 62704-1234"),
        "",
        id="zip+4 without hyphen",
    ),
    pytest.param(
        Address("1418 Oak Ridge Dr", "", "Springfield", "IL", "62704-1234"),
        ("1418 OAK RIDGE DR", "SPRINGFIELD IL 62704-1234"),
        "",
        id="zip+4",
    ),
    pytest.param(
        Address("12 N. Main St.", "", "St. Louis", "MO", "63101"),
        ("12 N MAIN ST", "ST LOUIS MO 63101"),
        "",
        id="punctuation",
    ),
    pytest.param(
        Address("500 West 3rd Street, Suite 200", "", "Austin", "Texas", "78701"),
        ("500 W 3RD ST STE 200", "AUSTIN TX 78701"),
        "",
        id="suite on line 1 with a comma",
    ),
    pytest.param(
        Address("PO Box 1207", "", "Springfield", "IL", "62705"),
        ("PO BOX 1207", "SPRINGFIELD IL 62705"),
        "kept as written: PO box",
        id="po box kept",
    ),
    pytest.param(
        Address("P.O. Box 1207", "", "springfield", "il", "62705"),
        ("PO BOX 1207", "SPRINGFIELD IL 62705"),
        "kept as written: PO box",
        id="p.o. box",
    ),
    pytest.param(
        Address("c/o Jane Doe, 123 Main St", "", "Springfield", "IL", "62704"),
        ("C/O JANE DOE 123 MAIN ST", "SPRINGFIELD IL 62704"),
        "kept as written: the parser could not read it",
        id="unparseable text kept",
    ),
    pytest.param(
        Address("1418 Oak Ridge Dr", "", "Springfield", "", "62704"),
        ("1418 OAK RIDGE DR", "SPRINGFIELD 62704"),
        "kept as written: no state",
        id="missing state kept",
    ),
    pytest.param(
        Address(
            "12345 Northwest Extraordinarily Long Boulevard Name",
            "Suite 12000",
            "Springfield",
            "IL",
            "62704",
        ),
        (
            "12345 NORTHWEST EXTRAORDINARILY LONG BOULEVARD NAME",
            "SUITE 12000",
            "SPRINGFIELD IL 62704",
        ),
        "kept as written: the parser would have dropped words",
        id="parser dropping a word is refused",
    ),
    pytest.param(
        Address("120 King St W", "Suite 500", "Toronto", "ON", "M5H1J9"),
        ("SUITE 500", "120 KING ST W", "TORONTO ON  M5H 1J9", "CANADA"),
        "",
        id="canada without a country column",
    ),
    pytest.param(
        Address("120 King St. W.", "", "Toronto", "Ontario", "m5h 1j9", "Canada"),
        ("120 KING ST W", "TORONTO ON  M5H 1J9", "CANADA"),
        "",
        id="canada spelled out",
    ),
    pytest.param(
        Address("10 Downing St", "", "London", "", "SW1A 2AA", "GB"),
        ("10 DOWNING ST", "LONDON SW1A 2AA", "UNITED KINGDOM"),
        "",
        id="other country by code",
    ),
    pytest.param(
        Address("Hauptstr. 5", "", "Berlin", "", "10115", "Germany"),
        ("HAUPTSTR 5", "BERLIN 10115", "GERMANY"),
        "",
        id="other country by name",
    ),
]


@pytest.mark.parametrize(("address", "lines", "note"), CASES)
def test_normalized_lines(address: Address, lines: tuple[str, ...], note: str) -> None:
    result = normalize(address)
    assert result.lines == lines
    assert result.note == note


def test_normalized_fields_for_providers() -> None:
    result = normalize(Address("77 Maple Ave", "Apt # 2", "Boston", "Massachusetts", "2134"))
    assert result.address == Address("77 MAPLE AVE", "APT 2", "BOSTON", "MA", "02134", "US")
    assert result.changed
    canada = normalize(Address("120 King St W", "Suite 500", "Toronto", "ON", "M5H1J9"))
    assert canada.address.country == "CA"
    assert canada.address.postal_code == "M5H 1J9"
    assert normalize(Address("1 Rue X", "", "Paris", "", "75001", "fr")).address.country == "FR"


def test_already_normalized_is_unchanged() -> None:
    address = Address("1418 OAK RIDGE DR", "", "SPRINGFIELD", "IL", "62704", "US")
    assert not normalize(address).changed


def test_original_is_kept() -> None:
    address = Address("77 maple ave #3b", "", "boston", "ma", "2134")
    before = dataclasses.astuple(address)
    normalize(address)
    delivery_lines("Mary Albright", address)
    assert dataclasses.astuple(address) == before


def test_a_long_delivery_line_puts_the_unit_above() -> None:
    address = Address(
        "12345 Old Settlers Memorial Highway Northwest", "Suite 1200", "Round Rock", "TX", "78664"
    )
    assert normalize(address).lines == (
        "STE 1200",
        "12345 OLD SETTLERS MEMORIAL HWY NW",
        "ROUND ROCK TX 78664",
    )


def test_delivery_lines_have_the_name_first_and_no_blanks() -> None:
    lines = delivery_lines(
        "  Mary  Albright Jr. ", Address("1418 oak ridge dr", "  ", "springfield", "il", "62704")
    )
    assert lines == ["MARY ALBRIGHT JR", "1418 OAK RIDGE DR", "SPRINGFIELD IL 62704"]
    assert all(line.strip() == line and line for line in lines)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (Address(), "no mailing address"),
        (Address("", "", "Springfield", "IL", "62704"), "no street address"),
        (Address("1 Main St", "", "", "IL", "62704"), "no city"),
        (Address("1 Main St", "", "Springfield", "IL", ""), "no postal code"),
        (Address("1 Main St", "", "Springfield", "", "62704"), "no state"),
        (
            Address("1 Main St", "", "Springfield", "ZZ", "62704"),
            "state 'ZZ' is not a US state or territory",
        ),
        (
            Address("1 Main St", "", "Springfield", "IL", "6270412"),
            "ZIP code '6270412' is not 5 or 9 digits",
        ),
        (
            Address("1 Main St", "", "Springfield", "IL", "627"),
            "ZIP code '627' is not 5 or 9 digits",
        ),
        (Address("1 Main St", "", "Boston", "MA", "2134"), None),
        (Address("1 Main St", "", "Holtsville", "NY", "501"), None),
        (
            Address("1 Main St", "", "Springfield", "IL", "ABCDE"),
            "ZIP code 'ABCDE' is not 5 or 9 digits",
        ),
        (Address("1 Main St", "", "Springfield", "Illinois", "62704"), None),
        (Address("120 King St W", "", "Toronto", "ON", "M5H 1J9", "Canada"), None),
        (Address("120 King St W", "", "Toronto", "", "", "Canada"), "no postal code"),
        (Address("Hauptstr 5", "", "Berlin", "", "10115", "DE"), None),
        (Address("", "1 Main St", "Springfield", "IL", "62704"), None),
    ],
)
def test_mailability(address: Address, problem: str | None) -> None:
    assert mailability_problem(address) == problem


@pytest.mark.parametrize(
    ("digits", "state", "expected"),
    [
        ("2134", "MA", "02134"),
        ("2134", "Massachusetts", "02134"),
        ("7102", "nj", "07102"),
        ("6103", "CT", "06103"),
        ("921", "PR", "00921"),
        ("802", "VI", "00802"),
        ("501", "NY", "00501"),
        ("6390", "NY", "06390"),  # Fishers Island
        ("9012", "AE", "09012"),
        ("21341234", "MA", "021341234"),
        ("5011234", "NY", "005011234"),
        ("627", "IL", "627"),  # 00627 is in Puerto Rico
        ("2134", "IL", "2134"),
        ("1234", "NY", "1234"),  # 01234 is in Massachusetts, not New York
        ("627", "MA", "627"),
        ("2134", "", "2134"),  # no state: no telling
        ("62704", "IL", "62704"),
        ("62704", "MA", "62704"),
    ],
)
def test_zip_zeros_are_restored_only_where_the_state_has_them(
    digits: str, state: str, expected: str
) -> None:
    assert restore_zip_zeros(digits, state) == expected


def test_a_short_zip_outside_the_zero_states_is_not_sent_elsewhere() -> None:
    illinois = normalize(Address("1418 Oak Ridge Dr", "", "Springfield", "IL", "627"))
    assert illinois.address.postal_code == "627"
    assert "00627" not in " ".join(illinois.lines)
    assert illinois.note == "kept as written: ZIP code '627' is not 5 or 9 digits"
    stateless = normalize(Address("1418 Oak Ridge Dr", "", "Springfield", "", "2134"))
    assert stateless.address.postal_code == "2134"
    assert mailability_problem(Address("77 Maple Ave", "", "Boston", "", "2134")) == "no state"


def test_unmailable_address_still_normalizes_without_losing_text() -> None:
    result = normalize(Address("1 Main St", "", "Springfield", "IL", ""))
    assert result.lines == ("1 MAIN ST", "SPRINGFIELD IL")
    assert result.note == "kept as written: no postal code"


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=60, deadline=None)
@given(_text, _text, _text, _text, _text, st.sampled_from(["US", "", "CA", "Canada", "DE"]))
def test_never_raises_and_never_prints_blank_lines(
    line1: str, line2: str, city: str, state: str, postal: str, country: str
) -> None:
    address = Address(line1, line2, city, state, postal, country)
    result = normalize(address)
    assert all(line and line == line.strip() for line in result.lines)
    assert all(line == line.upper() for line in result.lines)
    assert mailability_problem(address) is None or result.note.startswith("kept as written")
