"""Opening a call log file: CSV/TSV text or an .xlsx sheet, as numbered lines of cells.

What a file is made of is decided here; what its cells mean is not (see `mailer.reading.records`).
- The encoding is sniffed: a UTF-16 BOM (Excel's "Unicode text"), else UTF-8 with or without a
  BOM, with the bytes UTF-8 rejects read as cp1252 and a notice naming the first such row.
- The delimiter is `,`, `;` or tab, sniffed unless given; a first line `sep=;` is honoured.
- A line's `number` is the row number a spreadsheet shows (header = 1): a quoted cell spanning
  several lines is still one row; blank rows count in the numbering.
- CSV cells are never coerced: every value is text. In .xlsx sheets numbers become their
  digits (`4101.0` -> `4101`) and date cells are used as dates.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from mailer.domain.models import Notice
from mailer.errors import InputError, UsageError

EMPTY_FILE_HINT = (
    "export the call log with a header row, for example: "
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at"
)
_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab", ""})
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_UNSUPPORTED_SUFFIXES = {
    ".xls": "an old-style Excel workbook",
    ".xlsb": "a binary Excel workbook",
    ".numbers": "an Apple Numbers document",
    ".ods": "an OpenDocument spreadsheet",
}
_SAVE_AS_HINT = "open it in your spreadsheet app and save it as CSV (UTF-8) or Excel (.xlsx)"
_DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}

# A cell: CSV cells are text; .xlsx cells are text or a date/time the sheet typed.
Cell = str | datetime


@dataclass
class Line:
    """One row of a sheet: its spreadsheet row number and cells, or why it couldn't be split."""

    number: int
    cells: list[Cell]
    problem: str = ""
    strict_width: bool = True  # CSV rows must fill the header; sheet rows are padded

    @property
    def is_blank(self) -> bool:
        return not self.problem and not any(as_text(c) for c in self.cells)


def as_text(cell: Cell) -> str:
    """A cell as the text a person would type: stripped, dates as ISO."""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d" if cell.time() == time() else "%Y-%m-%d %H:%M")
    return cell.strip()


def parse_delimiter(value: str) -> str:
    """The delimiter a user asked for: one character, or a word such as `tab` or `semicolon`."""
    chosen = _DELIMITER_WORDS.get(value.strip().lower(), value)
    if len(chosen) != 1 or chosen in '"\r\n':
        raise UsageError(
            f"the delimiter must be one character, not {value!r}",
            hint="use ',', ';' or 'tab'",
        )
    return chosen


