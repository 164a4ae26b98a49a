"""Postal addresses: what can be mailed, and the lines printed on a card.

US addresses are normalized to USPS Publication 28 style (upper case, standard abbreviations,
no punctuation but the ZIP+4 hyphen, `APT`/`STE`/`UNIT` rather than `#`) with
usaddress-scourgify. The parser is guarded: whenever it fails or would have to guess (PO
boxes, a missing state, numbers it would change) the address is kept as written, only upper
cased and stripped of punctuation. Canadian addresses follow Canada Post's layout
(`CITY PR  A1A 1A1`, then `CANADA`); other countries get their name alone on the last line.
The original `Address` is never modified: it lives on in the `CallRecord`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from mailer.domain.house_numbers import parsed_by_street
from mailer.domain.models import Address, CallRecord, addressed_record
from mailer.domain.normalized import NormalizedAddress as NormalizedAddress
from mailer.domain.normalized import new_address, normalized_address
from mailer.domain.street_lines import plain_city, plain_street_line

# USPS two-letter codes: states, DC, territories, freely associated states and military mail.
# fmt: off
US_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP",
))
# fmt: on

CANADIAN_PROVINCES = {
    "AB": "ALBERTA",
    "BC": "BRITISH COLUMBIA",
    "MB": "MANITOBA",
    "NB": "NEW BRUNSWICK",
    "NL": "NEWFOUNDLAND AND LABRADOR",
    "NS": "NOVA SCOTIA",
    "NT": "NORTHWEST TERRITORIES",
    "NU": "NUNAVUT",
    "ON": "ONTARIO",
    "PE": "PRINCE EDWARD ISLAND",
    "QC": "QUEBEC",
    "SK": "SASKATCHEWAN",
    "YT": "YUKON",
}
_PROVINCE_CODES = {name: code for code, name in CANADIAN_PROVINCES.items()} | {
    "QUÉBEC": "QC",
    "PQ": "QC",
    "NEWFOUNDLAND": "NL",
    "YUKON TERRITORY": "YT",
    "PEI": "PE",
}

_US_NAMES = frozenset(
    {"", "US", "USA", "U S", "U S A", "UNITED STATES", "UNITED STATES OF AMERICA", "AMERICA"}
)
_CANADA_NAMES = frozenset({"CA", "CAN", "CANADA"})

# ISO 3166 codes of the countries most often written as a code in a contact list; anything
# else is printed as written (upper case), which is what the sender typed for the post office.
COUNTRY_NAMES = {
    "AR": "ARGENTINA",
    "AT": "AUSTRIA",
    "AU": "AUSTRALIA",
    "BE": "BELGIUM",
    "BR": "BRAZIL",
    "CH": "SWITZERLAND",
    "CL": "CHILE",
    "CN": "CHINA",
    "CO": "COLOMBIA",
    "CZ": "CZECH REPUBLIC",
    "DE": "GERMANY",
    "DK": "DENMARK",
    "ES": "SPAIN",
    "FI": "FINLAND",
    "FR": "FRANCE",
    "GB": "UNITED KINGDOM",
    "GR": "GREECE",
    "HK": "HONG KONG",
    "IE": "IRELAND",
    "IL": "ISRAEL",
    "IN": "INDIA",
    "IT": "ITALY",
    "JP": "JAPAN",
    "KR": "SOUTH KOREA",
    "MX": "MEXICO",
    "NL": "NETHERLANDS",
    "NO": "NORWAY",
    "NZ": "NEW ZEALAND",
    "PH": "PHILIPPINES",
    "PL": "POLAND",
    "PT": "PORTUGAL",
    "SE": "SWEDEN",
    "SG": "SINGAPORE",
    "UK": "UNITED KINGDOM",
    "ZA": "SOUTH AFRICA",
}
_COUNTRY_CODES = {name: code for code, name in COUNTRY_NAMES.items() if code != "UK"}

# The three-digit ZIP prefixes below 100, by state (USPS): the only ZIP codes a spreadsheet
# can shorten. NY has 005 (Holtsville) and 063 (Fishers Island); MA has 055 (Andover).
_ZERO_ZIP_PREFIXES: dict[str, tuple[tuple[int, int], ...]] = {
    "NY": ((5, 5), (63, 63)),
    "PR": ((6, 7), (9, 9)),
    "VI": ((8, 8),),
    "MA": ((10, 27), (55, 55)),
    "RI": ((28, 29),),
    "NH": ((30, 38),),
    "ME": ((39, 49),),
    "VT": ((50, 54), (56, 59)),
    "CT": ((60, 69),),
    "NJ": ((70, 89),),
    "AE": ((90, 98),),
}

# A delivery line longer than this gets its secondary unit on the line above (Pub 28 allows
# either; about 40 characters is what fits the OCR read area at a legible size).
MAX_DELIVERY_LINE = 40

_CANADIAN_POSTAL = re.compile(r"^([A-Z]\d[A-Z])\s*(\d[A-Z]\d)$")
_PO_BOX = re.compile(r"^\s*(P\s*\.?\s*O\s*\.?|POST\s+OFFICE)\s*BOX\b", re.IGNORECASE)
_DESIGNATOR_HASH = re.compile(
    r"\b(APT|APARTMENT|STE|SUITE|UNIT|RM|ROOM|FL|FLOOR|BLDG|LOT|SPC|TRLR|DEPT|OFC)\s*#\s*"
)
_LONE_HASH = re.compile(r"#\s*(?=[A-Z0-9])")
_UNIT_LINE = re.compile(
    r"^(?:(?:APT|APP|APARTMENT|STE|SUITE|BUREAU|UNIT|UNITE|UNITÉ|RM|ROOM|FL|FLOOR)\b|#)"
)
# Punctuation Pub 28 drops; hyphens and slashes stay ("123-45 QUEENS BLVD", "12 1/2 MAIN ST").
_DROPPED = str.maketrans(dict.fromkeys(".'\"`!?()[]{}*", "") | {",": " ", ";": " ", ":": " "})
_PUNCTUATION = re.compile("[" + re.escape(".'\"`!?()[]{}*,;:") + "]")
"""A character `_DROPPED` changes."""


_DISTINCT_ADDRESSES = 1 << 12
"""How many addresses the caches below keep: a plan asks for each address twice in a row
(the cadence, then `normalize`), so a few thousand serve a log of any size, and memory
stays flat however many contacts it has."""


_US_ZIP = re.compile(r"\d{5}(-\d{4})?")


@lru_cache(maxsize=_DISTINCT_ADDRESSES)  # asked by the cadence, then by `normalize`
def mailability_problem(address: Address) -> str | None:
    """Why a card can't go to this address, or None when it can."""
    if address.is_empty():
        return "no mailing address"
    if not (address.line1.strip() or address.line2.strip()):
        return "no street address"
    if not address.city.strip():
        return "no city"
    if not address.postal_code.strip():
        return "no postal code"
    kind = _country_kind(address)
    if kind == "US":
        if not address.state.strip():
            return "no state"
        if _us_state(address.state) not in US_STATES:
            return f"state {address.state.strip()!r} is not a US state or territory"
        if not _US_ZIP.fullmatch(_us_zip(address.postal_code, address.state)):
            return f"ZIP code {address.postal_code.strip()!r} is not 5 or 9 digits"
    return None


