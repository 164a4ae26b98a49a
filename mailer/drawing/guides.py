"""The guides a preview draws over a card: trim, bleed and safe area as outlines, the back's
zones (the provider's ink-free zone, the USPS OCR read area, barcode clear zone, stamp box and
return address) as translucent fills with their names, and the legend that explains them.

An overlay drawn after the card, never part of it: the card's own PDF has no guides.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.fonts import FontStack, draw_label
from mailer.drawing.geometry import CardGeometry, Rect
from mailer.drawing.layout import RGB

GUIDE_ALPHA = 0.35
"""Opacity of a zone's fill: the card stays readable beneath it."""
GUIDE_COLORS: dict[str, RGB] = {
    "trim": (0.84, 0.15, 0.16),
    "bleed": (0.12, 0.47, 0.71),
    "safe": (0.17, 0.63, 0.17),
    "ink_free_zone": (1.0, 0.5, 0.05),
    "ocr_read_area": (0.12, 0.47, 0.71),
    "barcode_clear_zone": (0.58, 0.40, 0.74),
    "stamp_box": (0.89, 0.47, 0.76),
    "return_address_area": (0.09, 0.75, 0.81),
}
GUIDE_LABELS: dict[str, str] = {
    "trim": "trim",
    "bleed": "bleed (page edge)",
    "safe": "safe area",
    "ink_free_zone": "ink-free zone",
    "ocr_read_area": "OCR read area",
    "barcode_clear_zone": "barcode clear zone",
    "stamp_box": "stamp box",
    "return_address_area": "return address",
}
ZONES = (
    "ink_free_zone",
    "ocr_read_area",
    "barcode_clear_zone",
    "stamp_box",
    "return_address_area",
)
"""Back-side zones, drawn as translucent fills in this order when the geometry has them."""
_LABEL_CORNER = {
    "ocr_read_area": "bottom-right",
    "barcode_clear_zone": "top-right",
    "return_address_area": "top-right",
}
"""Where a zone's name goes inside it (default top-left): away from the card's own text."""


def _guide_rects(g: CardGeometry, side: str) -> Iterator[tuple[str, Rect]]:
    """(guide name, rectangle) for the zones of this side of this geometry."""
    if side != "back":
        return
    for name in ZONES:
        zone = getattr(g, name)
        if zone is not None:
            yield name, zone


def guide_names(g: CardGeometry) -> list[str]:
    """The guides a card of this geometry shows, in legend order."""
    names = ["trim"]
    if g.bleed != g.trim:
        names.append("bleed")
    names.append("safe")
    names += [name for name, _ in _guide_rects(g, "back")]
    return names


def draw_guides(
    canvas: Canvas, stack: FontStack, g: CardGeometry, side: str, x: float, y: float
) -> None:
    """The guides of one side of a card whose PDF page has its bottom-left at (x, y);
    zone names in `stack`."""
    canvas.saveState()
    canvas.translate(x, y)
    for name, zone in _guide_rects(g, side):
        canvas.saveState()
        canvas.setFillColorRGB(*GUIDE_COLORS[name])
        canvas.setFillAlpha(GUIDE_ALPHA)
        canvas.rect(zone.x, zone.y, zone.w, zone.h, stroke=0, fill=1)
        canvas.restoreState()
    for name, zone in _guide_rects(g, side):
        _zone_label(canvas, stack, name, zone)
    if g.bleed != g.trim:
        _outline(canvas, g.bleed.inset(0.5), GUIDE_COLORS["bleed"], 1.0)
    _outline(canvas, g.trim, GUIDE_COLORS["trim"], 0.8)
    _outline(canvas, g.safe, GUIDE_COLORS["safe"], 0.7, dashed=True)
    canvas.restoreState()


def draw_legend(
    canvas: Canvas, stack: FontStack, g: CardGeometry, x: float, y: float, ink: RGB
) -> None:
    """One line from (x, y) rightwards: each guide's swatch and its name in `ink`."""
    size = 7.0
    swatch = 8.0
    for name in guide_names(g):
        color = GUIDE_COLORS[name]
        canvas.saveState()
        if name in ZONES:
            canvas.setFillColorRGB(*color)
            canvas.setFillAlpha(GUIDE_ALPHA)
            canvas.rect(x, y, swatch, swatch, stroke=0, fill=1)
        else:
            canvas.setStrokeColorRGB(*color)
            canvas.setLineWidth(1.0)
            if name == "safe":
                canvas.setDash(2, 1.5)
            canvas.rect(x + 0.5, y + 0.5, swatch - 1, swatch - 1, stroke=1, fill=0)
        canvas.restoreState()
        label = GUIDE_LABELS[name]
        draw_label(canvas, stack, label, x + swatch + 3, y + 1, size, ink)
        x += swatch + 3 + stack.width(label) * size + 12


def _outline(canvas: Canvas, r: Rect, color: RGB, width: float, *, dashed: bool = False) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(*color)
    canvas.setLineWidth(width)
    if dashed:
        canvas.setDash(4, 3)
    canvas.rect(r.x, r.y, r.w, r.h, stroke=1, fill=0)
    canvas.restoreState()


def _darker(color: RGB) -> RGB:
    r, g, b = color
    return (r * 0.55, g * 0.55, b * 0.55)


def _zone_label(canvas: Canvas, stack: FontStack, name: str, zone: Rect) -> None:
    size = 5.5
    text = GUIDE_LABELS[name]
    width = stack.width(text) * size
    corner = _LABEL_CORNER.get(name, "top-left")
    x = zone.right - width - 2 if corner.endswith("right") else zone.x + 2
    y = zone.y + 2.5 if corner.startswith("bottom") else zone.top - size - 1.5
    draw_label(canvas, stack, text, x, y, size, _darker(GUIDE_COLORS[name]))
