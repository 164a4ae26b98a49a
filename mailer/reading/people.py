"""Who a call-log row is about: its names, phone, email, address and contact id, read from the
row's person cells (every field but the call's own: outcome, date, notes, birthday, callback).

A log gives a contact's cells again on each of their calls, and reading them (names split
and capitalised, the country looked up, a whole-address cell split, the ZIP padded, the id
worked out) is most of the cost of a row. So each distinct set of person cells is read once
per file (`People`): its rows share the answer, notices included, and memory grows with the
contacts, not the rows. Reading is a pure function of the cells, so the shared answer is the
one each row would have got.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple, cast

from mailer.domain.address_text import address_parts
from mailer.domain.addresses import US_STATES, country_of_row
from mailer.domain.countries import read_country
from mailer.domain.identity import contact_identity
from mailer.domain.models import PERSON_FIELDS, Address
from mailer.domain.names import tidy_names
from mailer.domain.normalized import new_address
from mailer.reading.fields import pad_zip, split_name


class Person(NamedTuple):
    """The person of a row, as a `CallRecord` holds them; `contact_id` is empty when the
    cells give no way to tell who it is (the reader rejects the row). `notices` are what
    reading the cells said, in order, for each row that has them."""

    first_name: str
    last_name: str
    phone: str
    email: str
    address: Address
    contact_id: str
    notices: tuple[str, ...]


class People:
    """The persons of one file's rows, each distinct set of person cells read once."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, ...], Person] = {}
        """Each set of person cells read so far, and its person."""
        # One `Address` for the rows of a file that write the same one (a household).
        self._addresses: dict[tuple[str, ...], Address] = {}
        # For each way a file orders its person fields, where each of `PERSON_FIELDS` is.
        self._orders: dict[tuple[str, ...], _Order] = {}

    def person(self, key: tuple[str, ...], fields: tuple[str, ...], said: list[str]) -> Person:
        """The person of the cells `key` (the texts of `fields`, a subset of
        `PERSON_FIELDS` in its order: a field the file lacks is empty). Its notices are added
        to `said`, also those said before a cell raised `ValueError` (the row is rejected)."""
        found = self.known.get(key)
        if found is None:
            at = self._orders.get(fields)
            if at is None:
                at = self._orders[fields] = _in_order(fields)
            found = _read((*key, ""), at, said, self._addresses)
            self.known[key] = found
        else:
            said.extend(found.notices)
        return found

    def reader(self, fields: tuple[str, ...]) -> Callable[[tuple[str, ...]], Person]:
        """For a file whose person fields are `fields`: the person of cells not read yet
        (`key`), read and remembered as `person` reads them, their notices in the person."""
        at, known, addresses = _in_order(fields), self.known, self._addresses

        def read_new(key: tuple[str, ...]) -> Person:
            found = known[key] = _read((*key, ""), at, [], addresses)
            return found

        return read_new


_Order = Callable[[tuple[str, ...]], tuple[str, ...]]
"""The texts of `PERSON_FIELDS`, in that order, taken from texts in a file's order."""


def _in_order(fields: tuple[str, ...]) -> _Order:
    """The texts of each person field, in `PERSON_FIELDS` order, taken from the texts of
    `fields` with an empty text after them (that empty one for a field not among `fields`),
    in one call (`itemgetter`: less than indexing each)."""
    missing = len(fields)
    return itemgetter(*(fields.index(f) if f in fields else missing for f in PERSON_FIELDS))


_ALL_FIELDS = _in_order(PERSON_FIELDS)
"""Where each person field is among texts of every one, in order (the empty one unused)."""


def read_person(values: Mapping[str, str], said: list[str]) -> Person:
    """The person of a row's field texts (`values`: a field missing is empty); each notice is
    appended to `said` as it is found, so a cell that raises later still leaves them."""
    return _read(tuple([values.get(f, "") for f in PERSON_FIELDS]), _ALL_FIELDS, said, {})


