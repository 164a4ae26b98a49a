"""A log repeats its contacts' cells and its session's minutes, so the reader reads each
distinct set of person cells, and each distinct call-date cell, once per file and shares the
answer (`reading.people`, the reader's date memory). Every row must still get exactly what it
would get read on its own: its record, its notices with its own row number, its rejection."""

from __future__ import annotations

import csv
import dataclasses
import io
import pickle
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.domain.models import (
    Action,
    Address,
    CallLog,
    CallRecord,
    MailStep,
    Outcome,
    addressed_record,
    planned_step,
    read_call_record,
)
from mailer.domain.normalized import NormalizedAddress, new_address, normalized_address
from mailer.reading.people import People, read_person
from mailer.reading.records import read_call_logs
from tests.builders import write_file

TODAY = date(2026, 11, 22)
HEADER = [
    "contact_id", "first_name", "last_name", "name", "phone", "email", "address_line1",
    "address_line2", "city", "state", "postal_code", "country", "outcome", "called_at",
    "birthday", "notes",
]  # fmt: skip
# Cells with something to say: names to split or capitalise, a country nobody knows, a whole
# address in one cell, ZIP codes a spreadsheet shortened or that are no ZIP, no way to tell
# who it is, dates after today or unreadable, no date at all.
PEOPLE = st.fixed_dictionaries(
    {
        "contact_id": st.sampled_from(["", "C1", "C2", " C3 "]),
        "first_name": st.sampled_from(["", "Mary", "MARY", "o'brien"]),
        "last_name": st.sampled_from(["", "Albright", "MCDONALD"]),
        "name": st.sampled_from(["", "Albright, Mary", "DR. JOHN SMITH JR."]),
        "phone": st.sampled_from(["", "217-555-0142", "+44 20 7946 0958", "12"]),
        "email": st.sampled_from(["", "m@example.com", "not an email"]),
        "address_line1": st.sampled_from(
            ["", "1418 Oak Ridge Dr", "22 Maple Ave, Springfield, IL 62704", "PO Box 12"]
        ),
        "address_line2": st.sampled_from(["", "Apt 2"]),
        "city": st.sampled_from(["", "Boston", "Springfield"]),
        "state": st.sampled_from(["", "MA", "IL", "ZZ"]),
        "postal_code": st.sampled_from(["", "2134", "62704", "12", "62704-1234"]),
        "country": st.sampled_from(["", "USA", "Atlantis", "Canada"]),
    }
)
CALLS = st.fixed_dictionaries(
    {
        "outcome": st.sampled_from(["voicemail", "VM", "opt-out", "??", ""]),
        "called_at": st.sampled_from(
            ["", "2026-11-21 10:05", "2026-11-25 09:00", "11/21/2026 3:15 PM", "not a date"]
        ),
        "birthday": st.sampled_from(["", "12/10/62", "2030-01-01", "junk"]),
        "notes": st.sampled_from(["", "call back Tuesday"]),
    }
)


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _rows_said(log: CallLog, row: int) -> tuple[object, ...]:
    """What a log says about one row, its file and row number left out."""
    records = [r for r in log.records if r.row == row]
    rejected = [r.error for r in log.rejections if r.row == row]
    notices = [n.message for n in log.notices if n.row == row]
    fields = [(r.contact_id, r.outcome, r.called_at, r.first_name, r.last_name, r.phone,
               r.email, r.address, r.birthday, r.notes, r.undated) for r in records]  # fmt: skip
    return fields, rejected, notices


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(PEOPLE, min_size=1, max_size=3),
    calls=st.lists(st.tuples(st.integers(0, 2), CALLS), min_size=1, max_size=8),
)
def test_each_row_reads_as_it_would_alone(
    tmp_path: Path, people: list[dict[str, str]], calls: list[tuple[int, dict[str, str]]]
) -> None:
    rows = [people[who % len(people)] | call for who, call in calls]
    together = read_call_logs([write_file(tmp_path, "all.csv", _csv(rows))], TODAY)
    for number, row in enumerate(rows, start=2):
        alone = read_call_logs([write_file(tmp_path, "one.csv", _csv([row]))], TODAY)
        assert _rows_said(together, number) == _rows_said(alone, 2)


def test_a_person_read_again_says_the_same_for_each_row(tmp_path: Path) -> None:
    row = "C1,MARY,ALBRIGHT,,,,1418 Oak Ridge Dr,,Boston,MA,2134,Atlantis,voicemail,,,\n"
    log = read_call_logs(
        [write_file(tmp_path, "log.csv", ",".join(HEADER) + "\n" + row * 3)], TODAY
    )
    said = [(n.row, n.message) for n in log.notices if n.row is not None]
    for number in (2, 3, 4):
        assert [m for r, m in said if r == number] == [
            f"no call date: taken as made today, {TODAY}",
            "country 'Atlantis' is not a country we know, so it is kept as written; "
            "use its English name or its two-letter code (DE, GB, CA)",
        ]
    assert {(r.first_name, r.last_name) for r in log.records} == {("Mary", "Albright")}
    # One address for the rows that write the same one: memory grows with the contacts.
    assert len({id(r.address) for r in log.records}) == 1


@given(PEOPLE)
def test_people_give_what_reading_the_cells_gives(values: dict[str, str]) -> None:
    fields = tuple(values)
    people = People()
    first_said: list[str] = []
    first = people.person(tuple(values.values()), fields, first_said)
    again_said: list[str] = []
    again = people.person(tuple(values.values()), fields, again_said)
    fresh_said: list[str] = []
    fresh = read_person(values, fresh_said)
    assert first == again == fresh
    assert first_said == again_said == fresh_said == list(fresh.notices)


