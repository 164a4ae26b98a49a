"""Cards drawn to real PDFs, opened and measured with pypdf and pdfplumber: page sizes, zones,
fonts, glyph coverage, reproducibility and batch behaviour."""

from __future__ import annotations

import dataclasses
import io
import itertools
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFace
from reportlab.pdfgen.canvas import Canvas

from mailer.config import Config, Templates
from mailer.domain.card_codes import candidate
from mailer.domain.models import Action, Address, MailStep
from mailer.drawing.batch import (
    CHUNK,
    CardRenderer,
    RenderedCard,
    RenderFailure,
    _chunks,
    _init_worker,
    card_filename,
    render_card_bytes,
    render_cards,
    render_sides,
)
from mailer.drawing.card_context import card_context
from mailer.drawing.fonts import (
    caveat_path,
    clean_text,
    draw_label,
    fallback_sans_paths,
    font_stacks,
)
from mailer.drawing.geometry import Rect, card_geometry
from mailer.drawing.layout import fit, fit_measured, measure, place, sizes, wrap
from mailer.drawing.painter import CardPainter
from mailer.drawing.qr import qr_matrix
from mailer.drawing.templates import load_template
from mailer.errors import RenderError, TemplateError
from mailer.project import DEMO
from tests.builders import card_step, config_for, qr_texts

SIZES = [("4x6", "self"), ("4.25x5.5", "self"), ("a6", "self"), ("4x6", "provider"),
         ("6x9", "provider"), ("6x11", "provider")]  # fmt: skip
BASE14 = {"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Times-Roman", "Courier"}


def pdf_pages(data: bytes) -> list[Any]:
    pdf = pdfplumber.open(io.BytesIO(data))
    return list(pdf.pages)


def char_box(c: dict[str, Any]) -> Rect:
    return Rect.from_edges(c["x0"], c["y0"], c["x1"], c["y1"])


def object_box(o: dict[str, Any]) -> Rect:
    return Rect.from_edges(o["x0"], o["y0"], o["x1"], o["y1"])


def text_of(page: Any) -> str:
    return "".join(c["text"] for c in page.chars)


def words_of(page: Any, font: str = "") -> str:
    """The text drawn in `font` (any by default) in drawing order, a line break read as a
    space and runs of spaces as one."""
    pieces: list[str] = []
    previous: float | None = None
    for c in page.chars:
        if font not in c["fontname"]:
            continue
        if previous is not None and abs(c["y0"] - previous) > 1:
            pieces.append(" ")
        pieces.append(c["text"])
        previous = c["y0"]
    return " ".join("".join(pieces).split())


def drawn_objects(page: Any) -> list[dict[str, Any]]:
    return [*page.chars, *page.rects, *page.lines, *page.curves, *page.images]


@cache
def cmap_of(font_name: str) -> set[int]:
    """Characters the embedded font file really has, found by its PostScript name (a
    handwriting form, "Caveat-Regular-Form1", has its font's characters)."""
    font_name = font_name.split("-Form")[0]
    for path in [caveat_path(), *fallback_sans_paths(), *fallback_sans_paths(bold=True)]:
        face = TTFontFace(str(path))
        if face.name.decode() == font_name:
            return {code for code, glyph in face.charToGlyph.items() if glyph}
    raise AssertionError(f"unknown embedded font {font_name}")


def assert_real_glyphs(page: Any) -> None:
    for c in page.chars:
        name = c["fontname"].split("+", 1)[-1]
        if name in BASE14:
            c["text"].encode("cp1252")  # base-14 fonts draw WinAnsi only
        else:
            assert "+" in c["fontname"], "TrueType fonts are embedded as subsets"
            assert ord(c["text"]) in cmap_of(name), f"{c['text']!r} not in {name}"


# ---- page sizes, fonts, text ---------------------------------------------------------------


@pytest.mark.parametrize(("size", "mode"), SIZES)
def test_page_sizes_and_embedded_fonts(size, mode):
    data = render_card_bytes(card_step(), config_for(size, mode), mode)
    reader = PdfReader(io.BytesIO(data))
    geometry = card_geometry(size, mode)
    assert len(reader.pages) == 2
    for page in reader.pages:
        # PDF writes sizes to 4 decimals: A6's millimetres are not whole points.
        size_pt = (float(page.mediabox.width), float(page.mediabox.height))
        assert size_pt == pytest.approx(geometry.page_size, abs=1e-3)
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            base = str(font["/BaseFont"]).lstrip("/")
            if base in BASE14:
                continue
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{base} is not embedded"


