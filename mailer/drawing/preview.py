"""Looking at cards before they go out: one card's front and back side by side, its note
plain and varied side by side (`compare_image`), or a proof sheet of several, as a PNG
(rasterised with pypdfium2) or a PDF, optionally with guides.

Everything is drawn once, as PDF, with the same `CardPainter` that renders the real cards;
the PNG is that page rasterised, so a preview can't disagree with the card. Guides (trim,
bleed, safe area, the provider's ink-free zone, the USPS zones) are an overlay from `guides`
drawn after the card, never part of it. PDFs are byte-reproducible and PNGs deterministic:
same input, same bytes.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from mailer.config import Config
from mailer.domain.models import MailStep
from mailer.drawing.fonts import SANS, draw_label
from mailer.drawing.geometry import CardGeometry
from mailer.drawing.guides import draw_guides, draw_legend
from mailer.drawing.layout import RGB
from mailer.drawing.painter import CardPainter, PreparedCard, reproducible_canvas, saved_pdf
from mailer.errors import MailerError, UsageError
from mailer.files import write_bytes_atomic

MARGIN = 18.0
"""White space around everything on a preview page (points)."""
GAP = 18.0
"""Between a preview's front and back, and between proof sheet cells."""
PAIR_GAP = 8.0
"""Between the front and the back of one card on a proof sheet."""
LABEL_BAND = 14.0
"""Above a preview's cards: the words "front" and "back"."""
CAPTION_BAND = 14.0
"""Below each card on a proof sheet: its contact id and template."""
HEADER_BAND = 20.0
"""Above a proof sheet's grid: what it shows and the page number."""
LEGEND_BAND = 18.0
"""Below the cards when guides are on: what each colour means."""
PNG_PROOF_LIMIT = 24
"""More cards than this make a PNG too big to look at: use a PDF (several pages)."""
PDF_PROOF_ROWS = 4
"""Rows of cards per proof sheet page in a PDF."""
PROOF_SCALE = 1.5
"""Pixels per point of a proof sheet PNG by default: captions stay readable, 24 cards stay
a few tens of megapixels."""
MAX_COLUMNS = 8
MIN_SCALE, MAX_SCALE = 0.25, 8.0

BACKDROP: RGB = (0.92, 0.92, 0.92)
"""Behind the cards, so the edge of a white back shows."""
CAPTION_INK: RGB = (0.25, 0.25, 0.25)
"""Words on a preview page around the cards: labels, captions, the legend."""
BANNER_INK: RGB = (0.8, 0.1, 0.1)
"""A banner across each side: this card must not be mailed as it is (no sender, demo)."""


@dataclass(frozen=True)
class Slot:
    """Where one side of a card goes on a preview page: the bottom-left of its PDF page."""

    side: str
    x: float
    y: float


@dataclass(frozen=True)
class PreviewLayout:
    """The page of `preview_image`: its size in points and where the two sides go."""

    width: float
    height: float
    front: Slot
    back: Slot


def preview_layout(geometry: CardGeometry, *, guides: bool = False) -> PreviewLayout:
    """Front left, back right, labels above, legend (with guides) below."""
    pw, ph = geometry.page_size
    bottom = MARGIN + (LEGEND_BAND if guides else 0.0)
    return PreviewLayout(
        width=2 * MARGIN + 2 * pw + GAP,
        height=bottom + ph + LABEL_BAND + MARGIN,
        front=Slot("front", MARGIN, bottom),
        back=Slot("back", MARGIN + pw + GAP, bottom),
    )


# ---- public API ------------------------------------------------------------------------------


def preview_image(
    step: MailStep,
    config: Config,
    mode: str,
    out: Path,
    *,
    guides: bool = False,
    scale: float = 2.0,
    banner: str = "",
) -> Path:
    """Write the card's front and back side by side to `out`: a PNG (`scale` pixels per
    point) or a PDF, chosen by its suffix; `banner` is written across both sides. Returns
    `out`."""
    kind = _kind(out)
    _check_scale(scale)
    painter = CardPainter(config, mode)
    card = painter.prepare(step)
    layout = preview_layout(painter.geometry, guides=guides)
    buffer = io.BytesIO()
    canvas = reproducible_canvas(
        buffer, (layout.width, layout.height), f"Preview of {card.contact_id}"
    )
    _backdrop(canvas, layout.width, layout.height)
    for slot in (layout.front, layout.back):
        _side(canvas, painter, card, slot, guides=guides, banner=banner)
        _label(canvas, painter, slot.side, slot.x, slot.y + painter.geometry.page.h + 4, 9)
    if guides:
        _legend(canvas, painter)
    canvas.showPage()
    return _finish(canvas, buffer, out, kind, scale)


