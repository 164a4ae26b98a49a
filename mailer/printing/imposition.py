"""Cards imposed on sheets: each card drawn straight into its slot, fronts and backs.

The caller sorts the cards and supplies two callbacks that draw a trim-size card with its
bottom-left corner at (x, y) on a ReportLab canvas. Pages are drawn one after the other;
ReportLab keeps them until the document is saved (a few KB a card, see bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.geometry import Rect
from mailer.printing.marks import crop_marks as trim_marks
from mailer.printing.stocks import Stock, mirrors_columns

T = TypeVar("T")
DrawCard = Callable[[Canvas, float, float, T], None]

MARK_WIDTH = 0.3
"""Points: a hairline that a laser printer still renders."""


@dataclass(frozen=True)
class ImpositionResult:
    """What was written: sheets of paper, PDF pages, cards, and how to print them."""

    sheets: int
    pages: int
    cards: int
    instructions: str


def impose(
    items: Sequence[T],
    stock: Stock,
    out: Path | BinaryIO,
    *,
    duplex: str,
    draw_front: DrawCard[T],
    draw_back: DrawCard[T],
    offset_front: tuple[float, float] = (0.0, 0.0),
    offset_back: tuple[float, float] = (0.0, 0.0),
    crop_marks: bool | None = None,
) -> ImpositionResult:
    """Write `items` onto sheets of `stock` as a PDF, in the order given.

    With `long-edge` or `short-edge` duplex the pages go front 1, back 1, front 2, ...; with
    `none` all fronts come first, then all backs, for feeding the stack through again by hand.
    Each back sits exactly behind its own front once the sheet is turned over (see
    `stocks.mirrors_columns`). `offset_front`/`offset_back` (points, x right, y up) add to the
    stock's own offsets to correct printer drift. Crop marks go on the fronts; `None` means the
    stock's default: marks on plain stock, none on perforated stock.
    """
    mirrors_columns(duplex, stock.landscape)  # rejects an unknown mode before writing anything
    per_sheet = stock.per_sheet
    sheets = [items[i : i + per_sheet] for i in range(0, len(items), per_sheet)]
    with_marks = (not stock.perforated) if crop_marks is None else crop_marks
    front_shift = _add(stock.front_offset, offset_front)
    back_shift = _add(stock.back_offset, offset_back)
    fronts, backs = stock.slots(), stock.back_slots(duplex)
    sheet_rect = Rect(0.0, 0.0, stock.sheet_width, stock.sheet_height)
    marks = _marks(fronts, sheet_rect) if with_marks else []

    out_file = str(out) if isinstance(out, Path) else out
    canvas = Canvas(out_file, pagesize=stock.pagesize, invariant=True, pageCompression=1)
    canvas.setTitle(f"mailer: {len(items)} cards on {stock.name}")
    canvas.setCreator("mailer")

    def front_page(cards: Sequence[T]) -> None:
        _page(canvas, cards, fronts, front_shift, draw_front, marks)

    def back_page(cards: Sequence[T]) -> None:
        _page(canvas, cards, backs, back_shift, draw_back, [])

    if duplex == "none":
        for cards in sheets:
            front_page(cards)
        for cards in sheets:
            back_page(cards)
    else:
        for cards in sheets:
            front_page(cards)
            back_page(cards)
    canvas.save()
    return ImpositionResult(
        sheets=len(sheets),
        pages=2 * len(sheets),
        cards=len(items),
        instructions=print_instructions(stock, duplex, len(sheets)),
    )


def _add(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] + b[0], a[1] + b[1])


def _marks(fronts: Sequence[Rect], sheet: Rect) -> list[tuple[float, float, float, float]]:
    return [(m.x0, m.y0, m.x1, m.y1) for m in trim_marks(fronts, sheet)]


def _page(
    canvas: Canvas,
    cards: Sequence[T],
    slots: Sequence[Rect],
    shift: tuple[float, float],
    draw: DrawCard[T],
    marks: Sequence[tuple[float, float, float, float]],
) -> None:
    canvas.saveState()
    # Drift moves everything the printer puts on this side, marks included.
    canvas.translate(*shift)
    for card, slot in zip(cards, slots, strict=False):
        canvas.saveState()
        # A card never paints over its neighbour, whatever the template draws.
        clip = canvas.beginPath()
        clip.rect(slot.x, slot.y, slot.w, slot.h)
        canvas.clipPath(clip, stroke=0, fill=0)
        draw(canvas, slot.x, slot.y, card)
        canvas.restoreState()
    if marks:
        canvas.setLineWidth(MARK_WIDTH)
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.lines(marks)
    canvas.restoreState()
    canvas.showPage()


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