@pytest.mark.parametrize(("size", "mode"), SIZES)
def test_every_character_inside_the_safe_area(size, mode):
    geometry = card_geometry(size, mode)
    for page in pdf_pages(render_card_bytes(card_step(), config_for(size, mode), mode)):
        assert page.chars
        for c in page.chars:
            assert geometry.safe.contains(char_box(c)), (c["text"], char_box(c))


@pytest.mark.parametrize("size", ["4x6", "6x9", "6x11"])
def test_provider_ink_free_zone_is_blank(size):
    geometry = card_geometry(size, "provider")
    zone = geometry.ink_free_zone
    assert zone is not None
    back = pdf_pages(render_card_bytes(card_step(), config_for(size, "provider"), "provider"))[1]
    assert back.chars
    for obj in drawn_objects(back):
        assert not zone.intersects(object_box(obj)), obj.get("text", obj.get("object_type"))


@pytest.mark.parametrize("size", ["4x6", "4.25x5.5", "a6"])
def test_self_mail_back_usps_zones(size):
    geometry = card_geometry(size, "self")
    barcode, ocr, stamp = geometry.barcode_clear_zone, geometry.ocr_read_area, geometry.stamp_box
    assert barcode
    assert ocr
    assert stamp
    back = pdf_pages(render_card_bytes(card_step(), config_for(size, "self"), "self"))[1]
    for obj in drawn_objects(back):
        assert not barcode.intersects(object_box(obj))
    address = [c for c in back.chars if c["fontname"] == "Helvetica" and c["size"] >= 8]
    lines: dict[float, str] = {}
    for c in address:
        lines[round(c["y0"], 1)] = lines.get(round(c["y0"], 1), "") + c["text"]
        assert ocr.contains(char_box(c))
        assert c["size"] >= 8
        assert not c["text"].islower()
    assert sorted(lines.items(), reverse=True)[0][1] == "MARY ALBRIGHT"
    assert "SPRINGFIELD IL 62704" in lines.values()
    # the stamp box outline and its words sit in the stamp zone
    outline = [r for r in back.rects if stamp.contains(object_box(r))]
    assert len(outline) == 1
    words = "".join(c["text"] for c in back.chars if stamp.contains(char_box(c)))
    assert words == "PLACESTAMPHERE"
    # the return address is smaller than the delivery address, upper left
    returned = [c for c in back.chars if c["size"] < 8 and not stamp.contains(char_box(c))]
    assert returned
    assert geometry.return_address_area is not None
    assert all(geometry.return_address_area.contains(char_box(c)) for c in returned)


@pytest.mark.parametrize(("size", "mode"), SIZES)
def test_message_stays_in_its_area_in_the_handwriting_font(size, mode):
    geometry = card_geometry(size, mode)
    back = pdf_pages(render_card_bytes(card_step(), config_for(size, mode), mode))[1]
    hand = [c for c in back.chars if "Caveat" in c["fontname"]]
    assert len(hand) > 200
    for c in hand:
        assert geometry.message_area.contains(char_box(c))
    assert geometry.delivery_address_area is None or not any(
        geometry.delivery_address_area.intersects(char_box(c)) for c in hand
    )


def test_first_name_and_deadline_on_both_sides():
    front, back = pdf_pages(render_card_bytes(card_step(), config_for(), "self"))
    front_text, back_text = text_of(front), text_of(back)
    assert "Hi Mary!" in front_text
    assert "Dear Mary," in back_text
    assert "Yours until Monday, December 7 with code NOTE20" in front_text
    assert "call me by Monday, December 7" in words_of(back, "Caveat")
    assert "ring on Monday, November 30" in words_of(back, "Caveat")


def qr_matrix_from(page: Any, box: Rect, modules: int) -> list[list[int]]:
    """Rebuild the module grid from the filled rectangles drawn inside the QR plate."""
    cell = box.w / (modules + 4)
    grid = [[0] * modules for _ in range(modules)]
    for r in page.rects:
        rect = object_box(r)
        if not box.contains(rect) or rect.w >= box.w * 0.9:
            continue
        top = round((box.top - 2 * cell - rect.top) / cell)
        first = round((rect.x - box.x - 2 * cell) / cell)
        for row in range(top, top + round(rect.h / cell)):
            for col in range(first, first + round(rect.w / cell)):
                assert not grid[row][col], "modules drawn twice"
                grid[row][col] = 1
    return grid


