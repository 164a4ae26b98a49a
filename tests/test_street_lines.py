"""The quick way to a delivery line (`domain.street_lines`) gives exactly what the full
parser gives, for every address it accepts; the rest go to the parser."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mailer.domain import addresses, house_numbers
from mailer.domain.models import Address
from mailer.domain.street_lines import plain_street_line

NAMES = (
    "Oak", "Maple", "Elm", "Washington", "Grand", "Fairview", "Hillcrest", "King", "Lakeshore",
    "Oak Ridge", "Martin Luther King", "Country Club", "Saint", "Mount", "Fort", "Church",
    "Park", "River", "Lake", "Hill", "Meadow", "Orchard", "Valley", "Broadway", "Central",
    "Water", "Northgate", "Westwood", "La", "Del", "B", "Avenue B", "Main",
)  # fmt: skip
TYPES = (
    "St", "Street", "Ave", "Avenue", "Dr", "Drive", "Rd", "Road", "Ln", "Lane", "Ct", "Court",
    "Blvd", "Boulevard", "Way", "Pl", "Place", "Cir", "Circle", "Pkwy", "Parkway", "Ter",
    "Terrace", "Trail", "Hollow", "Grove", "Aven", "Hwy",
)  # fmt: skip
DIRECTIONS = ("", "N", "South", "E", "West", "NE", "Southwest")
CITIES = ("Springfield", "Chatham", "East Saint Louis", "St Louis", "Ft Wayne", "Rochester")

addresses_written = st.builds(
    lambda number, before, name, kind, after, city: Address(
        " ".join(p for p in (str(number), before, name, kind, after) if p),
        "",
        city,
        "IL",
        "62704",
        "US",
    ),
    st.integers(1, 99_999),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(NAMES),
    st.sampled_from(TYPES),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(CITIES),
)


def _parsed(address: Address, monkeypatch: pytest.MonkeyPatch) -> addresses.NormalizedAddress:
    with monkeypatch.context() as m:
        m.setattr(addresses, "_plain_american", lambda _address: None)
        m.setattr(house_numbers, "_answers", {})  # no other house's answer either
        return addresses.normalize.__wrapped__(address)


@settings(max_examples=250, deadline=None)
@given(addresses_written)
def test_the_quick_way_agrees_with_the_parser(address: Address) -> None:
    quick = addresses._plain_american(address)
    if quick is None:
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _parsed(address, monkeypatch) == quick


@pytest.mark.parametrize(
    ("written", "line"),
    [
        ("1418 Oakmont Dr", "1418 OAKMONT DR"),
        ("3302 West Washington Street", "3302 W WASHINGTON ST"),
        ("77 Maple Avenue", "77 MAPLE AVE"),
        ("9 fairview ct", "9 FAIRVIEW CT"),
    ],
)
def test_plain_lines_take_the_quick_way(written: str, line: str) -> None:
    address = Address(written, "", "Springfield", "IL", "62704", "US")
    quick = addresses._plain_american(address)
    assert quick is not None
    assert quick.lines == (line, "SPRINGFIELD IL 62704")
    assert addresses.normalize(address) == quick


@pytest.mark.parametrize(
    "written",
    [
        "610 S Grand Ave E",  # a direction after the type
        "5225 B Place",  # a letter street
        "12 Elm St Apt 4",  # a unit
        "12B Elm St",  # a letter in the house number
        "0 Elm St",
        "PO Box 12",
        "100 Oak Grove",  # a rarer type the parser may read as part of the name
        "1 Main",
        "1418 Oak Ridge Dr",  # RIDGE is a street type too: the parser decides
    ],
)
def test_anything_else_goes_to_the_parser(written: str) -> None:
    assert plain_street_line(" ".join(written.upper().split())) is None


# --- another house on a street the parser has read (`domain.house_numbers`) ----------------

WORDS = (*NAMES, *TYPES, "Apt", "Unit", "Box", "PO", "Rear", "A", "Of", "The", "CT", "Hwy")
PLACES = (
    ("Springfield", "IL", "62704"),
    ("Hartford", "CT", "06103"),
    ("Austin", "TX", "78701-1234"),
    ("Austin", "TX", "78700"),
    ("Beverly Hills", "CA", "90210"),
    ("East Saint Louis", "IL", ""),
)


@st.composite
def same_shaped_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """Two house numbers the parser can't tell apart: as long, as many trailing zeros."""
    length = draw(st.integers(1, 6))
    zeros = draw(st.integers(0, length - 1))

    def number() -> str:
        head = draw(st.integers(10 ** (length - zeros - 1), 10 ** (length - zeros) - 1))
        assume(head % 10 != 0)
        return f"{head}{'0' * zeros}"

    return number(), number()


