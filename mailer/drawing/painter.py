"""Drawing one postcard: `CardPainter.prepare` renders a step's template and fits its text
into the zones `geometry` allows; `draw_front` / `draw_back` replay it on any ReportLab canvas
with the card's trim at a given origin, so per-card PDFs and n-up print sheets share it.

Text never leaves its box and never enters a keep-out zone: when it can't fit at its floor
size the card is refused with a `RenderError` naming the contact and the template.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from mailer.config import Config
from mailer.domain import addresses
from mailer.domain.models import Action, MailStep
from mailer.drawing.fonts import (
    SANS,
    SANS_BOLD,
    FontStack,
    MissingGlyphError,
    clean_text,
    font_stacks,
    load_every_face,
)
from mailer.drawing.geometry import MESSAGE_GAP, CardGeometry, Rect, card_geometry, inches
from mailer.drawing.layout import (
    RGB,
    PlacedLine,
    Wrapped,
    fit,
    fit_lines,
    measure,
    place,
    wrap_measured,
)
from mailer.drawing.qr import draw_qr, plate_path
from mailer.drawing.style import FRONT_STACK, BlockStyle, CardStyle
from mailer.drawing.templates import CardTemplate, CardText, card_context, load_template
from mailer.errors import RenderError

ADDRESS_SIZE, ADDRESS_FLOOR = 10.0, 8.0
"""USPS: the delivery address at least 8 pt; 10 pt reads best."""
RETURN_SIZE, RETURN_FLOOR = 7.5, 6.0
ADDRESS_LEADING = 1.15
BLACK: RGB = (0.0, 0.0, 0.0)
WHITE: RGB = (1.0, 1.0, 1.0)
STAMP_GREY: RGB = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class PreparedCard:
    """A card laid out and ready to draw any number of times."""

    step_key: str
    contact_id: str
    template: str
    style: CardStyle
    front: tuple[PlacedLine, ...]
    back: tuple[PlacedLine, ...]
    image_box: Rect | None = None
    rule: Rect | None = None
    qr_value: str | None = None
    qr_box: Rect | None = None


@contextmanager
def binary_streams() -> Iterator[None]:
    """Save a canvas inside this: ReportLab ASCII85-encodes compressed streams by default,
    which makes files a quarter bigger and costs about a tenth of the rendering time."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


@cache
def _image(path: Path) -> ImageReader:
    return ImageReader(str(path))