def test_qr_code_encodes_the_offer_url_with_the_cards_code():
    config = config_for()
    painter = CardPainter(config, "self")
    card = painter.prepare(card_step())
    code = candidate(card_step().step_key, 0)  # not recorded: the provisional code
    assert card.qr_value == f"{config.offer.url}?code={code}"
    assert card.qr_box is not None
    assert card_geometry("4x6", "self").safe.contains(card.qr_box)
    front = pdf_pages(render_card_bytes(card_step(), config, "self"))[0]
    expected = [[cell == 0 for cell in row] for row in qr_matrix(card.qr_value)]
    bare = [[cell == 0 for cell in row] for row in qr_matrix(config.offer.url)]
    assert expected != bare
    assert qr_matrix_from(front, card.qr_box, len(expected)) == expected
    # And a phone reading the printed card opens that address.
    assert qr_texts(render_card_bytes(card_step(), config, "self")) == [card.qr_value]


@pytest.mark.parametrize("template", ["thank-you", "birthday"])
def test_warm_cards_have_no_offer_code_or_qr(template):
    config = config_for()
    step = card_step(template=template)
    assert CardPainter(config, "self").prepare(step).qr_value is None
    front, back = pdf_pages(render_card_bytes(step, config, "self"))
    everything = text_of(front) + text_of(back)
    assert "Mary" in text_of(front)
    assert "Dear Mary," in text_of(back)
    for word in ("NOTE20", "20%", "December 7", "offer", "example.com"):
        assert word not in everything
    assert len(front.rects) <= 2  # the background and the accent rule, no QR modules


def test_full_bleed_background_on_provider_cards():
    front = pdf_pages(render_card_bytes(card_step(), config_for("4x6", "provider"), "provider"))[0]
    page = Rect(0, 0, 450, 306)
    assert any(page.contains(object_box(r)) and object_box(r).w >= 449.9 for r in front.rects)


# ---- fitting and unicode -------------------------------------------------------------------


def test_unicode_names_are_drawn_with_real_glyphs():
    step = card_step(first="Zoë", last="Łukasiewicz-Nguyễn")
    for mode in ("self", "provider"):
        front, back = pdf_pages(render_card_bytes(step, config_for("4x6", mode), mode))
        assert "Zoë" in text_of(front)
        assert "Dear Zoë," in text_of(back)
        for page in (front, back):
            assert_real_glyphs(page)
        if mode == "self":
            assert "ZOË ŁUKASIEWICZ-NGUYỄN" in text_of(back)


def test_curly_quotes_and_euro_in_a_note(tmp_path):
    folder = tmp_path / "note"
    folder.mkdir()
    (folder / "card.toml").write_text("sales = false\n", encoding="utf-8")
    (folder / "front.j2").write_text("{% block headline %}“Ça va?” – €5{% endblock %}")
    (folder / "message.j2").write_text("{{ contact.notes }}", encoding="utf-8")
    config = config_for(templates=Templates(dir=str(tmp_path)))
    step = card_step(template="note", notes="Łódź “quoted” — 10 € ‘ok’\u200b")
    front, back = pdf_pages(render_card_bytes(step, config, "self"))
    assert "“Ça va?” – €5" in text_of(front)
    assert "Łódź “quoted” — 10 € ‘ok’" in text_of(back)
    assert "\u200b" not in text_of(back)
    for page in (front, back):
        assert_real_glyphs(page)


def test_a_character_no_bundled_font_has_fails_the_card_by_name(tmp_path):
    # Fonts come only from Python packages (same glyphs on every machine); a symbol none of
    # them has must stop the card with its name, never print an empty box.
    step = card_step(template="note", notes="Thanks ★")
    folder = tmp_path / "note"
    folder.mkdir()
    (folder / "card.toml").write_text("sales = false\n", encoding="utf-8")
    (folder / "front.j2").write_text("{% block headline %}Hello{% endblock %}")
    (folder / "message.j2").write_text("{{ contact.notes }}", encoding="utf-8")
    config = config_for(templates=Templates(dir=str(tmp_path)))
    with pytest.raises(RenderError, match="U\\+2605"):
        render_card_bytes(step, config, "self")


def long_note_config(tmp_path: Path) -> Config:
    folder = tmp_path / "note"
    folder.mkdir(exist_ok=True)
    (folder / "card.toml").write_text("", encoding="utf-8")
    (folder / "front.j2").write_text(
        "{% block greeting %}Hi {{ contact.name }}!{% endblock %}", encoding="utf-8"
    )
    (folder / "message.j2").write_text(
        "{{ contact.first_name | greeting }},\n\n{{ contact.notes }}", encoding="utf-8"
    )
    return config_for(templates=Templates(dir=str(tmp_path)))


