"""Crop marks for a trimmer: short hairlines on the extensions of each card's trim lines.

Pure geometry. ReportLab's own `cropMarks` only marks the page corners and rescales the
content, so each card gets its own marks here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailer.drawing.geometry import Rect

MM = 72 / 25.4
MARK_GAP = 3 * MM
"""How far from the trim corner a mark starts, so a slightly off cut leaves no ink."""
MARK_LENGTH = 6 * MM
MIN_MARK = 2 * MM
"""A mark cut shorter than this by a neighbouring card or the sheet edge is left out."""
CLEARANCE = 1.0
"""Points kept between a shortened mark and the card it runs towards."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A hairline from (x0, y0) to (x1, y1), in PDF points."""

    x0: float
    y0: float
    x1: float
    y1: float


def crop_marks(cards: Sequence[Rect], sheet: Rect) -> list[Mark]:
    """Marks for every corner of every card: each trim line extended outward, never over a
    card (where cards abut, the marks that would fall on a neighbour are shortened or left
    out) and clipped to the sheet."""
    marks: dict[tuple[float, ...], Mark] = {}
    for card in cards:
        for cx, cy in (
            (card.x, card.y),
            (card.right, card.y),
            (card.x, card.top),
            (card.right, card.top),
        ):
            outward_x = -1.0 if cx == card.x else 1.0
            outward_y = -1.0 if cy == card.y else 1.0
            # The horizontal trim line runs on sideways; the vertical one up or down.
            for dx, dy in ((outward_x, 0.0), (0.0, outward_y)):
                mark = _mark(cx, cy, dx, dy, cards, sheet)
                if mark is not None:
                    key = tuple(round(v, 2) for v in (mark.x0, mark.y0, mark.x1, mark.y1))
                    marks.setdefault(key, mark)
    return list(marks.values())


def _mark(
    cx: float, cy: float, dx: float, dy: float, cards: Sequence[Rect], sheet: Rect
) -> Mark | None:
    start, end = MARK_GAP, MARK_GAP + MARK_LENGTH
    end = min(end, _distance_to_edge(cx, cy, dx, dy, sheet))
    for card in cards:
        entry = _entry(cx, cy, dx, dy, card)
        if entry is None:
            continue
        t_in, t_out = entry
        if t_out >= start:  # else it lies behind the mark: its own card
            end = min(end, t_in)
    if end - start < MIN_MARK:
        return None
    return Mark(cx + dx * start, cy + dy * start, cx + dx * end, cy + dy * end)


def _distance_to_edge(cx: float, cy: float, dx: float, dy: float, sheet: Rect) -> float:
    if dx > 0:
        return sheet.right - cx
    if dx < 0:
        return cx - sheet.x
    if dy > 0:
        return sheet.top - cy
    return cy - sheet.y


def _entry(cx: float, cy: float, dx: float, dy: float, card: Rect) -> tuple[float, float] | None:
    """The stretch (t_in, t_out) of the ray (cx, cy) + t (dx, dy) inside `card` grown by the
    clearance, or None when the ray misses it. A ray along a card's edge counts as inside:
    ink on the edge of a card shows once the printer drifts."""
    grown = Rect(
        card.x - CLEARANCE, card.y - CLEARANCE, card.w + 2 * CLEARANCE, card.h + 2 * CLEARANCE
    )
    if dx != 0:
        if not grown.y <= cy <= grown.top:
            return None
        ends = sorted(((grown.x - cx) * dx, (grown.right - cx) * dx))
    else:
        if not grown.x <= cx <= grown.right:
            return None
        ends = sorted(((grown.y - cy) * dy, (grown.top - cy) * dy))
    return ends[0], ends[1]
