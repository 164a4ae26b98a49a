"""Whether the settings can work at all: an offer must stay open a few days after the
follow-up call it prepares (`cadence.offer_margin_days`), on every send date there is,
holidays included. Refused before anything is planned, naming the setting to change.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from mailer.config import MAX_OFFER_DAYS, Config
from mailer.domain import postal_days as postal
from mailer.errors import ConfigError

# US federal holidays follow the calendar alone (fixed dates with weekend observance, or the
# nth weekday of a month), and the Gregorian calendar repeats every 28 years between 1901 and
# 2099: simulating 2022-2049 meets every arrangement of holidays and weekends there is
# (Juneteenth exists since 2021).
_CYCLE_START = date(2022, 1, 1)
_CYCLE_END = date(2049, 12, 31)


def check_feasible(config: Config) -> None:
    """Refuse a configuration whose offer can't stay open `cadence.offer_margin_days` after
    the follow-up call: `offer.offer_days` must do it in a week without holidays, and 14 days
    (the longest an offer may last) must do it on every send date, holidays included, for a
    domestic card. A card to Canada or abroad must fit in an ordinary week; around holidays
    its offer ends at 14 days even if that leaves less margin (see `cadence._offer_expires`)."""
    offer_days = config.offer.offer_days
    transits = config.mail.transit_days
    transit = transits.domestic
    margin = config.cadence.offer_margin_days
    where = f"{config.source}: " if config.source is not None else ""
    for place in ("canada", "international"):
        days = int(getattr(transits, place))
        ordinary = _ordinary_span(days)[0]
        if ordinary + margin > MAX_OFFER_DAYS:
            raise _transit_error(where, place, days, margin, ordinary, "")
    # The follow-up call comes at least a day after delivery: no need to simulate a
    # transit that can't fit in two weeks anyway.
    shortest = transit + 1
    if shortest + margin > MAX_OFFER_DAYS:
        raise _transit_error(where, "domestic", transit, margin, shortest, "at least")
    ordinary, worst, worst_send = _follow_up_spans(transit)
    if worst + margin > MAX_OFFER_DAYS:
        follow_up = worst_send + timedelta(days=worst)
        example = (
            f" (a card sent {weekday(worst_send)}, {worst_send.year} is called about on "
            f"{weekday(follow_up)}, {follow_up.year})"
        )
        raise _transit_error(
            where, "domestic", transit, margin, worst, "around holidays up to", example
        )
    if ordinary + margin > offer_days:
        raise ConfigError(
            f"{where}'offer.offer_days' is {offer_days}: with 'mail.transit_days.domestic' = "
            f"{transit} the follow-up call can come {ordinary} days after the card is sent, and "
            f"the offer must stay open {_days(margin)} more ('cadence.offer_margin_days')",
            hint=f"set offer.offer_days to at least {ordinary + margin} (at most "
            f"{MAX_OFFER_DAYS}), or lower mail.transit_days or cadence.offer_margin_days",
        )


def _transit_error(
    where: str, place: str, transit: int, margin: int, span: int, how: str, example: str = ""
) -> ConfigError:
    how = f"{how} " if how else ""
    return ConfigError(
        f"{where}'mail.transit_days.{place}' is {transit}: the follow-up call comes {how}{span} "
        f"days after the card is sent{example}, and with {_days(margin)} more for the customer "
        f"('cadence.offer_margin_days') the offer would last {span + margin} days, more than "
        f"the {MAX_OFFER_DAYS} a time-sensitive offer ('offer.offer_days') may last",
        hint="lower mail.transit_days (First-Class Mail takes 1 to 5 days) "
        "or cadence.offer_margin_days",
    )


def _days_to_follow_up(send: date, transit: int) -> int:
    delivery = postal.add_delivery_days(send, transit)
    return (postal.next_business_day_after(delivery) - send).days


def _ordinary_span(transit: int) -> tuple[int, date]:
    """Days from sending to the follow-up call, the longest in a week clear of holidays, and
    that week's Monday: as counted (`COUNTED_SPANS`), else simulated."""
    counted = COUNTED_SPANS.get(transit)
    if counted is not None:
        return counted[0], counted[1]
    return simulated_ordinary_span(transit)


def _follow_up_spans(transit: int) -> tuple[int, int, date]:
    """Days from sending to the follow-up call: the longest in a week clear of holidays, the
    longest over every mailing day of a full calendar cycle, and the first send date with it;
    as counted (`COUNTED_SPANS`), else simulated."""
    counted = COUNTED_SPANS.get(transit)
    if counted is not None and counted[2] is not None:
        return counted[0], counted[2], counted[3]
    return simulated_follow_up_spans(transit)


