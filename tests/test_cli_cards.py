"""`mailer render`, `mailer print`, `mailer preview` and the cards of `mailer run`, end to end:
real ledger files, real PDFs opened and measured with pypdf and pdfplumber."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfplumber.page import Page
from pypdf import PdfReader
from typer.testing import Result

from mailer.drawing.geometry import Rect
from mailer.printing.stocks import Stock, find_stock, load_stocks
from tests.builders import (
    EXAMPLE_CALLS,
    EXAMPLE_CONFIG,
    broken_card_config,
    invoke,
    read_csv_dicts,
)

TODAY = "2026-11-22"
SELF_4X6 = (432.0, 288.0)
PROVIDER_4X6 = (450.0, 306.0)
LETTER = (612.0, 792.0)


def said(result: Result) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(result.stderr.split())


@dataclass(frozen=True)
class Session:
    """A ledger with the example calling session planned in it."""

    db: Path
    out: Path
    config: Path
    mail: list[dict[str, Any]]

    def run(self, command: str, *args: str | Path, out: Path | None = None) -> Result:
        return invoke(
            command,
            *args,
            "--today",
            TODAY,
            "--db",
            self.db,
            "--config",
            self.config,
            "--out",
            out or self.out,
        )


def plan_session(tmp_path: Path, config: Path = EXAMPLE_CONFIG) -> Session:
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / "m.db"
    result = invoke(
        "plan", EXAMPLE_CALLS, "--format", "json", "--today", TODAY, "--db", db, "--config", config
    )
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    mail = [s for s in steps if s["action"] == "mail"]
    return Session(db, tmp_path / "out", config, mail)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return plan_session(tmp_path)


def card_names(session: Session) -> set[str]:
    return {f"{s['contact_id']}-{s['template']}.pdf" for s in session.mail}


def read_manifest(folder: Path) -> list[dict[str, str]]:
    return read_csv_dicts(folder / "manifest.csv")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def page_sizes(path: Path) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(path).pages]


# ---- render ------------------------------------------------------------------------------


def test_render_writes_one_two_page_pdf_per_mail_step_listed_in_the_manifest(
    session: Session,
) -> None:
    result = session.run("render")
    assert result.exit_code == 0, result.stderr
    cards = session.out / "cards"
    assert {p.name for p in cards.iterdir()} == card_names(session)
    assert len(session.mail) == 12
    for path in cards.iterdir():
        assert page_sizes(path) == [SELF_4X6, SELF_4X6], path.name

    manifest = read_manifest(session.out)
    assert [(r["contact_id"], r["template"]) for r in manifest] == sorted(
        (s["contact_id"], s["template"]) for s in session.mail
    )
    for row in manifest:
        data = (session.out / row["file"]).read_bytes()
        assert row["file"] == f"cards/{row['contact_id']}-{row['template']}.pdf"
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert int(row["bytes"]) == len(data)
        assert (row["mode"], row["size"]) == ("self", "4x6")
        assert int(row["pages"]) == len(PdfReader(session.out / row["file"]).pages) == 2
    assert f"drew 12 cards into {cards}" in said(result)

    before = snapshot(cards)
    manifest_before = (session.out / "manifest.csv").read_bytes()
    again = session.run("render")
    assert again.exit_code == 0, again.stderr
    assert "no cards to draw" in said(again)
    assert snapshot(cards) == before
    assert (session.out / "manifest.csv").read_bytes() == manifest_before


def test_the_card_pdf_has_the_contact_on_the_front_and_the_address_on_the_back(
    session: Session,
) -> None:
    assert session.run("render").exit_code == 0
    with pdfplumber.open(session.out / "cards" / "C016-offer.pdf") as pdf:
        front, back = pdf.pages
        assert find_text(front, "Sharon")
        assert not find_text(front, "MACLEOD")
        (name,) = find_text(back, "SHARON MACLEOD")
        (city,) = find_text(back, "TORONTO ON M5H 1J9")
        # The country alone on the last line of the address block.
        (country,) = find_text(back, "CANADA")
        assert name["top"] < city["top"] < country["top"]
        line = [w["text"] for w in back.extract_words() if abs(w["top"] - country["top"]) < 1]
        assert line == ["CANADA"]


def test_render_limit_then_the_rest_in_worker_processes_gives_the_same_bytes(
    tmp_path: Path,
) -> None:
    one = plan_session(tmp_path / "one")
    two = plan_session(tmp_path / "two")

    limited = two.run("render", "--mode", "provider", "--limit", "2")
    assert limited.exit_code == 0, limited.stderr
    assert len(list((two.out / "cards").iterdir())) == 2
    assert len(read_manifest(two.out)) == 2
    rest = two.run("render", "--mode", "provider", "--jobs", "2")
    assert rest.exit_code == 0, rest.stderr
    assert "drew 10 cards" in said(rest)

    assert one.run("render", "--mode", "provider", "--jobs", "1").exit_code == 0
    by_one, by_two = snapshot(one.out / "cards"), snapshot(two.out / "cards")
    assert set(by_one) == card_names(one)
    assert by_one == by_two
    for name in by_one:
        assert page_sizes(two.out / "cards" / name) == [PROVIDER_4X6, PROVIDER_4X6]
    assert {r["mode"] for r in read_manifest(two.out)} == {"provider"}
    assert [r["sha256"] for r in read_manifest(two.out)] == [
        r["sha256"] for r in read_manifest(one.out)
    ]


def test_render_in_another_mode_draws_the_cards_again(session: Session) -> None:
    assert session.run("render").exit_code == 0
    result = session.run("render", "--mode", "provider")
    assert result.exit_code == 0, result.stderr
    assert "drew 12 cards" in said(result)
    for path in (session.out / "cards").iterdir():
        assert page_sizes(path) == [PROVIDER_4X6, PROVIDER_4X6], path.name
    assert {r["mode"] for r in read_manifest(session.out)} == {"provider"}


def test_render_draws_a_card_whose_file_went_missing(session: Session) -> None:
    assert session.run("render").exit_code == 0
    lost = session.out / "cards" / "C001-offer.pdf"
    kept = lost.read_bytes()
    lost.unlink()
    result = session.run("render")
    assert result.exit_code == 0, result.stderr
    assert "drew 1 card into" in said(result)
    assert lost.read_bytes() == kept
    assert len(read_manifest(session.out)) == 12


def test_the_ledger_finds_cards_drawn_from_another_working_directory(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    # A relative --out, as users type it.
    assert session.run("render", out=Path("batch")).exit_code == 0
    monkeypatch.chdir(tmp_path)
    again = session.run("render", out=work / "batch")
    assert again.exit_code == 0, again.stderr
    assert "no cards to draw" in said(again)
    assert len(read_manifest(work / "batch")) == 12


def test_a_card_that_cant_be_drawn_exits_3_and_the_others_are_drawn(tmp_path: Path) -> None:
    # A user's template folder (its name has brackets, as folder names may) whose thank-you
    # card asks for a field the call log doesn't have.
    config = broken_card_config(tmp_path, "thank-you", "templates [draft]")
    session = plan_session(tmp_path, config)

    result = session.run("render")
    assert result.exit_code == 3, result.stderr
    message = said(result)
    assert "card not drawn: C011" in message
    assert "'thank-you'" in message
    assert "favorite_color" in message
    assert "templates [draft]" in message  # printed as it is, not taken for markup
    drawn = {p.name for p in (session.out / "cards").iterdir()}
    assert drawn == card_names(session) - {"C011-thank-you.pdf"}
    assert len(drawn) == 11
    assert len(read_manifest(session.out)) == 11

    printed = session.run("print")
    assert printed.exit_code == 3, printed.stderr
    assert "card left off: C011" in said(printed)
    assert "11 cards on 6 sheets" in said(printed)
    assert len(PdfReader(session.out / "print.pdf").pages) == 12


# ---- print -------------------------------------------------------------------------------


def test_print_lays_the_cards_on_letter_sheets_and_counts_the_stamps(session: Session) -> None:
    result = session.run("print")
    assert result.exit_code == 0, result.stderr
    sheets = session.out / "print.pdf"
    cards = len(session.mail)
    assert page_sizes(sheets) == [LETTER] * (2 * math.ceil(cards / 2))
    message = said(result)
    assert f"{cards} cards on {math.ceil(cards / 2)} sheets of avery-5389" in message
    # Sharon MacLeod (C016) lives in Toronto: an international stamp.
    assert "stamps: 11 x $0.61 + 1 international x $1.70 = $8.41" in message
    assert "flip on long edge" in message

    first = sheets.read_bytes()
    again = session.run("print")
    assert again.exit_code == 0, again.stderr
    assert "nothing to print" in said(again)
    assert "--reprint" in said(again)
    assert sheets.read_bytes() == first

    reprint = session.run("print", "--reprint")
    assert reprint.exit_code == 0, reprint.stderr
    assert f"{cards} cards on 6 sheets" in said(reprint)
    assert sheets.read_bytes() == first


def test_the_quarter_letter_stock_is_landscape_and_warned_about(session: Session) -> None:
    result = session.run("print", "--stock", "avery-8387")
    assert result.exit_code == 0, result.stderr
    assert page_sizes(session.out / "print.pdf") == [(792.0, 612.0)] * 6
    message = said(result)
    assert "warning:" in message
    assert "1.294" in message
    assert "machinable" in message
    assert "12 cards on 3 sheets of avery-8387" in message


def centre(match: dict[str, Any], page_height: float) -> tuple[float, float]:
    """A text match's centre in PDF coordinates (origin bottom-left)."""
    x = (float(match["x0"]) + float(match["x1"])) / 2
    y = page_height - (float(match["top"]) + float(match["bottom"])) / 2
    return x, y


