"""Printing stock as data: where each card sits on a sheet, front and back.

The bundled table is `mailer/data/stocks.toml`; `[[print.stocks]]` entries in mailer.toml add
to it or replace a bundled stock. The TOML measures in inches from the page's top-left corner
(the way a ruler on the sheet reads); a `Stock` holds points, and its rectangles are in PDF
coordinates (origin at the bottom-left, y up).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from mailer.domain.postcards import (
    MIN_ASPECT,
    SELF_MAIL_SIZES,
    Duplex,
    aspect_ratio,
    machinable,
)
from mailer.drawing.geometry import POINTS_PER_INCH, Rect
from mailer.errors import ConfigError, UsageError

DUPLEX_MODES = tuple(Duplex)

# Card sizes as rendered, landscape (width, height) in inches.
CARD_SIZES: dict[str, tuple[float, float]] = {s.value: s.inches for s in SELF_MAIL_SIZES}
MAX_OFFSET = 1.0
"""Inches: a printer off by more than this needs a different origin, not a nudge."""
_TOLERANCE = 0.005  # inches: rounding in published templates and in A4's metric sizes
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_Fail = Callable[[str, str, str], ConfigError]
"""Builds the ConfigError for (key, problem, hint) of the stock being parsed."""
_REQUIRED = ("name", "sheet", "card", "origin", "columns", "rows")
_OPTIONAL = (
    "aliases",
    "description",
    "card_size",
    "pitch",
    "front_offset",
    "back_offset",
    "perforated",
)


@dataclass(frozen=True)
class Stock:
    """One sheet layout. Lengths in points; `origin` is the first card's top-left corner
    measured from the page's top-left (x right, y down), as in the TOML. `front_offset` and
    `back_offset` are nudges (x right, y up, in the TOML too, like `--offset-front`) applied
    to everything on that side, as the page comes out of the printer."""

    name: str
    description: str
    aliases: tuple[str, ...]
    sheet_width: float
    sheet_height: float
    card: str
    card_width: float
    card_height: float
    origin: tuple[float, float]
    columns: int
    rows: int
    pitch: tuple[float, float]
    front_offset: tuple[float, float] = (0.0, 0.0)
    back_offset: tuple[float, float] = (0.0, 0.0)
    perforated: bool = False

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def landscape(self) -> bool:
        return self.sheet_width > self.sheet_height

    @property
    def pagesize(self) -> tuple[float, float]:
        return (self.sheet_width, self.sheet_height)

    def slots(self) -> list[Rect]:
        """The card positions on the front page, row by row from the top-left."""
        left, top = self.origin
        return [
            Rect(
                left + column * self.pitch[0],
                self.sheet_height - (top + row * self.pitch[1]) - self.card_height,
                self.card_width,
                self.card_height,
            )
            for row in range(self.rows)
            for column in range(self.columns)
        ]

    def back_slots(self, duplex: str) -> list[Rect]:
        """Where each slot's back goes on the back page, index for index with `slots()`."""
        return [behind(slot, self.sheet_width, self.sheet_height, duplex) for slot in self.slots()]

    def warnings(self) -> list[str]:
        """What the user should know before printing on this stock."""
        notes = []
        if not machinable(self.card_width, self.card_height):
            aspect = aspect_ratio(self.card_width, self.card_height)
            notes.append(
                f"{self.name}: {self.card} cards have an aspect ratio of {aspect:.3f}, below the "
                f"USPS machinable minimum of {MIN_ASPECT}: they can still go at the card "
                "price with a stamp but may be sorted by hand; 4x6 cards avoid this"
            )
        return notes


