"""Cards imposed on sheets and the calibration page, checked in the written PDFs."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.geometry import Rect
from mailer.errors import UsageError
from mailer.printing.calibration import write_calibration
from mailer.printing.marks import MARK_LENGTH
from mailer.printing.stocks import Stock, load_stocks, parse_stock
from tests.reportlab_sheets import impose

STOCKS = load_stocks()

# A landscape sheet with three columns and uneven margins: a flip that only happens to work
# for symmetric layouts would put these backs behind the wrong fronts.
LANDSCAPE_3X2 = parse_stock(
    {
        "name": "test-landscape",
        "sheet": [20, 9.5],
        "card": "4x6",
        "origin": [0.5, 0.75],
        "columns": 3,
        "rows": 2,
        "pitch": [6.25, 4.25],
    },
    "test",
)
PORTRAIT_2X2 = parse_stock(
    {
        "name": "test-portrait",
        "sheet": [13, 19],
        "card": "4.25x5.5",
        "origin": [0.75, 2],
        "columns": 2,
        "rows": 2,
        "pitch": [5.75, 4.5],
    },
    "test",
)
ALL_STOCKS = [*STOCKS.values(), LANDSCAPE_3X2, PORTRAIT_2X2]


def _labeller(side: str, stock: Stock) -> Callable[[Canvas, float, float, int], None]:
    """Draws `SIDE-n` at the card's centre and `TLSn` near its top-left corner."""

    def draw(canvas: Canvas, x: float, y: float, n: int) -> None:
        canvas.setFont("Helvetica", 12)
        canvas.drawCentredString(x + stock.card_width / 2, y + stock.card_height / 2, f"{side}-{n}")
        canvas.setFont("Helvetica", 6)
        canvas.drawString(x + 6, y + stock.card_height - 12, f"TL{side[0]}{n}")

    return draw


def _impose(stock: Stock, count: int, out: Path | io.BytesIO, **options: Any) -> Any:
    options.setdefault("duplex", "long-edge")
    return impose(
        list(range(1, count + 1)),
        stock,
        out,
        draw_front=_labeller("FRONT", stock),
        draw_back=_labeller("BACK", stock),
        **options,
    )


def _words(page: Any) -> dict[str, tuple[float, float]]:
    """Each word's centre in PDF coordinates (origin bottom-left)."""
    return {
        w["text"]: ((w["x0"] + w["x1"]) / 2, page.height - (w["top"] + w["bottom"]) / 2)
        for w in page.extract_words()
    }


def _inside(point: tuple[float, float], rect: Rect) -> bool:
    return rect.x < point[0] < rect.right and rect.y < point[1] < rect.top


def _turn_over(
    point: tuple[float, float], width: float, height: float, edge: str
) -> tuple[float, float]:
    """Where a point on the back page lies on the front page, after physically turning the
    sheet over `edge` (`long`, `short`, or `book` for the manual sideways turn)."""
    long_edges_vertical = height >= width
    if edge == "book":
        over_vertical = True
    elif edge == "long":
        over_vertical = long_edges_vertical
    else:
        over_vertical = not long_edges_vertical
    x, y = point
    return (width - x, y) if over_vertical else (x, height - y)


