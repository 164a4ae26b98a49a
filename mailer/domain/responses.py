"""Responses: an order, a reply or a click that followed a card, and the rules that credit it
to one card (README, "Did it work?").

- **The window.** A response counts for a card from the day the card is expected to arrive
  until `attribution_days` after (60 by default, `[results] attribution_days`). A response
  found by who the person is (phone, email, contact id, name and address) before their card
  arrived is not that card's: it would have happened anyway.
- **A code proves the card.** A response that carries the card's code is credited from the
  day the card was sent: the card arrived early, or the code could not be known. The end of
  the window holds for codes too, so a code found again a year later is not a fresh result.
- **Several cards qualify.** The latest card that arrived before the response, inside its
  window, is credited: the card the person most likely had in hand.
- **Money** is whole cents, read from what shops and order sheets write ("$40", "1,234.50",
  "USD 40", "40,50 €").

Pure functions, no clock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from mailer.domain.card_codes import codes_in, display, read_code
from mailer.domain.models import UNANSWERED, CallRecord, Outcome

DEFAULT_ATTRIBUTION_DAYS = 60


class ResponseKind(StrEnum):
    """What a person did after a card."""

    ORDER = "order"
    """They bought (a shop order, a party-plan order sheet, a call with outcome `ordered`)."""
    REPLY = "reply"
    """They got in touch (a call where they read out the card's code)."""
    CLICK = "click"
    """They opened the card's link or scanned its QR code."""


class MatchedBy(StrEnum):
    """How a response was tied to its person and card, strongest first."""

    CODE = "code"
    PHONE = "phone"
    EMAIL = "email"
    CONTACT = "contact"
    NAME_ADDRESS = "name-address"


@dataclass(frozen=True, slots=True)
class SentCard:
    """A sales card that went out (printed or accepted by a provider), as crediting sees it."""

    step_key: str
    contact_id: str
    code: str
    sent: date
    arrives: date


@dataclass(frozen=True, slots=True)
class Credit:
    """The card a response is credited to (None: not credited), how, and why not;
    `contact_id` is the person found, credited or not."""

    card: SentCard | None
    matched_by: MatchedBy | None
    detail: str = ""
    contact_id: str = ""


def credited_card(
    cards: Iterable[SentCard], on: date, window_days: int, *, by_code: bool = False
) -> SentCard | None:
    """The card a response on `on` is credited to among `cards` (one person's, or the one
    card its code names): the latest to arrive before it, inside the window (module doc)."""
    qualify = [c for c in cards if _starts(c, by_code) <= on <= c.arrives + _days(window_days)]
    return max(qualify, key=lambda c: (c.arrives, c.sent, c.step_key), default=None)


def why_not_credited(cards: Iterable[SentCard], on: date, window_days: int, by_code: bool) -> str:
    """Why none of `cards` is credited with a response on `on`, in the seller's words."""
    cards = list(cards)
    if not cards:
        return "no card was sent to them"
    earlier = [c for c in cards if c.arrives <= on]
    if earlier:
        last = max(earlier, key=lambda c: c.arrives)
        late = (on - last.arrives).days
        return (
            f"{late} days after their card arrived ({last.arrives.isoformat()}), outside the "
            f"{window_days}-day window"
        )
    first = min(cards, key=lambda c: _starts(c, by_code))
    if by_code:
        return f"before card {display(first.code)} was sent ({first.sent.isoformat()})"
    return f"before their card arrived ({first.arrives.isoformat()})"


def credit(cards: Iterable[SentCard], on: date, window_days: int, matched_by: MatchedBy) -> Credit:
    """`credited_card` with how it was matched, or why not (the detail a seller reads)."""
    cards = list(cards)
    by_code = matched_by is MatchedBy.CODE
    card = credited_card(cards, on, window_days, by_code=by_code)
    if card is not None:
        return Credit(card, matched_by, contact_id=card.contact_id)
    person = cards[0].contact_id if cards else ""
    return Credit(None, None, why_not_credited(cards, on, window_days, by_code), person)


def _starts(card: SentCard, by_code: bool) -> date:
    return card.sent if by_code else card.arrives


def _days(n: int) -> timedelta:
    return timedelta(days=n)


# -- money -----------------------------------------------------------------------------------

# Patterns as text, compiled (and kept by `re`) when money is first read: every command
# loads this module through the config, few read an amount.
_CURRENCY = r"(?i)\b(?:usd|us\$|cad|eur|gbp|dollars?|bucks)\b|[$€£¥]"
# Whole units: plain digits, or groups of three split by one separator used throughout.
_WHOLE = r"\d+|\d{1,3}(?P<sep>[,. '])\d{3}(?:(?P=sep)\d{3})*"
_DECIMALS = r"(?P<mark>[.,])(?P<cents>\d{1,2})$"


MAX_AMOUNT_CENTS = 100_000_000
"""A million: more is a misread cell (an id in the total column), not one order."""


class AmountError(ValueError):
    """An amount that can't be read as money; the message says what was written."""


def read_amount(text: str) -> int | None:
    """Whole cents of an amount as shops write it ("$40", "40.00", "1,234.50", "USD 40",
    "40 €", "1.234,50 €"); None for an empty cell. One or two digits after a last dot or
    comma are cents; commas, dots, spaces or apostrophes between groups of three digits
    separate thousands (one kind throughout, not the cents' mark). Raises `AmountError` for
    anything else, a negative amount (a refund is not a response) included."""
    cleaned = re.sub(_CURRENCY, " ", text).strip()
    if not cleaned:
        if text.strip():
            raise AmountError(f"amount {text.strip()!r} has no number")
        return None
    negative = cleaned.startswith(("-", "(", "−")) or cleaned.endswith("-")
    cleaned = cleaned.strip("-()− ").strip()
    whole, cents, mark = cleaned, "0", ""
    if tail := re.search(_DECIMALS, cleaned):
        whole, cents, mark = cleaned[: tail.start()], tail["cents"].ljust(2, "0"), tail["mark"]
    grouped = re.fullmatch(_WHOLE, whole)
    if grouped is None or (mark and grouped["sep"] == mark):
        raise AmountError(f"amount {text.strip()!r} is not a sum of money (write it as 40.00)")
    if negative:
        raise AmountError(f"amount {text.strip()!r} is negative: a refund is not a response")
    digits = re.sub(r"[,. ']", "", whole).lstrip("0")[:12]  # no int() of 4,300 digits
    total = int(digits or 0) * 100 + int(cents)
    if total > MAX_AMOUNT_CENTS:
        shown = text.strip() if len(text.strip()) <= 20 else text.strip()[:20] + "…"
        raise AmountError(f"amount {shown!r} is more than one order could be: check it")
    return total


# "$45", "45.00", "45 USD", "€40": money in a note needs a currency or cents, so "2 jars"
# or "call at 5" are never taken for an order's total.
_MONEY_IN_TEXT = (
    r"(?i)(?:[$€£]\s?|\b(?:usd|eur)\s?)(\d[\d,]*(?:\.\d{1,2})?)"
    r"|\b(\d[\d,]*\.\d{2})\b"
    r"|\b(\d[\d,]*(?:\.\d{1,2})?)\s?(?:[€£]|\b(?:usd|eur|dollars?)\b)"
)


def amounts_in(text: str) -> list[int]:
    """The sums of money written in a free-text note, in cents, in order."""
    found = []
    for match in re.finditer(_MONEY_IN_TEXT, text):
        number = next(g for g in match.groups() if g)
        try:
            cents = read_amount(number)
        except AmountError:
            continue
        if cents:
            found.append(cents)
    return found


# -- where a response comes from --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """One response as read: what, when, from where, and what it says about who and which
    card. `codes` are the valid card codes it carries, strongest first (a code column, then
    a link's query, then notes): only a code the ledger gave out credits a card."""

    key: str
    kind: ResponseKind
    at: datetime
    source: str
    file: str
    line: int
    amount_cents: int | None = None
    codes: tuple[str, ...] = ()
    contact_id: str = ""
    phone: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    street: str = ""
    postal_code: str = ""
    country: str = "US"


def response_key(
    kind: ResponseKind, source: str, own_id: str, on: date, content: Mapping[str, str]
) -> str:
    """The name a response keeps in its source, so the same one read again records nothing
    new: the source's own id (an order number) with the day of the response, when it has
    one, else a digest of what the row says, normalised (so a later export that spells a
    cell differently is the same). The day keeps apart two sheets that both number their
    orders from 1 (a party-plan sheet per party) while a shop's later export, repeating an
    order on its day, still finds it."""
    if own_id.strip():
        return f"{kind}|{source}|id|{' '.join(own_id.split()).casefold()}|{on.isoformat()}"
    said = "\x1f".join(f"{k}={content[k]}" for k in sorted(content) if content[k])
    digest = hashlib.sha256(said.encode()).hexdigest()[:24]
    return f"{kind}|{source}|row|{digest}"


CALL_SOURCE = "calls"
"""The source word of a response recorded from a call log."""

_AMOUNT_COLUMNS = ("amount", "order_total", "total", "order_amount", "sale", "sales")
_CODE_COLUMNS = ("code", "card_code", "promo_code", "promo", "coupon", "discount_code")
_REACHED_NO_REPLY = frozenset({Outcome.OPT_OUT, Outcome.WRONG_NUMBER, Outcome.NOT_INTERESTED})


def call_response(record: CallRecord) -> Response | None:
    """The response a call log row records, if any: an `ordered` call with a card code or an
    amount (in a `code`/`amount`/`order total` column or in the notes) is an order; another
    call that reached the person and names a card code is a reply (they read the code out).
    Known by the call's own key, so planning the same log again records nothing new."""
    if record.outcome in UNANSWERED or record.outcome in _REACHED_NO_REPLY:
        return None
    extra = {k.casefold(): v for k, v in record.extra.items()}
    code_cells = [extra[c] for c in _CODE_COLUMNS if extra.get(c, "").strip()]
    codes = [c for cell in code_cells if (c := read_code(cell))]
    codes += [c for text in [*code_cells, record.notes] for c in codes_in(text)]
    amount = None
    for column in _AMOUNT_COLUMNS:
        if extra.get(column, "").strip():
            try:
                amount = read_amount(extra[column])
            except AmountError:
                amount = None
            break
    if amount is None and (written := amounts_in(record.notes)):
        amount = written[0]
    codes = list(dict.fromkeys(codes))
    if record.outcome is Outcome.ORDERED:
        if not codes and amount is None:
            return None
        kind = ResponseKind.ORDER
    elif codes:
        kind, amount = ResponseKind.REPLY, None
    else:
        return None
    return Response(
        key=f"call|{record.call_key}",
        kind=kind,
        at=record.called_at,
        source=CALL_SOURCE,
        file=record.file,
        line=record.row,
        amount_cents=amount,
        codes=tuple(codes),
        contact_id=record.contact_id,
        phone=record.phone,
        email=record.email,
        first_name=record.first_name,
        last_name=record.last_name,
        street=f"{record.address.line1} {record.address.line2}".strip(),
        postal_code=record.address.postal_code,
        country=record.address.country or "US",
    )
