"""The values of a call log (`mailer.reading.fields`): which header names which column, which
spelling means which outcome, and the normalizers for ZIP codes, countries, names and phones."""

from __future__ import annotations

import pytest

from mailer.domain.identity import normalize_phone
from mailer.domain.models import Outcome
from mailer.reading.fields import (
    COLUMN_ALIASES,
    OUTCOME_ALIASES,
    column_for,
    normalize_country,
    pad_zip,
    parse_outcome,
    split_name,
)

# --- column_for -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("contact_id", "contact_id"),
        ("Customer ID", "contact_id"),
        ("Contact-ID", "contact_id"),
        ("id", "contact_id"),
        ("Full Name", "name"),
        ("cell phone", "phone"),
        ("E-mail", "email"),
        ("address1", "address_line1"),
        ("Street Address", "address_line1"),
        ("Apt/Suite", "address_line2"),
        ("Town", "city"),
        ("ST", "state"),
        ("State/Province", "state"),
        ("Zip/Postal Code", "postal_code"),
        ("ZIPCODE", "postal_code"),
        ("DOB", "birthday"),
        ("Call-Result", "outcome"),
        ("call_result", "outcome"),
        ("  CALL RESULT  ", "outcome"),
        ("status", "outcome"),
        ("Date/Time", "called_at"),
        ("Comments", "notes"),
        ("Call Back Date", "callback_on"),
    ],
)
def test_column_for_reads_header_spellings(header: str, column: str) -> None:
    assert column_for(header) == column


@pytest.mark.parametrize("header", ["Favorite Scent", "", "   ", "outcomes", "phone 2", "zip+4"])
def test_column_for_unknown_headers_is_none(header: str) -> None:
    assert column_for(header) is None


def test_every_column_alias_is_read_in_any_case_and_separator() -> None:
    for column, aliases in COLUMN_ALIASES.items():
        for alias in (column, *aliases):
            assert column_for(alias) == column, alias
            assert column_for(alias.upper().replace(" ", "_")) == column, alias
            assert column_for(f" {alias.title().replace(' ', '-')} ") == column, alias


# --- parse_outcome --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Left VM", Outcome.VOICEMAIL),
        ("left-vm", Outcome.VOICEMAIL),
        ("L.M.", Outcome.VOICEMAIL),
        ("NO_ANSWER", Outcome.NO_ANSWER),
        ("Didn’t answer", Outcome.NO_ANSWER),
        ("Wrong #", Outcome.WRONG_NUMBER),
        ("DNC", Outcome.OPT_OUT),
        ("Do Not Call", Outcome.OPT_OUT),
        ("callback", Outcome.CALLBACK),
        ("  Spoke  ", Outcome.CONNECTED),
        ("left a smoke signal", None),
        ("", None),
    ],
)
def test_parse_outcome(text: str, outcome: Outcome | None) -> None:
    assert parse_outcome(text) is outcome


def test_every_outcome_alias_parses() -> None:
    for alias, outcome in OUTCOME_ALIASES.items():
        assert parse_outcome(alias.upper()) is outcome


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Left Voice Mail", Outcome.VOICEMAIL),
        ("answering machine", Outcome.VOICEMAIL),
        ("vm.", Outcome.VOICEMAIL),
        ("didnt answer", Outcome.NO_ANSWER),
        ("rang out", Outcome.NO_ANSWER),
        ("Line Busy", Outcome.BUSY),
        ("talked!", Outcome.CONNECTED),
        ("Call Me Back", Outcome.CALLBACK),
        ("not in service", Outcome.WRONG_NUMBER),
        ("Opt-Out", Outcome.OPT_OUT),
        ("do-not-contact", Outcome.OPT_OUT),
        ("ＤＮＣ", Outcome.OPT_OUT),  # full-width letters from a phone keyboard
        ("maybe", None),
        ("voicemail later", None),
    ],
)
def test_parse_outcome_ignores_case_punctuation_and_width(
    text: str, outcome: Outcome | None
) -> None:
    assert parse_outcome(text) is outcome


def test_every_outcome_has_its_own_name_as_an_alias() -> None:
    for outcome in Outcome:
        assert OUTCOME_ALIASES[outcome.value] is outcome
        assert parse_outcome(outcome.value.replace("_", " ").title()) is outcome


# --- normalizers ----------------------------------------------------------------------------


def test_normalize_phone() -> None:
    assert normalize_phone("+1 (217) 555-0142") == "2175550142"
    assert normalize_phone("217.555.0142 x12") == "2175550142"
    assert normalize_phone("+44 20 7946 0958") == "442079460958"


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        ("4101", "ME", "04101"),
        ("21341234", "MA", "02134-1234"),
        ("5011234", "NY", "00501-1234"),
        ("627", "IL", "627"),  # not "00627", a Puerto Rico ZIP
        ("4101", "", "4101"),
        ("62704.0", "IL", "62704"),
        ("K1A 0B1", "MA", None),
        ("2134-5678", "MA", "02134-5678"),
        ("02134 5678", "MA", "02134-5678"),
        ("627041234", "IL", "62704-1234"),
        (" 4101 ", "ME", "04101"),
        ("501", "NY", "00501"),
        ("12", "NY", None),
        ("62704-12", "IL", None),
        ("6270412345", "IL", None),
        ("4101.5", "ME", None),
        ("", "IL", None),
    ],
)
def test_pad_zip(text: str, state: str, expected: str | None) -> None:
    assert pad_zip(text, state) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("U.S.A.", "US"),
        ("can", "CA"),
        ("", "US"),
        ("de", "DE"),
        ("United States of America", "US"),
        ("  america ", "US"),
        ("England", "GB"),
        ("mexico", "MX"),
        ("Germany", "DE"),  # any ISO 3166 name now, through pycountry
        ("Narnia", "Narnia"),  # no country we know: kept as written
    ],
)
def test_normalize_country(text: str, code: str) -> None:
    assert normalize_country(text) == code


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Mary Anne van der Berg", ("Mary", "Anne van der Berg")),
        ("Albright,  Mary", ("Mary", "Albright")),
        ("Cher", ("Cher", "")),
        ("  Mary   Anne   Albright ", ("Mary", "Anne Albright")),
        ("van der Berg, Mary Anne", ("Mary Anne", "van der Berg")),
        ("Albright,", ("", "Albright")),
        ("", ("", "")),
        ("   ", ("", "")),
    ],
)
def test_split_name(full: str, parts: tuple[str, str]) -> None:
    assert split_name(full) == parts