def sentence(n: int) -> str:
    words = [
        "thanks",
        "again",
        "for",
        "the",
        "lovely",
        "chat",
        "about",
        "candles",
        "and",
        "the",
        "garden",
        "this",
        "spring",
    ]
    text = " ".join(words[i % len(words)] for i in range(n))
    return text[: n * 6]


SIXTY = ("Maximiliana", "Evangelina Bartholomew-Fitzgerald Worthington-Sm")


def address_lines_of(page: Any, below: float) -> list[tuple[str, Rect, float]]:
    """The delivery block's lines (the sans-serif text below `below`, the stamp box's bottom
    edge, where the return address and the stamp words are not), top to bottom, each with
    its box and its smallest size."""
    rows: dict[float, list[dict[str, Any]]] = {}
    for c in page.chars:
        low = page.height - c["bottom"] < below
        if low and "Caveat" not in c["fontname"] and c["text"].strip():
            rows.setdefault(round(c["bottom"], 1), []).append(c)
    lines = []
    for _, chars in sorted(rows.items()):
        box = Rect.from_edges(
            min(c["x0"] for c in chars),
            page.height - max(c["bottom"] for c in chars),
            max(c["x1"] for c in chars),
            page.height - min(c["top"] for c in chars),
        )
        size = min(c["size"] for c in chars)
        lines.append(("".join(c["text"] for c in chars), box, size))
    return lines


def test_sixty_character_name_takes_two_lines_above_the_delivery_line_on_self_mail():
    first, last = SIXTY
    assert len(f"{first} {last}") == 60
    data = render_card_bytes(card_step(first=first, last=last), config_for("4x6", "self"), "self")
    back = pdf_pages(data)[1]
    geometry = card_geometry("4x6", "self")
    assert geometry.ocr_read_area is not None
    assert geometry.stamp_box is not None
    lines = address_lines_of(back, geometry.stamp_box.y)
    texts = [t.replace(" ", "") for t, _, _ in lines]  # the chars drawn, spaces aside
    # The name on two lines, broken at a space or a hyphen; the post office reads the last
    # two lines, the delivery line then the city.
    assert len(texts) == 4
    assert "".join(texts[:2]) == f"{first}{last}".upper().replace(" ", "")
    assert texts[2:] == ["1422MAPLEAVEAPT3", "SPRINGFIELDIL62704"]
    for _, box, size in lines:
        assert geometry.ocr_read_area.contains(box, tolerance=0.5)
        assert size >= 8  # the USPS floor


def test_a_name_too_long_even_for_two_lines_is_refused_with_a_name_that_fits():
    first, last = "Maximiliana", "-".join(["Bartholomew-Fitzgerald-Worthington"] * 4)
    with pytest.raises(RenderError) as err:
        render_card_bytes(card_step(first=first, last=last), config_for("4x6", "self"), "self")
    message, fix = err.value.message, err.value.hint
    assert "contact C001" in message
    assert "the name and address does not fit" in message
    assert "floor size of 8 pt" in message
    # The suggested name is the rule's shortening, as long as still fits the block.
    assert "mailer contacts edit C001 --first-name M. --last-name Bartholomew-" in fix
    assert "provider" in fix


def test_a_street_line_too_long_for_the_block_is_refused_naming_the_address():
    street = "12345 North Bartholomew Fitzgerald Worthington Boulevard Extension West"
    step = card_step(address=Address(street, "Apartment 1234", "Springfield", "IL", "62704"))
    with pytest.raises(RenderError) as err:
        render_card_bytes(step, config_for("4x6", "self"), "self")
    assert "the delivery address does not fit" in err.value.message
    assert "mailer contacts edit C001 --address-line1" in err.value.hint


def test_sixty_character_name_fits_a_provider_card():
    first, last = SIXTY
    data = render_card_bytes(
        card_step(first=first, last=last), config_for("4x6", "provider"), "provider"
    )
    geometry = card_geometry("4x6", "provider")
    front, back = pdf_pages(data)
    assert "Hi Maximiliana!" in words_of(front)
    for page in (front, back):
        for c in page.chars:
            assert geometry.safe.contains(char_box(c))
    for obj in drawn_objects(back):
        assert not any(z.intersects(object_box(obj)) for z in geometry.keep_out)


