"""The contact book's nouns: one person as the seller's contact book knows them, and the key
that finds the same person by name and postal address (README, "The contact book").

The name-and-address key is also an id the suppression list holds (README, the ledger): an
opted-out person who comes back in an export that gives only a name and an address is the
same person. It is built cheaply (no address parser): case, accents and punctuation folded,
the USPS street-type, direction and unit words abbreviated, the ZIP code cut to five digits,
so "12 Elm Street, Apt. 4" and "12 ELM ST APT 4" give one key. Pure functions over text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from mailer.domain.identity import normalize_phone
from mailer.domain.models import Address
from mailer.domain.slugs import slug


@dataclass(frozen=True, slots=True)
class Contact:
    """One entry of the contact book. `phone` is as written; `phone_key` its digits (the
    form `domain.identity` compares). `source_file`/`source_line` say where it was last read;
    `edited_at` is set when the seller corrected it by hand (`mailer contacts edit`)."""

    contact_id: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    address: Address = field(default_factory=Address)
    birthday: date | None = None
    source_file: str = ""
    source_line: int = 0
    updated_at: datetime | None = None
    edited_at: datetime | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def phone_key(self) -> str:
        return phone_key(self.phone, self.address.country)

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    @property
    def address_key(self) -> str:
        return name_address_key(self.first_name, self.last_name, self.address)


_MIN_PHONE_DIGITS = 7


def phone_key(phone: str, region: str = "US") -> str:
    """The digits a phone is compared by (`identity.normalize_phone`, a national number read
    in `region`, the person's country); empty when too short to be a person's number."""
    digits = normalize_phone(phone, region or "US")
    return digits if len(digits) >= _MIN_PHONE_DIGITS else ""


def email_key(email: str) -> str:
    """An email compared without case or surrounding spaces; empty when it is not one."""
    text = email.strip().casefold()
    return text if "@" in text else ""


def name_address_key(first_name: str, last_name: str, address: Address) -> str:
    """`a-<name>-<street>-<zip5>`: the same person at the same address, however either was
    typed; empty unless the name, a street line and a postal code are all given."""
    postal = _postal_key(address.postal_code)
    if not postal:
        return ""
    name = "-".join(_words(f"{first_name} {last_name}"))
    street = street_key(f"{address.line1} {address.line2}")
    return f"a-{name}-{street}-{postal}" if name and street else ""


def has_street(address: Address) -> bool:
    return bool(address.line1.strip() or address.line2.strip())


def same_address(a: Address, b: Address) -> bool:
    """Two addresses that differ only in how they were typed."""
    return (street_key(f"{a.line1} {a.line2}"), _postal_key(a.postal_code)) == (
        street_key(f"{b.line1} {b.line2}"),
        _postal_key(b.postal_code),
    )


@lru_cache(maxsize=8192)  # a contact's rows repeat their street
def street_key(text: str) -> str:
    """A street line's words, folded and abbreviated the USPS way, joined by `-`."""
    words: list[str] = []
    abbreviations = _abbreviations()
    for word in _words(text.replace("#", " apt ")):
        word = abbreviations.get(word, word)
        if not words or words[-1] != word:  # "Apt #4" and "Apt 4" alike
            words.append(word)
    return "-".join(words)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> list[str]:
    """The words of `text` as `slugs.slug` folds them (ASCII text, the usual case, without
    the Unicode decomposition: planning asks this for every row)."""
    if text.isascii():
        return _NOT_ALNUM.sub(" ", text.lower()).split()
    return slug(text, " ").split()


def _postal_key(postal_code: str) -> str:
    compact = "".join(postal_code.split()).replace("-", "").lower()
    return compact[:5] if compact.isdigit() else compact


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    """Street words and their postal abbreviations, loaded when first needed (the address
    library is slow to import, and most commands never compare addresses)."""
    from scourgify.address_constants import (
        DIRECTIONAL_REPLACEMENTS,
        OCCUPANCY_TYPE_ABBREVIATIONS,
        STREET_TYPE_ABBREVIATIONS,
    )

    table: dict[str, str] = {}
    for source in (
        STREET_TYPE_ABBREVIATIONS,
        DIRECTIONAL_REPLACEMENTS,
        OCCUPANCY_TYPE_ABBREVIATIONS,
    ):
        table.update({k.casefold(): v.casefold() for k, v in source.items()})
    return table