def compare_image(
    step: MailStep,
    config: Config,
    mode: str,
    out: Path,
    *,
    scale: float = 2.0,
    banner: str = "",
) -> Path:
    """Write the back of the card twice, side by side: the handwritten note plain (left)
    and varied as the cards draw it (right), whatever `templates.variation` says. A PNG or
    a PDF by the suffix of `out`. Returns `out`."""
    kind = _kind(out)
    _check_scale(scale)
    sides = []
    for variation, label in ((False, "plain"), (True, "varied")):
        settings = replace(config, templates=replace(config.templates, variation=variation))
        painter = CardPainter(settings, mode)
        sides.append((painter, painter.prepare(step), label))
    layout = preview_layout(sides[0][0].geometry)
    buffer = io.BytesIO()
    canvas = reproducible_canvas(
        buffer, (layout.width, layout.height), f"Note of {step.contact_id}, plain and varied"
    )
    _backdrop(canvas, layout.width, layout.height)
    for slot, (painter, card, label) in zip((layout.front, layout.back), sides, strict=True):
        _side(canvas, painter, card, Slot("back", slot.x, slot.y), guides=False, banner=banner)
        _label(canvas, painter, label, slot.x, slot.y + painter.geometry.page.h + 4, 9)
    canvas.showPage()
    return _finish(canvas, buffer, out, kind, scale)


@dataclass(frozen=True)
class ProofFailure:
    """A card left off a proof sheet: whose, and why."""

    contact_id: str
    message: str
    hint: str = ""


def proof_sheet(
    steps: Sequence[MailStep],
    config: Config,
    mode: str,
    out: Path,
    *,
    guides: bool = False,
    columns: int = 2,
    scale: float = PROOF_SCALE,
    banner: str = "",
    failures: list[ProofFailure] | None = None,
) -> Path:
    """Write a contact sheet of the cards, front|back pairs in a grid with the contact id and
    template under each: one PNG image (up to `PNG_PROOF_LIMIT` cards, `scale` pixels per
    point) or a PDF of as many pages as it takes. Returns `out`.

    With a `failures` list, a card that can't be drawn is left off and listed there, and the
    others make the sheet (an error only when none can be drawn); without one, the first such
    card's error is raised."""
    kind = _kind(out)
    _check_scale(scale)
    if not steps:
        raise UsageError("no cards to put on a proof sheet", hint="plan some mail steps first")
    if not 1 <= columns <= MAX_COLUMNS:
        raise UsageError(
            f"a proof sheet can't have {columns} columns", hint=f"use 1 to {MAX_COLUMNS}"
        )
    if kind == "png" and len(steps) > PNG_PROOF_LIMIT:
        raise UsageError(
            f"{len(steps)} cards are too many for one PNG proof sheet (at most {PNG_PROOF_LIMIT})",
            hint=f"write a .pdf instead (it takes several pages), or use --proof "
            f"{PNG_PROOF_LIMIT} or fewer",
        )
    painter = CardPainter(config, mode)
    cards = _prepared(painter, steps, failures)
    g = painter.geometry
    pw, ph = g.page_size
    pair_w = 2 * pw + PAIR_GAP
    cell_h = ph + CAPTION_BAND
    total_rows = math.ceil(len(cards) / columns)
    rows = total_rows if kind == "png" else min(total_rows, PDF_PROOF_ROWS)
    used_columns = min(columns, len(cards))
    width = 2 * MARGIN + used_columns * pair_w + (used_columns - 1) * GAP
    grid_bottom = MARGIN + (LEGEND_BAND if guides else 0.0)
    height = grid_bottom + rows * cell_h + (rows - 1) * GAP + HEADER_BAND + MARGIN
    per_page = rows * columns
    pages = math.ceil(len(cards) / per_page)
    mode_name = "self-mail" if mode == "self" else "provider"

    buffer = io.BytesIO()
    canvas = reproducible_canvas(buffer, (width, height), f"Proof sheet of {len(cards)} cards")
    for page in range(pages):
        _backdrop(canvas, width, height)
        title = f"Proof: {len(cards)} card{'s' if len(cards) != 1 else ''}, {g.size} {mode_name}"
        if pages > 1:
            title += f", page {page + 1} of {pages}"
        _label(canvas, painter, title, MARGIN, height - MARGIN - 11, 10)
        grid_top = height - MARGIN - HEADER_BAND
        for index, card in enumerate(cards[page * per_page : (page + 1) * per_page]):
            row, col = divmod(index, columns)
            x = MARGIN + col * (pair_w + GAP)
            y = grid_top - (row + 1) * cell_h - row * GAP + CAPTION_BAND
            for slot in (Slot("front", x, y), Slot("back", x + pw + PAIR_GAP, y)):
                _side(canvas, painter, card, slot, guides=guides, banner=banner)
            _label(canvas, painter, f"{card.contact_id} · {card.template}", x, y - 10, 8, pair_w)
        if guides:
            _legend(canvas, painter)
        canvas.showPage()
    return _finish(canvas, buffer, out, kind, scale)


