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
from dataclasses import dataclass

from mailer.drawing.fonts import FontStack
from mailer.drawing.geometry import Rect
from mailer.drawing.layout import RGB, PlacedLine, Run, Wrapped, place

# Limits, as fractions of the size (or of a space, for the gaps).
SIZE = 0.035
"""A word's size: up to 3.5% larger or smaller."""
SPACE = 0.3
"""A gap between words: up to 30% of a space wider or narrower (a line's gaps add up to the
same, so a line is never wider than its words allow)."""
DRIFT = 0.10
"""A line's baseline rises or falls by up to this much from its start to its end."""
JITTER = 0.02
"""And each word sits up to this much above or below that slope."""
SLANT = (-0.02, 0.06)
"""Each line leans by a shear of this range (a positive one leans right)."""
MARGIN = 0.35
"""Each line starts up to this much in from the left edge."""


@dataclass(frozen=True)
class Pen:
    """The fonts a varied note is written with: the plain face's name and its forms."""

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
    """Which form each letter is written in: never the form the same letter had last, and
    never the form a repeated word's first letter had the last time."""

    def __init__(self, rng: random.Random, count: int) -> None:
        self.rng = rng
        self.all = range(count)
        self.last: dict[str, int] = {}
        self.words: dict[str, int] = {}
        self.current = 0

    def start_word(self, word: str) -> int | None:
        """A fresh form to start the word with; what its first letter must not be."""
        self.current = self.rng.randrange(len(self.all))
        return self.words.get(word)

    def pick(self, char: str, avoid: int | None = None) -> int:
        last = self.last.get(char)
        form = self.current
        if form in (last, avoid):
            choices = [f for f in self.all if f != last and f != avoid]
            form = choices[self.rng.randrange(len(choices))]
        self.last[char] = self.current = form
        return form


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
    """`wrapped` placed in `box` (from `room`) as `layout.place` would, then varied; no
    word smaller than `floor`, the block's smallest size."""
    rng = random.Random(seed)  # noqa: S311  a repeatable sequence, not a secret
    forms = _Forms(rng, len(pen.forms))
    size = wrapped.size
    space = stack.width(" ") * size
    varied = []
    for line in place(wrapped, stack, box, top, color, align):
        text = "".join(run.text for run in line.runs)
        words = text.split(" ")
        gaps = [rng.uniform(-SPACE, SPACE) for _ in words[1:]]
        mean = sum(gaps) / len(gaps) if gaps else 0.0
        slant = rng.uniform(*SLANT)
        drift = rng.uniform(-DRIFT, DRIFT) * size
        x = line.x + (rng.uniform(0, MARGIN * size) if align == "left" else 0.0)
        runs: list[Run] = []
        for index, word in enumerate(words):
            scale = max(size * (1 + rng.uniform(-SIZE, SIZE)), min(floor, size))
            along = (x - line.x) / box.w if box.w else 0.0
            rise = drift * (along - 0.5) + rng.uniform(-JITTER, JITTER) * size
            last = index == len(words) - 1
            _word_runs(runs, stack, pen, forms, word if last else word + " ", x, scale, rise, slant)
            x += stack.width(word) * scale
            if not last:
                x += space * (1 + gaps[index] - mean)
        varied.append(PlacedLine(line.x, line.y, x - line.x, size, color, tuple(runs)))
    return varied


def _word_runs(
    runs: list[Run],
    stack: FontStack,
    pen: Pen,
    forms: _Forms,
    word: str,
    x: float,
    size: float,
    rise: float,
    slant: float,
) -> None:
    """The runs of one word (with its trailing space, so the text extracts with its gaps)."""
    key = "".join(c for c in word if c.isalnum())
    avoid = forms.start_word(key)
    used: list[int] = []
    for face, piece in stack.runs(word):
        if face.name != pen.plain:  # a character the handwriting lacks: drawn plain
            runs.append(Run(x, face.name, size, piece, rise, slant))
            x += stack.width(piece) * size
            continue
        start = 0
        form = forms.current
        for i, char in enumerate(piece):
            if not char.isalnum():
                continue
            chosen = forms.pick(char, avoid if not used else None)
            used.append(chosen)
            if chosen != form and i > start:
                runs.append(Run(x, pen.forms[form], size, piece[start:i], rise, slant))
                x += stack.width(piece[start:i]) * size
                start = i
            form = chosen
        runs.append(Run(x, pen.forms[form], size, piece[start:], rise, slant))
        x += stack.width(piece[start:]) * size
    if key and used:
        forms.words[key] = used[0]
