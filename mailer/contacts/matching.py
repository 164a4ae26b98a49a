"""Which book entry a call row (or an entry read from another file) is: by contact id
(case ignored), then phone (its digits, `domain.identity`), then email (case ignored), then
name and address (`domain.contact_book.name_address_key`), and for a row with no street,
name and postal code when only one entry has them (README, "The contact book").

Pure: a `Book` is an index built from entries in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mailer.domain.contact_book import (
    Contact,
    email_key,
    has_street,
    name_address_key,
    phone_key,
)
from mailer.domain.models import Address, CallRecord
from mailer.domain.slugs import slug


def _name_postal(first: str, last: str, address: Address) -> str:
    name = slug(f"{first} {last}")
    postal = slug(address.postal_code)[:5]
    return f"{name}|{postal}" if name and postal else ""


class Book:
    """The contact book in memory, indexed by every key it is searched by."""

    def __init__(self, entries: Iterable[Contact] = ()) -> None:
        self._by_id: dict[str, Contact] = {}
        self._by_phone: dict[str, Contact] = {}
        self._by_email: dict[str, Contact] = {}
        self._by_address: dict[str, Contact] = {}
        self._by_name_postal: dict[str, list[Contact]] = {}
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._by_id.values())

    def add(self, entry: Contact) -> None:
        """Add or replace an entry (by its id); its keys point at it from now on."""
        old = self._by_id.get(entry.contact_id.casefold())
        if old is not None:
            self._forget(old)
        self._by_id[entry.contact_id.casefold()] = entry
        for index, key in (
            (self._by_phone, entry.phone_key),
            (self._by_email, entry.email_key),
            (self._by_address, entry.address_key),
        ):
            if key:
                index.setdefault(key, entry)
        if key := _name_postal(entry.first_name, entry.last_name, entry.address):
            self._by_name_postal.setdefault(key, []).append(entry)

    def _forget(self, entry: Contact) -> None:
        for index, key in (
            (self._by_phone, entry.phone_key),
            (self._by_email, entry.email_key),
            (self._by_address, entry.address_key),
        ):
            if key and index.get(key) is entry:
                del index[key]
        key = _name_postal(entry.first_name, entry.last_name, entry.address)
        if key in self._by_name_postal:
            self._by_name_postal[key] = [e for e in self._by_name_postal[key] if e is not entry]

    def find(
        self,
        *,
        contact_id: str = "",
        phone: str = "",
        email: str = "",
        first_name: str = "",
        last_name: str = "",
        address: Address | None = None,
    ) -> Contact | None:
        """The entry these details belong to, in the matching order; None when no entry."""
        if contact_id and (found := self._by_id.get(contact_id.strip().casefold())):
            return found
        region = address.country if address is not None else "US"
        if (key := phone_key(phone, region)) and (found := self._by_phone.get(key)):
            return found
        if (key := email_key(email)) and (found := self._by_email.get(key)):
            return found
        if address is None:
            return None
        if has_street(address):
            key = name_address_key(first_name, last_name, address)
            return self._by_address.get(key) if key else None
        same = self._by_name_postal.get(_name_postal(first_name, last_name, address), [])
        return same[0] if len(same) == 1 else None

    def find_record(self, who: CallRecord | Contact) -> Contact | None:
        """The entry a call row (or another entry) is, by the fields both carry."""
        return self.find(
            contact_id=who.contact_id,
            phone=who.phone,
            email=who.email,
            first_name=who.first_name,
            last_name=who.last_name,
            address=who.address,
        )
