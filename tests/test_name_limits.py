"""A recipient name shortened to a print-and-mail service's limit
(`mailer.domain.names.shortened_name`): the documented rule on examples, and its promises
(never over the limit, never empty, made of the name's own words, a short name untouched)
over generated names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain.names import PROVIDER_NAME_LIMITS, name_limit, shortened_name
from mailer.sending.providers import checks


@pytest.mark.parametrize(
    ("name", "short"),
    [
        # Fits: as written.
        ("Mary Albright", "Mary Albright"),
        ("Jean-Luc van der Berg-Oosterhuis", "Jean-Luc van der Berg-Oosterhuis"),
        # 1. middle names dropped (nameparser keeps "de la" with the surname).
        (
            "Maria-Guadalupe Fernandez-Castellanos de la Santisima-Trinidad",
            "Maria-Guadalupe de la Santisima-Trinidad",
        ),
        # 2. the given name to its initial.
        (
            "Christabel Anastasia Featherstonehaugh-Cholmondeley",
            "C. Featherstonehaugh-Cholmondeley",
        ),
        # 3. cut at a hyphen: the surname keeps as many parts as fit.
        (
            "Anna-Katharina Papadopoulou-Wittelsbach-Featherstonehaugh-Montgomery",
            "A. Papadopoulou-Wittelsbach",
        ),
        # The suffix goes before any part of the surname does.
        (
            "Bartholomew Featherstonehaugh-Cholmondeley-Marjoribanks Jr.",
            "B. Featherstonehaugh-Cholmondeley",
        ),
        # One word longer than the limit: cut inside it, the only way left.
        ("Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft", None),
    ],
)
def test_the_rule_step_by_step(name: str, short: str | None) -> None:
    result = shortened_name(name, 40)
    if short is None:
        assert result == name[:40]
    else:
        assert result == short
    assert len(result) <= 40


def test_the_surname_alone_when_not_even_an_initial_fits() -> None:
    assert shortened_name("Mary Albright", 8) == "Albright"
    assert shortened_name("Mary Albright-Okafor", 12) == "M. Albright"
    assert shortened_name("Mary Albright-Okafor", 10) == "Albright"


def test_the_limits_are_the_providers_own() -> None:
    # One rule in one place: the Lob client refuses exactly what the domain shortens to.
    assert name_limit("lob") == checks.LOB_MAX_NAME == 40
    assert name_limit("postgrid") == 40
    assert name_limit("nobody") is None
    assert set(PROVIDER_NAME_LIMITS) == {"lob", "postgrid"}


_WORD = st.from_regex(r"[A-Z][a-z]{0,17}(-[A-Z][a-z]{0,12}){0,2}", fullmatch=True)
_NAME = st.lists(_WORD, min_size=1, max_size=7).map(" ".join)
_LIMIT = st.integers(min_value=1, max_value=60)


def _pieces(text: str) -> list[str]:
    return [p for p in re.split(r"[\s\-,]+", text) if p]


@settings(max_examples=150, deadline=None)
@given(_NAME, _LIMIT)
def test_never_over_the_limit_and_never_empty(name: str, limit: int) -> None:
    result = shortened_name(name, limit)
    assert 0 < len(result) <= limit
    assert result == result.strip()
    assert "  " not in result


@settings(max_examples=150, deadline=None)
@given(_NAME, _LIMIT)
def test_made_of_the_names_own_words(name: str, limit: int) -> None:
    # Every word or hyphenated part of the result is one of the name's, its initial, or
    # (a single word longer than the limit) the start of one.
    parts = _pieces(name)
    for piece in _pieces(shortened_name(name, limit)):
        if piece.endswith("."):
            assert any(p[0] == piece[0] for p in parts), piece
        else:
            assert any(p.startswith(piece) for p in parts), piece


@settings(max_examples=150, deadline=None)
@given(_NAME, _LIMIT)
def test_idempotent_and_a_name_that_fits_is_untouched(name: str, limit: int) -> None:
    once = shortened_name(name, limit)
    assert shortened_name(once, limit) == once
    assert shortened_name(name, len(name)) == name
    if len(name) <= limit:
        assert once == name


@settings(max_examples=100, deadline=None)
@given(_NAME)
def test_a_word_is_cut_only_when_it_alone_is_too_long(name: str) -> None:
    result = shortened_name(name, 40)
    parts = _pieces(name)
    if all(len(p) <= 40 for p in parts):
        for piece in _pieces(result):
            assert piece.endswith(".") or piece in parts, (piece, result)