@pytest.mark.parametrize("stock", ALL_STOCKS, ids=lambda s: s.name)
@pytest.mark.parametrize("duplex", ["long-edge", "short-edge", "none"])
def test_every_back_lands_behind_its_own_front(tmp_path: Path, stock: Stock, duplex: str) -> None:
    count = stock.per_sheet + 1  # a full sheet and a partial one
    out = tmp_path / "sheets.pdf"
    result = _impose(stock, count, out, duplex=duplex)
    sheets = result.sheets
    slots = stock.slots()
    edge = {"long-edge": "long", "short-edge": "short", "none": "book"}[duplex]
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 2 * sheets == result.pages
        for sheet in range(sheets):
            if duplex == "none":
                front, back = pdf.pages[sheet], pdf.pages[sheets + sheet]
            else:
                front, back = pdf.pages[2 * sheet], pdf.pages[2 * sheet + 1]
            fronts, backs = _words(front), _words(back)
            on_sheet = range(
                sheet * stock.per_sheet + 1, min(count, (sheet + 1) * stock.per_sheet) + 1
            )
            assert {w for w in fronts if w.startswith("FRONT")} == {f"FRONT-{n}" for n in on_sheet}
            assert {w for w in backs if w.startswith("BACK")} == {f"BACK-{n}" for n in on_sheet}
            for index, n in enumerate(on_sheet):
                slot = slots[index]
                assert _inside(fronts[f"FRONT-{n}"], slot)
                assert fronts[f"FRONT-{n}"][0] == pytest.approx(slot.x + slot.w / 2, abs=0.5)
                turned = _turn_over(backs[f"BACK-{n}"], stock.sheet_width, stock.sheet_height, edge)
                assert _inside(turned, slot), (duplex, n, turned, slot)
                # The back is upright on its page: its top-left label is up and to the left.
                label, centre = backs[f"TLB{n}"], backs[f"BACK-{n}"]
                assert label[0] < centre[0]
                assert label[1] > centre[1]
            assert all(c["upright"] for c in back.chars)


@pytest.mark.parametrize("stock", list(STOCKS.values()), ids=lambda s: s.name)
def test_sheet_size_and_page_count(tmp_path: Path, stock: Stock) -> None:
    out = tmp_path / "sheets.pdf"
    result = _impose(stock, 2 * stock.per_sheet + 1, out)
    assert (result.sheets, result.pages, result.cards) == (3, 6, 2 * stock.per_sheet + 1)
    reader = PdfReader(out)
    assert len(reader.pages) == 6
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(stock.sheet_width, abs=0.01)
        assert float(box.height) == pytest.approx(stock.sheet_height, abs=0.01)


def test_five_cards_on_two_up_page_order(tmp_path: Path) -> None:
    stock = STOCKS["letter-2up"]
    out = tmp_path / "duplex.pdf"
    assert _impose(stock, 5, out).pages == 6
    with pdfplumber.open(out) as pdf:
        pages = [sorted(w for w in _words(p) if "-" in w) for p in pdf.pages]
    assert pages == [
        ["FRONT-1", "FRONT-2"],
        ["BACK-1", "BACK-2"],
        ["FRONT-3", "FRONT-4"],
        ["BACK-3", "BACK-4"],
        ["FRONT-5"],
        ["BACK-5"],
    ]
    manual = tmp_path / "manual.pdf"
    result = _impose(stock, 5, manual, duplex="none")
    with pdfplumber.open(manual) as pdf:
        pages = [sorted(w for w in _words(p) if "-" in w) for p in pdf.pages]
    assert pages == [
        ["FRONT-1", "FRONT-2"],
        ["FRONT-3", "FRONT-4"],
        ["FRONT-5"],
        ["BACK-1", "BACK-2"],
        ["BACK-3", "BACK-4"],
        ["BACK-5"],
    ]
    assert "Print pages 1-3" in result.instructions
    assert "Print pages 4-6" in result.instructions
    assert "sideways" in result.instructions


def test_duplex_instructions_name_the_edge(tmp_path: Path) -> None:
    stock = STOCKS["avery-5389"]
    assert "flip on long edge" in _impose(stock, 1, tmp_path / "a.pdf").instructions
    short = _impose(stock, 1, tmp_path / "b.pdf", duplex="short-edge")
    assert "flip on short edge" in short.instructions
    assert "100%" in short.instructions


def _mark_lines(page: Any) -> list[dict[str, Any]]:
    return list(page.lines)


