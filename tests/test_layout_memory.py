"""Fitting text once per text: a text met again (the offer on every card, a note's common
sentences) takes the answer worked out the first time, and that answer is the one a fresh
search gives, whatever box, size or order it is asked in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.drawing import layout
from mailer.drawing.fonts import clean_text, font_stacks
from mailer.drawing.geometry import Rect
from mailer.drawing.layout import fit, measure, sizes, wrap

words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉéŁłễ’“” ", min_size=1, max_size=12),
    min_size=1,
    max_size=40,
)
boxes = st.tuples(
    st.floats(min_value=60, max_value=260), st.floats(min_value=20, max_value=200)
).map(lambda wh: Rect(10, 10, *wh))


def plain_fit(text: str, role: str, box: Rect) -> float | None:
    """The size a search from scratch finds: the largest at which the text fits."""
    stack = font_stacks(None)[role]
    for candidate in sizes(16, 8):
        wrapped = wrap(text, stack, candidate, box.w, 1.1)
        if wrapped is not None and wrapped.height <= box.h + 1e-6:
            return candidate
    return None


@settings(max_examples=60, deadline=None)
@given(words, st.lists(boxes, min_size=2, max_size=5), st.sampled_from(["hand", "sans"]))
def test_a_text_fitted_again_gets_the_answer_for_its_own_box(parts, tried, role):
    text = clean_text(" ".join(parts))
    stack = font_stacks(None)[role]
    for box in [*tried, *reversed(tried)]:  # each box met again after the others
        found = fit(text, stack, 16, 8, box, 1.1)
        assert (found.size if found else None) == plain_fit(text, role, box)


def test_the_same_text_is_measured_once_and_its_fit_kept():
    stack = font_stacks(None)["sans"]
    text = "Twenty percent off every candle, until the seventh of December"
    box = Rect(0, 0, 150, 60)
    first = fit(text, stack, 16, 8, box, 1.1)
    assert measure(text, stack) is measure(text, stack)
    assert fit(text, stack, 16, 8, box, 1.1, 9.0) is first  # the guess changes nothing
    assert fit(text, stack, 16, 8, Rect(0, 0, 150, 20), 1.1) != first


def test_the_texts_kept_are_bounded(monkeypatch: pytest.MonkeyPatch):
    """A batch of many different notes never makes the store grow past its bound: it
    starts again, and a text met after that is measured afresh (the same widths)."""
    monkeypatch.setattr(layout, "KEPT_TEXTS", 5)
    stack = font_stacks(None)["hand"]
    kept = measure("Hi Mary, thanks for the call", stack)
    for n in range(6):
        measure(f"note number {n}", stack)
    again = measure("Hi Mary, thanks for the call", stack)
    assert again is not kept
    assert again.lines == kept.lines


def reference_wrap(text: str, role: str, size: float, width: float) -> list[str | None] | None:
    """Greedy wrapping written out plainly, a hard line at a time: what the kept breaks
    must give, whichever card measured a line first."""
    stack = font_stacks(None)[role]
    limit, space = width / size, stack.width(" ")
    lines: list[str | None] = []
    for hard in text.split("\n"):
        words = hard.split()
        if not words:
            if lines and lines[-1] is not None:
                lines.append(None)
            continue
        current: list[str] = []
        used = 0.0  # summed in the order the layout sums it: the same float at the edge
        for word in words:
            w = stack.width(word)
            if w > limit + 1e-9:
                return None
            if current and used + space + w > limit + 1e-9:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used += (space if current else 0.0) + w
                current.append(word)
        lines.append(" ".join(current))
    while lines and lines[-1] is None:
        lines.pop()
    return lines


@settings(max_examples=60, deadline=None)
@given(
    st.lists(words.map(" ".join), min_size=1, max_size=4),
    st.floats(min_value=60, max_value=260),
    st.sampled_from([9.0, 12.5, 16.0]),
)
def test_notes_sharing_lines_wrap_as_each_alone_would(paragraphs, width, size):
    stack = font_stacks(None)["hand"]
    for n in range(3):  # the same sentences with another first line, as on the next card
        text = clean_text("\n".join([f"Dear card {n}", *paragraphs, ""]))
        wrapped = wrap(text, stack, size, width, 1.1)
        expected = reference_wrap(text, "hand", size, width)
        assert (list(wrapped.lines) if wrapped else None) == expected


def test_a_line_two_notes_share_is_measured_once(monkeypatch: pytest.MonkeyPatch):
    stack = font_stacks(None)["hand"]
    shared = "Sorry I missed you on the phone! I put something aside for you."
    first = measure(f"Dear Mary,\n\n{shared}\nmention R2T3DEH", stack)
    second = measure(f"Dear José,\n\n{shared}\nmention K7PQX9A", stack)
    assert first.lines[2] is second.lines[2]
    assert first.lines[0] is not second.lines[0]
    monkeypatch.setattr(layout, "KEPT_LINES", 3)  # past the bound the store starts again
    for n in range(4):
        measure(f"line number {n}", stack)
    again = measure(f"Dear Mary,\n\n{shared}", stack)
    assert again.lines[2] is not first.lines[2]
    assert again.lines[2] == first.lines[2]
