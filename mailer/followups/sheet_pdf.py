"""followups.pdf: the call sheet on paper, for the desk beside the phone.

The same calls as followups.csv, a page (or more) a day: each call's window, name, phone,
purpose and attempt, why, the live script and the voicemail message (and whether to leave it
this time), the permission ask, the text to send first, a box to tick per outcome and lines
for notes. Every text is measured and wrapped to the page's width, never clipped: a block
that does not fit goes on at the top of the next page, under the day's heading marked
"continued". The tick-box words are the ones the `mailer-sheet` preset reads back from the
`outcome` column of followups.csv (`sheet.OUTCOME_WORDS`).

Letter paper, portrait. Text is set in Noto Sans (embedded, a subset), which covers the Latin,
Greek, Cyrillic and Vietnamese names call logs hold. The same calls give the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from mailer.files import clean_text, written_beside
from mailer.followups.calls import FollowUp, friendly
from mailer.followups.sheet import OUTCOME_WORDS, sheet_name, window_text

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 40.0
"""Points from each edge of the page that stay blank (a home printer's unprintable rim)."""
WIDTH = PAGE_WIDTH - 2 * MARGIN
INDENT = 14.0
FONT = "MailerSheetSans"
BOX = 8.0
"""The side of a tick box, in points."""

Draw = Callable[[Canvas, float], None]
"""Draws an item with its top at the given y."""


@dataclass(frozen=True)
class Item:
    """One piece of a call's block: its height, how to draw it, and whether it must stay on
    a page with the item after it (a call's name with the start of its script)."""

    height: float
    draw: Draw
    keep_with_next: bool = False


@functools.cache
def _font() -> str:
    """Noto Sans, registered once a process."""
    import fontpkg_noto_sans

    files = Path(fontpkg_noto_sans.ROOT) / "files"
    face = next(p for p in sorted(files.glob("NotoSans*.ttf")) if "Italic" not in p.name)
    pdfmetrics.registerFont(TTFont(FONT, str(face)))
    return FONT


def text_width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, _font(), size))


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width` at `size`: broken at spaces, and inside a word
    only when the word alone is wider than the line. Line breaks in the text are kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            if text_width(trial, size) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            line = ""
            while (cut := _fits(word, size, width)) < len(word):  # wider than the line
                cut = max(1, cut)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fits(word: str, size: float, width: float) -> int:
    """How many of `word`'s first characters fit in `width` (a character at a time: the
    width of a run of text is the sum of its characters')."""
    used = 0.0
    for n, ch in enumerate(word):
        used += text_width(ch, size)
        if used > width:
            return n
    return len(word)


def _text_items(
    text: str,
    size: float,
    *,
    indent: float = 0.0,
    bold: bool = False,
    grey: bool = False,
    keep: bool = False,
) -> list[Item]:
    """One item a wrapped line, so a long script runs on across a page break; `keep` keeps
    each line on a page with what follows it (a label with its text's first line)."""
    leading = size * 1.3
    items = []
    # Names, notes and scripts come from call logs: no control character reaches the page.
    for line in wrap(clean_text(text), size, WIDTH - indent):

        def draw(c: Canvas, top: float, line: str = line) -> None:
            t = c.beginText(MARGIN + indent, top - size)
            t.setFont(_font(), size)
            t.setFillGray(0.35 if grey else 0)
            if bold:  # Noto Sans here has one weight: a stroked outline makes it bold
                t.setTextRenderMode(2)
                c.setLineWidth(size / 30)
            t.textLine(line)
            c.drawText(t)
            c.setLineWidth(1)

        items.append(Item(leading, draw, keep_with_next=keep))
    return items


def _label(text: str) -> list[Item]:
    """The small grey label over a text, kept with the text's first line."""
    return _text_items(text, 8.5, indent=INDENT, grey=True, keep=True)


def _boxes() -> list[Item]:
    """The outcome tick boxes, as many a row as fit the width."""
    size, gap = 9.0, 14.0
    rows: list[list[str]] = [[]]
    used = 0.0
    for word in OUTCOME_WORDS:
        need = BOX + 4 + text_width(word, size) + gap
        if rows[-1] and used + need > WIDTH - INDENT:
            rows.append([])
            used = 0.0
        rows[-1].append(word)
        used += need
    items = []
    for words in rows:

        def draw(c: Canvas, top: float, words: list[str] = words) -> None:
            x = MARGIN + INDENT
            c.setFillGray(0)
            for word in words:
                c.rect(x, top - BOX - 3, BOX, BOX)
                c.setFont(_font(), size)
                c.drawString(x + BOX + 4, top - BOX - 2, word)
                x += BOX + 4 + text_width(word, size) + gap

        items.append(Item(BOX + 8, draw))
    return items


def _ruled(label: str) -> Item:
    def draw(c: Canvas, top: float) -> None:
        c.setFont(_font(), 8)
        c.setFillGray(0.35)
        c.drawString(MARGIN + INDENT, top - 12, label)
        c.setStrokeGray(0.6)
        c.line(MARGIN + INDENT + text_width(label, 8) + 4, top - 13, MARGIN + WIDTH, top - 13)
        c.setStrokeGray(0)

    return Item(18, draw)


def _rule() -> Item:
    def draw(c: Canvas, top: float) -> None:
        c.setStrokeGray(0.75)
        c.line(MARGIN, top - 6, MARGIN + WIDTH, top - 6)
        c.setStrokeGray(0)

    return Item(12, draw)


def call_items(call: FollowUp) -> list[Item]:
    """A call's block, top to bottom."""
    who = "  ".join(p for p in (window_text(call), sheet_name(call) or call.contact_id) if p)
    if call.phone:
        who += f"  {call.phone}"
    kind = call.purpose or "call"
    heading = _text_items(who, 11, bold=True, keep=True)
    about = f"{kind}, attempt {call.attempt}: {call.why}" if call.why else kind
    if call.offer_deadline and "offer ends" not in call.why:
        about += f"; offer ends {friendly(call.offer_deadline)}"
    about += f" ({call.contact_id})"
    items = heading + _text_items(about, 8.5, grey=True, keep=True)
    if call.text_message:
        items += _label("Text first:")
        items += _text_items(call.text_message, 9.5, indent=2 * INDENT)
    if call.script:
        items += _label("If they answer:")
        items += _text_items(call.script, 9.5, indent=2 * INDENT)
    if call.permission_ask:
        items += _label("Ask before you hang up:")
        items += _text_items(call.permission_ask, 9.5, indent=2 * INDENT)
    if call.voicemail:
        advice = call.voicemail_advice + ("" if call.leave_message else " (the message, for later)")
        items += _label(f"Voicemail: {advice}")
        items += _text_items(call.voicemail, 9.5, indent=2 * INDENT)
    return [*items, *_boxes(), _ruled("called at:"), _ruled("notes:"), _ruled(""), _rule()]


def write_pdf(calls: Sequence[FollowUp], path: Path) -> None:
    """followups.pdf: a page (or more) a day; a sheet saying there are no calls when none."""
    with written_beside(path) as tmp:
        canvas = Canvas(str(tmp), pagesize=letter, invariant=True)
        canvas.setTitle("Follow-up calls")
        canvas.setAuthor("mailer")
        if not calls:
            _heading(canvas, "No follow-up calls", "")
            canvas.showPage()
        for day, group in groupby(calls, key=lambda f: f.on):
            _day(canvas, day, list(group))
        canvas.save()


def _heading(c: Canvas, title: str, subtitle: str) -> float:
    """The page's heading; returns the y below it."""
    top = PAGE_HEIGHT - MARGIN
    lines = _text_items(title, 14, bold=True)
    for item in lines + (_text_items(subtitle, 8.5, grey=True) if subtitle else []):
        item.draw(c, top)
        top -= item.height
    return top - 6


def _day(c: Canvas, day: date, calls: list[FollowUp]) -> None:
    """One day's calls, from the top of a new page, running on to more pages as needed."""
    title = f"Calls for {friendly(day)}"
    count = f"{len(calls)} call" + ("" if len(calls) == 1 else "s")
    subtitle = (
        f"{count}. Tick one box a call and note what was said; then type each outcome into the "
        "outcome column of followups.csv (and called_at if not on the planned day) and run "
        "`mailer run followups.csv`."
    )
    top = _heading(c, title, subtitle)
    items = [(call, item) for call in calls for item in call_items(call)]
    fresh = True  # nothing drawn under this page's heading yet
    for i, (call, item) in enumerate(items):
        # Keep a call's name with its first lines: move them to a new page together.
        need, j = item.height, i
        while items[j][1].keep_with_next and j + 1 < len(items):
            j += 1
            need += items[j][1].height
        if top - item.height < MARGIN or (top - need < MARGIN and not fresh):
            c.showPage()
            going_on = i > 0 and items[i - 1][0] is call  # a block cut by the page break
            who = f"{sheet_name(call) or call.contact_id}'s call, on from the page before"
            top = _heading(c, f"{title} (continued)", who if going_on else "")
        item.draw(c, top)
        top -= item.height
        fresh = False
    c.showPage()
