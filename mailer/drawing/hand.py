"""The handwritten note as a hand writes it: each letter in one of several forms, never the
same form twice in a row, words a little larger or smaller, lines that drift off the level,
lean a little and start a little in or out, and uneven gaps between words.

Everything is decided here, as data: the runs of a `PlacedLine` name the form's font and
carry their size, rise and slant, so any writer that replays runs draws the variation.
The choices come from a generator seeded by the card, so the same card always gives the same
note, and the same bytes. `room` is the box the note is fitted in so that, varied, it still
stays inside the box it was given: every limit below is counted there.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from mailer.drawing.fonts import FontStack
from mailer.drawing.geometry import Rect
from mailer.drawing.layout import RGB, PlacedLine, Run, Wrapped, place

# Limits, as fractions of the size (or of a space, for the gaps).
SIZE = 0.035
"""A piece of a line (the words between two gaps of their own): up to 3.5% larger or
smaller."""
SPACE = 0.3
"""A gap between words: up to 30% of a space wider or narrower (a line's gaps add up to the
same, so a line is never wider than its words allow)."""
DRIFT = 0.10
"""A line's baseline rises or falls by up to this much from its start to its end."""
JITTER = 0.02
"""And each piece of it sits up to this much above or below that slope."""
SLANT = (-0.02, 0.06)
"""Each line leans by a shear of this range (a positive one leans right)."""
MARGIN = 0.35
"""Each line starts up to this much in from the left edge."""


@dataclass(frozen=True)
class Pen:
    """The fonts a varied note is written with: the plain face's name and the forms (the
    plain face first)."""

    plain: str
    forms: tuple[str, ...]


def room(box: Rect, size: float, ascent: float, descent: float) -> Rect:
    """The part of `box` a note of `size` (at most) is fitted in, so that with every
    variation at its limit its letters stay inside `box`."""
    grown = size * (1 + SIZE)
    low, high = SLANT
    left = max(high * -descent, -low * ascent) * grown
    right = max(high * ascent, -low * -descent) * grown
    rise = (DRIFT / 2 + JITTER) * size
    top = ascent * size * SIZE + rise
    bottom = -descent * size * SIZE + rise
    width = (box.w - left - right - MARGIN * size) / (1 + SIZE)
    return Rect(box.x + left, box.y + bottom, max(width, 0.0), max(box.h - top - bottom, 0.0))


