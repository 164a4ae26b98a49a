"""Where ink may go on a card: trim, bleed, safe area and the postal and provider zones.

Pure numbers, no drawing. Every rectangle is in PDF points (1/72 inch) with the origin at the
bottom-left corner of the PDF page: for provider cards the page includes the 0.125" bleed on
each side, for self-mail cards the page is the trim. Cards are landscape: the address runs
along the long side. The provider's numbers (bleed, safe area, ink-free zone) are Lob's
artwork guides; the postal zones are the USPS Domestic Mail Manual's.

The quarter-letter card (5.5 x 4.25) keeps the USPS zones that are measured from the edges
(OCR read area, barcode clear zone, stamp box) at their absolute sizes, because the post
office measures them that way; the halves and the top third scale with the card, and text
sizes scale by `CardGeometry.text_scale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mailer.domain import postcards
from mailer.domain.postcards import PROVIDER_SIZES, SELF_MAIL_SIZES, CardMode, CardSize, sizes_for
from mailer.errors import RenderError

POINTS_PER_INCH = 72.0
BLEED = 0.125 * POINTS_PER_INCH
MESSAGE_GAP = 0.4 * POINTS_PER_INCH
"""White space between the message and the delivery address block (USPS guidance)."""

# Lob's ink-free zone on the back, (left, bottom, right, top) in inches on the bleed page.
_INK_FREE_ZONES = {
    "4x6": (2.6915, 0.25, 5.975, 2.625),
    "6x9": (4.975, 0.25, 8.975, 2.625),
    "6x11": (6.975, 0.25, 10.975, 2.625),
}


def inches(value: float) -> float:
    return value * POINTS_PER_INCH


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle: (x, y) is the bottom-left corner."""

    x: float
    y: float
    w: float
    h: float

    @classmethod
    def from_edges(cls, left: float, bottom: float, right: float, top: float) -> Rect:
        return cls(left, bottom, right - left, top - bottom)

    @classmethod
    def from_inches(cls, left: float, bottom: float, right: float, top: float) -> Rect:
        return cls.from_edges(inches(left), inches(bottom), inches(right), inches(top))

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def empty(self) -> bool:
        return self.w <= 0 or self.h <= 0

    def contains(self, other: Rect, tolerance: float = 0.01) -> bool:
        """True when `other` lies entirely inside this rectangle (edges may touch)."""
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.right <= self.right + tolerance
            and other.top <= self.top + tolerance
        )

    def contains_point(self, x: float, y: float, tolerance: float = 0.01) -> bool:
        return (
            self.x - tolerance <= x <= self.right + tolerance
            and self.y - tolerance <= y <= self.top + tolerance
        )

    def intersects(self, other: Rect, tolerance: float = 0.01) -> bool:
        """True when the two overlap by a positive area (touching edges do not count)."""
        return (
            min(self.right, other.right) - max(self.x, other.x) > tolerance
            and min(self.top, other.top) - max(self.y, other.y) > tolerance
        )

    def inset(self, dx: float, dy: float | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x + dx, self.y + dy, self.w - 2 * dx, self.h - 2 * dy)

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def with_edges(
        self,
        *,
        left: float | None = None,
        bottom: float | None = None,
        right: float | None = None,
        top: float | None = None,
    ) -> Rect:
        return Rect.from_edges(
            self.x if left is None else left,
            self.y if bottom is None else bottom,
            self.right if right is None else right,
            self.top if top is None else top,
        )


@dataclass(frozen=True, slots=True)
class CardGeometry:
    """The named rectangles of one card size in one mode (see the module docstring).

    Zones that do not apply to the mode are None: providers print the address, postage and
    barcode themselves inside `ink_free_zone`; self-mail cards carry the USPS zones.
    `keep_out` lists every zone of the back where nothing at all may be drawn.
    """

    size: str
    mode: str
    page: Rect
    trim: Rect
    bleed: Rect
    safe: Rect
    message_area: Rect
    text_scale: float
    ink_free_zone: Rect | None = None
    ocr_read_area: Rect | None = None
    barcode_clear_zone: Rect | None = None
    stamp_box: Rect | None = None
    return_address_area: Rect | None = None
    delivery_address_area: Rect | None = None

    @property
    def keep_out(self) -> tuple[Rect, ...]:
        zones = (self.ink_free_zone, self.barcode_clear_zone)
        return tuple(z for z in zones if z is not None)

    @property
    def page_size(self) -> tuple[float, float]:
        return (self.page.w, self.page.h)


