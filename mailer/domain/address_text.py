"""An address written in one cell ("1418 Oak Ridge Dr, Springfield, IL 62704"), as contact
books and CRMs often export it, split into the street line, unit, city, state, ZIP code and
country a card needs.

usaddress labels each word (street number, street name, unit, place, state, ZIP); the split
is taken only when the labels read in an address's order with a city and a US state, so a
foreign address or free text is never cut up by a guess: it stays whole as the street line
and the reader says so (README, "Dates, names and addresses"). The normalizing to USPS style
happens later, in `addresses`, as for an address given in columns. Pure functions over text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, cast

from mailer.domain.addresses import US_STATES
from mailer.domain.countries import country_code

_PARTS = (
    (
        "line1",
        frozenset(
            {
                "AddressNumberPrefix",
                "AddressNumber",
                "AddressNumberSuffix",
                "StreetNamePreModifier",
                "StreetNamePreDirectional",
                "StreetNamePreType",
                "StreetName",
                "StreetNamePostType",
                "StreetNamePostDirectional",
                "StreetNamePostModifier",
                "USPSBoxType",
                "USPSBoxID",
                "USPSBoxGroupType",
                "USPSBoxGroupID",
            }
        ),
    ),
    ("line2", frozenset({"OccupancyType", "OccupancyIdentifier", "SubaddressType",
                         "SubaddressIdentifier"})),
    ("city", frozenset({"PlaceName"})),
    ("state", frozenset({"StateName"})),
    ("postal_code", frozenset({"ZipCode", "ZipPlus4"})),
    ("country", frozenset({"CountryName"})),
)  # fmt: skip
"""The parts of an address in the order they are written, and usaddress's labels for each."""
_ORDER = {label: (index, part) for index, (part, labels) in enumerate(_PARTS) for label in labels}


class AddressParts(NamedTuple):
    """One address cell, split."""

    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str


def looks_whole(text: str) -> bool:
    """Whether a street-line cell seems to hold a whole address (a comma or a line break
    after the street): only such a cell is worth splitting."""
    return "," in text or "\n" in text.strip()


def split_address(text: str) -> AddressParts | None:
    """The parts of a one-cell US address, or None when it doesn't read as one (the caller
    keeps the text as the street line and says so)."""
    flat = ", ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return _split(" ".join(flat.split())) if flat else None


@lru_cache(maxsize=4096)
def _split(text: str) -> AddressParts | None:
    import usaddress

    try:
        tagged = usaddress.parse(text)
    except Exception:  # usaddress raises its own errors (a repeated label) and others
        return None
    found: dict[str, list[str]] = {part: [] for part, _ in _PARTS}
    position = 0
    for token, label in tagged:
        if label not in _ORDER:
            return None  # a recipient, a landmark, free text: not a plain address
        index, part = _ORDER[label]
        if index < position:
            return None  # a part after the one that should follow it: a guess
        position = index
        word = token.strip(",; ")
        if word:
            found[part].append(word)
    parts = {part: " ".join(words).replace("# ", "#") for part, words in found.items()}
    if not (parts["line1"] and parts["city"] and _is_us_state(parts["state"])):
        return None
    return AddressParts(**parts)


def _is_us_state(text: str) -> bool:
    from scourgify.address_constants import STATE_ABBREVIATIONS

    state = " ".join(text.replace(".", "").upper().split())
    return state in US_STATES or state in STATE_ABBREVIATIONS


def address_from_cell(line1: str, line2: str, country: str) -> tuple[AddressParts, str | None]:
    """A street column holding a whole address (`looks_whole`) when no city, state or ZIP
    column is filled: its parts, or the text kept whole as the street line with the notice
    that says so. Only a US address (`country` "US") is split; `country` is the row's ISO-2
    code, kept unless the cell names one."""
    parts = split_address(line1) if country == "US" else None
    if parts is None:
        return AddressParts(line1, line2, "", "", "", country), (
            f"address {' '.join(line1.split())!r} could not be split into street, city, "
            "state and ZIP code, so it is kept whole as the street line; "
            "give city, state and ZIP in columns of their own"
        )
    written = parts.country
    return parts._replace(
        line2=line2 or parts.line2,
        country=(country_code(written) or written) if written else country,
    ), None


def address_parts(
    line1: str, line2: str, city: str, state: str, postal_code: str, country: str
) -> tuple[AddressParts, str | None]:
    """A row's address columns as parts: as given, unless the street column holds the whole
    address and no city, state or ZIP column is filled (`address_from_cell`, with its
    notice when it can't be split). Call logs and contact books read addresses by this."""
    if not (city or state or postal_code) and looks_whole(line1):  # (most rows: a city)
        return address_from_cell(line1, line2, country)
    return _parts(AddressParts, (line1, line2, city, state, postal_code, country)), None


# `AddressParts(*fields)` in one C-level call (a named tuple's own constructor is a Python
# function): a log's reader asks for the parts of every contact's address.
_parts = cast("Callable[[type[AddressParts], tuple[str, ...]], AddressParts]", tuple.__new__)
