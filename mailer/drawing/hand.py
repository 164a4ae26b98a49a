"""The handwritten note as a hand writes it: each letter in one of several forms, never the
same form twice in a row, lines a little larger or smaller that drift off the level, lean a
little and start a little in or out, and uneven gaps between words.

Everything is decided here, as data: the runs of a `PlacedLine` name the pen font (every
form of the handwriting, `variants`), hold each letter's form in their text and carry their
size, rise, slope, slant and changed gaps, so any writer that replays runs draws the
variation. A line is one run, so a card writer sets it as one string.
Each line is written one of `WAYS` ways, made once from a fixed seed and chosen by a digest
of the card, so the same card always gives the same note, and the same bytes, whatever was
drawn before it; a line written again the same way is reused. `room` is the box the note
is fitted in so that, varied, it still stays inside the box it was given: every limit below
is counted there.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable
from functools import cache
from weakref import WeakKeyDictionary

from mailer.drawing.fonts import FontStack
from mailer.drawing.geometry import Rect
from mailer.drawing.layout import RGB, PlacedLine, Run, Wrapped, origins
from mailer.drawing.variants import FORMS, PenFont, form_char, plain_text

# Limits, as fractions of the size (or of a space, for the gaps).
SIZE = 0.035
"""A line: up to 3.5% larger or smaller."""
SPACE = 0.3
"""A gap between words: up to 30% of a space wider or narrower (a line's gaps add up to the
same, so a line is never wider than its words allow)."""
DRIFT = 0.10
"""A line's baseline rises or falls by up to this much from its start to its end."""
SLANT = (-0.02, 0.06)
"""Each line leans by a shear of this range (a positive one leans right)."""
MARGIN = 0.35
"""Each line starts up to this much in from the left edge."""


def room(box: Rect, size: float, ascent: float, descent: float) -> Rect:
    """The part of `box` a note of `size` (at most) is fitted in, so that with every
    variation at its limit its letters stay inside `box`."""
    grown = size * (1 + SIZE)
    low, high = SLANT
    left = max(high * -descent, -low * ascent) * grown
    right = max(high * ascent, -low * -descent) * grown
    rise = DRIFT / 2 * size
    top = ascent * size * SIZE + rise
    bottom = -descent * size * SIZE + rise
    width = (box.w - left - right - MARGIN * size) / (1 + SIZE)
    return Rect(box.x + left, box.y + bottom, max(width, 0.0), max(box.h - top - bottom, 0.0))


class _Line:
    """A line's words as a note writes them: each word's key (without punctuation, for
    knowing it again) and its text in each form; where each word starts, at 1 pt, when
    they are set one space apart, and in the line's text; and which words the pen font
    lacks a character of."""

    __slots__ = (
        "count", "forms", "gaps", "index", "keys", "line", "mixed", "offsets", "own", "placed",
        "starts", "words"
    )  # fmt: skip

    def __init__(self, text: str, stack: FontStack, pen: PenFont) -> None:
        words = text.split(" ")
        self.count = len(words)
        known = _WORDS.setdefault(pen.name, {})
        if len(known) > KEPT_WORDS:
            known.clear()
        self.words = [known.get(w) or _word(w, pen, known) for w in words]
        self.forms = [forms for _, forms in self.words]
        self.own = [forms[0] for forms in self.forms]
        """Every word in the font's own form."""
        self.line = " ".join(self.own)
        self.keys = frozenset(key for key, _ in self.words)
        self.index = {key: i for i, (key, _) in enumerate(self.words)}
        """Where each word is, when no word comes twice in the line (else empty)."""
        if len(self.index) < self.count:
            self.index = {}
        space = stack.width(" ")
        self.starts = [0.0]
        self.offsets = [0]
        for word in words:
            self.starts.append(self.starts[-1] + stack.width(word) + space)
            self.offsets.append(self.offsets[-1] + len(word) + 1)
        # Which words the pen font lacks a character of: none, when the whole line is the
        # font's (one set operation for the line instead of one a word).
        self.mixed = [] if stack.is_plain(text) else [not stack.is_plain(w) for w in words]
        if not any(self.mixed):
            self.mixed = []
        self.gaps: dict[int, tuple[tuple[int, int, float], ...]] = {}
        """Each of `_patterns` as `changed` gives it, made the first time a card takes it."""
        self.placed: dict[tuple[str, float, float, int], PlacedLine] = {}
        """The line placed, by its text in its forms, where it starts and the way it is
        written (`WAYS`): cards of a batch write most of their lines alike."""

    def changed(self, pattern: tuple[Gaps, int]) -> tuple[tuple[int, int, float], ...]:
        """A pattern's gaps as (the index in the line's text of the character after the
        gap, how much narrower, where the text after it starts at 1 pt)."""
        made = []
        narrower = 0
        for word, by in pattern[0]:
            narrower += by
            made.append((self.offsets[word], by, self.starts[word] - narrower / 1000))
        return tuple(made)