def delivery_lines(name: str, address: Address) -> list[str]:
    """The delivery address block: the name upper-cased, then the address lines; no blanks."""
    return _block(name, normalize(address).lines)


def name_line(name: str) -> str:
    """The addressee's line at the top of the delivery block: upper case, without periods or
    commas; empty for no name."""
    return " ".join(name.upper().replace(".", "").replace(",", " ").split())


def _block(name: str, lines: Sequence[str]) -> list[str]:
    return [line for line in (name_line(name), *lines) if line]


def mail_to(record: CallRecord) -> Address:
    """Where the card goes: the address the plan normalized, or normalized now."""
    return record.mail_address or normalize(record.address).address


def is_domestic(address: Address) -> bool:
    """A normalized address in the US (an empty country means the US): domestic postage,
    no POSTCARD word, and the providers' US address check applies."""
    return address.country in ("", "US")


def record_lines(record: CallRecord) -> list[str]:
    """The delivery block for a call's contact, from the plan's normalized address."""
    if record.mail_address is not None:
        return _block(record.name, record.mail_lines)
    return delivery_lines(record.name, record.address)


def with_mail_address(record: CallRecord) -> CallRecord:
    """The record carrying its normalized address (parsing an address costs about half a
    millisecond; the plan does it once for drawing, printing and sending)."""
    if record.mail_address is not None:
        return record
    normalized = normalize(record.address)
    return addressed_record(record, normalized.lines, normalized.address)


