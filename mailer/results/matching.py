"""Which person and card a response belongs to: by the card's code, then the phone, the
email, the contact id, and the name with the postal address (README, "Recording
responses"), each compared the way the rest of mailer compares it (`domain.identity`,
`domain.contact_book`). The window and the choice among several cards are the domain's
rules (`domain.responses`); this module only finds the candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from mailer.domain.card_codes import display
from mailer.domain.contact_book import email_key, name_address_key
from mailer.domain.identity import id_key, normalize_phone
from mailer.domain.models import Address, CallRecord
from mailer.domain.responses import Credit, MatchedBy, Response, SentCard, credit

_MIN_PHONE_DIGITS = 7
BY_PERSON = (MatchedBy.PHONE, MatchedBy.EMAIL, MatchedBy.CONTACT, MatchedBy.NAME_ADDRESS)
"""The order a response from a file is matched to a person in, after the card's code."""
CALL_BY_PERSON = (MatchedBy.CONTACT, MatchedBy.PHONE, MatchedBy.EMAIL, MatchedBy.NAME_ADDRESS)
"""A call's own contact id names the person the cards went to: it comes first; the phone
and email still find them when a later log identifies them differently."""


@dataclass
class CardIndex:
    """The sent sales cards, found by code and by each key of their person."""

    given: set[str] = field(default_factory=set)
    """Every code the ledger gave out, the cards that never went out included."""
    by_code: dict[str, SentCard] = field(default_factory=dict)
    by_person: dict[MatchedBy, dict[str, list[SentCard]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    held: dict[MatchedBy, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    """The contacts an experiment held out (no card), by each key: their contact id."""


def build_index(
    cards: Iterable[tuple[SentCard, CallRecord]],
    given: set[str],
    held: Iterable[CallRecord] = (),
) -> CardIndex:
    """The index of `cards` (each with the call record it was planned from) and of the
    people `held` out of an experiment."""
    index = CardIndex(given=set(given))
    for record in held:
        for by, key in _record_keys(record).items():
            index.held[by].setdefault(key, record.contact_id)
    for card, record in cards:
        index.by_code[card.code] = card
        for by, key in _record_keys(record).items():
            index.by_person[by][key].append(card)
    return index


def match(
    response: Response,
    index: CardIndex,
    window_days: int,
    by_person: tuple[MatchedBy, ...] = BY_PERSON,
) -> Credit:
    """The card `response` is credited to, or why none is: its code first, then each key of
    `by_person` in turn; the first key that credits a card wins, and a key that finds the
    person but no card inside the window is remembered as the reason, should no later key
    do better."""
    on = response.at.date()
    reasons: list[str] = []
    person = ""
    for code in response.codes:
        card = index.by_code.get(code)
        if card is None:
            reasons.append(
                f"card {display(code)} was never sent"
                if code in index.given
                else f"code {display(code)} was not given to any card in this ledger"
            )
            continue
        found = credit([card], on, window_days, MatchedBy.CODE)
        if found.card is not None:
            return found
        reasons.append(f"code {display(code)}: {found.detail}")
        person = person or found.contact_id
    keys = _person_keys(
        response.contact_id,
        response.phone,
        response.email,
        response.first_name,
        response.last_name,
        Address(line1=response.street, postal_code=response.postal_code),
        response.country,
    )
    for by in by_person:
        cards = index.by_person[by].get(keys[by], []) if by in keys else []
        if not cards:
            continue
        found = credit(cards, on, window_days, by)
        if found.card is not None:
            return found
        reasons.append(f"found by {by}: {found.detail}")
        person = person or found.contact_id
    if not person:  # no card found them: one held out of the experiment is still them
        for by in by_person:
            if by in keys and (held := index.held[by].get(keys[by])):
                reasons.append("held out of the experiment: no card was sent")
                person = held
                break
    if not reasons:
        said = [str(by) for by in by_person if by in keys]
        reasons.append(
            f"no card went to anyone with this {' or '.join(said)}"
            if said
            else "nothing in the row finds the person: no card code, phone, email, id, or name"
            " with a street and postal code"
        )
    return Credit(None, None, "; ".join(reasons), person)


def _record_keys(record: CallRecord) -> dict[MatchedBy, str]:
    """The keys of the person a card or a held-out step was planned for."""
    return _person_keys(
        record.contact_id,
        record.phone,
        record.email,
        record.first_name,
        record.last_name,
        record.address,
    )


def _person_keys(
    contact_id: str,
    phone: str,
    email: str,
    first_name: str,
    last_name: str,
    address: Address,
    country: str = "",
) -> dict[MatchedBy, str]:
    """A person's keys, each as every other part of mailer compares it."""
    keys: dict[MatchedBy, str] = {}
    if phone.strip():
        digits = normalize_phone(phone, (country or address.country or "US").upper())
        if len(digits) >= _MIN_PHONE_DIGITS:
            keys[MatchedBy.PHONE] = digits
    if email_found := email_key(email):
        keys[MatchedBy.EMAIL] = email_found
    if contact_id.strip():
        keys[MatchedBy.CONTACT] = id_key(contact_id)
    if named := name_address_key(first_name, last_name, address):
        keys[MatchedBy.NAME_ADDRESS] = named
    return keys
