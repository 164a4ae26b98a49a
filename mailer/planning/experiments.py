"""`[experiment]` applied to a plan, and a recorded plan's cards given their codes.

`apply_experiment` is pure: each sales card of the plan takes the variant the contact is
dealt (`domain.experiments.assign`), its template when the variant names one; a contact of
the holdout share gets the follow-up call on the same day and no card. Every other step (a
thank-you, a birthday card, a call, a skip) is left as the cadence made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mailer.config import Config
from mailer.domain.experiments import HOLDOUT, Experiment, assign
from mailer.domain.models import Action, CallPurpose, MailStep
from mailer.domain.step_codes import is_sales_card
from mailer.errors import ConfigError
from mailer.ledger import Ledger
from mailer.planning.cadence import NO_SALES_TEMPLATES
from mailer.planning.feasibility import weekday


def apply_experiment(steps: Sequence[MailStep], config: Config) -> list[MailStep]:
    """The plan's steps with the experiment's variants (see the module doc)."""
    experiment = config.experiment
    if experiment is None:
        return list(steps)
    check_variants(experiment, config)
    planned = []
    for step in steps:
        if is_sales_card(step):
            variant = assign(experiment, step.contact_id)
            if variant == HOLDOUT:
                step = held_out(step, experiment.name)
            else:
                template = experiment.variants[variant].template or step.template
                step = replace(step, template=template, variant=variant)
        planned.append(step)
    return planned


def held_out(step: MailStep, experiment: str) -> MailStep:
    """A sales card's step for a contact of the holdout share: the follow-up call on the
    day it would have come after the card, and no card (a phone-only cycle)."""
    day = step.follow_up_call
    said = f"call again {weekday(day)}" if day is not None else "no call"
    return MailStep(
        step.record,
        Action.CALL,
        f"{step.reason}; held out of experiment '{experiment}': no card, {said}",
        follow_up_call=day,
        history_rows=step.history_rows,
        attempt=step.attempt,
        purpose=CallPurpose.FOLLOW_UP if day is not None else None,
        missed_at=step.missed_at,
        variant=HOLDOUT,
    )


def check_variants(experiment: Experiment, config: Config) -> None:
    """A variant's template must be a sales card: a thank-you or birthday card has no
    offer, no code and no follow-up call to compare."""
    for name, variant in experiment.variants.items():
        if variant.template in NO_SALES_TEMPLATES:
            raise ConfigError(
                f"{config.source or 'mailer.toml'}: 'experiment.variants.{name}.template' is "
                f"{variant.template!r}, a card without a sales message",
                hint="name a sales template (offer, or your own with sales = true), or leave "
                "template out to keep the plan's",
            )


def with_card_codes(steps: Sequence[MailStep], ledger: Ledger) -> tuple[MailStep, ...]:
    """The recorded plan's sales cards with the codes the ledger gave them."""
    codes = ledger.card_codes(s.step_key for s in steps if is_sales_card(s) and not s.card_code)
    if not codes:
        return tuple(steps)
    return tuple(
        replace(s, card_code=codes[s.step_key]) if s.step_key in codes else s for s in steps
    )