class CardPainter:
    """Lays out and draws cards of one size and mode for one configuration."""

    def __init__(self, config: Config, mode: str, size: str | None = None) -> None:
        self.config = config
        self.mode = mode
        self.size = size or config.mail.size
        self.geometry: CardGeometry = card_geometry(self.size, mode)
        self.stacks = font_stacks(config.font_path)
        load_every_face(self.stacks)  # a bad templates.font stops here, not on every card
        self._warnings: dict[str, None] = {}
        self._templates: dict[str, CardTemplate] = {}
        self._return: tuple[tuple[PlacedLine, ...], float] | None = None
        self._stamp: tuple[PlacedLine, ...] | None = None
        self._sizes: dict[tuple[str, str], float] = {}
        """The size each (template, block) needed on the last card: where fitting starts."""

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things worth telling the user about the templates used so far (low-DPI images)."""
        return tuple(self._warnings)

    # ---- preparing ---------------------------------------------------------------------

    def prepare(self, step: MailStep) -> PreparedCard:
        """Render the step's template and fit its text; raises TemplateError or RenderError."""
        name = step.template
        if step.action is not Action.MAIL or not name:
            raise RenderError(
                f"contact {step.contact_id}: step is '{step.action}', not a card to mail",
                hint="render only steps whose action is 'mail'",
            )
        template = self._template(name)
        style = template.style
        context = card_context(step, self.config, sales=style.sales)
        text = template.render(context, step.contact_id)
        text = CardText(
            front={k: clean_text(v) for k, v in text.front.items()},
            message=clean_text(text.message),
        )
        try:
            return self._layout(step, name, style, text)
        except MissingGlyphError as exc:
            raise self._error(
                step,
                name,
                f"no font has the character {exc.char!r} (U+{ord(exc.char):04X})",
                "set templates.font to a TrueType font that has it, or install DejaVu Sans "
                "(fonts-dejavu-core) or fontpkg-noto-sans",
            ) from None

    def _template(self, name: str) -> CardTemplate:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = load_template(name, self.config)
            self._check_image(template)
        return template

    def _layout(self, step: MailStep, name: str, style: CardStyle, text: CardText) -> PreparedCard:
        front, image_box, rule, qr_value, qr_box = self._front(step, name, style, text)
        back = self._back(step, name, style, text)
        return PreparedCard(
            step_key=step.step_key,
            contact_id=step.contact_id,
            template=name,
            style=style,
            front=tuple(front),
            back=tuple(back),
            image_box=image_box,
            rule=rule,
            qr_value=qr_value,
            qr_box=qr_box,
        )

    def _error(self, step: MailStep, name: str, problem: str, hint: str) -> RenderError:
        return RenderError(
            f"card for contact {step.contact_id} (template '{name}'): {problem}", hint=hint
        )

    def _no_fit(
        self, step: MailStep, name: str, what: str, box: Rect, floor: float, hint: str = ""
    ) -> RenderError:
        return self._error(
            step,
            name,
            f"the {what} does not fit its area ({box.w / 72:.2f} x {box.h / 72:.2f} in) even at "
            f"its floor size of {floor:g} pt",
            hint
            or "shorten the text (or the contact's data it uses), lower the block's floor in "
            "card.toml, or choose a bigger card size",
        )

    def _stack(self, block: BlockStyle) -> FontStack:
        return self.stacks[block.font]

    def _fit(
        self, name: str, block_name: str, text: str, block: BlockStyle, box: Rect
    ) -> Wrapped | None:
        """`fit` at the block's size for this card, starting from the size the previous
        card of this template needed for the block."""
        key = (name, block_name)
        size = block.size * self.geometry.text_scale
        wrapped = fit(
            text, self._stack(block), size, block.floor, box, block.leading, self._sizes.get(key)
        )
        if wrapped is not None:
            self._sizes[key] = wrapped.size
        return wrapped

    # ---- front -------------------------------------------------------------------------

    def _front(
        self, step: MailStep, name: str, style: CardStyle, text: CardText
    ) -> tuple[list[PlacedLine], Rect | None, Rect | None, str | None, Rect | None]:
        g = self.geometry
        scale = g.text_scale
        gap = inches(0.12) * scale
        area = g.safe
        image_box = self._image_box(style)
        if image_box is not None and style.image_position == "left":
            area = area.with_edges(left=image_box.right + inches(0.2))
        elif image_box is not None and style.image_position == "right":
            area = area.with_edges(right=image_box.x - inches(0.2))

        url = self.config.offer.url
        qr_value = url if style.sales and style.show_qr and url else None
        qr_size = min(inches(0.95) * scale, area.h * 0.45, area.w * 0.4) if qr_value else 0.0
        qr_box = Rect(area.right - qr_size, area.y, qr_size, qr_size) if qr_value else None

        lines: list[PlacedLine] = []
        strip = qr_size
        if "signature" in text.front:
            block = style.blocks["signature"]
            box = Rect(area.x, area.y, area.w - (qr_size + gap if qr_value else 0), area.h * 0.35)
            wrapped = self._fit(name, "signature", text.front["signature"], block, box)
            if wrapped is None:
                raise self._no_fit(step, name, "signature", box, block.floor)
            top = area.y + wrapped.height
            if qr_value:  # centre the signature on the QR code's height
                top = area.y + max(wrapped.height, (qr_size + wrapped.height) / 2)
            lines += place(
                wrapped, self._stack(block), box, top, style.color(block.color), block.align
            )
            strip = max(strip, top - area.y)
        stack_box = area.with_edges(bottom=area.y + strip + gap) if strip else area
        stacked, rule = self._front_stack(step, name, style, text, stack_box)
        return stacked + lines, image_box, rule, qr_value, qr_box

    def _front_stack(
        self, step: MailStep, name: str, style: CardStyle, text: CardText, box: Rect
    ) -> tuple[list[PlacedLine], Rect | None]:
        scale = self.geometry.text_scale
        blocks = [(b, text.front[b], style.blocks[b]) for b in FRONT_STACK if b in text.front]
        if not blocks:
            return [], None
        rule_after = "headline" if style.accent_rule and "headline" in text.front else None
        thickness = max(1.0, 1.6 * scale)
        factor = 1.0
        measured = [measure(t, self._stack(s)) for _, t, s in blocks]
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
                raise self._no_fit(step, name, "front text", box, worst[2].floor)
            factor -= 0.04

        lines: list[PlacedLine] = []
        rule: Rect | None = None
        top = box.top - (box.h - used) * 0.3  # a little above centre reads as balanced
        for (_, _, block, _), w, (space, rule_drop) in zip(sized, fitted, spacing, strict=True):
            lines += place(w, self._stack(block), box, top, style.color(block.color), block.align)
            top -= w.height
            if rule_drop is not None:
                width = min(box.w * 0.3, inches(0.9) * scale)
                x = box.x if block.align == "left" else box.x + (box.w - width) / 2
                rule = Rect(x, top - rule_drop - thickness, width, thickness)
            top -= space
        return lines, rule

    def _image_box(self, style: CardStyle) -> Rect | None:
        if style.image is None:
            return None
        g = self.geometry
        if style.image_position == "background":
            return g.bleed
        panel = g.trim.w * 0.42
        if style.image_position == "left":
            return Rect.from_edges(g.bleed.x, g.bleed.y, g.trim.x + panel, g.bleed.top)
        return Rect.from_edges(g.trim.right - panel, g.bleed.y, g.bleed.right, g.bleed.top)

    def _check_image(self, template: CardTemplate) -> None:
        style = template.style
        box = self._image_box(style)
        if style.image is None or box is None:
            return
        try:
            width_px, height_px = _image(style.image).getSize()
        except (OSError, ValueError) as exc:
            raise RenderError(
                f"template '{template.name}': can't read front image {style.image}: {exc}",
                hint="use a PNG or JPEG file",
            ) from None
        cover = max(box.w / width_px, box.h / height_px)
        dpi = 72 / cover
        if dpi < 300:
            self._warnings[
                f"template '{template.name}': front image {style.image.name} prints at "
                f"{dpi:.0f} DPI on a {self.size} card; use 300 DPI or more for a sharp print "
                f"(at least {box.w / 72 * 300:.0f} x {box.h / 72 * 300:.0f} pixels)"
            ] = None

    # ---- back --------------------------------------------------------------------------

    def _back(
        self, step: MailStep, name: str, style: CardStyle, text: CardText
    ) -> list[PlacedLine]:
        g = self.geometry
        lines: list[PlacedLine] = []
        area = g.message_area
        if self.mode == "self":
            returned, bottom = self._return_block(step, name)
            address, left = self._delivery_block(step, name)
            lines += returned + address + self._stamp_words() + self._postcard_word(step)
            area = area.with_edges(
                top=bottom - inches(0.15), right=min(area.right, left - MESSAGE_GAP)
            )
        block = style.blocks["message"]
        wrapped = self._fit(name, "message", text.message, block, area)
        if wrapped is None:
            if area.right < g.message_area.right:
                raise self._error(
                    step,
                    name,
                    "the delivery address is so long that the message no longer fits beside it",
                    "shorten the contact's name or address lines in the call log (USPS "
                    "abbreviations: BOULEVARD -> BLVD), or shorten message.j2",
                )
            raise self._no_fit(step, name, "message", area, block.floor)
        lines += place(
            wrapped, self._stack(block), area, area.top, style.color(block.color), block.align
        )
        return lines

    def _return_block(self, step: MailStep, name: str) -> tuple[list[PlacedLine], float]:
        if self._return is None:
            s = self.config.sender
            ra = s.return_address
            last = " ".join(
                p for p in (f"{ra.city}," if ra.city else "", ra.state, ra.postal_code) if p
            )
            raw = [s.name, s.company, ra.line1, ra.line2, last.strip(",")]
            texts = [clean_text(t) for t in raw if t.strip()]
            box = self.geometry.return_address_area
            assert box is not None
            wrapped = fit_lines(texts, self.stacks[SANS], RETURN_SIZE, RETURN_FLOOR, box, 1.2)
            if wrapped is None:
                raise self._no_fit(
                    step,
                    name,
                    "return address",
                    box,
                    RETURN_FLOOR,
                    "shorten [sender] name, company or return_address lines in mailer.toml",
                )
            placed = place(wrapped, self.stacks[SANS], box, box.top, BLACK)
            self._return = (tuple(placed), box.top - wrapped.height)
        return list(self._return[0]), self._return[1]

    def _stamp_words(self) -> list[PlacedLine]:
        """ "PLACE STAMP HERE" centred in the stamp box, the same on every card."""
        if self._stamp is None:
            box = self.geometry.stamp_box
            assert box is not None
            stack = self.stacks[SANS]
            words = ("PLACE", "STAMP", "HERE")
            ascent, descent = stack.metrics("".join(words))
            wrapped = Wrapped(6.5, 1.3, words, tuple(map(stack.width, words)), ascent, descent)
            top = box.y + (box.h + wrapped.height) / 2
            self._stamp = tuple(place(wrapped, stack, box, top, STAMP_GREY, "center"))
        return list(self._stamp)

    def _postcard_word(self, step: MailStep) -> list[PlacedLine]:
        """Mail abroad wants the word "POSTCARD" on a privately printed card: top of the
        right half, beside the stamp box, clear of the address block below."""
        if addresses.mail_to(step.record).country in ("", "US"):
            return []
        g = self.geometry
        stamp = g.stamp_box
        assert stamp is not None
        stack = self.stacks[SANS_BOLD]
        word = ("POSTCARD",)
        ascent, descent = stack.metrics(word[0])
        wrapped = Wrapped(9.0, 1.2, word, (stack.width(word[0]),), ascent, descent)
        box = Rect.from_edges(g.page.w / 2, stamp.y, stamp.x - inches(0.1), stamp.top)
        return place(wrapped, stack, box, box.top, STAMP_GREY, "left")

    def _delivery_block(self, step: MailStep, name: str) -> tuple[list[PlacedLine], float]:
        g = self.geometry
        area, ocr = g.delivery_address_area, g.ocr_read_area
        assert area is not None
        assert ocr is not None
        record = step.record
        texts = [clean_text(t).upper() for t in addresses.record_lines(record)]
        if len(texts) < 2:
            raise self._error(
                step,
                name,
                "no delivery address to print",
                "add the street, city and ZIP to the call log",
            )
        stack = self.stacks[SANS]
        wrapped = fit_lines(texts, stack, ADDRESS_SIZE, ADDRESS_FLOOR, area, ADDRESS_LEADING)
        box = area
        if wrapped is None:
            # Too wide for the right half: let the block grow left inside the OCR read area;
            # the message column narrows to keep its distance.
            left = max(ocr.x, g.message_area.x + inches(1.6) + MESSAGE_GAP)
            wide = area.with_edges(left=min(left, area.x))
            wrapped = fit_lines(texts, stack, ADDRESS_FLOOR, ADDRESS_FLOOR, wide, ADDRESS_LEADING)
            if wrapped is None:
                raise self._no_fit(
                    step,
                    name,
                    "delivery address",
                    wide,
                    ADDRESS_FLOOR,
                    "shorten the contact's name or address lines in the call log (USPS "
                    "abbreviations: AVENUE -> AVE, APARTMENT -> APT), or mail it through a "
                    "provider, which prints the address itself",
                )
            box = wide.with_edges(left=wide.right - wrapped.widest)
        top = box.y + (box.h + wrapped.height) / 2
        placed = place(wrapped, stack, box, top, BLACK)
        return placed, box.x

    # ---- drawing -----------------------------------------------------------------------

    def draw_front(
        self,
        canvas: Canvas,
        card: MailStep | PreparedCard,
        x: float | None = None,
        y: float | None = None,
    ) -> None:
        """Draw the front with the card's trim bottom-left at (x, y); by default where the
        trim sits on this card's own page (inside the bleed for provider cards)."""
        prepared = card if isinstance(card, PreparedCard) else self.prepare(card)
        style = prepared.style
        with self._origin(canvas, x, y):
            canvas.setFillColorRGB(*style.color("background"))
            b = self.geometry.bleed
            canvas.rect(b.x, b.y, b.w, b.h, stroke=0, fill=1)
            if prepared.image_box is not None and style.image is not None:
                self._draw_image(canvas, style.image, prepared.image_box)
            if prepared.rule is not None:
                r = prepared.rule
                canvas.setFillColorRGB(*style.color("accent"))
                canvas.rect(r.x, r.y, r.w, r.h, stroke=0, fill=1)
            if prepared.qr_value is not None and prepared.qr_box is not None:
                q = prepared.qr_box
                canvas.setFillColorRGB(*WHITE)
                canvas.drawPath(plate_path(q.x, q.y, q.w), stroke=0, fill=1)
                draw_qr(canvas, prepared.qr_value, q.x, q.y, q.w)
            _draw_lines(canvas, prepared.front)

    def draw_back(
        self,
        canvas: Canvas,
        card: MailStep | PreparedCard,
        x: float | None = None,
        y: float | None = None,
    ) -> None:
        """Draw the back (message, and for self-mail the addresses and stamp box)."""
        prepared = card if isinstance(card, PreparedCard) else self.prepare(card)
        with self._origin(canvas, x, y):
            stamp = self.geometry.stamp_box
            if stamp is not None:
                self._draw_stamp_box(canvas, stamp)
            _draw_lines(canvas, prepared.back)

    @contextmanager
    def _origin(self, canvas: Canvas, x: float | None, y: float | None) -> Iterator[None]:
        trim = self.geometry.trim
        dx = 0.0 if x is None else x - trim.x
        dy = 0.0 if y is None else y - trim.y
        canvas.saveState()
        if dx or dy:
            canvas.translate(dx, dy)
        try:
            yield
        finally:
            canvas.restoreState()

    def _draw_stamp_box(self, canvas: Canvas, box: Rect) -> None:
        inner = box.inset(2)
        canvas.setStrokeColorRGB(*STAMP_GREY)
        canvas.setLineWidth(0.6)
        canvas.setDash(3, 2)
        canvas.rect(inner.x, inner.y, inner.w, inner.h, stroke=1, fill=0)
        canvas.setDash()

    def _draw_image(self, canvas: Canvas, path: Path, box: Rect) -> None:
        reader = _image(path)
        width_px, height_px = reader.getSize()
        scale = max(box.w / width_px, box.h / height_px)
        w, h = width_px * scale, height_px * scale
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect(box.x, box.y, box.w, box.h)
        canvas.clipPath(clip, stroke=0, fill=0)
        canvas.drawImage(reader, box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)
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


def _draw_lines(canvas: Canvas, lines: tuple[PlacedLine, ...]) -> None:
    if not lines:
        return
    # Each run is placed at its own known x: textOut would measure every string again.
    text = canvas.beginText()
    font: tuple[str, float] | None = None
    color: RGB | None = None
    for line in lines:
        if line.color != color:
            color = line.color
            text.setFillColorRGB(*color)
        for run in line.runs:
            if (run.font, run.size) != font:
                font = (run.font, run.size)
                text.setFont(run.font, run.size)
            text.setTextOrigin(run.x, line.y)
            text.textLine(run.text)
    canvas.drawText(text)