# A plan repeats the addresses of a log's households; later stages take the plan's
# normalized address from the record (`mail_to`), so the recent addresses are enough.
@lru_cache(maxsize=_DISTINCT_ADDRESSES)
def normalize(address: Address) -> NormalizedAddress:
    """Normalize an address for printing and for provider requests (cached: a batch asks for
    the same address several times)."""
    kind = _country_kind(address)
    if kind == "CA":
        result = _canadian(address)
    elif kind == "US":
        result = _american(address)
    else:
        result = _foreign(address)
    # (most logs write a street otherwise than a card prints it: the first field says so)
    changed = result.address.line1 != address.line1 or result.address != address
    if changed is result.changed:  # most answers: already as they are returned
        return result
    return normalized_address(result.lines, result.address, changed, result.note)


def _country_kind(address: Address) -> str:
    kind = _kind(address.country, address.state)
    if kind is None:  # a province in a row that says the US, or nothing: its code decides
        return "CA" if _CANADIAN_POSTAL.match(_plain(address.postal_code)) else "US"
    return kind


def country_of_row(country: str, state: str, postal_code: str) -> str:
    """`country` (ISO-2, "US" for a blank cell), or "CA" for a Canadian province and postal
    code in a row that says the US or nothing (a sheet without a country column)."""
    canadian = _kind(country, state) is None and _CANADIAN_POSTAL.match(_plain(postal_code))
    return "CA" if country == "US" and canadian else country


@lru_cache(maxsize=1024)  # a log's rows share a few countries and states
def _kind(country: str, state: str) -> str | None:
    """The kind of address ("CA", "OTHER", "US") its country and state say, or None when
    its postal code decides (`_country_kind`)."""
    country = _plain(country)
    if country in _CANADA_NAMES:
        return "CA"
    if country not in _US_NAMES:
        return "OTHER"
    province = _PROVINCE_CODES.get(_plain(state), _plain(state))
    return None if province in CANADIAN_PROVINCES else "US"


@lru_cache(maxsize=4096)  # countries, states, cities and ZIPs repeat across a log's contacts
def _plain(text: str) -> str:
    """Upper case, dropped punctuation, single spaces: the conservative clean-up."""
    text = text.upper()
    if _PUNCTUATION.search(text) is not None:  # (most texts have none to drop)
        text = text.translate(_DROPPED)
    return " ".join(text.split())


def _designators(line: str) -> str:
    """`APT # 2` -> `APT 2`; a bare `# 2` -> `UNIT 2` (the generic designator: `#` says
    neither apartment nor suite, so don't guess which)."""
    line = _DESIGNATOR_HASH.sub(lambda m: _designator_word(m.group(1)) + " ", line)
    return " ".join(_LONE_HASH.sub("UNIT ", line).replace("#", " ").split())