@given(
    st.builds(
        CallRecord,
        file=st.text(max_size=5),
        row=st.integers(1, 10**6),
        contact_id=st.text(max_size=5),
        outcome=st.sampled_from(Outcome),
        called_at=st.datetimes(),
        first_name=st.text(max_size=5),
        last_name=st.text(max_size=5),
        phone=st.text(max_size=5),
        email=st.text(max_size=5),
        address=st.builds(Address, st.text(max_size=5), st.text(max_size=3)),
        birthday=st.none() | st.dates(),
        callback_on=st.none() | st.dates(),
        notes=st.text(max_size=5),
        extra=st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
        undated=st.booleans(),
        day_first=st.booleans(),
    )
)
def test_the_readers_record_is_the_record(record: CallRecord) -> None:
    """The reader builds its records without the frozen dataclass's per-field checks: every
    field set, the same record (a field added later and left out would fail here)."""
    names = [f.name for f in dataclasses.fields(CallRecord)]
    made = read_call_record(*(getattr(record, name) for name in names[:-2]))
    assert type(made) is CallRecord
    assert made == record
    assert [getattr(made, name) for name in names] == [getattr(record, name) for name in names]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.row = 1  # type: ignore[misc]


def test_a_records_slots_are_its_fields_in_their_order() -> None:
    """The reader fills a bare object's slots and makes it a record (`read_call_record`):
    the slots are the record's fields, on its base, and the record adds none of its own."""
    base: Any = CallRecord.__mro__[1]
    assert sorted(base.__slots__) == sorted(f.name for f in dataclasses.fields(CallRecord))
    assert CallRecord.__dict__["__slots__"] == ()


@given(
    st.tuples(st.text(max_size=8), st.text(max_size=8)),
    st.builds(Address, st.text(max_size=5), st.text(max_size=3), st.text(max_size=3)),
)
def test_a_cards_record_is_the_record_with_its_mailing_address(
    lines: tuple[str, str], mailed: Address
) -> None:
    record = read_call_record(
        "log.csv", 7, "C1", Outcome.VOICEMAIL, datetime(2026, 11, 21, 10, 5), "Mary",
        "Albright", "217-555-0142", "m@example.com", Address("1 Main St"), date(1990, 12, 1),
        None, "notes", {"Favorite": "red"}, False, True,
    )  # fmt: skip
    assert addressed_record(record, lines, mailed) == dataclasses.replace(
        record, mail_lines=lines, mail_address=mailed
    )


@given(
    st.builds(
        MailStep,
        record=st.just(
            read_call_record(
                "log.csv", 2, "C1", Outcome.VOICEMAIL, datetime(2026, 11, 21), "", "", "", "",
                Address(), None, None, "", {}, False, False,
            )
        ),
        action=st.sampled_from(Action),
        reason=st.text(max_size=5),
        template=st.none() | st.text(max_size=5),
        send_date=st.none() | st.dates(),
        expected_delivery=st.none() | st.dates(),
        offer_expires=st.none() | st.dates(),
        follow_up_call=st.none() | st.dates(),
        history_rows=st.lists(st.integers(2, 99)).map(tuple),
    )
)  # fmt: skip
def test_the_cadences_step_is_the_step(step: MailStep) -> None:
    names = [f.name for f in dataclasses.fields(MailStep)]
    made = planned_step(*(getattr(step, name) for name in names))
    assert type(made) is MailStep
    assert made == step
    assert [getattr(made, name) for name in names] == [getattr(step, name) for name in names]


def test_a_steps_slots_are_its_fields_and_it_stays_a_frozen_dataclass() -> None:
    """The cadence fills a bare object's slots and makes it a step (`planned_step`): the
    slots are the step's fields, on its base, the step adds none of its own, and the step
    made so is frozen, pickles and is replaced as one made by the class."""
    base: Any = MailStep.__mro__[1]
    assert sorted(base.__slots__) == sorted(f.name for f in dataclasses.fields(MailStep))
    assert MailStep.__dict__["__slots__"] == ()
    record = read_call_record(
        "log.csv", 2, "C1", Outcome.VOICEMAIL, datetime(2026, 11, 21), "", "", "", "",
        Address(), None, None, "", {}, False, False,
    )  # fmt: skip
    made = planned_step(record, Action.SKIP, "why", None, None, None, None, None, (3,))
    step = MailStep(record, Action.SKIP, "why", history_rows=(3,))
    assert made == step
    assert repr(made) == repr(step)
    assert pickle.loads(pickle.dumps(made)) == step
    assert dataclasses.replace(made, reason="other") == MailStep(
        record, Action.SKIP, "other", history_rows=(3,)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.reason = "changed"  # type: ignore[misc]


@given(st.lists(st.text(max_size=4), min_size=6, max_size=6), st.booleans(), st.text(max_size=3))
def test_an_address_made_the_quick_way_is_the_address(
    fields: list[str], changed: bool, note: str
) -> None:
    """Addresses and normalized addresses made the quick way (`normalized.new_address`,
    `normalized_address`: a plain class's slots filled, then its class changed) are the
    frozen objects the dataclasses make, equal, hashed, shown, pickled and replaced alike."""
    made, address = new_address(*fields), Address(*fields)
    assert type(made) is Address
    assert made == address
    assert hash(made) == hash(address)
    assert repr(made) == repr(address)
    assert pickle.loads(pickle.dumps(made)) == address
    assert dataclasses.replace(made, city="Chatham") == dataclasses.replace(address, city="Chatham")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.city = "Chatham"  # type: ignore[misc]
    lines = (fields[0], fields[2])
    normalized = normalized_address(lines, made, changed, note)
    assert type(normalized) is NormalizedAddress
    assert normalized == NormalizedAddress(lines, address, changed, note)
    assert hash(normalized) == hash(NormalizedAddress(lines, address, changed, note))