@pytest.mark.parametrize("stock", list(STOCKS.values()), ids=lambda s: s.name)
def test_crop_marks_only_on_plain_stock_and_never_on_a_card(tmp_path: Path, stock: Stock) -> None:
    out = tmp_path / "marks.pdf"
    _impose(stock, stock.per_sheet, out)
    with pdfplumber.open(out) as pdf:
        front, back = pdf.pages
        lines = _mark_lines(front)
        assert _mark_lines(back) == []  # marks go on the fronts only
        height = front.height
    if stock.perforated or stock.name in ("letter-4up", "a4-4up"):
        # Perforated cards need none; letter-4up and a4-4up fill the sheet, leaving no room.
        assert lines == []
        return
    assert len(lines) >= 4 * stock.per_sheet
    slots = stock.slots()
    for line in lines:
        assert 0.25 <= line["linewidth"] <= 0.5
        x0, x1 = line["x0"], line["x1"]
        y0, y1 = height - line["bottom"], height - line["top"]
        assert x0 == x1 or y0 == y1  # hairlines on the extension of a trim line
        assert max(x1 - x0, y1 - y0) <= MARK_LENGTH + 0.01
        assert 0 <= x0 <= x1 <= stock.sheet_width + 0.01
        assert 0 <= y0 <= y1 <= stock.sheet_height + 0.01
        assert any(_near(x0, s.x, s.right) if x0 == x1 else _near(y0, s.y, s.top) for s in slots)
        for slot in slots:
            grown = Rect(slot.x - 0.5, slot.y - 0.5, slot.w + 1, slot.h + 1)
            touches = x0 <= grown.right and x1 >= grown.x and y0 <= grown.top and y1 >= grown.y
            assert not touches, (line, slot)
    # Every corner of every card is marked on both trim lines (2up stocks have gutters).
    for slot in slots:
        for x in (slot.x, slot.right):
            assert any(line["x0"] == line["x1"] == pytest.approx(x) for line in lines)
        for y in (slot.y, slot.top):
            assert any(line["top"] == line["bottom"] == pytest.approx(height - y) for line in lines)


def _near(value: float, *targets: float) -> bool:
    return any(abs(value - t) < 0.01 for t in targets)


def test_crop_marks_override(tmp_path: Path) -> None:
    _impose(STOCKS["avery-5389"], 2, tmp_path / "on.pdf", crop_marks=True)
    _impose(STOCKS["letter-2up"], 2, tmp_path / "off.pdf", crop_marks=False)
    with pdfplumber.open(tmp_path / "on.pdf") as pdf:
        assert len(pdf.pages[0].lines) > 0
    with pdfplumber.open(tmp_path / "off.pdf") as pdf:
        assert pdf.pages[0].lines == []


def test_marks_skip_a_neighbour_but_keep_the_shared_cut_line() -> None:
    from mailer.printing.marks import crop_marks

    # Two cards side by side touching, with paper around them.
    left, right = Rect(100, 100, 200, 100), Rect(300, 100, 200, 100)
    marks = crop_marks([left, right], Rect(0, 0, 600, 300))
    for mark in marks:
        for card in (left, right):
            assert not (
                min(mark.x0, mark.x1) <= card.right
                and max(mark.x0, mark.x1) >= card.x
                and min(mark.y0, mark.y1) <= card.top
                and max(mark.y0, mark.y1) >= card.y
            )
    # The shared edge at x=300 is still marked above and below, once each.
    shared = [m for m in marks if m.x0 == m.x1 == 300]
    assert len(shared) == 2


def test_marks_in_a_narrow_gutter_stop_short_of_the_next_card() -> None:
    from mailer.printing.marks import CLEARANCE, MARK_GAP, crop_marks

    gutter = MARK_GAP + 8  # room for a shortened mark only
    top, bottom = Rect(100, 200, 200, 100), Rect(100, 200 - gutter - 100, 200, 100)
    marks = crop_marks([top, bottom], Rect(0, 0, 400, 400))
    between = [m for m in marks if m.x0 == m.x1 and bottom.top < min(m.y0, m.y1) < top.y]
    assert between
    for mark in between:
        assert min(mark.y0, mark.y1) >= bottom.top + CLEARANCE - 0.001
        assert max(mark.y0, mark.y1) <= top.y - CLEARANCE + 0.001