_MEMO_KEPT = 4096
"""How many distinct country texts, and postal code cells, a process remembers the reading
of: a log writes its few countries and ZIP codes again and again."""
_countries: dict[str, tuple[str, str | None]] = {}
_postal_codes: dict[tuple[str, str, str], tuple[str, str]] = {}
# (Plain dicts, not `lru_cache`: a hit is one look-up, where the cache builds its key from
# the arguments and keeps its order of use on every call. Both readings are pure over text.)


def _read(
    texts: tuple[str, ...],
    at: _Order,
    said: list[str],
    addresses: dict[tuple[str, ...], Address],
) -> Person:
    """`read_person` of the texts of the person fields, taken in `PERSON_FIELDS` order by
    `at` (`_in_order`). The rows of a file that write one address (a household) share one
    `Address`: `addresses` keeps each by its parts, looked up here rather than through a
    call."""
    start = len(said)
    contact_id, first, last, name, phone, email, line1, line2, city, state, zip_text, country = at(
        texts
    )
    if not (first or last) and name:
        first, last = split_name(name)
    elif not (first.isalnum() and last.isalnum()) or (
        (both := first + last).isupper() or both.islower()
    ):
        first, last = tidy_names(first, last)  # "MARY" is greeted as "Mary"
    # (else as written, as `tidy_names` leaves them: two words with no spacing to tidy,
    # not written in one case; asked here first as most logs' names are such.)
    read = _countries.get(country)
    if read is None:
        read = read_country(country)
        if len(_countries) < _MEMO_KEPT:
            _countries[country] = read
    country, unknown = read
    # "1418 Oak Ridge Dr, Springfield, IL 62704" in the street column alone is split; with a
    # city, state or ZIP given the parts are the cells as they are (`address_parts`).
    unsplit = None
    if not (city or state or zip_text):
        parts, unsplit = address_parts(line1, line2, city, state, zip_text, country)
        line1, line2, city, state, zip_text, country = parts
    if unknown:
        said.append(unknown)
    if unsplit:
        said.append(unsplit)
    # (Most rows' states are a code as written: the state's text is asked first, and keeps
    # its hash for the look-ups below.)
    if country == "US" and state and state not in US_STATES and state.upper() not in US_STATES:
        country = country_of_row(country, state, zip_text)  # a Canadian row, no country column
    zip_key = (zip_text, state, country)
    found = _postal_codes.get(zip_key)
    if found is None:
        found = read_postal_code(zip_text, state, country)
        if len(_postal_codes) < _MEMO_KEPT:
            _postal_codes[zip_key] = found
    postal_code, zip_note = found
    if zip_note:
        said.append(zip_note)
    # A contact id given is the id (`contact_identity`), without asking for the others.
    contact_id = contact_id.strip() or contact_identity(
        phone=phone,
        email=email,
        first_name=first,
        last_name=last,
        postal_code=postal_code,
        phone_region=country,
    )
    written = (line1, line2, city, state, postal_code, country)
    home = addresses.get(written)
    if home is None:
        home = addresses[written] = new_address(*written)
    notices = tuple(said[start:]) if len(said) > start else ()
    return _person(Person, (first, last, phone, email, home, contact_id, notices))


# `Person(*fields)` in one C-level call (a named tuple's own constructor is a Python
# function): a log has a person a contact.
_person = cast("Callable[[type[Person], tuple[object, ...]], Person]", tuple.__new__)


@lru_cache(maxsize=4096)  # a log's contacts share their few ZIP codes; pure over text
def read_postal_code(value: str, state: str, country: str) -> tuple[str, str]:
    """A row's postal code as read (a US ZIP padded where a spreadsheet dropped its zeros),
    and the notice that says what was read differently ("" when nothing was)."""
    if country != "US" or not value:
        return value, ""
    fixed = pad_zip(value, state)
    if fixed == value:
        return fixed, ""  # nothing read differently, nothing to say
    if fixed is None:
        return value, (
            f"postal code {value!r} is not a US ZIP code; "
            "set the country column if this address is abroad"
        )
    if _digits(fixed) > _digits(value.removesuffix(".0")):
        return fixed, f"ZIP code {value!r} read as {fixed!r} (a spreadsheet dropped its zeros)"
    return fixed, f"ZIP code {value!r} read as {fixed!r}"


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)