def find_text(page: Page, text: str) -> list[dict[str, Any]]:
    """Where `text` is on the page as whole words ("Sharon" in "Hi Sharon!")."""
    pattern = rf"(?<!\w){re.escape(text)}(?!\w)"
    return list(page.search(pattern, regex=True, return_chars=False))


def slot_of(point: tuple[float, float], slots: list[Rect]) -> int:
    inside = [
        i
        for i, r in enumerate(slots)
        if r.x <= point[0] <= r.x + r.w and r.y <= point[1] <= r.y + r.h
    ]
    assert len(inside) == 1, (point, slots)
    return inside[0]


def turned_over(slot: Rect, stock: Stock) -> Rect:
    """Where the back of `slot` is printed when the sheet turns over its long edge: on a
    portrait sheet the long edges are the sides, so left and right swap; on a landscape page
    they are the top and bottom, so top and bottom swap."""
    if stock.sheet_height > stock.sheet_width:
        return Rect(stock.sheet_width - slot.x - slot.w, slot.y, slot.w, slot.h)
    return Rect(slot.x, stock.sheet_height - slot.y - slot.h, slot.w, slot.h)


def names(session: Session) -> dict[str, tuple[str, str]]:
    """Each carded contact's first name (on the front) and the first line of the delivery
    address (on the back)."""
    with EXAMPLE_CALLS.open(encoding="utf-8", newline="") as f:
        rows = {r["contact_id"]: r for r in csv.DictReader(f)}
    return {
        s["contact_id"]: (rows[s["contact_id"]]["first_name"], s["name"].upper())
        for s in session.mail
    }


