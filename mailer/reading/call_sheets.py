"""mailer's own call sheet (followups.csv) read back as a call log: the rows of calls not
made yet, and calls dated from the sheet's planned day. The preset `mailer-sheet` in
`data/sources.toml` turns these on (`unfilled`, `fallback`); any other file is read as ever.
Pure functions over cells.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailer.domain.models import Rejection
from mailer.reading.lines import Cell, Line
from mailer.reading.sources import HeaderMap, Preset

_WINDOW = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*\d{1,2}:\d{2}$")
"""A call sheet's time window ("10:00-12:00"): a planned call counts as made at its start."""
_TIME_ONLY = re.compile(r"^\d{1,2}(:\d{2})?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
"""A time with no day ("3:15 PM", "15:15", "3pm"): read on the row's planned day."""


def fallback_text(texts: Sequence[str], indexes: Sequence[int]) -> str:
    """The cells at `indexes` joined (the planned day and its window), a time window counting
    as its start: "2026-11-30 10:00". Empty when they are."""
    parts = [texts[j] if j < len(texts) else "" for j in indexes]
    # The day as written; after it only a window's start or a time: a window edited into
    # something else ("mornings") leaves the day alone rather than spoil it.
    times = [m.group(1) if (m := _WINDOW.match(p)) else p for p in parts[1:]]
    return " ".join(p for p in parts[:1] + [t for t in times if _time_only(t)] if p)


def _time_only(text: str) -> bool:
    text = text.strip()
    return bool(_TIME_ONLY.match(text)) and (":" in text or text[-1:].casefold() in "m.")


def unfilled_reason(
    preset: Preset | None,
    line: Line,
    texts: Sequence[str],
    outcomes: Sequence[int],
    filled: Sequence[int] = (),
) -> str:
    """Why a row is skipped rather than read ("not called yet"), or "": only for a preset
    that says so, and only when every outcome cell of an otherwise sound row is empty and
    so are the cells the seller fills in after a call (`filled`: the call date and notes).
    A row with a call date or a note but no outcome is a call whose outcome was forgotten:
    it is read, and rejected for its missing outcome, so the call is never lost quietly."""
    reason = preset.unfilled if preset is not None else ""
    if not reason or line.problem or not outcomes:
        return ""
    if any(texts[i] for i in (*outcomes, *filled) if i < len(texts)):
        return ""
    return reason


def sheet_notices(
    skipped: Sequence[Rejection], planned: Sequence[int], names: Sequence[str], parts: Sequence[int]
) -> list[str]:
    """One line for the rows skipped as not called yet, one for the calls dated from their
    planned day: each row named by the line number a spreadsheet shows."""
    said = []
    if skipped:
        rows = row_list([r.row for r in skipped])
        said.append(f"{rows}: {skipped[0].error} (no outcome filled in), skipped")
    if planned:
        columns = " and ".join(repr(names[i].strip()) for i in parts)
        said.append(
            f"{row_list(planned)}: no called_at filled in, so each call is taken as made on "
            f"its planned day ({columns}); a time filled in after this sheet is recorded "
            "would count as another call"
        )
    return said


def row_list(rows: Sequence[int]) -> str:
    """'row 4', 'rows 3-5, 9': line numbers, runs written as ranges."""
    runs: list[list[int]] = []
    for n in sorted(rows):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
    return ("row " if len(rows) == 1 else "rows ") + text


class SheetRows:
    """What a reader of one file does for a call sheet: skip the rows of calls not made yet
    and date the others from their planned day when `called_at` is empty, remembering the
    line numbers of both to say so once (`said`). Does nothing for any other file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.preset: Preset | None = None
        self.outcomes: tuple[int, ...] = ()
        self.parts: tuple[int, ...] = ()
        self.filled: tuple[int, ...] = ()
        self.skipped: list[Rejection] = []
        self.planned: list[int] = []
        self.rejected: list[Rejection] = []

    def use(self, preset: Preset | None, mapped: HeaderMap, rejected: list[Rejection]) -> None:
        """The file's preset and header; `rejected` is the reader's list of rejections (a
        row rejected for another cell is not said to be dated from its planned day)."""
        self.rejected = rejected
        self.preset = preset
        self.outcomes = tuple(mapped.outcomes)
        self.parts = mapped.fallbacks.get("called_at", ())
        self.filled = tuple(mapped.fields[f] for f in ("called_at", "notes") if f in mapped.fields)

    def skips(self, line: Line, texts: Sequence[str]) -> bool:
        """True, the row kept in `skipped`, for a row whose outcome was left empty."""
        reason = unfilled_reason(self.preset, line, texts, self.outcomes, self.filled)
        if reason:
            self.skipped.append(Rejection(self.file, line.number, reason))
        return bool(reason)

    def dated(self, called: Cell, texts: Sequence[str], row: int) -> Cell:
        """The call date cell; the planned day and window when it is empty; the planned day
        and the time written when only a time is ("3:15 PM")."""
        planned = fallback_text(texts, self.parts) if called == "" else ""
        if planned:
            self.planned.append(row)
            return planned
        if isinstance(called, str) and self.parts and _time_only(called):
            day = fallback_text(texts, self.parts[:1])
            return f"{day} {called.strip()}" if day else called
        return called

    def said(self, names: Sequence[str]) -> list[str]:
        rejected = {r.row for r in self.rejected}
        planned = [n for n in self.planned if n not in rejected]
        return sheet_notices(self.skipped, planned, names, self.parts)
