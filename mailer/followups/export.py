"""The follow-up files of `mailer run` written together, a call at a time: followups.csv
(the call sheet, `sheet`), followups.ics (the calendar, `calendar`) and followups.pdf (the
sheet on paper, `sheet_pdf`). Each call's words are rendered once for the three, and no
file is held in memory: a season of calls costs what one call costs. Each file appears
under its name only once it is whole (written beside it, then renamed): an error while
they are written leaves the files of an earlier run as they were.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from mailer.files import clean_text, safe_cell, written_beside
from mailer.followups.calendar import CalendarWriter
from mailer.followups.calls import FollowUp, PlannedCall
from mailer.followups.sheet import CSV_COLUMNS, sheet_row
from mailer.followups.sheet_pdf import CallSheet

FILES = ("followups.csv", "followups.ics", "followups.pdf")


def day_counts(order: Sequence[PlannedCall]) -> Counter[date]:
    """How many calls each day has (the call sheet's day headings say it)."""
    return Counter(planned.at.on for planned in order)


def write_followups(
    calls: Iterable[FollowUp],
    folder: Path,
    stamp: date,
    counts: Mapping[date, int],
    paper: Callable[[FollowUp], None] | None = None,
) -> int:
    """followups.csv, followups.ics and followups.pdf in `folder`, from `calls` soonest
    first (`calls.calls_in_order`); `counts` the calls of each day (`day_counts`); `stamp`
    the export day (the calendar's only clock). Returns how many calls were written.
    With `paper`, followups.pdf is not written here: each call is handed to `paper`
    instead, for another process to lay out (`write_call_sheet`)."""
    csv_path, ics_path, pdf_path = (folder / name for name in FILES)
    with ExitStack() as files:
        # Opened in this order, closed (and renamed into place) in the reverse one.
        # UTF-8 with a BOM, so Excel shows accents right (as `files.write_csv_rows`).
        sheet_file = _open(files, csv_path).open("w", encoding="utf-8-sig", newline="")
        rows = csv.writer(files.enter_context(sheet_file), lineterminator="\r\n")
        ics_file = files.enter_context(_open(files, ics_path).open("wb"))
        sheet = None
        if paper is None:
            sheet = CallSheet(files.enter_context(_open(files, pdf_path).open("wb")), counts)
            paper = sheet.add
        rows.writerow(CSV_COLUMNS)
        calendar = CalendarWriter(ics_file, stamp)
        written = 0
        for call in calls:
            # Every cell cleaned and formula-safe, as `files.write_csv_rows` writes them.
            rows.writerow([safe_cell(clean_text(cell)) for cell in sheet_row(call)])
            calendar.add(call)
            paper(call)
            written += 1
        calendar.close()
        if sheet is not None:
            sheet.close()
    return written


def write_call_sheet(calls: Iterable[FollowUp], path: Path, counts: Mapping[date, int]) -> None:
    """followups.pdf alone, as `write_followups` writes it (for the calls it handed on)."""
    with written_beside(path) as tmp, tmp.open("wb") as out:
        sheet = CallSheet(out, counts)
        for call in calls:
            sheet.add(call)
        sheet.close()


def _open(files: ExitStack, path: Path) -> Path:
    """The temporary path `path` is written at, renamed into place when `files` closes."""
    return files.enter_context(written_beside(path))
