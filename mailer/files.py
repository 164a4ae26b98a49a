"""The one way mailer writes a file: atomically, so that a reader, a crash or a second run
never sees half of it, and formula-safe where people open it in a spreadsheet.

Every file is first written under a unique temporary name beside its final one (so two runs
writing into one folder never share a temporary file) and renamed into place only when
complete; on any failure the temporary file is removed and the previous file stays.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

# A cell starting with one of these runs as a formula in Excel, LibreOffice and Sheets
# (CSV injection); a leading apostrophe makes it plain text and shows nothing.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The value, neutralized if a spreadsheet would run it as a formula."""
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file (UTF-8, with a BOM so Excel shows accents right) all at once."""
    with written_beside(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Readers never see half a file; an interrupted run leaves the previous one in place."""
    with written_beside(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def written_beside(
    path: Path, settle: Callable[[Path, Path], Path] | None = None
) -> Iterator[Path]:
    """A unique temporary path beside `path` for the caller (or a library that writes by
    file name, like ReportLab) to write; renamed to `path` when the block ends without an
    error, removed when it doesn't. `settle(tmp, path)`, when given, does the renaming
    instead (e.g. to keep an earlier file and choose another name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(name)
    try:
        # mkstemp makes the file private (0600); the finished file gets the usual
        # permissions, like every other output file (the user's umask decides).
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        os.close(fd)
        yield tmp
        if settle is None:
            tmp.replace(path)
        else:
            settle(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