def test_offsets_shift_each_side_independently(tmp_path: Path) -> None:
    stock = STOCKS["letter-2up"]
    _impose(stock, 2, tmp_path / "plain.pdf")
    _impose(stock, 2, tmp_path / "shifted.pdf", offset_front=(5.0, -3.0), offset_back=(0.0, 7.0))
    with (
        pdfplumber.open(tmp_path / "plain.pdf") as a,
        pdfplumber.open(tmp_path / "shifted.pdf") as b,
    ):
        for page, (dx, dy) in ((0, (5.0, -3.0)), (1, (0.0, 7.0))):
            before, after = _words(a.pages[page]), _words(b.pages[page])
            for word, (x, y) in before.items():
                assert after[word] == pytest.approx((x + dx, y + dy), abs=0.01)
        # The marks move with the fronts: they are printed with them.
        plain_marks = sorted(round(line["x0"], 2) for line in a.pages[0].lines)
        moved_marks = sorted(round(line["x0"] - 5.0, 2) for line in b.pages[0].lines)
        assert plain_marks == moved_marks


def test_stock_offsets_from_the_table_apply(tmp_path: Path) -> None:
    nudged = parse_stock(
        {
            "name": "nudged",
            "sheet": [8.5, 11],
            "card": "4x6",
            "origin": [1.25, 1.25],
            "columns": 1,
            "rows": 2,
            "pitch": [6, 4.5],
            "back_offset": [0.25, 0.5],
        },
        "test",
    )
    _impose(STOCKS["letter-2up"], 1, tmp_path / "plain.pdf")
    _impose(nudged, 1, tmp_path / "nudged.pdf")
    with (
        pdfplumber.open(tmp_path / "plain.pdf") as a,
        pdfplumber.open(tmp_path / "nudged.pdf") as b,
    ):
        assert _words(b.pages[0])["FRONT-1"] == pytest.approx(_words(a.pages[0])["FRONT-1"])
        x, y = _words(a.pages[1])["BACK-1"]
        # Right and up, as --offset-back moves them.
        assert _words(b.pages[1])["BACK-1"] == pytest.approx((x + 18, y + 36), abs=0.01)


def test_a_card_cannot_paint_over_its_neighbour(tmp_path: Path) -> None:
    stock = STOCKS["letter-2up"]

    def flood(canvas: Canvas, x: float, y: float, n: int) -> None:
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(x - 200, y - 200, 1000, 1000, fill=1, stroke=0)

    out = tmp_path / "flood.pdf"
    impose(
        [1, 2], stock, out, duplex="long-edge", draw_front=flood, draw_back=flood, crop_marks=False
    )
    image = pdfium.PdfDocument(str(out))[0].render(scale=1).to_pil().convert("L")
    first, second = stock.slots()
    gap_y = stock.sheet_height - (first.y + second.top) / 2  # image rows run down
    assert image.getpixel((306, int(gap_y))) == 255
    assert image.getpixel((306, int(stock.sheet_height - first.y - first.h / 2))) == 0
    assert image.getpixel((40, 40)) == 255


def test_output_is_reproducible_and_streams_to_a_file_object(tmp_path: Path) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    _impose(STOCKS["avery-8387"], 9, first)
    _impose(STOCKS["avery-8387"], 9, second)
    assert first.getvalue() == second.getvalue()
    assert len(PdfReader(io.BytesIO(first.getvalue())).pages) == 6


def test_a_large_batch(tmp_path: Path) -> None:
    out = tmp_path / "big.pdf"
    result = _impose(STOCKS["avery-8387"], 2001, out)
    assert (result.sheets, result.pages) == (501, 1002)
    reader = PdfReader(out)
    assert len(reader.pages) == 1002
    assert "FRONT-2001" in reader.pages[1000].extract_text()


