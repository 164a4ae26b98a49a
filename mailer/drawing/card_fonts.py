"""The fonts of a card as the card writer embeds them, built once and reused.

Two kinds are covered: the standard sans faces (Helvetica and the other WinAnsi base-14
fonts, named, never embedded) and TrueType faces (the handwriting font, the fallback sans),
embedded as subsets. A TrueType subset holds every printable ASCII character at its own
code, plus the card's other characters in sorted order, so the subset depends only on which
characters the card uses: cards with the same characters share it, whatever else is in
the batch. Each distinct (face, character set) is built once per process (ReportLab's own
subsetter, so the glyphs are exactly those ReportLab draws) and kept ready as compressed
bytes; a card only stamps object numbers into it. The pen font (`variants`: the handwriting
with its letters' other forms at private-use characters) is one of them; its text extracts
as the characters written.

`font_for` answers None for a font neither kind covers (Symbol, ZapfDingbats, a Type 1
font registered by hand): such a card is drawn by ReportLab instead.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, makeToUnicodeCMap

from mailer.drawing.pdf_objects import stream
from mailer.drawing.variants import PEN_FONTS, PenFont, plain_text

_WINANSI = frozenset(f for f in pdfmetrics.standardFonts if f not in ("Symbol", "ZapfDingbats"))
ASCII = tuple(range(32, 128))
"""Codes every TrueType subset keeps for themselves: text stays readable in the file, and a
card whose words are all ASCII needs no subset of its own."""
EXTRA_CODES = (*range(1, 32), *range(128, 256))
"""Codes for the other characters of a card, in this order, in the first subset (those the
pen font's forms leave free); further subsets (a card with more than 160 of them) use codes
1-255."""
SUBSET_CACHE = 256
"""Character sets kept per process: a batch's cards mostly share a handful (the ASCII-only
one above all); a name with a rare letter adds one."""


class StandardFont:
    """A base-14 font with the WinAnsi encoding: text is cp1252 bytes, nothing embedded."""

    def __init__(self, name: str) -> None:
        self.name = name
        entries = b"/Encoding /WinAnsiEncoding /Subtype /Type1 /Type /Font"
        self.body = b"<< /BaseFont /%s %s >>" % (name.encode("ascii"), entries)

    def encodable(self, text: str) -> bool:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True


class TrueTypeFont:
    """A registered TrueType face; `subsets` gives its embedding for a set of characters."""

    def __init__(self, name: str, font: TTFont, pen: PenFont | None = None) -> None:
        # The name it was asked for: ReportLab may hand back one font object for two
        # registrations of the same file, with the other one's name (the call sheet's).
        self.name = name
        self.face = font.face
        self.pen = pen is not None
        """The pen font: its forms extract as the characters they are forms of."""
        self.base = pen.codes if pen is not None else _ASCII_CODES
        """Characters every subset set holds at these codes of its first subset: printable
        ASCII (and in the pen font, the other forms of its letters and digits)."""
        self._sets: OrderedDict[tuple[str, ...], SubsetSet] = OrderedDict()

    def subsets(self, chars: Iterable[str]) -> SubsetSet:
        """The subsets for a card that draws `chars` in this face (built on first use)."""
        drawn = {" " if c == "\xa0" else c for c in chars}
        extra = tuple(sorted(drawn.difference(self.base)))
        found = self._sets.get(extra)
        if found is None:
            found = self._sets[extra] = SubsetSet(self, extra)
            while len(self._sets) > SUBSET_CACHE:
                self._sets.popitem(last=False)
        else:
            self._sets.move_to_end(extra)
        return found


@dataclass(frozen=True, slots=True)
class Subset:
    """One embedded font of at most 256 codes, ready but for its object numbers."""

    font: bytes
    """The font dictionary, with `%d` for its ToUnicode and FontDescriptor objects."""
    to_unicode: bytes
    descriptor: bytes
    """With `%d` for the font file object."""
    font_file: bytes

    def bodies(self, first: int) -> list[bytes]:
        """The four objects, numbered from `first` (the font dictionary) on."""
        return [
            self.font % (first + 2, first + 1),
            self.to_unicode,
            self.descriptor % (first + 3),
            self.font_file,
        ]


class SubsetSet:
    """A face's subsets for one character set, and how its text is encoded in them."""

    def __init__(self, font: TrueTypeFont, extra: tuple[str, ...]) -> None:
        first = [0] * (max(font.base.values()) + 1)
        for char, code in font.base.items():
            first[code] = ord(char)
        layouts = [first]
        codes: dict[str, tuple[int, int]] = {c: (0, code) for c, code in font.base.items()}
        free = [code for code in EXTRA_CODES if code >= len(first) or not first[code]]
        for char in extra:
            if not free:
                layouts.append([0])
                free = list(range(1, 256))
            code = free.pop(0)
            layout = layouts[-1]
            layout.extend([0] * (code + 1 - len(layout)))
            layout[code] = ord(char)
            codes[char] = (len(layouts) - 1, code)
        codes["\xa0"] = codes.get(" ", (0, 0))  # as ReportLab draws it: a space
        self.codes = codes
        self.subsets = tuple(_subset(font, tuple(layout)) for layout in layouts)
        # One subset (nearly every card): encoding is a single translation of the string.
        self._table = str.maketrans({c: chr(code) for c, (_, code) in codes.items()})

    def encode(self, text: str) -> list[tuple[int, bytes]]:
        """`text` as (subset, bytes) pieces; a character the set lacks is the blank glyph."""
        if len(self.subsets) == 1:
            return [(0, text.translate(self._table).encode("latin-1", "replace"))]
        pieces: list[tuple[int, bytearray]] = []
        for char in text:
            subset, code = self.codes.get(char, (0, 0))
            if not pieces or pieces[-1][0] != subset:
                pieces.append((subset, bytearray()))
            pieces[-1][1].append(code)
        return [(subset, bytes(data)) for subset, data in pieces]


