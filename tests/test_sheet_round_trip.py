"""The call sheet going round, through the command line as a seller meets it: `mailer run`
writes followups.csv and followups.pdf; the seller fills in the outcome column (in the CSV,
or in a spreadsheet that saves an .xlsx); `mailer run followups.csv` reads it as the next
call log, nothing retyped, and the next plan follows from what was ticked."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mailer.domain.models import Outcome
from mailer.followups.sheet import CSV_COLUMNS
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke, open_ledger, read_csv_dicts

FIRST_SESSION, SECOND_SESSION = "2026-11-22", "2026-12-01"

TICKED = {
    # contact: (outcome as the seller writes it, called_at, notes)
    "C001": ("voicemail left", "", ""),
    "C005": ("Ordered", "", "two jars of the winter pine"),
    "C002": ("opt out", "", ""),
    "C008": ("answered", "11/27/2026 3:10 PM", "loved the card"),
}


def run(*args: str | Path) -> Any:
    return invoke(*args, "--config", EXAMPLE_CONFIG)


@pytest.fixture
def first(tmp_path: Path) -> Path:
    """The first session's folder; its ledger is tmp_path/mailer.db, and a copy of it as it
    stood after the first session is tmp_path/first.db."""
    out = tmp_path / "s1"
    db = tmp_path / "mailer.db"
    result = run("run", EXAMPLE_CALLS, "--today", FIRST_SESSION, "--db", db, "--out", out)
    assert result.exit_code == 0, result.stderr
    said = "".join(result.stderr.split())  # long paths may wrap anywhere
    assert f"thentypeeachoutcomeinto{out / 'followups.csv'}andrun" in said
    for name in ("mailer.db", "mailer.db-wal", "mailer.db-shm"):
        if (tmp_path / name).exists():
            shutil.copy(tmp_path / name, tmp_path / name.replace("mailer", "first"))
    return out


def fill_in(sheet: Path, target: Path) -> dict[str, int]:
    """The sheet with the outcomes of `TICKED` typed in, saved as a spreadsheet saves CSV
    (no byte-order mark); returns each contact's line number."""
    rows = read_csv_dicts(sheet)
    lines = {}
    for number, row in enumerate(rows, start=2):
        lines[row["contact_id"]] = number
        if row["contact_id"] in TICKED:
            row["outcome"], row["called_at"], row["notes"] = TICKED[row["contact_id"]]
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return lines


def test_the_first_session_writes_the_sheet_in_both_forms(first: Path) -> None:
    import pypdfium2 as pdfium

    calls = read_csv_dicts(first / "followups.csv")
    assert list(calls[0]) == list(CSV_COLUMNS)
    assert {c["outcome"] for c in calls} == {""}
    mary = next(c for c in calls if c["contact_id"] == "C001")
    # The follow-up after her first unanswered call is the second attempt.
    assert (mary["address_line1"], mary["city"], mary["attempt"]) == (
        "1418 Oak Ridge Dr",
        "Springfield",
        "2",
    )
    pdf = pdfium.PdfDocument(str(first / "followups.pdf"))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    for call in calls:
        assert call["name"] in text
        assert call["phone"] in text