def _word(
    word: str, pen: PenFont, known: dict[str, tuple[str, tuple[str, ...]]]
) -> tuple[str, tuple[str, ...]]:
    """A word's key (without punctuation, for knowing it again) and its text in each form,
    kept in `known`: a batch's notes repeat their words."""
    if _DOUBLED.search(word) is None:  # most words: each form is one translation
        forms = (word, *(word.translate(_tables(pen)[form]) for form in range(1, FORMS)))
    else:
        forms = _forms(word, pen.varied)
    found = known[word] = (word.strip(_PUNCTUATION), forms)
    return found


@cache
def _tables(pen: PenFont) -> tuple[dict[int, str], ...]:
    """For `str.translate`: every letter and digit the pen font varies, in each form."""
    return tuple({ord(c): form_char(c, form) for c in pen.varied} for form in range(FORMS))


_DOUBLED = re.compile(r"([0-9A-Za-z])\1")


def _forms(word: str, varied: frozenset[str]) -> tuple[str, ...]:
    """`word` written in each form; the second of a doubled letter ("ll") in another."""
    written = []
    for form in range(FORMS):
        other = form % (FORMS - 1) + 1
        out = []
        before, before_form = "", -1
        for char in word:
            if char not in varied:
                out.append(char)
                before = char
                continue
            now = other if char == before and before_form == form else form
            out.append(form_char(char, now))
            before, before_form = char, now
        written.append("".join(out))
    return tuple(written)


_PUNCTUATION = ".,;:!?\"'()[]-–—…“”‘’"
_WORDS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
_LINES: WeakKeyDictionary[FontStack, dict[tuple[object, ...], dict[str, _Line]]] = (
    WeakKeyDictionary()
)
"""Lines as written, per font stack (their widths), pen font and the note's size, box,
colour and alignment: a batch's notes repeat their lines card after card."""
KEPT_WORDS = 4_096
KEPT_LINES = 4_096
"""Words and lines kept at most, each forgotten all at once past it: the ones a batch
shares are met again at once, while its names would otherwise grow memory card by card."""


