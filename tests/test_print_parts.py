"""Print sheets drawn by ReportLab as part documents and joined (the reference the placed
sheets of `mailer print` are held to): one valid PDF whatever the number of parts, the
same bytes every time, the same pixels as one part and as the placed sheets, and memory
holds a part, never the batch. And `mailer print` stopped on the way leaves nothing."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from mailer.printing.stocks import load_stocks
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke
from tests.reportlab_sheets import impose

TODAY = "2026-11-22"
STOCKS = load_stocks()


def print_cards(folder: Path, *options: str) -> Path:
    """Plan the example session into a ledger of its own and print its cards."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "m.db"
    common = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    result = invoke("print", *options, *common, "--out", folder / "out")
    assert result.exit_code == 0, result.stderr
    return folder / "out" / "print.pdf"


def first_names() -> dict[str, str]:
    with EXAMPLE_CALLS.open(encoding="utf-8", newline="") as f:
        return {r["contact_id"]: r["first_name"] for r in csv.DictReader(f)}


def pictures(path: Path) -> list[bytes]:
    document = pdfium.PdfDocument(str(path))
    return [page.render(scale=0.5).to_pil().tobytes() for page in document]


def drawn_by_reportlab(folder: Path, part_cards: int, duplex: str = "long-edge") -> Path:
    """The example session's cards on sheets drawn by ReportLab (`impose`, the reference
    the placed sheets are held to), in parts of `part_cards` cards."""
    from datetime import date

    from mailer.config import load
    from mailer.domain.models import Action
    from mailer.drawing.painter import CardPainter, binary_streams
    from mailer.ledger import Ledger
    from mailer.planning.planner import make_plan

    config = load(EXAMPLE_CONFIG)
    folder.mkdir(parents=True, exist_ok=True)
    with Ledger.open(folder / "m.db") as ledger:
        plan = make_plan([EXAMPLE_CALLS], config, ledger, date.fromisoformat(TODAY)).plan
    stock = STOCKS["avery-5389"]
    painter = CardPainter(config, "self", stock.card)
    cards = [painter.prepare(s) for s in plan.steps if s.action is Action.MAIL]
    out = folder / "print.pdf"
    with binary_streams():
        impose(
            cards, stock, out, duplex=duplex, part_cards=part_cards,
            draw_front=lambda c, x, y, card: painter.draw_front(c, card, x, y),
            draw_back=lambda c, x, y, card: painter.draw_back(c, card, x, y),
        )  # fmt: skip
    return out


def test_a_batch_in_many_parts_is_one_valid_file_like_a_batch_in_one(tmp_path: Path) -> None:
    whole = drawn_by_reportlab(tmp_path / "whole", 400)
    parted = drawn_by_reportlab(tmp_path / "parted", 3)  # a sheet of two cards a part

    reader = PdfReader(parted, strict=True)
    assert len(reader.pages) == len(PdfReader(whole).pages) == 12
    assert len(pdfium.PdfDocument(str(parted))) == 12
    assert reader.metadata is not None
    assert reader.metadata.title == "mailer: 12 cards on avery-5389"
    # The same pixels on every page, the same text in the same order.
    assert pictures(parted) == pictures(whole)
    texts = [page.extract_text() for page in reader.pages]
    assert texts == [page.extract_text() for page in PdfReader(whole).pages]
    people = first_names()
    fronts = " ".join(texts[::2])
    assert all(name in fronts for name in ("Mary", "Patricia"))
    assert sum(f"Hi {people[c]}" in fronts for c in people) >= 10

    # Every part embeds its own subset of the handwriting font: each under a name of
    # its own, as printers that cache fonts by name need.
    data = parted.read_bytes()
    subsets = re.findall(rb"/FontName /([A-Z]{6})\+([\w-]+)", data)
    assert len(subsets) >= 6
    assert len(set(subsets)) == len(subsets)


def test_the_same_cards_give_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = print_cards(tmp_path / "a", "--duplex", "none").read_bytes()
    second = print_cards(tmp_path / "b", "--duplex", "none").read_bytes()
    assert first == second
    file_id = re.search(rb"/ID \[<([0-9a-f]{32})>", first)
    assert file_id is not None
    parts = drawn_by_reportlab(tmp_path / "c", 4).read_bytes()
    assert parts == drawn_by_reportlab(tmp_path / "d", 4).read_bytes()


def test_duplex_none_still_prints_all_fronts_then_all_backs(tmp_path: Path) -> None:
    placed = print_cards(tmp_path / "placed", "--duplex", "none")
    parts = drawn_by_reportlab(tmp_path / "parts", 4, "none")  # three parts a side
    for sheets in (placed, parts):
        texts = [page.extract_text() for page in PdfReader(sheets, strict=True).pages]
        assert len(texts) == 12
        assert all("Hi " in text for text in texts[:6])
        assert all("Hi " not in text and "STAMP" in text.upper() for text in texts[6:])


