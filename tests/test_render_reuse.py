"""What a batch of cards reuses from card to card: a line placed the same way, its text as
the card writer wrote it, a template's sender and offer, the offer url taken apart, a line's
width from its words. Each must give what working it out afresh gives."""

from __future__ import annotations

import pytest

from mailer.config import Sender
from mailer.domain.step_codes import code_url
from mailer.drawing import card_fonts, layout
from mailer.drawing.batch import render_card_bytes
from mailer.drawing.card_context import _code_url, card_context
from mailer.drawing.fonts import HAND, SANS, clean_text, font_stacks
from mailer.drawing.geometry import Rect
from mailer.drawing.layout import fit_lines, place
from mailer.drawing.pdf_objects import literal
from tests.builders import card_step, config_for, sha256, sha256_drawn_alone


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/offer",
        "https://example.com/offer?utm=card&code=OLD#top",
        "https://example.com/{code}/spring?again={code}",
        "http://example.com/path;params?a=1&&b=2",
        "https://example.com/\x00odd",  # holds the mark: worked out in full every time
        "",
    ],
)
def test_the_offer_url_taken_apart_once_gives_the_domain_rule_address(url: str) -> None:
    for code in ("R2T3DEH", "7K3PQX9"):
        assert _code_url(url, code) == code_url(url, code)


def test_a_line_is_as_wide_as_its_characters() -> None:
    for stack in font_stacks(None).values():
        for text in ("1422 MAPLE AVE APT 3", "  two  spaces ", "Zoë Åkesson-Núñez", "a b"):
            by_character = sum(stack.face_for(c).width(c) for c in text)
            assert stack.width(text) == pytest.approx(by_character, rel=1e-12)


def test_ascii_text_is_cleaned_as_before_and_accented_text_normalised() -> None:
    assert clean_text("Dear Mary,\r\n\tSee you") == "Dear Mary,\n See you"
    assert clean_text("bell\x07 here") == "bell here"
    assert clean_text("Zoe\u0308\u200b!") == "Zoë!"  # composed, the zero-width space gone


def test_a_line_placed_again_at_the_same_place_is_the_same_line() -> None:
    stack = font_stacks(None)[SANS]
    box = Rect(10, 10, 200, 80)
    wrapped = fit_lines(["FIRST LINE", "SECOND LINE"], stack, 10, 8, box, 1.2)
    assert wrapped is not None
    first = place(wrapped, stack, box, 80, (0.0, 0.0, 0.0))
    again = place(wrapped, stack, box, 80, (0.0, 0.0, 0.0))
    assert again == first
    assert all(a is b for a, b in zip(again, first, strict=True))
    lower = place(wrapped, stack, box, 60, (0.0, 0.0, 0.0))
    assert [line.y + 20 for line in lower] == pytest.approx([line.y for line in first])
    centred = place(wrapped, stack, box, 80, (0.0, 0.0, 0.0), "center")
    assert [line.x for line in centred] != [line.x for line in first]
    assert place(wrapped, font_stacks(None)[HAND], box, 80, (0.0, 0.0, 0.0)) != first


def test_the_placings_kept_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "_PLACED", {})
    stack = font_stacks(None)[SANS]
    box = Rect(10, 10, 400, 80)
    for n in range(layout.KEPT_PLACINGS + 10):
        wrapped = fit_lines([f"{n} ELM ST"], stack, 10, 8, box, 1.2)
        assert wrapped is not None
        place(wrapped, stack, box, 80, (0.0, 0.0, 0.0))
    assert len(layout._PLACED) <= layout.KEPT_PLACINGS


def test_the_sender_and_offer_a_template_sees_are_the_configs() -> None:
    config = config_for()
    first = card_context(card_step("C1"), config, sales=True)
    second = card_context(card_step("C2", first="Zoë"), config, sales=True)
    # Read once for the batch, but each card its own copy: a template may change a dict.
    assert first["sender"] == second["sender"]
    assert first["sender"] is not second["sender"]
    assert first["sender"]["return_address"] is not second["sender"]["return_address"]
    assert first["offer"] == second["offer"]
    assert first["offer"] is not second["offer"]
    assert first["sender"]["name"] == config.sender.name
    assert first["sender"]["return_address"]["city"] == config.sender.return_address.city
    assert first["offer"]["headline"] == config.offer.headline
    other = config_for(sender=Sender(name="Avery Quinn"))
    assert card_context(card_step("C1"), other, sales=True)["sender"]["name"] == "Avery Quinn"


def test_an_offer_card_after_a_batch_is_the_card_drawn_alone() -> None:
    config = config_for()
    for n, first in enumerate(("Mary", "José", "Zoë", "Siobhán", "Mary", "Björn")):
        render_card_bytes(card_step(f"B{n}", first=first), config, "self")
    here = render_card_bytes(card_step("C9", first="Zoë"), config, "self")
    assert sha256_drawn_alone("card_step('C9', first='Zoë')", "config_for()") == sha256(here)


def test_a_literal_string_escapes_what_pdf_gives_a_meaning() -> None:
    escaped = {ord("\\"): b"\\\\", ord("("): b"\\(", ord(")"): b"\\)", 13: b"\\r", 10: b"\\n"}
    samples = [bytes([n]) for n in range(256)] + [b"", b"a(b)c\\d\r\ne", b"plain text"]
    for data in samples:
        expected = b"(" + b"".join(escaped.get(n, bytes([n])) for n in data) + b")"
        assert literal(data) == expected


def test_the_characters_of_a_run_kept_are_its_own_and_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(card_fonts, "_CHARACTERS", {})
    texts = ["Dear Zoë,", "a\xa0b ( ) \\", "", *(f"line {n} ÉÅ" for n in range(5000))]
    for text in texts:
        assert card_fonts.characters(text) == set(text)
    assert card_fonts.characters("Dear Zoë,") is card_fonts.characters("Dear Zoë,")
    assert len(card_fonts._CHARACTERS) <= 4097
