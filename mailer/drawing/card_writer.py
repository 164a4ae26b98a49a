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
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader

from mailer.drawing.back_side import STAMP_GREY
from mailer.drawing.card_fonts import (
    PenEmbedding,
    PenSet,
    StandardFont,
    SubsetSet,
    TrueTypeFont,
    characters,
    font_for,
)
from mailer.drawing.geometry import CardGeometry, Rect
from mailer.drawing.layout import RGB, PlacedLine, Run
from mailer.drawing.painter import WHITE, PreparedCard
from mailer.drawing.pdf_objects import literal, pdf_file, plain_stream, stream, text_string
from mailer.drawing.qr import QUIET_ZONE, plate_path, qr_operators
from mailer.drawing.variants import PEN_FONTS, PenFont, plain_text
from mailer.errors import RenderError

SIDES = {"both": ("front", "back"), "front": ("front",), "back": ("back",)}


class Unsupported(Exception):
    """The card needs something only ReportLab draws; the message says what."""


class CardWriter:
    """Writes the cards of one painter's size and mode (its geometry and sender)."""

    def __init__(self, geometry: CardGeometry, author: str) -> None:
        self.geometry = geometry
        self.author = text_string(author)
        width, height = geometry.page_size
        self._media = b"[ 0 0 %s ]" % fp_str(width, height).encode()
        stamp = geometry.stamp_box
        self._back = () if stamp is None else (stream(b"", _stamp_box(stamp), big=True),)

    def unsupported(self, card: PreparedCard) -> str | None:
        """Why this card needs ReportLab, or None when the writer draws it."""
        try:
            self.write(card)
        except Unsupported as exc:
            return str(exc)
        return None

    def write(self, card: PreparedCard, sides: str = "both") -> bytes:
        """The card as PDF bytes: `both` (page 1 front, page 2 back), `front` or `back`.
        Raises `Unsupported` for a card only ReportLab draws."""
        wanted = SIDES[sides]
        fonts = _CardFonts(
            line for side in wanted for line in (card.front if side == "front" else card.back)
        )
        # Objects: 1 catalog, 2 page tree, 3 information, 4 resources, then each page with
        # its content streams (the side's ready one, then the card's own), images, fonts.
        objects: list[bytes] = [b"", b"", b"", b""]
        pages = []
        image: Path | None = None
        for side in wanted:
            if side == "front":
                ready, image = _front_base(card, self.geometry.bleed)
                own = fonts.stamp(card.front, _rule(card))
            else:
                ready, own = self._back, fonts.stamp(card.back)
            page = len(objects) + 1
            pages.append(b"%d 0 R" % page)
            contents = b" ".join(b"%d 0 R" % (page + 1 + n) for n in range(len(ready) + 1))
            objects.append(
                b"<< /Contents [ %s ] /MediaBox %s /Parent 2 0 R /Resources 4 0 R "
                b"/Type /Page >>" % (contents, self._media)
            )
            objects.extend(ready)
            objects.append(plain_stream(own))
        resources = b"<< /Font << %s>> /ProcSet [ /PDF /Text /ImageC ] " % fonts.objects(objects)
        if image is not None:
            resources += b"/XObject << /Im0 %d 0 R >> " % (len(objects) + 1)
            objects.append(image_object(image))
        objects[0] = b"<< /Pages 2 0 R /Type /Catalog >>"
        objects[1] = b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (len(pages), b" ".join(pages))
        objects[2] = b"<< /Author %s /Creator (mailer) /Producer (mailer) /Title %s >>" % (
            self.author,
            text_string(f"{card.template} card for {card.contact_id}"),
        )
        objects[3] = resources + b">>"
        return pdf_file(objects, root=1, info=3)


def _front_base(card: PreparedCard, bleed: Rect) -> tuple[tuple[bytes, ...], Path | None]:
    """The front's ready content streams (the background and image, shared by every front
    of the template; the card's own QR code) and its image."""
    style = card.style
    image = style.image if card.image_box is not None else None
    box = card.image_box if image else None
    base = _front_stream(style.color("background"), bleed, box, image)
    if card.qr_value is None or card.qr_box is None:
        return (base,), image
    qr = card.qr_box
    return (base, _qr(card.qr_value, qr.x, qr.y, qr.w)), image


