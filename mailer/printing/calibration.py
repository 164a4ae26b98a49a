"""The calibration sheet: print it on plain paper, hold it against the stock, and see whether
the card outlines land on the cards, front and back.

Page 1 is the front and page 2 the back, laid out for the chosen duplex mode exactly as
`impose` lays out cards, with the stock's own offsets applied (so a correction can be checked
by printing again). One-inch rulers show whether the printer scaled the page.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.geometry import POINTS_PER_INCH, Rect
from mailer.files import written_beside
from mailer.printing.stocks import Stock, mirrors_columns

RULER = POINTS_PER_INCH
"""The ruler's length: exactly one inch."""
TICK = POINTS_PER_INCH / 8
FONT = "Helvetica"
BOLD = "Helvetica-Bold"


Offset = tuple[float, float]


def write_calibration(
    stock: Stock,
    out: Path,
    *,
    duplex: str,
    offsets: tuple[Offset, Offset] = ((0.0, 0.0), (0.0, 0.0)),
) -> None:
    """Write the two-page calibration PDF for `stock` and `duplex` to `out`, each side moved
    by the stock's offset plus `offsets` (front, back: points, right and up), as `impose`
    moves the cards: a correction can be checked on plain paper before using the stock."""
    with written_beside(out) as partial:
        _calibration(stock, partial, duplex, offsets)


def _calibration(stock: Stock, out: Path, duplex: str, offsets: tuple[Offset, Offset]) -> None:
    turn = "over sideways" if mirrors_columns(duplex, stock.landscape) else "end over end"
    canvas = Canvas(str(out), pagesize=stock.pagesize, invariant=True)
    canvas.setTitle(f"mailer calibration: {stock.name}")
    canvas.setCreator("mailer")
    if duplex == "none":
        how = "print page 1, turn the sheet over sideways, feed it again, print page 2"
    else:
        how = f"print both pages two-sided, flip on {duplex.removesuffix('-edge')} edge"
    notes = (
        f"{stock.name}: {stock.description}" if stock.description else stock.name,
        f"Plain paper, 100% scale ({how}).",
        "Hold it against the stock up to the light: the dashed outlines must sit on the cards,",
        "and each BACK n behind FRONT n. Measure any shift with the rulers and set",
        "front_offset / back_offset (inches, x right, y up) under [[print.stocks]].",
    )
    front = (stock.front_offset[0] + offsets[0][0], stock.front_offset[1] + offsets[0][1])
    back = (stock.back_offset[0] + offsets[1][0], stock.back_offset[1] + offsets[1][1])
    _side(canvas, stock, stock.slots(), front, "FRONT", notes)
    _side(
        canvas,
        stock,
        stock.back_slots(duplex),
        back,
        "BACK",
        (f"{stock.name}: back, the sheet turned {turn} ({duplex})",),
    )
    canvas.save()


def _side(
    canvas: Canvas,
    stock: Stock,
    slots: list[Rect],
    offset: tuple[float, float],
    side: str,
    notes: tuple[str, ...],
) -> None:
    canvas.saveState()
    canvas.translate(*offset)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    for slot in slots:
        canvas.rect(slot.x, slot.y, slot.w, slot.h, stroke=1, fill=0)
    canvas.setDash()
    for number, slot in enumerate(slots, start=1):
        cx, cy = slot.x + slot.w / 2, slot.y + slot.h / 2
        canvas.setLineWidth(0.5)
        canvas.line(cx - 18, cy, cx + 18, cy)
        canvas.line(cx, cy - 18, cx, cy + 18)
        canvas.setFont(BOLD, 28)
        canvas.drawCentredString(cx, cy + 26, f"{side} {number}")
    first = slots[0]
    _ruler(canvas, first.x + 0.5 * POINTS_PER_INCH, first.y + 0.5 * POINTS_PER_INCH)
    canvas.setFont(FONT, 8)
    top = first.top - 0.5 * POINTS_PER_INCH
    for line in notes:
        canvas.drawString(first.x + 0.4 * POINTS_PER_INCH, top, line)
        top -= 10
    _feed_arrow(canvas, stock)
    canvas.restoreState()
    canvas.showPage()


def _ruler(canvas: Canvas, x: float, y: float) -> None:
    """A one-inch ruler along x and another along y from (x, y), ticks every 1/8 inch."""
    canvas.setLineWidth(0.5)
    canvas.line(x, y, x + RULER, y)
    canvas.line(x, y, x, y + RULER)
    for step in range(9):
        length = 10.0 if step % 8 == 0 else 7.0 if step % 4 == 0 else 5.0 if step % 2 == 0 else 3.5
        canvas.line(x + step * TICK, y, x + step * TICK, y + length)
        canvas.line(x, y + step * TICK, x + length, y + step * TICK)
    canvas.setFont(FONT, 7)
    canvas.drawString(x + RULER + 3, y - 2, "1 in")
    canvas.drawString(x - 2, y + RULER + 4, "1 in")
    canvas.drawString(x + 14, y + 14, "each bar must measure exactly 1 inch")


def _feed_arrow(canvas: Canvas, stock: Stock) -> None:
    """An arrow to the top edge of the page: the edge a printer takes first for a portrait
    page. A landscape page is turned by the printer, which way depends on the printer."""
    x = stock.sheet_width * 0.6  # off the centre, where cut lines often run
    tip = stock.sheet_height - 0.3 * POINTS_PER_INCH
    canvas.setLineWidth(1)
    canvas.line(x, tip - 28, x, tip)
    path = canvas.beginPath()
    path.moveTo(x, tip)
    path.lineTo(x - 5, tip - 9)
    path.lineTo(x + 5, tip - 9)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setFont(BOLD, 8)
    label = "TOP: this edge into the printer first"
    if stock.landscape:
        label = "TOP of the page (landscape: your printer turns it; note which edge it takes first)"
    canvas.drawString(x + 8, tip - 12, label)
