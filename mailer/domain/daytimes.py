"""Times of day as people say them ("after 3", "at 2:30", "evening") and the windows of the
day calls are made in ("09:00-12:00").

An hour said without am or pm is the one people mean on the phone: 8 to 11 in the morning,
12 noon, 1 to 7 in the afternoon or evening ("after 3" is 15:00, "at 9" is 09:00). Pure
functions: no clock.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from functools import cache

DEFAULT_WINDOWS: Mapping[str, str] = {
    "morning": "09:00-12:00",
    "afternoon": "13:00-17:00",
    "evening": "17:30-19:30",
}
"""`[followups.windows]` when the config names none: three parts of the day, so a contact who
missed a morning call is tried in the afternoon or the early evening."""


@dataclass(frozen=True, slots=True)
class CallWindow:
    """A named part of the day calls are made in, in the contact's own time."""

    name: str
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class TimeAsk:
    """The time of day a contact asked to be called: from `start` (None: any time before
    `end`), until `end` (None: any time after `start`); `start == end` is an exact time."""

    start: time | None
    end: time | None
    said: str
    """The words as written, for the plan's reason: "after 3", "evening"."""


def parse_window(text: str) -> tuple[time, time] | None:
    """ "09:00-12:00" as (start, end), or None when it is not a window of one day."""
    parts = text.split("-")
    if len(parts) != 2:
        return None
    try:
        start, end = (_clock(part.strip()) for part in parts)
    except ValueError:
        return None
    return (start, end) if start < end else None


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


class WindowError(ValueError):
    """A window that is not one: `name` is its key, `problem` what is wrong."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name = name
        self.problem = problem


def windows_of(windows: Mapping[str, str]) -> tuple[CallWindow, ...]:
    """The windows a config names (empty text drops one), earliest first. Raises
    `WindowError` for the first one that is not a window, or one overlapping another."""
    found = []
    for name, text in windows.items():
        if not text.strip():
            continue
        span = parse_window(text)
        if span is None:
            raise WindowError(name, f"is {text!r}, not a window of one day")
        found.append(CallWindow(name, *span))
    found.sort(key=lambda w: (w.start, w.end, w.name))
    for before, after in itertools.pairwise(found):
        if after.start < before.end:
            raise WindowError(
                after.name, f"overlaps {before.name} ({before.start:%H:%M}-{before.end:%H:%M})"
            )
    return tuple(found)


def configured_windows(windows: Mapping[str, str], old: str = "") -> tuple[CallWindow, ...]:
    """`[followups.windows]`, or the one window of the older `call_window` key when it is
    set. Raises `WindowError` (the config is checked with `windows_problem` as it is read)."""
    return windows_of({"call_window": old} if old else windows)


def windows_problem(windows: Mapping[str, str], old: str = "") -> tuple[str, str, str] | None:
    """What is wrong with the configured windows, as (key, problem, fix), or None."""
    if old and windows != DEFAULT_WINDOWS:
        return (
            "followups.call_window",
            "and [followups.windows] are both set",
            ("delete call_window: [followups.windows] replaces it"),
        )
    try:
        if not configured_windows(windows, old):
            return "followups.windows", "leaves no window", 'keep one: morning = "09:00-12:00"'
    except WindowError as exc:
        key = "followups.call_window" if old else f"followups.windows.{exc.name}"
        return key, exc.problem, 'write it like "09:00-12:00", apart from the other windows'
    return None


# --- what a note says about the time of day ---------------------------------------------------


# "in about 5 minutes", "after 2 days": a count, not an hour.
_COUNTED = r"(?:mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|kids?|times?)\b"


def _clock_words(tag: str, *, last: bool = True) -> str:
    """An hour as written ("3", "3pm", "2:30", "2.30 p.m."), its parts named by `tag`; `last`
    when nothing of a date or a number may follow ("3/4", "3rd", "555-0101")."""
    guard = r"(?![\d/:-]|\s*(?:st|nd|rd|th)\b|\s*" + _COUNTED + ")" if last else r"(?!\d)"
    return (
        rf"(?P<h{tag}>1[0-2]|0?[1-9])(?:[:.](?P<m{tag}>[0-5]\d))?"
        rf"\s*(?P<ap{tag}>[ap]\.?m\.?(?![a-z]))?{guard}"
    )


_WORD_HOURS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
# An hour in words only where nothing else could follow it: "after three", "at two o'clock
# on Friday", never "after two weeks" or "at one point".
_WORD = (
    "(?P<w>" + "|".join(_WORD_HOURS) + r")(?:\s+o'?clock)?\b"
    r"(?=\s*(?:$|[,.;:!?)]|(?:on|or|and|tomorrow|today|tonight|next|this|[a-z]+day)\b))"
)
_ONE = _clock_words("")
_FIRST = _clock_words("1", last=False)


# (pattern, what it asks): "from" the hour, "until" it, "at" it, or "span" two hours.
@cache
def _time_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compiled when a note is first read, not when the module loads: most commands (the
    config reads this module for its windows) never read a note."""
    return (
        (re.compile(rf"\b(?:between\s+)?{_FIRST}\s*(?:-|to|and)\s*{_clock_words('2')}"), "span"),
        (re.compile(rf"\b(?:after|from|past)\s+(?:{_ONE}|{_WORD})"), "from"),
        (re.compile(rf"\b(?:before|until|till|til)\s+(?:{_ONE}|{_WORD})"), "until"),
        (re.compile(rf"\b(?:at|@|around|about|say)\s+(?:{_ONE}|{_WORD})"), "at"),
        # A bare time needs its minutes or its am/pm to be a time: "2:30", "3pm".
        (re.compile(r"\b(?P<h>1[0-2]|0?[1-9])(?:(?::(?P<m>[0-5]\d))\s*(?P<ap>[ap]\.?m\.?(?![a-z]))?"
                    r"|\s*(?P<ap2>[ap]\.?m\.?(?![a-z])))(?![\d/:-])"), "at"),
    )  # fmt: skip


