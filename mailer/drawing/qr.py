"""QR codes drawn as one vector path: the module matrix comes from zxing-cpp (cached per
value), each horizontal run of dark modules becomes one rectangle of a single filled path.
Every sales card's code is its own (its card code is in the address), so the encoding is
per card: zxing-cpp, compiled, takes about 0.2 ms where a pure-Python encoder choosing its
mask took 3-4 ms; ReportLab's QrCodeWidget costs about 30 ms a card."""

from __future__ import annotations

import math
import re
from functools import lru_cache

import zxingcpp
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from mailer.config import MAX_URL_LENGTH
from mailer.errors import RenderError

QUIET_ZONE = 2
"""Light modules around the symbol, drawn by the white plate behind it. The standard asks
for 4; 2 scan reliably from print and leave the card more room."""


def qr_matrix(value: str) -> list[bytes]:
    """The QR code of `value` (error correction M, the smallest version that holds it) as
    rows of modules, one byte each: 0 is dark."""
    try:
        code = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    except ValueError:  # too long: mailer.toml is checked at load, a library caller isn't
        raise RenderError(
            f"offer.url is {len(value):,} characters long: too long for a QR code",
            hint=f"use a short link (mailer.toml allows up to {MAX_URL_LENGTH} characters)",
        ) from None
    image = code.to_image(scale=1, add_quiet_zones=False)
    # One byte a module, row by row; the stub doesn't say the image is a buffer.
    data = memoryview(image).tobytes()  # type: ignore[arg-type]
    side = math.isqrt(len(data))
    return [data[row * side : (row + 1) * side] for row in range(side)]


_DARK_RUN = re.compile(rb"\x00+")


@lru_cache(maxsize=256)
def qr_runs(value: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules per side, runs): each run is (row from the top, first column, length)."""
    matrix = qr_matrix(value)
    runs = tuple(
        (row, found.start(), found.end() - found.start())
        for row, cells in enumerate(matrix)
        for found in _DARK_RUN.finditer(cells)
    )
    return len(matrix), runs


@lru_cache(maxsize=256)
def qr_blocks(value: str) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """(modules per side, rectangles): each horizontal run of dark modules merged with the
    same run in the rows below it, as (column, row, width, height) in modules. Fewer, shorter
    operators than one rectangle per run: the code's share of the page shrinks by half."""
    modules, runs = qr_runs(value)
    by_row: list[list[tuple[int, int]]] = [[] for _ in range(modules + 1)]
    for row, col, length in runs:
        by_row[row].append((col, length))
    blocks: list[tuple[int, int, int, int]] = []
    open_since: dict[tuple[int, int], int] = {}  # (column, width) -> first row
    for row, row_runs in enumerate(by_row):  # the extra last row closes every block
        here = set(row_runs)
        for run in [r for r in open_since if r not in here]:
            first = open_since.pop(run)
            blocks.append((run[0], first, run[1], row - first))
        for run in row_runs:
            open_since.setdefault(run, row)
    blocks.sort(key=lambda block: (block[1], block[0]))
    return modules, tuple(blocks)


def qr_operators(value: str) -> str:
    """The code's rectangles as PDF path operators in module units (`qr_path`'s, written
    straight out: the card writer stamps a new code on every card)."""
    return " ".join(f"{c} {r} {w} {h} re" for c, r, w, h in qr_blocks(value)[1])


@lru_cache(maxsize=64)
def qr_path(value: str) -> PDFPathObject:
    """The code as one path in module units (whole numbers, rows counted downwards from the
    top-left module), cached: every card of a batch draws the same code."""
    path = PDFPathObject()
    for col, row, width, height in qr_blocks(value)[1]:
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
    modules = qr_blocks(value)[0]
    cell = size / (modules + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.setFillColorRGB(*color)
    # One module = one unit, y downwards from the top-left module.
    canvas.transform(cell, 0, 0, -cell, x + QUIET_ZONE * cell, y + size - QUIET_ZONE * cell)
    canvas.drawPath(qr_path(value), stroke=0, fill=1)
    canvas.restoreState()
