"""`mailer report`: a small season built in a real ledger (cards printed and sent, a delivery
reported by a provider, second calls, responses, costs), its figures checked against
expectations worked out by hand, through the command line."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mailer.domain.models import Action, Address, MailStep, Outcome
from mailer.ledger import Ledger
from tests.builders import call_record, invoke, mail_step, open_ledger, plan_of, write_file

CONFIG = """
[print.stamps]
domestic = 0.61
international = 1.70

[provider.prices]
"4x6" = 0.63

[results]
attribution_days = 30
print_cost = 0.20
"""

TORONTO = Address("88 Queen St W", "", "Toronto", "ON", "M5H 2N2", "CA")


def respond(
    db: Path, key: str, kind: str, at: str, cents: int | None, contact: str, step: str | None
) -> None:
    """A response as the responses table holds it (schema v6)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO responses (response_key, kind, at, source, amount_cents, contact_id,"
            " step_key, recorded_at) VALUES (?, ?, ?, 'test', ?, ?, ?, '2026-12-05T10:00:00')",
            (key, kind, at, cents, contact, step),
        )
    conn.close()


def season(folder: Path) -> tuple[Path, Path, dict[str, MailStep]]:
    """Six contacts called on Saturday 2026-11-21 (README, "Did it work?" walks through it):

    - C001: offer card printed 11-23 (expected 11-27); spoke with her 11-30; ordered $50.00.
    - C002: offer card printed; the second call (11-30) went to voicemail; no response.
    - C003: offer card sent through Lob, delivered 11-26; reached 11-25 (before it
      arrived: not a second call); a reply on 12-02.
    - C004: offer card planned, never printed: not sent, not counted.
    - C005: ordered on the first call: a thank-you card printed 11-23.
    - C006 (Toronto): offer card printed; reached on 2027-02-01, past the 30-day window.
    - An order of $20.00 from C099, credited to no card, on 11-28.
    """
    db = folder / "mailer.db"
    settings = write_file(folder, "mailer.toml", CONFIG)
    people = [("C001", "Mary"), ("C002", "Ann"), ("C003", "Bea"), ("C004", "Cy")]
    steps = {
        cid: mail_step(call_record(cid, row=n + 2, first=first))
        for n, (cid, first) in enumerate(people)
    }
    steps["C006"] = mail_step(call_record("C006", first="Dot", row=6, address=TORONTO))
    steps["C005"] = mail_step(
        call_record("C005", Outcome.ORDERED, first="Eve", row=7), "thank-you", expires=None
    )
    later = [
        call_record("C001", Outcome.CONNECTED, "2026-11-30 10:00", file="second.csv"),
        call_record("C002", Outcome.VOICEMAIL, "2026-11-30 10:10", file="second.csv"),
        call_record("C003", Outcome.CONNECTED, "2026-11-25 09:00", file="second.csv"),
        call_record("C006", Outcome.CONNECTED, "2027-02-01 09:00", file="second.csv"),
    ]
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(*steps.values()), later)
        at_home = ("C001", "C002", "C005", "C006")
        printed = [ledger.ensure_piece(steps[c], "self", "4x6").id for c in at_home]
        ledger.mark_printed(printed, date(2026, 11, 23))
        ledger.ensure_piece(steps["C004"], "self", "4x6")
        sent = ledger.ensure_piece(steps["C003"], "provider", "4x6").id
        ledger.begin_submit(sent, "lob")
        ledger.record_submitted(sent, "psc_c003", "rendered", date(2026, 11, 27), None)
        ledger.record_status(
            sent,
            "rendered",
            [
                ("2026-11-24T08:00:00+00:00", "normal", "In Transit 62704"),
                ("2026-11-26T15:00:00+00:00", "normal", "Delivered 62704"),
            ],
        )
    respond(db, "o1", "order", "2026-12-01T12:00:00", 5000, "C001", steps["C001"].step_key)
    respond(db, "r3", "reply", "2026-12-02", None, "C003", steps["C003"].step_key)
    respond(db, "o9", "order", "2026-11-28", 2000, "C099", None)
    return db, settings, steps


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    db, settings, _ = season(tmp_path)
    return db, settings