def test_sixty_character_name_on_provider_cards_fits():
    step = card_step(first="Maximiliana", last="Evangelina Bartholomew-Fitzgerald Worthington")
    front, _ = pdf_pages(render_card_bytes(step, config_for("4x6", "provider"), "provider"))
    assert "Hi Maximiliana!" in text_of(front)


def test_six_hundred_character_note_fits(tmp_path):
    note = sentence(120)[:600]
    assert len(note) == 600
    step = card_step(template="note", notes=note)
    config = long_note_config(tmp_path)
    geometry = card_geometry("4x6", "self")
    back = pdf_pages(render_card_bytes(step, config, "self"))[1]
    hand = [c for c in back.chars if "Caveat" in c["fontname"]]
    drawn = "".join(c["text"] for c in hand).replace(" ", "")
    assert drawn.endswith(note.replace(" ", "")[-40:])
    assert min(c["size"] for c in hand) >= 10 - 1e-6  # the built-in floor (float noise)
    for c in hand:
        assert geometry.message_area.contains(char_box(c))


def test_note_too_long_fails_with_a_clear_error(tmp_path):
    step = card_step(contact_id="C777", template="note", notes=sentence(400))
    with pytest.raises(RenderError) as err:
        render_card_bytes(step, long_note_config(tmp_path), "self")
    assert "contact C777" in str(err.value)
    assert "template 'note'" in str(err.value)
    assert "message does not fit" in str(err.value)
    assert "floor size of 10 pt" in str(err.value)
    assert err.value.hint


def test_unbreakable_word_fails_instead_of_clipping(tmp_path):
    step = card_step(template="note", notes="x" * 120)
    with pytest.raises(RenderError, match="message does not fit"):
        render_card_bytes(step, long_note_config(tmp_path), "provider")


words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉéŁłễ’“”€ ", min_size=1, max_size=14),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(words, st.sampled_from(["hand", "sans", "sans-bold"]))
def test_fitted_text_never_leaves_its_box(parts, role):
    text = clean_text("\n".join(" ".join(parts[i : i + 5]) for i in range(0, len(parts), 5)))
    box = Rect(20, 30, 170, 150)
    stack = font_stacks(None)[role]
    wrapped = fit(text, stack, 16, 8, box, 1.1)
    if wrapped is None:
        return
    for line in place(wrapped, stack, box, box.top, (0, 0, 0)):
        assert line.x >= box.x - 0.01
        assert line.x + line.width <= box.right + 0.01
        assert line.y + wrapped.ascent * line.size <= box.top + 0.01
        assert line.y + wrapped.descent * line.size >= box.y - 0.01


@settings(max_examples=60, deadline=None)
@given(words, st.integers(min_value=0, max_value=16), st.floats(min_value=40, max_value=200))
def test_the_fitted_size_does_not_depend_on_where_the_search_starts(parts, guess, height):
    text = clean_text(" ".join(parts))
    stack = font_stacks(None)["hand"]
    box = Rect(0, 0, 150, height)
    candidates = sizes(16, 8)
    # The plain answer: the first size, from the largest down, at which the text fits.
    expected = next(
        (
            w.size
            for w in (wrap(text, stack, c, box.w, 1.1) for c in candidates)
            if w is not None and w.height <= box.h + 1e-6
        ),
        None,
    )
    start = candidates[guess] if guess < len(candidates) else 11.3  # 11.3: not a candidate
    for tried in (None, start):  # the search itself, which `fit` does once per text and box
        wrapped = fit_measured(measure(text, stack), 16, 8, box, 1.1, tried)
        assert (wrapped.size if wrapped else None) == expected
    found = fit(text, stack, 16, 8, box, 1.1, start)
    assert (found.size if found else None) == expected


# ---- drawing at an origin (print sheets) ---------------------------------------------------


def test_draw_at_an_origin_on_a_sheet():
    config = config_for("4.25x5.5", "self")
    painter = CardPainter(config, "self")
    card = painter.prepare(card_step())
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(612, 792), invariant=1)
    slots = [(0, 396), (306, 396)]
    for x, y in slots:
        painter.draw_front(canvas, card, x, y)
    canvas.showPage()
    painter.draw_back(canvas, card_step(), 306, 0)
    canvas.showPage()
    canvas.save()
    front, back = pdf_pages(buffer.getvalue())
    greeting = [c for c in front.chars if c["text"] == "H"]
    assert (
        sorted(round(c["x0"]) for c in greeting)[1] - sorted(round(c["x0"]) for c in greeting)[0]
        == 306
    )
    slot = Rect(306, 0, 396, 306)
    assert back.chars
    assert all(slot.contains(char_box(c)) for c in back.chars)


