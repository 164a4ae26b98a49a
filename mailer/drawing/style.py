"""A template's layout choices, read from its `card.toml`: colours, the front image, the QR
code and each text block's font, size and floor. See templates/README.md for the format.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mailer.errors import TemplateError

HAND = "hand"
SANS = "sans"
SANS_BOLD = "sans-bold"
ROLES = (HAND, SANS, SANS_BOLD)
"""Font roles a block may use; `fonts` maps each to a stack of faces."""

FRONT_STACK = ("greeting", "headline", "body", "deadline")
"""Front blocks stacked from the top, in this order; `signature` sits at the bottom left."""
FRONT_BLOCKS = (*FRONT_STACK, "signature")
BLOCKS = (*FRONT_BLOCKS, "message")
IMAGE_POSITIONS = ("left", "right", "background")
MIN_FLOOR = 6.0

RGB = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class BlockStyle:
    font: str
    size: float
    """Size in points on a 6 x 4 card; other sizes scale it."""
    floor: float
    """The smallest size the text may shrink to before the card is refused."""
    color: str = "ink"
    align: str = "left"
    leading: float = 1.2


DEFAULT_BLOCKS: Mapping[str, BlockStyle] = {
    "greeting": BlockStyle(HAND, 30, 16, leading=1.0),
    "headline": BlockStyle(SANS_BOLD, 19, 11, leading=1.15),
    "body": BlockStyle(SANS, 11.5, 8, leading=1.3),
    "deadline": BlockStyle(SANS_BOLD, 11, 8, color="accent", leading=1.25),
    "signature": BlockStyle(HAND, 17, 11, leading=1.05),
    "message": BlockStyle(HAND, 15, 10, color="pen", leading=1.08),
}

DEFAULT_COLORS: Mapping[str, str] = {
    "background": "#FFFFFF",
    "ink": "#222222",
    "accent": "#B4432F",
    "pen": "#1D3A6E",
}


@dataclass(frozen=True)
class CardStyle:
    """Everything in `card.toml`, validated; colours as RGB fractions."""

    description: str = ""
    sales: bool = True
    """False for cards with no sales message: no `offer` variable, no QR code."""
    colors: Mapping[str, RGB] = field(default_factory=dict)
    show_qr: bool = True
    accent_rule: bool = True
    image: Path | None = None
    image_position: str = "left"
    blocks: Mapping[str, BlockStyle] = field(default_factory=lambda: dict(DEFAULT_BLOCKS))

    def color(self, name_or_hex: str) -> RGB:
        return self.colors.get(name_or_hex) or parse_color(name_or_hex)


_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def parse_color(value: str) -> RGB:
    match = _HEX.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a colour like #1D3A6E")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b)


def load_style(path: Path) -> CardStyle:
    """Read and validate a `card.toml`; every error names the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"can't read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(
            f"{path}: not valid TOML: {exc}", hint="check quotes and brackets on that line"
        ) from None
    except RecursionError:  # the parser recurses once per nested [ or {
        raise TemplateError(
            f"{path}: lists or tables nested too deeply to read",
            hint="card.toml needs at most a table inside a table: remove the nesting",
        ) from None
    return _Reader(path).style(data)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str, hint: str) -> TemplateError:
        return TemplateError(f"{self.path}: '{key}' {message}", hint=hint)

    def table(self, data: Any, key: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a table", f"write it as a [{key}] section")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            name = f"{key}.{unknown[0]}" if key else unknown[0]
            raise self.fail(name, "is not a known key", f"valid keys: {', '.join(allowed)}")
        return data

    def value(self, data: dict[str, Any], key: str, kind: type, where: str) -> Any:
        value = data[key]
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            expected = {bool: "true or false", float: "a number", str: "a quoted string"}[kind]
            raise self.fail(where, f"is {value!r}", f"set it to {expected}")
        return value

    def style(self, data: dict[str, Any]) -> CardStyle:
        top = self.table(data, "", ("description", "sales", "colors", "front", "blocks"))
        style = CardStyle()
        if "description" in top:
            style = replace(style, description=self.value(top, "description", str, "description"))
        if "sales" in top:
            style = replace(style, sales=self.value(top, "sales", bool, "sales"))
        style = replace(style, colors=self.colors(top.get("colors", {})))
        style = self.front(top.get("front", {}), style)
        blocks = self.table(top.get("blocks", {}), "blocks", BLOCKS)
        merged = dict(DEFAULT_BLOCKS)
        for name, raw in blocks.items():
            merged[name] = self.block(name, raw, DEFAULT_BLOCKS[name], style)
        return replace(style, blocks=merged)

    def colors(self, raw: Any) -> dict[str, RGB]:
        table = self.table(raw, "colors", tuple(DEFAULT_COLORS))
        result: dict[str, RGB] = {}
        for name, default in DEFAULT_COLORS.items():
            text = self.value(table, name, str, f"colors.{name}") if name in table else default
            try:
                result[name] = parse_color(text)
            except ValueError as exc:
                raise self.fail(
                    f"colors.{name}", str(exc), 'use a hex colour, e.g. "#1D3A6E"'
                ) from None
        return result

    def front(self, raw: Any, style: CardStyle) -> CardStyle:
        table = self.table(raw, "front", ("show_qr", "accent_rule", "image", "image_position"))
        if "show_qr" in table:
            style = replace(style, show_qr=self.value(table, "show_qr", bool, "front.show_qr"))
        if "accent_rule" in table:
            rule = self.value(table, "accent_rule", bool, "front.accent_rule")
            style = replace(style, accent_rule=rule)
        if table.get("image"):
            image = Path(self.value(table, "image", str, "front.image")).expanduser()
            if not image.is_absolute():
                image = self.path.parent / image
            if image.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                raise self.fail("front.image", f"is {image.name!r}", "use a PNG or JPEG file")
            if not image.is_file():
                raise self.fail("front.image", f"file {image} not found", "fix the path")
            style = replace(style, image=image)
        if "image_position" in table:
            position = self.value(table, "image_position", str, "front.image_position")
            if position not in IMAGE_POSITIONS:
                raise self.fail(
                    "front.image_position",
                    f"is {position!r}",
                    f"use one of: {', '.join(IMAGE_POSITIONS)}",
                )
            style = replace(style, image_position=position)
        return style

    def block(self, name: str, raw: Any, default: BlockStyle, style: CardStyle) -> BlockStyle:
        key = f"blocks.{name}"
        table = self.table(raw, key, ("font", "size", "floor", "color", "align", "leading"))
        values: dict[str, Any] = {}
        for field_name, kind in (("font", str), ("color", str), ("align", str)):
            if field_name in table:
                values[field_name] = self.value(table, field_name, kind, f"{key}.{field_name}")
        for field_name in ("size", "floor", "leading"):
            if field_name in table:
                values[field_name] = self.value(table, field_name, float, f"{key}.{field_name}")
        block = replace(default, **values)
        if block.font not in ROLES:
            raise self.fail(f"{key}.font", f"is {block.font!r}", f"use one of: {', '.join(ROLES)}")
        if block.align not in ("left", "center", "right"):
            raise self.fail(f"{key}.align", f"is {block.align!r}", "use left, center or right")
        if not MIN_FLOOR <= block.floor <= block.size <= 144:
            raise self.fail(
                f"{key}.floor",
                f"is {block.floor:g} with size {block.size:g}",
                f"use {MIN_FLOOR:g} <= floor <= size <= 144 (points)",
            )
        if not 0.8 <= block.leading <= 3:
            raise self.fail(f"{key}.leading", f"is {block.leading:g}", "use 0.8 to 3")
        if name == "message" and block.font == HAND and block.floor < 8:
            raise self.fail(f"{key}.floor", "is below 8 pt", "handwriting below 8 pt is unreadable")
        if block.color not in style.colors:
            try:
                parse_color(block.color)
            except ValueError:
                raise self.fail(
                    f"{key}.color",
                    f"is {block.color!r}",
                    f"use one of {', '.join(DEFAULT_COLORS)} or a hex colour",
                ) from None
        return block
