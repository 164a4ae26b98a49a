"""What each provider would refuse in a create, found before anything is sent.

One function per provider, used both by the dry run (every card, so the seller fixes them
all at once) and by the real send (each card just before its request). Each problem is a
sentence naming the field, its value and the limit. Lob's limits are those of its published
API (`postcard_editable`, `address_editable`, `metadata`, `mail_type`, `size`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pycountry

from mailer.domain.names import PROVIDER_NAME_LIMITS
from mailer.sending.providers.base import Party, PostcardRequest

LOB_MAX_NAME = PROVIDER_NAME_LIMITS["lob"]  # the shortening rule and this check share one limit
LOB_MAX_LINE = 64
LOB_MAX_LINE_ABROAD = 200
LOB_MAX_CITY = 200
LOB_MAX_DESCRIPTION = 255
LOB_MAX_FILE = 5 * 1024 * 1024
LOB_MAX_METADATA = 20
LOB_MAX_METADATA_KEY = 40
LOB_MAX_METADATA_VALUE = 500
LOB_SIZES = ("4x6", "6x9", "6x11")
LOB_MAIL_TYPES = ("usps_first_class", "usps_standard")
POSTGRID_SIZES = ("4x6", "6x9", "6x11")

US_ZIP = re.compile(r"\d{5}(-\d{4})?")
US_STATE = re.compile(r"[A-Za-z]{2}")


def is_iso_country(code: str) -> bool:
    """A two-letter ISO 3166 country code (`US`, `CA`, `GB`), as both providers take."""
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def lob_problems(req: PostcardRequest) -> list[str]:
    """Everything Lob would refuse in `req` (artwork sizes only when it is drawn)."""
    found: list[str] = []
    abroad = False
    for side, party in (("to", req.to), ("from", req.from_)):
        found += _lob_party(side, party)
        if side == "to":
            abroad = (party.address.country or "US").upper() != "US"
    if req.size not in LOB_SIZES:
        found.append(f"size {req.size!r} is not one of {', '.join(LOB_SIZES)}")
    if req.mail_type not in LOB_MAIL_TYPES:
        found.append(f"mail_type {req.mail_type!r} is not one of {', '.join(LOB_MAIL_TYPES)}")
    if abroad and req.size != "4x6":
        found.append(f"only 4x6 postcards go abroad; this one is {req.size}")
    if req.mail_type == "usps_standard" and (abroad or req.size == "4x6"):
        found.append(
            "usps_standard mail takes 6x9 and 6x11 postcards within the US only: use "
            "usps_first_class (provider.mail_type) or a bigger size"
        )
    if len(req.description) > LOB_MAX_DESCRIPTION:
        found.append(
            f"the description is {len(req.description)} characters; Lob takes at most "
            f"{LOB_MAX_DESCRIPTION}"
        )
    found += _lob_metadata({**req.metadata, "mailer_key": req.idempotency_key})
    for side, data in (("front", req.front_pdf), ("back", req.back_pdf)):
        if len(data) > LOB_MAX_FILE:
            found.append(
                f"the {side} artwork is {len(data) / 1024 / 1024:.1f} MB; Lob takes files up "
                "to 5 MB (use smaller or fewer images in the template)"
            )
    return found


def _lob_party(side: str, party: Party) -> list[str]:
    found: list[str] = []
    addr = party.address
    country = addr.country or "US"
    line = LOB_MAX_LINE if country.upper() == "US" else LOB_MAX_LINE_ABROAD
    for field, value, limit in (
        ("name", party.name, LOB_MAX_NAME),
        ("company", party.company, LOB_MAX_NAME),
        ("address_line1", addr.line1, line),
        ("address_line2", addr.line2, line),
        ("address_city", addr.city, LOB_MAX_CITY),
    ):
        if len(value) > limit:
            found.append(
                f"{side}[{field}] {value!r} is {len(value)} characters; Lob takes at most {limit}"
            )
    if not (party.name or party.company):
        found.append(f"{side} has neither a name nor a company")
    if not is_iso_country(country):
        found.append(
            f"{side}[address_country] {country!r} is not a two-letter ISO country code "
            "(US, CA, GB, ...)"
        )
    elif country.upper() == "US":
        if not addr.line1:
            found.append(f"{side}[address_line1] is empty")
        if not US_STATE.fullmatch(addr.state):
            found.append(
                f"{side}[address_state] {addr.state!r} is not a two-letter state code (CA, NY)"
            )
        if not US_ZIP.fullmatch(addr.postal_code):
            found.append(
                f"{side}[address_zip] {addr.postal_code!r} is not a ZIP code (12345 or 12345-6789)"
            )
    return found


def _lob_metadata(metadata: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    if len(metadata) > LOB_MAX_METADATA:
        found.append(f"{len(metadata)} metadata entries; Lob takes up to {LOB_MAX_METADATA}")
    for key, value in metadata.items():
        if len(key) > LOB_MAX_METADATA_KEY or len(value) > LOB_MAX_METADATA_VALUE:
            found.append(
                f"metadata {key!r} is too long (keys up to {LOB_MAX_METADATA_KEY}, values up "
                f"to {LOB_MAX_METADATA_VALUE} characters)"
            )
        if any(c in key + value for c in '"\\'):
            found.append(f'metadata {key!r} contains a quote or backslash (" or \\)')
    return found


def postgrid_problems(req: PostcardRequest) -> list[str]:
    """What PostGrid would refuse in `req`. It publishes fewer limits than Lob; these are
    the ones it states: its sizes, a country code and an address line for each side."""
    found: list[str] = []
    if req.size not in POSTGRID_SIZES:
        found.append(
            f"PostGrid has no postcard size {req.size!r} (use {', '.join(POSTGRID_SIZES)})"
        )
    for side, party in (("to", req.to), ("from", req.from_)):
        if not (party.name.strip() or party.company):
            found.append(f"{side} has neither a name nor a company")
        if not party.address.line1:
            found.append(f"{side} has no first address line")
        country = party.address.country or "US"
        if not is_iso_country(country):
            found.append(f"{side} country {country!r} is not a two-letter ISO country code")
    return found