# Parts of the day as clock spans (start, end); None is open-ended.
_PARTS: tuple[tuple[str, time | None, time | None], ...] = (
    (r"after\s+(?:work|dinner|supper)|evenings?|tonight|night", time(17), None),
    (r"after\s+(?:noon|lunch)|afternoons?", time(12), time(17)),
    (r"lunch\s*time|around\s+lunch|at\s+lunch|noon", time(12), time(13)),
    (r"mornings?|before\s+(?:noon|lunch)", None, time(12)),
)


@cache
def _part_patterns() -> tuple[tuple[re.Pattern[str], time | None, time | None], ...]:
    return tuple(
        (re.compile(rf"\b(?:in\s+the\s+|this\s+|early\s+|late\s+)?(?:{words})\b"), start, end)
        for words, start, end in _PARTS
    )


_CUE = r"\b(?:call|callback|cb|ring|try|reach|phone)\b"


def time_asked(notes: str) -> TimeAsk | None:
    """The time of day a note asks for, or None. When the note names several, the first one
    after a word like "call" or "try" wins, as with days (`planning.callbacks`)."""
    text = notes.lower()
    found = _asks(text)
    if not found:
        return None
    cue = re.search(_CUE, text)
    after_cue = [hit for hit in found if cue is not None and hit[0] >= cue.start()]
    start, end, ask = (after_cue or found)[0]
    return TimeAsk(ask.start, ask.end, " ".join(notes[start:end].split()))


def _asks(text: str) -> list[tuple[int, int, TimeAsk]]:
    hits: list[tuple[int, int, TimeAsk]] = []
    for pattern, kind in _time_patterns():
        for m in pattern.finditer(text):
            if kind == "span":
                first = _hour(m["h1"], m["m1"], m["ap1"] or m["ap2"])
                last = _hour(m["h2"], m["m2"], m["ap2"])
                if first < last:
                    hits.append((m.start(), m.end(), TimeAsk(first, last, "")))
                continue
            at = _matched(m)
            start = None if kind == "until" else at
            end = None if kind == "from" else at
            hits.append((m.start(), m.end(), TimeAsk(start, end, "")))
    for part, start, end in _part_patterns():
        for m in part.finditer(text):
            hits.append((m.start(), m.end(), TimeAsk(start, end, "")))
    # A longer phrase wins over a shorter one inside it ("after lunch" over "lunch").
    kept: list[tuple[int, int, TimeAsk]] = []
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def _matched(m: re.Match[str]) -> time:
    named = m.groupdict()
    if named.get("w"):
        return _hour(str(_WORD_HOURS[named["w"]]), None, None)
    return _hour(named["h"], named.get("m"), named.get("ap") or named.get("ap2"))


def _hour(hour: str, minute: str | None, half: str | None) -> time:
    h = int(hour)
    mark = (half or "").replace(".", "")
    if mark == "am":
        h = 0 if h == 12 else h
    elif mark == "pm":
        h = 12 if h == 12 else h + 12
    elif 1 <= h <= 7:
        h += 12
    return time(h, int(minute or 0))
