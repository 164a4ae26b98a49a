"""Other forms of the handwriting font's letters, so that a note is not written with one
stamp per letter.

`variant_fonts` derives `FORMS - 1` fonts from a TrueType file with fontTools, once per
process (the font itself is the other form):
each glyph's outline is moved by its own small, seeded change (a little scaling and shear
about the baseline, a shift, and a slow wobble) that keeps the letter legible. The wobble's
wavelength is many stroke widths long, so both edges of a stroke move together and the pen
stays the same width: one pen, never a bolder one. Advance widths, the character map and the
vertical metrics are left as they are, so every form lays out and extracts exactly like the
font it came from. The same file always gives the same forms (the seeds are the glyph names).
"""

from __future__ import annotations

import io
import math
import random
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont as FontFile
from fontTools.ttLib.tables._g_l_y_f import GlyphCoordinates
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FORMS = 3
"""Forms of each letter, the font's own among them: with three, a word can always differ
from both the word before it and the form it had the last time it was written."""

# Limits of a glyph's change, as fractions of the em (1000 units in Caveat): about a twelfth
# of a stroke's width at most for the wobble, a few percent for the scale.
SCALE = 0.045
SHEAR = 0.06
SHIFT = 0.012
WOBBLE = 0.010
WAVELENGTH = 0.55

# Tables ReportLab never reads: the variable-font tables (the forms are static, drawn at the
# default weight) and the OpenType layout tables. Dropping them makes each form quick to write
# and to parse.
_UNUSED = ("gvar", "HVAR", "MVAR", "fvar", "STAT", "avar", "GSUB", "GPOS", "GDEF", "DSIG")


def _changed(
    points: list[tuple[float, float]], advance: int, upm: int, rng: random.Random
) -> GlyphCoordinates:
    """One outline's points, moved."""
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


def _forms(path: Path) -> list[bytes]:
    """The font file of each form: the font is read once and each form written from it.
    Only letters and digits get other forms (punctuation and marks are small, and other
    glyphs stay packed as they are, which keeps this quick)."""
    font = FontFile(str(path), recalcTimestamp=False)  # the same bytes every run
    for tag in _UNUSED:
        if tag in font:
            del font[tag]
    glyf = font["glyf"]
    hmtx = font["hmtx"]
    upm = font["head"].unitsPerEm
    names = sorted(
        {name for code, name in font.getBestCmap().items() if code < 0x250 and chr(code).isalnum()}
    )
    outlines = []
    for name in names:
        glyph = glyf[name]
        if not glyph.isComposite() and glyph.numberOfContours > 0:
            # Composites follow their parts; empty glyphs have nothing to move.
            outlines.append((name, glyph, list(glyph.coordinates)))
    forms = []
    for index in range(FORMS - 1):
        for name, glyph, points in outlines:
            rng = random.Random(f"{index}:{name}")  # noqa: S311  repeatable on purpose
            glyph.coordinates = _changed(points, hmtx[name][0], upm, rng)
            glyph.recalcBounds(glyf)
        _rename(font, index + 1)
        out = io.BytesIO()
        font.save(out)
        forms.append(out.getvalue())
    return forms


def _rename(font: FontFile, form: int) -> None:
    """Give the form a PostScript name of its own: ReportLab draws every font registered
    under one PostScript name with the first of them."""
    table = font["name"]
    plain = table.getDebugName(6) or "Handwriting"
    for record in table.names:
        if record.nameID == 6:
            record.string = f"{plain.split('-Form')[0]}-Form{form}"


FORM_FONTS: set[str] = set()
"""The ReportLab names of the derived forms registered so far: the card writer embeds each
with only the letters a card draws in it (a few), not every ASCII glyph."""


@cache
def variant_fonts(path: str, name: str) -> tuple[str, ...]:
    """The ReportLab names of the forms of the font at `path` (registered under `name` as
    its plain face, the first form), registering them the first time they are asked for."""
    names = [name]
    for index, data in enumerate(_forms(Path(path))):
        form = f"{name}-f{index + 1}"
        # Not "ASCII readable": a subset then holds only the letters drawn in that form,
        # not every ASCII glyph (a form draws a few letters of a card; its text still
        # extracts through the subset's ToUnicode map).
        pdfmetrics.registerFont(TTFont(form, io.BytesIO(data), asciiReadable=False))
        FORM_FONTS.add(form)
        names.append(form)
    return tuple(names)
