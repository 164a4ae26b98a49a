"""Who a row is: the contact id of a call-log row, and the other ids the same person may
carry in another export.

A row is known by its `contact_id` when the log has one, else by its phone number, else by
its email, else by its name and postal code (README, "Who is who"). An opt-out holds under
every id the person could come back with (README, the ledger), so the phone and email ids
are also the aliases the suppression list is checked against. Reading, planning and the
ledger all ask this module; none of them spells an id itself. Pure functions over text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailer.domain.slugs import slug

_MIN_PHONE_DIGITS = 7
"""Fewer digits than a local number are a typo or an extension, not a person's phone."""


_NANP_REGIONS = frozenset({"US", "CA", "PR", "VI", "GU", "AS", "MP"})
"""Regions dialled with country code 1 (the North American Numbering Plan)."""
_PLAIN_PHONE = re.compile(r"\+?[0-9 ().-]+")


# A log gives a contact's phone on each of its calls, and the suppression ids ask for it again
# (`ledger.contacts.suppression_ids`): a number is read once while it is among the last few
# thousand asked (bounded: memory stays flat however long the log).
@lru_cache(maxsize=4096)
def normalize_phone(text: str, region: str = "US") -> str:
    """The digits a phone number is known by: its E.164 form (through phonenumbers, read in
    `region`, the row's ISO-2 country, when it has no `+`) without the `+`, and without the
    `1` for North American numbers. "(217) 555-0142", "217.555.0142", "+1 217 555 0142" and
    "1-217-555-0142 x12" are all "2175550142"; "+44 20 7946 0958", and "020 7946 0958" read
    in GB, are "442079460958". An extension is dropped. What phonenumbers can't read as a
    possible number (too long, a typo) keeps its digits, as written.

    Why not the E.164 text itself: the ledgers written before this rule hold phone ids as
    `p-<digits>` with exactly these digits (a North American number's ten, anyone else's
    country code and number), so keeping that form keeps every recorded call, card and
    opt-out matching the same person; E.164 is what decides which digits they are."""
    number = text.strip()
    if region in _NANP_REGIONS and _PLAIN_PHONE.fullmatch(number):
        # "(217) 555-0142", "+1 217 555 0142": the quick path, the digits phonenumbers gives.
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) == 10 and number[0] != "+":
            return digits
        if len(digits) == 11 and digits[0] == "1":
            return digits[1:]
    return _e164_digits(number, region.upper() if len(region) == 2 else "US")


@lru_cache(maxsize=8192)
def _e164_digits(number: str, region: str) -> str:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        try:
            parsed = phonenumbers.parse(number, "US")  # a region phonenumbers doesn't know
        except phonenumbers.NumberParseException:
            parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return e164[2:] if parsed.country_code == 1 else e164[1:]
    # Not a possible number anywhere: its digits, less an extension and a North American 1.
    kept = re.split(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+\s*$", number)[0]
    digits = "".join(ch for ch in kept if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _phone_id(phone: str, region: str = "US") -> str:
    digits = normalize_phone(phone, region)
    return f"p-{digits}" if len(digits) >= _MIN_PHONE_DIGITS else ""


def _email_id(email: str) -> str:
    return f"e-{email.strip().casefold()}" if "@" in email else ""


def _name_id(first_name: str, last_name: str, postal_code: str) -> str:
    name = slug(f"{first_name} {last_name}")
    postal = slug(postal_code, "")
    return f"n-{name}-{postal}" if name and postal else ""


def contact_identity(
    *,
    contact_id: str = "",
    phone: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    postal_code: str = "",
    phone_region: str = "US",
) -> str:
    """The id a row is known by: its `contact_id` when given, else `p-<digits>` of its phone
    (7 digits or more, `normalize_phone` in `phone_region`, the row's country), else
    `e-<email>` case-folded, else `n-<name>-<postal code>` folded to ASCII; empty when none
    of them is usable (the reader rejects such a row)."""
    given = contact_id.strip()
    return (
        given
        or _phone_id(phone, phone_region)
        or _email_id(email)
        or _name_id(first_name, last_name, postal_code)
    )


def id_key(contact_id: str) -> str:
    """The key every spelling of one contact id shares: case and spacing ignored ("C004",
    "c004" and " C004 " are one person). The id itself is kept as written, so ledgers
    written before this rule still match the ids they hold; the key is one more alias."""
    return " ".join(contact_id.split()).casefold()


def identity_aliases(contact_id: str, phone: str, email: str, phone_region: str = "US") -> set[str]:
    """The other ids the same person could have in another export (one with no contact_id
    column, or the id in another case): the ones `contact_identity` derives from the phone
    and the email, and the case-folded id (`id_key`), less `contact_id` itself."""
    aliases = {_phone_id(phone, phone_region), _email_id(email), id_key(contact_id)} - {""}
    aliases.discard(contact_id)
    return aliases
