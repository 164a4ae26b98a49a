"""Postal addresses: what can be mailed, and the lines printed on a card.

(Placeholder until the printing issue adds USPS Publication 28 normalization.)
"""

from __future__ import annotations

from mailer.models import Address


def mailability_problem(address: Address) -> str | None:
    """Why a card can't go to this address, or None when it can."""
    if address.is_empty():
        return "no mailing address"
    if not address.line1:
        return "no street address"
    if not address.city:
        return "no city"
    if not address.postal_code:
        return "no postal code"
    return None


def delivery_lines(name: str, address: Address) -> list[str]:
    """The delivery address block, upper case, no blank lines."""
    last = " ".join(p for p in (address.city, address.state, address.postal_code) if p)
    lines = [name, address.line1, address.line2, last]
    if address.country.upper() not in ("", "US", "USA", "UNITED STATES"):
        lines.append(address.country)
    return [line.upper() for line in lines if line.strip()]