# ---- batches -------------------------------------------------------------------------------


def batch_steps() -> list[MailStep]:
    steps = [
        card_step("C001"),
        card_step("C002", "Zoë", "Nguyễn", template="thank-you"),
        card_step("C003", "Piotr", "Łukasiewicz", template="birthday"),
        card_step("C 004/x", "Ann", "Lee"),
        card_step("C005", "", "Okafor"),
        card_step("C006", "Sam", "Ray"),
    ]
    skipped = dataclasses.replace(card_step("C007"), action=Action.SKIP, template=None)
    return [*steps, skipped]


def test_render_cards_writes_one_pdf_per_mail_step(tmp_path):
    seen: list[RenderedCard | RenderFailure] = []
    result = render_cards(
        batch_steps(),
        config_for(),
        mode="self",
        out_dir=tmp_path / "cards",
        on_progress=seen.append,
    )
    assert not result.failures
    assert [c.contact_id for c in result.cards] == [
        "C001",
        "C002",
        "C003",
        "C 004/x",
        "C005",
        "C006",
    ]
    assert seen == result.cards
    names = sorted(p.name for p in (tmp_path / "cards").iterdir())
    assert "C001-offer.pdf" in names
    assert "C002-thank-you.pdf" in names
    assert len(names) == 6
    assert not any(n.endswith(".part") for n in names)
    for card in result.cards:
        data = card.path.read_bytes()
        assert card.bytes == len(data)
        assert card.pages == len(PdfReader(io.BytesIO(data)).pages) == 2
        assert (card.size, card.mode) == ("4x6", "self")
        assert card.step_key.startswith(card.contact_id)
    assert result.warnings == []


def test_card_filenames_are_safe_and_distinct():
    assert card_filename("C001", "offer") == "C001-offer.pdf"
    odd = card_filename("C 004/x", "offer")
    assert "/" not in odd
    assert " " not in odd
    assert odd != card_filename("C_004_x", "offer")
    assert card_filename("../../etc", "offer").startswith("etc-")


