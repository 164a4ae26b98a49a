"""The handwritten note, varied as a hand writes it: letter forms, pieces of a line off the
level, uneven gaps, ragged starts; the ink; long notes warned about in the plan; the seller's
own handwriting font; `mailer preview --compare`. Real PDFs opened and measured, rasterised
and, where Tesseract is installed, read back."""

from __future__ import annotations

import dataclasses
import difflib
import io
import itertools
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2
import pytest
from fontTools.ttLib import TTFont as FontFile
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream, TextStringObject

from mailer.config import Templates
from mailer.drawing.batch import render_card_bytes
from mailer.drawing.geometry import Rect, card_geometry
from mailer.drawing.preview import preview_layout
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, card_step, config_for, invoke

TODAY = "2026-11-22"
NOTE = (
    "I will call you soon. I will be glad to see you, and I hope the offer helps. "
    "Call me soon, or call my office, and we will set up a good fitting."
)
PUNCTUATION = ".,;:!?\"'()[]-"


def note_config(tmp_path: Path, **templates: Any) -> Any:
    """The demo config with a `note` template whose message is the contact's notes."""
    folder = tmp_path / "note"
    folder.mkdir(exist_ok=True)
    (folder / "card.toml").write_text("", encoding="utf-8")
    (folder / "front.j2").write_text("{% block greeting %}Hi!{% endblock %}", encoding="utf-8")
    (folder / "message.j2").write_text("{{ contact.notes }}", encoding="utf-8")
    return config_for(templates=Templates(dir=str(tmp_path), **templates))


def back_of(data: bytes) -> Any:
    return pdfplumber.open(io.BytesIO(data)).pages[1]


def hand_chars(page: Any) -> list[dict[str, Any]]:
    return [c for c in page.chars if "Caveat" in c["fontname"]]


def drawn(data: bytes, page: int = 1, face: str = "Caveat") -> list[dict[str, Any]]:
    """The characters `face` draws on the page, in the order they are drawn, each with the
    glyph that draws it: `glyph` is its outline (so two forms of a letter differ, whatever
    font holds them), read from the embedded font program."""
    reader = PdfReader(io.BytesIO(data))
    resources: Any = reader.pages[page]["/Resources"]
    fonts: dict[str, tuple[dict[int, str], dict[int, Any]]] = {}
    for key, ref in resources["/Font"].items():
        font = ref.get_object()
        if face not in str(font["/BaseFont"]):
            continue
        program = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        tt = FontFile(io.BytesIO(program))
        glyf = tt["glyf"]
        by_code = tt["cmap"].getcmap(1, 0).cmap
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        text = {int(a, 16): chr(int(b, 16)) for a, b in re.findall(r"<(\w\w)> <(\w{4})>", cmap)}
        outline = {
            code: tuple(glyf[name].getCoordinates(glyf)[0]) for code, name in by_code.items()
        }
        fonts[key] = (text, outline)
    chars = []
    current: tuple[dict[int, str], dict[int, Any]] | None = None
    contents = reader.pages[page].get_contents()
    assert contents is not None
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"Tf":
            current = fonts.get(operands[0])
        elif operator in (b"Tj", b"TJ") and current is not None:
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            for string in strings:
                if isinstance(string, (bytes, TextStringObject)):
                    raw = string.original_bytes if isinstance(string, TextStringObject) else string
                    for code in raw:
                        chars.append({"text": current[0][code], "glyph": current[1][code]})
    return chars


def with_glyphs(data: bytes, page: int = 1) -> list[dict[str, Any]]:
    """`hand_chars` of the page, each with the glyph that draws it (`drawn`)."""
    chars = hand_chars(pdfplumber.open(io.BytesIO(data)).pages[page])
    glyphs = drawn(data, page)
    assert [c["text"] for c in chars] == [g["text"] for g in glyphs]
    return [c | {"glyph": g["glyph"]} for c, g in zip(chars, glyphs, strict=True)]


