"""The quick way to a USPS delivery line for the plain addresses most call logs hold
("1418 Oakmont Dr", "3302 West Washington Street"), without the full parser.

The full parser (usaddress-scourgify, in `addresses`) costs about half a millisecond an
address, most of the time it takes to plan a large log. Most lines are a house number, an
optional direction, a street name and a street type: for exactly those, abbreviating the
direction and the type (Publication 28, with scourgify's own tables) gives what the parser
gives, in microseconds. Anything else, a word the tables know inside the street name, a unit,
a letter in the house number, returns None and goes to the full parser.
`tests/test_street_lines.py` holds the two to the same answers.
"""

from __future__ import annotations

from functools import cache, lru_cache

# The street types the quick way handles, as their Publication 28 abbreviation or their
# full word only: the common ones, on which the parser is consistent. The parser leaves
# rarer types and odd spellings whole when it reads them as part of the name ("OAK GROVE",
# "MAPLE AVEN WEST"), so those go to the parser too.
_COMMON_TYPES = {
    "STREET": "ST", "AVENUE": "AVE", "DRIVE": "DR", "ROAD": "RD", "LANE": "LN", "COURT": "CT",
    "BOULEVARD": "BLVD", "WAY": "WAY", "PLACE": "PL", "CIRCLE": "CIR", "PARKWAY": "PKWY",
    "TERRACE": "TER",
}  # fmt: skip


@cache
def _tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(street types, directions, words that make a line not plain), from scourgify."""
    from scourgify import address_constants as known

    every_type = {str(k): str(v) for k, v in known.STREET_TYPE_ABBREVIATIONS.items()}
    types = _COMMON_TYPES | {v: v for v in _COMMON_TYPES.values()}
    directions = {str(k): str(v) for k, v in known.DIRECTIONAL_REPLACEMENTS.items()}
    directions |= {v: v for v in directions.values()}
    special = {str(w) for w in known.OCCUPANCY_TYPE_ABBREVIATIONS}
    special |= {str(w) for w in known.OCCUPANCY_TYPE_ABBREVIATIONS.values()}
    special |= {str(w) for w in known.CITY_ABBREVIATIONS}
    special |= {str(w) for w in known.CITY_ABBREVIATIONS.values()}
    special |= {str(w) for w in known.PROBLEM_ST_TYPE_ABBRVS}
    special |= {"PO", "BOX", "RR", "HC", "ROUTE", "RURAL", "HIGHWAY", "HWY", "STATE", "COUNTY"}
    special |= set(every_type) | set(directions)
    return types, directions, frozenset(special)


@lru_cache(maxsize=4096)  # a log's contacts live in a few cities; pure over text
def plain_city(city: str) -> bool:
    """A city name the parser keeps as written (plain words, none it would expand)."""
    _, _, special = _tables()
    return bool(city) and all(w.isalpha() and w not in special for w in city.split(" "))


def plain_street_line(line: str) -> str | None:
    """`line` (already upper case, no punctuation, single spaces) as a USPS delivery line,
    or None when it is not a plain "number [direction] name type" line."""
    words = line.split(" ")
    if len(words) < 3 or not words[0].isdigit() or words[0].startswith("0"):
        return None
    types, directions, special = _tables()
    rest = words[1:]
    before = ""
    if len(rest) >= 3 and rest[0] in directions:
        before, rest = directions[rest[0]], rest[1:]
    if rest[-1] in directions:
        return None  # a direction after the type: the parser reads these several ways
    *name, kind = rest
    if not name or kind not in types:
        return None
    for word in name:  # (a loop: a generator is made each time, an address each)
        if len(word) < 2 or not word.isalpha() or word in special:
            return None  # a letter street ("B PLACE") or a word the parser treats specially
    if before:
        return " ".join((words[0], before, *name, types[kind]))
    return " ".join((words[0], *name, types[kind]))
