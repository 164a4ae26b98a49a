"""The front of a card: where the image panel, the stacked text blocks, the accent rule, the
signature and the QR code go inside the safe area.

Laying out is pure arithmetic on the card's geometry; the only drawing here is the front image,
which shares its once-per-process read with the check that warns about a low-resolution file.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.utils import ImageReader

from mailer.config import Config
from mailer.drawing.fonts import FontStack
from mailer.drawing.geometry import CardGeometry, Rect, inches
from mailer.drawing.layout import (
    PlacedLine,
    SizeMemory,
    Wrapped,
    does_not_fit,
    measure,
    place,
    wrap_measured,
)
from mailer.drawing.style import FRONT_STACK, CardStyle, load_style
from mailer.drawing.templates import CardTemplate, CardText, available_templates
from mailer.errors import RenderError, TemplateError

if TYPE_CHECKING:  # drawn on only for a card the card writer leaves to ReportLab
    from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class LaidOutFront:
    """A front's text lines and the boxes of what is drawn beside them."""

    lines: list[PlacedLine]
    image_box: Rect | None
    rule: Rect | None
    qr_value: str | None
    qr_box: Rect | None


MAX_IMAGE_PIXELS = 64_000_000
"""The largest front image drawn. 300 DPI over a whole 6x11 card is 6 megapixels and a big
phone photo 50; past this a picture is a mistake or a decompression bomb (a small file that
would take gigabytes of memory to decode), refused before it is decoded."""


@cache
def _image(path: Path) -> ImageReader:
    image_size(path, "front image")  # the header first: nothing huge is ever decoded
    return ImageReader(str(path))


_CHECKED: dict[tuple[Path, int, int], tuple[int, int]] = {}
"""The images found sane in this process, by path, change time and length: each file is
checked (and decoded) once, however many painters, previews and sheets ask."""


