"""Cards imposed on sheets: each card drawn straight into its slot, fronts and backs.

The caller sorts the cards and supplies two callbacks that draw a trim-size card with its
bottom-left corner at (x, y) on a ReportLab canvas. The cards are taken a sheet at a time,
just before the sheet is drawn, so a lazy iterable lays each card out only then. ReportLab
keeps every page of a document until it is saved, so the sheets go into part documents of
`PART_CARDS` cards, saved as they fill and joined at the end (`joining`): memory holds one
part, whatever the size of the batch.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO, TypeVar

from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.geometry import Rect
from mailer.printing.joining import join_parts
from mailer.printing.marks import crop_marks as trim_marks
from mailer.printing.stocks import Stock, mirrors_columns

T = TypeVar("T")
DrawCard = Callable[[Canvas, float, float, T], None]

PART_CARDS = 400
"""Cards per part document: ReportLab holds a part's pages (about 20 KB a card) until the
part is saved; each part embeds its own font subsets (about 30 KB a part in the file)."""

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
    items: Iterable[T],
    stock: Stock,
    out: Path | BinaryIO,
    *,
    duplex: str,
    draw_front: DrawCard[T],
    draw_back: DrawCard[T],
    offset_front: tuple[float, float] = (0.0, 0.0),
    offset_back: tuple[float, float] = (0.0, 0.0),
    crop_marks: bool | None = None,
    part_cards: int = PART_CARDS,
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
    with_marks = (not stock.perforated) if crop_marks is None else crop_marks
    front_shift = add_points(stock.front_offset, offset_front)
    back_shift = add_points(stock.back_offset, offset_back)
    fronts, backs = stock.slots(), stock.back_slots(duplex)
    sheet_rect = Rect(0.0, 0.0, stock.sheet_width, stock.sheet_height)
    marks = mark_lines(fronts, sheet_rect) if with_marks else []
    part_sheets = max(1, part_cards // per_sheet)
    sheets = cards = 0
    # Parts beside the output, so a full disk is the output's own error.
    where = out.parent if isinstance(out, Path) else None
    with tempfile.TemporaryDirectory(prefix=".print-parts-", dir=where) as folder:
        parts = _Parts(Path(folder), stock, separate_backs=duplex == "none")
        for sheet in by_sheet(items, per_sheet):
            if sheets % part_sheets == 0:
                parts.start()
            _page(parts.fronts, sheet, fronts, front_shift, draw_front, marks)
            _page(parts.backs, sheet, backs, back_shift, draw_back, [])
            sheets += 1
            cards += len(sheet)
        if not sheets:
            parts.start()  # a file with no cards is still a PDF
        parts.finish()
        title = f"mailer: {cards} cards on {stock.name}"
        if isinstance(out, Path):
            with out.open("wb") as target:
                join_parts(parts.in_order(), target, title=title)
        else:
            join_parts(parts.in_order(), out, title=title)
    return ImpositionResult(
        sheets=sheets,
        pages=2 * sheets,
        cards=cards,
        instructions=print_instructions(stock, duplex, sheets),
    )


def by_sheet(items: Iterable[T], per_sheet: int) -> Iterator[list[T]]:
    """The items a sheet at a time, taken from `items` only as each sheet is drawn."""
    remaining = iter(items)
    while sheet := list(islice(remaining, per_sheet)):
        yield sheet


class _Parts:
    """The small documents a batch is drawn into, a few hundred cards each: fronts and backs
    in one document each sheet after the other, or (duplex `none`) in two, all fronts
    first."""

    def __init__(self, folder: Path, stock: Stock, *, separate_backs: bool) -> None:
        self.folder = folder
        self.stock = stock
        self.separate_backs = separate_backs
        self.front_files: list[Path] = []
        self.back_files: list[Path] = []
        self._open: list[Canvas] = []

    def start(self) -> None:
        self.finish()
        self.fronts = self._new(self.front_files)
        self.backs = self._new(self.back_files) if self.separate_backs else self.fronts

    def _new(self, files: list[Path]) -> Canvas:
        path = self.folder / f"part-{len(self.front_files) + len(self.back_files):05d}.pdf"
        files.append(path)
        canvas = Canvas(str(path), pagesize=self.stock.pagesize, invariant=True, pageCompression=1)
        canvas.setCreator("mailer")
        self._open.append(canvas)
        return canvas

    def finish(self) -> None:
        """Save the open documents: their pages leave memory."""
        for canvas in self._open:
            canvas.save()
        self._open = []

    def in_order(self) -> list[Path]:
        return [*self.front_files, *self.back_files] if self.separate_backs else self.front_files


def add_points(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] + b[0], a[1] + b[1])


def mark_lines(fronts: Sequence[Rect], sheet: Rect) -> list[tuple[float, float, float, float]]:
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


def clear_old_parts(folder: Path) -> None:
    """Parts a killed print left beside its output (no clean-up runs after `kill -9`). Call
    it holding the ledger's printing lock: then no other print is using them."""
    for old in folder.glob(".print-parts-*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