def written_words(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The drawn words, as lists of their characters (spaces and line breaks split them)."""
    words: list[list[dict[str, Any]]] = [[]]
    previous: dict[str, Any] | None = None
    for c in chars:
        new_line = previous is not None and c["x0"] < previous["x0"] - 1
        if c["text"] == " " or new_line:
            words.append([])
        if c["text"] != " ":
            words[-1].append(c)
        previous = c
    return [w for w in words if w]


def text_of(word: list[dict[str, Any]]) -> str:
    return "".join(c["text"] for c in word)


def card(tmp_path: Path, note: str = NOTE, contact: str = "C001", **templates: Any) -> bytes:
    step = card_step(contact_id=contact, template="note", notes=note)
    return render_card_bytes(step, note_config(tmp_path, **templates), "self")


# ---- letter forms ----------------------------------------------------------------------------


def test_every_doubled_letter_and_repeated_word_is_drawn_in_another_form(tmp_path: Path) -> None:
    chars = with_glyphs(card(tmp_path))
    words = written_words(chars)
    doubled = 0
    for word in words:
        for a, b in itertools.pairwise(word):
            if a["text"] == b["text"] and a["text"].isalnum():
                doubled += 1
                assert a["glyph"] != b["glyph"], f"{text_of(word)}: {a['text']}{b['text']}"
    assert doubled >= 6  # will, will, call, soon, ...
    last: dict[str, tuple[Any, ...]] = {}
    repeated = 0
    for word in words:
        key = text_of(word).strip(PUNCTUATION)
        fonts = tuple(c["glyph"] for c in word if c["text"].isalnum())
        if key in last:
            repeated += 1
            assert fonts != last[key], f"{key!r} drawn in the same forms as the last time"
        last[key] = fonts
    assert repeated >= 8  # I, will, you, soon, call, and, ...


def test_three_forms_on_every_card_of_a_session_and_the_text_reads_as_written(
    tmp_path: Path,
) -> None:
    db, out = tmp_path / "m.db", tmp_path / "out"
    common = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    result = invoke("render", *common, "--out", out)
    assert result.exit_code == 0, result.stderr
    cards = sorted((out / "cards").glob("*.pdf"))
    assert len(cards) >= 5
    for path in cards:
        data = path.read_bytes()
        chars = with_glyphs(data)
        forms: dict[str, set[Any]] = {}
        for c in chars:
            if c["text"].isalnum():
                forms.setdefault(c["text"], set()).add(c["glyph"])
        assert max(map(len, forms.values())) >= 3, path.name  # a letter in three forms
        # The forms keep the character map: the words extract as written, in PDFium's
        # reading, pdfplumber's and pypdf's (no space where a form changes).
        text = " ".join(text_of(w) for w in written_words(chars))
        assert re.search(r"\bthe phone! I put\b|\bbirthday\b|\bThank you\b", text), text
        read = " ".join(PdfReader(io.BytesIO(data)).pages[1].extract_text().split())
        assert text in read
        document = pypdfium2.PdfDocument(data)
        assert text in " ".join(document[1].get_textpage().get_text_range().split())
        document.close()


def test_the_text_extracts_unchanged_and_stays_in_its_area(tmp_path: Path) -> None:
    area = card_geometry("4x6", "self").message_area
    for contact in ("C001", "C002", "C003", "C104", "C777"):
        page = back_of(card(tmp_path, contact=contact))
        chars = hand_chars(page)
        words = [text_of(w) for w in written_words(chars)]
        assert words == NOTE.split()
        for c in chars:
            box = Rect.from_edges(c["x0"], c["y0"], c["x1"], c["y1"])
            assert area.contains(box), (contact, c["text"], box, area)


def test_lines_vary_but_the_same_card_gives_the_same_bytes_in_another_process(
    tmp_path: Path,
) -> None:
    def line_starts(chars: list[dict[str, Any]]) -> list[float]:
        """Where each line's first character starts (a line ends where x goes back)."""
        starts = [chars[0]["x0"]]
        for before, c in itertools.pairwise(chars):
            if c["x0"] < before["x0"] - 1:
                starts.append(c["x0"])
        return starts

    chars = hand_chars(back_of(card(tmp_path)))
    starts = line_starts(chars)
    assert len(starts) >= 3
    assert max(starts) - min(starts) > 0.5  # a ragged left margin
    plain = line_starts(hand_chars(back_of(card(tmp_path, variation=False))))
    assert max(plain) - min(plain) < 0.01
    assert len({round(c["size"], 2) for c in chars}) >= 3  # pieces in their own sizes
    script = (
        "import sys; sys.path.insert(0, '.');"
        "from pathlib import Path; from tests.test_handwriting import card;"
        f"sys.stdout.buffer.write(card(Path({str(tmp_path)!r})))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] == card(tmp_path)


def test_a_card_carries_the_other_forms_it_draws_and_no_others(tmp_path: Path) -> None:
    varied, plain = card(tmp_path), card(tmp_path, variation=False)
    reader = PdfReader(io.BytesIO(varied))
    resources: Any = reader.pages[1]["/Resources"]
    pens = [
        k for k, f in resources["/Font"].items() if "-Forms" in str(f.get_object()["/BaseFont"])
    ]
    assert len(pens) == 1  # every form in one font: the handwriting is embedded once
    font = resources["/Font"][pens[0]].get_object()
    program = FontFile(io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
    glyf, order = program["glyf"], program.getGlyphOrder()
    carried = {code for code in range(128, 256) if glyf[order[code]].numberOfContours}
    used: set[int] = set()
    current = None
    contents = reader.pages[1].get_contents()
    assert contents is not None
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"Tf":
            current = operands[0]
        elif operator in (b"Tj", b"TJ") and current == pens[0]:
            for string in operands[0] if operator == b"TJ" else operands[:1]:
                if not isinstance(string, (int, float)):
                    used.update(c for c in getattr(string, "original_bytes", string) if c > 127)
    assert used
    assert carried == used
    # So a varied card is not much bigger than a plain one.
    assert len(varied) < len(plain) + 12_000, (len(varied), len(plain))


def test_variation_off_draws_the_plain_font_level_and_even(tmp_path: Path) -> None:
    chars = hand_chars(back_of(card(tmp_path, variation=False)))
    assert {c["fontname"].split("+", 1)[1] for c in chars} == {"Caveat-Regular"}
    lines = Counter(round(c["y0"], 2) for c in chars)
    assert len(lines) <= 6  # every character of a line on one baseline
    assert card(tmp_path, variation=False) != card(tmp_path)


# ---- ink and pen -----------------------------------------------------------------------------


def dark_pixels(data: bytes, page: int) -> int:
    document = pypdfium2.PdfDocument(data)
    image = document[page].render(scale=300 / 72).to_pil().convert("L")
    document.close()
    return sum(image.histogram()[:160])


def test_blue_ink_by_default_another_colour_from_the_config_and_one_pen(tmp_path: Path) -> None:
    default = hand_chars(back_of(card(tmp_path)))
    colours = {tuple(round(v, 3) for v in c["non_stroking_color"]) for c in default}
    assert colours == {(0.114, 0.227, 0.431)}  # #1D3A6E, a blue-black ink
    red = hand_chars(back_of(card(tmp_path, ink="#8B1A1A")))
    assert {tuple(round(v, 3) for v in c["non_stroking_color"]) for c in red} == {
        (0.545, 0.102, 0.102)
    }
    # One pen: the forms draw with the same stroke, never a mechanical bold (no stroked
    # text, and about as much ink as the plain font).
    varied, plain = card(tmp_path), card(tmp_path, variation=False)
    contents = PdfReader(io.BytesIO(varied)).pages[1].get_contents()
    assert contents is not None
    assert b" Tr" not in contents.get_data()  # no stroked ("bold") text render mode
    ratio = dark_pixels(varied, 1) / dark_pixels(plain, 1)
    assert 0.9 < ratio < 1.1, ratio


def test_a_bad_ink_colour_or_switch_is_refused_naming_the_key(tmp_path: Path) -> None:
    for line, key in (
        ('ink = "blue"', "templates.ink"),
        ('variation = "yes"', "templates.variation"),
        ("long_note = 10", "templates.long_note"),
    ):
        config = tmp_path / "mailer.toml"
        config.write_text(f"[templates]\n{line}\n", encoding="utf-8")
        result = invoke("plan", EXAMPLE_CALLS, "--dry-run", "--config", config, "--today", TODAY)
        assert result.exit_code == 2, result.stderr
        assert key in " ".join(result.stderr.split())


# ---- long notes ------------------------------------------------------------------------------


def test_the_plan_warns_about_a_long_note_with_its_fitted_size(tmp_path: Path) -> None:
    common = ("--dry-run", "--today", TODAY)
    quiet = invoke("plan", EXAMPLE_CALLS, *common, "--config", EXAMPLE_CONFIG)
    assert quiet.exit_code == 0, quiet.stderr
    assert "long_note" not in quiet.stderr
    config = tmp_path / "mailer.toml"
    config.write_text(
        re.sub(r"(?m)^long_note = \d+", "long_note = 200", EXAMPLE_CONFIG.read_text("utf-8")),
        encoding="utf-8",
    )
    warned = invoke("plan", EXAMPLE_CALLS, *common, "--config", config)
    said = " ".join(warned.stderr.split())
    assert warned.exit_code == 0, said
    found = re.search(
        r"template 'offer': the note for (\S+) runs to (\d+) characters, past "
        r"templates.long_note \(200\).*fitted at ([\d.]+) pt",
        said,
    )
    assert found, said
    assert int(found.group(2)) > 200
    assert 10 <= float(found.group(3)) <= 15
    # `mailer run` plans too, and says the same before it draws.
    run = invoke("run", EXAMPLE_CALLS, "--today", TODAY, "--config", config,
                 "--db", tmp_path / "m.db", "--out", tmp_path / "out")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert found.group(0) in " ".join(run.stderr.split())


# ---- your own hand ---------------------------------------------------------------------------


def test_the_sellers_own_font_is_varied_too(tmp_path: Path) -> None:
    import reportlab

    own = tmp_path / "my-hand.ttf"
    shutil.copy(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf", own)
    step = card_step(template="note", notes=NOTE)
    config = note_config(tmp_path)
    config = dataclasses.replace(
        config, templates=dataclasses.replace(config.templates, font=str(own))
    )
    data = render_card_bytes(step, config, "self")
    page = back_of(data)
    forms: dict[str, set[Any]] = {}
    for c in drawn(data, face="Vera"):
        forms.setdefault(c["text"], set()).add(c["glyph"])
    assert max(map(len, forms.values())) >= 3  # a letter in three forms of the seller's hand
    assert NOTE.split()[:6] == [text_of(w) for w in written_words(
        [c for c in page.chars if "Vera" in c["fontname"]])][:6]  # fmt: skip


# ---- preview --compare and legibility --------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("compare")
    db = tmp / "m.db"
    common = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
    pdf, png = tmp / "compare.pdf", tmp / "compare.png"
    for out in (pdf, png):
        result = invoke("preview", "--compare", "--no-open", "--mode", "provider", "--out", out,
                        *common)  # fmt: skip
        assert result.exit_code == 0, result.stderr
    return pdf, png


def test_preview_compare_shows_the_note_plain_and_varied(compared: tuple[Path, Path]) -> None:
    pdf, png = compared
    page = pdfplumber.open(pdf).pages[0]
    middle = page.width / 2
    left = [c for c in page.chars if c["x1"] < middle and "Caveat" in c["fontname"]]
    right = [c for c in page.chars if c["x0"] > middle and "Caveat" in c["fontname"]]
    assert [text_of(w) for w in written_words(left)] == [text_of(w) for w in written_words(right)]
    assert {c["fontname"].split("+")[1] for c in left} == {"Caveat-Regular"}
    assert len({c["fontname"] for c in right}) >= 3
    assert {"plain", "varied"} <= set(page.extract_text().split())
    with Image.open(png) as image:
        width, height = image.size
    assert width > 2 * height


def test_preview_compare_with_proof_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("preview", "--compare", "--proof", "2", "--no-open", "--out",
                    tmp_path / "x.png", "--demo")  # fmt: skip
    assert result.exit_code == 2
    assert "--compare" in result.stderr
    assert not (tmp_path / "x.png").exists()


def ocr(image: Image.Image) -> str:
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "6"],
        input=_png(image),
        capture_output=True,
        check=True,
    )
    return " ".join(done.stdout.decode().split())


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_the_varied_note_reads_back_as_well_as_the_plain_one(compared: tuple[Path, Path]) -> None:
    pdf, _ = compared
    layout = preview_layout(card_geometry("4x6", "provider"))
    page = pdfplumber.open(pdf).pages[0]
    expected = " ".join(
        text_of(w)
        for w in written_words(
            [c for c in page.chars if c["x1"] < page.width / 2 and "Caveat" in c["fontname"]]
        )
    )
    document = pypdfium2.PdfDocument(pdf)
    scale = 300 / 72
    image = document[0].render(scale=scale).to_pil().convert("L")
    document.close()
    accuracy = {}
    for name, slot in (("plain", layout.front), ("varied", layout.back)):
        g = card_geometry("4x6", "provider")
        top = layout.height - (slot.y + g.page.h)
        box = (slot.x * scale, top * scale, (slot.x + g.page.w) * scale, (top + g.page.h) * scale)
        read = ocr(image.crop(tuple(round(v) for v in box)))
        # Character accuracy: the share of characters in matching blocks (no "junk"
        # heuristics: they skip common letters in text this long).
        matcher = difflib.SequenceMatcher(None, expected, read, autojunk=False)
        accuracy[name] = matcher.ratio()
    assert accuracy["plain"] > 0.5, accuracy  # the engine reads this font at all
    assert accuracy["varied"] >= 0.95 * accuracy["plain"], accuracy


def test_a_font_whose_forms_cant_be_made_stops_the_run_once_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fontTools.ttLib import TTLibError

    import mailer.drawing.variants as variants

    def broken(*args: object) -> tuple[bytes, str]:
        raise TTLibError("bad 'glyf' table")

    monkeypatch.setattr(variants, "_program", broken)
    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "empty cache"))  # made, not read
    variants.pen_font.cache_clear()
    try:
        db, out = tmp_path / "m.db", tmp_path / "out"
        common = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
        assert invoke("plan", EXAMPLE_CALLS, *common).exit_code == 0
        result = invoke("render", *common, "--out", out)
        said = " ".join(result.stderr.split())
        assert result.exit_code == 1, said  # once, up front, not once a card
        assert said.count("can't make the letter forms") == 1
        assert "variation = false" in said
        assert "Traceback" not in said
    finally:
        variants.pen_font.cache_clear()


