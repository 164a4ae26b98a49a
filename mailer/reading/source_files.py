"""Opening a call log file: CSV/TSV text or an .xlsx sheet, as numbered lines of cells.

What a file is made of is decided here; what its cells mean is not (see `mailer.reading.records`).
- Only a regular file is opened: a folder, a pipe (FIFO), a device or a socket is refused
  before anything reads from it, so mailer never waits on one.
- The encoding is sniffed: a UTF-16 BOM (Excel's "Unicode text"), else UTF-8 with or without a
  BOM, with the bytes UTF-8 rejects read as cp1252 and a notice naming the first such row.
- The delimiter is `,`, `;` or tab, sniffed unless given; a first line `sep=;` is honoured.
- Text is split into rows by `stray_quotes` (stray quotes, oversized cells); workbooks are
  opened by `workbooks` (zip bombs, stale dimensions, hidden sheets, `--sheet`).
- CSV cells are never coerced: every value is text.
"""

from __future__ import annotations

import codecs
import csv
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from mailer.domain.models import Notice
from mailer.errors import InputError, UsageError
from mailer.reading.lines import (
    EMPTY_FILE_HINT,
    EXPORT_AGAIN_HINT,
    MAX_CELL_CHARS,
    SAVE_AS_HINT,
    Cell,
    Line,
    as_text,
)
from mailer.reading.stray_quotes import iter_rows

__all__ = [
    "EMPTY_FILE_HINT",
    "MAX_CELL_CHARS",
    "Cell",
    "Line",
    "as_text",
    "parse_delimiter",
    "read_lines",
    "stream_lines",
]

_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab", ""})
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_UNSUPPORTED_SUFFIXES = {
    ".xls": "an old-style Excel workbook",
    ".xlsb": "a binary Excel workbook",
    ".numbers": "an Apple Numbers document",
    ".ods": "an OpenDocument spreadsheet",
}
_DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def parse_delimiter(value: str) -> str:
    """The delimiter a user asked for: one character, or a word such as `tab` or `semicolon`."""
    chosen = _DELIMITER_WORDS.get(value.strip().lower(), value)
    if len(chosen) != 1 or chosen in '"\r\n':
        raise UsageError(
            f"the delimiter must be one character, not {value!r}",
            hint="use ',', ';' or 'tab'",
        )
    return chosen


def read_lines(
    path: Path,
    file: str,
    delimiter: str | None,
    notices: list[Notice],
    sheet: str | None = None,
) -> list[Line]:
    """Every line of the call log at `path` (named `file` in messages), blank ones included.
    `sheet` picks a workbook's sheet by name or 1-based number (ignored, with a notice, for
    a text file).

    Raises `InputError` when the file can't be opened or is not a call log format,
    `UsageError` when `sheet` names no sheet of the workbook.
    """
    return list(stream_lines(path, file, delimiter, notices, sheet))


def stream_lines(
    path: Path,
    file: str,
    delimiter: str | None,
    notices: list[Notice],
    sheet: str | None = None,
) -> Iterator[Line]:
    """The lines `read_lines` gives, a text file's one at a time as each is split (see
    `stray_quotes.iter_rows`); the file is opened and checked, and raises, at the call."""
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED_SUFFIXES:
        raise InputError(
            f"{file} is {_UNSUPPORTED_SUFFIXES[suffix]}, which mailer can't read", SAVE_AS_HINT
        )
    if suffix not in _TEXT_SUFFIXES | _WORKBOOK_SUFFIXES:
        raise InputError(
            f"{file}: unsupported file type {suffix!r}",
            "give a call log as .csv, .tsv, .txt or .xlsx",
        )
    data = read_regular_file(path, file)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{file} is an old-style Excel workbook (.xls)", SAVE_AS_HINT)
    if data.startswith(b"PK\x03\x04"):
        if suffix not in _WORKBOOK_SUFFIXES:
            notices.append(Notice(file, None, "this file is an Excel workbook: read it as .xlsx"))
        # Imported here: `zipfile` and the workbook reader cost a text log's first read
        # about 9 ms of CPU for nothing.
        from mailer.reading.workbooks import workbook_lines

        return iter(workbook_lines(data, file, sheet, notices))
    if suffix in _WORKBOOK_SUFFIXES:
        if _looks_binary(data):
            raise InputError(
                f"{file} is not an .xlsx workbook: it is not a zip file, nor text",
                EXPORT_AGAIN_HINT,
            )
        notices.append(Notice(file, None, "this file is not a workbook but text: read it as CSV"))
    if sheet is not None:
        notices.append(
            Notice(file, None, f"--sheet {sheet} ignored: this file is text, not a workbook")
        )
    return _text_lines(data, file, delimiter, notices)


def read_regular_file(path: Path, file: str) -> bytes:
    """The bytes of `path`, refusing at once anything that is not a regular file: opening a
    pipe (FIFO) or a device would wait for a writer, or read forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{file}: no such file", "check the path and the file name") from None
    except OSError as exc:
        raise InputError(
            f"{file} can't be read: {exc.strerror or exc}",
            "check that it is a file and that you may read it",
        ) from None
    if stat.S_ISDIR(mode):
        raise InputError(
            f"{file} can't be read: it is a folder, not a file",
            "check that it is a file and that you may read it",
        )
    if not stat.S_ISREG(mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise InputError(
            f"{file} can't be read: it is {kind}, not a regular file",
            "save the export as a file first and give mailer that file",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{file} can't be read: {exc.strerror or exc}",
            "check that it is a file and that you may read it",
        ) from None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes early on, and no UTF-16 BOM that would explain them: not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:4096]


# --- text --------------------------------------------------------------------------------


def decode_text(data: bytes, file: str, notices: list[Notice]) -> str:
    """Text from a file's bytes: UTF-16 with its BOM, else UTF-8 (with or without a BOM),
    the bytes UTF-8 refuses read as Windows-1252 with a notice naming the first such row."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text" export
        except UnicodeDecodeError:
            raise InputError(
                f"{file} starts like UTF-16 text but is not valid UTF-16", SAVE_AS_HINT
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


def _text_lines(
    data: bytes, file: str, delimiter: str | None, notices: list[Notice]
) -> Iterator[Line]:
    text = decode_text(data, file, notices)
    if "\x00" in text:
        text = text.replace("\x00", "")
        notices.append(Notice(file, None, "removed NUL characters (is this really a CSV file?)"))
    if not text.strip():
        raise InputError(f"{file} is empty", EMPTY_FILE_HINT)
    # Excel honours a first line `sep=;` and hides it, so the header is still row 1.
    if match := re.match(r"sep=(.)[ \t]*\r?\n", text, re.IGNORECASE):
        delimiter = delimiter or match[1]
        text = text[match.end() :]
    return iter_rows(text, delimiter or _sniff_delimiter(text), file, notices)


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
