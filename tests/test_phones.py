"""Phone numbers through phonenumbers (`mailer.domain.identity.normalize_phone`): every way a
number is written is one person, read in the row's country, and the ids keep the `p-<digits>`
form existing ledgers hold."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mailer.domain.identity import contact_identity, normalize_phone
from mailer.reading.records import read_call_logs
from tests.builders import invoke, write_file

SPRINGFIELD = [
    "(217) 555-0142",
    "217.555.0142",
    "217-555-0142",
    "2175550142",
    "+1 217 555 0142",
    "+1 (217) 555-0142",
    "+12175550142",
    "1-217-555-0142",
    "1 (217) 555-0142",
    "217-555-0142 x12",
    "217.555.0142 ext. 12",
    "+1-217-555-0142;ext=12",
    "(217) 555-0142 Extension 3",
    "tel:+1-217-555-0142",
    "  217 555 0142  ",
]


@pytest.mark.parametrize("written", SPRINGFIELD)
def test_one_us_number_however_it_is_written(written: str) -> None:
    assert normalize_phone(written) == "2175550142"
    assert contact_identity(phone=written) == "p-2175550142"


@pytest.mark.parametrize(
    ("written", "region", "digits"),
    [
        ("+44 20 7946 0958", "US", "442079460958"),
        ("020 7946 0958", "GB", "442079460958"),  # national form, read in the row's country
        ("+44 (0)20 7946 0958", "US", "442079460958"),
        ("030 1234567", "DE", "49301234567"),
        ("(613) 555-0142", "CA", "6135550142"),  # Canada shares the +1 plan
        ("217-555-0142", "Narnia", "2175550142"),  # no such region: read as US
        ("+1 217 555 0142", "GB", "2175550142"),  # a + number ignores the region
        ("555-0142", "US", "5550142"),  # a local number is still a number
        ("22175550142", "US", "22175550142"),  # not a possible number: its digits
        ("n/a", "US", ""),
        ("", "US", ""),
    ],
)
def test_numbers_abroad_and_odd_ones(written: str, region: str, digits: str) -> None:
    assert normalize_phone(written, region) == digits


def test_the_row_country_decides_how_a_national_number_is_read() -> None:
    uk = contact_identity(phone="020 7946 0958", phone_region="GB")
    assert uk == contact_identity(phone="+44 20 7946 0958") == "p-442079460958"


def test_ids_keep_the_form_existing_ledgers_hold(tmp_path: Path) -> None:
    """A ledger written before phonenumbers holds `p-2175550142`: the same call planned
    again today is the same contact (nothing new recorded), whatever the spelling."""
    first = write_file(tmp_path, "a.csv", "phone,outcome,called_at\n217.555.0142,vm,2026-11-21\n")
    again = write_file(
        tmp_path, "b.csv", "phone,outcome,called_at\n+1 (217) 555-0142,vm,2026-11-21\n"
    )
    (a,) = read_call_logs([first], date(2026, 11, 22)).records
    (b,) = read_call_logs([again], date(2026, 11, 22)).records
    assert a.contact_id == b.contact_id == "p-2175550142"


def test_every_format_is_one_contact_through_mailer_plan(tmp_path: Path) -> None:
    rows = "".join(
        f"{phone},vm,2026-11-21 {10 + n}:00\n"
        for n, phone in enumerate(["(217) 555-0142", "217.555.0142", "+1 217 555 0142"])
    )
    rows += "1-217-555-0142,do not call,2026-11-21 14:00\n"
    calls = write_file(tmp_path, "calls.csv", "Phone,Result,Date\n" + rows)
    result = invoke(
        "plan", calls, "--format", "json", "--today", "2026-11-22", "--db", tmp_path / "m.db"
    )
    doc = json.loads(result.stdout)
    assert [(s["contact_id"], s["action"]) for s in doc["steps"]] == [("p-2175550142", "suppress")]
