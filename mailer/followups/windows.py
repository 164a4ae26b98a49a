"""When each follow-up call is made: a window of the day other than the ones that already
missed, a time the contact asked for when they named one, a slot in the window so calls
are spread rather than stacked, and all of it in the contact's own time when their address
or phone number tells it and the seller's zone is known (`[calls] timezone`).

Pure functions: no clock, no I/O. Windows and asked times are the contact's time; what the
seller sees (the call sheet, the calendar) is the seller's time.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailer.domain.daytimes import DEFAULT_WINDOWS, CallWindow, TimeAsk, time_asked, windows_of
from mailer.domain.models import UNANSWERED, Action, CallPurpose, CallRecord, MailStep, Outcome

_LAST_MINUTE = time(23, 59)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a call goes: its day and span in the seller's time, the window's name, the
    contact's zone when it differs from the seller's, and a word on the choice."""

    on: date
    start: time
    end: time
    window: str
    zone: str = ""
    """The contact's zone as their clock names it ("CST"), when it is not the seller's."""
    shift: timedelta = timedelta(0)
    """The contact's clock minus the seller's."""
    note: str = ""


def asked_time(step: MailStep) -> TimeAsk | None:
    """The time of day a callback's notes ask for; other calls' notes don't steer ("left a
    message at 10am" is no request)."""
    callback = step.purpose is CallPurpose.CALLBACK or (
        step.action is Action.CALL and step.record.outcome is Outcome.CALLBACK
    )
    return time_asked(step.record.notes) if callback else None


def missed_times(step: MailStep) -> list[datetime]:
    """The unanswered calls of the cycle, oldest first: `missed_at`, and the deciding call
    itself when nobody answered it. A call logged without a time of day (midnight, or an
    undated row) says nothing about the time of day, so it is left out."""
    found = set(step.missed_at)
    record = step.record
    if record.outcome in UNANSWERED and not record.undated:
        found.add(record.called_at)
    return sorted((m for m in found if m.time() != time(0)), key=_instant)


