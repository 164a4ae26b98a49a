"""The back of a card: the handwritten message and, on self-mail cards, what the post office
needs (the return address, the delivery address, the stamp box and, for mail abroad, the word
POSTCARD), each kept inside its USPS zone.

Provider cards carry the message only: the provider prints the addresses and the postage in
its ink-free zone.
"""

from __future__ import annotations

from collections.abc import Callable
from shlex import quote
from typing import TYPE_CHECKING

from mailer.config import Config
from mailer.domain import addresses
from mailer.domain.models import CallRecord, MailStep
from mailer.domain.names import shortened_name
from mailer.drawing.fonts import HAND, SANS, SANS_BOLD, FontStack, caveat_path, clean_text
from mailer.drawing.geometry import MESSAGE_GAP, CardGeometry, Rect, inches
from mailer.drawing.hand import room, write
from mailer.drawing.layout import (
    RGB,
    PlacedLine,
    SizeMemory,
    Wrapped,
    card_refused,
    does_not_fit,
    fit_lines,
    place,
)
from mailer.drawing.style import CardStyle, parse_color
from mailer.drawing.variants import PenFont, pen_font
from mailer.errors import RenderError

if TYPE_CHECKING:  # drawn on only for a card the card writer leaves to ReportLab
    from reportlab.pdfgen.canvas import Canvas

ADDRESS_SIZE, ADDRESS_FLOOR = 10.0, 8.0
"""USPS: the delivery address at least 8 pt; 10 pt reads best."""
RETURN_SIZE, RETURN_FLOOR = 7.5, 6.0
ADDRESS_LEADING = 1.15
BLACK: RGB = (0.0, 0.0, 0.0)
STAMP_GREY: RGB = (0.5, 0.5, 0.5)


