"""The one way mailer writes a file: atomically, so that a reader, a crash or a second run
never sees half of it, formula-safe where people open it in a spreadsheet, and with no
control characters from a call log (`clean_text`, which the command line uses for the
terminal too).

Every file is first written under a unique temporary name beside its final one (so two runs
writing into one folder never share a temporary file) and renamed into place only when
complete; on any failure the temporary file is removed and the previous file stays.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

# A cell starting with one of these runs as a formula in Excel, LibreOffice and Sheets
# (CSV injection); a leading apostrophe makes it plain text and shows nothing.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A terminal escape sequence is removed whole: CSI (`ESC [` ... a final letter), the strings
# of OSC, DCS, SOS, PM and APC (up to BEL or `ESC \`; a window title, a hyperlink), or ESC
# with its intermediate and final characters. Then any other control character goes: C0 but
# tab and newline, DEL, C1, and the bidirectional overrides that make text read backwards.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, *, one_line: bool = False) -> str:
    """`value` with no terminal escape sequence and no control character left, so a name
    or note from a call log can't move the cursor, recolour or retitle a terminal, or hide
    text in a file: sequences go whole, a carriage return becomes a newline, any other
    control character goes. `one_line` turns tabs and newlines into spaces too."""
    text = _ESCAPES.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text)
    if one_line:
        text = " ".join(text.split())
    return text


def safe_cell(value: str) -> str:
    """The value, neutralized if a spreadsheet would run it as a formula."""
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file (UTF-8, with a BOM so Excel shows accents right) all at once, every
    cell cleaned (`clean_text`) and formula-safe (`safe_cell`)."""
    with written_beside(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([safe_cell(clean_text(cell)) for cell in row] for row in rows)


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