def mirrors_columns(duplex: str, landscape: bool) -> bool:
    """Whether turning the sheet over mirrors its columns (else its rows).

    A duplex printer turns the sheet over the edge it is told to, and prints the back page
    upright as seen after that turn. Turning over a vertical edge (left/right) swaps left and
    right; turning over a horizontal edge swaps top and bottom. On a portrait page the long
    edges are vertical, on a landscape page horizontal. `none` is manual feeding, and the
    instructions say to turn the stack over sideways, like a page of a book: a vertical edge.
    """
    if duplex not in DUPLEX_MODES:
        raise UsageError(
            f"unknown duplex mode {duplex!r}", hint=f"use one of: {', '.join(DUPLEX_MODES)}"
        )
    if duplex == "none":
        return True
    return (duplex == "long-edge") != landscape


def behind(slot: Rect, sheet_width: float, sheet_height: float, duplex: str) -> Rect:
    """The rectangle on the back page that lies exactly behind `slot` on the front page."""
    if mirrors_columns(duplex, sheet_width > sheet_height):
        return Rect(sheet_width - slot.x - slot.w, slot.y, slot.w, slot.h)
    return Rect(slot.x, sheet_height - slot.y - slot.h, slot.w, slot.h)


def load_stocks(
    extra: Sequence[Mapping[str, Any]] = (), *, source: str = "mailer.toml"
) -> dict[str, Stock]:
    """The bundled stocks plus `extra` (from `[[print.stocks]]` in `source`), by name.

    An extra stock whose name or alias matches a bundled one replaces it. Raises ConfigError
    naming the stock and the key of a bad entry.
    """
    text = resources.files("mailer").joinpath("data/stocks.toml").read_text(encoding="utf-8")
    stocks: dict[str, Stock] = {}
    for number, entry in enumerate(tomllib.loads(text)["stock"], start=1):
        stock = parse_stock(entry, f"bundled stocks.toml [[stock]] #{number}")
        stocks[stock.name] = stock
    for number, entry in enumerate(extra, start=1):
        stock = parse_stock(entry, f"{source}: [[print.stocks]] #{number}")
        names = {stock.name, *stock.aliases}
        for old in list(stocks.values()):
            if names & {old.name, *old.aliases}:
                del stocks[old.name]
        stocks[stock.name] = stock
    return stocks


def find_stock(stocks: Mapping[str, Stock], name: str) -> Stock:
    """The stock called `name` or one of its aliases (case-insensitive)."""
    wanted = name.strip().lower()
    for stock in stocks.values():
        if wanted == stock.name or wanted in stock.aliases:
            return stock
    raise UsageError(
        f"unknown stock {name!r}",
        hint=f"use one of: {', '.join(sorted(stocks))}, or describe yours under "
        "[[print.stocks]] in mailer.toml",
    )


