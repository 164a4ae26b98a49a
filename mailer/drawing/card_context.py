"""What a card template sees (templates/README.md, "Variables"): the contact, the sender,
the step, and on sales cards the offer (a variant's, inside an experiment) and the card's own
code and the address its QR code opens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from mailer.config import Config, Offer, Sender
from mailer.domain.experiments import HOLDOUT, OFFER_FIELDS
from mailer.domain.models import MailStep
from mailer.domain.slugs import extra_column_key
from mailer.domain.step_codes import code_url, step_code
from mailer.drawing.templates import Fields
from mailer.errors import ConfigError


def step_offer(step: MailStep, config: Config) -> Offer:
    """The offer a step's card makes: `[offer]`, with what the step's experiment variant
    changes (its headline, details, code, url or tip)."""
    experiment = config.experiment
    if not step.variant or step.variant == HOLDOUT:
        return config.offer
    variant = experiment.variants.get(step.variant) if experiment else None
    if variant is None:  # never a card other than the one the ledger says was planned
        raise ConfigError(
            f"{step.contact_id}'s card was planned in experiment variant '{step.variant}', "
            "which mailer.toml no longer has",
            hint="put the variant back in [experiment] to draw these cards, or plan the calls "
            "again with the experiment as it is now",
        )
    changes = {name: getattr(variant, name) for name in OFFER_FIELDS if getattr(variant, name)}
    return dataclasses.replace(config.offer, **changes)


def qr_url(step: MailStep, config: Config) -> str:
    """The address a sales card's QR code opens: the offer's url carrying the card's code
    (`domain.step_codes.code_url`); empty without an offer url."""
    url = step_offer(step, config).url
    code = step_code(step)
    return code_url(url, code.code) if code else url


def contact_variables(step: MailStep) -> Fields:
    """`contact`: the call log's fields plus every extra column, under its own header and
    as a snake_case key (`Favorite Scent` -> `favorite_scent`). The key is the one the
    call-log reader stores (`extra_column_key`), made again here for records made elsewhere."""
    r = step.record
    values: dict[str, Any] = {}
    for column, value in r.extra.items():
        values.setdefault(column, value)
        if key := extra_column_key(column):
            values.setdefault(key, value)
    values.update(
        id=r.contact_id,
        contact_id=r.contact_id,
        first_name=r.first_name,
        last_name=r.last_name,
        name=r.name,
        phone=r.phone,
        email=r.email,
        address_line1=r.address.line1,
        address_line2=r.address.line2,
        city=r.address.city,
        state=r.address.state,
        postal_code=r.address.postal_code,
        country=r.address.country,
        birthday=r.birthday,
        notes=r.notes,
        outcome=str(r.outcome),
        called_at=r.called_at,
    )
    return Fields("contact", values)


def card_context(step: MailStep, config: Config, *, sales: bool) -> dict[str, Any]:
    """Everything a template may use. Cards without a sales message get no `offer`, no
    `card` (its code) and no `step.offer_expires`, so such a template can't mention them
    even by mistake."""
    if not sales and step.variant and step.variant != HOLDOUT:
        raise ConfigError(
            f"{step.contact_id}'s card is experiment variant '{step.variant}', but its "
            f"template '{step.template}' has no sales message (sales = false in card.toml)",
            hint="an experiment compares sales cards: give the variant a template with "
            "sales = true, then plan again",
        )
    step_vars: dict[str, Any] = {
        "template": step.template,
        "reason": step.reason,
        "action": str(step.action),
        "send_date": step.send_date,
        "expected_delivery": step.expected_delivery,
        "follow_up_call": step.follow_up_call,
    }
    context: dict[str, Any] = {
        "contact": contact_variables(step),
        "sender": sender_variables(config.sender),
        "step": step_vars,
    }
    if sales:
        o = step_offer(step, config)
        step_vars["offer_expires"] = step.offer_expires
        context["card"] = card_variables(step, o, config)
        context["offer"] = offer_variables(o)
    context["step"] = Fields("step", step_vars)
    return context


def sender_variables(s: Sender) -> Fields:
    """`sender`: the same on every card, so its values are read once per sender; each card
    gets its own copy (`_own`)."""
    return _own(_kept(s, _sender_fields))


def offer_variables(o: Offer) -> Fields:
    """`offer`: the `[offer]` (or a variant's), read once per offer, as `sender` is."""
    return _own(_kept(o, _offer_fields))


def _own(fields: Fields) -> Fields:
    """A card's own copy of kept fields. The sandbox lets a template change a dict it is
    given (`update`, `pop`, `setdefault`), and what one card's template does must never
    reach another card: a card's bytes depend on that card alone."""
    return Fields(
        fields._mailer_label,
        {k: _own(v) if isinstance(v, Fields) else v for k, v in fields.items()},
    )


_KEPT: dict[int, tuple[object, Fields]] = {}
"""Fields made from a part of the config, by the identity of that part (it is frozen)."""


def _kept(part: Sender | Offer, make: Callable[[Any], Fields]) -> Fields:
    found = _KEPT.get(id(part))
    if found is None or found[0] is not part:
        if len(_KEPT) > 16:
            _KEPT.clear()
        found = _KEPT[id(part)] = (part, make(part))
    return found[1]


def _sender_fields(s: Sender) -> Fields:
    ra = s.return_address
    return Fields(
        "sender",
        {
            "name": s.name,
            "first_name": s.first_name,
            "company": s.company,
            "phone": s.phone,
            "email": s.email,
            "return_address": Fields(
                "sender.return_address",
                {
                    "line1": ra.line1,
                    "line2": ra.line2,
                    "city": ra.city,
                    "state": ra.state,
                    "postal_code": ra.postal_code,
                    "country": ra.country,
                },
            ),
        },
    )


def _offer_fields(o: Offer) -> Fields:
    return Fields(
        "offer",
        {
            "headline": o.headline,
            "details": o.details,
            "code": o.code,
            "url": o.url,
            "offer_days": o.offer_days,
            "tip": o.tip,
        },
    )


def _code_url(url: str, code: str) -> str:
    """`domain.step_codes.code_url`, the url taken apart once (a card's code goes in
    verbatim, wherever the rule puts it): most batches have one offer url."""
    pieces = _url_pieces(url)
    return code.join(pieces) if pieces else code_url(url, code)


_MARK = "\x00"
"""Stands for the code while a url is taken apart: no web address holds it."""


@lru_cache(maxsize=16)
def _url_pieces(url: str) -> tuple[str, ...]:
    """`url` with the code put in, cut where it went; empty if the url holds `_MARK`."""
    return () if _MARK in url else tuple(code_url(url, _MARK).split(_MARK))


def card_variables(step: MailStep, offer: Offer, config: Config) -> Fields:
    """`card`: the card's code (`domain.step_codes`) as stored, as printed, and after the
    offer code ("NOTE20-R2T3DEH"), the address its QR code opens, and its experiment
    variant. Empty strings on a call without a card (a script's phone-only call)."""
    code = step_code(step)
    experiment = config.experiment
    values: dict[str, Any] = {
        "code": code.code if code else "",
        "display": code.display if code else "",
        "offer_code": "",
        "provisional": code.provisional if code else False,
        "url": _code_url(offer.url, code.code) if code else "",  # `qr_url`, from what is known
        "variant": step.variant or "",
        "experiment": experiment.name if experiment and step.variant else "",
    }
    if code:
        values["offer_code"] = f"{offer.code}-{code.code}" if offer.code else code.display
    return Fields("card", values)
