"""QR codes drawn as one vector path: the module matrix comes from zxing-cpp, and each
stretch of dark modules in a row becomes one rectangle of a single filled path.

Every sales card's code is its own (its card code is in the address), so a code is made
per card, and the making is kept to a few C calls:

- zxing-cpp scores all eight mask patterns to choose one, 80% of its time (0.18 ms a code
  against 0.03). Any mask reads alike, so the mask is chosen once per form of address
  (the address with its capitals and digits, where a card code sits, made alike) and
  every code of that form is made with it: the same value always gives the same code.
- The rectangles are looked up, not worked out: the matrix is read eight modules at a
  time as one 64-bit number, and each (place, eight modules) has its operators made the
  first time it is seen (`_Rectangles`). A card needs about 130 lookups and no Python loop
  per module; the table holds at most 256 entries a place, so it stops growing.

ReportLab's QrCodeWidget costs about 30 ms a card; this, about 0.06 ms.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

import zxingcpp
from reportlab.pdfgen.pathobject import PDFPathObject

from mailer.config import MAX_URL_LENGTH
from mailer.errors import RenderError

if TYPE_CHECKING:  # drawn on only for a card the card writer leaves to ReportLab
    from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 2
"""Light modules around the symbol, drawn by the white plate behind it. The standard asks
for 4; 2 scan reliably from print and leave the card more room."""

_DARK = 0
"""A dark module in zxing-cpp's image (light ones are 255)."""

_CODE_SYMBOLS = re.compile(r"[A-Z0-9]")


def _symbol(value: str, mask: int | None) -> bytes:
    """The symbol of `value` (error correction M, the smallest version that holds it) as
    one byte a module, with `mask`, or the mask zxing-cpp scores best."""
    options = "ecLevel=M" if mask is None else f"ecLevel=M,dataMask={mask}"
    try:
        code = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode, options=options)
    except ValueError:  # too long: mailer.toml is checked at load, a library caller isn't
        raise RenderError(
            f"offer.url is {len(value):,} characters long: too long for a QR code",
            hint=f"use a short link (mailer.toml allows up to {MAX_URL_LENGTH} characters)",
        ) from None
    image = code.to_image(scale=1, add_quiet_zones=False)
    # One byte a module, row by row; the stub doesn't say the image is a buffer.
    return memoryview(image).tobytes()  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def _mask_for(form: str) -> int:
    """The mask zxing-cpp scores best for `form`, found by making the code with each."""
    best = _symbol(form, None)
    return next((m for m in range(8) if _symbol(form, m) == best), 0)


def _modules(value: str) -> bytes:
    """The code of `value` as one byte a module, row after row (`_DARK` for dark), made
    with the mask of its form of address."""
    mask = _mask_for(_CODE_SYMBOLS.sub("A", value))
    return _symbol(value, mask)


def qr_matrix(value: str) -> list[bytes]:
    """The QR code of `value` as rows of modules, one byte each: 0 is dark."""
    data = _modules(value)
    side = math.isqrt(len(data))
    return [data[row * side : (row + 1) * side] for row in range(side)]


class _Rectangles(dict[int, bytes]):
    """The path operators of the eight modules from module `place * 8` on (counted row
    after row) in a code of `side` modules a side, keyed by those eight module bytes read
    as one number, made as they are first asked for. A stretch cut by the end of a row or
    of the eight becomes two rectangles side by side: one path, filled once, looks the
    same."""

    def __init__(self, side: int, place: int) -> None:
        super().__init__()
        self.side = side
        self.first = place * 8

    def __missing__(self, key: int) -> bytes:
        cells = key.to_bytes(8, sys.byteorder)
        side, out = self.side, []
        start = None
        for offset in range(9):  # the extra step ends a stretch running to the last one
            at = self.first + offset
            dark = offset < 8 and cells[offset] == _DARK and at < side * side
            if start is not None and (not dark or at % side == 0):
                row, col = divmod(start, side)
                out.append(b"%d %d %d 1 re\n" % (col, row, at - start))
                start = None
            if dark and start is None:
                start = at
        text = self[key] = b"".join(out)
        return text


_TABLES: dict[int, list[_Rectangles]] = {}


def qr_operators(value: str) -> tuple[int, bytes]:
    """(modules a side, the code's rectangles as PDF path operators in module units: rows
    counted downwards from the top-left module), for the card writer to fill."""
    data = _modules(value)
    side = math.isqrt(len(data))
    data += b"\xff" * (-len(data) % 8)
    tables = _TABLES.get(side)
    if tables is None:
        tables = _TABLES[side] = [_Rectangles(side, p) for p in range(len(data) // 8)]
    eights = memoryview(data).cast("Q").tolist()
    return side, b"".join(map(_Rectangles.__getitem__, tables, eights))


@lru_cache(maxsize=64)
def qr_path(value: str) -> PDFPathObject:
    """The code as one path in module units, the same rectangles the card writer fills."""
    path = PDFPathObject()
    numbers = qr_operators(value)[1].split()
    for at in range(0, len(numbers), 5):
        col, row, width, height = (int(n) for n in numbers[at : at + 4])
        path.rect(col, row, width, height)
    return path


@lru_cache(maxsize=64)
def plate_path(x: float, y: float, size: float) -> PDFPathObject:
    """The light rounded square behind a code (codes need a light quiet zone to scan)."""
    path = PDFPathObject()
    path.roundRect(x, y, size, size, size * 0.06)
    return path


def draw_qr(
    canvas: Canvas,
    value: str,
    x: float,
    y: float,
    size: float,
    color: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> None:
    """Draw the code for `value` with its quiet zone in the square (x, y, size, size); the
    caller paints the light background."""
    modules = qr_operators(value)[0]
    cell = size / (modules + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.setFillColorRGB(*color)
    # One module = one unit, y downwards from the top-left module.
    canvas.transform(cell, 0, 0, -cell, x + QUIET_ZONE * cell, y + size - QUIET_ZONE * cell)
    canvas.drawPath(qr_path(value), stroke=0, fill=1)
    canvas.restoreState()