def write(
    wrapped: Wrapped,
    stack: FontStack,
    box: Rect,
    top: float,
    color: RGB,
    align: str,
    pen: PenFont,
    seed: str,
    floor: float,
) -> list[PlacedLine]:
    """`wrapped` placed in `box` (from `room`) as `layout.place` would, then varied; nothing
    smaller than `floor`, the block's smallest size.

    A word is written in the font's own form unless it was written that way the last time
    it came up; then in one of the other forms, taken in turn, so a card shows all of them
    as soon as it repeats two words. Each line is written in one of `WAYS` ways (its size,
    lean, slope, start and changed gaps), chosen by a digest of `seed`, never the same way
    twice in a row; a line of the same words and forms, at the same place, written the same
    way, is placed once and reused (a batch's notes share most of their lines). A line is
    one run of the pen font, whatever forms its letters take, its changed gaps inside it."""
    choice = hashlib.blake2b(seed.encode(), digest_size=64).digest()
    size = wrapped.size
    smallest = min(floor, size)
    contexts = _LINES.setdefault(stack, {})
    if len(contexts) > 64:
        contexts.clear()
    known = contexts.setdefault((pen.name, box, size, smallest, color, align), {})
    if len(known) > KEPT_LINES:
        known.clear()
    plain: set[str] = set()  # the words last written in the font's own form
    turn = 0
    others = FORMS - 1
    last = -1
    varied = []
    for n, (text, line_x, line_y, _) in enumerate(origins(wrapped, box, top, align)):
        words = known.get(text)
        if words is None:
            words = known[text] = _Line(text, stack, pen)
        line = words.line
        if words.index:  # each word once: those last written plain change form, in order
            again = plain.intersection(words.keys)
            if again:
                written = list(words.own)
                for i in sorted(map(words.index.__getitem__, again)):
                    turn += 1
                    written[i] = words.forms[i][1 + turn % others]
                line = " ".join(written)
            plain |= words.keys
            plain -= again
        else:
            written = []
            for key, forms in words.words:
                if key in plain:
                    plain.discard(key)
                    turn += 1
                    written.append(forms[1 + turn % others])
                else:
                    plain.add(key)
                    written.append(forms[0])
            line = " ".join(written)
        way = choice[n % len(choice)] % WAYS
        if way == last:
            way = (way + 1) % WAYS
        last = way
        placed = words.placed.get((line, line_x, line_y, way))
        if placed is None:
            if len(words.placed) > 512:
                words.placed.clear()
            where = (line_x, line_y, size, smallest, box, align)
            placed = _placed(words, line, where, _ways()[way], color, pen, stack)
            words.placed[line, line_x, line_y, way] = placed
        varied.append(placed)
    return varied


WAYS = 32
"""Ways a line is written: each a size, lean, slope, start and pattern of changed gaps,
drawn once from a fixed seed (`_ways`), so every process has the same ones."""


Way = tuple[float, float, int, float, int]
Where = tuple[float, float, float, float, Rect, str]


def _placed(
    words: _Line, line: str, where: Where, way: Way, color: RGB, pen: PenFont, stack: FontStack
) -> PlacedLine:
    """`line` (the words of `words` in their forms) written `way` (`_ways`); `where`: the
    line's start (x, baseline), the note's size and smallest size, its box and alignment."""
    line_x, line_y, size, smallest, box, align = where
    drift_by, slant, step, margin, pattern = way
    drift = drift_by * DRIFT * size
    slope = drift / box.w if box.w else 0.0
    line_size = _sizes(size, smallest)[step]
    x = line_x + (margin * MARGIN * size if align == "left" else 0.0)
    rise = slope * (x - line_x) - drift / 2  # the slope through the box's middle
    space = stack.width(" ")
    count = words.count
    width = (words.starts[count] - space) * line_size
    if words.mixed:  # rare: pieces placed one after the other, gaps as they are
        runs = _mixed(x, line, line_size, rise, slant, slope, stack, pen)
    else:
        gaps: tuple[tuple[int, int, float], ...] = ()
        changed = words.gaps.get(pattern)
        if changed is None:
            changed = words.gaps[pattern] = words.changed(_patterns(count, space)[pattern])
        if changed:
            # The words after a changed gap sit on the slope where they start.
            climb = slope * line_size
            gaps = tuple((at, by, round(climb * along, 2)) for at, by, along in changed)
            width -= sum(by for _, by, _ in changed) * line_size / 1000
        runs = (Run(x, pen.name, line_size, line, rise, slant, gaps),)
    return PlacedLine(line_x, line_y, x + width - line_x, size, color, runs)


_LEANS = round((SLANT[1] - SLANT[0]) * 1000)
_SLANTS = tuple(round(SLANT[0] + n / 1000, 3) for n in range(_LEANS + 1))
"""The leans a line takes, in thousandths: chosen by index, none made (or rounded) per line."""


