"""Which cards carry a code, the code a card shows, and the web address its QR code opens.

A sales card (a `mail` step with an offer) carries the code the ledger gave it
(`ledger.card_codes`). A card not recorded yet (a dry run's plan, a preview of a template the
ledger did not plan) shows the code it would most likely get, `candidate(step_key, 0)`,
marked provisional: the ledger gives the next candidate when that one is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from mailer.domain.card_codes import candidate, display
from mailer.domain.models import Action, MailStep

CODE_PARAMETER = "code"
"""The query parameter added to `offer.url` when it has no `{code}` placeholder."""

PLACEHOLDER = "{code}"


def is_sales_card(step: MailStep) -> bool:
    """A card with a sales message: the ones that carry a code (a thank-you or a birthday
    card has no offer, so no `offer_expires`)."""
    return step.action is Action.MAIL and step.offer_expires is not None


@dataclass(frozen=True, slots=True)
class StepCode:
    """A card's code as the seller meets it."""

    code: str
    provisional: bool
    """True when the ledger has not given the card its code yet (see the module doc)."""

    @property
    def display(self) -> str:
        """The printed form, "R2T3-DEH"."""
        return display(self.code)

    @property
    def shown(self) -> str:
        """The printed form, with "(provisional)" after a code not recorded yet."""
        return self.display + (" (provisional)" if self.provisional else "")


def step_code(step: MailStep) -> StepCode | None:
    """The code of a step's card: the ledger's, else a provisional one; None for a step
    without a sales card."""
    if not is_sales_card(step):
        return None
    if step.card_code:
        return StepCode(step.card_code, provisional=False)
    return StepCode(candidate(step.step_key, 0), provisional=True)


def code_url(url: str, code: str) -> str:
    """The address a card's QR code opens: `url` with `{code}` replaced by the code, or,
    without a placeholder, the code added as the `code` query parameter (an existing one
    of that name replaced), the rest of the query and the fragment kept as they were.
    An empty `url` stays empty: no QR code is drawn."""
    if not url:
        return url
    if PLACEHOLDER in url:
        return url.replace(PLACEHOLDER, code)
    parts = urlsplit(url)
    # The query's own text is kept as written (not decoded and encoded again): only a pair
    # named `code` is dropped, and the card's code (letters and digits) added at the end.
    kept = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] != CODE_PARAMETER]
    query = "&".join([*kept, f"{CODE_PARAMETER}={code}"])
    return urlunsplit(parts._replace(query=query))
