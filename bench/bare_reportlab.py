"""The baseline for the render bench: the text of an offer card drawn with plain ReportLab
and no mailer code, one PDF per card (page 1 front, page 2 back, 6 x 4 in self-mail).

The same words as mailer's `offer` card at the sizes mailer settles on, Caveat embedded for
the handwriting, Helvetica for the rest, the message wrapped with ReportLab's own
`simpleSplit` into the box mailer uses. No QR code, no templates, no fitting, no checks: what
a hand-written script would cost. ReportLab's defaults are kept (mailer turns off ASCII85
stream encoding; `--binary` does that here too, to compare like with like).

    .venv/bin/python bench/bare_reportlab.py --cards 1000 --out /tmp/bare
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

PAGE = (432.0, 288.0)
HAND = "BareCaveat"
BACKGROUND = (0x1E / 255, 0x3A / 255, 0x4C / 255)
ACCENT = (0xF2 / 255, 0xB5 / 255, 0x44 / 255)
PEN = (0x1D / 255, 0x3A / 255, 0x6E / 255)
GREY = (0.5, 0.5, 0.5)
MESSAGE_SIZE, MESSAGE_LEADING = 12.0, 12.0 * 1.08
MESSAGE_LEFT, MESSAGE_TOP, MESSAGE_WIDTH = 18.0, 222.0, 169.2


@dataclass(frozen=True)
class BareCard:
    """Everything printed on one card, as plain strings."""

    file_stem: str
    greeting: str
    headline: str
    body: str
    deadline: str
    signature: str
    message: tuple[str, ...]
    """Paragraphs of the handwritten note."""
    return_lines: tuple[str, ...]
    delivery_lines: tuple[str, ...]


def register_caveat() -> None:
    if HAND in pdfmetrics.getRegisteredFontNames():
        return
    import fontpkg_caveat

    files = Path(fontpkg_caveat.ROOT) / "files"
    path = files / "Caveat[wght].ttf"
    if not path.is_file():
        path = sorted(files.glob("Caveat*.ttf"))[0]
    pdfmetrics.registerFont(TTFont(HAND, str(path)))


def draw_front(canvas: Canvas, card: BareCard) -> None:
    canvas.setFillColorRGB(*BACKGROUND)
    canvas.rect(0, 0, PAGE[0], PAGE[1], stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(HAND, 32)
    canvas.drawString(18, 220, card.greeting)
    canvas.setFont("Helvetica-Bold", 19)
    canvas.drawString(18, 187, card.headline)
    canvas.setFillColorRGB(*ACCENT)
    canvas.rect(18, 174.5, 64.8, 1.6, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont("Helvetica", 11.5)
    canvas.drawString(18, 158.5, card.body)
    canvas.setFillColorRGB(*ACCENT)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(18, 142.5, card.deadline)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(HAND, 17)
    canvas.drawString(18, 46.6, card.signature)


def draw_back(canvas: Canvas, card: BareCard) -> None:
    canvas.setFillColorRGB(0, 0, 0)
    text = canvas.beginText(18, 264)
    text.setFont("Helvetica", 7.5, 9)
    for line in card.return_lines:
        text.textLine(line)
    canvas.drawText(text)

    canvas.setStrokeColorRGB(*GREY)
    canvas.setLineWidth(0.6)
    canvas.setDash(3, 2)
    canvas.rect(344, 200, 68, 68, stroke=1, fill=0)
    canvas.setDash()
    canvas.setFillColorRGB(*GREY)
    canvas.setFont("Helvetica", 6.5)
    for y, word in ((240.8, "PLACE"), (232.3, "STAMP"), (223.9, "HERE")):
        canvas.drawCentredString(378, y, word)

    canvas.setFillColorRGB(0, 0, 0)
    text = canvas.beginText(216, 130)
    text.setFont("Helvetica", 10, 11.5)
    for line in card.delivery_lines:
        text.textLine(line)
    canvas.drawText(text)

    canvas.setFillColorRGB(*PEN)
    text = canvas.beginText(MESSAGE_LEFT, MESSAGE_TOP)
    text.setFont(HAND, MESSAGE_SIZE, MESSAGE_LEADING)
    for paragraph in card.message:
        for line in simpleSplit(paragraph, HAND, MESSAGE_SIZE, MESSAGE_WIDTH):
            text.textLine(line)
        text.moveCursor(0, MESSAGE_LEADING / 2)
    canvas.drawText(text)


def render_card(card: BareCard, out_dir: Path) -> Path:
    path = out_dir / f"{card.file_stem}.pdf"
    canvas = Canvas(str(path), pagesize=PAGE)
    draw_front(canvas, card)
    canvas.showPage()
    draw_back(canvas, card)
    canvas.showPage()
    canvas.save()
    return path


@contextmanager
def stream_encoding(binary: bool) -> Iterator[None]:
    previous = rl_config.useA85
    rl_config.useA85 = 0 if binary else previous
    try:
        yield
    finally:
        rl_config.useA85 = previous


def render_all(cards: Sequence[BareCard], out_dir: Path, *, binary: bool = False) -> list[Path]:
    """One PDF per card in `out_dir`."""
    register_caveat()
    out_dir.mkdir(parents=True, exist_ok=True)
    with stream_encoding(binary):
        return [render_card(card, out_dir) for card in cards]


def sample_card(index: int, first: str = "Mary", last: str = "Albright") -> BareCard:
    """A card with the offer template's words for one fictitious contact."""
    greeting = f"Dear {first}," if first else "Hello there,"
    return BareCard(
        file_stem=f"B{index:06d}-offer",
        greeting=f"Hi {first}!" if first else "Hello there!",
        headline="Your holiday candles, 20% off",
        body="20% off any order of two or more jars, shipping included.",
        deadline="Yours until Monday, December 7 with code NOTE20",
        signature="Jamie, Prairie Lantern Candles",
        message=(
            greeting,
            "Sorry I missed you on the phone! I put something aside for you, but it's only "
            "good until Monday, December 7, so I wanted you to hear about it in time.",
            "I'll give you a ring on Monday, November 30. Or call me by Monday, December 7 "
            "and mention NOTE20.",
            "A free tip: Trim the wick to 1/4 inch before each burn for a clean, even flame.",
            "Jamie, (217) 555-0100",
        ),
        return_lines=(
            "Jamie Rivera",
            "Prairie Lantern Candles",
            "PO Box 1207",
            "Springfield, IL 62705",
        ),
        delivery_lines=(
            f"{first} {last}".upper(),
            f"{1000 + index % 8000} MAPLE AVE APT {index % 40 + 1}",
            "SPRINGFIELD IL 62704",
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--binary", action="store_true", help="no ASCII85 streams, as mailer")
    args = parser.parse_args()
    cards = [sample_card(i) for i in range(args.cards)]
    start = time.perf_counter()
    render_all(cards, args.out, binary=args.binary)
    elapsed = time.perf_counter() - start
    print(f"{args.cards} cards in {elapsed:.2f} s: {args.cards / elapsed:.0f} cards/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
