"""People's names (`mailer.domain.names`): a full-name column split into the first name a card
greets and the rest (honorifics, suffixes, "Last, First"), and all-caps or all-lower-case
exports put back in a name's own case."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mailer.domain.names import capitalized, split_full_name, tidy_names
from mailer.reading.records import read_call_logs
from tests.builders import invoke, write_file


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Mary Albright", ("Mary", "Albright")),
        ("MARY ALBRIGHT", ("Mary", "Albright")),
        ("mary albright", ("Mary", "Albright")),
        ("Albright, Mary", ("Mary", "Albright")),
        ("ALBRIGHT, MARY", ("Mary", "Albright")),
        ("Dr. Mary Albright Jr.", ("Mary", "Albright Jr.")),
        ("Mrs. Mary Albright", ("Mary", "Albright")),
        ("Mary Albright III", ("Mary", "Albright III")),
        ("Mary Albright, Jr.", ("Mary", "Albright Jr.")),  # a suffix after a comma
        ("Albright Jr., Mary", ("Mary", "Albright Jr.")),
        ("Mrs. Albright", ("", "Albright")),
        ("Mary Anne van der Berg", ("Mary", "Anne van der Berg")),
        ("van der Berg, Mary Anne", ("Mary Anne", "van der Berg")),
        ("MARY ANNE VAN DER BERG", ("Mary", "Anne van der Berg")),
        ("DE LA CRUZ, MARIA", ("Maria", "de la Cruz")),
        ("SEAN MCDONALD", ("Sean", "McDonald")),
        ("ZOË O'BRIEN-MACDONALD", ("Zoë", "O'Brien-MacDonald")),
        ("JOSÉ NÚÑEZ", ("José", "Núñez")),
        ("Mary McDONALD", ("Mary", "McDONALD")),  # mixed case: kept as written
        ("Cher", ("Cher", "")),
        ("Albright,", ("", "Albright")),
        ("  Mary   Anne   Albright ", ("Mary", "Anne Albright")),
        ("", ("", "")),
    ],
)
def test_split_full_name(full: str, parts: tuple[str, str]) -> None:
    assert split_full_name(full) == parts


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("MARY", "ALBRIGHT", ("Mary", "Albright")),
        ("mary", "o'brien", ("Mary", "O'Brien")),
        ("MARY-KATE", "MCDONALD", ("Mary-Kate", "McDonald")),
        ("Mary", "MCDONALD", ("Mary", "MCDONALD")),  # mixed: the writer chose it
        ("DeShawn", "McKay", ("DeShawn", "McKay")),
        ("", "", ("", "")),
        ("J", "", ("J", "")),
    ],
)
def test_tidy_names(first: str, last: str, expected: tuple[str, str]) -> None:
    assert tidy_names(first, last) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("MACDONALD", "MacDonald"), ("st. john", "St. John"), ("ALBRIGHT III", "Albright III")],
)
def test_capitalized(name: str, expected: str) -> None:
    assert capitalized(name) == expected


def test_the_reader_greets_a_shouting_export_by_name(tmp_path: Path) -> None:
    path = write_file(
        tmp_path,
        "crm.csv",
        "id,Full Name,First Name,Last Name,outcome\n"
        "C001,MARY ALBRIGHT,,,vm\n"
        'C002,"Albright, Ben",,,vm\n'
        "C003,Dr. Ruth Okafor Jr.,,,vm\n"
        "C004,,DENISE,O'NEIL,vm\n"
        "C005,,Zoë,de Vries,vm\n",
    )
    log = read_call_logs([path], date(2026, 11, 22))
    assert [(r.first_name, r.last_name) for r in log.records] == [
        ("Mary", "Albright"),
        ("Ben", "Albright"),
        ("Ruth", "Okafor Jr."),
        ("Denise", "O'Neil"),
        ("Zoë", "de Vries"),
    ]


def test_mailer_plan_names_mary_not_shouting(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,name,outcome,called_at\n"
        "C001,MARY ALBRIGHT,vm,2026-11-21\n"
        'C002,"Albright, Ben",vm,2026-11-21\n'
        "C003,Dr. Mary Okafor Jr.,vm,2026-11-21\n",
    )
    result = invoke(
        "plan", calls, "--format", "json", "--today", "2026-11-22", "--db", tmp_path / "m.db"
    )
    steps = json.loads(result.stdout)["steps"]
    assert [s["name"] for s in steps] == ["Mary Albright", "Ben Albright", "Mary Okafor Jr."]
