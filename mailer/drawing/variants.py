"""Other forms of the handwriting font's letters, so that a note is not written with one
stamp per letter.

`pen_font` makes, once with fontTools (then kept on disk by `font_cache`), the pen font: the
handwriting font with each letter and digit in `FORMS - 1` other forms more, each at a
private-use character of its own (`form_char`). A line of a note is then one string in one
font, whatever forms its letters take, and the card writer embeds it as any TrueType font,
its text extracting as the characters written. The other forms' outlines are moved by their
own small, seeded change (a little scaling and shear about the baseline, a shift, and a slow
wobble) that keeps the letter legible. The wobble's wavelength is many stroke widths long,
so both edges of a stroke move together and the pen stays the same width: one pen, never a
bolder one. Advance widths and vertical metrics are the font's own, so every form lays out
exactly like it. The same file always gives the same font (the seeds are the glyph names).

ReportLab, which draws previews and print sheets and would extract the private-use
characters as they are, gets each form as a font of its own (`PenFont.forms`), made from
the same glyphs.
"""

from __future__ import annotations

import copy
import io
import math
import random
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from mailer.drawing.font_cache import kept

if TYPE_CHECKING:
    # fontTools is imported where a font is made: a run that finds the pen font kept on disk
    # (`font_cache`) never needs it, and importing it costs a tenth of a second at each start.
    from fontTools.ttLib import TTFont as FontFile
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphCoordinates

FORMS = 3
"""Forms of each letter, the font's own among them: with three, a word can always differ
from both the word before it and the form it had the last time it was written."""
VARIED = string.digits + string.ascii_uppercase + string.ascii_lowercase
"""The characters written in other forms."""
PRIVATE = 0xE000
"""Form f of character c, inside a run's text: U+E000 + 128 f + c (private use)."""
EXTRA = "Xtra"
"""The coded program's table naming its glyphs from 256 on (UTF-8): the handwriting's
characters outside printable ASCII, which a card's copy puts at codes of its own."""

# Limits of a glyph's change, as fractions of the em (1000 units in Caveat): about a twelfth
# of a stroke's width at most for the wobble, a few percent for the scale.
SCALE = 0.045
SHEAR = 0.06
SHIFT = 0.012
WOBBLE = 0.010
WAVELENGTH = 0.55

# Tables ReportLab never reads, or that would be wrong with more glyphs: the variable-font
# and OpenType layout tables (the forms are static, drawn at the default weight), kerning,
# device metrics.
_UNUSED = ("gvar", "HVAR", "MVAR", "fvar", "STAT", "avar", "cvar", "GSUB", "GPOS", "GDEF",
           "DSIG", "kern", "hdmx", "LTSH", "VDMX", "vhea", "vmtx", "VVAR", "BASE", "JSTF",
           "MATH", "morx", "feat")  # fmt: skip


def form_char(char: str, form: int) -> str:
    """`char` (one of `VARIED`) as a run of the pen font holds it in `form`."""
    return chr(PRIVATE + 128 * form + ord(char)) if form else char


_PLAIN = {PRIVATE + 128 * f + ord(c): c for f in range(1, FORMS) for c in VARIED}


def plain_text(text: str) -> str:
    """A pen font run's text as written: every form read back as its character."""
    return text.translate(_PLAIN)


_FORM_PIECES = re.compile(
    "|".join(f"[{chr(PRIVATE + 128 * f)}-{chr(PRIVATE + 128 * f + 127)}]+" for f in range(1, FORMS))
    + f"|[^{chr(PRIVATE + 128)}-{chr(PRIVATE + 128 * FORMS - 1)}]+"
)


def split_forms(text: str) -> list[tuple[int, str]]:
    """A pen font run's text as (form, text as written) pieces, in order."""
    pieces = []
    for match in _FORM_PIECES.finditer(text):
        piece = match.group()
        form = (ord(piece[0]) - PRIVATE) // 128 if piece[0] >= chr(PRIVATE + 128) else 0
        pieces.append((form, plain_text(piece) if form else piece))
    return pieces


@dataclass(frozen=True, eq=False)
class PenFont:
    """The handwriting with all its forms, as runs name it (`name`): the card writer embeds
    it, ReportLab draws each form as a font of its own (`forms`)."""

    name: str
    plain: str
    """The ReportLab name of the handwriting itself (form 0)."""
    program: bytes
    varied: frozenset[str]
    """The characters it has other forms of (the letters and digits the font has)."""
    codes: dict[str, int]
    """Where a card writer puts each character: printable ASCII the font has at its own
    code, the other forms at 128-251, the same on every card (others: in another subset)."""

    def forms(self) -> tuple[str, ...]:
        """ReportLab fonts of each form (form 0 the handwriting itself), registered the
        first time ReportLab draws a run of the pen font."""
        return _registered_forms(self)