def _instant(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def place(
    step: MailStep,
    on: date,
    windows: Sequence[CallWindow],
    seller: tzinfo | None,
    slot: timedelta,
) -> Placement:
    """The day and span of the call a step asks for on `on` (the contact's day)."""
    windows = windows or windows_of(DEFAULT_WINDOWS)  # a config built in code may name none
    zone = contact_zone(step.record) if seller is not None else None
    missed = [_local(m, seller, zone).time() for m in missed_times(step)]
    window, start, end, note = choose(windows, missed, asked_time(step), slot)
    begins = _seller_time(on, start, zone, seller)
    ends = _seller_time(on, end, zone, seller)
    last = ends.time() if ends.date() == begins.date() else _LAST_MINUTE
    theirs = datetime.combine(on, start)
    shift = theirs - begins.replace(tzinfo=None)
    label = (datetime.combine(on, start, zone).tzname() or str(zone)) if shift else ""
    return Placement(begins.date(), begins.time(), last, window, label, shift, note)


def choose(
    windows: Sequence[CallWindow], missed: Sequence[time], ask: TimeAsk | None, slot: timedelta
) -> tuple[str, time, time, str]:
    """The window a call goes in and the span in it (the contact's time), with a word on why.

    A time the contact asked for wins: the first window it falls in, narrowed to it, or a
    slot at that time when no window holds it (they asked). Otherwise, with `missed` the
    times of day of the unanswered calls, oldest first: the first window after the last
    missed one that has not missed yet, going round the day; when every window has missed,
    the one that missed least.
    """
    if ask is not None:
        return _asked(windows, ask, slot)
    if not missed or len(windows) == 1:  # nothing to choose from
        first = windows[0]
        return first.name, first.start, first.end, ""
    counts = [0] * len(windows)
    for moment in missed:
        counts[_window_of(windows, moment)] += 1
    last = _window_of(windows, missed[-1])
    order = [*range(last + 1, len(windows)), *range(last + 1)]
    chosen = windows[min(order, key=lambda i: counts[i])]
    tried = [w.name for w, n in zip(windows, counts, strict=True) if n]
    note = f"{chosen.name}: no answer in the {_words(tried)}"
    if chosen.name in tried:
        note = f"{chosen.name} again: no answer in the {_words(tried)}"
    return chosen.name, chosen.start, chosen.end, note


def _asked(
    windows: Sequence[CallWindow], ask: TimeAsk, slot: timedelta
) -> tuple[str, time, time, str]:
    if ask.start is not None and ask.start == ask.end:
        for w in windows:
            if w.start <= ask.start < w.end:
                return w.name, ask.start, _plus(ask.start, slot), ""
        return "as asked", ask.start, _plus(ask.start, slot), ""
    for w in windows:
        start = max(w.start, ask.start or w.start)
        end = min(w.end, ask.end or w.end)
        if start < end:
            return w.name, start, end, ""
    if ask.start is not None:
        return "as asked", ask.start, ask.end or _plus(ask.start, slot), ""
    assert ask.end is not None  # a TimeAsk names a start, an end or both
    begin = (
        (datetime.combine(date.min, ask.end) - slot).time() if ask.end >= _clock(slot) else time(0)
    )
    return "as asked", begin, ask.end, ""


def _clock(span: timedelta) -> time:
    return (datetime.min + span).time()


def _plus(at: time, span: timedelta) -> time:
    later = datetime.combine(date.min, at) + span
    return later.time() if later.date() == date.min else _LAST_MINUTE


def _window_of(windows: Sequence[CallWindow], at: time) -> int:
    """The window a time of day falls in, or the nearest one (the earlier on a tie)."""

    def distance(w: CallWindow) -> float:
        if w.start <= at < w.end:
            return 0
        return _minutes(w.start) - _minutes(at) if at < w.start else _minutes(at) - _minutes(w.end)

    return min(range(len(windows)), key=lambda i: (distance(windows[i]), i))


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _words(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _local(moment: datetime, seller: tzinfo | None, zone: tzinfo | None) -> datetime:
    """A call time in the contact's time (naive times are the seller's)."""
    if zone is None or seller is None:
        return moment if moment.tzinfo is None else moment.astimezone(seller)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=seller)
    return aware.astimezone(zone)


def _seller_time(on: date, at: time, zone: tzinfo | None, seller: tzinfo | None) -> datetime:
    moment = datetime.combine(on, at, zone)
    if zone is None or seller is None:
        return moment
    return moment.astimezone(seller)


# --- the contact's zone -------------------------------------------------------------------------


def contact_zone(record: CallRecord) -> ZoneInfo | None:
    """The contact's time zone, or None when nothing tells it.

    Where they live comes first: a US state in one zone gives it. A state in two zones takes
    the one of the phone's area code when it is one of them, else the zone of most of the
    state (its capital's). Without a state, the area code's zone when it has just one (a
    mobile number keeps the area code of where it was bought: the address is the better
    word). The area code is read by the `phonenumbers` library, the state by `us`.
    """
    address = record.mail_address or record.address
    country = (address.country or "US").upper()
    phone_zones = _phone_zones(record.phone, country)
    if country == "US" and address.state:
        state_zones, main = _state_zones(address.state.strip())
        if state_zones:
            if len(state_zones) == 1:
                return _zone(state_zones[0])
            shared = [z for z in phone_zones if z in state_zones]
            return _zone(shared[0] if len(shared) == 1 else main)
    return _zone(phone_zones[0]) if len(phone_zones) == 1 else None


@functools.cache
def _state_zones(state: str) -> tuple[tuple[str, ...], str]:
    import us

    found = us.states.lookup(state) if len(state) == 2 else None
    if found is None or not found.time_zones:
        return (), ""
    return tuple(found.time_zones), found.capital_tz or found.time_zones[0]


@functools.lru_cache(maxsize=4096)
def _phone_zones(phone: str, country: str) -> tuple[str, ...]:
    import phonenumbers
    from phonenumbers import timezone

    try:
        number = phonenumbers.parse(phone, country if len(country) == 2 else "US")
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_valid_number(number):
        return ()
    zones = timezone.time_zones_for_number(number)
    return tuple(z for z in zones if z != timezone.UNKNOWN_TIMEZONE)


@functools.cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# --- spreading the calls of a day ------------------------------------------------------------


def spread(placements: Sequence[tuple[str, Placement]], slot: timedelta) -> dict[str, Placement]:
    """Each call a slot of its own in its span, where there is room: calls are taken by day,
    the narrowest and earliest span first, then in the order given (so the same plan spreads
    the same way), each in its earliest slot that overlaps no call already placed; when the
    span is full, the slot shared with the fewest. Keyed by the key given with each."""
    placed: dict[str, Placement] = {}
    # Calls that share a slot share one Placement: a long list of calls holds a few hundred
    # of them, not one a call.
    same: dict[Placement, Placement] = {}
    # The starts booked each day, sorted: every slot is as long, so two overlap exactly when
    # their starts are less than a slot apart (a bisection, not a walk over the day).
    booked: dict[date, list[datetime]] = {}
    ordered = sorted(
        range(len(placements)),
        key=lambda i: (placements[i][1].on, _width(placements[i][1]), placements[i][1].start, i),
    )
    for key, p in (placements[i] for i in ordered):
        day = booked.setdefault(p.on, [])
        begin = datetime.combine(p.on, p.start)
        limit = max(datetime.combine(p.on, p.end), begin + slot)
        starts = []
        moment = begin
        while moment + slot <= limit or moment == begin:
            starts.append(moment)
            moment += slot

        def overlaps(start: datetime, day: list[datetime] = day) -> int:
            return bisect.bisect_left(day, start + slot) - bisect.bisect_right(day, start - slot)

        best = min(starts, key=lambda start: (overlaps(start), start))
        bisect.insort(day, best)
        end = min(best + slot, datetime.combine(p.on, _LAST_MINUTE))
        made = Placement(p.on, best.time(), end.time(), p.window, p.zone, p.shift, p.note)
        placed[key] = same.setdefault(made, made)
    return placed


def _width(p: Placement) -> int:
    return _minutes(p.end) - _minutes(p.start)


def their_time(p: Placement) -> str:
    """ "09:15 their time (CST)" when the contact's clock is not the seller's, else ""."""
    if not p.shift:
        return ""
    theirs = datetime.combine(p.on, p.start) + p.shift
    return f"{theirs:%H:%M} their time ({p.zone})"