def _prepared(
    painter: CardPainter, steps: Sequence[MailStep], failures: list[ProofFailure] | None
) -> list[PreparedCard]:
    """The cards that can be drawn; the others go to `failures` (when given)."""
    if failures is None:
        return [painter.prepare(step) for step in steps]
    cards = []
    first: MailerError | None = None
    for step in steps:
        try:
            cards.append(painter.prepare(step))
        except MailerError as exc:
            first = first or exc
            failures.append(ProofFailure(step.contact_id, exc.message, exc.hint or ""))
    if not cards and first is not None:
        raise first
    return cards


def open_file(path: Path) -> bool:
    """Open `path` in the platform's viewer without waiting for it. False when there is no
    viewer to ask (a headless machine, CI): the caller then shows the path instead."""
    try:
        if sys.platform == "win32":
            startfile = getattr(os, "startfile", None)
            if startfile is None:
                return False
            startfile(str(path))
            return True
        if sys.platform == "darwin":
            opener = shutil.which("open")
        else:
            # Without a display xdg-open falls back to a text browser or fails slowly.
            if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                return False
            opener = shutil.which("xdg-open")
        if opener is None:
            return False
        subprocess.Popen(
            [opener, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


# ---- drawing ---------------------------------------------------------------------------------


def _kind(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise UsageError(
            f"can't write a preview to {out}: unknown file type {out.suffix or '(none)'!r}",
            hint="end the file name with .png for an image or .pdf for a PDF",
        )
    return suffix[1:]


def _check_scale(scale: float) -> None:
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise UsageError(
            f"preview scale {scale:g} is out of range", hint=f"use {MIN_SCALE:g} to {MAX_SCALE:g}"
        )


def _backdrop(canvas: Canvas, width: float, height: float) -> None:
    canvas.setFillColorRGB(*BACKDROP)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)


def _side(
    canvas: Canvas,
    painter: CardPainter,
    card: PreparedCard,
    slot: Slot,
    *,
    guides: bool,
    banner: str = "",
) -> None:
    """One side of a card with its PDF page's bottom-left at the slot, on white paper."""
    g = painter.geometry
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(slot.x, slot.y, g.page.w, g.page.h, stroke=0, fill=1)
    canvas.restoreState()
    # Clip to the card's page: the painter may fill its bleed, never beyond.
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(slot.x, slot.y, g.page.w, g.page.h)
    canvas.clipPath(clip, stroke=0, fill=0)
    draw = painter.draw_front if slot.side == "front" else painter.draw_back
    draw(canvas, card, slot.x + g.trim.x, slot.y + g.trim.y)
    if banner:
        _banner(canvas, painter, slot, banner)
    canvas.restoreState()
    if guides:
        draw_guides(canvas, painter.stacks[SANS], g, slot.side, slot.x, slot.y)


def _banner(canvas: Canvas, painter: CardPainter, slot: Slot, text: str) -> None:
    """`text` corner to corner across one side, see-through, so the card still shows."""
    g = painter.geometry
    stack = painter.stacks[SANS]
    diagonal = math.hypot(g.page.w, g.page.h)
    size = min(22.0, 0.85 * diagonal / max(stack.width(text), 0.01))
    canvas.saveState()
    canvas.translate(slot.x + g.page.w / 2, slot.y + g.page.h / 2)
    canvas.rotate(math.degrees(math.atan2(g.page.h, g.page.w)))
    canvas.setFillAlpha(0.6)
    draw_label(canvas, stack, text, -stack.width(text) * size / 2, -size / 3, size, BANNER_INK)
    canvas.restoreState()


def _label(
    canvas: Canvas,
    painter: CardPainter,
    text: str,
    x: float,
    y: float,
    size: float,
    max_width: float | None = None,
) -> None:
    draw_label(canvas, painter.stacks[SANS], text, x, y, size, CAPTION_INK, max_width)


def _legend(canvas: Canvas, painter: CardPainter) -> None:
    """What the guides' colours mean, along the bottom margin."""
    draw_legend(canvas, painter.stacks[SANS], painter.geometry, MARGIN, MARGIN, CAPTION_INK)


def _finish(canvas: Canvas, buffer: io.BytesIO, out: Path, kind: str, scale: float) -> Path:
    data = saved_pdf(canvas, buffer)
    if kind == "png":
        data = _rasterise(data, scale)
    write_bytes_atomic(out, data)  # a WriteError names the file and the way out
    return out


def _rasterise(pdf: bytes, scale: float) -> bytes:
    """The first page of `pdf` as PNG bytes at `scale` pixels per point."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=scale)
        image = bitmap.to_pil()
        png = io.BytesIO()
        # PIL writes no timestamps: the same pixels give the same bytes.
        image.save(png, format="PNG", optimize=True)
        return png.getvalue()
    finally:
        document.close()
