"""People's names as call logs and contact books write them: a full name split into the first
name a card greets and the rest, and names exported in capitals put back in their own case.

- A full name (`Dr. Mary Albright Jr.`, `Albright, Mary`, `MARY ALBRIGHT`) is read with
  nameparser: honorifics are dropped (the card greets "Mary", not "Dr."), a suffix stays with
  the last name (`Albright Jr.`), and a middle name goes with the last name too, so the
  greeting is one name and the delivery line still has them all. "Last, First Middle" keeps
  the given names together, as the writer put them.
- A name written all in capitals or all in lower case (many exports shout) is capitalised
  the way names are (`MCDONALD` -> `McDonald`, `O'BRIEN-SMITH` -> `O'Brien-Smith`, particles
  such as `van der` kept small); a name in mixed case is left exactly as written.

nameparser is slow (hundreds of microseconds a name), so plain names take a quick path and
the rest are cached: a call log repeats its people. Pure functions over text.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PLAIN_WORD = re.compile(r"[^\W\d_]+")
"""One word of letters only: capitalised by `str.capitalize` exactly as nameparser would,
unless it is one of the words below."""

_SPECIAL = re.compile(
    r"(?:mc|mac|o'|d'|fitz).*|(?:van|von|der|den|de|del|della|di|da|du|la|le|st|ste|bin|ibn|"
    r"[ivx]+|jr|sr|dr|mr|mrs|ms|miss|prof|rev)",
)
"""Words nameparser capitalises its own way: Mc/Mac/O' names, particles, numerals, titles."""

_SUFFIXES = frozenset(
    ("jr", "sr", "ii", "iii", "iv", "v", "vi", "esq", "md", "phd", "dds", "dvm", "cpa", "rn"),
)
"""What may follow a comma after a whole name (`Mary Albright, Jr.`): not "Last, First"."""


def split_full_name(full: str) -> tuple[str, str]:
    """The first name and the rest of a full name, capitalised when it was written in one
    case: "Mary Albright" -> ("Mary", "Albright"), "Albright, Mary" -> ("Mary", "Albright"),
    "Dr. Mary Albright Jr." -> ("Mary", "Albright Jr."), "MARY ALBRIGHT" -> ("Mary",
    "Albright"), "Mary Anne van der Berg" -> ("Mary", "Anne van der Berg"), "Albright,"
    -> ("", "Albright")."""
    text = " ".join(full.split())
    if not text:
        return "", ""
    return _split(text)


# A log repeats its people, not always close together (an all-caps export's names go through
# nameparser, slow to ask again); bounded so that a season's log keeps a few MiB at most.
@lru_cache(maxsize=1 << 14)
def tidy_names(first: str, last: str) -> tuple[str, str]:
    """A first and last name as given in two columns, capitalised when both together were
    written in one case ("MARY", "O'BRIEN" -> "Mary", "O'Brien"), else as written."""
    first, last = " ".join(first.split()), " ".join(last.split())
    if not _one_case(f"{first}{last}"):
        return first, last
    return capitalized(first), capitalized(last)


def capitalized(name: str) -> str:
    """A name in the case names are written in ("MCDONALD" -> "McDonald", "van der berg"
    -> "van der Berg"), whatever case it came in."""
    words = name.split()
    if all(_PLAIN_WORD.fullmatch(w) and not _SPECIAL.fullmatch(w.lower()) for w in words):
        return " ".join(w.capitalize() for w in words)
    return _capitalized_by_nameparser(" ".join(words))


def _one_case(text: str) -> bool:
    # str.isupper/islower: every cased letter in that case, and at least one of them.
    return text.isupper() or text.islower()


@lru_cache(maxsize=4096)
def _capitalized_by_nameparser(name: str) -> str:
    from nameparser import HumanName

    parsed = HumanName(name)
    parsed.capitalize(force=True)
    # HumanName puts a lone last name or a particle where it likes; only the words' case is
    # wanted here, so they are matched back in their own order.
    fixed = {word.lower(): word for word in str(parsed).split()}
    return " ".join(fixed.get(word.lower(), word.capitalize()) for word in name.split())


