"""The card writer: each card's PDF written from its layout, with fonts, images and the static
parts of a side prepared once. Its files are opened with pypdf and PDFium, rasterised at
150 dpi and compared pixel for pixel with the same card drawn by ReportLab, and compared
byte for byte across batches and processes."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from mailer.config import Config, Templates
from mailer.domain.models import MailStep
from mailer.drawing import card_fonts
from mailer.drawing.batch import (
    card_pdf,
    painter_for,
    render_card_bytes,
    render_cards,
    render_sides,
    reportlab_card_pdf,
)
from mailer.drawing.card_writer import CardWriter
from mailer.drawing.fonts import fallback_sans_paths
from mailer.drawing.layout import PlacedLine, Run
from mailer.drawing.painter import PreparedCard
from tests.builders import (
    EXAMPLE_CALLS,
    EXAMPLE_CONFIG,
    assert_pages_alike,
    card_step,
    config_for,
    invoke,
    sha256,
    sha256_drawn_alone,
)

SIZES = [("4x6", "self"), ("4.25x5.5", "self"), ("a6", "self"), ("4x6", "provider"),
         ("6x9", "provider"), ("6x11", "provider")]  # fmt: skip
TEMPLATES = ["offer", "thank-you", "birthday"]
WORLD = "Zoë Łukasiewicz, Αθηνά Παππά, Дмитрий Ковалёв, Nguyễn Thị Hương"


def pictures(data: bytes) -> list[Image.Image]:
    """Every page rasterised at 150 dpi by PDFium."""
    document = pdfium.PdfDocument(data)
    return [
        document[i].render(scale=150 / 72).to_pil().convert("RGB") for i in range(len(document))
    ]


def assert_same_pictures(written: bytes, drawn: bytes) -> None:
    """The same pictures, but for the edges of a varied note's letters, which may be a
    level of grey apart: the writer draws a line's piece as one string in the pen font,
    ReportLab as a string per form of its letters (each form a font of its own there), and
    the positions add up a little differently in floating point."""
    assert_pages_alike(pictures(written), pictures(drawn), levels=2)


def pdfium_text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def fast_and_reportlab(
    step: MailStep, config: Config, mode: str, sides: str = "both"
) -> tuple[bytes, bytes]:
    painter = painter_for(config, mode)
    card = painter.prepare(step)
    assert CardWriter(painter.geometry, "x").unsupported(card) is None
    return card_pdf(painter, card, sides), reportlab_card_pdf(painter, card, sides)


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Each font of the file by its base name: True when its program is embedded."""
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            found[str(font["/BaseFont"])] = bool(descriptor and "/FontFile2" in descriptor)
    return found


def assert_cross_references(data: bytes) -> None:
    """Every entry of the file's one cross-reference table points at its object, and the
    trailer at the table: readers that don't repair files find every object."""
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[start:].startswith(b"xref\n0 ")
    head, rest = data[start + 5 :].split(b"\n", 1)
    count = int(head.split()[1])
    entries = rest[: 20 * count]
    assert entries[:20] == b"0000000000 65535 f \n"
    for number in range(1, count):
        entry = entries[20 * number : 20 * number + 20]
        assert entry.endswith(b" 00000 n \n"), entry
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), (number, offset)


# ---- the command line ---------------------------------------------------------------------


