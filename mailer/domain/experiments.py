"""Experiments: two or more variants of the sales card tried side by side, and an optional
holdout share of contacts who get the follow-up call but no card (README, "Try two things at
once").

Who gets what is worked out from the contact and the experiment's name alone (a hash of the
case-folded contact id, as the ledger keys contacts, and the name), so planning again, in any
order, with any other contacts, never moves anyone to another variant. Renaming the
experiment, or adding or removing a variant, does deal everyone again: it is a new one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

HOLDOUT = "holdout"
"""The variant name of the contacts kept without a card."""

OFFER_FIELDS = ("headline", "details", "code", "url", "tip")
"""The `[offer]` keys a variant may change (the days an offer lasts stay the same for all:
a variant that gave more time would be a different cadence, not a different card)."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Variant:
    """What one variant changes; a key left empty keeps the plan's template or `[offer]`."""

    template: str = ""
    headline: str = ""
    details: str = ""
    code: str = ""
    url: str = ""
    tip: str = ""


@dataclass(frozen=True)
class Experiment:
    """`[experiment]` in mailer.toml."""

    name: str = ""
    holdout: float = 0.0
    """The share of contacts (0 to 0.9) who get the follow-up call but no card."""
    variants: Mapping[str, Variant] = field(default_factory=dict)


def _share(contact_id: str, name: str) -> float:
    """Where a contact falls in [0, 1) for this experiment: the same every time."""
    text = f"mailer-experiment\x1f{name}\x1f{contact_id.casefold()}"
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(experiment: Experiment, contact_id: str) -> str:
    """The variant a contact gets (`HOLDOUT` for the holdout share): the contacts below the
    holdout share are held out, the rest split evenly between the variants, taken in the
    order of their names (so reordering the file changes nothing)."""
    share = _share(contact_id, experiment.name)
    holdout = experiment.holdout
    if share < holdout:
        return HOLDOUT
    names = sorted(experiment.variants)
    index = int((share - holdout) / (1 - holdout) * len(names))
    return names[min(index, len(names) - 1)]


def experiment_problem(experiment: Experiment, max_url: int) -> tuple[str, str, str] | None:
    """What is wrong with an `[experiment]` as (key, what, fix), or None. The holdout's
    range is the config ranges table's; the templates' existence is checked when a card is
    drawn, as for `[cadence.outcomes]`."""
    if not experiment.name.strip():
        return (
            "experiment.name",
            "is empty",
            'name the experiment (name = "spring-offer"): the report groups cards by it, '
            "and contacts are dealt to variants by it",
        )
    if len(experiment.variants) < 2:
        return (
            "experiment.variants",
            f"has {len(experiment.variants)} variant(s); an experiment compares two or more",
            "add a table for each: [experiment.variants.a] with template, headline, code, url, "
            "details or tip (or remove [experiment])",
        )
    for name, variant in experiment.variants.items():
        key = f"experiment.variants.{name}"
        if not _NAME.fullmatch(name) or name.casefold() == HOLDOUT:
            return (
                key,
                "is not a usable variant name",
                f"use letters, digits, '-' and '_' (and not '{HOLDOUT}', the contacts "
                "kept without a card)",
            )
        if variant.template and not _NAME.fullmatch(variant.template):
            return (f"{key}.template", f"is {variant.template!r}", "use a template name")
        url = variant.url
        if url and not url.startswith(("https://", "http://")):
            return (f"{key}.url", f"is {url!r}", "write a full web address starting with https://")
        if len(url) > max_url:
            return (
                f"{key}.url",
                f"is {len(url):,} characters long; a card's QR code holds {max_url}",
                "use a short link",
            )
    return None
