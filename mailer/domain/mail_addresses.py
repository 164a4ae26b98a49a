"""Whether an address takes a card (`mail_problem`), and one plan's addresses as a card
prints them (`MailAddresses.mailed`), each address object worked out once.

A log's rows share one `Address` a household (`reading.people`), so each is found by
identity, without hashing its six fields. Most are a clean US address ("1418 Oak Ridge Dr",
no second line, a state code, a five-digit ZIP, country "US") on one of a few streets in one
of a few cities: for those the house number is read and the street and the city are looked
up in what this plan has read of them before (each read once by `addresses`' own rules:
`normalize` would read every part of every address again); a street the quick way can't
read goes straight to the full parser's answer for it (`house_numbers`), where `normalize`
would come to it after every other check. Anything else goes to `addresses.normalize` and
`mailability_problem`.
`tests/test_mail_addresses.py` holds the quick ways to the same answers as them.
"""

from __future__ import annotations

from mailer.domain.addresses import (
    US_STATES,
    _parsed_american,
    _plain,
    mailability_problem,
    normalize,
)
from mailer.domain.house_numbers import parsed_by_street
from mailer.domain.models import Address, CallRecord, addressed_record
from mailer.domain.normalized import new_address
from mailer.domain.street_lines import plain_city, plain_street_line

Mailed = tuple[tuple[str, ...], Address]
"""The printed lines (without the name) and the normalized fields of an address."""


class MailAddresses:
    """The addresses of one plan (see the module doc). The addresses asked about are kept
    with their answers (an object's id stays its own while it lives)."""

    def __init__(self) -> None:
        self._mailed: dict[int, tuple[Address, Mailed]] = {}
        self._streets: dict[str, str | None] = {}
        """A street as written after the house number: how a card prints it after the
        number, or None when the full normalizer must read the line."""
        self._cities: dict[str, str | None] = {}
        """A city as written: how a card prints it, or None (not a plain city)."""
        self._fresh = normalize.__wrapped__  # (its cache would hash each address)

    def addressed(self, record: CallRecord) -> CallRecord:
        """`with_mail_address(record)`: the record carrying its address as cards print it."""
        if record.mail_address is not None:
            return record
        address = record.address
        known = self._mailed.get(id(address))  # (`mailed`'s kept answer, asked here first)
        lines, mailed = self.mailed(address) if known is None else known[1]
        return addressed_record(record, lines, mailed)

    def mailed(self, address: Address) -> Mailed:
        """`normalize(address)`'s lines and fields."""
        known = self._mailed.get(id(address))
        if known is not None:
            return known[1]
        found: Mailed | None = None
        postal = address.postal_code
        if (  # a clean US address (`mail_problem`) without a second line, first asked here
            address.country == "US"
            and not address.line2
            and address.state in US_STATES
            and len(postal) == 5
            and postal.isascii()
            and postal.isdigit()
        ):
            found = self._quick(address)
        if found is None:
            normalized = self._fresh(address)
            found = (normalized.lines, normalized.address)
        self._mailed[id(address)] = (address, found)
        return found

    def _quick(self, address: Address) -> Mailed | None:
        """An address as `mailed`'s test says whose line starts with a house number: a
        street the quick way reads (`street_lines`) in a plain city by that way, any other
        by the full parser's answer for its street (`house_numbers`), as `normalize` reads
        a clean US address; None for another line."""
        number, _, street = address.line1.partition(" ")
        if not number.isdigit() or number[0] == "0":
            return None  # (as `plain_street_line` reads a house number)
        try:
            words = self._streets[street]
        except KeyError:  # the street's first house in this plan
            words = _street_words(street, self._streets)
        try:
            city = self._cities[address.city]
        except KeyError:
            city = _city(address.city, self._cities)
        if city is None and (not address.city or address.city.isspace()):
            return None  # no city: not a clean address after all
        if words is None or city is None:  # where `normalize` comes to for a clean address
            parsed = parsed_by_street(address, _parsed_american)
            return parsed.lines, parsed.address
        line1 = f"{number} {words}"
        state, postal = address.state, address.postal_code
        fields = new_address(line1, "", city, state, postal, "US")
        return (line1, f"{city} {state} {postal}"), fields


def mail_problem(address: Address) -> str | None:
    """`mailability_problem(address)`, without hashing a clean address for its cache: one
    that takes a card and is American by the simplest reading (country "US", a state code,
    a five-digit ZIP, a street line starting with its number, a city), each part as
    `mailability_problem` would find it."""
    postal, city = address.postal_code, address.city
    if (
        address.country == "US"
        and address.state in US_STATES
        and len(postal) == 5
        and postal.isascii()
        and postal.isdigit()
        and address.line1[:1].isdigit()
        and city != ""
        and not city.isspace()
    ):
        return None
    return mailability_problem(address)


def _street_words(street: str, streets: dict[str, str | None]) -> str | None:
    """What a card prints after the house number for a line "NUMBER `street`", as the quick
    way reads the whole line (`plain_street_line` reads a number only as one that starts
    with no zero), kept for the plan's other houses."""
    line = plain_street_line(_plain(f"1 {street}"))
    words = streets[street] = None if line is None else line[2:]
    return words


def _city(city: str, cities: dict[str, str | None]) -> str | None:
    plain = _plain(city)
    found = cities[city] = plain if plain_city(plain) else None
    return found