@st.composite
def same_shaped_zips(draw: st.DrawFn, place: tuple[str, str, str]) -> tuple[str, str]:
    """The place's ZIP and another the parser can't tell from it (five digits, as many
    trailing zeros, a leading zero or not); a ZIP that is not five digits stays as it is."""
    written = place[2]
    if not (len(written) == 5 and written.isdigit()):
        return written, written
    zeros = len(written) - len(written.rstrip("0"))
    head = draw(st.integers(0, 10 ** (5 - zeros) - 1))
    assume(head % 10 != 0)
    return written, f"{head:0{5 - zeros}d}{'0' * zeros}"


@settings(max_examples=300, deadline=None)
@given(
    numbers=same_shaped_numbers(),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    place=st.sampled_from(PLACES),
    data=st.data(),
)
def test_another_house_reads_as_the_parser_reads_it(
    numbers: tuple[str, str], words: list[str], place: tuple[str, str, str], data: st.DataObject
) -> None:
    city, state, _ = place
    zips = data.draw(same_shaped_zips(place))
    first, second = (
        Address(f"{n} {' '.join(words)}", "", city, state, zip_code, "US")
        for n, zip_code in zip(numbers, zips, strict=True)
    )
    fresh = addresses._parsed_american
    house_numbers._answers.clear()
    assert house_numbers.parsed_by_street(first, fresh) == fresh(first)
    assert house_numbers.parsed_by_street(second, fresh) == fresh(second)


@settings(max_examples=200, deadline=None)
@given(
    numbers=st.lists(st.integers(1, 99_999), min_size=2, max_size=6),
    street=st.tuples(st.sampled_from(DIRECTIONS), st.sampled_from(NAMES), st.sampled_from(TYPES)),
    zips=st.lists(st.sampled_from(["62704", "62700", "62722", "06103", "6270", "62704-1234"])),
    city=st.sampled_from(CITIES),
)
def test_a_street_normalizes_as_each_house_alone(
    numbers: list[int], street: tuple[str, str, str], zips: list[str], city: str
) -> None:
    """The houses of a street (the quick way's or the parser's), normalized one after
    another, each as it is normalized alone: no other house's answer kept."""
    line = " ".join(p for p in street if p)
    houses = [
        Address(f"{n} {line}", "", city, "IL", zips[i % len(zips)] if zips else "62704")
        for i, n in enumerate(numbers)
    ]
    house_numbers._answers.clear()
    together = [addresses.normalize.__wrapped__(a) for a in houses]
    alone = []
    for house in houses:
        house_numbers._answers.clear()
        alone.append(addresses.normalize.__wrapped__(house))
    assert together == alone


def test_a_street_is_parsed_once_for_its_houses_in_the_zip_codes_of_a_city() -> None:
    parsed: list[Address] = []

    def parse(address: Address) -> addresses.NormalizedAddress:
        parsed.append(address)
        return addresses._parsed_american(address)

    house_numbers._answers.clear()
    street = [
        Address(f"{n} Oak Ridge Dr", "", "Springfield", "IL", zip_code)
        for n, zip_code in ((14, "62704"), (97, "62722"), (62, "62714"))
    ]
    answers = [house_numbers.parsed_by_street(a, parse) for a in street]
    assert parsed == street[:1]
    assert [a.lines for a in answers] == [
        ("14 OAK RIDGE DR", "SPRINGFIELD IL 62704"),
        ("97 OAK RIDGE DR", "SPRINGFIELD IL 62722"),
        ("62 OAK RIDGE DR", "SPRINGFIELD IL 62714"),
    ]
    assert [a.address.postal_code for a in answers] == ["62704", "62722", "62714"]


