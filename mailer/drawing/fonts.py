"""Fonts for cards: a handwriting face for messages, a plain sans for addresses, and per-glyph
fallback so a character the first font lacks is drawn by one that has it (never a box).

Three roles, each an ordered stack of faces: `hand` (Caveat from `fontpkg-caveat`, or the
TrueType file in `templates.font`), `sans` (Helvetica) and `sans-bold` (Helvetica-Bold).
Helvetica is a base-14 font (not embedded, WinAnsi characters only); for anything outside
WinAnsi every stack falls back to a TrueType sans, embedded as a subset: Noto Sans from
`fontpkg-noto-sans` (Latin, Greek, Cyrillic, Vietnamese), else ReportLab's own Bitstream
Vera. Faces load once per process and are cached with their cmaps and widths.
`draw_label` draws the small text around a card in a preview, which must never fail.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from mailer.drawing.style import HAND, RGB, SANS, SANS_BOLD
from mailer.errors import RenderError

if TYPE_CHECKING:  # drawn on only for a card the card writer leaves to ReportLab
    from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "HAND",
    "SANS",
    "SANS_BOLD",
    "FontFace",
    "FontStack",
    "clean_text",
    "font_stacks",
    "load_every_face",
]

_WINANSI_HOLES = frozenset("\x81\x8d\x8f\x90\x9d")


class MissingGlyphError(ValueError):
    """No face in a stack can draw `char`."""

    def __init__(self, char: str, role: str) -> None:
        super().__init__(f"no font for {char!r} (U+{ord(char):04X}) in the {role} fonts")
        self.char = char
        self.role = role


class FontFace:
    """One registered font: its ReportLab name, which characters it has, their widths and
    its vertical metrics, all per 1 pt of size."""

    __slots__ = ("_has", "_width", "_widths", "ascent", "descent", "embedded", "name")

    def __init__(
        self,
        name: str,
        has: Callable[[str], bool],
        width: Callable[[str], float],
        ascent: float,
        descent: float,
        *,
        embedded: bool,
    ) -> None:
        self.name = name
        # Text extractors box a glyph from the descent up one em: count that as ink too.
        self.ascent = max(ascent, 1.0 + descent)
        self.descent = descent
        self.embedded = embedded
        self._has = has
        self._widths: dict[str, float] = {}
        self._width = width

    def has(self, char: str) -> bool:
        return self._has(char)

    def width(self, char: str) -> float:
        try:
            return self._widths[char]
        except KeyError:
            value = self._widths[char] = self._width(char)
            return value

    def __repr__(self) -> str:
        return f"FontFace({self.name!r})"


class FontStack:
    """Faces in order of preference; each character is drawn by the first that has it.
    Fallback faces load only when a character needs them."""

    def __init__(self, role: str, loaders: tuple[Callable[[], FontFace | None], ...]) -> None:
        self.role = role
        self._loaders = loaders
        self._faces: list[FontFace] = []
        self._loaded = 0
        self._choice: dict[str, FontFace] = {}
        self._plain: set[str] = {"\n"}
        """Characters the primary face draws: the common case is checked with one set
        operation instead of a lookup per character."""
        self._words: dict[str, float] = {}
        self._primary: FontFace | None = None

    @property
    def primary(self) -> FontFace:
        if self._primary is None:
            face = self._face(0)
            assert face is not None  # the first loader of every stack always succeeds
            self._primary = face
        return self._primary

    def _face(self, index: int) -> FontFace | None:
        while self._loaded <= index and self._loaded < len(self._loaders):
            face = self._loaders[self._loaded]()
            self._loaded += 1
            if face is not None and all(f.name != face.name for f in self._faces):
                self._faces.append(face)
        return self._faces[index] if index < len(self._faces) else None

    def face_for(self, char: str) -> FontFace:
        try:
            return self._choice[char]
        except KeyError:
            pass
        index = 0
        while (face := self._face(index)) is not None:
            if face.has(char):
                self._choice[char] = face
                if index == 0:
                    self._plain.add(char)
                return face
            index += 1
        raise MissingGlyphError(char, self.role)

    def is_plain(self, text: str) -> bool:
        """True when the primary face draws every character of `text`."""
        if self._plain.issuperset(text):
            return True
        primary = self.primary
        return all(self.face_for(c) is primary for c in text if c not in self._plain)

    def width(self, text: str) -> float:
        """Advance width of `text` at 1 pt, cached per word: messages repeat their words,
        while a whole line (an address) is measured once and would only fill the cache, so
        a line is measured as its words (each kept) and the spaces between them: an
        address's street, city and state are every other card's too."""
        known = self._words.get(text)  # not `try`: a line is never kept, so always missed
        if known is not None:
            return known
        if " " in text and text != " ":
            words = text.split(" ")
            total = self.width(" ") * (len(words) - 1)
            for word in words:
                total += self.width(word)
            return total
        total = 0.0
        for char in text:
            total += self.face_for(char).width(char)
        if len(self._words) < KEPT_WIDTHS:
            self._words[text] = total
        return total

    def runs(self, text: str) -> list[tuple[FontFace, str]]:
        """Split `text` into maximal pieces drawn by one face."""
        if self.is_plain(text):
            return [(self.primary, text)]
        pieces: list[tuple[FontFace, str]] = []
        start = 0
        current: FontFace | None = None
        for i, char in enumerate(text):
            face = self.face_for(char)
            if face is not current:
                if current is not None:
                    pieces.append((current, text[start:i]))
                current, start = face, i
        if current is not None:
            pieces.append((current, text[start:]))
        return pieces

    def metrics(self, text: str) -> tuple[float, float]:
        """(ascent, descent) per 1 pt over the faces that draw `text`."""
        primary = self.primary
        ascent, descent = primary.ascent, primary.descent
        if self.is_plain(text):
            return ascent, descent
        for char in set(text) - self._plain:
            face = self.face_for(char)
            ascent = max(ascent, face.ascent)
            descent = min(descent, face.descent)
        return ascent, descent


_ASCII_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_DROP = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff\u00ad]")

KEPT_WIDTHS = 4_096
"""Words whose widths a stack keeps: the first met, a batch's shared words, are the ones
that repeat; a long batch's names would otherwise grow memory with every card."""


