"""followups.pdf: the call sheet on paper, for the desk beside the phone.

The same calls as followups.csv, a page (or more) a day: each call's window, name, phone,
purpose and attempt, why, the live script and the voicemail message (and whether to leave it
this time), the permission ask, the text to send first, a box to tick per outcome and lines
for notes. Every text is measured and wrapped to the page's width, never clipped: a block
that does not fit goes on at the top of the next page, under the day's heading marked
"continued". The tick-box words are the ones the `mailer-sheet` preset reads back from the
`outcome` column of followups.csv (`sheet.OUTCOME_WORDS`).

Letter paper, portrait. Text is set in Noto Sans (embedded, as subsets: `sheet_font`). The
sheet is written a page at a time as the calls come (`CallSheet`): a season's calls never
sit in memory, and the page operators are written here directly (a sheet draws text, boxes
and rules only), which takes a fraction of the time a general drawing library does. The
same calls give the same bytes.
"""

from __future__ import annotations

import functools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import BinaryIO, NamedTuple

from reportlab.lib.pagesizes import letter
from reportlab.lib.rl_accel import fp_str

from mailer.drawing.pdf_objects import literal, stream, text_string
from mailer.drawing.pdf_stream import PdfStream
from mailer.files import clean_text, written_beside
from mailer.followups.calls import FollowUp, friendly
from mailer.followups.sheet import OUTCOME_WORDS, sheet_name, window_text
from mailer.followups.sheet_font import SheetFont, text_width, wrap

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 40.0
"""Points from each edge of the page that stay blank (a home printer's unprintable rim)."""
WIDTH = PAGE_WIDTH - 2 * MARGIN
INDENT = 14.0
BOX = 8.0
"""The side of a tick box, in points."""


class Page:
    """One page's operators, as they are drawn."""

    def __init__(self, font: SheetFont) -> None:
        self.font = font
        self.ops: list[bytes] = []

    def text(self, x: float, y: float, line: str, size: float, gray: float = 0.0) -> None:
        # The grey, the left edge and the size come from a handful of values: only the
        # baseline and the text itself are formatted for every line.
        if line.isascii():  # one piece in the first subset (as `SheetFont.encode` has it)
            self.ops.append(
                b"%s%s Tm %s%s Tj ET"
                % (_text_start(gray, x), fp_str(y).encode(), _font_at(0, size),
                   literal(line.encode("ascii")))
            )  # fmt: skip
            return
        parts = [_text_start(gray, x) + fp_str(y).encode() + b" Tm"]
        for subset, data in self.font.encode(line):
            parts.append(_font_at(subset, size) + literal(data) + b" Tj")
        parts.append(b"ET")
        self.ops.append(b" ".join(parts))

    def bold(self, x: float, y: float, line: str, size: float) -> None:
        """Noto Sans here has one weight: an outline stroked in black makes it bold. (The
        render mode is saved and restored around it: it would stroke every later text.)"""
        self.ops.append(b"q 0 G 2 Tr %s w" % fp_str(size / 30).encode())
        self.text(x, y, line, size)
        self.ops.append(b"Q")

    def box(self, x: float, y: float, side: float) -> None:
        self.ops.append(b"0 G %s re S" % fp_str(x, y, side, side).encode())

    def rule(self, x0: float, y: float, x1: float, gray: float) -> None:
        self.ops.append(b"%s G %s m %s l S" % (fp_str(gray).encode(), fp_str(x0, y).encode(),
                                               fp_str(x1, y).encode()))  # fmt: skip


@functools.lru_cache(maxsize=256)
def _text_start(gray: float, x: float) -> bytes:
    """A line's operators up to its baseline: `0.35 g BT 1 0 0 1 68 `."""
    return b"%s g BT 1 0 0 1 %s " % (fp_str(gray).encode(), fp_str(x).encode())


@functools.lru_cache(maxsize=256)
def _font_at(subset: int, size: float) -> bytes:
    """`/F0 9.5 Tf `: a subset of the sheet's font at a size."""
    return b"/F%d %s Tf " % (subset, fp_str(size).encode())


