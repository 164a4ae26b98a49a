"""Faulty and hostile call-log files (`mailer.reading.source_files`): stray quotes, oversized
cells, stale .xlsx dimensions, hidden sheets and `--sheet`, zip bombs, broken workbooks, and
pipes. Every data row still ends as a record or a rejection with its true row number."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import struct
import threading
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.domain.models import CallLog, Notice
from mailer.errors import InputError, UsageError
from mailer.reading.records import read_call_logs
from mailer.reading.source_files import MAX_CELL_CHARS, Line, as_text, read_lines
from mailer.reading.workbooks import MAX_WORKBOOK_BYTES
from tests.builders import EXAMPLE_CONFIG, invoke, write_file

FAULTY = Path(__file__).parent / "data" / "faulty"
TODAY = date(2026, 11, 22)
HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,"
    "called_at,notes"
)
NAMES = ("Mary", "Denise", "Linda", "Patricia", "Omar", "Keiko")


def row(i: int, notes: str = "", *, first: str | None = None) -> str:
    """Data row `i` of a call log (contact C00i), its notes cell written exactly as given."""
    name = first if first is not None else NAMES[i % len(NAMES)]
    return (
        f"C{i:03d},{name},Albright,(217) 555-01{i % 100:02d},{100 + i} Oak Ridge Dr,"
        f"Springfield,IL,62704,voicemail,2026-11-21 10:05,{notes}"
    )


def read(path: Path, sheet: str | None = None) -> tuple[list[Line], list[str]]:
    notices: list[Notice] = []
    lines = read_lines(path, path.name, None, notices, sheet)
    return lines, [str(n) for n in notices]


def accounted(log: CallLog) -> list[int]:
    """The row numbers of every record and rejection, sorted (a row twice shows twice)."""
    return sorted([r.row for r in log.records] + [r.row for r in log.rejections])


# --- stray quotes ---------------------------------------------------------------------------


def test_stray_quotes_in_two_rows_no_longer_swallow_the_rows_between() -> None:
    # Row 3 opens a quote it never closes; row 6's 8" would have closed it.
    log = read_call_logs([FAULTY / "stray_quotes.csv"], TODAY)
    assert accounted(log) == [2, 3, 4, 5, 6, 7]
    assert log.rejections == ()
    by_row = {r.row: r for r in log.records}
    assert [by_row[n].contact_id.upper() for n in range(2, 8)] == [
        "C001",
        "C002",
        "C003",
        "C004",
        "C005",
        "C006",
    ]
    assert by_row[3].notes == '"asked for the 12 oz jar'  # the stray quote kept as text
    assert by_row[6].notes == 'wants the 8" candle'
    assert [str(n) for n in log.notices if "stray quote" in n.message] == [
        f'{FAULTY / "stray_quotes.csv"}:3: a stray quote (") would have read rows 3 to 6 as '
        "one cell; they were read as separate rows, the quote kept as text: check these rows"
    ]


def test_a_stray_quote_before_a_real_multi_line_cell_keeps_both_right() -> None:
    # Row 4's stray quote would close at row 6's real quoted cell, which spans three lines.
    log = read_call_logs([FAULTY / "runaway_quote.csv"], TODAY)
    assert accounted(log) == [2, 3, 4, 5, 6, 7]
    by_row = {r.row: r for r in log.records}
    assert by_row[4].last_name == '"Marsh'
    assert by_row[4].phone.endswith("0110") or "0110" in by_row[4].phone.replace(" ", "")
    assert by_row[6].notes == "called back,\n\nsounds keen"
    assert by_row[7].contact_id.upper() == "C006"


def test_a_quote_left_open_to_the_end_of_the_file_loses_no_row(tmp_path: Path) -> None:
    text = "\n".join([HEADER, row(1), row(2, '"never closed'), row(3), row(4)]) + "\n"
    lines, notices = read(write_file(tmp_path, "open.csv", text))
    assert [line.number for line in lines] == [1, 2, 3, 4, 5]
    assert [as_text(line.cells[0]) for line in lines[1:]] == ["C001", "C002", "C003", "C004"]
    assert lines[2].cells[-1] == '"never closed'
    assert not any(line.problem for line in lines)
    assert notices == [
        'open.csv:3: a stray quote (") would have read rows 3 to 5 as one cell; they were '
        "read as separate rows, the quote kept as text: check these rows"
    ]


def test_a_stray_quote_inside_one_row_keeps_its_cells_in_their_columns(tmp_path: Path) -> None:
    # The stray quote opens the name cell; the notes' real quoted cell then closes it on the
    # same line, and the row would come out two cells wide.
    text = "\n".join([HEADER, row(1), row(2), row(3, '"called, twice"', first='"Dee')]) + "\n"
    lines, notices = read(write_file(tmp_path, "inline.csv", text))
    assert len(lines) == 4
    assert lines[3].cells[1] == '"Dee'
    assert lines[3].cells[-1] == "called, twice"
    assert len(lines[3].cells) == 11
    assert notices == [
        'inline.csv:4: a stray quote (") in this row was kept as text, so its cells stay in '
        "their columns: check the row"
    ]


def test_real_multi_line_cells_with_commas_are_left_alone(tmp_path: Path) -> None:
    notes = '"call after 5pm,\nask for Bob, not Ann,\nthen ""the usual"""'
    text = "\n".join([HEADER, row(1), row(2, notes), row(3), row(4)]) + "\n"
    lines, notices = read(write_file(tmp_path, "notes.csv", text))
    assert [line.number for line in lines] == [1, 2, 3, 4, 5]
    assert lines[2].cells[-1] == 'call after 5pm,\nask for Bob, not Ann,\nthen "the usual"'
    assert notices == []


