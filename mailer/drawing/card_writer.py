"""The card writer: a card's PDF written directly from its `PreparedCard`, with everything
that repeats from card to card prepared once per process and reused.

Ready once: each font's embedding per character set (`card_fonts`), each front image as a
finished image object, the static parts of each side (the background, the stamp box), the
QR code and its plate for each value and place. Stamped per card: the text runs, the rule,
and the object numbers. The same card gives the same bytes in any process and any batch:
nothing stamped depends on what was written before.

What the writer doesn't cover, ReportLab still draws (`unsupported` says why; `batch.card_pdf`
chooses): a run in a font that is neither a WinAnsi base-14 font nor a TrueType face (Symbol,
ZapfDingbats, a Type 1 font registered by hand), or base-14 text outside WinAnsi.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFDocument, PDFImageXObject

from mailer.drawing.back_side import STAMP_GREY
from mailer.drawing.card_fonts import StandardFont, SubsetSet, TrueTypeFont, font_for
from mailer.drawing.geometry import CardGeometry, Rect
from mailer.drawing.layout import RGB, PlacedLine, Run
from mailer.drawing.painter import WHITE, PreparedCard
from mailer.drawing.pdf_objects import literal, pdf_file, stream, text_string
from mailer.drawing.qr import QUIET_ZONE, plate_path, qr_blocks, qr_path
from mailer.errors import RenderError

SIDES = {"both": ("front", "back"), "front": ("front",), "back": ("back",)}


class CardWriter:
    """Writes the cards of one painter's size and mode (its geometry and sender)."""

    def __init__(self, geometry: CardGeometry, author: str) -> None:
        self.geometry = geometry
        self.author = author
        width, height = geometry.page_size
        self._media = b"[ 0 0 %s ]" % fp_str(width, height).encode()
        stamp = geometry.stamp_box
        self._stamp = b"" if stamp is None else _stamp_box(stamp)

    def unsupported(self, card: PreparedCard) -> str | None:
        """Why this card needs ReportLab, or None when the writer draws it."""
        for line in (*card.front, *card.back):
            for run in line.runs:
                font = font_for(run.font)
                if font is None:
                    return f"font {run.font} is neither a WinAnsi base-14 font nor TrueType"
                if isinstance(font, StandardFont) and not font.encodable(run.text):
                    return f"text outside WinAnsi in the base-14 font {run.font}"
        return None

    def write(self, card: PreparedCard, sides: str = "both") -> bytes:
        """The card as PDF bytes: `both` (page 1 front, page 2 back), `front` or `back`."""
        wanted = SIDES[sides]
        fonts = _CardFonts(
            line for side in wanted for line in (card.front if side == "front" else card.back)
        )
        images: list[bytes] = []
        contents = []
        for side in wanted:
            if side == "front":
                contents.append(self._front(card, fonts, images))
            else:
                contents.append(self._back(card, fonts))
        # Objects: 1 catalog, 2 page tree, 3 information, 4 resources, then pages and their
        # contents, images, fonts.
        objects: list[bytes] = [b"", b"", b"", b""]
        pages = []
        for content in contents:
            pages.append(len(objects) + 1)
            objects.append(
                b"<< /Contents %d 0 R /MediaBox %s /Parent 2 0 R /Resources 4 0 R "
                b"/Type /Page >>" % (len(objects) + 2, self._media)
            )
            objects.append(stream(b"", content))
        xobjects = b""
        for number, image in enumerate(images):
            xobjects += b"/Im%d %d 0 R " % (number, len(objects) + 1)
            objects.append(image)
        font_refs = fonts.objects(objects)
        objects[0] = b"<< /Pages 2 0 R /Type /Catalog >>"
        objects[1] = b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (
            len(pages),
            b" ".join(b"%d 0 R" % page for page in pages),
        )
        objects[2] = b"<< /Author %s /Creator (mailer) /Producer (mailer) /Title %s >>" % (
            text_string(self.author),
            text_string(f"{card.template} card for {card.contact_id}"),
        )
        resources = b"<< /Font << %s>> /ProcSet [ /PDF /Text /ImageC ] " % font_refs
        if xobjects:
            resources += b"/XObject << %s>> " % xobjects
        objects[3] = resources + b">>"
        return pdf_file(objects, root=1, info=3)

    # ---- the sides -----------------------------------------------------------------------

    def _front(self, card: PreparedCard, fonts: _CardFonts, images: list[bytes]) -> bytes:
        style = card.style
        parts = [_fill(style.color("background"), self.geometry.bleed)]
        if card.image_box is not None and style.image is not None:
            parts.append(_image_placement(style.image, card.image_box, len(images)))
            images.append(image_object(style.image))
        if card.rule is not None:
            parts.append(_fill(style.color("accent"), card.rule))
        if card.qr_value is not None and card.qr_box is not None:
            q = card.qr_box
            parts.append(_qr(card.qr_value, q.x, q.y, q.w))
        parts.append(fonts.stamp(card.front))
        return b"\n".join(parts)

    def _back(self, card: PreparedCard, fonts: _CardFonts) -> bytes:
        return self._stamp + fonts.stamp(card.back)


# ---- what repeats: ready once ---------------------------------------------------------------


def _fill(color: RGB, box: Rect) -> bytes:
    return b"%s rg %s re f" % (fp_str(*color).encode(), fp_str(box.x, box.y, box.w, box.h).encode())


