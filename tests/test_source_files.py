"""Opening call-log files (`mailer.reading.source_files`): encodings, delimiters, the `sep=`
line, row numbers across multi-line cells, real .xlsx workbooks, and the files it refuses."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from mailer.domain.models import Notice
from mailer.errors import InputError, UsageError
from mailer.reading.source_files import Cell, Line, as_text, parse_delimiter, read_lines
from tests.builders import write_file

CP1252_NOTICE = (
    "not valid UTF-8 from this row on: bytes that aren't UTF-8 were read as cp1252 (Windows); "
    "check accented letters, or save the file as CSV UTF-8"
)
SAVE_AS = "open it in your spreadsheet app and save it as CSV (UTF-8) or Excel (.xlsx)"


def read(path: Path, delimiter: str | None = None) -> tuple[list[Line], list[str]]:
    """The lines of `path` and the notices about it, as text."""
    notices: list[Notice] = []
    lines = read_lines(path, path.name, delimiter, notices)
    return lines, [str(n) for n in notices]


def cells(lines: list[Line]) -> list[list[Cell]]:
    return [line.cells for line in lines]


# --- encodings ------------------------------------------------------------------------------


def test_utf8_with_a_bom_loses_the_bom(tmp_path: Path) -> None:
    path = write_file(tmp_path, "bom.csv", "\ufeffid,name\r\n1,Zoë\r\n".encode())
    lines, notices = read(path)
    assert cells(lines) == [["id", "name"], ["1", "Zoë"]]
    assert notices == []


def test_utf8_without_a_bom(tmp_path: Path) -> None:
    path = write_file(tmp_path, "plain.csv", "id,name\n1,Łucja Nguyễn\n")
    lines, notices = read(path)
    assert cells(lines) == [["id", "name"], ["1", "Łucja Nguyễn"]]
    assert notices == []


def test_cp1252_is_read_with_a_notice_naming_the_first_bad_row(tmp_path: Path) -> None:
    data = "id;name\r\n1;José\r\n2;Renée “Rae”\r\n".encode("cp1252")
    lines, notices = read(write_file(tmp_path, "windows.csv", data))
    assert cells(lines) == [["id", "name"], ["1", "José"], ["2", "Renée “Rae”"]]
    assert notices == [f"windows.csv:2: {CP1252_NOTICE}"]


def test_a_file_mixing_utf8_and_cp1252_keeps_both(tmp_path: Path) -> None:
    data = "id,name\n1,Zoë\n".encode() + "2,José\n".encode("cp1252") + b"3,\x81x\n"
    lines, notices = read(write_file(tmp_path, "mixed.csv", data))
    # \x81 is one of the five bytes cp1252 leaves undefined: read as Latin-1.
    assert cells(lines) == [["id", "name"], ["1", "Zoë"], ["2", "José"], ["3", "\x81x"]]
    assert notices == [f"mixed.csv:3: {CP1252_NOTICE}"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_unicode_text_with_a_bom(tmp_path: Path, codec: str) -> None:
    text = "id\tname\r\n1\tZoë\r\n"
    data = text.encode(codec) if codec == "utf-16" else "\ufeff".encode(codec) + text.encode(codec)
    lines, notices = read(write_file(tmp_path, "unicode.txt", data))
    assert cells(lines) == [["id", "name"], ["1", "Zoë"]]
    assert notices == []


def test_broken_utf16_is_refused(tmp_path: Path) -> None:
    path = write_file(tmp_path, "broken.txt", b"\xff\xfea\x00b")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.message == "broken.txt starts like UTF-16 text but is not valid UTF-16"
    assert caught.value.hint == SAVE_AS


def test_nul_characters_are_removed_with_a_notice(tmp_path: Path) -> None:
    lines, notices = read(write_file(tmp_path, "nul.csv", b"i\x00d,x\n1,2\n"))
    assert cells(lines) == [["id", "x"], ["1", "2"]]
    assert notices == ["nul.csv: removed NUL characters (is this really a CSV file?)"]


# --- delimiters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"id,name\n1,Mary\n", [["id", "name"], ["1", "Mary"]]),
        (
            b"id;name;city\n1;Mary;Springfield\n",
            [["id", "name", "city"], ["1", "Mary", "Springfield"]],
        ),
        (b"id\tname\n1\tMary\n", [["id", "name"], ["1", "Mary"]]),
        # commas inside the cells do not outvote the header's semicolons
        (
            b"id;name;notes\n1;Albright, Mary;a, b, c\n2;Okafor, Denise;x, y\n",
            [
                ["id", "name", "notes"],
                ["1", "Albright, Mary", "a, b, c"],
                ["2", "Okafor, Denise", "x, y"],
            ],
        ),
        (b"id,name\n1,Mary; Anne\n", [["id", "name"], ["1", "Mary; Anne"]]),
        # a delimiter inside a quoted header cell does not count
        (b'"id;x","name"\n"1;2","Mary"\n', [["id;x", "name"], ["1;2", "Mary"]]),
        # one column: no delimiter at all
        (b"id\n1\n2\n", [["id"], ["1"], ["2"]]),
    ],
)
def test_the_delimiter_is_sniffed(tmp_path: Path, data: bytes, expected: list[list[str]]) -> None:
    lines, _ = read(write_file(tmp_path, "calls.csv", data))
    assert cells(lines) == expected


def test_a_given_delimiter_wins_over_sniffing(tmp_path: Path) -> None:
    path = write_file(tmp_path, "calls.csv", b"id;name\n1;a\n")
    assert cells(read(path, ",")[0]) == [["id;name"], ["1;a"]]
    pipes = write_file(tmp_path, "pipes.csv", b"id|name\n1|a\n")
    assert cells(read(pipes, "|")[0]) == [["id", "name"], ["1", "a"]]


@pytest.mark.parametrize(
    "data",
    [b"sep=;\r\nid;name\r\n1;a,b\r\n", b"SEP=;\nid;name\n1;a,b\n", b"sep=; \nid;name\n1;a,b\n"],
)
def test_a_sep_line_sets_the_delimiter_and_the_header_is_still_row_1(
    tmp_path: Path, data: bytes
) -> None:
    lines, _ = read(write_file(tmp_path, "excel.csv", data))
    assert [(line.number, line.cells) for line in lines] == [(1, ["id", "name"]), (2, ["1", "a,b"])]


def test_a_given_delimiter_wins_over_the_sep_line(tmp_path: Path) -> None:
    path = write_file(tmp_path, "excel.csv", b"sep=;\nid;name\n1;x\n")
    assert cells(read(path, ",")[0]) == [["id;name"], ["1;x"]]


@pytest.mark.parametrize(
    ("value", "delimiter"),
    [
        ("tab", "\t"),
        (" TAB ", "\t"),
        ("\\t", "\t"),
        ("comma", ","),
        ("semicolon", ";"),
        ("pipe", "|"),
        (";", ";"),
        ("\t", "\t"),
    ],
)
def test_parse_delimiter_takes_a_character_or_its_name(value: str, delimiter: str) -> None:
    assert parse_delimiter(value) == delimiter


@pytest.mark.parametrize("value", ["", "ab", '"', "\n", "\r", "colon"])
def test_parse_delimiter_refuses_anything_else(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_delimiter(value)
    assert caught.value.message == f"the delimiter must be one character, not {value!r}"
    assert caught.value.hint == "use ',', ';' or 'tab'"


# --- row numbers ----------------------------------------------------------------------------


def test_a_multi_line_cell_is_one_row_and_blank_rows_count(tmp_path: Path) -> None:
    data = b'id,notes\n1,"two\nlines"\n\n2,"three\r\nline\ncell"\n3,x\n'
    lines, _ = read(write_file(tmp_path, "notes.csv", data))
    assert [(line.number, line.cells) for line in lines] == [
        (1, ["id", "notes"]),
        (2, ["1", "two\nlines"]),
        (3, []),
        (4, ["2", "three\r\nline\ncell"]),
        (5, ["3", "x"]),
    ]
    assert [line.is_blank for line in lines] == [False, False, True, False, False]
    assert all(line.strict_width and not line.problem for line in lines)


def test_leading_blank_lines_are_numbered_too(tmp_path: Path) -> None:
    data = b"\n\nid\tname\tcity\n1\tMary\tSpringfield, IL\n"
    lines, _ = read(write_file(tmp_path, "report.txt", data))
    assert [(line.number, line.is_blank) for line in lines] == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
    ]
    assert lines[3].cells == ["1", "Mary", "Springfield, IL"]


def test_a_quote_never_closed_is_a_problem_on_its_row(tmp_path: Path) -> None:
    data = b'id,notes\n1,"open\nmore text\nand more\n'
    lines, _ = read(write_file(tmp_path, "runaway.csv", data))
    assert [line.number for line in lines] == [1, 2]
    assert lines[1].problem == (
        "a quote opened in this row is never closed, so the 2 lines after it were read as "
        "one cell; close the quote and read the file again"
    )
    assert not lines[1].is_blank


def test_the_last_line_needs_no_newline(tmp_path: Path) -> None:
    lines, _ = read(write_file(tmp_path, "calls.csv", b"id,name\n1,Mary"))
    assert cells(lines) == [["id", "name"], ["1", "Mary"]]


# --- workbooks ------------------------------------------------------------------------------


def write_workbook(path: Path, *, second_sheet: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Calls"
    sheet.append(["id", "zip", "called", "born", "at", "vip", "score", "notes", "empty"])
    called, born = datetime(2026, 11, 21, 15, 15), date(1979, 12, 3)
    sheet.append([7, 4101, called, born, time(15, 15), True, 2.5, "  hi  ", None])
    sheet.append([8.0, 4101.0, datetime(2026, 11, 21), None, time(9, 5, 7), False, 1.0])
    sheet.append([None, None, None])
    sheet.append(["9"])
    if second_sheet:
        book.create_sheet("Notes").append(["not read"])
    book.save(path)
    return path


def test_an_xlsx_sheet_gives_typed_cells_as_text_and_dates(tmp_path: Path) -> None:
    lines, notices = read(write_workbook(tmp_path / "calls.xlsx"))
    assert notices == []
    assert [line.number for line in lines] == [1, 2, 3, 4, 5]
    assert lines[0].cells == ["id", "zip", "called", "born", "at", "vip", "score", "notes", "empty"]
    assert lines[1].cells == [
        "7",
        "4101",  # a ZIP typed as a number keeps its digits
        datetime(2026, 11, 21, 15, 15),
        datetime(1979, 12, 3),
        "15:15",
        "TRUE",
        "2.5",
        "hi",
        "",
    ]
    assert lines[2].cells[:7] == ["8", "4101", datetime(2026, 11, 21), "", "09:05:07", "FALSE", "1"]
    assert [as_text(c) for c in lines[1].cells[2:4]] == ["2026-11-21 15:15", "1979-12-03"]
    assert lines[3].is_blank
    assert lines[4].cells[0] == "9"
    assert not any(line.strict_width for line in lines)  # sheet rows are padded, not truncated


def test_only_the_first_sheet_is_read_and_that_is_said(tmp_path: Path) -> None:
    lines, notices = read(write_workbook(tmp_path / "calls.xlsx", second_sheet=True))
    assert len(lines) == 5
    assert notices == [
        "calls.xlsx: read sheet 1, 'Calls' (the active sheet); the others: 2 'Notes' (1 row); "
        "--sheet NAME or --sheet N reads another"
    ]


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "calls.xlsx")
    renamed = tmp_path / "calls.csv"
    shutil.copy(book, renamed)
    lines, notices = read(renamed)
    assert lines[1].cells[2] == datetime(2026, 11, 21, 15, 15)
    assert notices == ["calls.csv: this file is an Excel workbook: read it as .xlsx"]


def test_text_named_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    lines, notices = read(write_file(tmp_path, "calls.xlsx", b"id,name\n1,Mary\n"))
    assert cells(lines) == [["id", "name"], ["1", "Mary"]]
    assert notices == ["calls.xlsx: this file is not a workbook but text: read it as CSV"]


# --- as_text --------------------------------------------------------------------------------


def test_as_text() -> None:
    assert as_text("  Mary  ") == "Mary"
    assert as_text(datetime(2026, 11, 21)) == "2026-11-21"
    assert as_text(datetime(2026, 11, 21, 9, 5, 30)) == "2026-11-21 09:05"


# --- files it refuses -----------------------------------------------------------------------


UNSUPPORTED = "give a call log as .csv, .tsv, .txt or .xlsx"
EMPTY = (
    "export the call log with a header row, for example: "
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at"
)


@pytest.mark.parametrize(
    ("name", "data", "says", "hint"),
    [
        ("old.xls", b"x", " is an old-style Excel workbook, which mailer can't read", SAVE_AS),
        ("sheet.ods", b"x", " is an OpenDocument spreadsheet, which mailer can't read", SAVE_AS),
        ("book.numbers", b"x", " is an Apple Numbers document, which mailer can't read", SAVE_AS),
        ("book.xlsb", b"x", " is a binary Excel workbook, which mailer can't read", SAVE_AS),
        ("calls.pdf", b"%PDF-1.7", ": unsupported file type '.pdf'", UNSUPPORTED),
        (
            "disguised.csv",
            b"\xd0\xcf\x11\xe0rest",
            " is an old-style Excel workbook (.xls)",
            SAVE_AS,
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04garbage",
            " is not a readable .xlsx workbook (File is not a zip file)",
            "export or download it again (it may be cut short or damaged), or " + SAVE_AS,
        ),
        ("empty.csv", b"  \r\n\n", " is empty", EMPTY),
        ("nothing.csv", b"", " is empty", EMPTY),
    ],
)
def test_files_that_are_not_call_logs_are_refused(
    tmp_path: Path, name: str, data: bytes, says: str, hint: str
) -> None:
    with pytest.raises(InputError) as caught:
        read(write_file(tmp_path, name, data))
    assert caught.value.message == name + says
    assert caught.value.hint == hint


def test_a_missing_file_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        read_lines(tmp_path / "gone.csv", "gone.csv", None, [])
    assert missing.value.message == "gone.csv: no such file"
    assert missing.value.hint == "check the path and the file name"
    folder = tmp_path / "calls.csv"
    folder.mkdir()
    with pytest.raises(InputError) as not_a_file:
        read_lines(folder, "calls.csv", None, [])
    assert not_a_file.value.message.startswith("calls.csv can't be read: ")
    assert not_a_file.value.hint == "check that it is a file and that you may read it"
