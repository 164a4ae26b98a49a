"""`mailer report`: what the cards did, as a funnel per group. Pure: plain rows in (from
`ledger.results`), numbers out; no I/O, no clock.

The funnel of a group (README, "Did it work?"):

- **calls**: the calls made in the period (grouped by the step each decided: a call that
  led to no card is in "no card" when grouping by template or offer);
- **sent**: cards printed or submitted to a provider, counted by the day they went out
  (printed, else planned to be sent) when it falls in the period;
- **delivered**: of those, the cards a provider reported delivered (self-mailed cards are
  never reported, so a group with none sent through a provider shows no figure);
- **2nd calls**: cards whose contact was reached on a later call (spoke, call back, ordered,
  not interested, meeting booked), on or after the day the card arrived (the provider's
  delivery day, else the expected one) and up to `attribution_days` later;
- **responses**, **orders** (responses of kind `order`) and **revenue** (their amounts):
  those credited to the group's cards, whenever they came; a holdout contact's are those
  credited to its step, or its own uncredited ones inside the window;
- **cost**: each sent card's stamp and print cost (self-mail: `[print.stamps]` by
  destination plus `results.print_cost`), or the provider's price for its size
  (`[provider.prices]`); **cost per response** and **return** (revenue / cost).

Responses credited to no card are counted apart, by the day they came.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import PurePath

from mailer.config import Config
from mailer.domain.models import NEUTRAL, UNANSWERED, Outcome
from mailer.domain.postal_days import destination
from mailer.ledger.results import CallRow, ResponseRow, ResultRows, UnitRow
from mailer.results.report_stats import Comparison, compare, evidence

REACHED = frozenset(o.value for o in Outcome) - {o.value for o in UNANSWERED | NEUTRAL}
"""Calls that reached the contact: the same answers that close a cycle in planning."""
SENT = frozenset({"printed", "submitted"})
HOLDOUT = "holdout"
NO_CARD = "no card"
NO_OFFER = "no offer"
NO_EXPERIMENT = "no experiment"
TOTAL = "total"


class GroupBy(StrEnum):
    TEMPLATE = "template"
    OFFER = "offer"
    WEEK = "week"
    SOURCE = "source"
    VARIANT = "variant"


@dataclass(frozen=True)
class Period:
    since: date | None = None
    until: date | None = None

    def holds(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True)
class Costs:
    """What one sent card costs, in cents."""

    stamp_domestic: int = 0
    stamp_international: int = 0
    print_cost: int = 0
    provider: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config) -> Costs:
        stamps = config.print.stamps
        return cls(
            _cents(stamps.domestic),
            _cents(stamps.international),
            _cents(config.results.print_cost),
            {size: _cents(price) for size, price in config.provider.prices.items()},
        )

    def card(self, unit: UnitRow) -> int:
        if unit.mode == "provider":
            return self.provider.get(unit.size or "", 0)
        domestic = destination(unit.country) == "domestic"
        return self.print_cost + (self.stamp_domestic if domestic else self.stamp_international)


def _cents(dollars: float) -> int:
    return round(dollars * 100)


@dataclass(frozen=True)
class Funnel:
    group: str
    calls: int = 0
    sent: int = 0
    tracked: int = 0
    """Sent cards a provider tracks: delivered is known only for these."""
    delivered: int = 0
    second_calls: int = 0
    responses: int = 0
    orders: int = 0
    revenue_cents: int = 0
    cost_cents: int = 0
    units: int = 0
    """Cards sent, and holdout contacts: who could respond (the rate's denominator)."""
    responders: int = 0
    """Of those, how many responded at least once."""

    @property
    def cost_per_response(self) -> int | None:
        return round(self.cost_cents / self.responses) if self.responses else None

    @property
    def return_on_spend(self) -> float | None:
        """Revenue per dollar spent on cards and postage."""
        return self.revenue_cents / self.cost_cents if self.cost_cents else None

    @property
    def rate(self) -> float | None:
        return self.responders / self.units if self.units else None

    @property
    def evidence(self) -> str:
        return evidence(self.responders, self.units)

    def __add__(self, other: Funnel) -> Funnel:
        numbers = {
            name: getattr(self, name) + getattr(other, name)
            for name in self.__dataclass_fields__
            if name != "group"
        }
        return Funnel(self.group, **numbers)


@dataclass(frozen=True)
class Report:
    by: GroupBy
    period: Period
    window_days: int
    groups: tuple[Funnel, ...]
    total: Funnel
    not_credited: Funnel
    """Responses credited to no card (and no holdout contact), by the day they came."""
    weeks: tuple[tuple[date, int], ...]
    """Responses per week (its Monday), every week from the first to the last."""
    comparisons: tuple[Comparison, ...]
    """The experiment: every variant against the holdout, and each pair of variants."""


# A group's figures while they are counted, in `Funnel`'s order (after its name).
_CALLS, _SENT, _TRACKED, _DELIVERED, _SECOND, _RESPONSES, _ORDERS, _REVENUE, _COST = range(9)
_UNITS, _RESPONDERS = 9, 10
_FIGURES = 11


def build_report(
    rows: ResultRows, by: GroupBy, period: Period, costs: Costs, window_days: int
) -> Report:
    """The report of the cards counted in `period` (see the module doc)."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0] * _FIGURES)
    weekly: dict[date, int] = defaultdict(int)
    variants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    claimed = _count_units(rows, by, period, costs, window_days, tallies, weekly, variants)
    call_group = _CALL_GROUPS[by]
    for call in rows.calls:
        if period.holds(call.day):
            tallies[call_group(call)][_CALLS] += 1
    other = [0] * _FIGURES
    for response in rows.responses:
        if response.step_key is None and id(response) not in claimed and period.holds(response.day):
            weekly[_monday(response.day)] += 1
            other[_RESPONSES] += 1
            other[_ORDERS] += response.kind == "order"
            other[_REVENUE] += response.amount_cents or 0
    groups = tuple(Funnel(name, *tallies[name]) for name in _order(tallies, by))
    return Report(
        by,
        period,
        window_days,
        groups,
        # The cards' total: the holdout got none, so it is not in the rate or the cost.
        sum((g for g in groups if g.group != HOLDOUT), Funnel(TOTAL)),
        Funnel("not credited to a card", *other),
        _every_week(weekly),
        _comparisons({name: (k, n) for name, (k, n) in variants.items()}),
    )


def _count_units(
    rows: ResultRows,
    by: GroupBy,
    period: Period,
    costs: Costs,
    window_days: int,
    tallies: dict[str, list[int]],
    weekly: dict[date, int],
    variants: dict[str, list[int]],
) -> set[int]:
    """Add each card and holdout contact counted in `period` to its group's tally, its
    responses to their weeks, and the experiment's counts; returns the uncredited responses
    a holdout contact claimed (by `id`)."""
    window = timedelta(days=window_days)
    group_of = _UNIT_GROUPS[by]
    reaching = _reaching_calls(rows.calls)
    credited: dict[str, list[ResponseRow]] = defaultdict(list)
    loose: dict[str, list[ResponseRow]] = defaultdict(list)
    for response in rows.responses:
        if response.step_key is not None:
            credited[response.step_key].append(response)
        elif response.contact:
            loose[response.contact].append(response)
    claimed: set[int] = set()
    for unit in rows.units:
        counted = _counted(unit, period)
        if counted is None:
            continue
        arrival = unit.delivered_on or unit.expected_delivery or counted
        responses = credited.get(unit.step_key, [])
        if unit.status is None:  # a holdout: no card to credit, so its own responses
            own = [r for r in loose.get(unit.contact, ()) if counted <= r.day <= arrival + window]
            claimed.update(id(r) for r in own)
            responses = responses + own
        tally = tallies[group_of(unit)]
        if unit.status in SENT:
            tally[_SENT] += 1
            tally[_TRACKED] += unit.mode == "provider"
            tally[_DELIVERED] += unit.delivered_on is not None
            tally[_COST] += costs.card(unit)
        tally[_SECOND] += _reached(reaching.get(unit.contact, ()), arrival, arrival + window)
        tally[_UNITS] += 1
        if responses:
            tally[_RESPONDERS] += 1
            tally[_RESPONSES] += len(responses)
            for response in responses:
                tally[_ORDERS] += response.kind == "order"
                tally[_REVENUE] += response.amount_cents or 0
                weekly[_monday(response.day)] += 1
        if unit.variant is not None:
            variants[unit.variant][0] += bool(responses)
            variants[unit.variant][1] += 1
    return claimed


def _counted(unit: UnitRow, period: Period) -> date | None:
    """The day a unit counts on, when it counts in `period`: a sent card's day out, a
    holdout contact's planned send day; None for a card not sent (yet)."""
    if unit.status is None:
        if unit.variant != HOLDOUT:
            return None
        day = unit.send_date or unit.planned_on
    elif unit.status in SENT:
        day = unit.printed_on or unit.send_date or unit.planned_on
    else:
        return None
    return day if period.holds(day) else None


def _reaching_calls(calls: Iterable[CallRow]) -> dict[str, list[date]]:
    days: dict[str, list[date]] = defaultdict(list)
    for call in calls:
        if call.outcome in REACHED:
            days[call.contact].append(call.day)
    for found in days.values():
        found.sort()
    return days


def _reached(days: Sequence[date], first: date, last: date) -> bool:
    at = bisect.bisect_left(days, first)
    return at < len(days) and days[at] <= last


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _every_week(weekly: Mapping[date, int]) -> tuple[tuple[date, int], ...]:
    if not weekly:
        return ()
    first, last = min(weekly), max(weekly)
    weeks = (last - first).days // 7 + 1
    mondays = (first + timedelta(weeks=n) for n in range(weeks))
    return tuple((monday, weekly.get(monday, 0)) for monday in mondays)


def _offer(expires: date | None) -> str:
    return f"ends {expires.isoformat()}" if expires else NO_OFFER


def _source(file: str) -> str:
    return PurePath(file).name or file


def _unit_template(unit: UnitRow) -> str:
    return unit.template if unit.status is not None and unit.template else NO_CARD


def _unit_offer(unit: UnitRow) -> str:
    return _offer(unit.offer_expires) if unit.status is not None else NO_CARD


def _unit_week(unit: UnitRow) -> str:
    return _monday(unit.printed_on or unit.send_date or unit.planned_on).isoformat()


_UNIT_GROUPS: dict[GroupBy, Callable[[UnitRow], str]] = {
    GroupBy.TEMPLATE: _unit_template,
    GroupBy.OFFER: _unit_offer,
    GroupBy.WEEK: _unit_week,
    GroupBy.SOURCE: lambda unit: _source(unit.file),
    GroupBy.VARIANT: lambda unit: unit.variant or NO_EXPERIMENT,
}
_CALL_GROUPS: dict[GroupBy, Callable[[CallRow], str]] = {
    GroupBy.TEMPLATE: lambda c: (c.template or NO_CARD) if c.action == "mail" else NO_CARD,
    GroupBy.OFFER: lambda c: _offer(c.offer_expires) if c.action == "mail" else NO_CARD,
    GroupBy.WEEK: lambda c: _monday(c.day).isoformat(),
    GroupBy.SOURCE: lambda c: _source(c.file),
    GroupBy.VARIANT: lambda c: c.variant or NO_EXPERIMENT,
}
_LAST = (HOLDOUT, NO_OFFER, NO_EXPERIMENT, NO_CARD)


def _order(funnels: Iterable[str], by: GroupBy) -> list[str]:
    """Weeks in time order; other groups by name, the catch-all groups last."""
    if by is GroupBy.WEEK:
        return sorted(funnels)
    return sorted(funnels, key=lambda name: (_LAST.index(name) if name in _LAST else -1, name))


def _comparisons(counts: Mapping[str, tuple[int, int]]) -> tuple[Comparison, ...]:
    """(responders, units) per variant compared: each against the holdout, then in pairs."""
    variants = sorted(name for name in counts if name != HOLDOUT)
    found: list[Comparison] = []
    if HOLDOUT in counts:
        k_b, n_b = counts[HOLDOUT]
        found.extend(compare(name, *counts[name], HOLDOUT, k_b, n_b) for name in variants)
    for i, a in enumerate(variants):
        found.extend(compare(a, *counts[a], b, *counts[b]) for b in variants[i + 1 :])
    return tuple(found)