@pytest.mark.parametrize("stock_name", ["avery-5389", "avery-8387", "letter-4up"])
def test_every_address_is_printed_behind_its_own_front(session: Session, stock_name: str) -> None:
    result = session.run("print", "--stock", stock_name, "--duplex", "long-edge")
    assert result.exit_code == 0, result.stderr
    stock = find_stock(load_stocks(), stock_name)
    fronts = stock.slots()
    backs = [turned_over(slot, stock) for slot in fronts]
    seen = []
    with pdfplumber.open(session.out / "print.pdf") as pdf:
        assert len(pdf.pages) == 2 * math.ceil(len(session.mail) / stock.per_sheet)
        for front, back in zip(pdf.pages[::2], pdf.pages[1::2], strict=True):
            for contact, (first, delivery) in names(session).items():
                on_front = find_text(front, first)
                if not on_front:
                    continue
                (slot,) = {slot_of(centre(m, float(front.height)), fronts) for m in on_front}
                (address,) = find_text(back, delivery)
                assert slot_of(centre(address, float(back.height)), backs) == slot, contact
                seen.append(contact)
    assert sorted(seen) == sorted(names(session))


def test_duplex_none_prints_all_fronts_then_all_backs(session: Session) -> None:
    result = session.run("print", "--duplex", "none")
    assert result.exit_code == 0, result.stderr
    assert "Print pages 1-6: the fronts" in said(result)
    people = names(session)

    def fronts_on(page: Page) -> set[str]:
        return {c for c, (first, _) in people.items() if find_text(page, first)}

    def addresses_on(page: Page) -> set[str]:
        return {c for c, (_, delivery) in people.items() if find_text(page, delivery)}

    with pdfplumber.open(session.out / "print.pdf") as pdf:
        pages = pdf.pages
        assert len(pages) == 12
        for number, page in enumerate(pages[:6]):
            assert len(fronts_on(page)) == 2, number
            assert addresses_on(page) == set(), number
            # Sheet n's backs are page 6 + n, with the same two contacts.
            assert addresses_on(pages[6 + number]) == fronts_on(page), number
        assert set().union(*(addresses_on(p) for p in pages[6:])) == set(people)


