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

from mailer.domain.slugs import slug

_MIN_PHONE_DIGITS = 7
"""Fewer digits than a local number are a typo or an extension, not a person's phone."""


def normalize_phone(text: str) -> str:
    """Digits only, an extension dropped, and the US `1` of an 11-digit number removed."""
    number = re.split(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+\s*$", text.strip())[0]
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits


def _phone_id(phone: str) -> str:
    digits = normalize_phone(phone)
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
) -> str:
    """The id a row is known by: its `contact_id` when given, else `p-<digits>` of its phone
    (7 digits or more), else `e-<email>` case-folded, else `n-<name>-<postal code>` folded to
    ASCII; empty when none of them is usable (the reader rejects such a row)."""
    given = contact_id.strip()
    return (
        given
        or _phone_id(phone)
        or _email_id(email)
        or _name_id(first_name, last_name, postal_code)
    )


def identity_aliases(contact_id: str, phone: str, email: str) -> set[str]:
    """The other ids the same person could have in another export (one with no contact_id
    column): the ones `contact_identity` derives from the phone and the email, less
    `contact_id` itself."""
    aliases = {_phone_id(phone), _email_id(email)} - {""}
    aliases.discard(contact_id)
    return aliases