def _stamp_box(box: Rect) -> bytes:
    """The dashed outline where the stamp goes, as `back_side.draw_stamp_box` draws it."""
    inner = box.inset(2)
    return b"q %s RG .6 w [3 2] 0 d %s re S Q\n" % (
        fp_str(*STAMP_GREY).encode(),
        fp_str(inner.x, inner.y, inner.w, inner.h).encode(),
    )


@lru_cache(maxsize=64)
def _qr(value: str, x: float, y: float, size: float) -> bytes:
    """The light plate and the code on it, as `qr.draw_qr` draws them: every card of a batch
    usually carries the same code at the same place."""
    modules = qr_blocks(value)[0]
    cell = size / (modules + 2 * QUIET_ZONE)
    plate = plate_path(x, y, size).getCode().removeprefix("n ")
    code = qr_path(value).getCode().removeprefix("n ")
    matrix = fp_str(cell, 0, 0, -cell, x + QUIET_ZONE * cell, y + size - QUIET_ZONE * cell)
    return f"{fp_str(*WHITE)} rg {plate} f*\nq 0 0 0 rg {matrix} cm\n{code} f* Q".encode("ascii")


@lru_cache(maxsize=16)
def image_object(path: Path) -> bytes:
    """A front image as a finished image object, made by ReportLab (JPEG data as it is,
    other formats as compressed RGB) once per process, not once per card."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        reader = ImageReader(str(path))
        return bytes(PDFImageXObject("image", reader).format(PDFDocument(invariant=1)))
    except (OSError, ValueError, SyntaxError) as exc:  # the pixels, read only now, are bad
        raise RenderError(
            f"front image {path} can't be drawn: {exc}",
            hint="the file may be cut short or damaged: export or copy it again",
        ) from None
    finally:
        rl_config.useA85 = previous


def _image_placement(path: Path, box: Rect, number: int) -> bytes:
    """The image scaled to cover `box`, centred and clipped to it (as `draw_image`)."""
    width_px, height_px = _image_size(path)
    scale = max(box.w / width_px, box.h / height_px)
    w, h = width_px * scale, height_px * scale
    clip = fp_str(box.x, box.y, box.w, box.h)
    place = fp_str(w, 0, 0, h, box.x + (box.w - w) / 2, box.y + (box.h - h) / 2)
    return f"q {clip} re W n\n{place} cm /Im{number} Do Q".encode("ascii")


@lru_cache(maxsize=16)
def _image_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        size: tuple[int, int] = ImageReader(io.BytesIO(f.read())).getSize()
    return size


# ---- what changes: stamped per card ---------------------------------------------------------


@dataclass(slots=True)
class _Used:
    resource: bytes
    font: StandardFont | TrueTypeFont
    subsets: SubsetSet | None = None


class _CardFonts:
    """The fonts one card uses, named F1, F2, ... in order of first use, with the character
    set each TrueType face draws on this card (which picks its subsets)."""

    def __init__(self, lines: Iterable[PlacedLine]) -> None:
        self._used: dict[str, _Used] = {}
        chars: dict[str, set[str]] = {}
        for line in lines:
            for run in line.runs:
                used = self._used.get(run.font)
                if used is None:
                    font = font_for(run.font)
                    assert font is not None  # `CardWriter.unsupported` said so
                    resource = b"F%d" % (len(self._used) + 1)
                    used = self._used[run.font] = _Used(resource, font)
                if isinstance(used.font, TrueTypeFont):
                    chars.setdefault(run.font, set()).update(run.text)
        for name, found in chars.items():
            font = self._used[name].font
            assert isinstance(font, TrueTypeFont)
            self._used[name].subsets = font.subsets(found)

    def stamp(self, lines: tuple[PlacedLine, ...]) -> bytes:
        """The side's text as one text object: colour set when it changes, each run at its
        own place (the layout measured it; nothing is measured again here)."""
        if not lines:
            return b""
        out = ["BT"]
        color: RGB | None = None
        state: list[object] = [None]
        for line in lines:
            if line.color != color:
                color = line.color
                out.append(f"{fp_str(*color)} rg")
            for run in line.runs:
                self._stamp_run(out, run, line.y, state)
        out.append("ET")
        return "\n".join(out).encode("latin-1")

    def _stamp_run(self, out: list[str], run: Run, y: float, state: list[object]) -> None:
        """One run: its font and size when they change, its origin, its text."""
        used = self._used[run.font]
        out.append(f"1 0 0 1 {fp_str(run.x, y)} Tm")
        if used.subsets is None:
            if state[0] != (used.resource, 0, run.size):
                state[0] = (used.resource, 0, run.size)
                out.append(f"/{used.resource.decode()} {fp_str(run.size)} Tf")
            out.append(literal(run.text.encode("cp1252")).decode("latin-1") + " Tj")
            return
        for subset, data in used.subsets.encode(run.text):
            if state[0] != (used.resource, subset, run.size):
                state[0] = (used.resource, subset, run.size)
                out.append(f"/{used.resource.decode()}+{subset} {fp_str(run.size)} Tf")
            out.append(literal(data).decode("latin-1") + " Tj")

    def objects(self, objects: list[bytes]) -> bytes:
        """Append every font's objects to `objects`; the resource entries naming them."""
        refs = b""
        for used in self._used.values():
            font = used.font
            if isinstance(font, StandardFont):
                refs += b"/%s %d 0 R " % (used.resource, len(objects) + 1)
                objects.append(font.body)
                continue
            assert used.subsets is not None
            for number, subset in enumerate(used.subsets.subsets):
                refs += b"/%s+%d %d 0 R " % (used.resource, number, len(objects) + 1)
                objects.extend(subset.bodies(len(objects) + 1))
        return refs