def _rule(card: PreparedCard) -> bytes:
    """The accent rule under the headline (it never meets the QR code drawn before it)."""
    if card.rule is None:
        return b""
    return _fill(card.style.color("accent"), card.rule) + b"\n"


# ---- what repeats: ready once ---------------------------------------------------------------


@lru_cache(maxsize=64)
def _front_stream(background: RGB, bleed: Rect, box: Rect | None, image: Path | None) -> bytes:
    """What the fronts of a template share, compressed once: the background to the bleed
    and the image."""
    parts = [_fill(background, bleed)]
    if image is not None and box is not None:
        parts.append(_image_placement(image, box))
    return stream(b"", b"\n".join(parts), big=True)


@lru_cache(maxsize=256)
def _fill(color: RGB, box: Rect) -> bytes:
    """A box filled in a colour: the background, the rule (the same on most cards)."""
    return b"%s rg %s re f" % (fp_str(*color).encode(), fp_str(box.x, box.y, box.w, box.h).encode())


def _stamp_box(box: Rect) -> bytes:
    """The dashed outline where the stamp goes, as `back_side.draw_stamp_box` draws it."""
    inner = box.inset(2)
    return b"q %s RG .6 w [3 2] 0 d %s re S Q\n" % (
        fp_str(*STAMP_GREY).encode(),
        fp_str(inner.x, inner.y, inner.w, inner.h).encode(),
    )


def _qr(value: str, x: float, y: float, size: float) -> bytes:
    """The light plate and the code on it, as `qr.draw_qr` draws them, as a stream of its
    own: each sales card's code is its own, so it is left uncompressed (`plain_stream`)."""
    modules, code = qr_operators(value)
    return plain_stream(_plate(modules, x, y, size) + code + b"f* Q")


@lru_cache(maxsize=64)
def _plate(modules: int, x: float, y: float, size: float) -> bytes:
    """The plate, and the scale and place of the modules on it: the same on every card of a
    template whose codes have as many modules."""
    cell = size / (modules + 2 * QUIET_ZONE)
    plate = plate_path(x, y, size).getCode().removeprefix("n ")
    matrix = fp_str(cell, 0, 0, -cell, x + QUIET_ZONE * cell, y + size - QUIET_ZONE * cell)
    return f"{fp_str(*WHITE)} rg {plate} f*\nq 0 0 0 rg {matrix} cm\n".encode("ascii")


@lru_cache(maxsize=16)
def image_object(path: Path) -> bytes:
    """A front image as a finished image object, made by ReportLab (JPEG data as it is,
    other formats as compressed RGB) once per process, not once per card."""
    # Here: ReportLab's document model is needed only for a front with an image.
    from reportlab.pdfbase.pdfdoc import PDFDocument, PDFImageXObject

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


def _image_placement(path: Path, box: Rect) -> bytes:
    """The image scaled to cover `box`, centred and clipped to it (as `draw_image`)."""
    width_px, height_px = _image_size(path)
    scale = max(box.w / width_px, box.h / height_px)
    w, h = width_px * scale, height_px * scale
    clip = fp_str(box.x, box.y, box.w, box.h)
    place = fp_str(w, 0, 0, h, box.x + (box.w - w) / 2, box.y + (box.h - h) / 2)
    return f"q {clip} re W n\n{place} cm /Im0 Do Q".encode("ascii")


@lru_cache(maxsize=16)
def _image_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        size: tuple[int, int] = ImageReader(io.BytesIO(f.read())).getSize()
    return size


# ---- what changes: stamped per card ---------------------------------------------------------


@dataclass(slots=True)
class _Used:
    font: bytes
    """The resource name, `/F1`: a TrueType face's subsets add `+0`, `+1`, ..."""
    standard: bool
    subsets: SubsetSet | PenSet | None = None