def test_nothing_written_for_an_unknown_duplex_mode(tmp_path: Path) -> None:
    out = tmp_path / "never.pdf"
    with pytest.raises(UsageError):
        _impose(STOCKS["letter-2up"], 1, out, duplex="both-ways")
    assert not out.exists()


def test_no_cards_no_pages(tmp_path: Path) -> None:
    result = _impose(STOCKS["letter-2up"], 0, tmp_path / "empty.pdf")
    assert (result.sheets, result.pages, result.cards) == (0, 0, 0)


# The calibration page


def _rulers(page: Any) -> tuple[list[Any], list[Any]]:
    horizontal = [ln for ln in page.lines if ln["top"] == ln["bottom"] and ln["x1"] - ln["x0"] > 60]
    vertical = [ln for ln in page.lines if ln["x0"] == ln["x1"] and ln["bottom"] - ln["top"] > 60]
    return horizontal, vertical


@pytest.mark.parametrize("stock", [*STOCKS.values(), LANDSCAPE_3X2], ids=lambda s: s.name)
@pytest.mark.parametrize("duplex", ["long-edge", "short-edge", "none"])
def test_calibration_page(tmp_path: Path, stock: Stock, duplex: str) -> None:
    out = tmp_path / "calibration.pdf"
    write_calibration(stock, out, duplex=duplex)
    edge = {"long-edge": "long", "short-edge": "short", "none": "book"}[duplex]
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 2
        front, back = pdf.pages
        assert (front.width, front.height) == pytest.approx(stock.pagesize, abs=0.01)
        text = front.extract_text()
        assert stock.name in text
        assert "100%" in text
        for page in (front, back):
            horizontal, vertical = _rulers(page)
            (ruler,) = [
                ln for ln in horizontal if ln["x1"] - ln["x0"] == pytest.approx(72, abs=0.001)
            ]
            ticks = sorted(
                ln["x0"]
                for ln in page.lines
                if ln["x0"] == ln["x1"]
                and ln["bottom"] == pytest.approx(ruler["top"])
                and ln["bottom"] - ln["top"] <= 10
            )
            assert len(ticks) == 9
            assert [t - ticks[0] for t in ticks] == pytest.approx([9 * k for k in range(9)])
            assert any(ln["bottom"] - ln["top"] == pytest.approx(72, abs=0.001) for ln in vertical)
        # Card outlines where the cards are, and each BACK n behind FRONT n.
        outlines = [
            Rect(r["x0"], front.height - r["bottom"], r["x1"] - r["x0"], r["bottom"] - r["top"])
            for r in front.rects
        ]
        for slot in stock.slots():
            assert any(
                o.x == pytest.approx(slot.x, abs=0.01) and o.y == pytest.approx(slot.y, abs=0.01)
                for o in outlines
            )
        labels = {
            side: {m["text"]: _point(m, page.height) for m in page.search(rf"{side} \d+")}
            for side, page in (("FRONT", front), ("BACK", back))
        }
        for n, slot in enumerate(stock.slots(), start=1):
            assert _inside(labels["FRONT"][f"FRONT {n}"], slot)
            turned = _turn_over(
                labels["BACK"][f"BACK {n}"], stock.sheet_width, stock.sheet_height, edge
            )
            assert _inside(turned, slot), (n, turned, slot)


def _point(match: dict[str, Any], height: float) -> tuple[float, float]:
    return ((match["x0"] + match["x1"]) / 2, height - (match["top"] + match["bottom"]) / 2)


def test_look_at_the_sheets(tmp_path: Path) -> None:
    """Every stock renders (pypdfium2 reads what ReportLab wrote)."""
    for stock in STOCKS.values():
        out = tmp_path / f"{stock.name}.pdf"
        _impose(stock, stock.per_sheet, out)
        page = pdfium.PdfDocument(str(out))[0]
        image = page.render(scale=0.5).to_pil()
        assert image.size == (round(stock.sheet_width / 2), round(stock.sheet_height / 2))