def parse_size(size: str) -> tuple[float, float]:
    """`"4x6"` -> (6.0, 4.0): (length, height) in inches, landscape."""
    if size.lower() == CardSize.A6:
        # A6 (105 x 148 mm) is a valid US postcard (within 6 x 4.25); four fill an A4 sheet.
        return CardSize.A6.inches
    try:
        a, b = (float(part) for part in size.lower().split("x"))
    except ValueError:
        raise RenderError(
            f"card size {size!r} is not like 4x6",
            hint=f"use one of: {', '.join(sorted(set(PROVIDER_SIZES + SELF_MAIL_SIZES)))}",
        ) from None
    return (max(a, b), min(a, b))


def aspect_ratio(size: str) -> float:
    return postcards.aspect_ratio(*parse_size(size))


def machinable(size: str) -> bool:
    """USPS machines take cards whose length / height is 1.3 to 2.5 (4x6 = 1.5 is fine;
    quarter-letter 5.5 x 4.25 = 1.29 is not)."""
    return postcards.machinable(*parse_size(size))


def size_warning(size: str) -> str | None:
    """A sentence for the user when the size is not machinable, else None."""
    if machinable(size):
        return None
    return (
        f"{size} cards have an aspect ratio of {aspect_ratio(size):.3f}, outside the USPS "
        f"machinable range {postcards.MIN_ASPECT}-{postcards.MAX_ASPECT}: they may need hand "
        "processing"
    )


@cache
def card_geometry(size: str, mode: str) -> CardGeometry:
    """The geometry for a size ("4x6", ...) and mode ("self" or "provider")."""
    if mode not in tuple(CardMode):
        raise RenderError(f"card mode {mode!r} is unknown", hint="use 'self' or 'provider'")
    allowed = sizes_for(mode)
    if size not in allowed:
        raise RenderError(
            f"card size {size!r} is not available in {mode} mode",
            hint=f"use one of: {', '.join(allowed)}",
        )
    if mode == "provider":
        return _provider(size)
    return _self_mail(size)


def _text_scale(trim: Rect) -> float:
    # Sizes in templates are written for a 6 x 4 card; bigger cards get bigger text.
    return min(trim.w / inches(6), trim.h / inches(4))


def _provider(size: str) -> CardGeometry:
    length, height = parse_size(size)
    page = Rect(0, 0, inches(length) + 2 * BLEED, inches(height) + 2 * BLEED)
    trim = page.inset(BLEED)
    safe = trim.inset(inches(0.125))
    ink_free = Rect.from_inches(*_INK_FREE_ZONES[size])
    message = safe.with_edges(right=ink_free.x - inches(0.125))
    return CardGeometry(
        size=size,
        mode="provider",
        page=page,
        trim=trim,
        bleed=page,
        safe=safe,
        message_area=message,
        text_scale=_text_scale(trim),
        ink_free_zone=ink_free,
    )


def _self_mail(size: str) -> CardGeometry:
    w, h = parse_size(size)
    page = Rect.from_inches(0, 0, w, h)
    # Home printers can't print to the edge: keep 0.25" clear all round.
    safe = page.inset(inches(0.25))
    ocr = Rect.from_inches(0.5, 0.625, w - 0.5, 2.75)
    barcode = Rect.from_inches(w - 4.75, 0, w, 0.625)
    stamp = Rect.from_inches(w - 1.25, h - 1.25, w - 0.25, h - 0.25)
    return_area = Rect.from_inches(0.25, h * 2 / 3, w / 2, h - 0.25)
    delivery = Rect.from_edges(page.w / 2, ocr.y, ocr.right, min(ocr.top, stamp.y))
    message = Rect.from_edges(safe.x, ocr.y, delivery.x - MESSAGE_GAP, safe.top)
    return CardGeometry(
        size=size,
        mode="self",
        page=page,
        trim=page,
        bleed=page,
        safe=safe,
        message_area=message,
        text_scale=_text_scale(page),
        ocr_read_area=ocr,
        barcode_clear_zone=barcode,
        stamp_box=stamp,
        return_address_area=return_area,
        delivery_address_area=delivery,
    )
