"""Previews and proof sheets written to real PNG and PDF files, opened and measured: pixel
sizes, what the pixels show inside the zones with and without guides, page sizes, pages,
reproducibility, and the viewer launcher."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from mailer.domain.models import Action, MailStep
from mailer.drawing.geometry import card_geometry
from mailer.drawing.guides import GUIDE_ALPHA, GUIDE_COLORS
from mailer.drawing.preview import (
    CAPTION_BAND,
    GAP,
    HEADER_BAND,
    LABEL_BAND,
    LEGEND_BAND,
    MARGIN,
    PAIR_GAP,
    open_file,
    preview_image,
    preview_layout,
    proof_sheet,
)
from mailer.errors import RenderError, UsageError
from tests.builders import card_step, config_for

# PDF page of each card in points (provider pages include 0.125" bleed each side).
PAGES = {
    ("4x6", "self"): (432, 288),
    ("4.25x5.5", "self"): (396, 306),
    ("4x6", "provider"): (450, 306),
    ("6x9", "provider"): (666, 450),
    ("6x11", "provider"): (810, 450),
}
OFFER_BACKGROUND = (0x1E, 0x3A, 0x4C)


def open_png(path: Path) -> Image.Image:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(path)
    image.load()
    return image.convert("RGB")


def pixel_at(image: Image.Image, page_height: float, scale: float, x: float, y: float) -> Any:
    """The pixel at PDF point (x, y) of a page rasterised at `scale` (PDF's y points up)."""
    return image.getpixel((int(x * scale), int((page_height - y) * scale)))


def blend(color: tuple[float, float, float], under: tuple[int, int, int]) -> tuple[int, ...]:
    return tuple(
        round(255 * c * GUIDE_ALPHA + u * (1 - GUIDE_ALPHA))
        for c, u in zip(color, under, strict=True)
    )


def close(a: Any, b: Any, tolerance: int = 3) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize(("size", "mode"), list(PAGES))
def test_png_is_front_and_back_side_by_side_at_the_scale(tmp_path, size, mode):
    pw, ph = PAGES[(size, mode)]
    out = preview_image(card_step(), config_for(size, mode), mode, tmp_path / "card.png")
    image = open_png(out)
    assert image.size == (
        int((2 * MARGIN + 2 * pw + GAP) * 2),
        int((2 * MARGIN + ph + LABEL_BAND) * 2),
    )
    # Front left, back right: the two card areas differ; the front carries the offer's
    # background colour and the back is white paper.
    top = int((MARGIN + LABEL_BAND) * 2)
    front = image.crop((int(MARGIN * 2), top, int((MARGIN + pw) * 2), top + ph * 2))
    back_x = int((MARGIN + pw + GAP) * 2)
    back = image.crop((back_x, top, back_x + pw * 2, top + ph * 2))
    assert front.tobytes() != back.tobytes()
    front_colours = sorted(front.getcolors(1 << 20) or [], reverse=True)
    back_colours = sorted(back.getcolors(1 << 20) or [], reverse=True)
    assert front_colours[0][1] == OFFER_BACKGROUND
    assert back_colours[0][1] == (255, 255, 255)


def test_scale_sets_the_pixel_size(tmp_path):
    out = preview_image(card_step(), config_for(), "self", tmp_path / "small.png", scale=1.0)
    assert open_png(out).size == (2 * 18 + 2 * 432 + 18, 2 * 18 + 288 + 14)
    with pytest.raises(UsageError):
        preview_image(card_step(), config_for(), "self", tmp_path / "x.png", scale=0)


@pytest.mark.parametrize("size", ["4x6", "6x9"])
def test_guides_tint_the_provider_ink_free_zone(tmp_path, size):
    config = config_for(size, "provider")
    step = card_step()
    plain = open_png(preview_image(step, config, "provider", tmp_path / "plain.png"))
    guided = open_png(preview_image(step, config, "provider", tmp_path / "guided.png", guides=True))
    assert plain.tobytes() != guided.tobytes()
    geometry = card_geometry(size, "provider")
    zone = geometry.ink_free_zone
    assert zone is not None
    for layout, image in ((preview_layout(geometry), plain),
                          (preview_layout(geometry, guides=True), guided)):  # fmt: skip
        back = layout.back
        x, y = back.x + zone.x + zone.w / 2, back.y + zone.y + zone.h / 2
        colour = pixel_at(image, layout.height, 2.0, x, y)
        if image is plain:
            assert colour == (255, 255, 255)  # the card's own back: blank paper
        else:
            assert close(colour, blend(GUIDE_COLORS["ink_free_zone"], (255, 255, 255)))
        # The front's background, away from every guide line, is the card's own colour.
        front = layout.front
        fx = front.x + geometry.safe.x + geometry.safe.w * 0.6
        fy = front.y + geometry.safe.y + geometry.safe.h * 0.45
        assert pixel_at(image, layout.height, 2.0, fx, fy) == OFFER_BACKGROUND


def test_guides_on_a_self_mail_back_mark_the_usps_zones(tmp_path):
    geometry = card_geometry("4x6", "self")
    layout = preview_layout(geometry, guides=True)
    image = open_png(
        preview_image(card_step(), config_for(), "self", tmp_path / "self.png", guides=True)
    )
    assert image.size == (int(layout.width * 2), int(layout.height * 2))
    assert layout.height == 2 * MARGIN + 288 + LABEL_BAND + LEGEND_BAND
    back = layout.back
    clear = geometry.barcode_clear_zone
    assert clear is not None
    x, y = back.x + clear.right - clear.w * 0.3, back.y + clear.h * 0.3
    assert close(
        pixel_at(image, layout.height, 2.0, x, y),
        blend(GUIDE_COLORS["barcode_clear_zone"], (255, 255, 255)),
    )
    plain = open_png(preview_image(card_step(), config_for(), "self", tmp_path / "plain.png"))
    plain_layout = preview_layout(geometry)
    x, y = plain_layout.back.x + clear.right - clear.w * 0.3, plain_layout.back.y + clear.h * 0.3
    assert pixel_at(plain, plain_layout.height, 2.0, x, y) == (255, 255, 255)


def test_pdf_preview_page_size_text_and_reproducible_bytes(tmp_path):
    first = preview_image(card_step(), config_for(), "self", tmp_path / "a.pdf", guides=True)
    again = preview_image(card_step(), config_for(), "self", tmp_path / "b.pdf", guides=True)
    assert first.read_bytes() == again.read_bytes()
    reader = PdfReader(first)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (
        2 * MARGIN + 2 * 432 + GAP,
        2 * MARGIN + 288 + LABEL_BAND + LEGEND_BAND,
    )
    with pdfplumber.open(first) as pdf:
        text = pdf.pages[0].extract_text()
    for words in ("front", "back", "Hi Mary!", "MARY ALBRIGHT", "stamp box"):
        assert words in text


def test_png_output_is_deterministic(tmp_path):
    a = preview_image(card_step(), config_for(), "self", tmp_path / "a.png", guides=True)
    b = preview_image(card_step(), config_for(), "self", tmp_path / "b.png", guides=True)
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("name", ["card.jpg", "card", "card.png.txt"])
def test_unknown_suffix_is_a_usage_error(tmp_path, name):
    with pytest.raises(UsageError) as caught:
        preview_image(card_step(), config_for(), "self", tmp_path / name)
    assert ".png" in caught.value.hint
    with pytest.raises(UsageError):
        proof_sheet([card_step()], config_for(), "self", tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_step_that_is_not_a_card_is_refused(tmp_path):
    step = dataclasses.replace(card_step(), action=Action.CALL, template=None)
    with pytest.raises(RenderError):
        preview_image(step, config_for(), "self", tmp_path / "card.png")


def three_cards() -> list[MailStep]:
    return [
        card_step("C001", template="offer"),
        card_step("C002", template="thank-you", first_name="José", last_name="Núñez"),
        card_step("C003", template="birthday", first_name="Zoë", last_name="Lindqvist"),
    ]


def test_proof_sheet_of_three_cards_as_png(tmp_path):
    out = proof_sheet(three_cards(), config_for(), "self", tmp_path / "proof.png", scale=1.0)
    image = open_png(out)
    pair_w = 2 * 432 + PAIR_GAP
    rows = 2
    assert image.size == (
        int(2 * MARGIN + 2 * pair_w + GAP),
        int(2 * MARGIN + HEADER_BAND + rows * (288 + CAPTION_BAND) + (rows - 1) * GAP),
    )
    # Bottom-right cell is empty: backdrop only.
    corner = image.crop((image.size[0] - 200, image.size[1] - 100, image.size[0] - 30,
                         image.size[1] - 30))  # fmt: skip
    assert corner.getcolors() == [(170 * 70, (235, 235, 235))]


def test_proof_sheet_pdf_captions_and_pages(tmp_path):
    out = proof_sheet(three_cards(), config_for(), "self", tmp_path / "proof.pdf", guides=True)
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    for caption in ("C001 · offer", "C002 · thank-you", "C003 · birthday", "Dear José"):
        assert caption in text
    many = [card_step(f"C{i:03d}") for i in range(10)]
    out = proof_sheet(many, config_for(), "self", tmp_path / "many.pdf", columns=2)
    reader = PdfReader(out)
    assert len(reader.pages) == 2  # 5 rows, 4 per page
    sizes = {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages}
    assert len(sizes) == 1


def test_png_proof_sheet_has_a_limit(tmp_path):
    many = [card_step(f"C{i:03d}") for i in range(25)]
    with pytest.raises(UsageError) as caught:
        proof_sheet(many, config_for(), "self", tmp_path / "proof.png")
    assert ".pdf" in caught.value.hint
    with pytest.raises(UsageError):
        proof_sheet([], config_for(), "self", tmp_path / "empty.pdf")
    with pytest.raises(UsageError):
        proof_sheet(many[:2], config_for(), "self", tmp_path / "cols.pdf", columns=0)


def test_open_file_without_a_viewer_returns_false(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert open_file(tmp_path / "card.png") is False
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert open_file(tmp_path / "card.png") is False


@pytest.mark.skipif(sys.platform != "linux", reason="uses a shell script as xdg-open")
def test_open_file_hands_the_path_to_the_viewer(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.txt"
    viewer = bin_dir / "xdg-open"
    viewer.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{seen}.part" && mv "{seen}.part" "{seen}"\n')
    viewer.chmod(viewer.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("DISPLAY", ":0")
    card = tmp_path / "card one.png"
    assert open_file(card) is True
    deadline = time.monotonic() + 60  # the viewer runs on its own: wait for it to start
    while not seen.exists() and time.monotonic() < deadline:
        time.sleep(0.025)
    assert seen.read_text() == str(card)
