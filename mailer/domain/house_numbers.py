"""The full address parser's answer for a street, reused for the other houses on it.

The parser (usaddress-scourgify, in `addresses`) costs about half a millisecond an address.
What it makes of an all-digit house number does not depend on its digits: usaddress sees such
a token only as "digits, this long, ending in so many zeros" (its features hold no other
trace of the number), scourgify then passes the house number through as it is, and the checks
`addresses` runs after it only compare the numbers it kept with the ones written. So "1418
Oak Ridge Dr" and "2203 Oak Ridge Dr", in the same city, state and ZIP, are read alike: the
second answer is the first with its house number swapped.

A five-digit ZIP code is read the same way: the parser is given it apart from the street
line and keeps it as it is (it reads it as a token only where it reads the whole address
again, and then sees digits, not a number), so the houses of a street in the ZIP codes of
one city share an answer too, with the ZIP swapped as well.

Only for a street line that is a house number (no leading zero) and words of letters, with
no second line, and only when the number is in the first answer exactly once and no other
number is on its street lines (and a swapped ZIP is the answer's ZIP, once on its printed
lines and not on its street lines): anything else is parsed afresh.
`tests/test_street_lines.py` holds the two ways to the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, TypeVar, cast

from mailer.domain.models import Address
from mailer.domain.normalized import new_address

_HOUSE_AND_WORDS = re.compile(r"([1-9][0-9]*) ([A-Za-z]+(?: [A-Za-z]+)*)", re.ASCII)
"""The street lines whose answers are reused: a house number and single-spaced words."""
_KEPT = 4096
"""How many streets the answers are kept for (a city's worth; then each is parsed)."""


P = TypeVar("P", bound="Parsed")


class Parsed(Protocol):
    """What the parser's answer must have: the printed lines and the address fields, and
    the same answer for other ones."""

    @property
    def lines(self) -> tuple[str, ...]: ...

    @property
    def address(self) -> Address: ...

    def renumbered(self: P, lines: tuple[str, ...], address: Address) -> P: ...


_answers: dict[tuple[object, ...], tuple[str, str, Parsed] | None] = {}
"""Per street shape: a house number, the ZIP swapped with it ("" when the ZIP is part of the
shape) and the answer for them, or None when it can't be reused."""


def parsed_by_street(address: Address, parse: Callable[[Address], P]) -> P:
    """`parse(address)`, or the answer it gave for another house of the same street and
    place with its house number (and five-digit ZIP) swapped for this one's. `parse` must be
    the one full parse of `addresses` (the answers are kept across calls) and its answer a
    dataclass."""
    shape = _street_shape(address)
    if shape is None:
        return parse(address)
    number, zip_code, key = shape
    known = _answers.get(key)
    if known is not None:
        seen, seen_zip, kept = known
        return cast("P", _renumbered(kept, {seen: number, seen_zip: zip_code}))
    answer = parse(address)
    if key not in _answers and len(_answers) < _KEPT:
        reusable = _reusable(answer, number, zip_code)
        _answers[key] = (number, zip_code, answer) if reusable else None
    return answer


def _street_shape(address: Address) -> tuple[str, str, tuple[object, ...]] | None:
    """The house number, the ZIP when it is five digits as written (else ""), and everything
    else the parser reads (each number only as its length and its trailing zeros); None for
    a line that is not a number and plain words (`_HOUSE_AND_WORDS`, read here by string
    methods: a regular expression costs more than the rest of a renumbered answer)."""
    line1 = address.line1
    if address.line2 or not line1.isascii():
        return None
    number, _, street = line1.partition(" ")
    if not (number.isdigit() and number[0] != "0" and street.replace(" ", "").isalpha()):
        return None
    if street[0] == " " or street[-1] == " " or "  " in street:
        return None  # the words are not single-spaced
    zip_code: str = address.postal_code
    if len(zip_code) == 5 and zip_code.isascii() and zip_code.isdigit():
        written = ""
        zip_zeros = len(zip_code) - len(zip_code.rstrip("0"))
    else:  # the ZIP as written is part of the shape
        zip_code, written, zip_zeros = "", zip_code, 0
    zeros = len(number) - len(number.rstrip("0"))
    place = (address.city, address.state, written, zip_zeros, address.country)
    return number, zip_code, (len(number), zeros, street, *place)


def _reusable(answer: Parsed, number: str, zip_code: str) -> bool:
    """The house number is in the answer exactly once, on its street lines and in its
    printed lines, and no other number is on its street lines; a ZIP to swap is the answer's
    ZIP and once on its printed lines: swapping them is then all another house's answer
    differs by."""
    street = f"{answer.address.line1} {answer.address.line2}".split(" ")
    printed = " ".join(answer.lines).split(" ")
    if zip_code and (answer.address.postal_code != zip_code or printed.count(zip_code) != 1):
        return False
    return (
        street.count(number) == 1
        and printed.count(number) == 1
        and not any(word != number and _has_digit(word) for word in street)
    )


def _renumbered(answer: Parsed, swaps: dict[str, str]) -> Parsed:
    """The answer with each word that is a key of `swaps` (its house number and ZIP, never
    equal: `_reusable`) swapped for its value."""
    swaps.pop("", None)  # (no ZIP to swap)
    get = swaps.get

    def swap(text: str) -> str:
        if not text:
            return text
        words = text.split(" ")
        return " ".join(map(get, words, words))

    f = answer.address
    address = new_address(
        swap(f.line1), swap(f.line2), f.city, f.state, swap(f.postal_code), f.country
    )
    return answer.renumbered(tuple(map(swap, answer.lines)), address)


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)