def _designator_word(word: str) -> str:
    return {"APARTMENT": "APT", "SUITE": "STE", "ROOM": "RM", "FLOOR": "FL"}.get(word, word)


def restore_zip_zeros(digits: str, state: str) -> str:
    """A ZIP (3-5 digits) or ZIP+4 (7-9 digits, no hyphen) with the leading zeros a
    spreadsheet dropped put back (`2134` in MA -> `02134`), else `digits` unchanged.

    Only where the state's ZIP codes start with 0 and the padded ZIP is one of that state's:
    IL `627` padded would be `00627`, a Puerto Rico ZIP, and the card would go astray. With
    no state there is no telling, so nothing is padded.
    """
    if len(digits) not in (3, 4, 7, 8) or not digits.isdigit() or not state.strip():
        return digits
    padded = digits.zfill(5 if len(digits) < 5 else 9)
    prefix = int(padded[:3])
    ranges = _ZERO_ZIP_PREFIXES.get(_us_state(state), ())
    return padded if any(low <= prefix <= high for low, high in ranges) else digits


@lru_cache(maxsize=4096)  # asked for twice an address (the check, then the printed line)
def _us_zip(postal_code: str, state: str) -> str:
    """ZIP or ZIP+4, hyphenated, with leading zeros restored where the state allows."""
    text = postal_code.strip()
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit():
        return text.upper()
    digits = restore_zip_zeros(digits, state)
    if len(digits) == 9:
        return f"{digits[:5]}-{digits[5:]}"
    return digits


def _us_state(state: str) -> str:
    plain = _plain(state)
    if len(plain) == 2:
        return plain
    from scourgify.address_constants import STATE_ABBREVIATIONS

    return str(STATE_ABBREVIATIONS.get(plain, plain))


def _delivery(line1: str, line2: str) -> tuple[str, ...]:
    """The secondary unit goes on the delivery line, or above it when the line gets long."""
    if not line2:
        return (line1,)
    if len(line1) + 1 + len(line2) <= MAX_DELIVERY_LINE:
        return (f"{line1} {line2}",)
    return (line2, line1)


def _kept_as_written(address: Address, why: str) -> NormalizedAddress:
    line1 = _designators(_plain(address.line1))
    line2 = _designators(_plain(address.line2))
    if not line1:
        line1, line2 = line2, ""
    po_box = _PO_BOX.match(line1)
    if po_box:
        line1 = "PO BOX" + line1[po_box.end() :]
    state = _us_state(address.state) if address.state.strip() else ""
    postal = _us_zip(address.postal_code, state)
    fields = Address(line1, line2, _plain(address.city), state, postal, "US")
    last = " ".join(p for p in (fields.city, state, postal) if p)
    lines = tuple(line for line in (line1, line2, last) if line)
    return NormalizedAddress(lines, fields, changed=True, note=f"kept as written: {why}")


def _american(address: Address) -> NormalizedAddress:
    problem = mailability_problem(address)
    if problem:
        return _kept_as_written(address, problem)
    line1, line2 = address.line1, address.line2
    # (a line that starts with its house number is no PO box: most are asked no more)
    if (not line1[:1].isdigit() and _PO_BOX.match(line1)) or (line2 and _PO_BOX.match(line2)):
        return _kept_as_written(address, "PO box")
    quick = _plain_american(address)
    if quick is not None:
        return quick
    return parsed_by_street(address, _parsed_american)


