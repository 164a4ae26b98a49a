"""The fonts of a card as the card writer embeds them, built once and reused.

Two kinds are covered: the standard sans faces (Helvetica and the other WinAnsi base-14
fonts, named, never embedded) and TrueType faces (the handwriting font, the fallback sans),
embedded as subsets. A TrueType subset holds every printable ASCII character at its own
code, plus the card's other characters in sorted order, so the subset depends only on which
characters the card uses: cards with the same characters share it, whatever else is in
the batch. Each distinct (face, character set) is built once per process (ReportLab's own
subsetter, so the glyphs are exactly those ReportLab draws) and kept ready as compressed
bytes; a card only stamps object numbers into it. The pen font (`variants`: the handwriting
with its letters' other forms) is embedded by `PenEmbedding`, below.

`font_for` answers None for a font neither kind covers (Symbol, ZapfDingbats, a Type 1
font registered by hand): such a card is drawn by ReportLab instead.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, makeToUnicodeCMap

from mailer.drawing.pdf_objects import stream
from mailer.drawing.pen_program import FREE, SplitProgram
from mailer.drawing.variants import PEN_FONTS, PenFont, coded_program, plain_text

_WINANSI = frozenset(f for f in pdfmetrics.standardFonts if f not in ("Symbol", "ZapfDingbats"))
ASCII = tuple(range(32, 128))
"""Codes every TrueType subset keeps for themselves: text stays readable in the file, and a
card whose words are all ASCII needs no subset of its own."""
EXTRA_CODES = (*range(1, 32), *range(128, 256))
"""Codes for the other characters of a card, in this order, in the first subset; further
subsets (a card with more than 160 of them) use codes 1-255."""
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

    def __init__(self, name: str, font: TTFont) -> None:
        # The name it was asked for: ReportLab may hand back one font object for two
        # registrations of the same file, with the other one's name (the call sheet's).
        self.name = name
        self.face = font.face
        self._sets: OrderedDict[tuple[str, ...], SubsetSet] = OrderedDict()

    def subsets(self, chars: Iterable[str]) -> SubsetSet:
        """The subsets for a card that draws `chars` in this face (built on first use)."""
        drawn = {" " if c == "\xa0" else c for c in chars}
        extra = tuple(sorted(c for c in drawn if not 32 <= ord(c) < 128))
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
        first = [0] * 32 + list(ASCII)
        layouts = [first]
        codes: dict[str, tuple[int, int]] = {chr(c): (0, c) for c in ASCII}
        free = list(EXTRA_CODES)
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
        self.subsets = tuple(subset_of(font, tuple(layout)) for layout in layouts)
        # One subset (nearly every card): encoding is a single translation of the string.
        self._table = str.maketrans({c: chr(code) for c, (_, code) in codes.items()})

    def encode(self, text: str) -> list[tuple[int, bytes]]:
        """`text` as (subset, bytes) pieces; a character the set lacks is the blank glyph."""
        if len(self.subsets) == 1:
            return [(0, text.translate(self._table).encode("latin-1", "replace"))]
        return _pieces(text, self.codes)


def _pieces(text: str, codes: dict[str, tuple[int, int]]) -> list[tuple[int, bytes]]:
    """`text` as (subset, bytes) pieces, each character at its `codes` entry; one the
    subsets lack is the blank glyph (code 0 of the first)."""
    pieces: list[tuple[int, bytearray]] = []
    for char in text:
        subset, code = codes.get(char, (0, 0))
        if not pieces or pieces[-1][0] != subset:
            pieces.append((subset, bytearray()))
        pieces[-1][1].append(code)
    return [(subset, bytes(data)) for subset, data in pieces]


def subset_of(font: TrueTypeFont, layout: tuple[int, ...]) -> Subset:
    """The subset of `font` drawing `layout[code]` at each code (0: nothing)."""
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
    cmap = makeToUnicodeCMap(base, list(layout)).encode("latin-1")
    return Subset(
        font=font_dict,
        to_unicode=stream(b"", cmap, big=True),
        descriptor=descriptor,
        font_file=stream(b"/Length1 %d " % len(program), program, big=True),
    )


class PenEmbedding:
    """The pen font as cards embed it: glyph n draws code n (`variants.coded_program`), the
    same codes on every card, so the font's dictionaries and its ToUnicode map are ready
    once. Its program holds the letters' own forms (ASCII) on every card, and of the other
    forms only those the card draws; the others' glyphs are left empty. The card's accented
    letters (up to 31) go at codes 1-31 of its copy, with their widths and ToUnicode
    entries (made once per set of letters). Most of the program is the same on every card,
    and is compressed once: a card's program is put together from pieces, each compressed
    once (`pen_program`: a deflate stream may be made of pieces that each end on a full
    flush)."""

    def __init__(self, pen: PenFont) -> None:
        self.name = pen.name
        self.table = _literal_table(pen.codes)
        plain = pdfmetrics.getFont(pen.plain)
        assert isinstance(plain, TTFont)  # the handwriting: always a TrueType face
        face = plain.face
        text = [0] * 256
        for char, code in pen.codes.items():
            text[code] = ord(plain_text(char))
        self._to_unicode = stream(b"", makeToUnicodeCMap("PenForms", text).encode(), big=True)
        self._text = text
        self._face = face
        self._widths = [face.charWidths.get(c, face.defaultWidth) if c else 0 for c in text]
        self._font = _pen_font_dict(self._widths)
        self._descriptor = (
            b"<< /Ascent %s /CapHeight %s /Descent %s /Flags %d /FontBBox [ %s ] "
            b"/FontFile2 %%%%d 0 R /FontName /%%s /ItalicAngle %s /MissingWidth 0 /StemV %s "
            b"/Type /FontDescriptor >>"
        ) % (
            fp_str(face.ascent).encode(),
            fp_str(face.capHeight).encode(),
            fp_str(face.descent).encode(),
            (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            fp_str(*face.bbox).encode(),
            fp_str(face.italicAngle).encode(),
            fp_str(face.stemV).encode(),
        )
        self._program = SplitProgram(coded_program(pen))
        self._codes = pen.codes
        self._coded = frozenset(pen.codes)
        self._forms = frozenset(c for c, code in pen.codes.items() if code >= 128)
        self._plain = pen.plain
        self._sets: OrderedDict[tuple[tuple[int, ...], tuple[str, ...]], PenSet] = OrderedDict()
        self._pens: dict[tuple[tuple[int, ...], tuple[tuple[int, int], ...]], Subset] = {}
        self._extras: dict[tuple[str, ...], tuple[Subset, ...]] = {}
        self._placings: dict[tuple[str, ...], tuple[bytes, bytes]] = {}

    def subsets(self, chars: Iterable[str]) -> PenSet:
        """The embedding for a card drawing `chars` (its runs' text) in the pen font."""
        drawn = set(chars)  # set operations: a card draws some eighty characters
        if "\xa0" in drawn:
            drawn.discard("\xa0")
            drawn.add(" ")
        others = tuple(sorted(map(self._codes.__getitem__, drawn & self._forms)))
        extra = tuple(sorted(drawn - self._coded))
        key = (others, extra)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = self._set(others, extra)
            while len(self._sets) > SUBSET_CACHE:
                self._sets.popitem(last=False)
        else:
            self._sets.move_to_end(key)
        return found

    def _set(self, others: tuple[int, ...], extra: tuple[str, ...]) -> PenSet:
        """The pen font keeping `others`, and the card's characters it lacks (accented
        letters) at free codes of its own (`FREE`); when there are more of those than free
        codes, or the handwriting lacks one too, subsets of the handwriting holding them."""
        program = self._program
        own = len(extra) <= len(FREE) and all(c in program.extra for c in extra)
        glyphs = map(program.extra.__getitem__, extra if own else ())
        placed = tuple(zip(FREE, glyphs, strict=False))
        subset = self._pens.get((others, placed))
        if subset is None:
            if len(self._pens) > SUBSET_CACHE:
                self._pens.clear()
            name = b"%s+%s" % (_tag(self.name, (*others, *itertools.chain(*placed))), program.name)
            data, length = program.keeping(others, placed)
            font, to_unicode = self._placing(extra) if placed else (self._font, self._to_unicode)
            subset = self._pens[others, placed] = Subset(
                font=font % name,
                to_unicode=to_unicode,
                descriptor=self._descriptor % name,
                font_file=b"<< /Filter /FlateDecode /Length1 %d /Length %d >>\nstream\n%s\n"
                b"endstream" % (length, len(data), data),
            )
        if own:
            table = self.table
            if placed:
                free = [code for code, _ in placed]
                pairs = zip(free, extra, strict=True)
                table = table | {ord(c): _ESCAPED.get(n, chr(n)) for n, c in pairs}
            return PenSet((subset,), table, {}, None)
        more = self._extras.get(extra)
        if more is None:
            if len(self._extras) > SUBSET_CACHE:
                self._extras.clear()
            plain = font_for(self._plain)
            assert isinstance(plain, TrueTypeFont)
            layouts = [(0, *map(ord, extra[i : i + 255])) for i in range(0, len(extra), 255)]
            more = self._extras[extra] = tuple(subset_of(plain, layout) for layout in layouts)
        codes = {c: (0, code) for c, code in self._codes.items()}
        codes |= {c: (1 + i // 255, 1 + i % 255) for i, c in enumerate(extra)}
        codes["\xa0"] = codes[" "]
        lacking = re.compile(f"[{re.escape(''.join(extra))}]")
        return PenSet((subset, *more), self.table, codes, lacking)

    def _placing(self, extra: tuple[str, ...]) -> tuple[bytes, bytes]:
        """The font dictionary (as `_pen_font_dict`) and ToUnicode stream of a copy with
        `extra` at the first free codes: their widths and characters at their codes, made
        once per set of characters (a batch has a few, its names')."""
        found = self._placings.get(extra)
        if found is None:
            if len(self._placings) > SUBSET_CACHE:
                self._placings.clear()
            widths, text = list(self._widths), list(self._text)
            face = self._face
            for code, char in zip(FREE, extra, strict=False):
                text[code] = ord(char)
                widths[code] = face.charWidths.get(ord(char), face.defaultWidth)
            cmap = makeToUnicodeCMap("PenForms", text).encode()
            found = self._placings[extra] = (_pen_font_dict(widths), stream(b"", cmap, big=True))
        return found


def _pen_font_dict(widths: list[int]) -> bytes:
    """The pen font's dictionary with these widths, `%s` for its name and `%d` for its
    ToUnicode and FontDescriptor objects."""
    return (
        b"<< /BaseFont /%%s /FirstChar 0 /FontDescriptor %%%%d 0 R /LastChar 255 "
        b"/Subtype /TrueType /ToUnicode %%%%d 0 R /Type /Font /Widths [ %s ] >>"
        % fp_str(*widths).encode()
    )


@dataclass(frozen=True, slots=True)
class PenSet:
    """A card's pen font, and its handwriting's characters the pen font lacks. A run
    without such characters (nearly all) is shown by `shown`, one translation; one with
    them is encoded in pieces by `encode`, one a subset: written one after the other, each
    starts where the last ended."""

    subsets: tuple[Subset, ...]
    table: dict[int, str]
    """Each character to its code as a PDF literal string holds it (escaped where PDF
    gives the byte a meaning)."""
    codes: dict[str, tuple[int, int]]
    """Each character's subset and code, when there are more subsets than the pen font."""
    lacking: re.Pattern[str] | None
    """Finds the characters the pen font lacks, when there are any."""

    def fits(self, text: str) -> bool:
        """Whether `shown` shows `text`: every character of it is in the pen font."""
        return self.lacking is None or self.lacking.search(text) is None

    def shown(self, text: str, gaps: tuple[tuple[int, int, float], ...]) -> bytes:
        """`Tj` showing `text` in the pen font; with changed gaps (`Run.gaps`), a `TJ` to
        each, moving over by its change, and the text after it raised (`Ts`)."""
        table = self.table
        if not gaps:
            return b"(%s) Tj" % text.translate(table).encode("latin-1", "replace")
        parts = []
        start = 0
        for at, narrower, lift in gaps:
            code = text[start:at].translate(table).encode("latin-1", "replace")
            parts.append(b"[(%s) %d] TJ %s Ts\n" % (code, narrower, fp_str(lift).encode()))
            start = at
        parts.append(b"(%s) Tj 0 Ts" % text[start:].translate(table).encode("latin-1", "replace"))
        return b"".join(parts)

    def encode(self, text: str) -> list[tuple[int, bytes]]:
        return _pieces(text, self.codes)


_ESCAPED = {ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\", 10: "\\n", 13: "\\r"}
"""Codes a PDF literal string can't hold as they are."""


def _literal_table(codes: dict[str, int]) -> dict[int, str]:
    """For `str.translate`: each character to its code, as a PDF literal string holds it."""
    table = {ord(c): _ESCAPED.get(code, chr(code)) for c, code in codes.items()}
    table[0xA0] = table[32]  # a no-break space as ReportLab draws it: a space
    return table


def _tag(name: str, layout: tuple[int, ...]) -> bytes:
    """Six capital letters naming the subset, the same for the same face and characters."""
    digest = hashlib.sha256(name.encode() + repr(layout).encode()).digest()
    return bytes(65 + b % 26 for b in digest[:6])


def characters(text: str) -> frozenset[str]:
    """A run's characters, kept by its text: most lines are other cards' too, and taking a
    handwritten line apart makes a new string for each letter in another form."""
    found = _CHARACTERS.get(text)
    if found is None:
        if len(_CHARACTERS) > 4096:
            _CHARACTERS.clear()
        found = _CHARACTERS[text] = frozenset(text)
    return found


_CHARACTERS: dict[str, frozenset[str]] = {}


_FONTS: dict[str, StandardFont | TrueTypeFont | PenEmbedding | None] = {}


def font_for(name: str) -> StandardFont | TrueTypeFont | PenEmbedding | None:
    """How the writer embeds the registered font `name`; None where it can't."""
    try:
        return _FONTS[name]
    except KeyError:
        pass
    found: StandardFont | TrueTypeFont | PenEmbedding | None = None
    if name in _WINANSI:
        found = StandardFont(name)
    elif name in PEN_FONTS:
        found = PenEmbedding(PEN_FONTS[name])
    else:
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            return None  # not registered (yet): asked again next time
        if isinstance(font, TTFont) and not getattr(font.face, "_full_font", False):
            found = TrueTypeFont(name, font)
    _FONTS[name] = found
    return found