Draw = Callable[[Page, float], None]
"""Draws an item with its top at the given y."""


class Item(NamedTuple):
    """One piece of a call's block: its height, how to draw it, and whether it must stay on
    a page with the item after it (a call's name with the start of its script). A tuple:
    a call's block makes a dozen or more, made and drawn at once."""

    height: float
    draw: Draw
    keep_with_next: bool = False


@functools.lru_cache(maxsize=256)
def _wrapped(text: str, size: float, width: float) -> tuple[str, ...]:
    """`wrap`, kept for the texts every call's block repeats: the labels, and scripts that
    name no one (the permission ask)."""
    return tuple(wrap(text, size, width))


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
    for line in _wrapped(clean_text(text), size, WIDTH - indent):

        def draw(page: Page, top: float, line: str = line) -> None:
            if bold:
                page.bold(MARGIN + indent, top - size, line, size)
            else:
                page.text(MARGIN + indent, top - size, line, size, 0.35 if grey else 0.0)

        items.append(Item(leading, draw, keep_with_next=keep))
    return items


@functools.lru_cache(maxsize=32)
def _label(text: str) -> tuple[Item, ...]:
    """The small grey label over a text, kept with the text's first line. A handful of
    fixed labels, each made once and drawn alike (`_alike`)."""
    items = _text_items(text, 8.5, indent=INDENT, grey=True, keep=True)
    if not text.isascii():
        return tuple(items)
    return tuple(item._replace(draw=_alike(item.draw)) for item in items)


def _alike(draw: Draw) -> Draw:
    """`draw` for an item every call's block repeats (a label, the tick boxes, the lines to
    write on): its operators made once for each height it is drawn at, and copied. Its
    text is plain ASCII (fixed words), so it needs no code of the document's font: the
    page it is made on is a scratch one."""

    @functools.lru_cache(maxsize=256)  # a page holds a few dozen tops: most repeat
    def made(top: float) -> tuple[bytes, ...]:
        page = Page(SheetFont())
        draw(page, top)
        return tuple(page.ops)

    def copied(page: Page, top: float) -> None:
        page.ops.extend(made(top))

    return copied


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
        # Where each box goes, measured once: every call's block draws the same row.
        placed = []
        x = MARGIN + INDENT
        for word in words:
            placed.append((x, word))
            x += BOX + 4 + text_width(word, size) + gap

        def draw(page: Page, top: float, placed: list[tuple[float, str]] = placed) -> None:
            for x, word in placed:
                page.box(x, top - BOX - 3, BOX)
                page.text(x + BOX + 4, top - BOX - 2, word, size)

        items.append(Item(BOX + 8, draw))
    return items


def _ruled(label: str) -> Item:
    start = MARGIN + INDENT + text_width(label, 8) + 4

    def draw(page: Page, top: float) -> None:
        page.text(MARGIN + INDENT, top - 12, label, 8, 0.35)
        page.rule(start, top - 13, MARGIN + WIDTH, 0.6)

    return Item(18, draw)


def _rule() -> Item:
    def draw(page: Page, top: float) -> None:
        page.rule(MARGIN, top - 6, MARGIN + WIDTH, 0.75)

    return Item(12, draw)


@functools.cache
def _foot() -> tuple[Item, ...]:
    """What closes every call's block, the same on every call: the tick boxes, lines to
    write on, a rule."""
    assert all(word.isascii() for word in OUTCOME_WORDS)  # as `_alike` needs
    items = (*_boxes(), _ruled("called at:"), _ruled("notes:"), _ruled(""), _rule())
    return tuple(item._replace(draw=_alike(item.draw)) for item in items)


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
    return [*items, *_foot()]


