"""What every print sheet shares: the batch a sheet at a time, the crop marks' lines, the
stock's offsets added to a correction, what was written and how to print it.

The sheets themselves are written by `sheet_writer` (the drawn cards placed as they are).
ReportLab's imposition of the same sheets (each card drawn into its slot, in part
documents joined at the end) is kept with the tests, as the reference the placed sheets are
held to.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TypeVar

from mailer.drawing.geometry import Rect
from mailer.printing.marks import crop_marks as trim_marks
from mailer.printing.stocks import Stock

T = TypeVar("T")

MARK_WIDTH = 0.3
"""Points: a hairline that a laser printer still renders."""


@dataclass(frozen=True)
class ImpositionResult:
    """What was written: sheets of paper, PDF pages, cards, and how to print them."""

    sheets: int
    pages: int
    cards: int
    instructions: str


def by_sheet(items: Iterable[T], per_sheet: int) -> Iterator[list[T]]:
    """The items a sheet at a time, taken from `items` only as each sheet is drawn."""
    remaining = iter(items)
    while sheet := list(islice(remaining, per_sheet)):
        yield sheet


def add_points(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] + b[0], a[1] + b[1])


def mark_lines(fronts: Sequence[Rect], sheet: Rect) -> list[tuple[float, float, float, float]]:
    return [(m.x0, m.y0, m.x1, m.y1) for m in trim_marks(fronts, sheet)]


def print_instructions(stock: Stock, duplex: str, sheets: int) -> str:
    """How to print the file: the printer settings, or the manual steps for `none`."""
    paper = f"{sheets} sheet{'s' if sheets != 1 else ''} of {stock.name}"
    if stock.description:
        paper += f" ({stock.description})"
    scale = 'Print at 100% ("actual size"), never "fit to page".'
    if duplex != "none":
        edge = "long" if duplex == "long-edge" else "short"
        return f"{paper}. {scale} Print all {2 * sheets} pages two-sided, flip on {edge} edge."
    last = sheets
    return "\n".join(
        (
            f"{paper}. {scale} Two-sided by hand:",
            f"1. Print pages 1-{last}: the fronts.",
            "2. Take the printed stack out without changing its order.",
            "3. Turn the whole stack over sideways, like the page of a book, never end over "
            "end: the top edge of the fronts stays at the same end.",
            "4. Put it back in the tray so the blank sides get printed, top edge first as "
            "before, and the first sheet printed is fed first (from a face-down output tray, "
            "turning the stack over does exactly that).",
            f"5. Print pages {last + 1}-{2 * last}: the backs.",
            "Try it with one sheet first (page 1, then page "
            f"{last + 1}) and hold it up to the light: each back must sit behind its front.",
        )
    )


def clear_old_parts(folder: Path) -> None:
    """Part folders (`.print-parts-*`) a killed print of an earlier version left beside its
    output, when the sheets were drawn in parts (no clean-up runs after `kill -9`). Call it
    holding the ledger's printing lock: then no other print is using them."""
    for old in folder.glob(".print-parts-*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