def test_same_input_gives_identical_bytes(tmp_path):
    config = config_for()
    first = render_cards(batch_steps(), config, mode="self", out_dir=tmp_path / "a")
    second = render_cards(batch_steps(), config, mode="self", out_dir=tmp_path / "b")
    assert [c.sha256 for c in first.cards] == [c.sha256 for c in second.cards]
    for a, b in zip(first.cards, second.cards, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
    step = card_step()
    assert render_card_bytes(step, config, "self") == render_card_bytes(step, DEMO, "self")


def test_parallel_jobs_give_the_same_files(tmp_path):
    config = config_for("4x6", "provider")
    steps = batch_steps()
    one = render_cards(steps, config, mode="provider", out_dir=tmp_path / "one", jobs=1)
    two = render_cards(steps, config, mode="provider", out_dir=tmp_path / "two", jobs=2)
    assert [(c.contact_id, c.path.name, c.sha256) for c in one.cards] == [
        (c.contact_id, c.path.name, c.sha256) for c in two.cards
    ]
    for a, b in zip(one.cards, two.cards, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_renderer_reads_steps_only_as_fast_as_it_draws_them(tmp_path, jobs):
    # An endless supply: a renderer that listed its input first would never return.
    taken = 0

    def endless() -> Iterator[MailStep]:
        nonlocal taken
        for i in itertools.count():
            taken += 1
            yield card_step(f"S{i:05d}")

    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=jobs)
    outcomes = renderer.render(endless())
    first = list(itertools.islice(outcomes, 5))
    outcomes.close()
    assert [o.contact_id for o in first] == [f"S{i:05d}" for i in range(5)]
    assert all(isinstance(o, RenderedCard) for o in first)
    # One card ahead in one process; with workers, two chunks queued for each.
    assert taken <= (6 if jobs == 1 else (2 * jobs + 1) * CHUNK + 1)
    assert renderer.warnings == []


def _sigint_handler() -> object:
    return signal.getsignal(signal.SIGINT)


def test_worker_processes_leave_ctrl_c_to_the_parent():
    with ProcessPoolExecutor(1, initializer=_init_worker, initargs=(config_for(), "self")) as pool:
        assert pool.submit(_sigint_handler).result() == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN


def test_work_goes_to_workers_in_chunks_that_shrink_towards_the_end():
    steps = [card_step(f"S{i:03d}") for i in range(300)]
    sizes = [len(part) for part in _chunks(iter(steps), 2, len(steps))]
    assert sum(sizes) == 300
    assert sizes[0] == CHUNK
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-3:] == [1, 1, 1]  # the last cards one at a time: no worker waits long
    unknown = [len(part) for part in _chunks(iter(steps), 2, None)]
    assert unknown == [CHUNK] * (300 // CHUNK) + [300 % CHUNK]


def test_failures_are_collected_not_raised(tmp_path):
    too_long = card_step("C900", template="note", notes=sentence(400))
    no_address = card_step("C901", address=Address())
    unknown = card_step("C902", template="missing-template")
    steps = [card_step("C001"), too_long, no_address, unknown, card_step("C002")]
    result = render_cards(
        steps, long_note_config(tmp_path), mode="self", out_dir=tmp_path / "out", jobs=2
    )
    assert [c.contact_id for c in result.cards] == ["C001", "C002"]
    failures = {f.contact_id: f for f in result.failures}
    assert set(failures) == {"C900", "C901", "C902"}
    assert "does not fit" in failures["C900"].message
    assert "no delivery address" in failures["C901"].message
    assert "not found" in failures["C902"].message
    assert all(f.hint for f in failures.values())


def test_render_sides_for_provider_uploads():
    front, back = render_sides(card_step(), config_for("6x9", "provider"))
    for data, word in ((front, "Hi Mary!"), (back, "Dear Mary,")):
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1
        assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == (
            666,
            450,
        )
        assert word in text_of(pdf_pages(data)[0])


def test_quarter_letter_warns_not_machinable(tmp_path):
    result = render_cards(
        [card_step()], config_for("4.25x5.5", "self"), mode="self", out_dir=tmp_path
    )
    assert len(result.cards) == 1
    assert any("machinable" in w for w in result.warnings)


def test_wrong_size_for_mode_is_refused(tmp_path):
    with pytest.raises(RenderError, match="not available in self mode"):
        render_cards([card_step()], config_for("6x9", "provider"), mode="self", out_dir=tmp_path)


def test_front_image_low_dpi_warns_and_is_drawn(tmp_path):
    from PIL import Image

    folder = tmp_path / "photo"
    folder.mkdir()
    Image.new("RGB", (300, 200), (200, 120, 40)).save(folder / "shop.png")
    (folder / "card.toml").write_text(
        'sales = false\n[front]\nimage = "shop.png"\nimage_position = "left"\n', encoding="utf-8"
    )
    (folder / "front.j2").write_text("{% block headline %}Thank you!{% endblock %}")
    (folder / "message.j2").write_text("Dear {{ contact.first_name }}, thanks.")
    config = config_for(templates=Templates(dir=str(tmp_path)))
    result = render_cards(
        [card_step(template="photo")], config, mode="self", out_dir=tmp_path / "out"
    )
    assert not result.failures
    assert any("shop.png" in w and "DPI" in w for w in result.warnings)
    front = pdf_pages(result.cards[0].path.read_bytes())[0]
    assert len(front.images) == 1
    panel = CardPainter(config, "self").prepare(card_step(template="photo")).image_box
    assert panel == Rect(0, 0, 432 * 0.42, 288)
    for c in front.chars:
        assert not panel.intersects(char_box(c))


def test_template_errors_surface_from_the_painter(tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "card.toml").write_text("")
    (folder / "front.j2").write_text("{% block body %}{{ ''.__class__.__mro__ }}{% endblock %}")
    (folder / "message.j2").write_text("x")
    config = config_for(templates=Templates(dir=str(tmp_path)))
    with pytest.raises(TemplateError, match="contact C001"):
        render_card_bytes(card_step(template="evil"), config, "self")


def test_custom_handwriting_font(tmp_path):
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    config = config_for(templates=Templates(font=str(vera)))
    step = card_step(first="Łucja", template="thank-you")
    back = pdf_pages(render_card_bytes(step, config, "self"))[1]
    fonts = {c["fontname"].split("+")[-1] for c in back.chars}
    # The note is in Vera: as it is, or as the pen font made from it (varied letters,
    # and the accented ones a card draws, at codes of its own).
    assert fonts & {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Roman-Forms"}, fonts
    assert_real_glyphs(back)  # Ł is not in Vera: it falls back to Caveat
    missing = config_for(templates=Templates(font=str(tmp_path / "nope.ttf")))
    with pytest.raises(RenderError, match="not found"):
        CardPainter(missing, "self")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_handwriting_font_stops_the_batch_once_up_front(tmp_path, jobs):
    font = tmp_path / "Brush Script.ttf"
    font.write_bytes(b"OTTO\x00\x01 this is not a TrueType font at all\n" * 20)
    config = config_for(templates=Templates(font=str(font)))
    seen: list[RenderedCard | RenderFailure] = []
    with pytest.raises(RenderError) as err:
        render_cards(
            batch_steps() * 2,
            config,
            mode="self",
            out_dir=tmp_path / "out",
            jobs=jobs,
            on_progress=seen.append,
        )
    assert str(font) in err.value.message
    assert "templates.font" in err.value.message
    assert "[templates]" in err.value.hint
    assert ".ttf" in err.value.hint
    assert seen == []  # no card was attempted
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("size", ["4x6", "a6"])
def test_stamp_words_are_centred_with_the_stacks_own_metrics(size):
    stamp = card_geometry(size, "self").stamp_box
    assert stamp is not None
    back = pdf_pages(render_card_bytes(card_step(), config_for(size, "self"), "self"))[1]
    chars = [c for c in back.chars if stamp.contains(char_box(c))]
    assert "".join(c["text"] for c in chars) == "PLACESTAMPHERE"
    top, bottom = max(c["y1"] for c in chars), min(c["y0"] for c in chars)
    # The text extractor boxes each glyph by the font's own descent and em, as the stack
    # measures it: centred by those metrics, the block sits in the middle to a hundredth.
    assert (top + bottom) / 2 == pytest.approx(stamp.y + stamp.h / 2, abs=0.01)
    left, right = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
    assert (left + right) / 2 == pytest.approx(stamp.x + stamp.w / 2, abs=0.5)


def test_a_card_going_abroad_says_postcard_and_a_domestic_one_does_not():
    home = card_step()
    abroad = card_step(
        contact_id="C016",
        first="Sharon",
        last="MacLeod",
        address=Address("120 King St W", "Suite 500", "Toronto", "ON", "M5H 1J9", "CA"),
    )
    config = config_for("4x6", "self")
    geometry = card_geometry("4x6", "self")
    address_area = geometry.delivery_address_area
    assert address_area is not None
    for step, expected in ((home, False), (abroad, True)):
        _, back = pdf_pages(render_card_bytes(step, config, "self"))
        words = [w for w in back.extract_words() if w["text"] == "POSTCARD"]
        assert bool(words) is expected
        for w in words:
            # Right half, top strip beside the stamp box, clear of the address block.
            assert w["x0"] >= geometry.page.w / 2
            assert back.height - w["bottom"] >= address_area.top


@pytest.mark.parametrize("length", [80, 400, 30_000])
def test_a_label_too_wide_keeps_the_longest_start_that_fits(length: int) -> None:
    stack = font_stacks(None)["sans"]
    text = ("Papadopoulou-Wittelsbach " * (length // 25 + 1))[:length]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(400, 100))
    draw_label(canvas, stack, text, 10, 50, 9, (0, 0, 0), max_width=200)
    canvas.save()
    with pdfplumber.open(io.BytesIO(buffer.getvalue())) as pdf:
        drawn = pdf.pages[0].extract_text()
    assert drawn.endswith("…")
    kept = drawn.removesuffix("…")
    assert text.startswith(kept)
    assert stack.width(kept + "…") * 9 <= 200
    assert stack.width(text[: len(kept) + 1] + "…") * 9 > 200  # one more would not fit


@pytest.mark.parametrize("template", ["offer", "thank-you", "birthday"])
@pytest.mark.parametrize("first", ["Mary", "José", "ANNE-MARIE", "Zoë"])
def test_a_notes_length_is_that_of_the_note_the_card_draws(template: str, first: str) -> None:
    """`mailer run` measures every note before drawing any (the long-note warning) by
    rendering the note alone: it must be the note the whole template gives the card."""
    config = config_for()
    step = card_step(first=first, template=template, notes="asked about the blue set")
    chosen = load_template(template, config)
    context = card_context(step, config, sales=chosen.style.sales)
    whole = chosen.render(context, step.contact_id).message
    assert chosen.render_message(context, step.contact_id) == whole
    assert first.title().split("-")[0] in whole or first in whole
    assert CardPainter(config, "self").note_length(step) == len(clean_text(whole))