class _Forms:
    """Which form each word and letter is written in. A word is written in the font's own
    form unless it was written that way the last time it came up; the second letter of a
    doubled one ("ll") switches form. The other forms are taken in turn, so a card shows all
    of them as soon as it needs two, and the few letters they draw keep the card small."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.turn = 0
        self.words: dict[str, int] = {}

    def other(self, form: int) -> int:
        """The next of the other forms in turn, never `form`."""
        self.turn += 1
        choice = 1 + self.turn % (self.count - 1)
        return choice if choice != form else 1 + (self.turn + 1) % (self.count - 1)

    def of_word(self, word: str) -> int:
        key = word.strip(_PUNCTUATION)
        form = self.other(0) if self.words.get(key) == 0 else 0
        self.words[key] = form
        return form


_PUNCTUATION = ".,;:!?\"'()[]-–—…“”‘’"


class _Line:
    """Runs of one line as they are written: words of the same form and place join."""

    def __init__(self, stack: FontStack, pen: Pen, slant: float) -> None:
        self.stack = stack
        self.pen = pen
        self.slant = slant
        self.runs: list[Run] = []
        self.words: list[str] = []
        self.form = 0
        self.x = self.end = 0.0
        self.size = self.rise = 0.0

    def move(self, x: float, size: float, rise: float) -> None:
        """Start a new piece of the line at `x`, in its own size and height."""
        self.flush()
        self.x = x
        self.size, self.rise = size, rise

    def write(self, text: str, form: int) -> None:
        """Add `text` (a word with its trailing space, or part of a word) in `form`."""
        if form != self.form:
            self.flush()
            self.form = form
        self.words.append(text)

    def flush(self) -> None:
        """The words written since the last run, as runs; `end` is where they end."""
        if not self.words:
            self.end = self.x
            return
        stack, size, x = self.stack, self.size, self.x
        text = "".join(self.words)
        self.words = []
        font = self.pen.forms[self.form]
        width = sum(map(stack.width, text.split(" "))) + stack.width(" ") * text.count(" ")
        if stack.is_plain(text):
            self.runs.append(Run(x, font, size, text, self.rise, self.slant))
        else:  # characters the handwriting lacks are drawn by the fallback face, plain
            for face, piece in stack.runs(text):
                name = font if face.name == self.pen.plain else face.name
                self.runs.append(Run(x, name, size, piece, self.rise, self.slant))
                x += stack.width(piece) * size
        self.x = self.end = self.x + width * size


def write(
    wrapped: Wrapped,
    stack: FontStack,
    box: Rect,
    top: float,
    color: RGB,
    align: str,
    pen: Pen,
    seed: str,
    floor: float,
) -> list[PlacedLine]:
    """`wrapped` placed in `box` (from `room`) as `layout.place` would, then varied; nothing
    smaller than `floor`, the block's smallest size."""
    rand = random.Random(seed).random  # noqa: S311  a repeatable sequence, not a secret
    forms = _Forms(len(pen.forms))
    size = wrapped.size
    smallest = min(floor, size)
    space = stack.width(" ")
    low, high = SLANT
    texts = [text for text in wrapped.lines if text is not None]
    varied = []
    for line, text in zip(place(wrapped, stack, box, top, color, align), texts, strict=True):
        drift = (rand() * 2 - 1) * DRIFT * size
        written = _Line(stack, pen, low + rand() * (high - low))
        words = text.split(" ")
        last = len(words) - 1
        gaps = _gaps([i for i in range(1, len(words)) if rand() < BREAK], rand)
        x = line.x + (rand() * MARGIN * size if align == "left" else 0.0)
        doubled = _DOUBLED.search(text) is not None
        for index, word in enumerate(words):
            if index == 0 or index in gaps:
                if index:
                    written.flush()
                    x = written.end + space * written.size * (gaps[index] - 1)
                piece_size = max(size * (1 + (rand() * 2 - 1) * SIZE), smallest)
                along = (x - line.x) / box.w if box.w else 0.0
                rise = drift * (along - 0.5) + (rand() * 2 - 1) * JITTER * size
                written.move(x, piece_size, rise)
            form = forms.of_word(word)
            start = 0
            if doubled:
                for match in _DOUBLED.finditer(word):
                    second = match.start() + 1
                    written.write(word[start:second], form)
                    written.write(word[second], forms.other(form))
                    start = second + 1
            written.write(word[start:] if index == last else word[start:] + " ", form)
        written.flush()
        width = written.end - line.x
        varied.append(PlacedLine(line.x, line.y, width, size, color, tuple(written.runs)))
    return varied


BREAK = 0.2
"""The chance that a gap between words is written at its own width (the words after it
placed anew, in their own size and height); the others are the font's own space."""


def _gaps(breaks: list[int], rand: Callable[[], float]) -> dict[int, float]:
    """Each break's width as a multiple of a space: they vary by up to `SPACE` either way
    and add up to no more than the spaces they replace, so a line never grows."""
    spread = [(rand() * 2 - 1) * SPACE for _ in breaks]
    if len(spread) == 1:
        spread = [-abs(spread[0])]
    mean = sum(spread) / len(spread) if spread else 0.0
    return {index: 1 + gap - mean for index, gap in zip(breaks, spread, strict=True)}


_DOUBLED = re.compile(r"(\w)(?=\1)")
"""A letter followed by the same letter: "ll" in "will" (the first of the two)."""