_JAN_24, _FEB_28 = date(2022, 1, 24), date(2022, 2, 28)
COUNTED_SPANS: dict[int, tuple[int, date, int | None, date]] = {
    # transit days: (the ordinary span, its week's Monday, the worst span over the cycle and
    # the first send date with it); the worst only where it can fit in two weeks at all
    1: (4, _JAN_24, 5, date(2022, 1, 13)),
    2: (5, _JAN_24, 6, date(2022, 1, 12)),
    3: (6, _JAN_24, 7, date(2022, 1, 11)),
    4: (7, _FEB_28, 11, date(2027, 12, 23)),
    5: (9, _FEB_28, 12, date(2027, 12, 22)),
    6: (10, _FEB_28, 13, date(2027, 12, 21)),
    7: (11, _FEB_28, 14, date(2027, 12, 20)),
    8: (12, _FEB_28, 16, date(2027, 12, 18)),
    9: (13, _FEB_28, 18, date(2027, 12, 23)),
    10: (14, _FEB_28, 19, date(2027, 12, 22)),
    11: (16, _FEB_28, 20, date(2027, 12, 21)),
    12: (17, _FEB_28, 21, date(2027, 12, 20)),
    **{
        t: (days, _FEB_28, None, _FEB_28)
        for t, days in zip(range(13, 23), (18, 19, 20, 21, 23, 24, 25, 26, 27, 28), strict=True)
    },
}
"""The spans the simulation below gives for every transit the settings allow (1 to 22 days),
counted once and kept: simulating a 28-year calendar costs a sixth of a second a plan,
most of it the holiday tables. A test holds this table to the simulation."""


@functools.cache
def simulated_ordinary_span(transit: int) -> tuple[int, date]:
    """`_ordinary_span`, worked out on the calendar."""
    horizon = 7 + 2 * transit + 14
    monday = _CYCLE_START + timedelta(days=(7 - _CYCLE_START.weekday()) % 7)
    while monday < _CYCLE_END and any(
        postal.is_usps_holiday(monday + timedelta(days=i)) for i in range(horizon)
    ):
        monday += timedelta(days=7)
    return max(_days_to_follow_up(monday + timedelta(days=i), transit) for i in range(6)), monday


@functools.cache
def simulated_follow_up_spans(transit: int) -> tuple[int, int, date]:
    """`_follow_up_spans`, worked out on every mailing day of a full calendar cycle."""
    ordinary, monday = simulated_ordinary_span(transit)
    worst, worst_send = ordinary, monday
    calendar = _Calendar(_CYCLE_START, (_CYCLE_END - _CYCLE_START).days + 7 * transit + 31)
    for i in range((_CYCLE_END - _CYCLE_START).days + 1):
        if calendar.delivery[i]:  # a mailing day: the same days as delivery days
            span = calendar.days_to_follow_up(i, transit)
            if span > worst:
                worst, worst_send = span, calendar.first + timedelta(days=i)
    return ordinary, worst, worst_send


class _Calendar:
    """`_days_to_follow_up` for every day of a stretch, counted on a table of its days
    (which are delivery days, which business days) instead of asking `postal_days` day by
    day: the same days, for the ten thousand send dates of a calendar cycle."""

    def __init__(self, first: date, days: int) -> None:
        self.first = first
        self.delivery: list[bool] = []
        self.business: list[bool] = []
        for i in range(days):
            day = first + timedelta(days=i)
            self.delivery.append(postal.is_delivery_day(day))
            self.business.append(postal.is_business_day(day))

    def days_to_follow_up(self, send: int, transit: int) -> int:
        delivery, business, end = self.delivery, self.business, len(self.delivery)
        day, left = send, transit
        while left and day + 1 < end:
            day += 1
            left -= delivery[day]
        day += 1
        while day < end and not business[day]:
            day += 1
        if left or day >= end:  # past the table's end: ask day by day
            return _days_to_follow_up(self.first + timedelta(days=send), transit)
        return day - send


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


@functools.lru_cache(maxsize=1024)  # a plan's calls fall on a few days; formatting is slow
def weekday(d: date) -> str:
    """A day as the plan's reasons write it: `Mon Nov 30`."""
    return f"{d:%a %b} {d.day}"