class BackSide:
    """Lays out the backs of cards of one geometry and mode. The return address and the
    stamp box's words are the same on every card: laid out once."""

    def __init__(
        self, config: Config, mode: str, geometry: CardGeometry, stacks: dict[str, FontStack]
    ) -> None:
        self.config = config
        self.mode = mode
        self.geometry = geometry
        self.stacks = stacks
        self._sizes = SizeMemory()
        self._return: tuple[tuple[PlacedLine, ...], float] | None = None
        self._stamp: tuple[PlacedLine, ...] | None = None
        self._forms: PenFont | None = None
        self.note_size = 0.0
        """The size the last note laid out was fitted at."""

    def lay_out(
        self, step: MailStep, name: str, style: CardStyle, message: str, key: str = ""
    ) -> list[PlacedLine]:
        """The back's lines; `key` is the step's key when the caller has it made already
        (the note's variation is seeded by it)."""
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
        stack = self.stacks[block.font]
        size = block.size * g.text_scale
        pen = self.pen() if block.font == HAND else None
        fitted = room(area, size, *stack.metrics(message)) if pen else area
        wrapped = self._sizes.fit(
            name, "message", message, stack, size, block.floor, fitted, block.leading
        )
        if wrapped is None:
            if area.right < g.message_area.right:
                raise card_refused(
                    step.contact_id,
                    name,
                    "the delivery address is so long that the message no longer fits beside it",
                    "shorten the contact's name or address lines in the call log (USPS "
                    "abbreviations: BOULEVARD -> BLVD), or shorten message.j2",
                )
            raise does_not_fit(step.contact_id, name, "message", area, block.floor)
        self.note_size = wrapped.size
        ink = self.config.templates.ink
        color = parse_color(ink) if ink and block.color == "pen" else style.color(block.color)
        if pen is None:
            lines += place(wrapped, stack, area, area.top, color, block.align)
        else:
            lines += write(
                wrapped,
                stack,
                fitted,
                fitted.top,
                color,
                block.align,
                pen,
                key or step.step_key,
                block.floor,
            )
        return lines

    def pen(self) -> PenFont | None:
        """The handwriting's forms (its own and those derived from it), made the first
        time a varied note needs them; None when `templates.variation` is off."""
        if not self.config.templates.variation:
            return None
        if self._forms is None:
            plain = self.stacks[HAND].primary.name
            path = self.config.font_path or caveat_path()
            try:
                self._forms = pen_font(str(path), plain)
            # fontTools meets a font it can't rewrite with whatever its reading hits first.
            except Exception as exc:
                key = "templates.font: " if self.config.font_path else ""
                raise RenderError(
                    f"{key}can't make the letter forms of {path}: {exc or type(exc).__name__}",
                    hint="use another TrueType (.ttf) font, or set variation = false in the "
                    "[templates] section of mailer.toml to write the note plain",
                ) from None
        return self._forms

    def _return_block(self, step: MailStep, name: str) -> tuple[list[PlacedLine], float]:
        """The sender's address at the top left, and where it ends."""
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
                raise does_not_fit(
                    step.contact_id,
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
        if addresses.is_domestic(addresses.mail_to(step.record)):
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
        """The contact's address, upper case, centred in its area; and its left edge.

        Tried in turn until one fits: the block in the right half (10 pt down to 8), with the
        name on one line, then on two (broken at a space or hyphen: the post office reads
        from the bottom up, so the delivery line and the city line stay the last two); then
        the same at 8 pt with the block grown left inside the OCR read area, the message
        column narrowing to keep its distance."""
        g = self.geometry
        area, ocr = g.delivery_address_area, g.ocr_read_area
        assert area is not None
        assert ocr is not None
        record = step.record
        texts = [clean_text(t).upper() for t in addresses.record_lines(record)]
        if len(texts) < 2:
            raise card_refused(
                step.contact_id,
                name,
                "no delivery address to print",
                "add the street, city and ZIP to the call log",
            )
        stack = self.stacks[SANS]
        named = 1 if addresses.name_line(record.name) else 0
        layouts: list[list[str] | None] = [texts, None]  # the name on two lines: if needed
        left = max(ocr.x, g.message_area.x + inches(1.6) + MESSAGE_GAP)
        wide = area.with_edges(left=min(left, area.x))
        for box, size in ((area, ADDRESS_SIZE), (wide, ADDRESS_FLOOR)):
            for n, lines in enumerate(layouts):
                if lines is None:
                    split = two_lines(texts[0], stack) if named else None
                    lines = layouts[n] = [*split, *texts[1:]] if split else []
                if not lines:
                    continue
                wrapped = fit_lines(lines, stack, size, ADDRESS_FLOOR, box, ADDRESS_LEADING)
                if wrapped is not None:
                    if box is wide:
                        box = wide.with_edges(left=wide.right - wrapped.widest)
                    top = box.y + (box.h + wrapped.height) / 2
                    return place(wrapped, stack, box, top, BLACK), box.x
        raise self._address_refused(step, name, texts[named:], wide)

    def _address_refused(
        self, step: MailStep, name: str, address: list[str], wide: Rect
    ) -> RenderError:
        """Why the delivery block can't fit, with the command that fixes it: shorter address
        lines when they alone don't fit, else a shorter name (one that would fit)."""
        stack = self.stacks[SANS]
        record = step.record
        if fit_lines(address, stack, ADDRESS_FLOOR, ADDRESS_FLOOR, wide, ADDRESS_LEADING) is None:
            what, fix = "delivery address", address_fix(record)
        else:
            what, fix = "name and address", name_fix(record, self._fits_with(address, wide))
        return does_not_fit(step.contact_id, name, what, wide, ADDRESS_FLOOR, fix)

    def _fits_with(self, address: list[str], wide: Rect) -> Callable[[str], bool]:
        stack = self.stacks[SANS]

        def fits(name: str) -> bool:
            line = clean_text(addresses.name_line(name)).upper()
            split = two_lines(line, stack)
            for lines in ([line], [*split] if split is not None else []):
                block = [*lines, *address]
                if lines and fit_lines(
                    block, stack, ADDRESS_FLOOR, ADDRESS_FLOOR, wide, ADDRESS_LEADING
                ):
                    return True
            return False

        return fits


def two_lines(text: str, stack: FontStack) -> tuple[str, str] | None:
    """`text` broken into two lines at the space or after the hyphen that makes the wider
    line narrowest (a name too long for one line of an address block); None when it has
    neither."""
    best: tuple[float, str, str] | None = None
    for index, char in enumerate(text):
        if char == " ":
            first, second = text[:index].rstrip(), text[index + 1 :].lstrip()
        elif char == "-" and 0 < index < len(text) - 1:
            first, second = text[: index + 1], text[index + 1 :].lstrip()
        else:
            continue
        if not (first and second):
            continue
        wider = max(stack.width(first), stack.width(second))
        if best is None or wider < best[0]:
            best = (wider, first, second)
    return (best[1], best[2]) if best is not None else None


def name_fix(record: CallRecord, fits: Callable[[str], bool]) -> str:
    """The command that gives the contact a name that fits: theirs shortened by the rule
    the providers' names follow (`domain.names.shortened_name`), the longest that fits."""
    full = " ".join(record.name.split())
    shorter = (shortened_name(full, n) for n in range(len(full) - 1, 0, -1))
    suggestion = next((s for s in shorter if fits(s)), "")
    first, _, last = suggestion.partition(" ") if " " in suggestion else ("", "", suggestion)
    command = (
        f"mailer contacts edit {quote(record.contact_id)} --first-name {quote(first)} "
        f"--last-name {quote(last)}"
    )
    return (
        f"give a shorter name, e.g. `{command}`, then `mailer render`; or mail it through "
        "a provider, which shortens long names itself"
    )


def address_fix(record: CallRecord) -> str:
    """The command that shortens the contact's street lines."""
    command = f"mailer contacts edit {quote(record.contact_id)} --address-line1 '...'"
    return (
        f"shorten the street lines with USPS abbreviations (AVENUE -> AVE, APARTMENT -> "
        f"APT): `{command}`, then `mailer render`; or mail it through a provider, which "
        "prints the address itself"
    )


def draw_stamp_box(canvas: Canvas, box: Rect) -> None:
    """The dashed outline where the stamp goes, just inside the stamp zone."""
    inner = box.inset(2)
    canvas.setStrokeColorRGB(*STAMP_GREY)
    canvas.setLineWidth(0.6)
    canvas.setDash(3, 2)
    canvas.rect(inner.x, inner.y, inner.w, inner.h, stroke=1, fill=0)
    canvas.setDash()
