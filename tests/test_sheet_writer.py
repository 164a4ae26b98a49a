"""Print sheets written from the drawn cards' PDFs (`printing.sheet_writer`, `placing`):
the same pixels as the sheets ReportLab draws from the laid-out cards, for the card
writer's files and ReportLab's alike, on every kind of stock and duplex; what the cards
share written once; in `mailer run` no card laid out again for the sheets; a drawn file
changed since it was drawn is drawn again, never printed as it is now."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from mailer.config import load
from mailer.domain.models import Action
from mailer.drawing.batch import card_pdf, reportlab_card_pdf
from mailer.drawing.geometry import card_geometry
from mailer.drawing.painter import CardPainter, PreparedCard, binary_streams
from mailer.ledger import Ledger
from mailer.planning.planner import make_plan
from mailer.printing.placing import Forms, PlaceError
from mailer.printing.sheet_writer import write_sheets
from mailer.printing.stocks import Stock, load_stocks
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, assert_pages_alike, invoke
from tests.reportlab_sheets import impose

STOCKS = load_stocks()
CONFIG = load(EXAMPLE_CONFIG)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """The example session's steps to mail (ten offers, a thank-you, a birthday card)."""
    with Ledger.open(tmp_path_factory.mktemp("plan") / "m.db") as ledger:
        plan = make_plan([EXAMPLE_CALLS], CONFIG, ledger, date(2026, 11, 22)).plan
    return [s for s in plan.steps if s.action is Action.MAIL]


def pixels(pdf: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=1).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def assert_same_pixels(placed: list[Image.Image], drawn: list[Image.Image]) -> None:
    """The same pages, but for the edges of a few accented letters, which may be up to
    three levels of grey apart: a card draws them from its copy of the pen font, where an
    accented letter's parts are one outline, ReportLab from the handwriting's own glyph,
    made of two (the letter and its accent)."""
    assert_pages_alike(placed, drawn, levels=3, pixels=12)


def drawn_by_reportlab(prepared: list[PreparedCard], painter: CardPainter, stock: Stock,
                       duplex: str) -> bytes:  # fmt: skip
    out = io.BytesIO()
    with binary_streams():
        impose(
            prepared, stock, out, duplex=duplex, offset_front=(3, -2), offset_back=(-1, 2),
            draw_front=lambda c, x, y, card: painter.draw_front(c, card, x, y),
            draw_back=lambda c, x, y, card: painter.draw_back(c, card, x, y),
        )  # fmt: skip
    return out.getvalue()


def placed(pdfs: list[bytes], stock: Stock, duplex: str) -> bytes:
    out = io.BytesIO()
    result = write_sheets(
        pdfs, stock, out, duplex=duplex, trim=card_geometry(stock.card, "self").trim,
        offset_front=(3, -2), offset_back=(-1, 2),
    )  # fmt: skip
    assert result.cards == len(pdfs)
    return out.getvalue()


@pytest.mark.parametrize("stock_name", ["avery-5389", "avery-8387", "letter-2up"])
@pytest.mark.parametrize("duplex", ["long-edge", "short-edge", "none"])
def test_placed_cards_are_the_sheets_reportlab_draws(
    cards: list[Any], stock_name: str, duplex: str
) -> None:
    stock = STOCKS[stock_name]
    painter = CardPainter(CONFIG, "self", stock.card)
    prepared = [painter.prepare(step) for step in cards]
    expected = pixels(drawn_by_reportlab(prepared, painter, stock, duplex))
    sheets = placed([card_pdf(painter, card) for card in prepared], stock, duplex)
    assert_same_pixels(pixels(sheets), expected)
    reader = PdfReader(io.BytesIO(sheets), strict=True)
    assert len(reader.pages) == len(expected)
    assert reader.metadata is not None
    assert reader.metadata.title == f"mailer: 12 cards on {stock_name}"
    # What the cards share is written once: one object for each distinct font program.
    programs = re.findall(rb"/Length1 (\d+)", sheets)
    assert len(programs) < 3 * len(prepared)
    assert placed([card_pdf(painter, card) for card in prepared], stock, duplex) == sheets


