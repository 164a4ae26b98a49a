"""The call sheet's font (Noto Sans, which covers the Latin, Greek, Cyrillic and Vietnamese
names call logs hold): its widths for measuring and wrapping text, and its embedding as the
sheet is written.

A long sheet is written a page at a time, before all its characters are known, so each
character gets its code when it is first drawn: printable ASCII keeps its own code in the
first subset (the text stays readable in the file), other characters take the free codes
of the first subset, then of further subsets of 255 codes. The subsets' font programs are
made at the end from the codes handed out, as the card writer makes its subsets
(`card_fonts.subset_of`).
The same text drawn in the same order gives the same codes and the same bytes.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from itertools import accumulate
from operator import add
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from mailer.drawing.card_fonts import TrueTypeFont, subset_of

FONT = "MailerSheetSans"
_ASCII = range(32, 127)
_FREE = (*range(1, 32), *range(127, 256))
"""The codes of the first subset that ASCII leaves free."""


@functools.cache
def font_name() -> str:
    """Noto Sans, registered with ReportLab once a process (its metrics and subsetter)."""
    import fontpkg_noto_sans

    files = Path(fontpkg_noto_sans.ROOT) / "files"
    face = next(p for p in sorted(files.glob("NotoSans*.ttf")) if "Italic" not in p.name)
    pdfmetrics.registerFont(TTFont(FONT, str(face)))
    return FONT


def _face() -> TTFontFace:
    return _embedding().face


@functools.cache
def _embedding() -> TrueTypeFont:
    """The font as the card writer embeds a TrueType face, subsets and all."""
    font = pdfmetrics.getFont(font_name())
    assert isinstance(font, TTFont)
    return TrueTypeFont(FONT, font)


@functools.cache
def _widths() -> tuple[dict[str, int], int]:
    """Each character's width in whole thousandths of the font size: Noto Sans draws on a
    grid of 1,000 units, so its widths are whole numbers, and a line's width adds up
    exactly in any order (`sheet_pdf.wrap` relies on it)."""
    face = _face()
    widths = {chr(code): int(width) for code, width in face.charWidths.items()}
    return widths, int(face.defaultWidth)


def units(text: str) -> int:
    """The width of `text` in thousandths of the font size (no kerning: as ReportLab)."""
    widths, default = _widths()
    return sum(widths.get(char, default) for char in text)


def text_width(text: str, size: float) -> float:
    return units(text) * size / 1000


class SheetFont:
    """The codes handed out in one document, and its subsets' objects at the end."""

    def __init__(self) -> None:
        self._layouts: list[list[int]] = [[0] * 32 + list(_ASCII)]
        self._codes: dict[str, tuple[int, int]] = {}
        self._free = list(reversed(_FREE))

    @property
    def subsets(self) -> int:
        return len(self._layouts)

    def encode(self, text: str) -> list[tuple[int, bytes]]:
        """`text` as (subset, bytes) pieces."""
        if text.isascii():  # the wrapped lines hold no control characters
            return [(0, text.encode("ascii"))]
        pieces: list[tuple[int, bytearray]] = []
        for char in text:
            if " " <= char <= "~":
                subset, code = 0, ord(char)
            else:
                found = self._codes.get(char)
                subset, code = found if found is not None else self._new_code(char)
            if not pieces or pieces[-1][0] != subset:
                pieces.append((subset, bytearray()))
            pieces[-1][1].append(code)
        return [(subset, bytes(data)) for subset, data in pieces]

    def _new_code(self, char: str) -> tuple[int, int]:
        if not self._free:
            self._layouts.append([0])
            self._free = list(range(255, 0, -1))
        code = self._free.pop()
        layout = self._layouts[-1]
        layout.extend([0] * (code + 1 - len(layout)))
        layout[code] = ord(char)
        found = self._codes[char] = (len(self._layouts) - 1, code)
        return found

    def objects(self, subset: int, first: int) -> list[bytes]:
        """Subset `subset`'s four objects, numbered from `first` (the font dictionary),
        then its ToUnicode map, its descriptor and its font program."""
        return subset_of(_embedding(), tuple(self._layouts[subset])).bodies(first)


# ---- wrapping: lines no wider than the page --------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _word_units(word: str) -> int:
    """A word's width, measured once: scripts repeat most of their words call after call.
    (A few thousand: names, phones and addresses are words seen once, and a season of
    calls would otherwise keep every one of them.)"""
    return units(word)


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width` at `size`: broken at spaces, and inside a word
    only when the word alone is wider than the line. Line breaks in the text are kept."""
    lines: list[str] = []
    space = _word_units(" ")
    most = _most_units(size, width)
    for paragraph in text.splitlines() or [""]:
        words = paragraph.split()
        widths = list(map(_word_units, words))
        if widths and max(widths) > most:
            lines += _wrap_cutting(words, widths, size, width)
            continue
        # Every word fits a line alone: each line is the longest run of words whose widths
        # and spaces add up to no more than `most`, found by bisecting the running totals
        # (widths are whole units, so the totals are exact whatever the order they are
        # added in). A line per step, instead of a step per word.
        ends = list(map(add, accumulate(widths), range(space, space * (len(words) + 1), space)))
        start, base = 0, 0
        while start < len(words):
            end = bisect_right(ends, base + most + space, lo=start + 1)
            lines.append(" ".join(words[start:end]))
            start, base = end, ends[end - 1]
        if not words:
            lines.append("")
    return lines


@functools.lru_cache(maxsize=64)
def _most_units(size: float, width: float) -> int:
    """The widest run of whole units that fits `width` at `size`, by the very comparison
    `_wrap_cutting` makes for each word (`units * size / 1000 <= width`)."""
    most = int(width * 1000 / size)
    while (most + 1) * size / 1000 <= width:
        most += 1
    while most > 0 and most * size / 1000 > width:
        most -= 1
    return most


def _wrap_cutting(words: list[str], widths: list[int], size: float, width: float) -> list[str]:
    """A paragraph with a word wider than the line, a word at a time: that word is cut
    where the line ends."""
    lines: list[str] = []
    space = _word_units(" ")
    line: list[str] = []  # the words, joined once the line is full
    used = 0
    for word, wide in zip(words, widths, strict=True):
        trial = used + space + wide if line else wide
        if trial * size / 1000 <= width:
            line.append(word)
            used = trial
            continue
        if line:
            lines.append(" ".join(line))
        # A word wider than the line alone is cut where the line ends.
        while wide * size / 1000 > width and (cut := _fits(word, size, width)) < len(word):
            cut = max(1, cut)
            lines.append(word[:cut])
            word = word[cut:]
            wide = units(word)
        line, used = [word], wide
    lines.append(" ".join(line))
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
