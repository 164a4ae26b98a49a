"""Fitting text into boxes: wrap at spaces, then shrink in half-point steps down to a floor.

Widths come from the font stacks (per-glyph fallback included), measured once per word at
1 pt and scaled, so trying another size costs arithmetic only. Nothing here draws: the result
is a list of placed lines that `painter` replays on a canvas. A newline in the text is a line
break, a blank line a paragraph break (half a line of space). Text that can't fit at its floor
size refuses the card: `does_not_fit` says which text, where and how to make it fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from mailer.drawing.fonts import FontStack
from mailer.drawing.geometry import Rect
from mailer.errors import RenderError

PARAGRAPH_GAP = 0.5
"""A blank line adds this fraction of a line's advance."""

RGB = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of a line drawn by one font, starting at `x` on the line's baseline: `rise`
    above it, leaning by `slant` (a shear: x moves by slant * y), and some word gaps changed
    (`gaps`: the index of the character after the gap, how much narrower the gap is in
    thousandths of the size, as PDF's `TJ` counts, and how far the text after it sits
    above the run's start, as PDF's `Ts`), as a handwritten note's lines are (`hand`); all
    0 for everything else."""

    x: float
    font: str
    size: float
    text: str
    rise: float = 0.0
    slant: float = 0.0
    gaps: tuple[tuple[int, int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """One line of text: baseline start (x, y), its advance width and its runs."""

    x: float
    y: float
    width: float
    size: float
    color: RGB
    runs: tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Wrapped:
    """Text wrapped at one size: lines (None for a paragraph gap) and their widths at 1 pt."""

    size: float
    leading: float
    lines: tuple[str | None, ...]
    widths: tuple[float, ...]
    ascent: float
    descent: float

    @property
    def height(self) -> float:
        advance = self.size * self.leading
        steps = 0.0
        seen_text = False
        for line in self.lines:
            if line is None:
                steps += PARAGRAPH_GAP
            elif seen_text:
                steps += 1
            seen_text = seen_text or line is not None
        return (self.ascent - self.descent) * self.size + steps * advance

    @property
    def widest(self) -> float:
        return max(self.widths, default=0.0) * self.size


@dataclass(frozen=True)
class HardLine:
    """A line of text between newlines: its words' widths at 1 pt, and its breaks for each
    width (`_break`), kept per font stack by its text (`hard_line`): a note's sentences are
    every card's, so only a line or two a card (a name, a code) is measured and broken."""

    words: tuple[tuple[str, float], ...]
    breaks: dict[float, tuple[tuple[str, ...], tuple[float, ...]] | None] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True)
