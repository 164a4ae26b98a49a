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

MAX_CELL_CHARS = 32_767
"""The most characters a cell may hold: Excel's own limit for one cell. A longer cell did not
come from a spreadsheet; it is almost always a quote that opened and never closed."""

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


def checked_line(line: Line, physical: int, *, ran_out: bool) -> Line:
    """`line`, split from `physical` lines of text, with the problem that rejects it: a quote
    that ran to the end of the file (`ran_out`), or a cell too long for a spreadsheet (cut
    short, so the rejection stays readable)."""
    if ran_out and physical > 1:
        line.problem = (
            f"a quote opened in this row is never closed, so the {physical - 1} "
            f"{'line after it was' if physical == 2 else 'lines after it were'} read as one "
            "cell; close the quote and read the file again"
        )
    for i, cell in enumerate(line.cells):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            line.problem = line.problem or (
                f"column {i + 1} holds {len(cell):,} characters on {physical:,} lines, "
                f"more than a spreadsheet cell can hold ({MAX_CELL_CHARS:,}); check the "
                "quotes in this row and read the file again"
            )
            line.cells[i] = cell[:80] + "…"
    return line