def char_positions(path: Path, page: int) -> list[tuple[str, float, float]]:
    with pdfplumber.open(path) as pdf:
        return [(c["text"], float(c["x0"]), float(c["top"])) for c in pdf.pages[page].chars]


def test_offset_front_moves_the_fronts_only(session: Session, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    assert session.run("print", out=plain).exit_code == 0
    moved = tmp_path / "moved"
    # The same batch again, nudged half an inch to the right.
    result = session.run("print", "--reprint", "--offset-front", "0.5,0", out=moved)
    assert result.exit_code == 0, result.stderr
    before = char_positions(plain / "print.pdf", 0)
    after = char_positions(moved / "print.pdf", 0)
    assert len(before) == len(after) > 50
    for (text, x, top), (text2, x2, top2) in zip(before, after, strict=True):
        assert text == text2
        assert x2 - x == pytest.approx(36.0, abs=0.01)
        assert top2 == pytest.approx(top, abs=0.01)
    assert char_positions(plain / "print.pdf", 1) == char_positions(moved / "print.pdf", 1)


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--offset-front", "abc", "--offset-front 'abc' is not an offset"),
        ("--offset-back", "0.5", "--offset-back '0.5' is not an offset"),
        ("--offset-front", "nan,0", "--offset-front 'nan,0' is not an offset"),
        ("--offset-front", "1mm,2pt", "--offset-front '1mm,2pt' is not an offset"),
        ("--stock", "avery-9999", "unknown stock 'avery-9999'"),
        ("--duplex", "sideways", "unknown duplex mode 'sideways'"),
        ("--sort", "height", "--sort 'height' is not supported"),
    ],
)
def test_bad_print_options_exit_2_and_print_nothing(
    session: Session, option: str, value: str, expected: str
) -> None:
    result = session.run("print", option, value)
    assert result.exit_code == 2, result.stderr
    assert expected in said(result)
    assert "Traceback" not in result.output
    if option == "--stock":
        for name in load_stocks():
            assert name in said(result)
    assert not (session.out / "print.pdf").exists()
    # Nothing was recorded as printed.
    assert session.run("print").exit_code == 0
    assert len(PdfReader(session.out / "print.pdf").pages) == 12


def test_offsets_take_millimetres_and_points(session: Session, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    assert session.run("print", out=plain).exit_code == 0
    for value, dx in (("25.4mm,0mm", 72.0), ("-9pt,0", -9.0), ("-0.25,0in", -18.0)):
        out = tmp_path / value
        result = session.run("print", "--reprint", "--offset-back", value, out=out)
        assert result.exit_code == 0, (value, result.stderr)
        before = char_positions(plain / "print.pdf", 1)
        after = char_positions(out / "print.pdf", 1)
        assert [b[1] + dx for b in before] == pytest.approx([a[1] for a in after], abs=0.01)


def test_calibration_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "print",
        "--calibrate",
        "--stock",
        "avery-5389",
        "--out",
        out,
        "--db",
        tmp_path / "m.db",
        "--config",
        EXAMPLE_CONFIG,
    )
    assert result.exit_code == 0, result.stderr
    page = out / "calibration-avery-5389.pdf"
    assert page_sizes(page) == [LETTER, LETTER]
    assert str(page) in said(result)


# ---- run ---------------------------------------------------------------------------------


