"""vCard files (`.vcf`, versions 2.1, 3.0 and 4.0, RFC 2426 and RFC 6350) as the cards
they hold: each card's line number and its properties, unfolded and unescaped.

What a phone's export does that this reads: folded lines (a line starting with a space or a
tab continues the one before), quoted-printable values whose soft line breaks end in `=`
(3.0 and 2.1, with their CHARSET), grouped names (`item1.ADR`), repeated or comma-listed
TYPE parameters, escaped commas, semicolons and newlines, and several cards in one file.
Pure functions over text: nothing here opens a file.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Property:
    """One property of a card: its name (upper case, group dropped), its parameters
    (upper-case names, their values as given) and its raw value (still escaped)."""

    name: str
    params: dict[str, list[str]]
    value: str

    @property
    def types(self) -> set[str]:
        """The TYPE values, lower case ("cell", "home", "pref"); a 2.1 bare parameter too."""
        found: set[str] = set()
        for key in ("TYPE", ""):
            for item in self.params.get(key, ()):
                found.update(t.strip().casefold() for t in item.split(",") if t.strip())
        if self.params.get("PREF"):
            found.add("pref")
        return found

    def text(self) -> str:
        """The value as one text, escapes resolved."""
        return unescape(self.value)

    def parts(self) -> list[str]:
        """The components of a structured value (N, ADR), split on unescaped `;`."""
        return [unescape(p) for p in split_unescaped(self.value, ";")]


@dataclass
class Card:
    """One BEGIN:VCARD ... END:VCARD block: the line it starts on and its properties."""

    line: int
    properties: list[Property] = field(default_factory=list)
    problem: str = ""

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def first(self, name: str) -> Property | None:
        found = self.all(name)
        return found[0] if found else None


def parse_cards(text: str) -> tuple[list[Card], list[tuple[int, str]]]:
    """The cards of a vCard file and the lines outside any card that are not blank, as
    (line number, why ignored)."""
    cards: list[Card] = []
    stray: list[tuple[int, str]] = []
    current: Card | None = None
    for number, line in _logical_lines(text):
        if not line.strip():
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                current.problem = "the card has no END:VCARD before the next BEGIN:VCARD"
                cards.append(current)
            current = Card(number)
            continue
        if current is None:
            stray.append((number, "outside any BEGIN:VCARD ... END:VCARD card"))
            continue
        if upper == "END:VCARD":
            cards.append(current)
            current = None
            continue
        prop = parse_property(line)
        if prop is None:
            stray.append((number, f"not a vCard property line: {line[:40]!r}"))
        else:
            current.properties.append(prop)
    if current is not None:
        current.problem = "the card has no END:VCARD (the file ends inside it)"
        cards.append(current)
    return cards, stray


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfold: each logical line with the number of its first physical line."""
    physical = re.split(r"\r\n|\r|\n", text)
    lines: list[tuple[int, str]] = []
    index = 0
    while index < len(physical):
        number, line = index + 1, physical[index]
        index += 1
        quoted = _is_quoted_printable(line)
        while index < len(physical):
            following = physical[index]
            if quoted and line.endswith("="):
                # A quoted-printable soft line break: the value goes on, as it was written.
                line = line[:-1] + following
                index += 1
            elif following[:1] in (" ", "\t") and following.strip():
                line += following[1:]
                index += 1
            else:
                break
        lines.append((number, line))
    return lines


def _is_quoted_printable(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def parse_property(line: str) -> Property | None:
    """`[group.]NAME;PARAM=value;...:value`, or None when the line has no name and colon."""
    colon = _unquoted_colon(line)
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    pieces = split_unescaped(head, ";")
    name = pieces[0].strip().rsplit(".", 1)[-1].upper()
    if not re.fullmatch(r"[A-Z0-9-]+", name):
        return None
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, sep, val = piece.partition("=")
        if not sep:  # vCard 2.1: a bare TYPE value ("CELL", "QUOTED-PRINTABLE")
            key, val = "", key
        params.setdefault(key.strip().upper(), []).append(val.strip().strip('"'))
    encodings = {v.upper() for v in params.get("ENCODING", []) + params.get("", [])}
    if "QUOTED-PRINTABLE" in encodings:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("utf-8", "replace")
    return Property(name, params, value)


def _unquoted_colon(line: str) -> int:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return i
    return -1


def split_unescaped(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not escaped by a backslash (escapes kept)."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    r"""`\n` is a newline, `\,` `\;` `\:` and `\\` the character itself."""
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], text, flags=re.DOTALL).strip()
