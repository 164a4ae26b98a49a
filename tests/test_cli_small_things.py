"""The small things that make a person doubt the tool, each through the command line at 80
columns: day words for --due and --today, preview by name and a proof sheet with a bad card,
offsets that move the same way everywhere, the dry run without a key, the next mail day,
unsuppress agreeing with the plan's hint, and an offer card without a phone."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from typer.testing import Result

from mailer.domain.card_codes import is_valid
from mailer.domain.datetext import day_in_words
from mailer.domain.postal_days import when_to_post
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke, provider_config, write_file

TODAY = "2026-11-22"
HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at\n"
)


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def said(result: Result) -> str:
    """Everything said on stderr, as one line of words (wrapping aside)."""
    return " ".join(result.stderr.split())


def fits(result: Result) -> bool:
    return all(len(line) <= 80 for line in result.output.splitlines())


def planned(tmp_path: Path, calls: Path = EXAMPLE_CALLS, config: Path = EXAMPLE_CONFIG) -> Path:
    db = tmp_path / "m.db"
    result = invoke("plan", calls, "--config", config, "--today", TODAY, "--db", db)
    assert result.exit_code in (0, 3), result.output
    return db


# ---- --due and --today: today, tomorrow, weekday names, ISO dates ---------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("today", date(2026, 11, 26)),
        ("Tomorrow", date(2026, 11, 27)),
        ("friday", date(2026, 11, 27)),
        ("thu", date(2026, 11, 26)),  # a Thursday names itself
        ("Wed.", date(2026, 12, 2)),
        ("monday", date(2026, 11, 30)),
        ("2026-12-01", date(2026, 12, 1)),
        ("next week", None),
        ("2026-02-30", None),
        ("11/30/2026", None),
    ],
)
def test_day_words(words: str, expected: date | None) -> None:
    assert day_in_words(words, date(2026, 11, 26)) == expected  # a Thursday


def test_due_takes_tomorrow_and_weekday_names(tmp_path: Path) -> None:
    db = planned(tmp_path)
    base = ("followups", "--config", EXAMPLE_CONFIG, "--db", db, "--today", "2026-11-26")
    tomorrow = invoke(*base, "--due", "tomorrow")
    assert tomorrow.exit_code == 0, tomorrow.output
    assert "Nancy Delgado" in tomorrow.stdout
    assert "Mary Albright" not in tomorrow.stdout
    assert "1 call due by 2026-11-27" in said(tomorrow)
    monday = invoke(*base, "--due", "Monday")
    assert "11 calls due by 2026-11-30" in said(monday)
    assert "Mary Albright" in monday.stdout
    assert fits(monday)
    wrong = invoke(*base, "--due", "someday")
    assert wrong.exit_code == 2
    assert "--due 'someday' is not a day" in said(wrong)
    assert "today, tomorrow, a weekday name" in said(wrong)


def test_today_takes_a_weekday_name(tmp_path: Path) -> None:
    result = invoke(
        "plan", EXAMPLE_CALLS, "--config", EXAMPLE_CONFIG, "--db", tmp_path / "m.db",
        "--today", "2026-11-22", "--format", "json",
    )  # fmt: skip
    assert '"today": "2026-11-22"' in result.stdout
    for word in ("tomorrow", "friday"):
        result = invoke(
            "followups", "--today", word, "--db", tmp_path / "m.db", "--config", EXAMPLE_CONFIG
        )
        assert result.exit_code == 0, result.output


# ---- preview: names, and a proof sheet with a card that can't be drawn -------------------


def two_amys_and_a_bad_card(tmp_path: Path) -> Path:
    return write_file(
        tmp_path,
        "calls.csv",
        HEADER
        + "A1,Amy,Carter,217-555-0101,1 Oak St,Springfield,IL,62704,voicemail,2026-11-21 10:00\n"
        + "A2,Amy,Carter,217-555-0102,2 Oak St,Springfield,IL,62704,voicemail,2026-11-21 10:05\n"
        # No font has an Egyptian hieroglyph: this card can't be drawn.
        + "B1,Bea,\U00013000,217-555-0103,3 Oak St,Springfield,IL,62704,voicemail,"
        + "2026-11-21 10:10\n"
        + "C1,Cy,Dee,217-555-0104,4 Oak St,Springfield,IL,62704,voicemail,2026-11-21 10:15\n",
    )


def pdf_words(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


def test_preview_finds_a_contact_by_name(tmp_path: Path) -> None:
    db = planned(tmp_path, two_amys_and_a_bad_card(tmp_path))
    base = ("preview", "--no-open", "--config", EXAMPLE_CONFIG, "--db", db, "--today", TODAY)
    cy = invoke(*base, "--contact", "cy  DEE", "--out", tmp_path / "cy.pdf")
    assert cy.exit_code == 0, cy.output
    assert "Dear Cy," in pdf_words(tmp_path / "cy.pdf")
    amy = invoke(*base, "--contact", "Amy Carter", "--out", tmp_path / "amy.pdf")
    assert amy.exit_code == 2
    assert "2 contacts with a card are called 'Amy Carter': A1, A2" in said(amy)
    assert "--contact A1" in said(amy)
    assert not (tmp_path / "amy.pdf").exists()
    by_id = invoke(*base, "--contact", "a2", "--out", tmp_path / "a2.pdf")
    assert by_id.exit_code == 0, by_id.output
    nobody = invoke(*base, "--contact", "Zed Zee", "--out", tmp_path / "z.pdf")
    assert nobody.exit_code == 1
    assert "no planned card for Zed Zee" in said(nobody)


def test_a_proof_sheet_shows_the_cards_it_can_draw(tmp_path: Path) -> None:
    db = planned(tmp_path, two_amys_and_a_bad_card(tmp_path))
    out = tmp_path / "proof.pdf"
    result = invoke(
        "preview", "--no-open", "--proof", "4", "--out", out, "--config", EXAMPLE_CONFIG,
        "--db", db,
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "card left off: B1" in said(result)
    assert "U+13000" in said(result)
    assert f"wrote {out} (3 cards)" in said(result)
    assert fits(result)
    words = pdf_words(out)
    assert "Proof: 3 cards" in words
    assert all(f"{c} · offer" in words for c in ("A1", "A2", "C1"))
    assert "B1 · offer" not in words


# ---- offsets: right and up, on the command line, in the stock and on the calibration page --


def stock_config(tmp_path: Path, front_offset: str) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text += f"""
[[print.stocks]]
name = "avery-5389"
sheet = [8.5, 11.0]
card = "4x6"
origin = [1.25, 1.25]
columns = 1
rows = 2
pitch = [6.0, 4.5]
perforated = true
front_offset = {front_offset}
"""
    return write_file(tmp_path, f"stock-{len(list(tmp_path.iterdir()))}.toml", text)


def front_chars(path: Path, page: int = 0) -> list[tuple[str, float, float]]:
    with pdfplumber.open(path) as pdf:
        return [(c["text"], float(c["x0"]), float(c["top"])) for c in pdf.pages[page].chars]


def moved(
    before: list[tuple[str, float, float]], after: list[tuple[str, float, float]]
) -> set[tuple[float, float]]:
    """How far every character moved (right, up), in points, rounded."""
    assert [c[0] for c in before] == [c[0] for c in after]
    assert len(before) > 20
    return {
        (round(a[1] - b[1], 2), round(b[2] - a[2], 2)) for b, a in zip(before, after, strict=True)
    }


def test_offsets_move_right_and_up_everywhere(tmp_path: Path) -> None:
    db = planned(tmp_path)

    def printed(name: str, config: Path, *extra: str) -> Path:
        out = tmp_path / name
        result = invoke(
            "print", "--reprint", "--config", config, "--db", db, "--today", TODAY,
            "--out", out, *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return out / "print.pdf"

    plain = printed("plain", stock_config(tmp_path, "[0, 0]"))
    by_option = printed("option", stock_config(tmp_path, "[0, 0]"), "--offset-front", "0,0.5")
    by_stock = printed("stock", stock_config(tmp_path, "[0, 0.5]"))
    both = printed("both", stock_config(tmp_path, "[0.25, 0.5]"), "--offset-front", "0.25,-0.5")
    half_inch_up = {(0.0, 36.0)}
    assert moved(front_chars(plain), front_chars(by_option)) == half_inch_up
    assert moved(front_chars(plain), front_chars(by_stock)) == half_inch_up
    # The two add up: right 0.25 + 0.25 in, up 0.5 - 0.5 in.
    assert moved(front_chars(plain), front_chars(both)) == {(36.0, 0.0)}


def test_the_calibration_page_moves_with_both_offsets(tmp_path: Path) -> None:
    def calibration(name: str, config: Path, *extra: str) -> Path:
        out = tmp_path / name
        result = invoke(
            "print", "--calibrate", "--config", config, "--db", tmp_path / "m.db", "--out", out,
            *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return out / "calibration-avery-5389.pdf"

    plain = calibration("plain", stock_config(tmp_path, "[0, 0]"))
    by_stock = calibration("stock", stock_config(tmp_path, "[0, 0.5]"))
    by_option = calibration("option", stock_config(tmp_path, "[0, 0]"), "--offset-front", "0,0.5")
    assert moved(front_chars(plain), front_chars(by_stock)) == {(0.0, 36.0)}
    assert moved(front_chars(plain), front_chars(by_option)) == {(0.0, 36.0)}
    assert front_chars(plain, 1) == front_chars(by_option, 1)  # the backs stay
    assert "(inches, x right, y up)" in pdf_words(plain)


# ---- the dry run without a key ----------------------------------------------------------


def test_the_dry_run_says_which_key_a_real_send_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = provider_config(tmp_path)
    db = planned(tmp_path, config=config)
    base = ("send", "--config", config, "--db", db, "--today", TODAY)
    without = invoke(*base)
    assert without.exit_code == 0, without.output
    assert "LOB_API_KEY is not set: this dry run used a stand-in key" in said(without)
    assert "A real send (--submit) needs your lob API key in LOB_API_KEY" in said(without)
    assert "12 cards, about" in said(without)
    assert fits(without)
    monkeypatch.setenv("LOB_API_KEY", "test_quietmapleharborlantern")
    with_key = invoke(*base)
    assert with_key.exit_code == 0, with_key.output
    assert "LOB_API_KEY" not in with_key.output


# ---- the next day the post office takes mail ----------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 5), "today"),
        (
            date(2026, 9, 6),
            "on Tuesday, September 8 (the post office is closed on Sunday and Labor Day)",
        ),
        (
            date(2026, 12, 25),
            "on Saturday, December 26 (the post office is closed on Christmas Day)",
        ),
    ],
)
def test_when_to_post(day: date, expected: str) -> None:
    assert when_to_post(day) == expected


def test_print_on_a_sunday_before_a_holiday_names_the_next_mail_day(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "calls.csv",
        HEADER
        + "L1,Lee,Park,217-555-0110,5 Elm St,Springfield,IL,62704,voicemail,2026-09-05 10:00\n",
    )
    args = ("--config", EXAMPLE_CONFIG, "--db", tmp_path / "m.db", "--today", "2026-09-06")
    assert invoke("plan", calls, *args).exit_code == 0
    result = invoke("print", *args, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (
        "stamp and mail them on Tuesday, September 8 (the post office is closed on Sunday and "
        "Labor Day)" in said(result)
    )
    assert "mail them today" not in said(result)
    assert fits(result)


# ---- unsuppress takes the id the plan's hint names ---------------------------------------


def test_unsuppress_takes_the_id_the_plan_names(tmp_path: Path) -> None:
    opt_out = write_file(
        tmp_path,
        "october.csv",
        HEADER
        + "S1,Sue,Ferris,217-555-0188,1 Lake Dr,Springfield,IL,62704,opt_out,2026-10-01 10:00\n",
    )
    # A later export gives the same person (same phone) another id.
    later = write_file(
        tmp_path,
        "november.csv",
        HEADER + "X9,Sue,Ferris,(217) 555-0188,1 Lake Dr,Springfield,IL,62704,voicemail,"
        "2026-11-21 10:00\n",
    )
    db = tmp_path / "m.db"
    common = ("--config", EXAMPLE_CONFIG, "--db", db)
    assert invoke("plan", opt_out, *common, "--today", "2026-10-02").exit_code == 0
    skipped = invoke("plan", later, *common, "--today", TODAY)
    assert "`mailer unsuppress X9` to undo" in " ".join(skipped.stdout.split())
    lifted = invoke("unsuppress", "X9", *common)
    assert lifted.exit_code == 0, lifted.output
    assert "X9 is off the suppression list" in said(lifted)
    again = invoke("plan", later, *common, "--today", TODAY, "--dry-run")
    sue = next(line for line in again.stdout.splitlines() if "Sue Ferris" in line)
    assert "mail offer" in sue
    # Lifted once: the same id is no longer on the list, and says so.
    twice = invoke("unsuppress", "X9", *common)
    assert twice.exit_code == 1
    assert "X9 is not on the suppression list" in said(twice)


# ---- an offer card without a phone --------------------------------------------------------


def handwriting(path: Path) -> str:
    """The words written in the handwriting font (the message), a line break read as a
    space."""
    pieces: list[str] = []
    previous: float | None = None
    with pdfplumber.open(path) as pdf:
        for c in pdf.pages[0].chars:
            if "Caveat" not in c["fontname"]:
                continue
            if previous is not None and abs(c["y0"] - previous) > 1:
                pieces.append(" ")
            pieces.append(c["text"])
            previous = c["y0"]
    return " ".join("".join(pieces).split())


def test_an_offer_card_without_a_phone_reads_naturally(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('phone = "(217) 555-0100"', 'phone = ""')
    config = write_file(tmp_path, "nophone.toml", text)
    db = planned(tmp_path, config=config)
    out = tmp_path / "mary.pdf"
    result = invoke(
        "preview", "--no-open", "--contact", "C001", "--out", out, "--config", config, "--db", db
    )
    assert result.exit_code == 0, result.output
    words = handwriting(out)
    assert "call me by" not in words
    assert "ring on Monday, November 30. It's yours until Monday, December 7: just mention" in words
    assert words.endswith("clean, even flame. Jamie")  # no dangling comma, no number
    with_phone = tmp_path / "with.pdf"
    planned_again = invoke(
        "preview", "--no-open", "--contact", "C001", "--out", with_phone, "--config",
        EXAMPLE_CONFIG, "--db", db,
    )  # fmt: skip
    assert planned_again.exit_code == 0, planned_again.output
    words = handwriting(with_phone)
    said = re.search(r"Or call me by Monday, December 7 and mention NOTE20-(\w+)\.", words)
    assert said is not None
    assert is_valid(said.group(1))  # the offer code, then the card's
    assert words.endswith("Jamie, (217) 555-0100")


@pytest.mark.parametrize("which", ["--out", "calls"])
def test_a_name_that_is_not_utf8_is_refused_with_the_name_not_a_traceback(
    tmp_path: Path, which: str
) -> None:
    """A folder or call log whose name holds bytes that are not UTF-8 (a Latin-1 name, as
    an older system may have made it) would have to be stored in the ledger as text: the
    command says which name and what to do, exit code 2, before any work."""
    import os
    import subprocess
    import sys

    odd = os.fsencode(tmp_path) + b"/caf\xe9"
    calls = EXAMPLE_CALLS
    out = os.fsencode(tmp_path / "out")
    if which == "calls":
        calls_bytes = odd + b".csv"
        with open(calls_bytes, "wb") as f:
            f.write(EXAMPLE_CALLS.read_bytes())
    else:
        calls_bytes, out = os.fsencode(calls), odd
    args: list[bytes | str] = [sys.executable, "-m", "mailer", "run", calls_bytes, b"--config"]
    args += [os.fsencode(EXAMPLE_CONFIG), b"--db", os.fsencode(tmp_path / "m.db")]
    args += [b"--out", out, b"--today", TODAY.encode()]
    done = subprocess.run(
        args, capture_output=True, timeout=300, env=dict(os.environ, COLUMNS="80")
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert "Traceback" not in err
    assert "caf\\xe9" in err
    assert "not UTF-8" in err
    assert not (tmp_path / "m.db").exists()  # refused before any work
