"""followups.csv, the call sheet (`mailer.followups.sheet`): its columns, each call's cells,
and reading it back (`mailer-sheet` preset): rows not called yet skipped with their line
numbers, the planned day standing in for an empty call date, the tick-box words read."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest

from mailer.domain.models import Address, Outcome
from mailer.followups.calls import FollowUp, follow_ups
from mailer.followups.sheet import CSV_COLUMNS, OUTCOME_WORDS, write_csv
from mailer.project import DEMO
from mailer.reading.records import read_call_logs
from mailer.reading.sources import detect_preset
from tests.builders import ELM_STREET, call_record, callback_step, mail_step, read_csv

TODAY = date(2026, 12, 1)

CALL = FollowUp(
    on=date(2026, 11, 30),
    window=(time(14, 0), time(16, 0)),
    contact_id="C001",
    name="Mary Albright",
    phone="(217) 555-0142",
    why="second call: note mailed Nov 23, offer ends Dec 7",
    script="Hi Mary, it's Jamie. Did my note reach you?",
    offer_deadline=date(2026, 12, 7),
    uid="u1@mailer",
    attempt=3,
    purpose="last-try",
    voicemail="Hi Mary, it's Jamie: I won't keep calling unless you'd like me to.",
    leave_message=False,
    permission_ask="May I let you know when there's something new?",
    text_message="Hi Mary, Jamie here: I'll ring you this afternoon.",
    email="mary@example.com",
    address=ELM_STREET,
)


def test_the_columns_are_the_call_then_what_to_fill_in_then_what_to_say() -> None:
    assert CSV_COLUMNS == (
        "date", "time_window", "contact_id", "name", "phone", "purpose", "attempt",
        "outcome", "called_at", "notes",
        "why", "script", "voicemail", "leave_message", "permission_ask", "text_message",
        "offer_deadline",
        "email", "address_line1", "address_line2", "city", "state", "postal_code", "country",
    )  # fmt: skip


def test_a_call_fills_every_column_and_leaves_the_seller_s_three_empty(tmp_path: Path) -> None:
    path = tmp_path / "followups.csv"
    write_csv([CALL], path)
    header, row = read_csv(path)
    assert header == list(CSV_COLUMNS)
    assert dict(zip(header, row, strict=True)) == {
        "date": "2026-11-30",
        "time_window": "14:00-16:00",
        "contact_id": "C001",
        "name": "Mary Albright",
        "phone": "(217) 555-0142",
        "purpose": "last-try",
        "attempt": "3",
        "outcome": "",
        "called_at": "",
        "notes": "",
        "why": CALL.why,
        "script": CALL.script,
        "voicemail": CALL.voicemail,
        "leave_message": "no",
        "permission_ask": CALL.permission_ask,
        "text_message": CALL.text_message,
        "offer_deadline": "2026-12-07",
        "email": "mary@example.com",
        "address_line1": "12 Elm St",
        "address_line2": "Apt 4",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62704",
        "country": "US",
    }


def test_the_sheet_carries_the_step_s_contact_from_the_plan(tmp_path: Path) -> None:
    """follow_up_for fills the address and email the reader needs for a new card, and the
    attempt and purpose the step holds."""
    offer = mail_step(call_record())
    nameless = callback_step(
        call_record("C009", Outcome.CALLBACK, first="", last="", address=Address()),
        date(2026, 11, 24),
    )
    path = tmp_path / "followups.csv"
    write_csv(follow_ups([offer, nameless], DEMO), path)
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in read_csv(path)[1:]]
    assert [r["contact_id"] for r in rows] == ["C009", "C001"]
    assert rows[0]["name"] == ""  # no name: never the id, which would come back as one
    assert (rows[0]["address_line1"], rows[0]["country"]) == ("", "")
    mary = rows[1]
    assert (mary["email"], mary["address_line1"], mary["postal_code"]) == (
        "c001@example.com",
        "12 Elm St",
        "62704",
    )
    # The call after her first unanswered one is the second attempt.
    assert (mary["attempt"], mary["leave_message"]) == ("2", "yes")


def test_cells_stay_spreadsheet_safe(tmp_path: Path) -> None:
    sly = dataclasses.replace(CALL, name="=HYPERLINK(1)", phone="+1 217 555 0100")
    path = tmp_path / "followups.csv"
    write_csv([sly], path)
    row = dict(zip(CSV_COLUMNS, read_csv(path)[1], strict=True))
    assert (row["name"], row["phone"]) == ("'=HYPERLINK(1)", "'+1 217 555 0100")


def test_no_calls_is_a_header_only_sheet(tmp_path: Path) -> None:
    path = tmp_path / "followups.csv"
    write_csv([], path)
    assert read_csv(path) == [list(CSV_COLUMNS)]
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdate,time_window,contact_id,name,phone")


# --- read back ------------------------------------------------------------------------------


def _filled(tmp_path: Path, outcomes: list[tuple[str, str]]) -> Path:
    """The sheet of one call a row, `outcomes` (outcome, called_at) filled in as a seller
    would, written back as a spreadsheet saves it (plain CSV, no BOM)."""
    calls = [
        dataclasses.replace(
            CALL, contact_id=f"C{n:03d}", name=f"Person {n}", phone=f"217-555-01{n:02d}"
        )
        for n in range(1, len(outcomes) + 1)
    ]
    path = tmp_path / "written.csv"
    write_csv(calls, path)
    rows = read_csv(path)
    for row, (outcome, called_at) in zip(rows[1:], outcomes, strict=True):
        row[CSV_COLUMNS.index("outcome")] = outcome
        row[CSV_COLUMNS.index("called_at")] = called_at
    filled = tmp_path / "filled.csv"
    filled.write_text(
        "\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n", encoding="utf-8"
    )
    return filled


def test_the_sheet_is_detected_from_its_header() -> None:
    preset = detect_preset(list(CSV_COLUMNS))
    assert preset is not None
    assert preset.key == "mailer-sheet"


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("answered", Outcome.CONNECTED),
        ("voicemail left", Outcome.VOICEMAIL),
        ("Voicemail Left", Outcome.VOICEMAIL),
        ("no answer", Outcome.NO_ANSWER),
        ("callback", Outcome.CALLBACK),
        ("ordered", Outcome.ORDERED),
        ("not interested", Outcome.NOT_INTERESTED),
        ("opt out", Outcome.OPT_OUT),
        ("vm", Outcome.VOICEMAIL),  # the built-in words still count
        ("wrong number", Outcome.WRONG_NUMBER),
        ("no message left", Outcome.NO_ANSWER),
    ],
)
def test_every_tick_box_word_is_read(tmp_path: Path, word: str, outcome: Outcome) -> None:
    log = read_call_logs([_filled(tmp_path, [(word, "")])], TODAY)
    assert [r.outcome for r in log.records] == [outcome]


def test_the_tick_boxes_are_the_words_the_sheet_reads(tmp_path: Path) -> None:
    log = read_call_logs([_filled(tmp_path, [(w, "") for w in OUTCOME_WORDS])], TODAY)
    assert len(log.records) == len(OUTCOME_WORDS)
    assert not log.rejections


def test_every_row_is_read_skipped_or_rejected_with_its_line_number(tmp_path: Path) -> None:
    sheet = _filled(
        tmp_path,
        [
            ("voicemail left", ""),  # line 2: dated from the planned day and window
            ("", ""),  # line 3: not called yet
            ("ordered", "12/1/2026 3:15 PM"),  # line 4: the seller's own date wins
            ("", ""),  # line 5
            ("", ""),  # line 6
            ("left a smoke signal", ""),  # line 7: a word nobody knows (not said dated)
        ],
    )
    log = read_call_logs([sheet], TODAY)
    assert log.rows == 6
    assert len(log.records) + len(log.rejections) + len(log.skipped) == log.rows
    assert [(r.row, r.called_at) for r in log.records] == [
        (2, datetime(2026, 11, 30, 14, 0)),
        (4, datetime(2026, 12, 1, 15, 15)),
    ]
    assert not any(r.undated for r in log.records)
    assert [(s.row, s.error) for s in log.skipped] == [
        (3, "not called yet"),
        (5, "not called yet"),
        (6, "not called yet"),
    ]
    assert [r.row for r in log.rejections] == [7]
    assert "unknown outcome 'left a smoke signal'" in log.rejections[0].error
    said = [str(n) for n in log.notices]
    assert f"{sheet}: rows 3, 5-6: not called yet (no outcome filled in), skipped" in said
    assert any(
        n.startswith(f"{sheet}: row 2: no called_at filled in, so each call is taken")
        and "('date' and 'time_window')" in n
        for n in said
    ), said


def test_the_sheet_s_contact_comes_back_whole(tmp_path: Path) -> None:
    log = read_call_logs([_filled(tmp_path, [("answered", "")])], TODAY)
    (record,) = log.records
    assert (record.contact_id, record.first_name, record.last_name) == ("C001", "Person", "1")
    assert record.address == ELM_STREET
    assert record.email == "mary@example.com"
    assert record.phone == "217-555-0101"
    assert dict(record.extra) == {}  # the scripts are not kept as template columns


def test_a_call_log_with_an_empty_outcome_is_still_rejected(tmp_path: Path) -> None:
    """Only mailer's own sheet skips empty outcomes: anybody else's row is rejected."""
    path = tmp_path / "calls.csv"
    path.write_text(
        "contact_id,name,outcome,date\nC001,Mary Albright,,2026-11-21\n", encoding="utf-8"
    )
    log = read_call_logs([path], TODAY)
    assert (len(log.rejections), log.skipped) == (1, ())


def test_a_call_dated_or_noted_without_an_outcome_is_rejected_not_skipped(
    tmp_path: Path,
) -> None:
    """The seller wrote when they called (or a note) and forgot the outcome: that call is
    not lost as "not called yet", its row is rejected with the line number to fix."""
    sheet = _filled(tmp_path, [("", "11/30/2026 10:20 AM"), ("", "")])
    log = read_call_logs([sheet], TODAY)
    assert [(r.row, r.error.split(";")[0]) for r in log.rejections] == [(2, "missing outcome")]
    assert [s.row for s in log.skipped] == [3]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("3:15 PM", datetime(2026, 11, 30, 15, 15)),
        ("15:40", datetime(2026, 11, 30, 15, 40)),
        ("4pm", datetime(2026, 11, 30, 16, 0)),
        ("12/2/2026 9:05 AM", datetime(2026, 12, 2, 9, 5)),
    ],
)
def test_a_time_alone_is_read_on_the_planned_day(
    tmp_path: Path, written: str, read: datetime
) -> None:
    log = read_call_logs([_filled(tmp_path, [("no answer", written)])], TODAY)
    assert [r.called_at for r in log.records] == [read]
    assert not any("no called_at" in n.message for n in log.notices)


def test_mailer_columns_explains_the_sheet(tmp_path: Path) -> None:
    from tests.builders import invoke

    result = invoke("columns", _filled(tmp_path, [("answered", "")]))
    assert result.exit_code == 0, result.stderr
    rows = [" ".join(re.sub(r"[│┃]", " ", line).split()) for line in result.stdout.splitlines()]
    assert "source: mailer call sheet (detected from the header)" in rows
    assert "date called_at if empty preset mailer-sheet" in rows
    assert "called_at called_at preset mailer-sheet" in rows
    assert "script ignored" in rows
    assert "answered 1 connected spoke with them" in rows


def test_a_window_edited_into_words_leaves_the_planned_day(tmp_path: Path) -> None:
    sheet = _filled(tmp_path, [("no answer", "")])
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("14:00-16:00", "afternoon"))
    log = read_call_logs([sheet], TODAY)
    assert [r.called_at for r in log.records] == [datetime(2026, 11, 30)]


def test_a_planned_day_that_cant_be_read_is_rejected_naming_where_it_came_from(
    tmp_path: Path,
) -> None:
    sheet = _filled(tmp_path, [("no answer", ""), ("voicemail", "")])
    text = sheet.read_text(encoding="utf-8").replace('"2026-11-30"', '"someday"', 1)
    sheet.write_text(text, encoding="utf-8")
    log = read_call_logs([sheet], TODAY)
    (rejected,) = log.rejections
    assert rejected.row == 2
    assert "bad date in column 'called_at' (or 'date' and 'time_window' when it is empty)" in (
        rejected.error
    )
    # The seller deleted the called_at column: the planned day alone dates the calls.
    rows = read_csv(sheet)
    at = rows[0].index("called_at")
    without = tmp_path / "without.csv"
    without.write_text(
        "\n".join(",".join(f'"{c}"' for i, c in enumerate(r) if i != at) for r in rows) + "\n",
        encoding="utf-8",
    )
    log = read_call_logs([without], TODAY)
    (rejected,) = log.rejections
    assert "bad date in columns 'date' and 'time_window'" in rejected.error
    assert len(log.records) == 1