def test_a_street_is_parsed_once_for_its_houses() -> None:
    parsed: list[Address] = []

    def parse(address: Address) -> addresses.NormalizedAddress:
        parsed.append(address)
        return addresses._parsed_american(address)

    house_numbers._answers.clear()
    street = [Address(f"{n} Oak Ridge Dr", "", "Springfield", "IL", "62704") for n in (14, 97)]
    answers = [house_numbers.parsed_by_street(a, parse) for a in street]
    assert parsed == street[:1]
    assert [a.lines for a in answers] == [
        ("14 OAK RIDGE DR", "SPRINGFIELD IL 62704"),
        ("97 OAK RIDGE DR", "SPRINGFIELD IL 62704"),
    ]


@pytest.mark.parametrize(
    ("seen", "asked"),
    [
        ("14 Oak Ridge Dr", "140 Oak Ridge Dr"),  # a number of another length
        ("14 Oak Ridge Dr", "10 Oak Ridge Dr"),  # trailing zeros
        ("14 Oak Ridge Dr", "04 Oak Ridge Dr"),  # a leading zero
        ("14 Oak Ridge Dr", "14B Oak Ridge Dr"),  # a letter in the number
        ("14 Oak Ridge Dr", " 15 Oak Ridge Dr"),  # written otherwise
        ("14 3rd St", "15 3rd St"),  # another number on the line
        ("14 Oak Ridge Dr|62704", "15 Oak Ridge Dr|62700"),  # a ZIP's trailing zeros
        ("14 Oak Ridge Dr|62704", "15 Oak Ridge Dr|62704-1234"),  # a ZIP+4
        ("14 Oak Ridge Dr|62704-1234", "15 Oak Ridge Dr|62704-1235"),
        ("14 Oak Ridge Dr|62704", "15 Oak Ridge Dr| 62704"),  # written otherwise
        ("14 Oak Ridge Dr|62704", "15 Oak Ridge Dr|6270"),  # four digits
        ("62704 Oak Ridge Dr|62704", "62705 Oak Ridge Dr|62705"),  # a ZIP as house number
    ],
)
def test_other_lines_are_parsed_afresh(seen: str, asked: str) -> None:
    parsed: list[str] = []

    def parse(address: Address) -> addresses.NormalizedAddress:
        parsed.append(address.line1)
        return addresses._parsed_american(address)

    house_numbers._answers.clear()
    for written in (seen, asked):
        line, _, zip_code = written.partition("|")
        address = Address(line, "", "Springfield", "IL", zip_code or "62704")
        assert house_numbers.parsed_by_street(address, parse) == addresses._parsed_american(address)
    assert [line.partition("|")[0] for line in (seen, asked)] == parsed


@settings(max_examples=500, deadline=None)
@given(
    line=st.text(alphabet="0129 aBz\t-é", max_size=14),
    zip_code=st.text(alphabet="0127 -é", max_size=7),
)
def test_a_street_line_is_shaped_as_its_pattern_says(line: str, zip_code: str) -> None:
    """The house number and words read by string methods are the pattern's."""
    shape = house_numbers._street_shape(Address(line, "", "Springfield", "IL", zip_code))
    match = house_numbers._HOUSE_AND_WORDS.fullmatch(line)
    if match is None:
        assert shape is None
        return
    assert shape is not None
    number, swapped, key = shape
    assert (number, key[2]) == match.groups()
    five = re.fullmatch("[0-9]{5}", zip_code) is not None
    assert swapped == (zip_code if five else "")
