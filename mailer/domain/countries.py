"""Countries as people write them, to ISO 3166 two-letter codes ("United States", "U.S.A.",
"CAN", "UK", "Deutschland" -> "US", "US", "CA", "GB", "DE").

The spellings of the countries a US seller meets most are a table (the quick path: a call log
says "USA" on every row); anything else is looked up in pycountry's ISO 3166 list by code,
name, official or common name, plus a few names people write in their own language. An
empty country is the US (README, "Dates, names and addresses"). Pure functions over text.
"""

from __future__ import annotations

from functools import lru_cache

_COMMON = {
    alias: code
    for code, aliases in {
        "US": ("us", "usa", "united states", "united states of america", "america", "u s", "u s a"),
        "CA": ("ca", "can", "canada"),
        "GB": (
            "gb",
            "uk",
            "united kingdom",
            "great britain",
            "britain",
            "england",
            "scotland",
            "wales",
            "northern ireland",
        ),
        "MX": ("mx", "mex", "mexico", "méxico"),
    }.items()
    for alias in aliases
}
"""The quick path: the spellings most call logs use, no lookup needed."""

_OWN_NAMES = {
    "deutschland": "DE",
    "españa": "ES",
    "espana": "ES",
    "italia": "IT",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "belgique": "BE",
    "belgië": "BE",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "österreich": "AT",
    "osterreich": "AT",
    "brasil": "BR",
    "éire": "IE",
    "eire": "IE",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "polska": "PL",
    "россия": "RU",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "nippon": "JP",
    "turkey": "TR",
    "türkiye": "TR",
}
"""Names pycountry does not hold: a country's name in its own language, and short forms."""


def country_code(text: str) -> str | None:
    """The ISO-2 code `text` names ("U.S.A." -> "US", "Deutschland" -> "DE"); "US" for an
    empty country; None when it names no country we know (the caller keeps it as written
    and says so)."""
    key = " ".join(text.replace(".", "").casefold().split())
    if not key:
        return "US"
    found = _COMMON.get(key)
    return found if found is not None else _looked_up(key)


@lru_cache(maxsize=1024)
def _looked_up(key: str) -> str | None:
    if key in _OWN_NAMES:
        return _OWN_NAMES[key]
    import pycountry

    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return str(country.alpha_2)


@lru_cache(maxsize=256)  # a log writes its few countries on every row; pure over text
def read_country(text: str) -> tuple[str, str | None]:
    """A call log's country cell: its ISO-2 code, or the text as written with the notice
    that says so when it names no country we know."""
    code = country_code(text)
    if code is not None:
        return code, None
    kept = text.strip()
    return kept, (
        f"country {kept!r} is not a country we know, so it is kept as written; "
        "use its English name or its two-letter code (DE, GB, CA)"
    )