def _subset(font: TrueTypeFont, layout: tuple[int, ...]) -> Subset:
    face = font.face
    tag = _tag(font.name, layout)
    base = (tag + b"+" + face.name + face.subfontNameX).decode("latin-1")
    name = base.encode("latin-1")
    known = face.charWidths
    widths = fp_str(*(known.get(code, face.defaultWidth) for code in layout)).encode("ascii")
    font_dict = b"<< /BaseFont /%s /FirstChar 0 /FontDescriptor %%d 0 R /LastChar %d " % (
        name,
        len(layout) - 1,
    )
    font_dict += b"/Subtype /TrueType /ToUnicode %%d 0 R /Type /Font /Widths [ %s ] >>" % widths
    flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
    descriptor = (
        b"<< /Ascent %s /CapHeight %s /Descent %s /Flags %d /FontBBox [ %s ] "
        b"/FontFile2 %%d 0 R /FontName /%s /ItalicAngle %s /MissingWidth %s /StemV %s "
        b"/Type /FontDescriptor >>"
    ) % (
        fp_str(face.ascent).encode(),
        fp_str(face.capHeight).encode(),
        fp_str(face.descent).encode(),
        flags,
        fp_str(*face.bbox).encode(),
        name,
        fp_str(face.italicAngle).encode(),
        fp_str(face.defaultWidth).encode(),
        fp_str(face.stemV).encode(),
    )
    program = face.makeSubset(list(layout))
    text = [ord(plain_text(chr(c))) for c in layout] if font.pen else list(layout)
    cmap = makeToUnicodeCMap(base, text).encode("latin-1")
    return Subset(
        font=font_dict,
        to_unicode=stream(b"", cmap, big=True),
        descriptor=descriptor,
        font_file=stream(b"/Length1 %d " % len(program), program, big=True),
    )


def _tag(name: str, layout: tuple[int, ...]) -> bytes:
    """Six capital letters naming the subset, the same for the same face and characters."""
    digest = hashlib.sha256(name.encode() + repr(layout).encode()).digest()
    return bytes(65 + b % 26 for b in digest[:6])


_ASCII_CODES = {chr(c): c for c in ASCII}

_FONTS: dict[str, StandardFont | TrueTypeFont | None] = {}


def font_for(name: str) -> StandardFont | TrueTypeFont | None:
    """How the writer embeds the registered font `name`; None where it can't."""
    try:
        return _FONTS[name]
    except KeyError:
        pass
    found: StandardFont | TrueTypeFont | None = None
    if name in _WINANSI:
        found = StandardFont(name)
    else:
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            return None  # not registered (yet): asked again next time
        if isinstance(font, TTFont) and not getattr(font.face, "_full_font", False):
            found = TrueTypeFont(name, font, PEN_FONTS.get(name))
    _FONTS[name] = found
    return found