def report_json(db: Path, settings: Path, *args: str) -> Any:
    result = invoke("report", "--db", db, "--config", settings, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_funnel_by_template_matches_the_season_worked_out_by_hand(
    shop: tuple[Path, Path],
) -> None:
    document = report_json(*shop)
    groups = {g["group"]: g for g in document["groups"]}
    assert list(groups) == ["offer", "thank-you", "no card"]
    offer = groups["offer"]
    # Sent: C001, C002, C006 printed, C003 through Lob; C004 never printed.
    # Cost: three printed cards at a stamp and 20 cents (Toronto's stamp is 1.70), Lob's 63.
    assert offer == {
        "group": "offer",
        "calls": 5,
        "sent": 4,
        "delivered": 1,
        "second_calls": 1,
        "responses": 2,
        "orders": 1,
        "revenue_cents": 5000,
        "cost_cents": 81 + 81 + 190 + 63,
        "cost_per_response_cents": 208,
        "return_on_spend": round(5000 / 415, 4),
        "responded": 2,
        "n": 4,
        "response_rate": 0.5,
        "enough_data": False,
        # 4 * 1.96^2 * (1 - 0.5) / 0.5 = 15.4
        "note": "not enough data yet (n = 4 of about 16 needed)",
    }
    thank_you = groups["thank-you"]
    assert (thank_you["calls"], thank_you["sent"], thank_you["cost_cents"]) == (1, 1, 81)
    assert thank_you["delivered"] is None  # printed at home: no provider reports it
    assert thank_you["note"] == "not enough data yet (n = 1, no response yet)"
    assert groups["no card"]["calls"] == 4  # the second calls decided no card
    total = document["total"]
    assert total["calls"] == 10
    assert total["sent"] == 5
    assert total["cost_cents"] == 496
    assert document["not_credited"] == {"responses": 1, "orders": 1, "revenue_cents": 2000}
    assert document["weeks"] == [
        {"week": "2026-11-23", "responses": 1},
        {"week": "2026-11-30", "responses": 2},
    ]
    assert document["attribution_days"] == 30
    assert document["experiment"] == []


def test_a_longer_window_counts_the_late_second_call(shop: tuple[Path, Path]) -> None:
    db, settings = shop
    settings.write_text(CONFIG.replace("attribution_days = 30", "attribution_days = 90"))
    offer = report_json(db, settings)["groups"][0]
    assert offer["second_calls"] == 2  # C006, reached on 2027-02-01, 66 days after 11-27


def test_by_week_and_a_period(shop: tuple[Path, Path]) -> None:
    db, settings = shop
    weeks = report_json(db, settings, "--by", "week")["groups"]
    counts = {g["group"]: (g["calls"], g["sent"]) for g in weeks}
    assert counts == {
        "2026-11-16": (6, 0),  # Saturday's calls
        "2026-11-23": (1, 5),  # the cards printed on Monday, C003's call on Wednesday
        "2026-11-30": (2, 0),
        "2027-02-01": (1, 0),
    }
    since = report_json(db, settings, "--since", "2026-11-22", "--until", "2026-12-31")
    assert since["since"] == "2026-11-22"
    assert since["total"]["calls"] == 3
    assert since["total"]["sent"] == 5
    none = report_json(db, settings, "--until", "2026-11-22")
    assert none["total"]["sent"] == 0
    assert none["not_credited"]["responses"] == 0


def test_by_source_names_the_call_log(shop: tuple[Path, Path]) -> None:
    groups = report_json(*shop, "--by", "source")["groups"]
    assert [(g["group"], g["calls"], g["sent"]) for g in groups] == [
        ("calls.csv", 6, 5),
        ("second.csv", 4, 0),
    ]


def test_csv_has_a_row_per_group_the_total_and_what_no_card_earned(
    shop: tuple[Path, Path],
) -> None:
    db, settings = shop
    result = invoke("report", "--db", db, "--config", settings, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "group",
        "calls",
        "sent",
        "delivered",
        "second_calls",
        "responses",
        "orders",
        "revenue",
        "cost",
        "cost_per_response",
        "return_on_spend",
        "response_rate",
        "note",
    ]
    assert [r[0] for r in rows[1:]] == [
        "offer",
        "thank-you",
        "no card",
        "total",
        "not credited to a card",
    ]
    offer = ["5", "4", "1", "1", "2", "1", "50.00", "4.15", "2.08", "12.05", "0.5000"]
    assert rows[1][1:12] == offer
    assert rows[4][7] == "50.00"  # the total: what the cards earned
    assert rows[5][7] == "20.00"


def test_the_table_fits_80_columns_and_names_no_winner_on_four_cards(
    shop: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings = shop
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("report", "--db", db, "--config", settings)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), "\n".join(lines)
    assert lines[0] == "Results by template, all cards"
    offer = next(line for line in lines if line.startswith("offer"))
    assert offer.split() == ["offer", "5", "4", "1", "1", "2", "1", "$50.00", "$4.15"]
    text = " ".join(result.stdout.split())
    assert "50.0% responded (2 of 4); $2.08 a response; return 12.0x on spend not" in text
    assert "not enough data yet (n = 4 of about 16 needed)" in text
    assert "Not credited to a card: 1 response, 1 order, $20.00" in text


def test_no_ledger_is_exit_4_and_bad_options_exit_2(tmp_path: Path) -> None:
    missing = invoke("report", "--db", tmp_path / "none.db")
    assert missing.exit_code == 4, missing.output
    assert not (tmp_path / "none.db").exists()
    with open_ledger(tmp_path / "mailer.db"):
        pass
    for args in (
        ["--by", "colour"],
        ["--format", "xml"],
        ["--chart", str(tmp_path / "r.svg")],
        ["--since", "2026-12-01", "--until", "2026-11-01"],
        ["--since", "someday"],
    ):
        result = invoke("report", "--db", tmp_path / "mailer.db", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_an_empty_ledger_reports_nothing_sent(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "mailer.db"):
        pass
    result = invoke("report", "--db", tmp_path / "mailer.db")
    assert result.exit_code == 0, result.output
    assert "no card sent in that time" in result.stderr


def test_a_bad_results_setting_names_the_key(tmp_path: Path) -> None:
    settings = write_file(tmp_path, "mailer.toml", "[results]\nprint_cost = -1\n")
    with open_ledger(tmp_path / "mailer.db"):
        pass
    result = invoke("report", "--db", tmp_path / "mailer.db", "--config", settings)
    assert result.exit_code == 2
    assert "'results.print_cost' is -1.0; it must be from 0 to 100" in result.stderr


def ledger_with_cards(db: Path, contacts: Sequence[tuple[str, str | None, bool]]) -> None:
    """Cards printed 2026-11-23 for (contact id, variant, responded); variant "holdout"
    gets a call step and no card, and responds (when it does) without a card to credit."""
    steps = []
    for n, (cid, variant, _) in enumerate(contacts):
        record = call_record(cid, row=n + 2)
        if variant == "holdout":
            steps.append(MailStep(record, Action.CALL, "holdout", variant=variant))
        else:
            steps.append(dataclasses.replace(mail_step(record), variant=variant))
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(*steps))
        cards = [ledger.ensure_piece(s, "self", "4x6").id for s in steps if s.action is Action.MAIL]
        ledger.mark_printed(cards, date(2026, 11, 23))
    for step, (cid, variant, responded) in zip(steps, contacts, strict=True):
        if responded:
            credited = None if variant == "holdout" else step.step_key
            respond(db, f"r-{cid}", "order", "2026-12-01", 3000, cid, credited)


def test_variants_are_compared_with_an_interval_and_the_holdout_as_baseline(
    tmp_path: Path,
) -> None:
    db = tmp_path / "mailer.db"
    contacts = [(f"A{n:03d}", "A", n < 4) for n in range(40)]
    contacts += [(f"B{n:03d}", "B", n < 20) for n in range(40)]
    contacts += [(f"H{n:03d}", "holdout", n < 1) for n in range(20)]
    ledger_with_cards(db, contacts)
    document = report_json(db, write_file(tmp_path, "mailer.toml", ""), "--by", "variant")
    groups = {g["group"]: g for g in document["groups"]}
    assert (groups["A"]["n"], groups["A"]["responded"]) == (40, 4)
    assert (groups["holdout"]["n"], groups["holdout"]["responded"], groups["holdout"]["sent"]) == (
        20,
        1,
        0,
    )
    assert groups["holdout"]["cost_cents"] == 0
    found = {(c["a"], c["b"]): c for c in document["experiment"]}
    assert set(found) == {("A", "holdout"), ("B", "holdout"), ("A", "B")}
    a_b = found[("A", "B")]
    assert a_b["difference_points"] == -40.0
    low, high = a_b["interval_points"]
    assert low < -40 < high < 0
    assert a_b["real"] is True
    assert a_b["verdict"].startswith("B did better than A by 40.0 points")
    a_hold = found[("A", "holdout")]
    assert a_hold["real"] is False  # 10% against 5% on 40 and 20: could be chance
    assert "no real difference yet between A and holdout" in a_hold["verdict"]
    assert "includes 0; about 432 each would show a difference this size" in a_hold["verdict"]


def test_a_holdout_response_outside_the_window_is_not_counted(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    ledger_with_cards(db, [("A001", "A", False), ("H001", "holdout", False)])
    respond(db, "late", "order", "2027-06-01", 1000, "H001", None)
    document = report_json(db, write_file(tmp_path, "mailer.toml", ""), "--by", "variant")
    groups = {g["group"]: g for g in document["groups"]}
    assert groups["holdout"]["responses"] == 0
    assert document["not_credited"]["responses"] == 1


def test_the_ledger_is_only_read(shop: tuple[Path, Path]) -> None:
    db, settings = shop
    before = db.read_bytes()
    report_json(db, settings)
    with Ledger.open(db):
        pass
    assert db.read_bytes() == before


def bars(image: Any, colour: tuple[int, int, int], *, across: bool) -> list[int]:
    """The bars of one colour in a picture, each as its longest run of that exact colour:
    a horizontal bar's length (`across`, top to bottom) or a vertical bar's height (left to
    right). Anti-aliased edges are another colour, so each run is the bar's inside."""
    width, height = image.size
    pixels = image.load()
    outer, inner = (height, width) if across else (width, height)
    runs = []
    for a in range(outer):
        runs.append(sum(1 for b in range(inner) if pixels[(b, a) if across else (a, b)] == colour))
    found: list[int] = []
    inside = False
    for run in runs:
        if run and not inside:
            found.append(run)
        elif run:
            found[-1] = max(found[-1], run)
        inside = bool(run)
    return found


def test_the_chart_is_a_png_of_the_expected_size_with_bars_in_proportion(
    shop: tuple[Path, Path], tmp_path: Path
) -> None:
    from PIL import Image

    from mailer.results.chart import FUNNEL_INK, WEEK_INK, ink

    db, settings = shop
    out = tmp_path / "charts" / "report.png"
    result = invoke("report", "--db", db, "--config", settings, "--chart", out)
    assert result.exit_code == 0, result.output
    assert f"chart: {out}" in result.stderr
    image = Image.open(out).convert("RGB")
    assert image.size == (1440, 800)  # 720 x 400 points at two pixels a point
    # calls 10, sent 5, delivered 1 (C003, through Lob), 2nd calls 1, responses 2, orders 1
    funnel = bars(image, ink(FUNNEL_INK), across=True)
    # The longest bar: 210 points wide, the axis to 10 * 1.1, two pixels a point.
    assert abs(funnel[0] - 210 * 2 / 1.1) <= 2
    assert len(funnel) == 6
    for length, value in zip(funnel, [10, 5, 1, 1, 2, 1], strict=True):
        assert abs(length - funnel[0] * value / 10) <= 2, funnel
    # Responses per week: 1 in the week of 11-23 (the order credited to no card), 2 in the
    # week of 11-30 (C001's order, C003's reply).
    weeks = bars(image, ink(WEEK_INK), across=False)
    assert len(weeks) == 2
    assert abs(weeks[1] - 2 * weeks[0]) <= 2, weeks


def test_the_chart_as_pdf_is_one_page_and_the_same_bytes_each_time(
    shop: tuple[Path, Path], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    db, settings = shop
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        result = invoke("report", "--db", db, "--config", settings, "--chart", out)
        assert result.exit_code == 0, result.output
    pages = PdfReader(first).pages
    assert len(pages) == 1
    assert (float(pages[0].mediabox.width), float(pages[0].mediabox.height)) == (720, 400)
    assert "Results by template, all cards" in pages[0].extract_text()
    assert first.read_bytes() == second.read_bytes()


def test_a_chart_that_cant_be_written_names_the_file(
    shop: tuple[Path, Path], tmp_path: Path
) -> None:
    db, settings = shop
    blocker = write_file(tmp_path, "taken", "a file, not a folder")
    result = invoke("report", "--db", db, "--config", settings, "--chart", blocker / "r.png")
    assert result.exit_code == 1, result.output
    assert "taken is a file, not a folder" in result.stderr


def test_a_response_date_changed_by_hand_is_named_not_a_traceback(
    shop: tuple[Path, Path],
) -> None:
    db, settings = shop
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE responses SET at = 'next week' WHERE response_key = 'r3'")
    conn.close()
    result = invoke("report", "--db", db, "--config", settings)
    assert result.exit_code == 1, result.output
    assert "the ledger's responses row" in result.stderr
    assert "'next week'" in result.stderr
    assert "YYYY-MM-DD" in result.stderr


def test_by_offer_names_each_deadline(shop: tuple[Path, Path]) -> None:
    groups = report_json(*shop, "--by", "offer")["groups"]
    assert [(g["group"], g["sent"]) for g in groups] == [
        ("ends 2026-12-07", 4),  # the four offer cards sent (C004's was never printed)
        ("no offer", 1),  # the thank-you card
        ("no card", 0),
    ]


def test_a_group_named_like_a_formula_or_with_escapes_is_written_safely(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    record = call_record("C001", file="=HYPERLINK(x)\x1b[31m.csv")
    step = mail_step(record)
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(step))
        ledger.mark_printed([ledger.ensure_piece(step, "self", "4x6").id], date(2026, 11, 23))
    result = invoke("report", "--db", db, "--by", "source", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1][0] == "'=HYPERLINK(x).csv"
    document = report_json(db, write_file(tmp_path, "mailer.toml", ""), "--by", "source")
    assert document["groups"][0]["group"] == "=HYPERLINK(x).csv"
    table = invoke("report", "--db", db, "--by", "source")
    assert "\x1b" not in table.stdout


def test_the_experiment_lines_fit_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "mailer.db"
    contacts = [(f"A{n:03d}", "first-variant-with-a-long-name", n < 3) for n in range(30)]
    contacts += [(f"B{n:03d}", "second-variant-with-a-long-name", n < 2) for n in range(30)]
    ledger_with_cards(db, contacts)
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("report", "--db", db, "--by", "variant")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), "\n".join(lines)
    verdict = lines[lines.index("Experiment (response rates, 95% intervals)") + 1 :]
    assert verdict[0].startswith("- no real difference yet between first-variant")
    assert all(line.startswith("  ") for line in verdict[1:])
