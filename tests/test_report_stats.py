"""The rules `mailer report` uses before naming a winner (`results.report_stats`), checked
against figures published with the methods and against the arithmetic written out."""

from __future__ import annotations

import pytest

from mailer.results.report_stats import cards_to_tell, compare, evidence, needed, wilson


def test_wilson_matches_the_published_example() -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", 81 of 263.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_the_difference_matches_newcombes_worked_example() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", method 10: 56/70 against 48/80 is 0.2000, 0.0524 to 0.3339.
    c = compare("a", 56, 70, "b", 48, 80)
    assert round(c.difference, 2) == 20.0
    assert (round(c.low, 2), round(c.high, 2)) == (5.24, 33.39)
    assert c.real


@pytest.mark.parametrize(
    ("k", "n", "wanted"),
    [
        (5, 100, 292),  # 4 * 1.96^2 * 0.95 / 0.05 = 291.97
        (1, 2, 16),  # 4 * 1.96^2 * 1 = 15.37
        (10, 100, 139),  # 4 * 1.96^2 * 0.9 / 0.1 = 138.3
        (0, 50, None),
    ],
)
def test_enough_data_is_a_margin_of_half_the_rate(k: int, n: int, wanted: int | None) -> None:
    assert needed(k, n) == wanted


def test_the_small_number_message() -> None:
    # 4 * 1.96^2 * (11/12) / (1/12) = 15.366 * 11 = 169.02: about 170
    assert evidence(1, 12) == "not enough data yet (n = 12 of about 170 needed)"
    assert evidence(0, 12) == "not enough data yet (n = 12, no response yet)"
    assert evidence(15, 300) == ""  # 4 * 1.96^2 * 0.95 / 0.05 = 292 <= 300
    assert evidence(0, 0) == ""


def test_cards_to_tell_a_difference() -> None:
    # (1.96 + 0.8416)^2 * (0.1 * 0.9 + 0.05 * 0.95) / 0.05^2 = 431.7
    assert cards_to_tell(0.10, 0.05) == 432
    assert cards_to_tell(0.2, 0.2) is None


def test_a_difference_whose_interval_holds_zero_is_not_yet_real() -> None:
    c = compare("postcard", 3, 30, "letter", 2, 30)
    assert not c.real
    assert c.verdict.startswith("no real difference yet between postcard and letter: +3.3 points")