# --- oversized cells ------------------------------------------------------------------------


def test_a_one_megabyte_multi_line_cell_rejects_its_row_only(tmp_path: Path) -> None:
    huge = '"' + "pasted from an email, line after line\n" * 27_000 + '"'
    assert len(huge) > 1_000_000
    text = "\n".join([HEADER, row(1), row(2, huge), row(3), "", row(4)]) + "\n"
    path = write_file(tmp_path, "huge.csv", text)
    log = read_call_logs([path], TODAY)
    assert accounted(log) == [2, 3, 4, 6]
    assert [r.row for r in log.records] == [2, 4, 6]
    (rejected,) = log.rejections
    assert rejected.row == 3
    assert rejected.error == (
        "column 11 holds 1,026,000 characters on 27,001 lines, more than a spreadsheet cell "
        f"can hold ({MAX_CELL_CHARS:,}); check the quotes in this row and read the file again"
    )
    assert len(rejected.values["notes"]) < 100  # rejects.csv does not carry the megabyte


def test_a_cell_at_the_limit_is_kept(tmp_path: Path) -> None:
    notes = "x" * MAX_CELL_CHARS
    path = write_file(tmp_path, "long.csv", "\n".join([HEADER, row(1, notes), row(2)]) + "\n")
    log = read_call_logs([path], TODAY)
    assert [r.row for r in log.records] == [2, 3]
    assert log.records[0].notes == notes


def test_a_long_line_with_one_cell_past_the_limit_is_rejected(tmp_path: Path) -> None:
    notes = "x" * (MAX_CELL_CHARS + 1)
    path = write_file(tmp_path, "wide.csv", "\n".join([HEADER, row(1, notes), row(2)]) + "\n")
    log = read_call_logs([path], TODAY)
    assert [r.row for r in log.records] == [3]
    assert [r.row for r in log.rejections] == [2]
    assert log.rejections[0].error.startswith("column 11 holds 32,768 characters on 1 lines")


