"""Drawing one postcard: `CardPainter.prepare` renders a step's template and fits its text
into the zones `geometry` allows (the front by `front_side`, the back by `back_side`);
`draw_front` / `draw_back` replay it on any ReportLab canvas with the card's trim at a given
origin, so per-card PDFs, previews and n-up print sheets share it, as they share the
byte-reproducible PDF canvas made here.

Text never leaves its box and never enters a keep-out zone: when it can't fit at its floor
size the card is refused with a `RenderError` naming the contact and the template.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab import rl_config

from mailer.config import Config
from mailer.domain.models import Action, MailStep
from mailer.drawing.back_side import BackSide, draw_stamp_box
from mailer.drawing.card_context import card_context
from mailer.drawing.fonts import MissingGlyphError, clean_text, font_stacks, load_every_face
from mailer.drawing.front_side import FrontSide, check_front_images, draw_image
from mailer.drawing.geometry import CardGeometry, Rect, card_geometry
from mailer.drawing.layout import RGB, PlacedLine, Run, card_refused
from mailer.drawing.qr import draw_qr, plate_path
from mailer.drawing.style import CardStyle
from mailer.drawing.templates import (
    CardTemplate,
    CardText,
    check_template_folders,
    load_template,
)
from mailer.drawing.variants import PEN_FONTS, split_forms
from mailer.errors import MailerError, RenderError

if TYPE_CHECKING:  # made only for a card the card writer leaves to ReportLab
    from reportlab.pdfgen.canvas import Canvas

WHITE: RGB = (1.0, 1.0, 1.0)


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
    note_size: float = 0.0
    """The size the handwritten note was fitted at (points)."""


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


def reproducible_canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    """A canvas writing to `buffer`, compressed, in invariant mode: no creation date or
    random document id, so the same drawing gives the same bytes."""
    from reportlab.pdfgen.canvas import Canvas  # here: most runs never need a canvas

    canvas = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("mailer")
    return canvas


def saved_pdf(canvas: Canvas, buffer: io.BytesIO) -> bytes:
    """Save a `reproducible_canvas` (with binary streams) and return its PDF bytes."""
    with binary_streams():
        canvas.save()
    return buffer.getvalue()


class CardPainter:
    """Lays out and draws cards of one size and mode for one configuration."""

    def __init__(
        self, config: Config, mode: str, size: str | None = None, *, forms_now: bool = True
    ) -> None:
        self.config = config
        self.mode = mode
        self.size = size or config.mail.size
        self.geometry: CardGeometry = card_geometry(self.size, mode)
        self.stacks = font_stacks(config.font_path)
        load_every_face(self.stacks)  # a bad templates.font stops here, not on every card
        check_template_folders(config)  # and so does a template folder that can't be used,
        check_front_images(config)  # or a front image that can't be drawn
        self._warnings: dict[str, None] = {}
        self._templates: dict[str, CardTemplate] = {}
        self._front = FrontSide(self.geometry, self.stacks)
        self._back = BackSide(config, mode, self.geometry, self.stacks)
        if forms_now:  # and a handwriting whose letter forms can't be made
            self._back.pen()

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
        style, text, url = self._text(step, name)
        try:
            return self._layout(step, name, style, text, url)
        except MissingGlyphError as exc:
            raise card_refused(
                step.contact_id,
                name,
                f"no font has the character {exc.char!r} (U+{ord(exc.char):04X})",
                "set templates.font to a TrueType font that has it, or install DejaVu Sans "
                "(fonts-dejavu-core) or fontpkg-noto-sans",
            ) from None

    def _text(self, step: MailStep, name: str) -> tuple[CardStyle, CardText, str]:
        """The template's style, its text for `step`, and on a sales card the address its
        QR code opens (`card_context.qr_url`), taken from what the template was given: the
        card's code in the offer's url, else the url itself."""
        template = self._template(name)
        style = template.style
        context = card_context(step, self.config, sales=style.sales)
        # Taken before the template runs: a template may change what it is given.
        url = (context["card"]["url"] or context["offer"]["url"]) if style.sales else ""
        text = template.render(context, step.contact_id)
        return (
            style,
            CardText(
                front={k: clean_text(v) for k, v in text.front.items()},
                message=clean_text(text.message),
            ),
            url,
        )

    def note_length(self, step: MailStep) -> int:
        """How many characters the step's handwritten note has (only the note rendered,
        nothing laid out: `mailer run` asks it of every card before drawing any); raises
        TemplateError like `prepare`."""
        template = self._template(step.template or "")
        context = card_context(step, self.config, sales=template.style.sales)
        return len(clean_text(template.render_message(context, step.contact_id)))

    def _template(self, name: str) -> CardTemplate:
        template = self._templates.get(name)
        if template is None:
            template = load_template(name, self.config)
            warning = self._front.image_warning(template, self.size)
            if warning is not None:
                self._warnings[warning] = None
            self._templates[name] = template  # only once its image is known to be usable
        return template

    def _layout(
        self, step: MailStep, name: str, style: CardStyle, text: CardText, url: str
    ) -> PreparedCard:
        key = step.step_key  # made once: the card and its note's seed both need it
        front = self._front.lay_out(step.contact_id, name, style, text, url)
        back = self._back.lay_out(step, name, style, text.message, key)
        return PreparedCard(
            step_key=key,
            contact_id=step.contact_id,
            template=name,
            style=style,
            front=tuple(front.lines),
            back=tuple(back),
            image_box=front.image_box,
            rule=front.rule,
            qr_value=front.qr_value,
            qr_box=front.qr_box,
            note_size=self._back.note_size,
        )

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
                draw_image(canvas, style.image, prepared.image_box)
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
                draw_stamp_box(canvas, stamp)
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
            if run.rise or run.slant:  # a handwritten line: off the level, leaning
                text.setTextTransform(1, 0, run.slant, 1, run.x, line.y + run.rise)
            else:
                text.setTextOrigin(run.x, line.y)
            pen = PEN_FONTS.get(run.font)
            for n, part in enumerate(_parts(run)):
                if n:  # a changed gap, moved over as the card writer does, by `TJ` (the
                    # viewer adds up the same advances: ReportLab has no call for it)
                    _, narrower, lift = run.gaps[n - 1]
                    vars(text)["_code"].append(f"[{narrower}] TJ")
                    text.setRise(lift)
                if pen is None:
                    if (run.font, run.size) != font:
                        font = (run.font, run.size)
                        text.setFont(run.font, run.size)
                    text.textOut(part)
                    continue
                # The pen font's letters in their forms: each form a font of its own here,
                # the pieces one after the other (each advances by its widths, the pen
                # font's).
                forms = pen.forms()
                for form, piece in split_forms(part):
                    if (forms[form], run.size) != font:
                        font = (forms[form], run.size)
                        text.setFont(*font)
                    text.textOut(piece)
            if run.gaps:
                text.setRise(0)
    canvas.drawText(text)


def _parts(run: Run) -> list[str]:
    """`run`'s text cut at its changed gaps (`Run.gaps`)."""
    if not run.gaps:
        return [run.text]
    cuts = [0, *(at for at, _, _ in run.gaps), len(run.text)]
    return [run.text[a:b] for a, b in itertools.pairwise(cuts)]


def long_notes(steps: Iterable[MailStep], config: Config) -> list[str]:
    """A warning for each template whose note runs past `templates.long_note` characters,
    naming its longest note's contact and the size that note is fitted at. Cards that can't
    be drawn are left to the drawing to report."""
    limit = config.templates.long_note
    try:
        painter = CardPainter(config, config.mail.mode, forms_now=False)
        longest: dict[str, tuple[int, MailStep]] = {}
        for step in steps:
            if step.action is not Action.MAIL or not step.template:
                continue
            with suppress(MailerError):
                length = painter.note_length(step)
                if length > limit and length > longest.get(step.template, (0, step))[0]:
                    longest[step.template] = (length, step)
        warnings = []
        for name, (length, step) in sorted(longest.items()):
            with suppress(MailerError):
                size = painter.prepare(step).note_size
                warnings.append(
                    f"template '{name}': the note for {step.contact_id} runs to {length:,} "
                    f"characters, past templates.long_note ({limit:,}); a handwritten note "
                    f"reads as real at three or four sentences: it is fitted at {size:g} pt"
                )
    except MailerError:
        return []
    return warnings
