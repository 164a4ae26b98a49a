"""The rules of `mailer.toml` that span more than one value's type: the closed lists of words
(mail class, card mode, duplex, sort order, provider), web addresses, outcomes and their
mapping, call windows, the ink colour, the experiment and the time zone. Each refusal names
the key and the fix. Number ranges live in `config_ranges`; `config.load` calls `validate`.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING

from mailer.domain.daytimes import windows_problem
from mailer.domain.experiments import experiment_problem
from mailer.domain.models import CALL_FIELDS, Outcome
from mailer.domain.postcards import CardMode, Duplex, sizes_for
from mailer.errors import ConfigError

if TYPE_CHECKING:
    from mailer.config import Config

MAIL_CLASSES = ("first_class", "marketing")
CARD_MODES = tuple(CardMode)
DUPLEX_MODES = tuple(Duplex)
SORT_ORDERS = ("zip", "name", "input")
PROVIDERS = ("lob", "postgrid")
MAX_URL_LENGTH = 300
"""The longest offer.url: its QR code, an inch wide on the card, still scans from print."""


def validate(config: Config, path: Path) -> None:
    """Rules that span more than one value's type."""

    def fail(key: str, message: str, hint: str) -> typing.NoReturn:
        raise ConfigError(f"{path}: '{key}' {message}", hint=hint)

    offer = config.offer
    if offer.url and not offer.url.startswith(("https://", "http://")):
        fail("offer.url", f"is {offer.url!r}", "write a full web address starting with https://")
    if len(offer.url) > MAX_URL_LENGTH:
        fail(
            "offer.url",
            f"is {len(offer.url):,} characters long; a card's QR code holds {MAX_URL_LENGTH}",
            "a longer address makes a code too dense to scan from a postcard: use a short link",
        )
    mail = config.mail
    if mail.mail_class not in MAIL_CLASSES:
        fail("mail.class", f"is {mail.mail_class!r}", f"use one of: {', '.join(MAIL_CLASSES)}")
    if mail.mode not in CARD_MODES:
        fail("mail.mode", f"is {mail.mode!r}", f"use one of: {', '.join(CARD_MODES)}")
    sizes = sizes_for(mail.mode)
    if mail.size not in sizes:
        fail(
            "mail.size",
            f"is {mail.size!r} for {mail.mode} mode",
            f"use one of: {', '.join(sizes)}",
        )
    cadence = config.cadence
    allowed = {o.value for o in Outcome} - {Outcome.OPT_OUT.value} | {"connected_thank_you"}
    for outcome, step in cadence.outcomes.items():
        if outcome not in allowed:
            fail(
                f"cadence.outcomes.{outcome}",
                "is not an outcome",
                f"use one of: {', '.join(sorted(allowed))} (opt-outs are always suppressed)",
            )
        if not step or not all(c.isalnum() or c in "-_" for c in step):
            fail(
                f"cadence.outcomes.{outcome}",
                f"is {step!r}",
                "use a template name, 'call' or 'skip'",
            )
    pr = config.print
    if pr.duplex not in DUPLEX_MODES:
        fail("print.duplex", f"is {pr.duplex!r}", f"use one of: {', '.join(DUPLEX_MODES)}")
    if pr.sort not in SORT_ORDERS:
        fail("print.sort", f"is {pr.sort!r}", f"use one of: {', '.join(SORT_ORDERS)}")
    prov = config.provider
    if prov.name not in PROVIDERS:
        fail("provider.name", f"is {prov.name!r}", f"use one of: {', '.join(PROVIDERS)}")
    if prov.use_type not in ("marketing", "operational"):
        fail("provider.use_type", f"is {prov.use_type!r}", "use marketing or operational")
    _validate_mapping(config, fail)
    if problem := windows_problem(config.followups.windows, config.followups.call_window):
        fail(*problem)
    ink = config.templates.ink  # a hex colour, as card.toml writes one
    if ink and not re.fullmatch(r"#?(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})", ink.strip()):
        fail("templates.ink", f"is {ink!r}, not a colour", 'use a hex colour such as "#1D3A6E"')
    if config.experiment and (problem := experiment_problem(config.experiment, MAX_URL_LENGTH)):
        fail(*problem)
    calls = config.calls
    if calls.timezone and _unknown_zone(calls.timezone):
        fail(
            "calls.timezone",
            f"is {calls.timezone!r}, not a time zone",
            'use a name such as "America/Los_Angeles" or "Europe/London", '
            'or "" for this computer\'s zone',
        )


def _validate_mapping(
    config: Config, fail: typing.Callable[[str, str, str], typing.NoReturn]
) -> None:
    """`[columns]` names mailer's fields and the headers they come from; `[outcomes]` names
    their words and mailer's outcomes (README, "Where your calls come from")."""
    outcomes = [o.value for o in Outcome]
    for key, value in config.columns.items():
        if key == "ignore":
            if not isinstance(value, list | tuple) or not all(isinstance(h, str) for h in value):
                fail("columns.ignore", f"is {value!r}", 'use a list of headers: ["Owner", "Tags"]')
            continue
        if key not in CALL_FIELDS:
            fail(
                f"columns.{key}",
                "is not a field mailer reads",
                f"use one of: {', '.join(CALL_FIELDS)} (or `ignore = [...]` for headers to skip)",
            )
        if not isinstance(value, str) or not value.strip():
            fail(
                f"columns.{key}",
                f"is {value!r}",
                f'write the header as your file has it: {key} = "Header as exported"',
            )
    for word, value in config.outcomes.items():
        key = "outcomes.default" if word == "default" else f'outcomes."{word}"'
        allowed = [*outcomes, "reject"] if word == "default" else outcomes
        if not isinstance(value, str) or value not in allowed:
            fail(key, f"is {value!r}, not an outcome", f"use one of: {', '.join(allowed)}")


def _unknown_zone(name: str) -> bool:
    """Whether `name` is no time zone (the date reader is loaded only for a config that
    names one: most commands never read a date)."""
    from mailer.domain.datetext import named_zone

    return named_zone(name) is None