class _CardFonts:
    """The fonts one card uses, named F1, F2, ... in order of first use, with the character
    set each TrueType face draws on this card (which picks its subsets).

    On a card with a varied note, the handwriting's other text (a greeting on the front) is
    written in the pen font too: it draws everything the handwriting does, the same way, and
    the card then embeds the handwriting once."""

    def __init__(self, lines: Iterable[PlacedLine]) -> None:
        self._used: dict[str, _Used] = {}
        texts: dict[str, list[str]] = {}
        lines = tuple(lines)
        self._pens = _pens(lines)
        for line in lines:
            for run in line.runs:
                name = self._font(run)
                used = self._used.get(name)
                if used is None:
                    font = font_for(name)
                    if font is None:
                        raise Unsupported(
                            f"font {run.font} is neither a WinAnsi base-14 font nor TrueType"
                        )
                    resource = b"/F%d" % (len(self._used) + 1)
                    used = self._used[name] = _Used(resource, isinstance(font, StandardFont))
                    if not used.standard:
                        texts[name] = []
                if not used.standard:
                    texts[name].append(run.text)
        for name, drawn in texts.items():
            font = font_for(name)
            assert isinstance(font, (TrueTypeFont, PenEmbedding))
            self._used[name].subsets = font.subsets(set().union(*map(characters, drawn)))

    def _font(self, run: Run) -> str:
        """The font `run` is written in: its own, or the pen font of its handwriting."""
        pen = self._pens.get(run.font) if self._pens else None
        return pen.name if pen is not None else run.font

    def stamp(self, lines: tuple[PlacedLine, ...], before: bytes = b"") -> bytes:
        """`before`, then the side's text as one text object: the colour set when it
        changes, each run at its own place (the layout measured it: nothing is measured
        again here)."""
        if not lines:
            return before
        out = [before + b"BT"]
        color: RGB | None = None
        state: list[bytes] = [b""]
        for line in lines:
            if line.color != color:
                color = line.color
                out.append(_fill_color(color))
            for run in line.runs:
                self._stamp_run(out, run, line.y, state)
        out.append(b"ET")
        return b"\n".join(out)

    def _stamp_run(self, out: list[bytes], run: Run, y: float, state: list[bytes]) -> None:
        """One run: its font and size when they change, its origin (a handwritten line off
        the level and leaning: `Run.rise` and `Run.slant`, as painter draws it), its text,
        with its changed word gaps (`Run.gaps`) as `TJ` adjustments and the text after them
        raised by `Ts`."""
        used = self._used[self._font(run)]
        subsets = used.subsets
        if isinstance(subsets, PenSet):  # a handwritten line: ready from the last card
            ready = _READY.get(id(run))
            if ready is None or ready[0] is not run or ready[1] != y or ready[2] != used.font:
                ready = _ready(run, y, used.font, subsets)
            out.append(ready[3])
            shown = ready[5]
            if not shown and subsets.fits(run.text):  # the card's own accented letters
                shown = subsets.shown(run.text, run.gaps)
            if shown:  # one font: one string
                if state[0] != ready[4]:
                    state[0] = ready[4]
                    out.append(ready[4])
                out.append(shown)
                return
        elif subsets is None and not run.gaps:  # a base-14 font: ready from the last card
            plain = _PLAIN.get(id(run))
            if plain is None or plain[0] is not run or plain[1] != y:
                plain = _plain(run, y)
            out.append(plain[2])
            size = _font_size(used.font, -1, run.size)
            if state[0] != size:
                state[0] = size
                out.append(size)
            out.append(plain[3])
            return
        else:
            out.append(_origin(run, y))
        if not run.gaps:
            self._show(out, used, run.text, run, state)
            return
        text = run.text
        cuts = [0, *(at for at, _, _ in run.gaps), len(text)]
        for n, (start, stop) in enumerate(itertools.pairwise(cuts)):
            if n:
                _, narrower, lift = run.gaps[n - 1]
                out.append(b"[%d] TJ %s Ts" % (narrower, fp_str(lift).encode()))
            self._show(out, used, text[start:stop], run, state)
        out.append(b"0 Ts")

    def _show(self, out: list[bytes], used: _Used, text: str, run: Run, state: list[bytes]) -> None:
        """`text` of `run` shown, each piece in its subset."""
        if used.subsets is None:
            try:
                pieces = [(-1, text.encode("cp1252"))]
            except UnicodeEncodeError:
                raise Unsupported(f"text outside WinAnsi in the base-14 font {run.font}") from None
        else:
            pieces = used.subsets.encode(text)
        for subset, data in pieces:
            size = _font_size(used.font, subset, run.size)
            if state[0] != size:
                state[0] = size
                out.append(size)
            out.append(literal(data) + b" Tj")

    def objects(self, objects: list[bytes]) -> bytes:
        """Append every font's objects to `objects`; the resource entries naming them."""
        refs = b""
        for name, used in self._used.items():
            if used.subsets is None:
                font = font_for(name)
                assert isinstance(font, StandardFont)
                refs += b"%s %d 0 R " % (used.font, len(objects) + 1)
                objects.append(font.body)
                continue
            for number, subset in enumerate(used.subsets.subsets):
                refs += b"%s+%d %d 0 R " % (used.font, number, len(objects) + 1)
                objects.extend(subset.bodies(len(objects) + 1))
        return refs