def image_size(path: Path, where: str) -> tuple[int, int]:
    """The pixel size of a front image, read from its header; a `RenderError` naming
    `where` and the file when it can't be read or is too big to draw."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise _unreadable(path, where, exc) from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    known = _CHECKED.get(key)
    if known is None:
        known = _CHECKED[key] = _checked_size(path, where)
    return known


def _checked_size(path: Path, where: str) -> tuple[int, int]:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:  # reads the header, decodes nothing
                width, height = image.size
                image.verify()  # a PNG's chunks and their checksums: a file cut short stops here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            pixels = re.search(r"\((\d+) pixels\)", str(exc))
            raise _too_big(path, where, f"{int(pixels[1]):,} pixels" if pixels else "") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise _unreadable(path, where, exc) from None
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_big(path, where, f"{width:,} x {height:,} pixels")
    try:
        with Image.open(path) as image:
            # Every pixel decoded once, now that the size is known to be sane: a JPEG cut
            # short (which verify() does not check) stops here, not in the middle of a card.
            image.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise _unreadable(path, where, exc) from None
    return width, height


def _unreadable(path: Path, where: str, exc: BaseException) -> RenderError:
    return RenderError(
        f"{where}: can't read the image {path}: {exc}",
        hint="use a PNG or JPEG file; one cut short (a broken download or copy) must "
        "be saved again",
    )


def _too_big(path: Path, where: str, size: str) -> RenderError:
    return RenderError(
        f"{where}: the image {path} is too big to draw ({size or 'huge'}; mailer draws up to "
        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels)",
        hint="use a smaller copy of the picture: 300 DPI over a 6x4 card is 1,875 x 1,275 pixels",
    )


def check_front_images(config: Config) -> None:
    """Every template's front image, checked once when a painter is made: a picture that
    can't be used stops the run up front, naming it and its card.toml, rather than failing
    every card (or being decoded at all, for a decompression bomb)."""
    for name, folder in available_templates(config).items():
        try:
            style = load_style(folder / "card.toml")
        except TemplateError:
            continue  # told, with its line, when the template is used
        if style.image is not None:
            image_size(style.image, f"template '{name}' ({folder / 'card.toml'}: front.image)")


class FrontSide:
    """Lays out the fronts of cards of one geometry; remembers each block's last size."""

    def __init__(self, geometry: CardGeometry, stacks: dict[str, FontStack]) -> None:
        self.geometry = geometry
        self.stacks = stacks
        self._sizes = SizeMemory()

    def lay_out(
        self, contact_id: str, name: str, style: CardStyle, text: CardText, url: str = ""
    ) -> LaidOutFront:
        """The front's lines, image, rule and QR code; `url` is what the QR code opens (the
        card's own address, carrying its code), none without one."""
        g = self.geometry
        scale = g.text_scale
        gap = inches(0.12) * scale
        area = g.safe
        image_box = self.image_box(style)
        if image_box is not None and style.image_position == "left":
            area = area.with_edges(left=image_box.right + inches(0.2))
        elif image_box is not None and style.image_position == "right":
            area = area.with_edges(right=image_box.x - inches(0.2))

        qr_value = url if style.sales and style.show_qr and url else None
        qr_size = min(inches(0.95) * scale, area.h * 0.45, area.w * 0.4) if qr_value else 0.0
        qr_box = Rect(area.right - qr_size, area.y, qr_size, qr_size) if qr_value else None

        lines: list[PlacedLine] = []
        strip = qr_size
        if "signature" in text.front:
            block = style.blocks["signature"]
            stack = self.stacks[block.font]
            box = Rect(area.x, area.y, area.w - (qr_size + gap if qr_value else 0), area.h * 0.35)
            wrapped = self._sizes.fit(
                name,
                "signature",
                text.front["signature"],
                stack,
                block.size * scale,
                block.floor,
                box,
                block.leading,
            )
            if wrapped is None:
                raise does_not_fit(contact_id, name, "signature", box, block.floor)
            top = area.y + wrapped.height
            if qr_value:  # centre the signature on the QR code's height
                top = area.y + max(wrapped.height, (qr_size + wrapped.height) / 2)
            lines += place(wrapped, stack, box, top, style.color(block.color), block.align)
            strip = max(strip, top - area.y)
        stack_box = area.with_edges(bottom=area.y + strip + gap) if strip else area
        stacked, rule = self._stacked_blocks(contact_id, name, style, text, stack_box)
        return LaidOutFront(stacked + lines, image_box, rule, qr_value, qr_box)

    def _stacked_blocks(
        self, contact_id: str, name: str, style: CardStyle, text: CardText, box: Rect
    ) -> tuple[list[PlacedLine], Rect | None]:
        """The `FRONT_STACK` blocks from the top of `box`, shrunk together until all fit."""
        scale = self.geometry.text_scale
        blocks = [(b, text.front[b], style.blocks[b]) for b in FRONT_STACK if b in text.front]
        if not blocks:
            return [], None
        rule_after = "headline" if style.accent_rule and "headline" in text.front else None
        thickness = max(1.0, 1.6 * scale)
        factor = 1.0
        measured = [measure(t, self.stacks[s.font]) for _, t, s in blocks]
        while True:
            sized = [(b, t, s, max(s.floor, s.size * scale * factor)) for b, t, s in blocks]
            wrapped = [
                wrap_measured(m, size, box.w, s.leading)
                for m, (_, _, s, size) in zip(measured, sized, strict=True)
            ]
            if all(w is not None for w in wrapped):
                fitted = [w for w in wrapped if w is not None]
                names = [b for b, *_ in sized]
                spacing = _spacing(fitted, names, rule_after, thickness)
                used = sum(w.height for w in fitted) + sum(space for space, _ in spacing)
                if used <= box.h + 1e-6:
                    break
            if all(size <= s.floor + 1e-9 for _, _, s, size in sized):
                worst = min(sized, key=lambda item: item[2].floor)
                raise does_not_fit(contact_id, name, "front text", box, worst[2].floor)
            factor -= 0.04

        lines: list[PlacedLine] = []
        rule: Rect | None = None
        top = box.top - (box.h - used) * 0.3  # a little above centre reads as balanced
        for (_, _, block, _), w, (space, rule_drop) in zip(sized, fitted, spacing, strict=True):
            stack = self.stacks[block.font]
            lines += place(w, stack, box, top, style.color(block.color), block.align)
            top -= w.height
            if rule_drop is not None:
                width = min(box.w * 0.3, inches(0.9) * scale)
                x = box.x if block.align == "left" else box.x + (box.w - width) / 2
                rule = Rect(x, top - rule_drop - thickness, width, thickness)
            top -= space
        return lines, rule

    def image_box(self, style: CardStyle) -> Rect | None:
        """Where the front image goes: the whole bleed, or a panel on the left or right."""
        if style.image is None:
            return None
        g = self.geometry
        if style.image_position == "background":
            return g.bleed
        panel = g.trim.w * 0.42
        if style.image_position == "left":
            return Rect.from_edges(g.bleed.x, g.bleed.y, g.trim.x + panel, g.bleed.top)
        return Rect.from_edges(g.trim.right - panel, g.bleed.y, g.bleed.right, g.bleed.top)

    def image_warning(self, template: CardTemplate, size: str) -> str | None:
        """A warning when the template's front image prints below 300 DPI on this card;
        a RenderError when it can't be read at all."""
        style = template.style
        box = self.image_box(style)
        if style.image is None or box is None:
            return None
        try:
            width_px, height_px = _image(style.image).getSize()
        except (OSError, ValueError) as exc:
            raise RenderError(
                f"template '{template.name}': can't read front image {style.image}: {exc}",
                hint="use a PNG or JPEG file",
            ) from None
        cover = max(box.w / width_px, box.h / height_px)
        dpi = 72 / cover
        if dpi >= 300:
            return None
        return (
            f"template '{template.name}': front image {style.image.name} prints at "
            f"{dpi:.0f} DPI on a {size} card; use 300 DPI or more for a sharp print "
            f"(at least {box.w / 72 * 300:.0f} x {box.h / 72 * 300:.0f} pixels)"
        )


def draw_image(canvas: Canvas, path: Path, box: Rect) -> None:
    """The image scaled to cover `box`, centred and clipped to it."""
    reader = _image(path)
    width_px, height_px = reader.getSize()
    scale = max(box.w / width_px, box.h / height_px)
    w, h = width_px * scale, height_px * scale
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(box.x, box.y, box.w, box.h)
    canvas.clipPath(clip, stroke=0, fill=0)
    try:
        canvas.drawImage(reader, box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)
    except (OSError, ValueError, SyntaxError) as exc:  # the pixels, read only now, are bad
        raise RenderError(
            f"front image {path} can't be drawn: {exc}",
            hint="the file may be cut short or damaged: export or copy it again",
        ) from None
    canvas.restoreState()


def _spacing(
    fitted: list[Wrapped], names: list[str], rule_after: str | None, thickness: float
) -> list[tuple[float, float | None]]:
    """White space after each block (a fraction of the next block's size) and, for the
    block the accent rule follows, how far below it the rule starts."""
    spacing: list[tuple[float, float | None]] = []
    for i, block in enumerate(fitted):
        following = fitted[i + 1].size if i + 1 < len(fitted) else 0.0
        if names[i] == rule_after:
            drop = 0.35 * block.size
            spacing.append((drop + thickness + 0.6 * following, drop))
        else:
            spacing.append((0.45 * following, None))
    return spacing