def test_the_filled_in_sheet_is_the_next_call_log(first: Path, tmp_path: Path) -> None:
    filled = tmp_path / "followups-filled.csv"
    lines = fill_in(first / "followups.csv", filled)
    out = tmp_path / "s2"
    db = tmp_path / "mailer.db"
    result = run("run", filled, "--today", SECOND_SESSION, "--db", db, "--out", out)
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "read as a mailer call sheet (detected from the header)" in said
    not_called = sorted(n for c, n in lines.items() if c not in TICKED)
    assert "not called yet (no outcome filled in), skipped" in said
    assert "no called_at filled in, so each call is taken as made on its planned day" in said
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    # Every row accounted for, with its line number: planned or skipped, none rejected.
    assert doc["rejected"] == []
    assert [s["row"] for s in doc["skipped"]] == not_called
    assert {s["reason"] for s in doc["skipped"]} == {"not called yet"}
    assert sorted(s["row"] for s in doc["steps"]) == sorted(lines[c] for c in TICKED)
    assert doc["summary"]["rows"] == len(lines)
    steps = {s["contact_id"]: s for s in doc["steps"]}
    # ordered -> a thank-you card, drawn, with no offer and no follow-up call
    assert (steps["C005"]["outcome"], steps["C005"]["action"]) == ("ordered", "mail")
    assert steps["C005"]["template"] == "thank-you"
    assert (out / "cards" / "C005-thank-you.pdf").is_file()
    # opt out -> suppressed, and off the next sheet
    assert steps["C002"]["action"] == "suppress"
    assert "C002" not in {c["contact_id"] for c in read_csv_dicts(out / "followups.csv")}
    # voicemail -> the second call of the cycle is recorded, made on the planned day at the
    # start of its window, as a missed call of this cycle
    assert (steps["C001"]["outcome"], steps["C001"]["row"]) == ("voicemail", lines["C001"])
    # ... her second attempt: the card's cycle is done, she is left alone until the cooldown
    # ends and is on no sheet meanwhile
    assert (steps["C001"]["attempt"], steps["C001"]["action"]) == (2, "skip")
    assert steps["C001"]["reason"].endswith("cycle complete, leave them alone until Dec 23 "
                                            "(2nd attempt)")  # fmt: skip
    assert "C001" not in {c["contact_id"] for c in read_csv_dicts(out / "followups.csv")}
    with open_ledger(db) as ledger:
        assert ledger.is_suppressed("C002")
        mary = [s for s in ledger.steps() if s.contact_id == "C001"]
        called = {s.record.called_at for s in mary if s.record.outcome is Outcome.VOICEMAIL}
        # 14:00: her morning call missed, so the sheet put this one in an afternoon slot
        assert datetime(2026, 11, 30, 14, 0) in called
        nancy = next(
            s for s in ledger.steps() if s.record.file == str(filled) and s.contact_id == "C008"
        )
        assert nancy.record.called_at == datetime(2026, 11, 27, 15, 10)  # as the seller wrote
        assert nancy.record.notes == "loved the card"

    # The same sheet again: nothing new, no card twice.
    again = run("run", filled, "--today", SECOND_SESSION, "--db", db, "--out", tmp_path / "s3")
    assert again.exit_code == 0, again.stderr
    assert not list((tmp_path / "s3" / "cards").glob("*.pdf"))

    # Her third unanswered call, in a later session: the next attempt is the last try, on
    # the day the card's cooldown ends, with the exit message to leave.
    third = tmp_path / "third.csv"
    third.write_text(
        "contact_id,name,phone,outcome,date\nC001,Mary Albright,(217) 555-0142,voicemail,"
        "2026-12-10 10:00\n",
        encoding="utf-8",
    )
    result = run("run", third, "--today", "2026-12-10", "--db", db, "--out", tmp_path / "s4")
    assert result.exit_code == 0, result.stderr
    (step,) = json.loads((tmp_path / "s4" / "plan.json").read_text(encoding="utf-8"))["steps"]
    assert (step["attempt"], step["action"], step["purpose"]) == (3, "call", "last-try")
    assert step["follow_up_call"] == "2026-12-23"
    (row,) = read_csv_dicts(tmp_path / "s4" / "followups.csv")
    assert (row["contact_id"], row["purpose"], row["attempt"]) == ("C001", "last-try", "4")
    assert "this is my last call for now" in row["voicemail"]
    assert row["leave_message"] == "yes"

    # A later call log that reaches the opted-out contact again: still suppressed.
    later = tmp_path / "later.csv"
    later.write_text(
        "contact_id,name,phone,outcome,date\nC002,Denise Okafor,217-555-0102,voicemail,"
        "2026-12-10\n",
        encoding="utf-8",
    )
    result = run(
        "plan", later, "--today", "2026-12-10", "--db", db, "--format", "json", "--dry-run"
    )
    (step,) = json.loads(result.stdout)["steps"]
    assert step["action"] in ("skip", "suppress")
    assert "mailer unsuppress" in step["reason"]


def test_a_sheet_saved_by_a_spreadsheet_reads_the_same(first: Path, tmp_path: Path) -> None:
    """The seller opened followups.csv in a spreadsheet, ticked the outcomes and saved it as
    .xlsx: the days became dates, the attempts and ZIP codes numbers."""
    from openpyxl import Workbook

    filled = tmp_path / "filled.csv"
    fill_in(first / "followups.csv", filled)
    with filled.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(rows[0])
    typed = {"date": "day", "attempt": "number", "postal_code": "number"}
    for row in rows[1:]:
        cells: list[object] = []
        for name, value in zip(rows[0], row, strict=True):
            kind = typed.get(name)
            if kind == "day" and value:
                cells.append(datetime.fromisoformat(value))
            elif kind == "number" and value.isdigit():
                cells.append(int(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    workbook = tmp_path / "filled.xlsx"
    book.save(workbook)

    def plan(path: Path) -> dict[str, Any]:
        result = run(
            "plan", path, "--today", SECOND_SESSION, "--db", tmp_path / "first.db",
            "--format", "json", "--dry-run",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        doc: dict[str, Any] = json.loads(result.stdout)
        return doc

    from_csv, from_xlsx = plan(filled), plan(workbook)
    assert from_xlsx == from_csv
    assert {s["outcome"] for s in from_xlsx["steps"]} == {
        "voicemail",
        "ordered",
        "opt_out",
        "connected",
    }


def test_followups_writes_the_sheet_on_demand(first: Path, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    db = tmp_path / "mailer.db"
    sheet, paper = tmp_path / "calls.csv", tmp_path / "calls.pdf"
    result = run("followups", "--today", FIRST_SESSION, "--db", db, "--csv", sheet, "--pdf", paper)
    assert result.exit_code == 0, result.stderr
    said = "".join(result.stderr.split())  # long paths may wrap anywhere
    assert f"wrote{paper}" in said
    assert f"typeeachoutcomeinto{sheet}andrun`mailerrun{sheet}`" in said
    calls = read_csv_dicts(sheet)
    assert calls == read_csv_dicts(first / "followups.csv")
    pdf = pdfium.PdfDocument(str(paper))
    try:
        first_lines = [page.get_textpage().get_text_range().splitlines()[0] for page in pdf]
    finally:
        pdf.close()
    assert first_lines[0] == "Calls for Friday, November 27"
    assert "Calls for Monday, November 30" in first_lines