def read_lines(path: Path, file: str, delimiter: str | None, notices: list[Notice]) -> list[Line]:
    """Every line of the call log at `path` (named `file` in messages), blank ones included.

    Raises `InputError` when the file can't be opened or is not a call log format.
    """
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED_SUFFIXES:
        raise InputError(
            f"{file} is {_UNSUPPORTED_SUFFIXES[suffix]}, which mailer can't read", _SAVE_AS_HINT
        )
    if suffix not in _TEXT_SUFFIXES | _WORKBOOK_SUFFIXES:
        raise InputError(
            f"{file}: unsupported file type {suffix!r}",
            "give a call log as .csv, .tsv, .txt or .xlsx",
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{file}: no such file", "check the path and the file name") from None
    except OSError as exc:
        raise InputError(
            f"{file} can't be read: {exc.strerror or exc}",
            "check that it is a file and that you may read it",
        ) from None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{file} is an old-style Excel workbook (.xls)", _SAVE_AS_HINT)
    if data.startswith(b"PK\x03\x04"):
        if suffix not in _WORKBOOK_SUFFIXES:
            notices.append(Notice(file, None, "this file is an Excel workbook: read it as .xlsx"))
        return _workbook_lines(data, file, notices)
    if suffix in _WORKBOOK_SUFFIXES:
        notices.append(Notice(file, None, "this file is not a workbook but text: read it as CSV"))
    return _text_lines(data, file, delimiter, notices)


# --- text --------------------------------------------------------------------------------


def _decode(data: bytes, file: str, notices: list[Notice]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text" export
        except UnicodeDecodeError:
            raise InputError(
                f"{file} starts like UTF-16 text but is not valid UTF-16", _SAVE_AS_HINT
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad_line = data[: exc.start].count(b"\n") + 1
    notices.append(
        Notice(
            file,
            first_bad_line,
            "not valid UTF-8 from this row on: bytes that aren't UTF-8 were read as cp1252 "
            "(Windows); check accented letters, or save the file as CSV UTF-8",
        )
    )
    return data.decode("utf-8-sig", errors=_CP1252_FALLBACK)


def _read_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as cp1252, so a file mixing both keeps its UTF-8 text."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    try:
        return chunk.decode("cp1252"), error.end
    except UnicodeDecodeError:
        return chunk.decode("latin-1"), error.end  # the five bytes cp1252 leaves undefined


_CP1252_FALLBACK = "mailer-cp1252-fallback"
codecs.register_error(_CP1252_FALLBACK, _read_as_cp1252)


def _text_lines(data: bytes, file: str, delimiter: str | None, notices: list[Notice]) -> list[Line]:
    text = _decode(data, file, notices)
    if "\x00" in text:
        text = text.replace("\x00", "")
        notices.append(Notice(file, None, "removed NUL characters (is this really a CSV file?)"))
    if not text.strip():
        raise InputError(f"{file} is empty", EMPTY_FILE_HINT)
    # Excel honours a first line `sep=;` and hides it, so the header is still row 1.
    if match := re.match(r"sep=(.)[ \t]*\r?\n", text, re.IGNORECASE):
        delimiter = delimiter or match[1]
        text = text[match.end() :]
    delimiter = delimiter or _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    lines: list[Line] = []
    while True:
        try:
            cells: list[Cell] = list(next(reader))
        except StopIteration:
            break
        except csv.Error as exc:
            lines.append(Line(len(lines) + 1, [], problem=f"this row can't be split: {exc}"))
            continue
        lines.append(Line(len(lines) + 1, cells))
    _flag_runaway_quote(lines, text)
    return lines


def _flag_runaway_quote(lines: list[Line], text: str) -> None:
    """A quote opened and never closed swallows every line after it into one cell (the csv
    module reads on to the end): reject that row loudly instead of losing the rows quietly."""
    if not lines or not lines[-1].cells or text.count('"') % 2 == 0:
        return
    last = lines[-1].cells[-1]
    swallowed = len(last.splitlines()) - 1 if isinstance(last, str) else 0
    if swallowed > 0:
        lines[-1].problem = (
            f"a quote opened in this row is never closed, so the {swallowed} line(s) after it "
            "were read as one cell; close the quote and read the file again"
        )


def _sniff_delimiter(text: str) -> str:
    """`,`, `;` or tab: the sniffer's guess when the header line agrees, else the one the
    header line uses most (the header rarely holds a delimiter inside a name)."""
    head = text[:65536].splitlines()
    header = next((line for line in head if line.strip()), "")
    counts = {d: _count_unquoted(header, d) for d in ",;\t"}
    sample = "\n".join(head[:30])[:32768]
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        guess = ""
    if guess in counts and counts[guess] > 0:
        return guess
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_unquoted(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


# --- workbooks ---------------------------------------------------------------------------


def _workbook_lines(data: bytes, file: str, notices: list[Notice]) -> list[Line]:
    import openpyxl  # only .xlsx needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about sheet features it skips (validation, styles): not ours.
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            f"{file} is not a readable .xlsx workbook ({exc})", _SAVE_AS_HINT
        ) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise InputError(f"{file} has no worksheet", EMPTY_FILE_HINT)
        if len(sheets) > 1:
            notices.append(
                Notice(file, None, f"read the first sheet, {sheets[0].title!r}, of {len(sheets)}")
            )
        return [
            Line(number, [_sheet_cell(value) for value in values], strict_width=False)
            for number, values in enumerate(sheets[0].iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def _sheet_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # A ZIP or a phone typed as a number comes back as 4101.0: keep its digits.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()
