"""The second call of Call-Mail-Call: who to ring, when, why, and what to say.

What to say comes from the call scripts (`mailer.followups.scripts`); the calendar file is
`mailer.followups.calendar`, followups.csv and the printable call sheet are `sheet` and
`sheet_pdf`. No I/O here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from mailer.config import Config, call_windows, call_zone
from mailer.domain.models import Action, Address, MailStep, Outcome
from mailer.domain.moments import call_moment_passed
from mailer.followups.scripts import call_scripts
from mailer.followups.windows import Placement, place, spread, their_time
from mailer.followups.wording import purpose_of


@dataclass(frozen=True)
class FollowUp:
    """One call to make."""

    on: date
    window: tuple[time, time]
    contact_id: str
    name: str
    phone: str
    why: str
    script: str
    offer_deadline: date | None
    uid: str
    attempt: int = 1
    """Which attempt of the cycle this call is (the one after the deciding call; 1 for a
    first call or a callback, which starts a new cycle)."""
    purpose: str = ""
    """follow-up, callback, last-try or first-call (`CallPurpose`)."""
    voicemail: str = ""
    """The message to leave if they don't answer (`script` is the live one)."""
    leave_message: bool = True
    """Whether to leave that message this time (the method: not every time)."""
    permission_ask: str = ""
    """On a live call with no permission recorded: may I contact you again?"""
    text_message: str = ""
    """A text to send before calling, when the contact allows texts."""
    window_name: str = ""
    """The part of the day the call goes in (`[followups] windows`), or "as asked"."""
    their_time: str = ""
    """ "09:15 their time (CST)" when the contact's clock is not the seller's."""
    email: str = ""
    address: Address = field(default_factory=Address)
    """The contact's address as the call log gave it: the call sheet carries it back, so a
    sheet fed in as the next call log can still mail a card."""

    @property
    def at_the_beep(self) -> str:
        """The message to leave, or the method's advice to leave none this time."""
        if self.leave_message and self.voicemail:
            return self.voicemail
        return NO_MESSAGE

    @property
    def voicemail_advice(self) -> str:
        """Whether to leave the voicemail this time, as every call list words it."""
        return "leave this message" if self.leave_message else NO_MESSAGE


NO_MESSAGE = "no message this time; just try again at another time of day"
"""The method: don't leave a message every time, and call at another time of day."""


def friendly(d: date) -> str:
    """'Monday, November 30': how people say dates on the phone."""
    return f"{d:%A}, {d:%B} {d.day}"


def actionable(step: MailStep, today: date) -> bool:
    """A follow-up still worth making (see `mailer.domain.moments`)."""
    return not call_moment_passed(step, today)


def follow_up_for(step: MailStep, config: Config, at: Placement | None = None) -> FollowUp | None:
    """The call a step asks for, or None when it asks for none; `at`, when given, is where
    the call was placed (`follow_ups` places all of a list's calls together)."""
    if step.follow_up_call is None or step.action not in (Action.MAIL, Action.CALL):
        return None
    record = step.record
    at = at or _Placer(config)(step)
    said = call_scripts(step, config)
    return FollowUp(
        on=at.on,
        window=(at.start, at.end),
        window_name=at.window,
        their_time=their_time(at),
        contact_id=record.contact_id,
        name=record.name or record.contact_id,
        phone=record.phone,
        why=_with_time(_why(step), at),
        script=said.live,
        offer_deadline=step.offer_expires,
        uid=call_uid(step.step_key, said.purpose.value),
        attempt=said.attempt,
        purpose=said.purpose.value,
        voicemail=said.voicemail,
        leave_message=said.leave_message,
        permission_ask=said.permission_ask,
        text_message=said.text_message,
        email=record.email,
        address=record.address,
    )


def call_uid(step_key: str, purpose: str) -> str:
    """The calendar event's UID: the same call (the step and why it is made) keeps it across
    exports, so a calendar app updates the event instead of adding another."""
    return hashlib.sha256(f"{step_key}|{purpose}".encode()).hexdigest()[:32] + "@mailer"