def test_cards_reportlab_drew_are_placed_too_each_font_under_its_own_name(
    cards: list[Any],
) -> None:
    stock = STOCKS["avery-5389"]
    painter = CardPainter(CONFIG, "self", stock.card)
    prepared = [painter.prepare(step) for step in cards]
    sheets = placed([reportlab_card_pdf(painter, card) for card in prepared], stock, "long-edge")
    assert_same_pixels(
        pixels(sheets), pixels(drawn_by_reportlab(prepared, painter, stock, "long-edge"))
    )
    # ReportLab names the subsets of every file AAAAAA+, AAAAAB+, ...: on one sheet file
    # two different subsets never share a name.
    names = re.findall(rb"/FontName /([A-Z]{6}\+[\w-]+)", sheets)
    assert len(names) == len(set(names)) >= len(prepared)


def test_a_pdf_the_reader_does_not_know_is_a_clear_error() -> None:
    from mailer.drawing.pdf_stream import PdfStream

    forms = Forms(PdfStream(io.BytesIO()))
    with pytest.raises(PlaceError, match="card PDF not understood"):
        forms.card(b"%PDF-1.7\n1 0 obj\n<< /Type /XRef >>\nendobj\nstartxref\n9\n%%EOF\n")


def run(folder: Path, *more: str) -> Any:
    return invoke(
        "run", EXAMPLE_CALLS, "--today", "2026-11-22", "--db", folder / "m.db",
        "--config", EXAMPLE_CONFIG, "--out", folder / "out", *more,
    )  # fmt: skip


def test_mailer_run_lays_each_card_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared: list[str] = []
    real = CardPainter.prepare

    def prepare(self: CardPainter, step: Any) -> PreparedCard:
        prepared.append(step.contact_id)
        return real(self, step)

    monkeypatch.setattr(CardPainter, "prepare", prepare)
    result = run(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(prepared) == 12 == len(set(prepared))  # drawn once, placed as drawn
    reader = PdfReader(tmp_path / "out" / "print.pdf", strict=True)
    assert len(reader.pages) == 12
    assert "Hi Mary" in " ".join(page.extract_text() for page in reader.pages[::2])


def test_a_drawn_card_changed_since_is_drawn_again_for_the_sheets(tmp_path: Path) -> None:
    """The ledger keeps each drawn file's SHA-256: a file replaced since (here by another
    contact's card) or gone is drawn again from the plan, never printed as it is."""
    db, out = tmp_path / "m.db", tmp_path / "out"
    common = ("--today", "2026-11-22", "--db", db, "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    assert invoke("render", *common, "--out", out).exit_code == 0
    first, second, third = sorted((out / "cards").glob("*-offer.pdf"))[:3]

    def greeting(path: Path) -> str:
        found = re.search(r"Hi \w+", PdfReader(path).pages[0].extract_text())
        assert found is not None
        return found.group()

    mine, theirs = greeting(first), greeting(second)
    assert mine != theirs
    first.write_bytes(second.read_bytes())
    third.unlink()
    printed = invoke("print", *common, "--out", out)
    assert printed.exit_code == 0, printed.stderr
    reader = PdfReader(out / "print.pdf", strict=True)
    fronts = " ".join(page.extract_text() for page in reader.pages[::2])
    assert fronts.count(mine) == 1
    assert fronts.count(theirs) == 1
    assert len(reader.pages) == 12


def test_mailer_run_reads_each_step_once_for_the_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The print stage reads each card's step from the ledger once, as it chooses the cards
    to print (their order and postage come from it); a card drawn by the run is placed from
    its file, its step not read again."""
    import mailer.ledger.rows as rows
    import mailer.ledger.store as store
    import mailer.printing.sheets as sheets

    read: list[str] = []
    printing = False  # from the choice of the cards to print to the sheets' end
    real_read, real_choose, real_print = (
        rows.step_from_row, sheets.printable_steps, sheets.print_batch
    )  # fmt: skip

    def step_from_row(row: Any) -> Any:
        step = real_read(row)
        if printing:
            read.append(step.contact_id)
        return step

    def printable_steps(*args: Any, **kwargs: Any) -> Any:
        nonlocal printing
        printing = True
        return real_choose(*args, **kwargs)

    def print_batch(*args: Any, **kwargs: Any) -> Any:
        nonlocal printing
        try:
            return real_print(*args, **kwargs)
        finally:
            printing = False

    monkeypatch.setattr(store, "step_from_row", step_from_row)
    monkeypatch.setattr(sheets, "printable_steps", printable_steps)
    monkeypatch.setattr(sheets, "print_batch", print_batch)
    result = run(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(read) == 12 == len(set(read))
    # Sharon MacLeod (C016) lives in Toronto: her card still takes an international stamp.
    assert "stamps: 11 x $0.61 + 1 international x $1.70 = $8.41" in " ".join(result.stderr.split())