class CallSheet:
    """followups.pdf written into `out` as the calls come, soonest first: `add` each call,
    then `close`. Each day starts a page; `counts` says how many calls each day has (its
    heading says so before its calls are drawn). Memory holds the page being drawn."""

    def __init__(self, out: BinaryIO, counts: Mapping[date, int]) -> None:
        self._pdf = PdfStream(out)
        self._catalog, self._tree, self._info, self._resources = (
            self._pdf.reserve() for _ in range(4)
        )
        self._counts = counts
        self._kids = array("Q")
        self._font = SheetFont()
        self._page: Page | None = None
        self._day: date | None = None
        self._title = ""
        self._top = 0.0
        self._fresh = True
        """Nothing drawn under this page's heading yet."""

    def add(self, call: FollowUp) -> None:
        if call.on != self._day:
            self._start_day(call.on)
        items = call_items(call)
        for i, item in enumerate(items):
            # Keep a call's name with its first lines: move them to a new page together.
            need, j = item.height, i
            while items[j].keep_with_next and j + 1 < len(items):
                j += 1
                need += items[j].height
            if self._top - item.height < MARGIN or (self._top - need < MARGIN and not self._fresh):
                # A block cut by the page break says whose call goes on.
                who = f"{sheet_name(call) or call.contact_id}'s call, on from the page before"
                self._new_page(f"{self._title} (continued)", who if i > 0 else "")
            assert self._page is not None
            item.draw(self._page, self._top)
            self._top -= item.height
            self._fresh = False

    def _start_day(self, day: date) -> None:
        self._day = day
        self._title = f"Calls for {friendly(day)}"
        calls = self._counts.get(day, 0)
        count = f"{calls} call" + ("" if calls == 1 else "s")
        self._new_page(
            self._title,
            f"{count}. Tick one box a call and note what was said; then type each outcome into "
            "the outcome column of followups.csv (and called_at if not on the planned day) and "
            "run `mailer run followups.csv`.",
        )

    def _new_page(self, title: str, subtitle: str) -> None:
        """The page so far to the file; a new one with its heading."""
        self._end_page()
        page = self._page = Page(self._font)
        top = PAGE_HEIGHT - MARGIN
        lines = _text_items(title, 14, bold=True)
        for item in lines + (_text_items(subtitle, 8.5, grey=True) if subtitle else []):
            item.draw(page, top)
            top -= item.height
        self._top = top - 6
        self._fresh = True

    def _end_page(self) -> None:
        if self._page is None:
            return
        content = self._pdf.add(stream(b"", b"\n".join(self._page.ops)))
        self._kids.append(
            self._pdf.add(
                b"<< /Contents %d 0 R /MediaBox [ 0 0 %s ] /Parent %d 0 R /Resources %d 0 R "
                b"/Type /Page >>"
                % (content, fp_str(PAGE_WIDTH, PAGE_HEIGHT).encode(), self._tree, self._resources)
            )
        )
        self._page = None

    def close(self) -> None:
        """The last page, the fonts, the page tree: the file is complete."""
        if self._day is None and self._page is None:
            self._new_page("No follow-up calls", "")
        self._end_page()
        fonts = b""
        for subset in range(self._font.subsets):
            first = self._pdf.reserve()
            numbers = [first, *(self._pdf.reserve() for _ in range(3))]
            for number, body in zip(numbers, self._font.objects(subset, first), strict=True):
                self._pdf.put(number, body)
            fonts += b"/F%d %d 0 R " % (subset, first)
        self._pdf.put(self._resources, b"<< /Font << %s>> /ProcSet [ /PDF /Text ] >>" % fonts)
        kids = b" ".join(b"%d 0 R" % kid for kid in self._kids)
        self._pdf.put(
            self._tree, b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (len(self._kids), kids)
        )
        self._pdf.put(self._catalog, b"<< /Pages %d 0 R /Type /Catalog >>" % self._tree)
        self._pdf.put(
            self._info,
            b"<< /Author (mailer) /Creator (mailer) /Producer (mailer) /Title %s >>"
            % text_string("Follow-up calls"),
        )
        self._pdf.finish(self._catalog, self._info)


def write_pdf(calls: Iterable[FollowUp], path: Path) -> None:
    """followups.pdf: a page (or more) a day; a sheet saying there are no calls when none.
    `calls` come soonest first (as `calls.follow_ups` gives them)."""
    listed = list(calls)
    with written_beside(path) as tmp, tmp.open("wb") as f:
        sheet = CallSheet(f, Counter(call.on for call in listed))
        for call in listed:
            sheet.add(call)
        sheet.close()