def follow_ups(steps: Iterable[MailStep], config: Config) -> list[FollowUp]:
    """The calls to make, soonest first, then by time and name; the calls of a day spread
    over their windows in slots of `[followups] slot_minutes` (`windows.spread`)."""
    kept: dict[str, MailStep] = {}

    def keep(step: MailStep) -> MailStep:
        kept[step.step_key] = step
        return step

    order = call_order((keep(s) for s in steps), config)
    return list(calls_in_order(order, lambda keys: (kept[k] for k in keys), config))


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """A call's place in the list, without its words: what a long list keeps of each call
    until its turn comes (`calls_in_order` renders the scripts then)."""

    step_key: str
    at: Placement


def call_order(steps: Iterable[MailStep], config: Config) -> list[PlannedCall]:
    """Where each call the steps ask for goes, in the order `follow_ups` lists them. `steps`
    is read once and not kept: no script is rendered here."""
    placer = _Placer(config)
    keys: list[str] = []
    placements: list[Placement] = []
    # A call is one string while the list is ordered by name, contact id and event UID (the
    # three and its place in `keys`, joined by NULs, which no text of a step holds and which
    # sort before every other character: the order of the tuples, in a third of their memory
    # on a season's list).
    ranked: list[str] = []
    for step in steps:
        if step.follow_up_call is None or step.action not in (Action.MAIL, Action.CALL):
            continue
        record = step.record
        key = step.step_key  # made anew each time it is asked: one string a call kept
        uid = call_uid(key, purpose_of(step).value)
        name = (record.name or record.contact_id).casefold()
        ranked.append(f"{name}\0{record.contact_id}\0{uid}\0{len(keys):012d}")
        keys.append(key)
        placements.append(placer(step))
    ranked.sort()
    order = [int(entry.rpartition("\0")[2]) for entry in ranked]
    del ranked
    placed = spread([(keys[i], placements[i]) for i in order], placer.slot)
    del placements

    def when(i: int) -> tuple[date, time, time]:
        at = placed[keys[i]]
        return (at.on, at.start, at.end)

    # Stable: the calls of one slot stay in the order of their names, ids and UIDs.
    order.sort(key=when)
    return [PlannedCall(keys[i], placed[keys[i]]) for i in order]


Fetch = Callable[[list[str]], Iterable[MailStep]]
"""Steps by step key, in the order asked (`Ledger.steps_by_key`)."""


def calls_in_order(
    order: Sequence[PlannedCall], fetch: Fetch, config: Config, *, page: int = 500
) -> Iterator[FollowUp]:
    """The calls of `order`, each with its words, the steps read (`fetch`) a page at a
    time: a long list is never held whole."""
    for start in range(0, len(order), page):
        part = order[start : start + page]
        steps = {step.step_key: step for step in fetch([c.step_key for c in part])}
        for planned in part:
            call = follow_up_for(steps[planned.step_key], config, planned.at)
            assert call is not None
            yield call


class _Placer:
    """Where a step's call goes (`windows.place`), the settings read once for a list."""

    def __init__(self, config: Config) -> None:
        self.windows = call_windows(config.followups)
        self.slot = timedelta(minutes=config.followups.slot_minutes)
        self.zone = call_zone(config.calls)
        self._same: dict[Placement, Placement] = {}
        """Calls placed alike share one Placement while a long list is ordered."""

    def __call__(self, step: MailStep) -> Placement:
        assert step.follow_up_call is not None
        made = place(step, step.follow_up_call, self.windows, self.zone, self.slot)
        return self._same.setdefault(made, made)


def _with_time(why: str, at: Placement) -> str:
    """The reason, with the word on the window chosen and the contact's own clock."""
    return "; ".join(part for part in (why, at.note, their_time(at)) if part)


def _why(step: MailStep) -> str:
    if step.action is Action.CALL:
        if step.record.outcome is Outcome.CALLBACK and not step.reason.startswith("couldn't"):
            return "asked for a call back"
        return step.reason  # an unread note's flag stays with the call
    assert step.send_date is not None
    sent = f"{step.send_date:%b} {step.send_date.day}"
    if step.offer_expires is not None:
        deadline = f"{step.offer_expires:%b} {step.offer_expires.day}"
        return f"second call: note mailed {sent}, offer ends {deadline}"
    return f"card mailed {sent}"