def test_run_writes_cards_manifest_and_sheets_and_a_rerun_changes_nothing(
    tmp_path: Path,
) -> None:
    from mailer.ledger import Ledger

    out = tmp_path / "out"
    args = ("--today", TODAY, "--db", tmp_path / "m.db", "--out", out, "--config", EXAMPLE_CONFIG)
    result = invoke("run", EXAMPLE_CALLS, *args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    mail = [s for s in doc["steps"] if s["action"] == "mail"]
    names = {f"{s['contact_id']}-{s['template']}.pdf" for s in mail}
    assert {p.name for p in (out / "cards").iterdir()} == names
    manifest = read_manifest(out)
    assert {Path(r["file"]).name for r in manifest} == names
    for row in manifest:
        assert row["sha256"] == hashlib.sha256((out / row["file"]).read_bytes()).hexdigest()
    assert page_sizes(out / "print.pdf") == [LETTER] * (2 * math.ceil(len(mail) / 2))
    assert "print.pdf" in said(result)

    with Ledger.open(tmp_path / "m.db") as ledger:
        steps_before = ledger.steps()
        pieces_before = [(p.step_key, p.status, p.file, p.sha256) for p in ledger.pieces()]
    sheets = (out / "print.pdf").read_bytes()
    stamp = (out / "print.pdf").stat().st_mtime_ns
    cards = snapshot(out / "cards")

    again = invoke("run", EXAMPLE_CALLS, *args)
    assert again.exit_code == 0, again.stderr
    with Ledger.open(tmp_path / "m.db") as ledger:
        assert ledger.steps() == steps_before
        assert [(p.step_key, p.status, p.file, p.sha256) for p in ledger.pieces()] == (
            pieces_before
        )
    assert "print.pdf" not in said(again).split("wrote", 1)[1].split("into")[0]
    assert (out / "print.pdf").read_bytes() == sheets
    assert (out / "print.pdf").stat().st_mtime_ns == stamp
    assert snapshot(out / "cards") == cards
    assert read_manifest(out) == manifest


# ---- preview -----------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_preview_pictures(session: Session, tmp_path: Path) -> None:
    def preview(name: str, *args: str) -> Result:
        target = tmp_path / name
        return invoke(
            "preview", "--no-open", "--out", target, "--db", session.db, "--config",
            session.config, *args,
        )  # fmt: skip

    plain = preview("x.png")
    assert plain.exit_code == 0, plain.stderr
    width, height = png_size(tmp_path / "x.png")
    # Front and back side by side.
    assert width > 2 * height

    guides = preview("guides.png", "--guides")
    assert guides.exit_code == 0, guides.stderr
    with_guides = png_size(tmp_path / "guides.png")
    assert with_guides[0] == width
    assert with_guides[1] >= height
    assert (tmp_path / "guides.png").read_bytes() != (tmp_path / "x.png").read_bytes()

    proof = preview("proof.png", "--proof", "3")
    assert proof.exit_code == 0, proof.stderr
    proof_size = png_size(tmp_path / "proof.png")
    assert proof_size[1] > height  # two rows of cards

    sharon = preview("c016.png", "--contact", "C016")
    assert sharon.exit_code == 0, sharon.stderr
    assert png_size(tmp_path / "c016.png") == (width, height)
    assert (tmp_path / "c016.png").read_bytes() != (tmp_path / "x.png").read_bytes()
    mary = preview("c001.png", "--contact", "C001")
    assert (tmp_path / "c001.png").read_bytes() == (tmp_path / "x.png").read_bytes(), mary.stderr

    nobody = preview("nobody.png", "--contact", "C999")
    assert nobody.exit_code == 1
    assert "C999" in said(nobody)
    assert not (tmp_path / "nobody.png").exists()


def test_preview_shows_the_cards_of_the_latest_session(session: Session, tmp_path: Path) -> None:
    assert session.run("print").exit_code == 0
    # Five weeks later (the cooldown is over) Mary gets a second card, and Kim her first.
    later = tmp_path / "december.csv"
    later.write_text(
        "contact_id,first_name,last_name,address,city,state,zip,outcome,called_at\n"
        "C001,Mary,Albright,1418 Oak Ridge Dr,Springfield,IL,62704,voicemail,2026-12-28 10:00\n"
        "C100,Kim,Sato,5 Elm St,Springfield,IL,62704,voicemail,2026-12-28 10:10\n",
        encoding="utf-8",
    )
    db_config = ("--db", session.db, "--config", session.config)
    planned = invoke("plan", later, "--today", "2026-12-28", *db_config)
    assert planned.exit_code == 0, planned.stderr

    def text_of(name: str, *args: str) -> str:
        result = invoke("preview", "--no-open", "--out", tmp_path / name, *db_config, *args)
        assert result.exit_code == 0, result.stderr
        with pdfplumber.open(tmp_path / name) as pdf:
            return " ".join(pdf.pages[0].extract_text().split())

    # Offers of the December session run to Monday, January 11; November's to December 7.
    mary = text_of("mary.pdf", "--contact", "C001")
    assert "January 11" in mary
    assert "December 7" not in mary
    first = text_of("first.pdf")
    assert "Mary" in first
    assert "January 11" in first
    proof = text_of("proof.pdf", "--proof", "5")
    assert "Kim" in proof
    assert "Sharon" not in proof  # printed last month


def test_render_leaves_out_cards_whose_offer_has_passed(session: Session) -> None:
    # The offers of the session end on Monday, December 7.
    result = invoke(
        "render", "--today", "2026-12-07", "--db", session.db, "--config", session.config,
        "--out", session.out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "12 planned cards were not drawn: their offer has passed" in said(result)
    assert not (session.out / "cards").exists()
    assert session.run("render").exit_code == 0
    assert len(list((session.out / "cards").iterdir())) == 12


def test_a_second_batch_the_same_day_never_overwrites_the_first(tmp_path: Path) -> None:
    db, out = tmp_path / "m.db", tmp_path / "out"
    morning = tmp_path / "morning.csv"
    afternoon = tmp_path / "afternoon.csv"
    header = "contact_id,first_name,last_name,address,city,state,zip,outcome,called_at\n"
    morning.write_text(
        header + "M1,Ann,Bee,1 Main St,Springfield,IL,62704,voicemail,2026-11-22 09:00\n",
        encoding="utf-8",
    )
    afternoon.write_text(
        header + "A1,Cy,Dee,2 Main St,Springfield,IL,62704,voicemail,2026-11-22 15:00\n",
        encoding="utf-8",
    )
    args: list[str | Path] = ["--demo", "--today", "2026-11-22", "--db", db, "--out", out]
    assert invoke("run", morning, *args, catch_exceptions=True).exit_code == 0
    first = (out / "print.pdf").read_bytes()
    second_run = invoke("run", afternoon, *args, catch_exceptions=True)
    assert second_run.exit_code == 0, second_run.stderr
    assert (out / "print.pdf").read_bytes() == first
    assert "print-2.pdf" in second_run.stderr
    assert "Cy" in pdfplumber_text(out / "print-2.pdf")


def test_the_same_sheets_again_replace_their_own_file(tmp_path: Path) -> None:
    # A run interrupted after writing the sheets but before recording them prints the same
    # cards again, byte for byte: that must not become a second batch.
    from mailer.printing.sheets import settle

    out = tmp_path / "print.pdf"
    out.write_bytes(b"sheets A")
    (tmp_path / "print-2.pdf").write_bytes(b"sheets B")
    partial = tmp_path / "print.pdf.part"
    partial.write_bytes(b"sheets B")
    assert settle(partial, out) == tmp_path / "print-2.pdf"
    partial.write_bytes(b"sheets C")
    assert settle(partial, out) == tmp_path / "print-3.pdf"
    assert out.read_bytes() == b"sheets A"
    assert not partial.exists()


def pdfplumber_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def test_the_progress_bar_shows_on_a_terminal_and_is_skipped_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mailer.cli import common

    for interactive in (True, False):
        screen = io.StringIO()
        console = common.CleanConsole(
            file=screen, force_terminal=interactive, force_interactive=interactive, width=80
        )
        monkeypatch.setattr(common, "err", console)
        with common.progress_bar("drawing cards", 3) as advance:
            for _ in range(3):
                advance(None)
        # A terminal sees the bar (cleared at the end); a pipe sees nothing at all.
        assert ("drawing cards" in screen.getvalue()) is interactive