PEN_FONTS: dict[str, PenFont] = {}
"""Every pen font made so far, by its ReportLab name."""


@cache
def pen_font(path: str, plain: str) -> PenFont:
    """The pen font of the TrueType file at `path`, whose handwriting ReportLab knows as
    `plain`. The card writer embeds it; ReportLab draws its forms (`PenFont.forms`)."""
    source = Path(path).read_bytes()
    program = kept("pen", source, lambda: _program(source, "Forms", {})[0])
    name = f"{plain}-forms"
    # Its characters are kept with it: reading them back costs nothing, where ReportLab's
    # reading of the whole font was a tenth of the start of a run that draws a card.
    try:
        drawn = set(kept("chars", program, lambda: _characters(program), ".txt").decode(*_TEXT))
    except UnicodeDecodeError:  # another kept file copied over it by hand: read them again
        drawn = set(_characters(program).decode(*_TEXT))
    varied = "".join(c for c in VARIED if form_char(c, 1) in drawn)
    codes = {chr(c): c for c in range(32, 127) if chr(c) in drawn}
    for form in range(1, FORMS):
        for index, char in enumerate(VARIED):
            if char in varied:
                codes[form_char(char, form)] = 128 + (form - 1) * len(VARIED) + index
    found = PEN_FONTS[name] = PenFont(name, plain, program, frozenset(varied), codes)
    return found


@cache
def coded_program(pen: PenFont) -> bytes:
    """The pen font as the card writer embeds it: glyph n draws code n (`PenFont.codes`),
    256 glyphs (those of unused codes empty), a symbolic character map sending each code to
    its glyph, no glyph built of others, and hinting kept."""
    return kept("coded", pen.program, lambda: _coded_program(pen))


def _coded_program(pen: PenFont) -> bytes:
    from fontTools.ttLib import TTFont as FontFile
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    font = FontFile(io.BytesIO(pen.program), recalcTimestamp=False)
    glyf, hmtx = font["glyf"], font["hmtx"]
    cmap = font.getBestCmap()
    for tag in ("post", "hmtx", "maxp", "OS/2", "hhea"):
        font[tag]  # read now: they are read by glyph order, which changes below
    names = {code: cmap[ord(char)] for char, code in pen.codes.items()}
    names[0] = ".notdef"
    order = [f"c{code}" for code in range(256)]
    # The handwriting's other characters (accented letters, signs) after them, so that a
    # card can put those it draws at free codes of its own copy: the `EXTRA` table lists
    # them, in glyph order from 256 on.
    coded = {ord(char) for char in pen.codes}
    extra = "".join(
        chr(c) for c in sorted(cmap) if c > 32 and c not in coded and not PRIVATE <= c < 0xF900
    )
    extra = "".join(c for c in extra if c.isprintable())
    names |= {256 + i: cmap[ord(char)] for i, char in enumerate(extra)}
    order += [f"x{ord(char):04X}" for char in extra]
    glyphs, metrics = {}, {}
    for code, new in enumerate(order):
        name = names.get(code)
        if name is None:
            glyphs[new], metrics[new] = Glyph(), (0, 0)
        else:
            glyphs[new], metrics[new] = _simple(glyf[name], glyf), hmtx[name]
    table = newTable(EXTRA)
    table.data = extra.encode("utf-8")
    font[EXTRA] = table
    font.setGlyphOrder(order)
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    hmtx.metrics = metrics
    font["post"].formatType = 3.0
    mac = CmapSubtable.newSubtable(0)
    mac.platformID, mac.platEncID, mac.language = 1, 0, 0
    # Every code to its glyph, those a card fills with its other characters (1-31) too.
    mac.cmap = {code: order[code] for code in range(256)}
    windows = CmapSubtable.newSubtable(4)
    windows.platformID, windows.platEncID, windows.language = 3, 0, 0
    windows.cmap = {0xF000 + code: order[code] for code in range(256)}
    font["cmap"].tables = [mac, windows]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _changed(
    points: list[tuple[float, float]], advance: int, upm: int, rng: random.Random
) -> GlyphCoordinates:
    """One outline's points, moved."""
    from fontTools.ttLib.tables._g_l_y_f import GlyphCoordinates

    sx = 1 + rng.uniform(-SCALE, SCALE)
    sy = 1 + rng.uniform(-SCALE, SCALE * 0.7)
    shear = rng.uniform(-SHEAR, SHEAR)
    dx0 = rng.uniform(-SHIFT, SHIFT) * upm
    dy0 = rng.uniform(-SHIFT, SHIFT) * upm * 0.6
    amplitude = WOBBLE * upm
    k = 2 * math.pi / (WAVELENGTH * upm)
    phase_x, phase_y = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    middle = advance / 2
    sin = math.sin
    # Scaled and sheared about the middle of the advance on the baseline, so the letter
    # keeps its place and sits on the line.
    return GlyphCoordinates(
        [
            (
                round(
                    middle + (x - middle) * sx + shear * y + dx0 + amplitude * sin(k * y + phase_x)
                ),
                round(y * sy + dy0 + amplitude * sin(k * x + phase_y)),
            )
            for x, y in points
        ]
    )


