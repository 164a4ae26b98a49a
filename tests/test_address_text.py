"""Addresses in one cell (`mailer.domain.address_text`) split into their parts, and countries
as people write them (`mailer.domain.countries`) read as ISO-2 codes; what can't be read is
kept as written, with a notice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mailer.domain.address_text import AddressParts, address_from_cell, split_address
from mailer.domain.countries import country_code, read_country
from mailer.reading.records import read_call_logs
from tests.builders import invoke, write_file


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "1418 Oak Ridge Dr, Springfield, IL 62704",
            AddressParts("1418 Oak Ridge Dr", "", "Springfield", "IL", "62704", ""),
        ),
        (
            "1418 Oak Ridge Dr Apt 4B, Springfield, IL 62704-1234",
            AddressParts("1418 Oak Ridge Dr", "Apt 4B", "Springfield", "IL", "62704-1234", ""),
        ),
        (
            "1418 N. Oak Ridge Dr., Suite 200, Springfield, IL 62704",
            AddressParts("1418 N. Oak Ridge Dr.", "Suite 200", "Springfield", "IL", "62704", ""),
        ),
        (
            "1418 Oak Ridge Dr #4, Springfield IL 62704",
            AddressParts("1418 Oak Ridge Dr", "#4", "Springfield", "IL", "62704", ""),
        ),
        (
            "PO Box 12, Salem, OR 97301",
            AddressParts("PO Box 12", "", "Salem", "OR", "97301", ""),
        ),
        (
            "1418 Oak Ridge Dr, Springfield, Illinois 62704, USA",
            AddressParts("1418 Oak Ridge Dr", "", "Springfield", "Illinois", "62704", "USA"),
        ),
        (
            "1418 Oak Ridge Dr\nSpringfield, IL 62704",  # a multi-line cell
            AddressParts("1418 Oak Ridge Dr", "", "Springfield", "IL", "62704", ""),
        ),
        ("10 Downing St, London SW1A 2AA, UK", None),  # not a US address: never guessed
        ("1418 Oak Ridge Dr, Springfield", None),  # no state
        ("behind the old mill, Springfield", None),
        ("", None),
    ],
)
def test_split_address(text: str, parts: AddressParts | None) -> None:
    assert split_address(text) == parts


def test_a_cell_that_names_its_country_gives_its_code() -> None:
    parts, notice = address_from_cell("12 Elm St, Springfield, IL 62704, U.S.A.", "", "US")
    assert (parts.country, notice) == ("US", None)
    kept, why = address_from_cell("10 Downing St, London SW1A 2AA", "", "GB")
    assert kept == AddressParts("10 Downing St, London SW1A 2AA", "", "", "", "", "GB")
    assert why is not None
    assert "kept whole as the street line" in why


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("United States", "US"),
        ("U.S.A.", "US"),
        ("usa", "US"),
        ("", "US"),
        ("Canada", "CA"),
        ("CAN", "CA"),
        ("GB", "GB"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("France", "FR"),
        ("Mexico", "MX"),
        ("México", "MX"),
        ("Korea, Republic of", "KR"),
        ("Narnia", None),
        ("XX", None),
    ],
)
def test_country_code(text: str, code: str | None) -> None:
    assert country_code(text) == code


def test_an_unknown_country_is_kept_with_a_notice() -> None:
    assert read_country("Canada") == ("CA", None)
    kept, notice = read_country(" Narnia ")
    assert kept == "Narnia"
    assert notice is not None
    assert "'Narnia' is not a country we know" in notice


def test_the_reader_splits_one_cell_addresses(tmp_path: Path) -> None:
    path = write_file(
        tmp_path,
        "book.csv",
        "id,name,address,city,country,outcome\n"
        'C001,Mary Albright,"1418 Oak Ridge Dr, Springfield, IL 62704",,,vm\n'
        'C002,Ben Ng,"behind the old mill, Springfield",,,vm\n'
        'C003,Ann Roy,"12 Elm St, Apt 4",Springfield,,vm\n'  # a city column: not one cell
        'C004,Lena Vogel,"Hauptstr. 5, 10115 Berlin",,Deutschland,vm\n'
        "C005,Ola Nordmann,Storgata 1,Oslo,Narnia,vm\n",
    )
    log = read_call_logs([path], date(2026, 11, 22))
    mary, ben, ann, lena, ola = (r.address for r in log.records)
    assert (mary.line1, mary.city, mary.state, mary.postal_code, mary.country) == (
        "1418 Oak Ridge Dr",
        "Springfield",
        "IL",
        "62704",
        "US",
    )
    assert (ben.line1, ben.city) == ("behind the old mill, Springfield", "")
    assert (ann.line1, ann.city) == ("12 Elm St, Apt 4", "Springfield")
    assert (lena.line1, lena.country) == ("Hauptstr. 5, 10115 Berlin", "DE")
    assert ola.country == "Narnia"
    notes = {(n.row, n.message.split(" could not")[0].split(" is not")[0]) for n in log.notices}
    assert (3, "address 'behind the old mill, Springfield'") in notes
    assert (5, "address 'Hauptstr. 5, 10115 Berlin'") in notes
    assert (6, "country 'Narnia'") in notes


def test_a_one_cell_address_is_mailed_through_mailer_plan(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,name,address,outcome,called_at\n"
        'C001,Mary Albright,"1418 Oak Ridge Dr, Springfield, IL 62704",vm,2026-11-21\n'
        'C002,Ben Ng,"1418 Oak Ridge Dr, Springfield, IL 62704, United States",vm,2026-11-21\n',
    )
    result = invoke(
        "plan", calls, "--format", "json", "--today", "2026-11-22", "--db", tmp_path / "m.db"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["action"] for s in doc["steps"]] == ["mail", "mail"]


def test_a_canadian_row_without_a_country_column_travels_as_far_as_one_with_it(
    tmp_path: Path,
) -> None:
    """Without a country column a Canadian row reads as Canada's (its province and postal
    code say so): the card is five days in the post, as with `CA` written, not three, and
    the call about it waits for it; no notice asks for a country column."""
    row = "Mathieu Roy,514-555-0134,12 Rue Saint-Paul,Montreal,QC,H2X 1Y4,vm,2026-11-24\n"
    plans, warnings = {}, {}
    for country in ("", "CA"):
        header = "name,phone,address,city,state,postal_code,outcome,called_at"
        text = f"{header},country\n{row.strip()},{country}\n" if country else header + "\n" + row
        calls = write_file(tmp_path, f"calls-{country or 'none'}.csv", text)
        result = invoke(
            "plan", calls, "--format", "json", "--today", "2026-11-25",
            "--db", tmp_path / f"{country or 'none'}.db",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        plans[country] = json.loads(result.stdout)
        warnings[country] = result.stderr
    (without,), (written,) = plans[""]["steps"], plans["CA"]["steps"]
    for key in ("action", "send_date", "expected_delivery", "follow_up_call", "reason"):
        assert without[key] == written[key], key
    assert date.fromisoformat(without["follow_up_call"]) > date.fromisoformat(
        without["expected_delivery"]
    )
    assert "not a US ZIP code" not in warnings[""]