def _origin(run: Run, y: float) -> bytes:
    """A run's text matrix: at its place, off the level and leaning for a handwritten
    line (`Run.rise`, `Run.slant`, as painter draws it)."""
    if run.rise or run.slant:
        return b"%s%s Tm" % (_leaning(run.slant), fp_str(run.x, y + run.rise).encode())
    return b"1 0 0 1 %s Tm" % fp_str(run.x, y).encode()


_READY: dict[int, tuple[Run, float, bytes, bytes, bytes, bytes]] = {}
"""A pen font run as the last card wrote it, by its identity: `hand` hands the same run
to every card that writes the line the same way at the same place. With the run, its
line's baseline and font resource (what it was written for), its text matrix, size and
text (empty when it has characters outside printable ASCII and the forms: their codes
are the card's)."""


def _ready(
    run: Run, y: float, font: bytes, subsets: PenSet
) -> tuple[Run, float, bytes, bytes, bytes, bytes]:
    """`run` written on the baseline `y` in the pen font `font` (kept in `_READY`). Its
    text is the same in every card's copy of the pen font when the font has all of its
    characters at their own codes (the card's other characters move from card to card)."""
    text = b""
    if subsets.fits(run.text) and plain_text(run.text).isascii():
        text = subsets.shown(run.text, run.gaps)
    found = (run, y, font, _origin(run, y), _font_size(font, 0, run.size), text)
    if len(_READY) > 4096:
        _READY.clear()
    _READY[id(run)] = found
    return found


_PLAIN: dict[int, tuple[Run, float, bytes, bytes]] = {}
"""A run in a base-14 font as the last card wrote it, by its identity: `layout.place`
hands the same run to every card that places the line the same way (a template's
headline, body and signature; the return address). With the run, its line's baseline, its
text matrix and its text shown (`Tj`)."""


def _plain(run: Run, y: float) -> tuple[Run, float, bytes, bytes]:
    """`run`, in a base-14 font, written on the baseline `y` (kept in `_PLAIN`)."""
    try:
        data = run.text.encode("cp1252")
    except UnicodeEncodeError:
        raise Unsupported(f"text outside WinAnsi in the base-14 font {run.font}") from None
    found = (run, y, _origin(run, y), literal(data) + b" Tj")
    if len(_PLAIN) > 4096:
        _PLAIN.clear()
    _PLAIN[id(run)] = found
    return found


def _pens(lines: tuple[PlacedLine, ...]) -> dict[str, PenFont]:
    """The pen fonts the card's runs use, by the name of the handwriting each is made from."""
    if not PEN_FONTS:
        return {}
    fonts = {run.font for line in lines for run in line.runs}
    return {PEN_FONTS[name].plain: PEN_FONTS[name] for name in fonts & PEN_FONTS.keys()}


@lru_cache(maxsize=1024)
def _leaning(slant: float) -> bytes:
    """`1 0 .02 1 `: the start of a leaning line's text matrix (lines lean by a few
    hundred slants, the same on many cards)."""
    return b"%s " % fp_str(1, 0, slant, 1).encode()


@lru_cache(maxsize=256)
def _fill_color(color: RGB) -> bytes:
    """`1 1 1 rg`: a card's text takes a few colours, the same on every card."""
    return b"%s rg" % fp_str(*color).encode()


@lru_cache(maxsize=1024)
def _font_size(resource: bytes, subset: int, size: float) -> bytes:
    """`/F1+0 12 Tf`: a card sets a few fonts at a few sizes, the same on every card."""
    font = resource if subset < 0 else b"%s+%d" % (resource, subset)
    return b"%s %s Tf" % (font, fp_str(size).encode())