def test_mailer_render_writes_cards_that_pypdf_and_pdfium_read_with_their_text(
    tmp_path: Path,
) -> None:
    db, out = tmp_path / "m.db", tmp_path / "out"
    common = ("--today", "2026-11-22", "--db", db, "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    result = invoke("render", *common, "--out", out)
    assert result.exit_code == 0, result.stderr
    cards = sorted((out / "cards").glob("*.pdf"))
    assert len(cards) >= 3
    for path in cards:
        data = path.read_bytes()
        assert_cross_references(data)
        reader = PdfReader(io.BytesIO(data), strict=True)
        assert len(reader.pages) == 2
        assert reader.metadata is not None  # the title names the card as its file does
        template, contact = str(reader.metadata.title).split(" card for ")
        assert path.stem == f"{contact}-{template}"
        fonts = embedded_fonts(data)
        hand = [name for name in fonts if "Caveat" in name]
        assert hand, fonts
        assert all(fonts[name] for name in hand), fonts  # the handwriting is embedded
        assert all(embedded or name.startswith("/Helvetica") for name, embedded in fonts.items())
        front, back = pdfium_text(data)
        assert front.strip()
        assert back.strip()
        # The same text both ways.
        assert " ".join(reader.pages[1].extract_text().split()) == " ".join(back.split())
        assert pictures(data)[0].getbbox() is not None


# ---- the same pictures as ReportLab -------------------------------------------------------


@pytest.mark.parametrize(("size", "mode"), SIZES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_and_size_looks_as_reportlab_draws_it(
    size: str, mode: str, template: str
) -> None:
    config = config_for(size, mode)
    written, drawn = fast_and_reportlab(card_step(template=template), config, mode)
    assert_same_pictures(written, drawn)
    # Bigger than ReportLab's own file by the plain handwriting's ASCII block, which lets
    # cards share one prepared subset (README, "How a card's PDF is written").
    assert len(written) < len(drawn) + 20_000


@pytest.mark.parametrize("size", ["4x6", "6x11"])
def test_provider_artwork_sides_look_as_reportlab_draws_them(size: str) -> None:
    config = config_for(size, "provider")
    front, back = render_sides(card_step(), config, size)
    for side, data in (("front", front), ("back", back)):
        written, drawn = fast_and_reportlab(card_step(), config, "provider", side)
        assert data == written
        assert len(PdfReader(io.BytesIO(data)).pages) == 1
        assert_same_pictures(written, drawn)


def note_config(tmp_path: Path, image: str | None = None) -> Config:
    folder = tmp_path / "note"
    folder.mkdir(exist_ok=True)
    toml = "sales = true\n"
    if image:
        toml += f'[front]\nimage = "{image}"\nimage_position = "right"\n'
    (folder / "card.toml").write_text(toml, encoding="utf-8")
    (folder / "front.j2").write_text(
        "{% block greeting %}Hi {{ contact.first_name }}!{% endblock %}"
        "{% block headline %}{{ contact.notes[:30] }}{% endblock %}",
        encoding="utf-8",
    )
    (folder / "message.j2").write_text("{{ contact.notes }}", encoding="utf-8")
    # The note plain: these tests are about the writer's scripts and subsets, and a varied
    # note is drawn in pieces (a form switched at a doubled letter).
    return config_for(templates=Templates(dir=str(tmp_path), variation=False))


def test_text_in_every_script_extracts_and_looks_as_reportlab_draws_it(tmp_path: Path) -> None:
    config = note_config(tmp_path)
    notes = f"{WORLD}. A path C:\\cards\\(new) and 10 € — “quoted”."
    step = card_step(first="Zoë", template="note", notes=notes)
    written, drawn = fast_and_reportlab(step, config, "self")
    assert_same_pictures(written, drawn)
    back = " ".join(pdfium_text(written)[1].split())
    assert notes in back
    assert " ".join(PdfReader(io.BytesIO(written)).pages[1].extract_text().split()) == back
    fonts = embedded_fonts(written)
    assert any("NotoSans" in name for name in fonts)  # the Greek and Cyrillic fallback
    for name, embedded in fonts.items():
        assert embedded or name.startswith("/Helvetica"), name
        if embedded:  # a subset: six capitals, a plus, the face's name
            assert name[7] == "+", name
            assert name[1:7].isalpha(), name
            assert name[1:7].isupper(), name


def test_a_card_with_hundreds_of_letters_spreads_them_over_several_subsets(
    tmp_path: Path,
) -> None:
    config = note_config(tmp_path)
    letters = [chr(c) for c in range(0x100, 0x17F)] + [chr(c) for c in range(0x410, 0x450)]
    notes = " ".join("".join(letters[i : i + 8]) for i in range(0, len(letters), 8))
    step = card_step(template="note", notes=notes)
    painter = painter_for(config, "self")
    card = painter.prepare(step)
    hand = {r.font for line in card.back for r in line.runs if not r.font.startswith("Helv")}
    assert len(hand) == 1  # one face draws them all, so it needs more than 256 codes
    subsets = card_fonts.font_for(hand.pop())
    assert isinstance(subsets, card_fonts.TrueTypeFont)
    assert len(subsets.subsets(set(notes)).subsets) == 2
    written, drawn = fast_and_reportlab(step, config, "self")
    assert_same_pictures(written, drawn)
    assert notes in " ".join(pdfium_text(written)[1].split())


@pytest.mark.parametrize(("name", "mode"), [("shop.png", "RGB"), ("shop.jpg", "RGB"),
                                            ("clear.png", "RGBA"), ("grey.png", "L")])  # fmt: skip
def test_front_images_look_as_reportlab_draws_them_and_are_written_once(
    tmp_path: Path, name: str, mode: str
) -> None:
    picture = Image.new(mode, (600, 400), (30, 160, 90, 128)[: len(mode)] or 90)
    for x in range(0, 600, 40):
        picture.paste((200, 40, 40, 255)[: len(mode)] if mode != "L" else 200, (x, 0, x + 20, 400))
    (tmp_path / "note").mkdir()
    picture.save(tmp_path / "note" / name)
    config = note_config(tmp_path, image=name)
    written, drawn = fast_and_reportlab(card_step(template="note", notes="Hello"), config, "self")
    assert_same_pictures(written, drawn)
    reader = PdfReader(io.BytesIO(written))
    assert len(reader.pages[0].images) == 1


def test_a_damaged_front_image_refuses_the_card_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "note").mkdir()
    Image.new("RGB", (600, 400), (1, 2, 3)).save(tmp_path / "note" / "bad.png")
    data = (tmp_path / "note" / "bad.png").read_bytes()
    config = note_config(tmp_path, image="bad.png")
    painter_for(config, "self").prepare(card_step(template="note", notes="x"))  # header is fine
    (tmp_path / "note" / "bad.png").write_bytes(data[: len(data) // 2])
    steps = [card_step("C1", template="note", notes="a"), card_step("C2", notes="b")]
    result = render_cards(steps, config, mode="self", out_dir=tmp_path / "out")
    assert [f.contact_id for f in result.failures] == ["C1"]
    assert "bad.png" in result.failures[0].message
    assert [c.contact_id for c in result.cards] == ["C2"]


# ---- the same bytes ----------------------------------------------------------------------


def test_a_cards_bytes_dont_depend_on_the_batch_or_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = note_config(tmp_path)
    # The call sheet registers the fallback font's file under a name of its own: ReportLab
    # may then answer the card's font name with that font object.
    monkeypatch.setattr(card_fonts, "_FONTS", {})
    pdfmetrics.registerFont(TTFont("SheetSansForTheTest", str(fallback_sans_paths()[0])))
    others = [card_step(f"O{i}", first=f"Ådne{chr(0x100 + i)}", template="note", notes=WORLD[i:])
              for i in range(30)]  # fmt: skip
    for step in others:
        render_card_bytes(step, config, "self")  # other character sets fill the cache
    here = render_card_bytes(
        card_step("C9", first="Zoë", template="note", notes=WORLD), config, "self"
    )
    assert here == render_card_bytes(
        card_step("C9", first="Zoë", template="note", notes=WORLD), config, "self"
    )
    alone = sha256_drawn_alone(
        f"card_step('C9', first='Zoë', template='note', notes={WORLD!r})",
        f"config_for(templates=Templates(dir={str(tmp_path)!r}, variation=False))",
    )
    assert alone == sha256(here)


def test_a_subset_built_again_after_the_cache_let_it_go_gives_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(card_fonts, "SUBSET_CACHE", 2)
    monkeypatch.setattr(card_fonts, "_FONTS", {})  # only this test's faces and sets
    config = note_config(tmp_path)
    step = card_step("C5", first="Zoë", template="note", notes="Łódź")
    first = render_card_bytes(step, config, "self")
    for i in range(5):
        render_card_bytes(card_step(f"X{i}", template="note", notes=chr(0x3B1 + i)), config, "self")
    faces = [f for f in card_fonts._FONTS.values() if isinstance(f, card_fonts.TrueTypeFont)]
    assert faces
    assert all(len(face._sets) <= 2 for face in faces)
    assert render_card_bytes(step, config, "self") == first


def test_the_title_and_author_read_back_whatever_their_script(tmp_path: Path) -> None:
    config = config_for()
    painter = painter_for(config, "self")
    card = dataclasses.replace(painter.prepare(card_step()), contact_id="Ωmega (ø) \\ 7")
    reader = PdfReader(io.BytesIO(card_pdf(painter, card)))
    assert reader.metadata is not None
    assert reader.metadata.title == "offer card for Ωmega (ø) \\ 7"
    assert reader.metadata.author == config.sender.name


# ---- ReportLab where the writer stops -------------------------------------------------------


def with_run(card: PreparedCard, run: Run) -> PreparedCard:
    line = PlacedLine(x=run.x, y=100.0, width=50.0, size=run.size, color=(0, 0, 0), runs=(run,))
    return dataclasses.replace(card, back=(*card.back, line))


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (Run(x=20.0, font="ZapfDingbats", size=12.0, text="4"), "ZapfDingbats"),
        (Run(x=20.0, font="Helvetica", size=12.0, text="Łódź"), "outside WinAnsi"),
    ],
)
def test_a_card_the_writer_doesnt_cover_is_drawn_by_reportlab(run: Run, reason: str) -> None:
    painter = painter_for(config_for(), "self")
    card = with_run(painter.prepare(card_step()), run)
    why = CardWriter(painter.geometry, "x").unsupported(card)
    assert why is not None
    assert reason in why
    data = card_pdf(painter, card)
    assert data == reportlab_card_pdf(painter, card)
    assert b"ReportLab" in data
    assert len(pictures(data)) == 2
    plain = painter.prepare(card_step())
    assert b"ReportLab" not in card_pdf(painter, plain)  # the same card without that run


def test_what_a_card_writes_for_itself_is_left_uncompressed_and_still_reads_back() -> None:
    """Compress only what is big: the shared streams (the front's background, the stamp box,
    the fonts) are compressed once, a card's own text and QR code are a few KB that zlib
    would take longer to compress than the file takes to hold."""
    config = config_for()
    painter = painter_for(config, "self")
    data = card_pdf(painter, painter.prepare(card_step()))
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        contents: Any = page["/Contents"]
        shared, own = contents[0].get_object(), contents[-1].get_object()
        assert shared.get("/Filter") == "/FlateDecode"
        assert "/Filter" not in own
        assert b"BT" in own.get_data()
    assert "Dear Mary" in reader.pages[1].extract_text()
    fonts: Any = reader.pages[1]["/Resources"]
    programs = [
        font.get_object()["/FontDescriptor"]["/FontFile2"].get_object()
        for font in fonts["/Font"].values()
        if "/FontDescriptor" in font.get_object()
    ]
    assert programs
    assert all(program.get("/Filter") == "/FlateDecode" for program in programs)
