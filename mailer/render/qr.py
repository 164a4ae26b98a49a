"""QR codes drawn as one vector path: the module matrix comes from `segno` (cached per
value), each horizontal run of dark modules becomes one rectangle of a single filled path.
ReportLab's QrCodeWidget costs about 30 ms a card; this costs well under one."""

from __future__ import annotations

from functools import lru_cache

import segno
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

QUIET_ZONE = 2
"""Light modules around the symbol, drawn by the white plate behind it. The standard asks
for 4; 2 scan reliably from print and leave the card more room."""


@lru_cache(maxsize=256)
def qr_runs(value: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules per side, runs): each run is (row from the top, first column, length)."""
    code = segno.make(value, error="m", micro=False)
    matrix = code.matrix
    runs: list[tuple[int, int, int]] = []
    for row, cells in enumerate(matrix):
        col = 0
        n = len(cells)
        while col < n:
            if cells[col]:
                start = col
                while col < n and cells[col]:
                    col += 1
                runs.append((row, start, col - start))
            else:
                col += 1
    return len(matrix), tuple(runs)


@lru_cache(maxsize=64)
def qr_path(value: str, x: float, y: float, size: float) -> PDFPathObject:
    """The path for one placement, cached: every card of a batch puts the same code in the
    same place, so its operators are formatted once."""
    modules, runs = qr_runs(value)
    cell = size / (modules + 2 * QUIET_ZONE)
    left = x + QUIET_ZONE * cell
    top = y + size - QUIET_ZONE * cell
    path = PDFPathObject()
    for row, col, length in runs:
        path.rect(left + col * cell, top - (row + 1) * cell, length * cell, cell)
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
    canvas.setFillColorRGB(*color)
    canvas.drawPath(qr_path(value, x, y, size), stroke=0, fill=1)
