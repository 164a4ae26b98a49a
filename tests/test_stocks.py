"""Stock layouts as data: the bundled table, extra stocks from mailer.toml, and duplex flips."""

from __future__ import annotations

import itertools
import tomllib
from typing import Any

import pytest

from mailer.config import from_mapping
from mailer.drawing.geometry import Rect
from mailer.errors import ConfigError, UsageError
from mailer.printing.stocks import behind, find_stock, load_stocks, mirrors_columns

LETTER = (612.0, 792.0)
A4 = (595.28, 841.89)

EXPECTED = {
    # name: (page size, per sheet, perforated, first slot's top-left from the page's top-left)
    "avery-5389": (LETTER, 2, True, (90.0, 90.0)),
    "avery-8387": ((792.0, 612.0), 4, True, (0.0, 0.0)),
    "letter-2up": (LETTER, 2, False, (90.0, 90.0)),
    "letter-4up": ((792.0, 612.0), 4, False, (0.0, 0.0)),
    "a4-2up": (A4, 2, False, ((595.28 - 432) / 2, (841.89 - 612) / 2)),
    "a4-2up-quarter": (A4, 2, False, ((595.28 - 396) / 2, (841.89 - 648) / 2)),
    # Four A6 cards (419.53 x 297.64 pt) fill a landscape A4 page, centred across.
    "a4-4up": ((841.89, 595.28), 4, False, ((841.89 - 2 * 419.53) / 2, 0.0)),
}


