"""An address as it goes on a card and to a provider (`addresses.normalize` makes them), and
the quick way to make one.

A plan makes a normalized address and its fields for each distinct address it mails; a
frozen dataclass's `__init__` sets each field through `object.__setattr__`. The same object
is made in half the time by a plain class with the very slots, each set as an attribute,
that then becomes the frozen class (its class changed: the layouts are the same, so Python
allows it), as `models` makes a call record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailer.domain.models import Address


@dataclass(frozen=True, slots=True)
class NormalizedAddress:
    """An address as it goes on a card and to a provider.

    `lines` are the printed lines without the name; `address` holds the normalized fields for
    provider requests; `changed` says whether any field differs from what was written;
    `note` says why the address was kept as written (empty when it was normalized).
    """

    lines: tuple[str, ...]
    address: Address
    changed: bool
    note: str = ""

    def renumbered(self, lines: tuple[str, ...], address: Address) -> NormalizedAddress:
        """The same answer with other printed lines and fields (another house's)."""
        return normalized_address(lines, address, self.changed, self.note)


class _AddressSlots:
    """An `Address` in the making (see the module doc)."""

    __slots__ = Address.__slots__

    def __init__(
        self, line1: str, line2: str, city: str, state: str, postal_code: str, country: str
    ) -> None:
        self.line1, self.line2, self.city, self.state = line1, line2, city, state
        self.postal_code, self.country = postal_code, country
        self.__class__ = Address  # type: ignore[assignment]


class _NormalizedSlots:
    """A `NormalizedAddress` in the making (see the module doc)."""

    __slots__ = NormalizedAddress.__slots__

    def __init__(
        self, lines: tuple[str, ...], address: Address, changed: bool, note: str = ""
    ) -> None:
        self.lines, self.address, self.changed, self.note = lines, address, changed, note
        self.__class__ = NormalizedAddress  # type: ignore[assignment]


if TYPE_CHECKING:

    def new_address(
        line1: str, line2: str, city: str, state: str, postal_code: str, country: str
    ) -> Address:
        """`Address(...)` with every field given, made the quick way."""

    def normalized_address(
        lines: tuple[str, ...], address: Address, changed: bool, note: str = ""
    ) -> NormalizedAddress:
        """`NormalizedAddress(...)`, made the quick way."""

else:
    new_address = _AddressSlots
    normalized_address = _NormalizedSlots