def labeller(pulled: list[int], drawn: list[int]) -> Any:
    def draw(canvas: Canvas, x: float, y: float, n: int) -> None:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(x + 10, y + 10, f"card-{n}")
        drawn.append(n)

    return draw


def test_cards_are_taken_a_sheet_at_a_time_and_parts_are_saved_as_they_fill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stock = STOCKS["avery-8387"]  # four cards a sheet
    pulled: list[int] = []
    fronts: list[int] = []
    saved: list[int] = []

    def cards() -> Any:
        for n in range(1, 19):
            # Only the sheet being drawn is ever laid out ahead of the drawing.
            assert n - len(fronts) <= stock.per_sheet
            pulled.append(n)
            yield n

    real_save = Canvas.save

    def save(canvas: Canvas) -> None:
        saved.append(len(fronts))
        real_save(canvas)

    monkeypatch.setattr(Canvas, "save", save)
    out = io.BytesIO()
    result = impose(
        cards(),
        stock,
        out,
        duplex="long-edge",
        draw_front=labeller(pulled, fronts),
        draw_back=labeller(pulled, []),
        part_cards=8,
    )
    assert (result.cards, result.sheets, result.pages) == (18, 5, 10)
    # Two sheets a part: each part saved (its pages leave memory) once it is full.
    assert saved == [8, 16, 18]
    reader = PdfReader(out, strict=True)
    assert len(reader.pages) == 10
    assert "card-17" in reader.pages[8].extract_text()


def test_text_that_looks_like_pdf_syntax_survives_the_join() -> None:
    tricky = "https://example.com/offer?code=7 0 R&x=(1 0 R)\\"
    stock = STOCKS["letter-2up"]

    def front(canvas: Canvas, x: float, y: float, n: int) -> None:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(x + 10, y + 10, f"(front {n} 3 0 R)")
        canvas.linkURL(tricky, (x, y, x + 50, y + 50), relative=0)

    def back(canvas: Canvas, x: float, y: float, n: int) -> None:
        canvas.drawString(x + 10, y + 10, f"back {n}")

    out = io.BytesIO()
    impose(range(5), stock, out, duplex="long-edge", draw_front=front, draw_back=back, part_cards=2)
    reader = PdfReader(out, strict=True)
    assert len(reader.pages) == 6
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages[::2]
        for annotation in page.get("/Annots", [])
    ]
    assert links == [tricky] * 5
    assert "(front 4 3 0 R)" in reader.pages[4].extract_text()


def test_a_print_stopped_on_its_sixth_card_leaves_nothing_and_prints_all_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.ledger import Ledger, PieceStatus
    from mailer.printing.placing import Forms

    real_card = Forms.card
    placed: list[int] = []

    def card(self: Forms, data: bytes) -> Any:
        if len(placed) == 5:  # the third sheet's first card: Ctrl-C
            raise KeyboardInterrupt
        placed.append(len(data))
        return real_card(self, data)

    monkeypatch.setattr(Forms, "card", card)
    folder = tmp_path / "session"
    folder.mkdir()
    common = ("--today", TODAY, "--db", folder / "m.db", "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    stopped = invoke("print", *common, "--out", folder / "out")
    assert stopped.exit_code == 130, stopped.stderr
    assert sorted(p.name for p in (folder / "out").iterdir()) == []  # no part, no sheets
    with Ledger.open(folder / "m.db") as ledger:
        assert not ledger.pieces(PieceStatus.PRINTED)

    monkeypatch.setattr(Forms, "card", real_card)
    again = invoke("print", *common, "--out", folder / "out")
    assert again.exit_code == 0, again.stderr
    assert len(PdfReader(folder / "out" / "print.pdf", strict=True).pages) == 12
    with Ledger.open(folder / "m.db") as ledger:
        assert len(ledger.pieces(PieceStatus.PRINTED)) == 12


def test_a_part_that_is_not_what_the_joiner_expects_is_a_clear_error(tmp_path: Path) -> None:
    from mailer.printing.joining import JoinError
    from tests.reportlab_sheets import join_parts

    odd = tmp_path / "part-00000.pdf"
    odd.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /XRef >>\nendobj\n")
    with pytest.raises(JoinError) as caught:
        join_parts([odd], io.BytesIO(), title="t")
    assert "part-00000.pdf" in caught.value.message
    assert "nothing was recorded printed" in caught.value.hint


def test_parts_a_killed_print_left_behind_are_cleared_by_the_next(tmp_path: Path) -> None:
    # `kill -9` runs no clean-up: its parts stay beside the output until the next print.
    left = tmp_path / "out" / ".print-parts-killed"
    left.mkdir(parents=True)
    (left / "part-0000-fronts.pdf").write_bytes(b"%PDF-1.4 cut short")
    path = print_cards(tmp_path)
    assert path.is_file()
    assert not list((tmp_path / "out").glob(".print-parts-*"))