def _custom(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "my-stock",
        "sheet": [8.5, 11],
        "card": "4x6",
        "origin": [1.25, 1.5],
        "columns": 1,
        "rows": 2,
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def test_bundled_stocks_are_the_documented_ones() -> None:
    stocks = load_stocks()
    assert set(stocks) == set(EXPECTED)
    for name, (size, per_sheet, perforated, (left, top)) in EXPECTED.items():
        stock = stocks[name]
        assert stock.pagesize == pytest.approx(size, abs=0.01), name
        assert stock.per_sheet == per_sheet == len(stock.slots())
        assert stock.perforated is perforated
        first = stock.slots()[0]
        assert first.x == pytest.approx(left, abs=0.01)
        assert stock.sheet_height - first.top == pytest.approx(top, abs=0.01)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_slots_fit_the_sheet_and_never_overlap(name: str) -> None:
    stock = load_stocks()[name]
    sheet = Rect(0, 0, stock.sheet_width, stock.sheet_height)
    slots = stock.slots()
    for slot in slots:
        assert sheet.contains(slot), (name, slot)
        assert (slot.w, slot.h) == (stock.card_width, stock.card_height)
    for a, b in itertools.combinations(slots, 2):
        assert not a.intersects(b), (name, a, b)
    # Row by row from the top-left: reading order.
    assert slots == sorted(slots, key=lambda r: (-r.top, r.x))


def test_avery_5389_layout_in_points() -> None:
    # 1.25 in top margin, 4 in cards, 0.5 in gap: the documented choice (see the comment in
    # mailer/data/stocks.toml).
    slots = load_stocks()["avery-5389"].slots()
    assert slots == [Rect(90, 414, 432, 288), Rect(90, 90, 432, 288)]


def test_quarter_letter_cards_fill_a_letter_sheet() -> None:
    stock = load_stocks()["avery-8387"]
    assert sum(s.w * s.h for s in stock.slots()) == pytest.approx(792 * 612)


def test_aliases_and_case() -> None:
    stocks = load_stocks()
    assert find_stock(stocks, "AVERY-5889").name == "avery-5389"
    assert find_stock(stocks, " avery-3263 ").name == "avery-8387"
    assert find_stock(stocks, "avery-3380").name == "avery-8387"
    with pytest.raises(UsageError) as caught:
        find_stock(stocks, "avery-9999")
    assert "avery-9999" in caught.value.message
    assert "letter-2up" in caught.value.hint


def test_quarter_letter_warns_about_the_aspect_ratio() -> None:
    stocks = load_stocks()
    for name in ("avery-8387", "letter-4up", "a4-2up-quarter"):
        (warning,) = stocks[name].warnings()
        assert "1.294" in warning
        assert "machinable" in warning
    for name in ("avery-5389", "letter-2up", "a4-2up"):
        assert stocks[name].warnings() == []


def test_extra_stock_from_the_config_file() -> None:
    config = from_mapping(
        {
            "print": {
                "stocks": [
                    _custom(
                        aliases=["mine"],
                        description="Our office card stock",
                        pitch=[6, 4],
                        front_offset=[0.1, 0.2],
                        back_offset=[-0.05, 0],
                    )
                ]
            }
        }
    )
    stocks = load_stocks(config.print.stocks)
    stock = find_stock(stocks, "mine")
    assert stock.name == "my-stock"
    assert stock.slots() == [Rect(90, 396, 432, 288), Rect(90, 108, 432, 288)]
    # Inches, y down in the TOML; points, y up in the PDF.
    assert stock.front_offset == pytest.approx((7.2, 14.4))  # right and up
    assert stock.back_offset == pytest.approx((-3.6, 0))
    assert not stock.perforated
    assert "avery-5389" in stocks


def test_extra_stock_replaces_a_bundled_one_by_alias() -> None:
    corrected = _custom(name="my-5889", aliases=["avery-5889"], origin=[1.25, 1.5], pitch=[6, 4])
    stocks = load_stocks([corrected])
    assert "avery-5389" not in stocks
    assert find_stock(stocks, "avery-5889").origin == (90.0, 108.0)


@pytest.mark.parametrize(
    ("entry", "key", "hint"),
    [
        (_custom(colums=2), "colums", "valid keys"),
        (_custom(card=None), "card", "every stock needs"),
        (_custom(card="5x7"), "card", "4x6"),
        (_custom(card_size=[4, 6]), "card_size", "[6.0, 4.0]"),
        (_custom(rows=3), "origin", "check sheet"),
        (_custom(pitch=[6, 3]), "pitch", "at least the card size"),
        (_custom(sheet="letter"), "sheet", "two numbers"),
        (_custom(sheet=[0, 11]), "sheet", "above zero"),
        (_custom(columns=1.5), "columns", "whole number"),
        (_custom(perforated="yes"), "perforated", "true or false"),
        (_custom(origin=[-1, 0]), "origin", "top-left"),
        (_custom(name="My Stock!"), "name", "letters, digits"),
        (_custom(aliases="mine"), "aliases", "list of names"),
    ],
)
def test_bad_extra_stock_is_refused_naming_it_and_the_key(
    entry: dict[str, Any], key: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stocks([entry], source="team/mailer.toml")
    message = caught.value.message
    assert "team/mailer.toml" in message
    assert "[[print.stocks]] #1" in message
    assert f"'{key}'" in message
    if entry.get("name") == "my-stock":
        assert "'my-stock'" in message
    assert hint in caught.value.hint


@pytest.mark.parametrize(
    ("line", "key", "hint"),
    [
        ("front_offset = [nan, 0]", "front_offset", "finite"),
        ("back_offset = [0, -inf]", "back_offset", "finite"),
        ("origin = [nan, 1.5]", "origin", "finite"),
        ("sheet = [inf, 11]", "sheet", "finite"),
        ("pitch = [6, inf]", "pitch", "finite"),
        ("card_size = [nan, 4]", "card_size", "finite"),
        ("front_offset = [1.5, 0]", "front_offset", "calibration"),
        ("back_offset = [0, -2]", "back_offset", "calibration"),
    ],
)
def test_stock_numbers_must_be_finite_and_offsets_small(line: str, key: str, hint: str) -> None:
    text = (
        '[[print.stocks]]\nname = "my-stock"\ncard = "4x6"\ncolumns = 1\nrows = 2\n'
        + "\n".join(
            f"{k} = {v}"
            for k, v in (("sheet", "[8.5, 11]"), ("origin", "[1.25, 1.5]"))
            if not line.startswith(k)
        )
        + f"\n{line}\n"
    )
    entry = tomllib.loads(text)["print"]["stocks"][0]
    with pytest.raises(ConfigError) as caught:
        load_stocks([entry], source="mailer.toml")
    message = caught.value.message
    assert "[[print.stocks]] #1 ('my-stock')" in message
    assert f"'{key}'" in message
    assert hint in caught.value.hint


def test_an_offset_up_to_an_inch_is_a_nudge() -> None:
    stock = find_stock(load_stocks([_custom(front_offset=[1, -0.75])]), "my-stock")
    assert stock.front_offset == pytest.approx((72, -54))


def test_a_stock_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"\[\[print.stocks\]\] #2"):
        load_stocks([_custom(), "avery"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("duplex", "landscape", "columns"),
    [
        ("long-edge", False, True),
        ("short-edge", False, False),
        ("long-edge", True, False),
        ("short-edge", True, True),
        ("none", False, True),
        ("none", True, True),
    ],
)
def test_which_way_the_sheet_turns(duplex: str, landscape: bool, columns: bool) -> None:
    assert mirrors_columns(duplex, landscape) is columns


def test_behind_mirrors_a_slot() -> None:
    slot = Rect(10, 20, 100, 50)
    assert behind(slot, 612, 792, "long-edge") == Rect(502, 20, 100, 50)
    assert behind(slot, 612, 792, "short-edge") == Rect(10, 722, 100, 50)
    assert behind(slot, 792, 612, "long-edge") == Rect(10, 542, 100, 50)
    assert behind(slot, 792, 612, "short-edge") == Rect(682, 20, 100, 50)


def test_unknown_duplex_mode() -> None:
    with pytest.raises(UsageError, match="duplex"):
        load_stocks()["letter-2up"].back_slots("both")