def parse_stock(entry: Mapping[str, Any], where: str) -> Stock:
    """Validate one stock table (inches, top-left origin) and convert it to points."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: a stock must be a table", hint="write it as [[print.stocks]]")
    raw_name = entry.get("name")
    label = f"{where} ({raw_name!r})" if isinstance(raw_name, str) else where

    def fail(key: str, problem: str, hint: str) -> ConfigError:
        return ConfigError(f"{label}: '{key}' {problem}", hint=hint)

    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(
            unknown[0], "is not a stock key", f"valid keys: {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    for key in _REQUIRED:
        if key not in entry:
            raise fail(key, "is missing", "every stock needs " + ", ".join(_REQUIRED))

    name = _text(entry, "name", fail).lower()
    if not _NAME.match(name):
        raise fail("name", f"is {name!r}", "use letters, digits and hyphens, e.g. my-stock")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise fail("aliases", f"is {aliases!r}", 'write a list of names, e.g. ["avery-5889"]')
    card = _text(entry, "card", fail)
    if card not in CARD_SIZES:
        raise fail("card", f"is {card!r}", f"use one of: {', '.join(CARD_SIZES)}")
    card_w, card_h = CARD_SIZES[card]
    if "card_size" in entry:
        size = _pair(entry, "card_size", fail, positive=True)
        if abs(size[0] - card_w) > _TOLERANCE or abs(size[1] - card_h) > _TOLERANCE:
            raise fail(
                "card_size",
                f"is {list(size)} but a {card} card is {card_w} wide and {card_h} high",
                f"write card_size = [{card_w}, {card_h}] or leave it out",
            )
    sheet_w, sheet_h = _pair(entry, "sheet", fail, positive=True)
    left, top = _pair(entry, "origin", fail, positive=False)
    if left < 0 or top < 0:
        raise fail("origin", "is negative", "measure from the page's top-left corner, in inches")
    columns = _count(entry, "columns", fail)
    rows = _count(entry, "rows", fail)
    pitch_x, pitch_y = _pair(entry, "pitch", fail, positive=True, default=(card_w, card_h))
    if (columns > 1 and pitch_x < card_w - _TOLERANCE) or (
        rows > 1 and pitch_y < card_h - _TOLERANCE
    ):
        raise fail(
            "pitch",
            f"is [{pitch_x}, {pitch_y}]: the cards would overlap",
            "make the pitch at least the card size",
        )
    right = left + (columns - 1) * pitch_x + card_w
    bottom = top + (rows - 1) * pitch_y + card_h
    if right > sheet_w + _TOLERANCE or bottom > sheet_h + _TOLERANCE:
        raise fail(
            "origin",
            f"puts the last card's far corner at [{right:g}, {bottom:g}], off the "
            f"{sheet_w:g} x {sheet_h:g} sheet",
            "check sheet, origin, pitch, columns and rows (inches, from the top-left)",
        )
    front = _offset(entry, "front_offset", fail)
    back = _offset(entry, "back_offset", fail)
    perforated = entry.get("perforated", False)
    if not isinstance(perforated, bool):
        raise fail("perforated", f"is {perforated!r}", "set it to true or false")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise fail("description", f"is {description!r}", "write a quoted string")

    pt = POINTS_PER_INCH
    return Stock(
        name=name,
        description=description,
        aliases=tuple(a.strip().lower() for a in aliases),
        sheet_width=sheet_w * pt,
        sheet_height=sheet_h * pt,
        card=card,
        card_width=card_w * pt,
        card_height=card_h * pt,
        origin=(left * pt, top * pt),
        columns=columns,
        rows=rows,
        pitch=(pitch_x * pt, pitch_y * pt),
        # Offsets are nudges, right and up, like --offset-front: not page positions.
        front_offset=(front[0] * pt, front[1] * pt),
        back_offset=(back[0] * pt, back[1] * pt),
        perforated=perforated,
    )


def _text(entry: Mapping[str, Any], key: str, fail: _Fail) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"is {value!r}", 'write a quoted string, e.g. "my-stock"')
    return value.strip()


def _count(entry: Mapping[str, Any], key: str, fail: _Fail) -> int:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise fail(key, f"is {value!r}", "use a whole number from 1 to 20")
    return value


def _pair(
    entry: Mapping[str, Any],
    key: str,
    fail: _Fail,
    *,
    positive: bool,
    default: tuple[float, float] | None = None,
) -> tuple[float, float]:
    if key not in entry and default is not None:
        return default
    value = entry[key]
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise fail(key, f"is {value!r}", f"write two numbers in inches, e.g. {key} = [1.25, 0.5]")
    first, second = float(value[0]), float(value[1])
    if not (math.isfinite(first) and math.isfinite(second)):
        raise fail(key, f"is {value!r}", "write two finite numbers in inches (no nan or inf)")
    if positive and (first <= 0 or second <= 0):
        raise fail(key, f"is {value!r}", "both numbers must be above zero")
    return first, second


def _offset(entry: Mapping[str, Any], key: str, fail: _Fail) -> tuple[float, float]:
    x, y = _pair(entry, key, fail, positive=False, default=(0.0, 0.0))
    if abs(x) > MAX_OFFSET or abs(y) > MAX_OFFSET:
        raise fail(
            key,
            f"is [{x:g}, {y:g}]: more than {MAX_OFFSET:g} in",
            "an offset nudges for a printer's small misalignment; print the calibration "
            "sheet and measure again, or fix origin and pitch if the layout itself is off",
        )
    return x, y