class Measured:
    """A text's words with their widths at 1 pt, measured once and wrapped at many sizes.
    Kept per text (`measure`), with the wraps and fits already worked out for it: most of a
    card's words (the offer, the signature, the note's sentences) are every card's words."""

    lines: tuple[HardLine, ...]
    """Each hard line and its words; a line without words is a blank line."""
    space: float
    ascent: float
    descent: float
    wraps: dict[tuple[float, float, float], Wrapped | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    """`wrap_measured`'s answers by (size, width, leading)."""
    fits: dict[tuple[float, float, Rect, float], Wrapped | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    """`fit`'s answers by (size, floor, box, leading)."""


KEPT_TEXTS = 256
"""Texts kept measured per font stack; past it the store starts again. A batch's texts are
its template's few fixed ones (the offer, the signature) and one or two per card that no
other card has (a note and a deadline carrying the card's own code): a small store keeps
the first and lets the second go, so memory stays flat however many cards a batch has."""

_MEASURED: WeakKeyDictionary[FontStack, dict[str, Measured]] = WeakKeyDictionary()


def measure(text: str, stack: FontStack) -> Measured:
    """`text` measured in `stack`, once per text: the answer depends on nothing else."""
    known = _MEASURED.get(stack)
    if known is None:
        known = _MEASURED[stack] = {}
    found = known.get(text)
    if found is None:
        if len(known) >= KEPT_TEXTS:
            known.clear()
        found = known[text] = _measure(text, stack)
    return found


def _measure(text: str, stack: FontStack) -> Measured:
    known = _HARD_LINES.get(stack)
    if known is None:
        known = _HARD_LINES[stack] = {}
    lines = tuple(hard_line(line, stack, known) for line in text.split("\n"))
    ascent, descent = stack.metrics(text)
    return Measured(lines, stack.width(" "), ascent, descent)


KEPT_LINES = 128
"""Hard lines kept measured per font stack; past it the store starts again (as texts are)."""

_HARD_LINES: WeakKeyDictionary[FontStack, dict[str, HardLine]] = WeakKeyDictionary()


def hard_line(line: str, stack: FontStack, known: dict[str, HardLine]) -> HardLine:
    """`line` measured in `stack`, from `known` (the stack's store) when met before."""
    found = known.get(line)
    if found is None:
        if len(known) >= KEPT_LINES:
            known.clear()
        found = known[line] = HardLine(tuple((word, stack.width(word)) for word in line.split()))
    return found


def wrap(text: str, stack: FontStack, size: float, width: float, leading: float) -> Wrapped | None:
    """Greedy word wrap; None when a single word is wider than `width` at this size."""
    return wrap_measured(measure(text, stack), size, width, leading)


def wrap_measured(text: Measured, size: float, width: float, leading: float) -> Wrapped | None:
    """`text` wrapped at `size` to `width`, worked out once per (size, width, leading)."""
    key = (size, width, leading)
    try:
        return text.wraps[key]
    except KeyError:
        pass
    if len(text.wraps) >= KEPT_WRAPS:
        text.wraps.clear()
    wrapped = text.wraps[key] = _wrap(text, size, width, leading)
    return wrapped


KEPT_WRAPS = 64
"""Wraps kept per measured text: a block is tried at a few sizes in one or two boxes."""


def _wrap(text: Measured, size: float, width: float, leading: float) -> Wrapped | None:
    # Greedy wrapping breaks each hard line on its own, at the width in em the size leaves:
    # a line's breaks are worked out once per width and joined here.
    limit = width / size
    space = text.space
    lines: list[str | None] = []
    widths: list[float] = []
    for hard in text.lines:
        if not hard.words:
            if lines and lines[-1] is not None:
                lines.append(None)
            continue
        try:
            broken = hard.breaks[limit]
        except KeyError:
            if len(hard.breaks) >= KEPT_WRAPS:
                hard.breaks.clear()
            broken = hard.breaks[limit] = _break(hard.words, limit, space)
        if broken is None:
            return None
        lines.extend(broken[0])
        widths.extend(broken[1])
    while lines and lines[-1] is None:
        lines.pop()
    return Wrapped(size, leading, tuple(lines), tuple(widths), text.ascent, text.descent)


def _break(
    words: tuple[tuple[str, float], ...], limit: float, space: float
) -> tuple[tuple[str, ...], tuple[float, ...]] | None:
    """A hard line's words broken greedily into lines at most `limit` wide (in em, as their
    widths at 1 pt), with each line's width; None when a word alone is wider."""
    lines: list[str] = []
    widths: list[float] = []
    current: list[str] = []
    current_width = 0.0
    for word, w in words:
        if w > limit + 1e-9:
            return None
        if current and current_width + space + w > limit + 1e-9:
            lines.append(" ".join(current))
            widths.append(current_width)
            current, current_width = [word], w
        else:
            current_width += (space if current else 0.0) + w
            current.append(word)
    lines.append(" ".join(current))
    widths.append(current_width)
    return tuple(lines), tuple(widths)


def sizes(size: float, floor: float) -> list[float]:
    """Candidate sizes from `size` down to `floor` in half-point steps."""
    result: list[float] = []
    current = size
    while current > floor + 1e-9:
        result.append(round(current, 2))
        current -= 0.5
    result.append(floor)
    return result


def fit(
    text: str,
    stack: FontStack,
    size: float,
    floor: float,
    box: Rect,
    leading: float,
    guess: float | None = None,
) -> Wrapped | None:
    """The largest size (down to `floor`) at which `text` fits the box, or None.

    Greedy wrapping never needs more lines at a smaller size, so whether a size fits
    changes once along the half-point steps and a search finds it. `guess` (the size the
    previous card of the same block needed) is tried first with its neighbour: cards of one
    batch mostly settle on the same size, which two tries confirm. The answer never depends
    on the guess, so it is worked out once per text and box."""
    measured = measure(text, stack)
    key = (size, floor, box, leading)
    try:
        return measured.fits[key]
    except KeyError:
        pass
    if len(measured.fits) >= KEPT_WRAPS:
        measured.fits.clear()
    found = measured.fits[key] = fit_measured(measured, size, floor, box, leading, guess)
    return found


def fit_measured(
    measured: Measured, size: float, floor: float, box: Rect, leading: float, guess: float | None
) -> Wrapped | None:
    """`fit`'s search itself, starting from `guess`, every time."""
    candidates = sizes(size, floor)

    def attempt(index: int) -> Wrapped | None:
        wrapped = wrap_measured(measured, candidates[index], box.w, leading)
        if wrapped is not None and wrapped.height <= box.h + 1e-6:
            return wrapped
        return None

    start = candidates.index(guess) if guess in candidates else 0
    found = attempt(start)
    if found is not None:
        if start == 0:
            return found
        bigger = attempt(start - 1)
        if bigger is None:
            return found
        found, low, high = bigger, 0, start - 2
    else:
        if start + 1 == len(candidates):
            return None
        smaller = attempt(start + 1)
        if smaller is not None:
            return smaller
        low, high = start + 2, len(candidates) - 1
    while low <= high:  # the first index that fits lies in [low, high], or none does
        middle = (low + high) // 2
        wrapped = attempt(middle)
        if wrapped is not None:
            found, high = wrapped, middle - 1
        else:
            low = middle + 1
    return found


class SizeMemory:
    """`fit` starting from the size each (template, block) needed on the previous card: the
    cards of one batch mostly settle on the same size, and two tries confirm it."""

    def __init__(self) -> None:
        self._sizes: dict[tuple[str, str], float] = {}

    def fit(
        self,
        template: str,
        block: str,
        text: str,
        stack: FontStack,
        size: float,
        floor: float,
        box: Rect,
        leading: float,
    ) -> Wrapped | None:
        key = (template, block)
        wrapped = fit(text, stack, size, floor, box, leading, self._sizes.get(key))
        if wrapped is not None:
            self._sizes[key] = wrapped.size
        return wrapped


def _runs(stack: FontStack, line: str, x: float, size: float) -> tuple[Run, ...]:
    pieces = stack.runs(line)
    if len(pieces) == 1:
        return (Run(x, pieces[0][0].name, size, line),)
    runs = []
    for face, piece in pieces:
        runs.append(Run(x, face.name, size, piece))
        x += stack.width(piece) * size
    return tuple(runs)


def place(
    wrapped: Wrapped,
    stack: FontStack,
    box: Rect,
    top: float,
    color: RGB,
    align: str = "left",
) -> list[PlacedLine]:
    """Lines positioned from `top` down inside `box` (horizontally aligned in it). A text
    wrapped the same way (`fit` hands back the object it kept) at the same place is placed
    once: a batch's fronts share their headline, body and signature, line for line."""
    known = _PLACED.get(id(wrapped))
    if (
        known is not None
        and known[0] is wrapped
        and known[1] is stack
        and known[2] == (box, top, color, align)
    ):
        return list(known[3])
    size = wrapped.size
    lines = tuple(
        PlacedLine(x, y, width, size, color, _runs(stack, line, x, size))
        for line, x, y, width in origins(wrapped, box, top, align)
    )
    if len(_PLACED) >= KEPT_PLACINGS:
        _PLACED.clear()
    _PLACED[id(wrapped)] = (wrapped, stack, (box, top, color, align), lines)
    return list(lines)


KEPT_PLACINGS = 256
"""Placings kept (each keeps its text alive: its identity can't be another's); past it the
store starts again."""

_PLACED: dict[int, tuple[Wrapped, FontStack, tuple[object, ...], tuple[PlacedLine, ...]]] = {}


def origins(
    wrapped: Wrapped, box: Rect, top: float, align: str = "left"
) -> list[tuple[str, float, float, float]]:
    """Each line of `wrapped` with where `place` starts it (x, baseline) and its width."""
    size = wrapped.size
    advance = size * wrapped.leading
    baseline = top - wrapped.ascent * size
    placed = []
    widths = iter(wrapped.widths)
    first = True
    for line in wrapped.lines:
        if line is None:
            baseline -= PARAGRAPH_GAP * advance
            continue
        if not first:
            baseline -= advance
        first = False
        width = next(widths) * size
        x = box.x
        if align == "center":
            x = box.x + (box.w - width) / 2
        elif align == "right":
            x = box.right - width
        placed.append((line, x, baseline, width))
    return placed


def fit_lines(
    texts: list[str], stack: FontStack, size: float, floor: float, box: Rect, leading: float
) -> Wrapped | None:
    """Lines that must not wrap (addresses): the largest size down to `floor` at which each
    line fits the width and the block the height, or None."""
    widths = tuple(stack.width(t) for t in texts)
    ascent, descent = stack.metrics("".join(texts))
    for candidate in sizes(size, floor):
        wrapped = Wrapped(candidate, leading, tuple(texts), widths, ascent, descent)
        if wrapped.widest <= box.w + 1e-6 and wrapped.height <= box.h + 1e-6:
            return wrapped
    return None


# ---- refusing a card -------------------------------------------------------------------------


def card_refused(contact_id: str, template: str, problem: str, hint: str) -> RenderError:
    """The error that refuses one card, naming its contact and template."""
    return RenderError(
        f"card for contact {contact_id} (template '{template}'): {problem}", hint=hint
    )


def does_not_fit(
    contact_id: str, template: str, what: str, box: Rect, floor: float, hint: str = ""
) -> RenderError:
    """`what` (a block or an address) does not fit `box` even at its floor size."""
    return card_refused(
        contact_id,
        template,
        f"the {what} does not fit its area ({box.w / 72:.2f} x {box.h / 72:.2f} in) even at "
        f"its floor size of {floor:g} pt",
        hint
        or "shorten the text (or the contact's data it uses), lower the block's floor in "
        "card.toml, or choose a bigger card size",
    )
