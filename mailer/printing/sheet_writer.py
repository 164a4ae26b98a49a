"""Print sheets written straight from the cards' PDFs: each card's pages placed in their
slots as forms (`placing`), fronts and backs, crop marks on the fronts, written a sheet at
a time into one file. Memory holds a sheet's cards and where each object starts, whatever
the size of the batch; a card is neither laid out nor drawn again, and the fonts and
images the cards share are written once.

The sheets are the ones `imposition.impose` draws with ReportLab (the same slots, offsets,
marks and page order; a test holds the two to the same pixels).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import BinaryIO

from reportlab.lib.rl_accel import fp_str

from mailer.drawing.geometry import Rect
from mailer.drawing.pdf_objects import stream, text_string
from mailer.drawing.pdf_stream import PdfStream
from mailer.printing.imposition import (
    MARK_WIDTH,
    ImpositionResult,
    add_points,
    by_sheet,
    mark_lines,
    print_instructions,
)
from mailer.printing.placing import Forms
from mailer.printing.stocks import Stock, mirrors_columns

Box = tuple[float, float, float, float]
Placed = tuple[list[int], Box]
"""A card's side as forms to paint in order, and its page's box."""


def write_sheets(
    cards: Iterable[bytes],
    stock: Stock,
    out: BinaryIO,
    *,
    duplex: str,
    trim: Rect,
    offset_front: tuple[float, float] = (0.0, 0.0),
    offset_back: tuple[float, float] = (0.0, 0.0),
    crop_marks: bool | None = None,
) -> ImpositionResult:
    """Write `cards` (each a card's PDF: page 1 its front, page 2 its back) onto sheets of
    `stock`, in the order given, as `imposition.impose` lays them out; `trim` is where the
    card's trim sits on its own pages. Raises `placing.PlaceError` for a card PDF it can't
    read."""
    mirrors_columns(duplex, stock.landscape)  # rejects an unknown mode before writing anything
    with_marks = (not stock.perforated) if crop_marks is None else crop_marks
    fronts, backs = stock.slots(), stock.back_slots(duplex)
    sheet_rect = Rect(0.0, 0.0, stock.sheet_width, stock.sheet_height)
    marks = mark_lines(fronts, sheet_rect) if with_marks else []
    sides = (
        _Side(fronts, add_points(stock.front_offset, offset_front), trim, marks),
        _Side(backs, add_points(stock.back_offset, offset_back), trim, []),
    )
    pdf = PdfStream(out)
    catalog, tree, info = pdf.reserve(), pdf.reserve(), pdf.reserve()
    media = b"/MediaBox [ 0 0 %s ] /Parent %d 0 R" % (fp_str(*stock.pagesize).encode(), tree)
    forms = Forms(pdf)
    kids, backs_after = array("Q"), array("Q")
    sheets = count = 0
    for sheet in by_sheet(cards, stock.per_sheet):
        placed = [forms.card(data) for data in sheet]
        front = sides[0].page(pdf, media, [p[0] for p in placed])
        back = sides[1].page(pdf, media, [p[1] for p in placed])
        kids.append(front)
        (backs_after if duplex == "none" else kids).append(back)
        sheets += 1
        count += len(sheet)
    kids.extend(backs_after)  # duplex none: all the fronts, then all the backs
    listed = b" ".join(b"%d 0 R" % kid for kid in kids)
    pdf.put(tree, b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (len(kids), listed))
    pdf.put(catalog, b"<< /Pages %d 0 R /Type /Catalog >>" % tree)
    title = text_string(f"mailer: {count} cards on {stock.name}")
    pdf.put(info, b"<< /Creator (mailer) /Producer (mailer) /Title %s >>" % title)
    pdf.finish(catalog, info)
    return ImpositionResult(
        sheets=sheets,
        pages=2 * sheets,
        cards=count,
        instructions=print_instructions(stock, duplex, sheets),
    )


class _Side:
    """One side of every sheet: its slots, its shift, and its marks."""

    def __init__(
        self,
        slots: list[Rect],
        shift: tuple[float, float],
        trim: Rect,
        marks: list[tuple[float, float, float, float]],
    ) -> None:
        self.slots = slots
        # Drift moves everything the printer puts on this side, marks included.
        self.start = b"q 1 0 0 1 %s cm" % fp_str(*shift).encode()
        self.trim = trim
        self.marks = b""
        if marks:
            lines = b" ".join(b"%s m %s l" % (fp_str(a, b).encode(), fp_str(c, d).encode())
                              for a, b, c, d in marks)  # fmt: skip
            self.marks = b"%s w 0 0 0 RG %s S" % (fp_str(MARK_WIDTH).encode(), lines)

    def page(self, pdf: PdfStream, media: bytes, cards: list[Placed]) -> int:
        """The page of this side with `cards` (forms) in its slots; its object number."""
        ops = [self.start]
        names = []
        for n, ((forms, _box), slot) in enumerate(zip(cards, self.slots, strict=False)):
            # A card never paints over its neighbour, whatever its own page holds.
            clip = fp_str(slot.x, slot.y, slot.w, slot.h).encode()
            move = fp_str(slot.x - self.trim.x, slot.y - self.trim.y).encode()
            paint = b" ".join(b"/C%d.%d Do" % (n, k) for k in range(len(forms)))
            ops.append(b"q %s re W n 1 0 0 1 %s cm %s Q" % (clip, move, paint))
            names += [b"/C%d.%d %d 0 R" % (n, k, form) for k, form in enumerate(forms)]
        ops += [self.marks, b"Q"]
        content = pdf.add(stream(b"", b"\n".join(op for op in ops if op)))
        resources = b"<< /ProcSet [ /PDF /Text /ImageB /ImageC /ImageI ] /XObject << %s >> >>" % (
            b" ".join(names)
        )
        return pdf.add(
            b"<< /Contents %d 0 R %s /Resources %s /Type /Page >>" % (content, media, resources)
        )
