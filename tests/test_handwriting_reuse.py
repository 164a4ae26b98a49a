"""The varied note made cheap: accented letters drawn by the pen font itself, in the same
string as the letters around them; lines written one of a few ways per card and reused from
card to card, without a card's bytes depending on the cards drawn before it. Real PDFs,
opened and measured."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pdfplumber
import pypdfium2
import pytest
from fontTools.ttLib import TTFont as FontFile
from pypdf import PdfReader
from pypdf.generic import ContentStream, TextStringObject

from mailer.config import Templates
from mailer.drawing import fonts, hand
from mailer.drawing.batch import render_card_bytes
from mailer.drawing.fonts import caveat_path
from tests.builders import card_step, config_for, sha256, sha256_drawn_alone

NOTE = "Dear José, Zoë and Åsa: I will call you soon, and I will call again."


def note_config(folder: Path) -> Any:
    """The demo config with a `note` template whose message is the contact's notes."""
    (folder / "note").mkdir(exist_ok=True)
    (folder / "note" / "card.toml").write_text("", encoding="utf-8")
    (folder / "note" / "front.j2").write_text("{% block greeting %}Hi!{% endblock %}")
    (folder / "note" / "message.j2").write_text("{{ contact.notes }}", encoding="utf-8")
    return config_for(templates=Templates(dir=str(folder)))


def strings(data: bytes, page: int = 1) -> list[tuple[Any, bytes]]:
    """Each string the page shows, with the font resource it is shown in."""
    reader = PdfReader(io.BytesIO(data))
    contents = reader.pages[page].get_contents()
    assert contents is not None
    shown: list[tuple[Any, bytes]] = []
    font = None
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"Tf":
            font = operands[0]
        elif operator in (b"Tj", b"TJ"):
            for item in operands[0] if operator == b"TJ" else operands[:1]:
                if isinstance(item, TextStringObject):
                    shown.append((font, item.original_bytes))
                elif isinstance(item, bytes):
                    shown.append((font, item))
    return shown


def read_back(data: bytes) -> tuple[list[str], list[str]]:
    """The back's words as pypdf and PDFium read them."""
    typed = PdfReader(io.BytesIO(data)).pages[1].extract_text().split()
    document = pypdfium2.PdfDocument(data)
    try:
        drawn = document[1].get_textpage().get_text_range().split()
    finally:
        document.close()
    return typed, drawn


def test_accented_letters_are_the_pen_fonts_own_drawn_in_one_string_with_their_word(
    tmp_path: Path,
) -> None:
    data = render_card_bytes(card_step(template="note", notes=NOTE), note_config(tmp_path), "self")
    reader = PdfReader(io.BytesIO(data))
    page: Any = reader.pages[1]
    resources = page["/Resources"]["/Font"]
    hands = {k: f.get_object() for k, f in resources.items() if "Caveat" in f["/BaseFont"]}
    assert len(hands) == 1  # no subset of the handwriting beside the pen font
    ((key, font),) = hands.items()
    assert "-Forms" in font["/BaseFont"]
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    text = {chr(int(b, 16)): int(a, 16) for a, b in re.findall(r"<(\w\w)> <(\w{4})>", cmap)}
    program = FontFile(io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
    caveat = FontFile(str(caveat_path()))
    for char in "éëÅ":
        code = text[char]
        assert 1 <= code < 32  # a code of the card's own, below the space
        glyph = program["glyf"][program.getGlyphOrder()[code]]
        name = caveat.getBestCmap()[ord(char)]
        coordinates, _, _ = caveat["glyf"][name].getCoordinates(caveat["glyf"])
        assert list(glyph.getCoordinates(program["glyf"])[0]) == list(coordinates)
        advance, bearing = program["hmtx"][program.getGlyphOrder()[code]]
        assert (advance, bearing) == caveat["hmtx"][name]
        assert abs(font["/Widths"][code] - advance * 1000 / caveat["head"].unitsPerEm) < 1
    # "José," is one string of the pen font: no change of font inside a word, so every
    # reader reads the words as written.
    shown = [raw for resource, raw in strings(data) if resource == key]
    assert any(b"Jos" + bytes([text["é"]]) in raw for raw in shown), shown
    for words in read_back(data):
        assert {"José,", "Zoë", "Åsa:"} <= set(words), words


def test_more_accented_letters_than_free_codes_go_to_a_subset_of_their_own(
    tmp_path: Path,
) -> None:
    letters = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿāăąćĉċčďđēĕ"
    words = [letters[i : i + 5] for i in range(0, len(letters), 5)]
    note = " ".join(words)
    data = render_card_bytes(card_step(template="note", notes=note), note_config(tmp_path), "self")
    page = pdfplumber.open(io.BytesIO(data)).pages[1]
    fonts = {c["fontname"] for c in page.chars if "Caveat" in c["fontname"]}
    assert len(fonts) == 2, fonts  # the pen font, and the handwriting's letters it lacks
    typed, drawn = read_back(data)
    assert set(words) <= set(typed), typed
    assert set(words) <= set(drawn), drawn


def test_lines_vary_from_card_to_card_and_a_cards_bytes_dont_depend_on_those_before(
    tmp_path: Path,
) -> None:
    note = (
        "Thank you for the lovely chat this morning. I will call you again next week "
        "to see how the candles worked out, and I will bring the new catalogue along."
    )
    config = note_config(tmp_path)
    starts: dict[int, set[tuple[float, float]]] = {}
    for i in range(24):
        data = render_card_bytes(card_step(f"B{i}", template="note", notes=note), config, "self")
        page = pdfplumber.open(io.BytesIO(data)).pages[1]
        chars = [c for c in page.chars if "Caveat" in c["fontname"]]
        firsts = [chars[0]] + [c for b, c in itertools.pairwise(chars) if c["x0"] < b["x0"] - 1]
        assert len(firsts) >= 3
        for n, c in enumerate(firsts):
            starts.setdefault(n, set()).add((round(c["x0"], 2), round(c["size"], 2)))
    # Each line starts and is sized its own way on different cards.
    assert all(len(found) >= 4 for found in starts.values()), starts
    here = render_card_bytes(card_step("B7", template="note", notes=note), config, "self")
    alone = sha256_drawn_alone(
        f"card_step('B7', template='note', notes={note!r})",
        f"config_for(templates=Templates(dir={str(tmp_path)!r}))",
    )
    assert alone == sha256(here)


def test_the_words_and_lines_kept_are_bounded_and_forgetting_them_changes_no_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long batch's names would grow these card by card: past their bound they are
    # forgotten, and a card drawn after that is the card drawn with all of them kept.
    config = note_config(tmp_path)
    steps = [
        card_step(f"K{i}", template="note", notes=f"Dear Pat{i}, thank you, Pat{i}, for today.")
        for i in range(12)
    ]
    kept = [render_card_bytes(step, config, "self") for step in steps]
    monkeypatch.setattr(hand, "KEPT_WORDS", 8)
    monkeypatch.setattr(hand, "KEPT_LINES", 8)
    monkeypatch.setattr(fonts, "KEPT_WIDTHS", 8)
    monkeypatch.setattr(hand, "_WORDS", {})  # what earlier tests left is not this batch's
    monkeypatch.setattr(hand, "_LINES", WeakKeyDictionary())
    bounded = [render_card_bytes(step, config, "self") for step in steps]
    assert bounded == kept
    assert all(len(words) <= 9 for words in hand._WORDS.values())
    lines = [known for contexts in hand._LINES.values() for known in contexts.values()]
    assert lines
    assert all(len(known) <= 9 for known in lines)