def test_valid_csv_of_the_wrong_width_is_read_as_csv_reads_it(tmp_path: Path) -> None:
    # Every quote where quotes belong, a row too wide, then a cell that rightly spans lines:
    # nothing is stray, so nothing is "repaired" (the row is rejected for its width).
    text = 'id,outcome,called_at,birthday,zip\r\n,,,,"""",\r\n"0\r",,,,\r\n'
    lines, notices = read(write_file(tmp_path, "valid.csv", text))
    assert [line.cells for line in lines[1:]] == [
        ["", "", "", "", '"', ""],
        ["0\r", "", "", "", ""],
    ]
    assert notices == []


# --- workbooks ------------------------------------------------------------------------------


def write_book(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()):
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for values in rows:
            ws.append(values)
        if title in hidden:
            ws.sheet_state = "hidden"
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change: tuple[str, str]) -> None:
    """Rewrite one part of the .xlsx zip at `path`, as another tool might have written it."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    text = parts[member].decode()
    assert change[0] in text, text[:400]
    parts[member] = text.replace(change[0], change[1]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def sheet_rows(n: int, tag: str = "C") -> list[list[object]]:
    rows: list[list[object]] = [list(HEADER.split(","))]
    for i in range(1, n + 1):
        contact: list[object] = [f"{tag}{i:03d}", "Mary", "Albright", f"217-555-01{i:02d}"]
        place: list[object] = ["1 Oak St", "Springfield", "IL", "62704"]
        rows.append([*contact, *place, "voicemail", "2026-11-21 10:05", ""])
    return rows


def test_a_stale_dimension_tag_hides_no_row(tmp_path: Path) -> None:
    path = write_book(tmp_path / "stale.xlsx", {"Calls": sheet_rows(10)})
    rewrite_member(
        path, "xl/worksheets/sheet1.xml", ('<dimension ref="A1:K11"', '<dimension ref="A1:K3"')
    )
    lines, notices = read(path)
    assert [line.number for line in lines] == list(range(1, 12))
    assert as_text(lines[-1].cells[0]) == "C010"
    assert notices == ["stale.xlsx: the sheet says it has 3 rows but holds 11: all were read"]
    log = read_call_logs([path], TODAY)
    assert accounted(log) == list(range(2, 12))


def test_a_hidden_first_sheet_is_not_read(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "hidden.xlsx",
        {"Lookup": [["outcome", "meaning"], ["vm", "voicemail"]], "Calls": sheet_rows(3)},
        hidden=("Lookup",),
    )
    # The workbook says its hidden first sheet is the active one, as some tools write it.
    rewrite_member(path, "xl/workbook.xml", ('activeTab="1"', 'activeTab="0"'))
    lines, notices = read(path)
    assert as_text(lines[1].cells[0]) == "C001"
    assert notices == [
        "hidden.xlsx: read sheet 2, 'Calls' (the first visible sheet; the active one, 'Lookup', "
        "is hidden); the others: 1 'Lookup' (hidden, 2 rows); --sheet NAME or --sheet N reads "
        "another"
    ]


def test_the_active_visible_sheet_is_read(tmp_path: Path) -> None:
    path = write_book(tmp_path / "active.xlsx", {"Old": sheet_rows(2, "X"), "Calls": sheet_rows(4)})
    rewrite_member(path, "xl/workbook.xml", ('activeTab="0"', 'activeTab="1"'))
    lines, notices = read(path)
    assert [as_text(line.cells[0]) for line in lines[1:]] == ["C001", "C002", "C003", "C004"]
    assert notices == [
        "active.xlsx: read sheet 2, 'Calls' (the active sheet); the others: 1 'Old' (3 rows); "
        "--sheet NAME or --sheet N reads another"
    ]


@pytest.mark.parametrize("wanted", ["Week 2", "week 2", "3"])
def test_sheet_by_name_or_number(tmp_path: Path, wanted: str) -> None:
    path = write_book(
        tmp_path / "weeks.xlsx",
        {"Week 1": sheet_rows(1, "A"), "Setup": [["x"]], "Week 2": sheet_rows(2, "B")},
        hidden=("Setup",),
    )
    lines, notices = read(path, wanted)
    assert [as_text(line.cells[0]) for line in lines[1:]] == ["B001", "B002"]
    assert notices == [
        "weeks.xlsx: read sheet 3, 'Week 2' (--sheet); the others: 1 'Week 1' (2 rows), "
        "2 'Setup' (hidden, 1 row); --sheet NAME or --sheet N reads another"
    ]


@pytest.mark.parametrize("wanted", ["Week 9", "4", "0"])
def test_an_unknown_sheet_is_refused_with_the_list(tmp_path: Path, wanted: str) -> None:
    path = write_book(
        tmp_path / "weeks.xlsx",
        {"Week 1": sheet_rows(1), "Setup": [["x"]], "Week 2": sheet_rows(1)},
        hidden=("Setup",),
    )
    with pytest.raises(UsageError) as caught:
        read(path, wanted)
    assert caught.value.message == (
        f"weeks.xlsx has no sheet {wanted!r}; its sheets are: 1 'Week 1', 2 'Setup' (hidden), "
        "3 'Week 2'"
    )
    assert caught.value.hint == "give --sheet a sheet's name or its number (1 is the first)"


def test_sheet_on_a_csv_is_ignored_with_a_notice(tmp_path: Path) -> None:
    path = write_file(tmp_path, "calls.csv", "\n".join([HEADER, row(1)]) + "\n")
    lines, notices = read(path, "Calls")
    assert len(lines) == 2
    assert notices == ["calls.csv: --sheet Calls ignored: this file is text, not a workbook"]


def test_plan_and_run_take_sheet(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "weeks.xlsx", {"Week 1": sheet_rows(1, "A"), "Week 2": sheet_rows(2, "B")}
    )
    common = ("--today", "2026-11-22", "--config", EXAMPLE_CONFIG)
    result = invoke(
        "plan", path, "--sheet", "2", "--format", "json", "--db", tmp_path / "m.db", *common
    )
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    assert sorted(s["contact_id"].upper() for s in steps) == ["B001", "B002"]
    assert "read sheet 2, 'Week 2' (--sheet)" in result.stderr
    bad = invoke("plan", path, "--sheet", "Nope", "--db", tmp_path / "m.db", *common)
    assert bad.exit_code == 2
    assert "weeks.xlsx has no sheet 'Nope'; its sheets are: 1 'Week 1', 2 'Week 2'" in bad.stderr
    run = invoke(
        "run",
        path,
        "--sheet",
        "Week 1",
        "--out",
        tmp_path / "out",
        "--db",
        tmp_path / "r.db",
        *common,
    )
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert [s["contact_id"].upper() for s in plan["steps"]] == ["A001"]


# --- hostile workbooks ----------------------------------------------------------------------


def test_a_zip_bomb_that_expands_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError) as caught:
        read(path)
    assert re.fullmatch(
        r"bomb\.xlsx is refused: it would expand from 0\.0 MiB to 20\.0 MiB in 2 parts, past "
        r"mailer's limits for a workbook \(200\.0 MiB, 100x its size, 10,000 parts\)",
        caught.value.message,
    ), caught.value.message
    assert caught.value.hint.startswith("this is not a call log export")


def test_a_zip_whose_directory_claims_a_huge_member_is_refused(tmp_path: Path) -> None:
    path = write_book(tmp_path / "claims.xlsx", {"Calls": sheet_rows(1)})
    data = bytearray(path.read_bytes())
    # The central directory's entry for the sheet: its uncompressed size says 4 GB.
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rindex(name) - 46  # the last mention is the central directory's
    assert data[entry : entry + 4] == b"PK\x01\x02"
    data[entry + 24 : entry + 28] = struct.pack("<I", 0xFFFF_FFF0)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.message.startswith("claims.xlsx is refused: it would expand from ")
    assert f"({MAX_WORKBOOK_BYTES / 2**20:,.1f} MiB" in caught.value.message


def test_a_truncated_workbook_is_refused_naming_the_fix(tmp_path: Path) -> None:
    whole = write_book(tmp_path / "whole.xlsx", {"Calls": sheet_rows(30)}).read_bytes()
    path = write_file(tmp_path, "cut.xlsx", whole[: len(whole) // 2])
    with pytest.raises(InputError) as caught:
        read(path)
    assert (
        caught.value.message == "cut.xlsx is not a readable .xlsx workbook (File is not a zip file)"
    )
    assert caught.value.hint.startswith("export or download it again (it may be cut short")


def test_a_binary_file_named_xlsx_is_refused(tmp_path: Path) -> None:
    path = write_file(tmp_path, "photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    with pytest.raises(InputError) as caught:
        read(path)
    assert (
        caught.value.message
        == "photo.xlsx is not an .xlsx workbook: it is not a zip file, nor text"
    )
    assert caught.value.hint.startswith("export or download it again")


# --- not a regular file ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "calls.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read_it() -> None:
        try:
            read_call_logs([fifo], TODAY)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=read_it, daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():
        # Release the reader blocked in open() so the test run can end, then fail.
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("reading a FIFO waited for a writer")
    (error,) = outcome
    assert isinstance(error, InputError)
    assert error.message == f"{fifo} can't be read: it is a pipe (FIFO), not a regular file"
    assert error.hint == "save the export as a file first and give mailer that file"


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_a_device_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read_lines(Path("/dev/null"), "/dev/null", None, [])
    assert (
        caught.value.message
        == "/dev/null can't be read: it is a device or socket, not a regular file"
    )


# --- every row accounted for ----------------------------------------------------------------

_WORDS = "abc xyz."
_plain = st.text(alphabet=_WORDS, max_size=12)
_NOTES = st.one_of(
    _plain,
    # a real quoted cell: any text, commas, quotes (doubled) and line breaks
    st.text(alphabet='ab ,."\n', max_size=30).map(lambda s: '"' + s.replace('"', '""') + '"'),
    _plain.map(lambda s: '"' + s),  # a stray quote opening the cell
    st.tuples(_plain, _plain).map(lambda p: p[0] + '"' + p[1]),  # a stray quote inside
)


def _can_be_told(row: tuple[str, bool, str | None]) -> bool:
    # A stray quote opening the name of a row whose notes rightly span lines can make the
    # file valid CSV of another shape (`C001,"Dee,...,"` then `a"`): mailer reads such a
    # file as any CSV reader does, rejecting the odd rows (README, "Files mailer refuses").
    notes, _, first = row
    return not (first == '"Dee' and notes.startswith('"') and "\n" in notes)


_ROWS = st.lists(
    st.tuples(
        _NOTES,
        st.booleans(),  # a blank line before the row
        st.sampled_from([None, None, None, '"Dee', 'Dee"']),  # a stray quote in the name
    ).filter(_can_be_told),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_ROWS)
def test_every_data_row_is_accounted_for_once_with_its_true_number(
    tmp_path: Path, rows: list[tuple[str, bool, str | None]]
) -> None:
    lines = [HEADER]
    expected: list[int] = []
    number = 1
    for i, (notes, blank_before, first) in enumerate(rows, start=1):
        if blank_before:
            lines.append("")
            number += 1
        lines.append(row(i, notes, first=first))
        number += 1
        expected.append(number)
    path = write_file(tmp_path, "calls.csv", "\n".join(lines) + "\n")
    log = read_call_logs([path], TODAY)
    assert accounted(log) == expected
    assert log.rows == len(expected)
    for record in log.records:
        i = expected.index(record.row) + 1
        assert record.contact_id.upper() == f"C{i:03d}"


def test_the_generated_rows_are_the_rows_csv_would_write() -> None:
    # The property's quoted cells are real CSV: the csv module reads them back as written.
    cell = '"' + 'a, "b"\nc'.replace('"', '""') + '"'
    (read_back,) = csv.reader(io.StringIO(row(1, cell), newline=""))
    assert read_back[-1] == 'a, "b"\nc'