@pytest.mark.parametrize(
    ("size", "mode"), [("4x6", "provider"), ("6x9", "provider"), ("a6", "self")]
)
def test_characters_the_handwriting_lacks_are_drawn_plain_in_a_varied_note(
    tmp_path: Path, size: str, mode: str
) -> None:
    note = "Ça coûte 20 € “tout compris”, Zoë: see you soon, see you soon. Łódź, Ωmega Ωmega"
    step = card_step(template="note", notes=note)
    config = dataclasses.replace(note_config(tmp_path), mail=config_for(size, mode).mail)
    data = render_card_bytes(step, config, mode)
    page = back_of(data)
    chars = [c for c in page.chars if "Caveat" in c["fontname"] or "Noto" in c["fontname"]]
    words = [text_of(w) for w in written_words(chars)]
    assert words == note.split()
    # Accented letters come from the handwriting in a subset of their own, in the same
    # string as the letters around them: no space appears inside a word in any reading.
    read = PdfReader(io.BytesIO(data)).pages[1].extract_text().split()
    assert {"coûte", "Zoë:", "Łódź,"} <= set(read), read
    document = pypdfium2.PdfDocument(data)
    assert {"coûte", "Zoë:", "Łódź,"} <= set(document[1].get_textpage().get_text_range().split())
    document.close()
    assert any("Noto" in c["fontname"] for c in chars)  # the fallback face drew some
    area = card_geometry(size, mode).message_area
    for c in chars:
        assert area.contains(Rect.from_edges(c["x0"], c["y0"], c["x1"], c["y1"])), c["text"]