@lru_cache(maxsize=8192)
def _split(text: str) -> tuple[str, str]:
    words = text.split()
    if "," not in text and len(words) == 2 and all(_PLAIN_WORD.fullmatch(w) for w in words):
        first, last = words
        if not _SPECIAL.fullmatch(first.lower().rstrip(".")):
            return tidy_names(first, last)  # "Mary Albright": the quick path
    if text.endswith(",") and text.count(",") == 1:
        return tidy_names("", text[:-1])  # "Albright,": a last name alone
    from nameparser import HumanName

    parsed = HumanName(text)
    after = text.partition(",")[2]
    last_first = bool(after.strip()) and not _only_suffixes(after)
    if last_first:
        first = " ".join(p for p in (parsed.first, parsed.middle) if p)
        last = " ".join(p for p in (parsed.last, parsed.suffix) if p)
    else:
        first = parsed.first
        last = " ".join(p for p in (parsed.middle, parsed.last, parsed.suffix) if p)
    if not (first or last):
        return tidy_names(words[0], " ".join(words[1:]))  # only honorifics: keep the words
    return tidy_names(first, last)


def _only_suffixes(text: str) -> bool:
    words = [w.strip(".").lower().replace(".", "") for w in re.split(r"[\s,]+", text) if w]
    return bool(words) and all(w in _SUFFIXES for w in words)


# ---- a name shortened to a provider's limit ---------------------------------------------------

PROVIDER_NAME_LIMITS = {"lob": 40, "postgrid": 40}
"""The longest recipient name each print-and-mail service takes, in characters. Lob refuses a
longer `name`; PostGrid publishes no limit, but prints the name in an address block of the
same width, so the same 40 keeps its line whole."""

_NAME_PIECE = re.compile(r"[^\s-]*-|[^\s-]+|\s+")
"""The pieces a name may be cut between: words, each hyphenated part with its hyphen."""


def name_limit(provider: str) -> int | None:
    """The recipient name limit of `provider`, None when it has none."""
    return PROVIDER_NAME_LIMITS.get(provider)


def shortened_name(name: str, limit: int) -> str:
    """`name` in at most `limit` characters, by one rule, each step only when the one before
    is still too long:

    1. the name as written (spaces tidied) when it fits;
    2. middle names (and any title) dropped: "Mary Anne Albright" -> "Mary Albright";
    3. given names cut to initials: "M. Albright";
    4. cut at a word or hyphen boundary from the end, so a hyphenated surname keeps as many
       of its parts as fit ("A. Papadopoulou-Wittelsbach"); when not even the initial and
       the surname's first part fit, the surname alone, and a single word longer than the
       limit is cut inside it.

    Never empty for a name with any letter in it; a name that fits comes back unchanged."""
    text = " ".join(name.split())
    if len(text) <= limit:
        return text
    given, last = _given_and_last(text)
    if last:
        no_middle = " ".join([*given[:1], last])
        initials = " ".join([*(f"{g[0]}." for g in given[:1]), last])
        for candidate in (no_middle, initials):
            if len(candidate) <= limit:
                return candidate
        if given:
            cut = _cut(initials, limit, keep=2)
            if cut is not None:
                return cut
        text = last
    return _cut(text, limit, keep=1) or text[:limit].rstrip(" -") or text[:limit].strip()


def _given_and_last(text: str) -> tuple[list[str], str]:
    """The given names and the rest (surname, particles, suffix) of a full name, as written;
    nameparser tells a middle name from a surname particle. ([], text) when it can't say."""
    from nameparser import HumanName

    parsed = HumanName(text)
    given = [w for w in (parsed.first, *parsed.middle_list) if w]
    last = " ".join(p for p in (parsed.last, parsed.suffix) if p)
    words = set(text.replace(",", " ").split())
    if not (given and last) or not set(" ".join([*given, last]).split()) <= words:
        return [], text
    return given, last


def _cut(text: str, limit: int, *, keep: int) -> str | None:
    """The longest start of `text` ending at a word or hyphen boundary, within `limit` and
    keeping at least `keep` words-or-parts; None when those alone are too long."""
    pieces = _NAME_PIECE.findall(text)
    words = 0
    best: str | None = None
    built = ""
    for piece in pieces:
        built += piece
        if piece.isspace():
            continue
        words += 1
        trimmed = built.rstrip(" -")
        if len(trimmed) > limit:
            break
        if words >= keep and trimmed:
            best = trimmed
    return best


def addressed_name(name: str, provider: str) -> str:
    """The recipient name as `provider` gets it: shortened to its limit (`shortened_name`)
    when it has one, else as written (spaces tidied). The ledger keeps the full name."""
    limit = name_limit(provider)
    return shortened_name(name, limit) if limit is not None else " ".join(name.split())
