"""`mailer responses import|list` on real files, against a real ledger made by `mailer plan`:
every key a response is matched by, the attribution window, refused codes, idempotent
imports and true line numbers (README, "Recording responses")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import Result

from mailer.domain.card_codes import ALPHABET, candidate, display
from mailer.domain.models import Action
from tests.builders import EXAMPLE_CONFIG, invoke, open_ledger, write_file

TODAY = "2026-11-23"
# Five people reached only by voicemail on Saturday: each is mailed an offer card on Monday
# the 23rd, expected Friday the 27th (three delivery days).
CALLS = (
    "contact_id,first_name,last_name,phone,email,address_line1,city,state,postal_code,"
    "outcome,called_at\n"
    "C001,Mary,Albright,(217) 555-0101,mary@example.com,12 Elm St,Springfield,IL,62704,"
    "voicemail,2026-11-21 10:05\n"
    "C002,Denise,Okafor,217-555-0102,denise@example.com,13 Elm St,Springfield,IL,62704,"
    "voicemail,2026-11-21 10:07\n"
    "C003,Linda,Marsh,217-555-0103,Linda.M@Example.com,14 Elm St,Springfield,IL,62704,"
    "voicemail,2026-11-21 10:09\n"
    "C004,Patricia,Nguyen,217-555-0104,pat@example.com,15 Elm St,Springfield,IL,62704,"
    "voicemail,2026-11-21 10:11\n"
    "C005,Rosa,Diaz,217-555-0105,rosa@example.com,1422 Maple Avenue,Springfield,IL,62704,"
    "voicemail,2026-11-21 10:13\n"
)


def said(result: Result) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(result.stderr.split())


@pytest.fixture
def season(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A ledger whose five offer cards were printed: (its path, each contact's card code)."""
    db = tmp_path / "mailer.db"
    calls = write_file(tmp_path, "calls.csv", CALLS)
    result = invoke("plan", calls, "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert result.exit_code == 0, result.stderr
    codes = {}
    with open_ledger(db) as ledger:
        steps = ledger.steps(Action.MAIL)
        pieces = [ledger.ensure_piece(s, "self", "4x6").id for s in steps]
        ledger.mark_printed(pieces, date(2026, 11, 23))
        for step in ledger.steps(Action.MAIL):
            assert step.card_code is not None
            assert step.expected_delivery == date(2026, 11, 27)
            codes[step.contact_id] = step.card_code
    assert len(codes) == 5
    return db, codes


def responses(db: Path, *args: str | Path) -> Result:
    return invoke("responses", *args, "--db", db, "--config", EXAMPLE_CONFIG)


def recorded(db: Path) -> list[tuple[str, str | None, str | None, int | None, str]]:
    """(file line, contact, matched_by, cents, detail) of every response, by line."""
    with open_ledger(db) as ledger:
        rows = ledger.responses()
    found = [
        (f"{Path(r.file).name}:{r.line}", r.contact_id, r.matched_by, r.amount_cents, r.detail)
        for r in rows
    ]
    return sorted(found)


def wrong_check(code: str) -> str:
    """`code` with its check character changed: one wrong character."""
    other = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    return code[:-1] + other


def test_each_key_finds_its_card_and_the_window_and_wrong_codes_are_said(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    orders = write_file(
        tmp_path,
        "orders.csv",
        "Order #,Created at,Total,Discount Code,Phone,Email,Customer ID,Billing Name,"
        "Billing Address1,Billing Zip\n"
        f"1001,2026-11-28 09:00,$40.00,NOTE20-{display(codes['C001'])},,,,,,\n"
        '1002,2026-12-01,"1,234.50",,+1 217 555 0102,,,,,\n'
        "1003,12/02/2026,USD 25,,,LINDA.M@example.COM,,,,\n"
        "\n"
        "1004,2026-12-03,40 €,,,,c004,,,\n"
        "1005,2026-12-04,19.99,,,,,ROSA DIAZ,1422 maple ave,62704-1234\n"
        # Before her card arrived on the 27th: not that card's.
        "1006,2026-11-25,10.00,,(217) 555-0101,,,,,\n"
        # 70 days after the card arrived: outside the 60-day window.
        "1007,2027-02-05,10.00,,217.555.0102,,,,,\n"
        # A code with one wrong character: refused, never guessed.
        f"1008,2026-11-30,10.00,{wrong_check(codes['C003'])},,,,,,\n"
        '1009,"Nov 31, 2026",10.00,,,,,,,\n'
        "1010,2026-11-30,ten dollars,,,,,,,\n"
        "1011,2026-11-30,12.00,,(217) 555-0199,,,,,\n",
    )
    result = responses(db, "import", orders)
    assert result.exit_code == 3, result.stderr
    text = said(result)
    assert (
        "5 credited (1 by code, 1 by phone, 1 by email, 1 by contact, 1 by name-address), "
        "3 not credited, 0 already recorded, 3 rejected"
    ) in text
    assert (
        "columns read: order id 'Order #', date 'Created at', amount 'Total', code "
        "'Discount Code', phone 'Phone', email 'Email', customer id 'Customer ID', name "
        "'Billing Name', address 'Billing Address1', postal code 'Billing Zip'"
    ) in text
    assert "rejected orders.csv:10: code" in text
    assert "a character is wrong" in text
    assert "rejected orders.csv:11: date 'Nov 31, 2026' can't be read" in text
    assert "rejected orders.csv:12: amount 'ten dollars'" in text
    assert "not credited orders.csv:8: found by phone: before their card arrived" in text
    assert "not credited orders.csv:9: found by phone: 70 days after their card arrived" in text
    assert "outside the 60-day window" in text
    assert "not credited orders.csv:13: no card went to anyone with this phone" in text
    rows = recorded(db)
    assert [r[:4] for r in rows] == [
        ("orders.csv:13", None, None, 1200),
        ("orders.csv:2", "C001", "code", 4000),
        ("orders.csv:3", "C002", "phone", 123450),
        ("orders.csv:4", "C003", "email", 2500),
        ("orders.csv:6", "C004", "contact", 4000),
        ("orders.csv:7", "C005", "name-address", 1999),
        ("orders.csv:8", "C001", None, 1000),
        ("orders.csv:9", "C002", None, 1000),
    ]


def test_importing_again_and_a_later_overlapping_export_record_nothing_twice(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    header = "order id,date,amount,code\n"
    first = header + (
        f"A-1,2026-11-28,40.00,{codes['C001']}\nA-2,2026-11-29,30.00,{codes['C002']}\n"
    )
    november = write_file(tmp_path, "november.csv", first)
    assert responses(db, "import", november).exit_code == 0
    again = responses(db, "import", november)
    assert again.exit_code == 0, again.stderr
    assert "0 credited, 0 not credited, 2 already recorded, 0 rejected" in said(again)
    # The next export repeats A-2 (spelled differently) and adds A-3.
    later = write_file(
        tmp_path,
        "december.csv",
        header + f"a-2,11/29/2026,$30,{codes['C002']}\nA-3,2026-12-02,15.00,{codes['C003']}\n",
    )
    result = responses(db, "import", later)
    assert result.exit_code == 0, result.stderr
    assert "1 credited (1 by code), 0 not credited, 1 already recorded" in said(result)
    assert len(recorded(db)) == 3


def test_rows_without_an_id_are_known_by_what_they_say(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """A click export has no id: the same row again (even written differently) is the same
    click; two scans the same minute of one card are one, and the second says so."""
    db, codes = season
    code = codes["C004"]
    clicks = write_file(
        tmp_path,
        "clicks.csv",
        "Click Time,Long URL,Referrer\n"
        f"2026-11-28T18:02:11Z,https://example.com/note20?code={code},qr\n"
        f"2026-11-28T18:02:11Z,https://example.com/note20?code={code},qr\n"
        f"2026-11-29T08:00:00Z,https://example.com/c/{code.lower()},\n",
    )
    result = responses(db, "import", clicks)
    assert result.exit_code == 0, result.stderr
    assert "2 credited (2 by code), 0 not credited, 1 already recorded" in said(result)
    assert "of clicks, recorded as clicks" in said(result)
    again = responses(db, "import", clicks)
    assert "0 credited, 0 not credited, 3 already recorded" in said(again)


def test_an_xlsx_party_sheet_with_typed_cells(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Guest", "Phone", "Order Date", "Order Total", "Promo"])
    sheet.append(["Denise Okafor", "2175550102", date(2026, 12, 1), 52.5, ""])
    sheet.append([None, None, None, None, None])
    sheet.append(["Linda Marsh", None, date(2026, 12, 2), 20, codes["C003"].lower()])
    path = tmp_path / "party.xlsx"
    book.save(path)
    result = responses(db, "import", path, "--source", "Party Sheet")
    assert result.exit_code == 0, result.stderr
    assert "2 credited (1 by phone, 1 by code)" in said(result)
    assert "recorded as party-sheet" in said(result)
    rows = recorded(db)
    assert [r[:4] for r in rows] == [
        ("party.xlsx:2", "C002", "phone", 5250),
        ("party.xlsx:4", "C003", "code", 2000),
    ]


def test_a_card_never_sent_earns_nothing(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    calls = write_file(tmp_path, "calls.csv", CALLS)
    invoke("plan", calls, "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    with open_ledger(db) as ledger:
        code = next(s.card_code for s in ledger.steps(Action.MAIL) if s.contact_id == "C001")
    assert code is not None
    orders = write_file(tmp_path, "o.csv", f"order id,date,total,code\n7,2026-11-30,5,{code}\n")
    result = responses(db, "import", orders)
    assert result.exit_code == 0, result.stderr
    assert f"card {display(code)} was never sent" in said(result)


def test_a_file_that_says_nothing_usable_is_refused_whole(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, _ = season
    no_kind = write_file(tmp_path, "who.csv", "date,phone\n2026-11-30,217-555-0101\n")
    result = responses(db, "import", no_kind)
    assert result.exit_code == 1, result.stderr
    assert "can't tell whether it holds orders or clicks" in said(result)
    assert "--kind order" in said(result)
    assert responses(db, "import", no_kind, "--kind", "reply").exit_code == 0
    nothing = write_file(tmp_path, "x.csv", "fruit,colour\napple,red\n")
    refused = responses(db, "import", nothing)
    assert refused.exit_code == 1
    assert "names no column for a date" in said(refused)
    bad_kind = responses(db, "import", no_kind, "--kind", "sale")
    assert bad_kind.exit_code == 2
    assert "use order, click or reply" in said(bad_kind)
    missing = responses(db, "import", tmp_path / "missing.csv")
    assert missing.exit_code == 1
    assert "missing.csv: no such file" in said(missing)


def test_without_a_ledger_nothing_is_started(tmp_path: Path) -> None:
    orders = write_file(tmp_path, "o.csv", "order id,date,total,phone\n7,2026-11-30,5,2175550101\n")
    result = responses(tmp_path / "none.db", "import", orders)
    assert result.exit_code == 4, result.stderr
    assert not (tmp_path / "none.db").exists()


def test_the_window_is_read_from_mailer_toml(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    short = write_file(
        tmp_path,
        "short.toml",
        EXAMPLE_CONFIG.read_text(encoding="utf-8") + "\n[results]\nattribution_days = 5\n",
    )
    orders = write_file(
        tmp_path, "o.csv", f"order id,date,total,code\n1,2026-12-03,5,{codes['C001']}\n"
    )
    result = invoke("responses", "import", orders, "--db", db, "--config", short)
    assert "6 days after their card arrived (2026-11-27), outside the 5-day window" in said(result)
    wrong = write_file(tmp_path, "wrong.toml", "[results]\nattribution_days = 0\n")
    refused = invoke("responses", "import", orders, "--db", db, "--config", wrong)
    assert refused.exit_code == 2
    assert "'results.attribution_days' is 0" in said(refused)


def test_list_shows_the_latest_in_80_columns(
    season: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, codes = season
    orders = write_file(
        tmp_path,
        "o.csv",
        "order id,date,total,code,phone\n"
        f"1,2026-11-28,40,{codes['C001']},\n"
        "2,2026-12-20,1234.5,,217-555-0102\n"
        "3,2027-03-01,5,,217-555-0103\n",
    )
    responses(db, "import", orders)
    monkeypatch.setenv("COLUMNS", "80")
    listed = invoke("responses", "list", "--db", db)
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert display(codes["C001"]) in listed.stdout
    assert "1,234.50" in listed.stdout
    assert "not credited" in listed.stdout
    since = invoke("responses", "list", "--since", "2026-12-01", "--db", db)
    assert display(codes["C001"]) not in since.stdout
    assert "2 responses" in said(since)


def test_an_orders_items_and_a_links_id_are_not_mistaken(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """A shop writes one row per item, the order's total on the first; a click export's
    bare `id` names the link, the same on every click."""
    db, codes = season
    items = write_file(
        tmp_path,
        "items.csv",
        "Order Number,Created at,Total,Lineitem name,Discount Code\n"
        f"#1001,2026-11-28 09:00:00 -0500,52.00,Cinnamon jar,{codes['C001']}\n"
        "#1001,2026-11-28 09:00:00 -0500,,Pine jar,\n",
    )
    result = responses(db, "import", items)
    assert result.exit_code == 0, result.stderr
    assert "1 credited (1 by code), 0 not credited, 1 already recorded" in said(result)
    with open_ledger(db) as ledger:
        (order,) = ledger.responses()
    assert order.amount_cents == 5200
    code = codes["C002"]
    clicks = write_file(
        tmp_path,
        "clicks.csv",
        "id,timestamp,url\n"
        f"lnk_1,2026-11-28 18:00,https://example.com/?c={code}\n"
        f"lnk_1,2026-11-29 08:30,https://example.com/?c={code}\n",
    )
    clicked = responses(db, "import", clicks)
    assert clicked.exit_code == 0, clicked.stderr
    assert "2 credited (2 by code), 0 not credited, 0 already recorded" in said(clicked)


def test_a_messy_export_keeps_its_true_line_numbers(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Windows-1252 text, semicolons, a note running over three lines in one cell, a blank
    row: each rejection names the row a spreadsheet shows."""
    db, codes = season
    text = (
        "Bestellnummer;Order Date;Total;Name;Address;Zip;Notes\r\n"
        f'A1;28.11.2026;12,50 €;Zoë Müller;1 Elm St;62704;"Karte {codes["C001"]}\r\n'
        'zweite Zeile\r\ndritte Zeile"\r\n'
        "\r\n"
        "A2;31.11.2026;9,00;X;;;\r\n"
        "A3;29.11.2026;1.234,50 €;Rosa Diaz;1422 Maple Ave.;62704;\r\n"
    )
    path = write_file(tmp_path, "bestellungen.csv", text.encode("cp1252"))
    result = responses(db, "import", path, "--kind", "order", "--date-order", "dmy")
    assert result.exit_code == 3, result.stderr
    text_said = said(result)
    assert "rejected bestellungen.csv:4: date '31.11.2026'" in text_said
    assert "not valid UTF-8" in text_said
    rows = recorded(db)
    assert [r[:4] for r in rows] == [
        ("bestellungen.csv:2", "C001", "code", 1250),
        ("bestellungen.csv:5", "C005", "name-address", 123450),
    ]


def test_two_imports_at_once_record_each_response_once(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    rows = "".join(
        f"{n},2026-12-{1 + n % 20:02d},{n}.00,{codes[f'C00{1 + n % 5}']}\n" for n in range(300)
    )
    orders = write_file(tmp_path, "many.csv", "order id,date,total,code\n" + rows)
    command = [
        sys.executable, "-m", "mailer", "responses", "import", str(orders),
        "--db", str(db), "--config", str(EXAMPLE_CONFIG),
    ]  # fmt: skip
    env = {**os.environ, "MAILER_LOCK_WAIT": "60"}
    both = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) for _ in "ab"]
    outputs = [p.communicate(timeout=120)[1] for p in both]
    assert [p.returncode for p in both] == [0, 0], outputs
    credited = [int(re.search(r"(\d+) credited", " ".join(o.split()))[1]) for o in outputs]  # type: ignore[index]
    assert sum(credited) == 300
    assert len(recorded(db)) == 300


def test_list_says_when_there_is_nothing_and_refuses_a_bad_day(
    season: tuple[Path, dict[str, str]],
) -> None:
    db, _ = season
    empty = invoke("responses", "list", "--db", db)
    assert empty.exit_code == 0, empty.stderr
    assert "no responses recorded" in said(empty)
    bad = invoke("responses", "list", "--since", "someday", "--db", db)
    assert bad.exit_code == 2
    assert "--since 'someday' is not a day" in said(bad)


def test_a_card_that_came_back_earns_nothing_and_the_providers_day_counts(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, _ = season
    with open_ledger(db) as ledger:
        steps = {s.contact_id: s for s in ledger.steps(Action.MAIL)}
        returned = ledger.piece_for_step(steps["C001"].step_key)
        assert returned is not None
        ledger.record_undelivered(returned.id, "Returned to Sender")
        # C002's card went through a provider instead, which expects it on 2 December.
        sent = ledger.piece_for_step(steps["C002"].step_key)
        assert sent is not None
        ledger.clear_printed([sent.id])
        ledger.begin_submit(sent.id, "lob")
        ledger.record_submitted(sent.id, "psc_1", "processed", date(2026, 12, 2), None)
    orders = write_file(
        tmp_path,
        "o.csv",
        "order id,date,total,phone\n"
        "1,2026-11-30,5,(217) 555-0101\n"
        "2,2026-11-30,5,(217) 555-0102\n"
        "3,2026-12-02,5,(217) 555-0102\n",
    )
    result = responses(db, "import", orders)
    assert result.exit_code == 0, result.stderr
    text = said(result)
    assert "not credited o.csv:2: no card went to anyone with this phone" in text
    assert "not credited o.csv:3: found by phone: before their card arrived (2026-12-02)" in text
    assert "1 credited (1 by phone), 2 not credited" in text
    assert [r[:3] for r in recorded(db)] == [
        ("o.csv:2", None, None),
        ("o.csv:3", "C002", None),
        ("o.csv:4", "C002", "phone"),
    ]


def test_a_workbooks_sheet_is_chosen_and_a_shops_name_column_is_its_order_number(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, _ = season
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["nothing here"])
    orders = book.create_sheet("Orders")
    orders.append(["Name", "Created at", "Total", "Billing Name", "Billing Phone"])
    orders.append(["#1001", "2026-12-01 10:00:00 -0500", "25.00", "Linda Marsh", "2175550103"])
    path = tmp_path / "shop.xlsx"
    book.save(path)
    result = responses(db, "import", path, "--sheet", "Orders")
    assert result.exit_code == 0, result.stderr
    assert "1 credited (1 by phone)" in said(result)
    with open_ledger(db) as ledger:
        (order,) = ledger.responses()
    assert (order.contact_id, order.amount_cents) == ("C003", 2500)


def test_a_valid_code_this_ledger_never_gave_credits_nothing_by_itself(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    stranger = candidate("another seller's card")
    assert stranger not in codes.values()
    orders = write_file(
        tmp_path,
        "o.csv",
        "order id,date,total,code,email\n"
        f"1,2026-11-30,5,{stranger},\n"
        f"2,2026-11-30,5,{stranger},DENISE@example.com\n",
    )
    result = responses(db, "import", orders)
    assert result.exit_code == 0, result.stderr
    text = said(result)
    assert f"o.csv:2: code {display(stranger)} was not given to any card in this ledger" in text
    assert "1 credited (1 by email), 1 not credited" in text


def test_two_party_sheets_numbering_from_one_are_both_recorded(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, _ = season
    header = "Order No,Order Date,Total,Guest,Phone\n"
    first = write_file(tmp_path, "party1.csv", header + "1,2026-11-28,20,Mary,2175550101\n")
    second = write_file(tmp_path, "party2.csv", header + "1,2026-12-05,30,Denise,2175550102\n")
    result = responses(db, "import", first, second, "--source", "party")
    assert result.exit_code == 0, result.stderr
    assert "2 credited (2 by phone), 0 not credited, 0 already recorded" in said(result)
    empty = responses(db, "import", write_file(tmp_path, "empty.csv", "\n\n"))
    assert empty.exit_code == 1
    assert "empty.csv is empty" in said(empty)
    assert "order id,date,total" in said(empty)


def test_an_order_is_recorded_whole_whichever_row_carries_its_total_and_code(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    header = "Order ID,Date,Total,Discount Code,Phone,Item\n"
    # The total and the code on the last item row: the order is still one, with both.
    last = write_file(
        tmp_path,
        "last.csv",
        header + "7001,2026-11-28,,,217-555-0199,Candle\n"
        f"7001,2026-11-28,85.00,{codes['C003']},217-555-0199,Wax melt\n",
    )
    result = responses(db, "import", last)
    assert result.exit_code == 0, result.stderr
    assert "1 credited (1 by code), 0 not credited, 1 already recorded" in said(result)
    # A refused row refuses its whole order: fixed and imported again, it is recorded whole.
    rows = "7002,2026-11-28,40.00,{code},217-555-0199,Candle\n7002,2026-11-28,,,217-555-0199,Jar\n"
    bad = write_file(tmp_path, "bad.csv", header + rows.format(code=wrong_check(codes["C004"])))
    refused = responses(db, "import", bad)
    assert refused.exit_code == 3
    assert "line 2 of the same order 7002 was refused" in said(refused)
    fixed = write_file(tmp_path, "bad.csv", header + rows.format(code=codes["C004"]))
    again = responses(db, "import", fixed)
    assert again.exit_code == 0, again.stderr
    assert "1 credited (1 by code)" in said(again)
    amounts = {r[0]: (r[1], r[3]) for r in recorded(db)}
    assert amounts["last.csv:2"] == ("C003", 8500)
    assert amounts["bad.csv:2"] == ("C004", 4000)


def test_a_shops_own_coupon_and_other_link_parameters_are_not_refused(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    clicks = write_file(
        tmp_path,
        "clicks.csv",
        "Click ID,timestamp,url\n"
        f"k1,2026-11-28 18:00,https://example.com/n?utm_campaign=weekend&code={codes['C002']}\n",
    )
    result = responses(db, "import", clicks)
    assert result.exit_code == 0, result.stderr
    assert "1 credited (1 by code)" in said(result)
    # A misread card code in the code parameter is still refused, never guessed.
    wrong = write_file(
        tmp_path,
        "wrong.csv",
        f"Click ID,timestamp,url\nk2,2026-11-28 19:00,https://example.com/n?code={wrong_check(codes['C002'])}\n",
    )
    assert responses(db, "import", wrong).exit_code == 3


def test_a_mistyped_code_after_the_offer_code_is_refused_like_a_bare_one(
    season: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, codes = season
    wrong = wrong_check(codes["C001"])
    orders = write_file(
        tmp_path,
        "orders.csv",
        "Order ID,Date,Total,Discount Code,Phone\n"
        f"8001,2026-11-28,20.00,NOTE20-{wrong[:4]}-{wrong[4:]},217-555-0199\n"
        f"8002,2026-11-28,20.00,NOTE20-{codes['C002']},217-555-0199\n",
    )
    result = responses(db, "import", orders)
    assert result.exit_code == 3
    said = " ".join(result.stderr.split())
    assert f"code '{wrong[:4]}-{wrong[4:]}' is not a card's code" in said
    assert "1 credited (1 by code)" in said
