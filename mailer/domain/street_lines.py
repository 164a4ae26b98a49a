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

import os
from functools import cache, lru_cache
from pathlib import Path

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
    types = _COMMON_TYPES | {v: v for v in _COMMON_TYPES.values()}
    directions, special = _kept_words()
    return types, directions, special


def _kept_words() -> tuple[dict[str, str], frozenset[str]]:
    """scourgify's directions and special words, kept in the cache folder by its release
    (and its settings reader's): importing scourgify for them is about 30 ms of CPU at a
    process's first plan, mostly its YAML settings reader, when a plan of plain streets
    never needs the parser itself. scourgify lets a settings file or its environment
    variables change its tables: then they are read from it, as before, never kept."""
    # Imported here: the domain's one way to the disk, for its tables only.
    from mailer.cache_folder import kept_table

    release = scourgify_release()
    if release is None:
        return _read_words(_library_words())
    return kept_table("street-words", b"\0".join((_RECIPE, release)), _library_words, _read_words)


_RECIPE = b"street-words-1"
"""Change it whenever `_library_words` reads other tables: old files are then not found."""


@cache
def scourgify_release() -> bytes | None:
    """What names the installed releases of scourgify and its settings reader (yamlconf),
    or None when its tables are not to be kept: a layout without releases to name, or
    settings of its own (`scourgify_settings`)."""
    from mailer.cache_folder import library_release

    named = (
        library_release("scourgify", "usaddress_scourgify"),
        library_release("yamlconf", "yaml_config"),
    )
    if any(release is None for release in named) or scourgify_settings():
        return None
    return b"\0".join(release for release in named if release is not None)


_SETTINGS = frozenset(
    [
        "INSERTION_METHOD", "ADDRESS_KEYS", "DIRECTIONAL_REPLACEMENTS",
        "OCCUPANCY_TYPE_ABBREVIATIONS", "STATE_ABBREVIATIONS", "STREET_TYPE_ABBREVIATIONS",
        "KNOWN_ODDITIES", "PROBLEM_ST_TYPE_ABBRVS", "LONGHAND_DIRECTIONALS",
        "LONGHAND_STREET_TYPES",
    ]
)  # fmt: skip
"""The names scourgify asks its settings for (`address_constants.set_address_constants`)."""


def scourgify_settings() -> bool:
    """Whether scourgify may read tables of its own (yamlconf's search: an `ADDRESS_CONFIG`
    environment variable, a table's own name as one (yamlconf reads `STREET_TYPE_...`
    without a prefix when none is set), or `config/address_constants.yaml` in the working
    folder)."""
    if any(name.startswith("ADDRESS_CONFIG") or name in _SETTINGS for name in os.environ):
        return True
    return Path("config", "address_constants.yaml").exists()


def _library_words() -> dict[str, object]:
    """scourgify's directions and the words that make a line not plain, as kept."""
    from scourgify import address_constants as known

    directions = {str(k): str(v) for k, v in known.DIRECTIONAL_REPLACEMENTS.items()}
    directions |= {v: v for v in directions.values()}
    special = {str(w) for w in known.OCCUPANCY_TYPE_ABBREVIATIONS}
    special |= {str(w) for w in known.OCCUPANCY_TYPE_ABBREVIATIONS.values()}
    special |= {str(w) for w in known.CITY_ABBREVIATIONS}
    special |= {str(w) for w in known.CITY_ABBREVIATIONS.values()}
    special |= {str(w) for w in known.PROBLEM_ST_TYPE_ABBRVS}
    special |= {"PO", "BOX", "RR", "HC", "ROUTE", "RURAL", "HIGHWAY", "HWY", "STATE", "COUNTY"}
    special |= {str(k) for k in known.STREET_TYPE_ABBREVIATIONS} | set(directions)
    return {"directions": directions, "special": sorted(special)}


def _read_words(kept: object) -> tuple[dict[str, str], frozenset[str]]:
    """The kept words read back, refusing (TypeError, KeyError) anything else."""
    if not isinstance(kept, dict):
        raise TypeError("the street words are a table")
    directions, special = kept["directions"], kept["special"]
    if not isinstance(directions, dict) or not isinstance(special, list):
        raise TypeError("directions are a table, special words a list")
    if not all(isinstance(w, str) for w in (*directions, *directions.values(), *special)):
        raise TypeError("every word is text")
    return dict(directions), frozenset(special)


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
