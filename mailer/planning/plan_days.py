"""The days a plan's steps are dated by: the card's send date, its delivery, the follow-up call
after it and the offer's end, by destination (`PlanDays`, each worked out once a plan), and
the day a callback asked for falls on (`callback_day`). Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from mailer.config import MAX_OFFER_DAYS, Config
from mailer.domain import postal_days as postal
from mailer.domain.models import CallRecord, Outcome
from mailer.errors import ConfigError
from mailer.planning.callbacks import requested_callback, unread_callback_note
from mailer.planning.feasibility import weekday as _weekday


class PlanDays:
    """The days every step of one plan shares, each worked out once, when first needed."""

    def __init__(self, config: Config, today: date) -> None:
        self.config, self.today = config, today
        self.first_steps = {o: config.cadence.first_call_step(o) for o in Outcome}
        """`config.cadence.first_call_step` of each outcome, asked once a plan."""
        self._by_place: dict[str, tuple[date, date, date]] = {}
        self._by_country: dict[str, tuple[date, date, date]] = {}

    @functools.cached_property
    def send(self) -> date:
        return postal.next_mailing_day(self.today)

    def to(self, country: str) -> tuple[date, date, date]:
        """A card to `country` sent on `send`: its delivery, the follow-up call after it and
        its offer's end, worked out once a destination (`[mail.transit_days]`)."""
        known = self._by_country.get(country)
        if known is not None:
            return known
        place = postal.destination(country)
        found = self._by_place.get(place)
        if found is None:
            transit = int(getattr(self.config.mail.transit_days, place))
            delivery = postal.add_delivery_days(self.send, transit)
            follow_up = postal.next_business_day_after(delivery)
            expires = offer_expires(self.send, follow_up, self.config, domestic=place == "domestic")
            found = self._by_place[place] = (delivery, follow_up, expires)
        self._by_country[country] = found
        return found

    @functools.cached_property
    def next_call(self) -> date:
        """The next business day after today, for a call instead of a card."""
        return postal.next_business_day_after(self.today)


def offer_expires(send: date, follow_up: date, config: Config, *, domestic: bool = True) -> date:
    margin = timedelta(days=config.cadence.offer_margin_days)
    expires = max(send + timedelta(days=config.offer.offer_days), follow_up + margin)
    longest = send + timedelta(days=MAX_OFFER_DAYS)
    if expires > longest and follow_up < longest and not domestic:
        return longest  # a card abroad around holidays: the offer ends at two weeks
    if expires > longest:
        # check_feasible rules this out for every calendar there is; kept as a guard.
        raise ConfigError(
            f"a card sent {send.isoformat()} is called about on {follow_up.isoformat()}: "
            f"no offer of {MAX_OFFER_DAYS} days or less stays open "
            f"{config.cadence.offer_margin_days} days after that",
            hint="lower mail.transit_days or cadence.offer_margin_days",
        )
    return expires


def callback_day(record: CallRecord, today: date) -> tuple[date, str]:
    """The business day to call back on and why. A day asked for is kept when it is today or
    later (a run the morning of the callback still lists it as due); a day already past means
    the call is overdue: today, or the next business day."""
    request = requested_callback(record)
    if request is None:
        day = postal.next_business_day_after(today)
        unread = unread_callback_note(record)
        if unread is not None:  # flagged, not guessed silently
            return day, f"couldn't read {unread!r}; due {_weekday(day)}, please check"
        return day, f"asked for a call back, no day given: call {_weekday(day)}"
    source = "from the notes" if request.source == "notes" else request.source
    reason = f"asked for a call back {request.said} ({source})"
    day = postal.next_business_day_on_or_after(max(request.day, today))
    if request.day < today:
        reason += f": {_weekday(request.day)} has passed, call {_weekday(day)}"
    elif day != request.day:
        reason += f": {_weekday(request.day)} is not a business day, call {_weekday(day)}"
    return day, reason
