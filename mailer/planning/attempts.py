"""Attempts and cycles: how often a contact has been called without an answer, and whether
they rest. Pure: no I/O, no clock.

A contact's calls (every call the ledger has seen, and the input's, up to the deciding call)
are read in time order. A **cycle** is the run of calls the seller makes to reach someone.
A new cycle starts at:

- the contact's first call;
- the first call after a call that reached them (spoke with them, call back, ordered, not
  interested, meeting booked);
- the first call after a rest ended (the rest's last day is the day before `rest_until`);
- the first call after `rest_days` or more without a call (the seller let them rest).

A card ending its cooldown does not start a new cycle: a contact who never answers would
otherwise get an offer every month and never the way out. Texts and wrong numbers neither
count as attempts nor start a cycle.

Unanswered calls (voicemail, no answer, busy) count as attempts. After `exit_after` of them
in a cycle, the next call is the last try (the message with the easy way out); when that one
goes unanswered too, the contact rests for `rest_days`. "Not interested" rests them as well.
A call that reaches them during a rest ends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple, cast

from mailer.domain.models import NEUTRAL as NEUTRAL  # the cadence's words for them too
from mailer.domain.models import UNANSWERED as UNANSWERED
from mailer.domain.models import CallRecord, Outcome, PastCall


class Attempts(NamedTuple):
    """Where the deciding call leaves the contact's current cycle (a tuple: made once a
    contact, in one call)."""

    attempt: int
    """Which attempt the deciding call was in its cycle (1 = first)."""
    unanswered: int
    """Unanswered calls in the cycle so far, the deciding one included."""
    missed_at: tuple[datetime, ...]
    """When those unanswered calls were made (empty when the deciding call reached them)."""
    rest_until: date | None = None
    """The day the contact's rest ends (a call on it or later starts a new cycle); None
    when not resting."""
    rest_why: str = ""
    """Why they rest: "3 unanswered calls and the last-try message", "not interested"."""
    last_try_next: bool = False
    """The next call is the last try of the cycle."""


def count_attempts(
    deciding: CallRecord,
    earlier: Iterable[PastCall],
    *,
    exit_after: int,
    rest_days: int,
) -> Attempts:
    """The deciding call's place in its cycle, from the calls before it (see the module doc).
    Calls after the deciding one (a later session's, when an old log is planned again) and
    the deciding call itself among `earlier` are left out, so planning is repeatable."""
    moment = _naive(deciding.called_at)
    key = deciding.call_key  # worked out once: it is a hash of the call's fields
    seen: dict[str, PastCall] = {}
    for call in earlier:
        if call.call_key != key and _naive(call.called_at) <= moment:
            seen.setdefault(call.call_key, call)
    calls = [(c.called_at, c.outcome) for c in sorted(seen.values(), key=_in_time)]
    calls.append((deciding.called_at, deciding.outcome))
    return _walk(calls, exit_after, rest_days)


_AT, _CALL = attrgetter("called_at"), attrgetter("called_at", "outcome")
"""A record's moment; its moment and outcome (a call as `_walk` reads it)."""


def count_input_attempts(
    deciding: CallRecord,
    records: Sequence[CallRecord],
    exit_after: int,
    rest_days: int,
    *,
    whole_minutes: bool = False,
) -> Attempts:
    """`count_attempts(deciding, [PastCall(r.call_key, r.called_at, r.outcome) for r in
    records])` for a contact the ledger knows no call of: `records` are the contact's calls
    in the input, `deciding` among them. The same answer, without the call keys when it can
    do without: a key is a call's contact, minute and outcome, so when every call is dated
    to the whole minute without a zone (most logs), two calls are one exactly when their
    moment and outcome are, and the keys' order is the outcomes' among calls of one moment.
    `whole_minutes` says the caller knows that already of every record (`whole_minutes`)."""
    moment, outcome = deciding.called_at, deciding.outcome
    if len(records) == 2 and whole_minutes:  # (most contacts called more than once: two)
        first, second = records
        other = first if second is deciding else second if first is deciding else None
        if other is not None:
            at, said = other.called_at, other.outcome
            if at < moment or (at == moment and said is not outcome):
                return _walk(((at, said), (moment, outcome)), exit_after, rest_days)
            records = (deciding,)  # the same call, or one after the deciding one: left out
    if len(records) == 1:  # the deciding call alone: nothing before it to count
        if outcome in UNANSWERED:
            if exit_after > 0:  # the first miss of a cycle
                return _attempts(Attempts, (1, 1, (moment,), None, "", exit_after == 1))
        elif outcome is not _NOT_INTERESTED:  # answered, or neither: no rest begins
            return _ANSWERED_ONCE
        return _walk(((moment, outcome),), exit_after, rest_days)
    if not whole_minutes and not all_whole_minutes((deciding, *records)):  # the keys decide
        keyed = [PastCall(r.call_key, r.called_at, r.outcome) for r in records]
        return count_attempts(deciding, keyed, exit_after=exit_after, rest_days=rest_days)
    # Each distinct call once (a moment and an outcome), the deciding one last.
    calls: set[tuple[datetime, Outcome]] = set(map(_CALL, records))
    calls.discard((moment, outcome))
    ordered = sorted(calls)
    if ordered and ordered[-1][0] > moment:  # calls after the deciding one are left out
        ordered = [call for call in ordered if call[0] <= moment]
    ordered.append((moment, outcome))
    return _walk(ordered, exit_after, rest_days)


def all_whole_minutes(records: Iterable[CallRecord]) -> bool:
    """Every record dated (not `undated`) to a whole minute without a zone: its call key then
    says no more than its moment and outcome (`count_input_attempts`)."""
    if not isinstance(records, list | tuple):  # (passed over twice)
        records = list(records)
    if any(map(_UNDATED, records)):
        return False
    # A log's calls share a few hundred moments: each distinct one asked once.
    return not any(at.tzinfo or at.second or at.microsecond for at in set(map(_AT, records)))


_UNDATED = attrgetter("undated")


def _in_time(call: PastCall) -> tuple[datetime, str]:
    return _naive(call.called_at), call.call_key


_NOT_INTERESTED = Outcome.NOT_INTERESTED  # a global: an enum class's attribute is slower
_ANSWERED_ONCE = Attempts(1, 0, ())
"""A cycle's first call, answered (or neither answered nor missed)."""


def _walk(calls: Sequence[tuple[datetime, Outcome]], exit_after: int, rest_days: int) -> Attempts:
    """Where the last of `calls` (each a moment and an outcome, in time order, each once)
    leaves its cycle (`_cycle`, with the missed calls' moments)."""
    if len(calls) == 2:  # (most contacts called more than once: two calls)
        (first, said), (last, outcome) = calls
        key = (first.toordinal(), said, last.toordinal(), outcome, exit_after, rest_days)
        found = _TWO_CALLS.get(key)
        if found is None:
            found = _two_calls(key, calls)
        attempt, misses, missed, rest_until, rest_why, last_try_next = found
        fields = (attempt, misses, (first, last)[missed], rest_until, rest_why, last_try_next)
        return _attempts(Attempts, fields)
    attempt, misses, places, rest_until, rest_why, last_try_next = _cycle(
        calls, exit_after, rest_days
    )
    moments: tuple[datetime, ...] = ()
    if places:  # the moments of the cycle's missed calls, by their places in `calls`
        moments = tuple([calls[place][0] for place in places])
    return _attempts(Attempts, (attempt, misses, moments, rest_until, rest_why, last_try_next))


_TwoCalls = tuple[int, int, slice, "date | None", str, bool]
_TwoKey = tuple[int, Outcome, int, Outcome, int, int]
_TWO_CALLS: dict[_TwoKey, _TwoCalls] = {}
"""`_cycle` of two calls, by their days and outcomes and the settings (a log's contacts
share a few days): the missed calls as a slice of the two (always a run of them)."""


def _two_calls(key: _TwoKey, calls: Sequence[tuple[datetime, Outcome]]) -> _TwoCalls:
    """`_cycle` of two `calls`, kept by their `key`."""
    _, _, _, _, exit_after, rest_days = key
    attempt, misses, places, rest_until, rest_why, last_try_next = _cycle(
        calls, exit_after, rest_days
    )
    missed = slice(places[0], places[-1] + 1) if places else slice(0, 0)
    if len(_TWO_CALLS) >= 4096:  # (memory stays flat whatever the log)
        _TWO_CALLS.clear()
    found = _TWO_CALLS[key] = (attempt, misses, missed, rest_until, rest_why, last_try_next)
    return found


_Cycle = tuple[int, int, tuple[int, ...], "date | None", str, bool]
"""An `Attempts` whose missed calls are their places among the calls walked."""


def _cycle(calls: Sequence[tuple[datetime, Outcome]], exit_after: int, rest_days: int) -> _Cycle:
    """`_walk` with the missed calls given by their places in `calls`: it reads no more of
    a call's moment than its day, so it is the same for every contact whose calls fell on
    those days with those outcomes (`_TWO_CALLS`). Days are counted as ordinals
    (`date.toordinal`): whole days apart, without a timedelta a call."""
    missed: list[int] = []
    misses = 0  # len(missed)
    last_call: int | None = None
    rest_until: date | None = None
    until = 0  # `rest_until` as an ordinal
    rest_why = ""
    attempt = 1
    for place, (at, outcome) in enumerate(calls):
        day = at.toordinal()
        if rest_until is not None and day >= until:
            missed, misses, rest_until, rest_why = [], 0, None, ""
        if last_call is not None and day - last_call >= rest_days and rest_until is None:
            missed, misses = [], 0
        last_call = day
        if outcome in UNANSWERED:
            missed.append(place)
            attempt = misses = misses + 1
            if rest_until is None and misses > exit_after:
                until = day + rest_days
                rest_until = date.fromordinal(until)
                rest_why = f"{_unanswered(exit_after)} and the last-try message"
            continue
        attempt = misses + 1
        if outcome in NEUTRAL:
            continue
        missed, misses, rest_until, rest_why = [], 0, None, ""
        if outcome is _NOT_INTERESTED:
            until = day + rest_days
            rest_until, said = date.fromordinal(until), at.date()
            rest_why = f"not interested on {said:%b} {said.day}"
    if calls[-1][1] not in UNANSWERED:  # answered
        return attempt, misses, (), rest_until, rest_why, False
    last_try_next = rest_until is None and misses == exit_after
    return attempt, misses, tuple(missed), rest_until, rest_why, last_try_next


_attempts = cast("Callable[[type[Attempts], tuple[object, ...]], Attempts]", tuple.__new__)
"""`Attempts(*fields)` with every field given, made in one C-level call (a named tuple's own
constructor is a Python function)."""


def resting_reason(attempts: Attempts, today: date, *, why: bool = True) -> str:
    """'resting until Mar 1: 3 unanswered calls and the last-try message' (without the
    cause when `why` is False: the deciding call is the cause)."""
    assert attempts.rest_until is not None
    day = _day_said(attempts.rest_until, today.year)
    return f"resting until {day}: {attempts.rest_why}" if why else f"resting until {day}"


@lru_cache(maxsize=1024)
def _day_said(until: date, year: int) -> str:
    """'Mar 1' ('Mar 1, 2027' outside `year`): a plan's contacts rest until a few days,
    each formatted once."""
    day = f"{until:%b} {until.day}"
    return day if until.year == year else f"{day}, {until.year}"


@lru_cache(maxsize=256)
def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _unanswered(n: int) -> str:
    return "1 unanswered call" if n == 1 else f"{n} unanswered calls"


def _naive(moment: datetime) -> datetime:
    """Aware and naive times compared without a TypeError (logs rarely mix them)."""
    if moment.tzinfo is None:
        return moment
    return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
