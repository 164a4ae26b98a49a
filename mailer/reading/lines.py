"""What every call-log opener hands `records`: numbered lines of cells, and the advice
for a file that can't be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

EMPTY_FILE_HINT = (
    "export the call log with a header row, for example: "
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at"
)
SAVE_AS_HINT = "open it in your spreadsheet app and save it as CSV (UTF-8) or Excel (.xlsx)"
EXPORT_AGAIN_HINT = "export or download it again (it may be cut short or damaged), or " + (
    SAVE_AS_HINT
)

# A cell: CSV cells are text; .xlsx cells are text or a date/time the sheet typed.
Cell = str | datetime


@dataclass(slots=True)
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