@cache
def _sizes(size: float, smallest: float) -> tuple[float, ...]:
    """The sizes a line of a note fitted at `size` takes, `SIZE` either way in steps of a
    thousandth, to a hundredth of a point; none below `smallest`."""
    return tuple(max(round(size * (1 + n / 1000), 2), smallest) for n in _STEPS)


_STEPS = range(-round(SIZE * 1000), round(SIZE * 1000) + 1)


@cache
def _ways() -> tuple[Way, ...]:
    """The `WAYS` ways a line is written, each (its drift from start to end, as a fraction
    of `DRIFT`, -1 to 1; its lean; its size, as an index into `_sizes`; its start, as a
    fraction of `MARGIN`; its pattern of changed gaps), from a fixed seed."""
    rand = random.Random("mailer hand ways").random  # noqa: S311  repeatable on purpose
    return tuple(
        (
            rand() * 2 - 1,
            _SLANTS[int(rand() * len(_SLANTS))],
            int(rand() * len(_STEPS)),
            rand(),
            int(rand() * PATTERNS),
        )
        for _ in range(WAYS)
    )


def _mixed(
    x: float,
    line: str,
    size: float,
    rise: float,
    slant: float,
    slope: float,
    stack: FontStack,
    pen: PenFont,
) -> tuple[Run, ...]:
    """A line with characters the handwriting lacks: those are drawn by the face that has
    them (the fallback face), plain; each part a run of its own, placed where the one
    before it ends, on the line's slope."""
    runs: list[Run] = []
    plain = plain_text(line)  # one character for one: `line` is cut where `plain` is
    start = 0
    for face, part in stack.runs(plain):
        stop = start + len(part)
        at = rise + slope * (x - runs[0].x) if runs else rise
        if face is stack.primary:
            runs.append(Run(x, pen.name, size, line[start:stop], at, slant))
        else:
            runs.append(Run(x, face.name, size, part, at, slant))
        x += stack.width(part) * size
        start = stop
    return tuple(runs)


BREAK = 0.3
"""The chance that a gap between words is written at its own width; the others are the
font's own space."""
_LOG_KEEP = math.log(1 - BREAK)
PATTERNS = 32
"""Ways of changing the gaps of a line of so many words: each line takes one, chosen by the
card's sequence."""

Gaps = tuple[tuple[int, int], ...]


@cache
def _patterns(count: int, space: float) -> tuple[tuple[Gaps, int], ...]:
    """For a line of `count` words, `PATTERNS` ways of changing its gaps, each as (the word
    after the gap, how much narrower in thousandths of the size) and their sum; made once,
    from a sequence seeded by the count, so every process makes the same ones."""
    rand = random.Random(count).random  # noqa: S311  repeatable on purpose
    made = []
    for _ in range(PATTERNS):
        breaks = []
        gap = _skip(rand)
        while gap < count:
            breaks.append(gap)
            gap += _skip(rand)
        changed = _gaps(breaks, space, rand) if breaks else ()
        made.append((changed, sum(by for _, by in changed)))
    return tuple(made)


def _skip(rand: Callable[[], float]) -> int:
    """How many gaps on to the next changed one: each is with the chance `BREAK`, drawn
    once for the whole run of gaps up to it (a geometric draw)."""
    return 1 + int(math.log(1.0 - rand()) / _LOG_KEEP)


def _gaps(breaks: list[int], space: float, rand: Callable[[], float]) -> Gaps:
    """The changed gaps before the words `breaks` counts: they vary by up to `SPACE` of a
    space either way and add up to no more than the spaces they replace, so a line never
    grows."""
    spread = [(rand() * 2 - 1) * SPACE for _ in breaks]
    if len(spread) == 1:  # a gap alone is narrower
        narrower = [abs(spread[0])]
    else:
        mean = sum(spread) / len(spread)
        narrower = [mean - gap for gap in spread]
    unit = space * 1000  # a space, in thousandths of the size
    return tuple((index, round(by * unit)) for index, by in zip(breaks, narrower, strict=True))