def _program(path: Path | bytes, suffix: str, shown: dict[str, int]) -> tuple[bytes, str]:
    """The font at `path` with every letter and digit in `FORMS - 1` other forms more, at
    private-use characters (`form_char`); and the characters that have them. `shown` draws
    some characters in another form in place of their own (the painter's fonts of one
    form); `suffix` ends its PostScript name."""
    from fontTools.ttLib import TTFont as FontFile

    source = io.BytesIO(path) if isinstance(path, bytes) else str(path)
    font = FontFile(source, recalcTimestamp=False)  # the same bytes every run
    for tag in _UNUSED:
        if tag in font:
            del font[tag]
    cmaps = [t for t in font["cmap"].tables if t.isUnicode()]
    if not shown:
        varied = _add_forms(font)
        for table in cmaps:
            table.cmap.update(varied)
    else:
        for table in cmaps:
            for char, form in shown.items():
                table.cmap[ord(char)] = table.cmap[ord(form_char(char, form))]
    _rename(font, suffix)
    out = io.BytesIO()
    font.save(out)
    cmap = font.getBestCmap()
    return out.getvalue(), "".join(c for c in VARIED if ord(form_char(c, 1)) in cmap)


def _add_forms(font: FontFile) -> dict[int, str]:
    """Add the other forms' glyphs to `font`; the private-use characters naming them."""
    glyf, hmtx = font["glyf"], font["hmtx"]
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    order = list(font.getGlyphOrder())
    for tag in ("post", "hmtx", "loca", "maxp", "OS/2", "hhea"):
        if tag in font:  # read now: they are read by glyph order, which grows below
            font[tag]
    added = {}
    for form in range(1, FORMS):
        for char in VARIED:
            name = cmap.get(ord(char))
            if name is None:
                continue
            glyph = _simple(glyf[name], glyf)
            if glyph.numberOfContours > 0:
                rng = random.Random(f"{form - 1}:{name}")  # noqa: S311  repeatable on purpose
                points = list(glyph.coordinates)
                glyph.coordinates = _changed(points, hmtx[name][0], upm, rng)
                glyph.recalcBounds(glyf)
            other = f"{name}.form{form}"
            order.append(other)
            glyf.glyphs[other] = glyph
            hmtx.metrics[other] = hmtx[name]
            added[ord(form_char(char, form))] = other
    font.setGlyphOrder(order)
    glyf.glyphOrder = order
    return added


def _simple(glyph: Glyph, glyf: Any) -> Glyph:
    """`glyph` with its own outline: a composite's parts flattened into it."""
    from fontTools.ttLib.tables import ttProgram
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphCoordinates

    if not glyph.isComposite():
        return copy.deepcopy(glyph)
    coordinates, ends, flags = glyph.getCoordinates(glyf)
    flat = Glyph()
    flat.numberOfContours = len(ends)
    flat.coordinates = GlyphCoordinates(coordinates)
    flat.endPtsOfContours = list(ends)
    flat.flags = flags
    flat.program = ttProgram.Program()
    flat.program.fromBytecode(b"")
    return flat


def _rename(font: FontFile, suffix: str) -> None:
    """Give the font a PostScript name of its own: ReportLab draws every font registered
    under one PostScript name with the first of them."""
    table = font["name"]
    plain = table.getDebugName(6) or "Handwriting"
    for record in table.names:
        if record.nameID == 6:
            record.string = f"{plain.split('-Forms')[0].split('-Form')[0]}-{suffix}"


_TEXT = ("utf-8", "surrogatepass")
"""How a font's characters are kept: UTF-8 text, whatever code points its map holds."""


def _characters(program: bytes) -> bytes:
    """The characters `program` draws (those of its character map), as kept."""
    face = TTFont("characters", io.BytesIO(program)).face
    return "".join(sorted(map(chr, face.charToGlyph))).encode(*_TEXT)


@cache
def _registered_forms(pen: PenFont) -> tuple[str, ...]:
    """Each form of `pen` as a ReportLab font of its own: the pen font, its letters and
    digits shown in that form."""
    names = [pen.plain]
    for form in range(1, FORMS):
        shown = dict.fromkeys(pen.varied, form)
        program, _ = _program(pen.program, f"Form{form}", shown)
        name = f"{pen.plain}-f{form}"
        # Not "ASCII readable": a subset then holds only the letters drawn in that form.
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(program), asciiReadable=False))
        names.append(name)
    return tuple(names)