def _parsed_american(address: Address) -> NormalizedAddress:
    """A US address as the full parser reads it, guarded (see the module doc)."""
    record = {
        "address_line_1": address.line1.strip() or address.line2.strip(),
        "address_line_2": address.line2.strip() if address.line1.strip() else "",
        "city": address.city.strip(),
        "state": _us_state(address.state),
        "postal_code": _us_zip(address.postal_code, address.state),
    }
    try:
        from scourgify import normalize_address_record

        parsed = normalize_address_record(record)
    except Exception:
        # scourgify raises its own errors on PO boxes, repeated labels and text it can't
        # read, and usaddress may raise others: either way the original stands.
        return _kept_as_written(address, "the parser could not read it")
    line1 = _designators(_plain(str(parsed.get("address_line_1") or "")))
    line2 = _designators(_plain(str(parsed.get("address_line_2") or "")))
    written = _designators(_plain(f"{record['address_line_1']} {record['address_line_2']}"))
    if _numbers(f"{line1} {line2}") != _numbers(written):
        return _kept_as_written(address, "the parser would have changed its numbers")
    if len(f"{line1} {line2}".split()) < len(written.split()):
        return _kept_as_written(address, "the parser would have dropped words")
    city = _plain(str(parsed.get("city") or record["city"]))
    state = _plain(str(parsed.get("state") or record["state"]))
    postal = _us_zip(str(parsed.get("postal_code") or record["postal_code"]), state)
    fields = Address(line1, line2, city, state, postal, "US")
    lines = (*_delivery(line1, line2), f"{city} {state} {postal}")
    return NormalizedAddress(lines, fields, changed=True)


def _plain_american(address: Address) -> NormalizedAddress | None:
    """The quick way for a plain one-line street address (see `street_lines`); None for
    anything the full parser must read."""
    if address.line2.strip():
        return None
    line1 = plain_street_line(_plain(address.line1))
    city = _plain(address.city)
    if line1 is None or not plain_city(city):
        return None
    state = _us_state(address.state)
    postal = _us_zip(address.postal_code, address.state)
    fields = new_address(line1, "", city, state, postal, "US")
    return normalized_address((line1, f"{city} {state} {postal}"), fields, True)


def _numbers(text: str) -> list[str]:
    """The digit runs of an address line: a parser that adds, drops or changes a house or
    unit number is guessing."""
    return sorted(re.findall(r"\d+", text))


def _canadian(address: Address) -> NormalizedAddress:
    line1 = _designators(_plain(address.line1))
    line2 = _designators(_plain(address.line2))
    if not line1:
        line1, line2 = line2, ""
    province = _PROVINCE_CODES.get(_plain(address.state), _plain(address.state))
    postal = _plain(address.postal_code)
    match = _CANADIAN_POSTAL.match(postal)
    if match:
        postal = f"{match.group(1)} {match.group(2)}"
    city = _plain(address.city)
    fields = Address(line1, line2, city, province, postal, "CA")
    # Canada Post puts a unit number after the street or on the line above it; the line
    # above keeps the civic line intact. Anything else in line 2 stays where it was written.
    street = (line2, line1) if line2 and _UNIT_LINE.match(line2) else (line1, line2)
    last = f"{city} {province}  {postal}".strip()
    lines = tuple(line for line in (*street, last, "CANADA") if line)
    return NormalizedAddress(lines, fields, changed=True, note=_problem_note(address))


def _foreign(address: Address) -> NormalizedAddress:
    country = _plain(address.country)
    name = COUNTRY_NAMES.get(country, country)
    code = country if country in COUNTRY_NAMES else _COUNTRY_CODES.get(country, country)
    line1 = _designators(_plain(address.line1))
    line2 = _designators(_plain(address.line2))
    if not line1:
        line1, line2 = line2, ""
    city, state, postal = _plain(address.city), _plain(address.state), _plain(address.postal_code)
    fields = Address(line1, line2, city, state, postal, "GB" if code == "UK" else code)
    last = " ".join(p for p in (fields.city, fields.state, fields.postal_code) if p)
    lines = tuple(line for line in (line1, line2, last, name) if line)
    return NormalizedAddress(lines, fields, changed=True, note=_problem_note(address))


def _problem_note(address: Address) -> str:
    problem = mailability_problem(address)
    return f"kept as written: {problem}" if problem else ""
