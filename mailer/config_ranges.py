"""The ranges of the numbers in `mailer.toml`, one table checked as the file is read (by
`config`): a negative or NaN price, an endless timeout or a zero rate window stops at load,
naming the key, the value and the range allowed, never deep inside a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailer.errors import ConfigError

MAX_OFFER_DAYS = 14

# Every number mailer.toml may hold and the values it may take.
# key: (lowest, highest, unit, why it is so); `*` is every key of that table.
_RANGES: dict[str, tuple[float, float, str, str]] = {
    "offer.offer_days": (1, MAX_OFFER_DAYS, "days", "time-sensitive means two weeks at most"),
    "mail.transit_days.domestic": (1, 22, "delivery days", "First-Class cards take 1 to 5"),
    "mail.transit_days.canada": (1, 22, "delivery days", "cards to Canada take about 5"),
    "mail.transit_days.international": (1, 22, "delivery days", "cards abroad take about 7"),
    "cadence.exit_after": (1, 20, "unanswered calls", "3 tries before the way out"),
    "cadence.rest_days": (1, 3650, "days", "90 lets a season go by"),
    "cadence.cooldown_days": (0, 3650, "days", "30 keeps a card from following a card"),
    "cadence.offer_margin_days": (1, MAX_OFFER_DAYS, "days", "leave a day after the call"),
    "cadence.birthday_window_days": (1, 60, "days", "14 looks two weeks ahead"),
    "print.stamps.domestic": (0, 100, "dollars", "the price of one postcard stamp"),
    "print.stamps.international": (0, 100, "dollars", "the price of one stamp abroad"),
    "provider.rate_limit": (1, 100_000, "requests", "Lob allows 150 per 5 seconds"),
    "provider.rate_window_seconds": (0.1, 3600, "seconds", "Lob allows 150 per 5 seconds"),
    "provider.timeout_seconds": (0.1, 600, "seconds", "30 seconds is a good default"),
    "provider.prices.*": (0, 100, "dollars a card", "for the cost estimate"),
    "calls.max_age_days": (1, 3650, "days", "60 flags an export two months old"),
    "results.attribution_days": (1, 730, "days", "60 gives an order two months to come in"),
    "templates.long_note": (50, 5000, "characters", "480 is three or four sentences on 4x6"),
    "experiment.holdout": (0, 0.9, "of the contacts", "0.1 keeps a tenth of them without a card"),
    "followups.slot_minutes": (5, 120, "minutes", "15 spreads calls a quarter hour apart"),
    "results.print_cost": (0, 100, "dollars a card", "the stock and ink of one card"),
}


def in_range(key: str, value: float, path: Path) -> Any:
    """`value`, if the range of `key` in `_RANGES` (when it has one) holds it."""
    found = _RANGES.get(key) or _RANGES.get(key.rpartition(".")[0] + ".*")
    if found is None:
        return value
    low, high, unit, why = found
    if not low <= value <= high:  # NaN fails every comparison, infinity the bound
        raise ConfigError(
            f"{path}: '{key}' is {value}; it must be from {low:g} to {high:g} {unit}",
            hint=f"set {key} to a number in that range ({why})",
        )
    return value
