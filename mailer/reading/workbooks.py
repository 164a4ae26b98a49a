"""Opening an .xlsx call log: the zip checked before anything is decompressed, the sheet
chosen, and every row read whatever the sheet's `<dimension>` tag says.

- Refused before openpyxl sees it: a file that is not a whole zip (cut short, damaged), or
  one that would expand past `MAX_WORKBOOK_BYTES`, or `MAX_WORKBOOK_RATIO` times its size.
- The sheet read is the one `--sheet` names (title, else 1-based number), else the active
  sheet when it is visible, else the first visible one; a notice says which and what the
  others hold.
- Numbers become their digits (`4101.0` -> `4101`) and date cells are used as dates.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from mailer.domain.models import Notice
from mailer.errors import InputError, UsageError
from mailer.reading.lines import EMPTY_FILE_HINT, EXPORT_AGAIN_HINT, Cell, Line

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

MAX_WORKBOOK_BYTES = 200 * 1024 * 1024
"""The most an .xlsx may expand to (the sum of its zip members' sizes): a call log sheet of a
million rows is well under it; more is a zip bomb or not a call log."""
MAX_WORKBOOK_RATIO = 100
"""The most an .xlsx may expand per compressed byte, checked once it expands past
`_RATIO_FLOOR` (small sheets of repeated cells compress very well and are harmless)."""
_RATIO_FLOOR = 10 * 1024 * 1024
MAX_WORKBOOK_MEMBERS = 10_000
"""The most files an .xlsx zip may hold (a workbook of a few sheets holds a few dozen)."""


def check_workbook_archive(data: bytes, file: str) -> None:
    """Refuse an .xlsx that is not a whole zip, or that would expand past the limits
    (`MAX_WORKBOOK_BYTES`, `MAX_WORKBOOK_RATIO`, `MAX_WORKBOOK_MEMBERS`), from the zip's own
    directory and before anything is decompressed. The zip reader never gives more than a
    member's listed size, so the listed sizes bound what reading the sheet can cost."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"{file} is not a readable .xlsx workbook ({exc})", EXPORT_AGAIN_HINT
        ) from None
    expanded = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    too_big = (
        len(members) > MAX_WORKBOOK_MEMBERS
        or expanded > MAX_WORKBOOK_BYTES
        or (expanded > _RATIO_FLOOR and expanded > MAX_WORKBOOK_RATIO * max(packed, 1))
    )
    if too_big:
        raise InputError(
            f"{file} is refused: it would expand from {_mib(len(data))} to {_mib(expanded)} "
            f"in {len(members):,} parts, past mailer's limits for a workbook "
            f"({_mib(MAX_WORKBOOK_BYTES)}, {MAX_WORKBOOK_RATIO}x its size, "
            f"{MAX_WORKBOOK_MEMBERS:,} parts)",
            "this is not a call log export; open the real export in your spreadsheet app "
            "and save it as CSV (UTF-8)",
        )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MiB"


def workbook_lines(data: bytes, file: str, wanted: str | None, notices: list[Notice]) -> list[Line]:
    import openpyxl  # only .xlsx needs it
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook_archive(data, file)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about sheet features it skips (validation, styles): not ours.
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            f"{file} is not a readable .xlsx workbook ({exc})", EXPORT_AGAIN_HINT
        ) from None
    try:
        return _sheet_lines(book, file, wanted, notices)
    finally:
        book.close()


def _sheet_lines(
    book: Workbook, file: str, wanted: str | None, notices: list[Notice]
) -> list[Line]:
    sheets: list[Any] = list(book.worksheets)
    if not sheets:
        raise InputError(f"{file} has no worksheet", EMPTY_FILE_HINT)
    active = _active_index(book, sheets)
    index, why = choose_sheet(
        [(ws.title, ws.sheet_state != "visible") for ws in sheets], active, wanted, file
    )
    chosen = sheets[index]
    tagged, width = chosen.max_row, chosen.max_column or 0
    chosen.reset_dimensions()  # a stale <dimension> tag would hide the last rows
    lines = []
    for number, values in enumerate(chosen.iter_rows(values_only=True), start=1):
        cells = [_sheet_cell(value) for value in values]
        cells.extend([""] * (width - len(cells)))  # as wide as the sheet says it is
        lines.append(Line(number, cells, strict_width=False))
    while lines and lines[-1].is_blank:
        lines.pop()  # the padding a sheet's size tag may add past its last row
    if isinstance(tagged, int) and len(lines) > tagged:
        notices.append(
            Notice(
                file,
                None,
                f"the sheet says it has {tagged} rows but holds {len(lines)}: all were read",
            )
        )
    if len(sheets) > 1:
        others = []
        for position, ws in enumerate(sheets, start=1):
            if position - 1 == index:
                continue
            hidden = "hidden, " if ws.sheet_state != "visible" else ""
            rows = _count_rows(ws)
            others.append(f"{position} {ws.title!r} ({hidden}{rows} row{'s' * (rows != 1)})")
        notices.append(
            Notice(
                file,
                None,
                f"read sheet {index + 1}, {chosen.title!r} ({why}); the others: "
                f"{', '.join(others)}; --sheet NAME or --sheet N reads another",
            )
        )
    return lines


def _active_index(book: Workbook, sheets: list[Any]) -> int | None:
    try:
        active = book.active
    except (IndexError, AttributeError):
        return None
    return next((i for i, ws in enumerate(sheets) if ws is active), None)


def choose_sheet(
    sheets: Sequence[tuple[str, bool]], active: int | None, wanted: str | None, file: str
) -> tuple[int, str]:
    """Which of `sheets` ((title, hidden) in workbook order) to read, and why: the one
    `wanted` names (its title, else its 1-based position), else the active sheet when it is
    visible, else the first visible one, else the first. Raises `UsageError` when `wanted`
    names none of them, listing them."""
    if wanted is not None:
        key = wanted.strip()
        for i, (title, _) in enumerate(sheets):
            if title == key:
                return i, "--sheet"
        for i, (title, _) in enumerate(sheets):
            if title.strip().casefold() == key.casefold():
                return i, "--sheet"
        if key.isdigit() and 1 <= int(key) <= len(sheets):
            return int(key) - 1, "--sheet"
        listed = ", ".join(
            f"{i} {title!r}" + (" (hidden)" if hidden else "")
            for i, (title, hidden) in enumerate(sheets, start=1)
        )
        raise UsageError(
            f"{file} has no sheet {wanted!r}; its sheets are: {listed}",
            hint="give --sheet a sheet's name or its number (1 is the first)",
        )
    if active is not None and not sheets[active][1]:
        return active, "the active sheet"
    visible = next((i for i, (_, hidden) in enumerate(sheets) if not hidden), None)
    if visible is None:
        return 0, "every sheet is hidden"
    if active is not None:
        return visible, f"the first visible sheet; the active one, {sheets[active][0]!r}, is hidden"
    return visible, "the first visible sheet"


def _count_rows(ws: Any) -> int:
    ws.reset_dimensions()
    return sum(
        1 for values in ws.iter_rows(values_only=True) if any(v not in (None, "") for v in values)
    )


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