def clean_text(text: str) -> str:
    """NFC-normalise and remove what no font draws: control and format characters
    (zero-width spaces, soft hyphens, variation selectors); tabs become spaces."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if text.isascii():  # most of a card's text: NFC already, and nothing of `_DROP` in it
        if _ASCII_CONTROL.search(text) is None:
            return text
    else:
        text = _DROP.sub("", unicodedata.normalize("NFC", text))
        if text.isascii() and _ASCII_CONTROL.search(text) is None:
            return text
    # Printable text (no Cc or Cf) needs no character-by-character pass: the common case for
    # accented names, and a tenth of the time it takes to prepare a card otherwise.
    if text.replace("\n", "").isprintable():
        return text
    return "".join(
        c for c in text if c == "\n" or c == " " or unicodedata.category(c) not in ("Cc", "Cf")
    )


def _register_ttf(path: Path, prefix: str) -> FontFace:
    # The name covers the file's bytes too: a font changed at the same path between
    # `mailer render` and `mailer print` must not share a name with the old one on a sheet
    # (printers cache fonts by name).
    try:
        content = path.read_bytes()
    except OSError:
        content = b""  # the error is reported below, where the font is read
    digest = hashlib.sha256(str(path).encode() + b"\0" + content).hexdigest()[:6]
    name = f"{prefix}-{re.sub(r'[^A-Za-z0-9]', '', path.stem)[:24]}-{digest}"
    try:
        _check_complete(path)
        # Not "ASCII readable": a subset holds only the glyphs a card draws, not every ASCII
        # glyph (a third of the bytes of a card, and of the time to write them).
        font = TTFont(name, str(path), asciiReadable=False)
    # ReportLab's parser meets a damaged file with whatever its reading hits first.
    except (
        TTFError,
        OSError,
        ValueError,
        struct.error,
        IndexError,
        KeyError,
        AttributeError,
    ) as exc:
        raise RenderError(
            f"can't use font {path}: {exc or type(exc).__name__}",
            hint="use a TrueType (.ttf) font file; CFF .otf fonts are not supported",
        ) from None
    pdfmetrics.registerFont(font)
    face = font.face
    cmap: dict[int, int] = face.charToGlyph
    widths: dict[int, int] = face.charWidths
    default = int(face.defaultWidth or 0)

    def has(char: str) -> bool:
        return cmap.get(ord(char), 0) != 0

    def width(char: str) -> float:
        return widths.get(ord(char), default) / 1000.0

    return FontFace(name, has, width, face.ascent / 1000.0, face.descent / 1000.0, embedded=True)


def _check_complete(path: Path) -> None:
    """A font file cut short (a broken download or copy) is refused here, by its own table
    directory, before anything is drawn: ReportLab reads some tables only when it embeds
    the font, and would fail there, or draw from a table that ends early."""
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"\x00\x01\x00\x00", b"true"):
            return  # not a plain TrueType file: the parser says what it is
        (tables,) = struct.unpack(">H", head[4:6])
        directory = f.read(16 * tables)
        size = f.seek(0, 2)
    ends = [
        offset + length
        for _, _, offset, length in struct.iter_unpack(
            ">4sIII", directory[: len(directory) // 16 * 16]
        )
    ]
    if len(directory) < 16 * tables or max(ends, default=0) > size:
        needs = f", its tables run to byte {max(ends):,}" if ends else ""
        raise ValueError(
            f"the file is cut short ({size:,} bytes{needs}): copy or download it again"
        )


@cache
def _ttf(path: str, prefix: str) -> FontFace:
    return _register_ttf(Path(path), prefix)


@cache
def _base14(name: str) -> FontFace:
    face = pdfmetrics.getFont(name).face  # type: ignore[attr-defined]

    def has(char: str) -> bool:
        if char in _WINANSI_HOLES or not char.isprintable():
            return False
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True

    def width(char: str) -> float:
        return pdfmetrics.stringWidth(char, name, 1.0)

    return FontFace(name, has, width, face.ascent / 1000.0, face.descent / 1000.0, embedded=False)


def caveat_path() -> Path:
    import fontpkg_caveat

    path = Path(fontpkg_caveat.ROOT) / "files" / "Caveat[wght].ttf"
    if not path.is_file():
        found = sorted((Path(fontpkg_caveat.ROOT) / "files").glob("Caveat*.ttf"))
        if not found:
            raise RenderError(
                "the Caveat font file is missing from fontpkg-caveat",
                hint="reinstall it: pip install --force-reinstall fontpkg-caveat",
            )
        path = found[0]
    return path


def fallback_sans_paths(bold: bool = False) -> list[Path]:
    """TrueType sans faces with wide coverage, best first. Only fonts that ship as Python
    packages: the same input draws the same glyphs, and gives the same bytes, on every
    machine, whatever fonts its system happens to have."""
    import fontpkg_noto_sans
    import reportlab

    files = Path(fontpkg_noto_sans.ROOT) / "files"
    found = [p for p in sorted(files.glob("NotoSans*.ttf")) if "Italic" not in p.name]
    found.append(Path(reportlab.__file__).parent / "fonts" / ("VeraBd.ttf" if bold else "Vera.ttf"))
    return found


def _fallback_loaders(bold: bool) -> tuple[Callable[[], FontFace | None], ...]:
    def loader(path: Path) -> Callable[[], FontFace | None]:
        def load() -> FontFace | None:
            try:
                return _ttf(str(path), "Fallback")
            except RenderError:
                return None

        return load

    return tuple(loader(p) for p in fallback_sans_paths(bold))


def _hand_font(path: Path) -> FontFace:
    try:
        return _ttf(str(path), "Hand")
    except RenderError as exc:
        raise RenderError(
            f"templates.font: {exc.message}",
            hint="set font in the [templates] section of mailer.toml to a TrueType (.ttf) file "
            "(CFF .otf fonts are not supported), or remove it to use Caveat",
        ) from None


def load_every_face(stacks: dict[str, FontStack]) -> None:
    """Load the first face of every role now, so that a font that can't be used stops the
    run once, up front, rather than failing every card (or a worker process)."""
    for stack in stacks.values():
        stack.primary  # noqa: B018  loading is the point


@cache
def font_stacks(hand_font: Path | None = None) -> dict[str, FontStack]:
    """The three role stacks for a handwriting font (None means Caveat). Cached per
    process: the stacks keep their glyph choices and word widths between cards."""
    caveat = caveat_path()
    hand_loaders: list[Callable[[], FontFace | None]] = []
    if hand_font is not None:
        if not hand_font.is_file():
            raise RenderError(
                f"font file {hand_font} not found",
                hint="fix templates.font in mailer.toml, or remove it to use Caveat",
            )
        hand_loaders.append(partial(_hand_font, hand_font))
    hand_loaders.append(lambda: _ttf(str(caveat), "Hand"))
    return {
        HAND: FontStack(HAND, (*hand_loaders, *_fallback_loaders(False))),
        SANS: FontStack(SANS, (lambda: _base14("Helvetica"), *_fallback_loaders(False))),
        SANS_BOLD: FontStack(
            SANS_BOLD, (lambda: _base14("Helvetica-Bold"), *_fallback_loaders(True))
        ),
    }


def draw_label(
    canvas: Canvas,
    stack: FontStack,
    text: str,
    x: float,
    y: float,
    size: float,
    color: RGB,
    max_width: float | None = None,
) -> None:
    """Text around a card (captions, guide names) that must draw whatever it holds: per-glyph
    fallback, unprintable characters as "?", characters no face has as ASCII replacements,
    and cut short with an ellipsis when wider than `max_width`."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    try:
        if max_width is not None and stack.width(text) * size > max_width:
            # The longest start that fits with its ellipsis, found by halving: a caption can
            # hold a 32,000-character cell, and measuring it once a character is too slow.
            fits, over = 0, len(text)
            while fits < over:
                mid = (fits + over + 1) // 2
                if stack.width(text[:mid] + "…") * size <= max_width:
                    fits = mid
                else:
                    over = mid - 1
            text = text[:fits] + "…"
        runs = stack.runs(text)
    except MissingGlyphError:
        text = text.encode("ascii", "replace").decode("ascii")
        runs = stack.runs(text)
    canvas.saveState()
    canvas.setFillColorRGB(*color)
    for face, piece in runs:
        canvas.setFont(face.name, size)
        canvas.drawString(x, y, piece)
        x += stack.width(piece) * size
    canvas.restoreState()
