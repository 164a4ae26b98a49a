"""The card's code where a person meets it: printed on the card, inside its QR code (read
back from the drawn PDF's pixels, as a phone reads it), in plan.json, the plan's CSV and
table, manifest.csv and the provider's artwork; provisional until the plan is recorded, and
the same on every run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain.card_codes import display, is_valid
from mailer.domain.step_codes import code_url
from tests.builders import (
    EXAMPLE_CALLS,
    EXAMPLE_CONFIG,
    invoke,
    page_text,
    provider_config,
    qr_texts,
    read_csv_dicts,
    write_file,
)
from tests.fake_provider import LOB_KEY, FakeProvider

TODAY = "2026-11-22"
OFFER_URL = "https://example.com/note20"


def plan_json(db: Path, *args: str | Path, config: Path = EXAMPLE_CONFIG) -> dict[str, Any]:
    result = invoke(
        "plan", EXAMPLE_CALLS, "--format", "json", "--today", TODAY, "--config", config,
        "--db", db, *args,
    )  # fmt: skip
    assert result.exit_code in (0, 3), result.stderr
    return dict(json.loads(result.stdout))


def sales_codes(doc: dict[str, Any]) -> dict[str, str]:
    return {s["contact_id"]: s["code"] for s in doc["steps"] if s["code"] is not None}


def ledger_codes(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT contact_id, card_code FROM steps WHERE card_code IS NOT NULL")
        return dict(rows.fetchall())


def front_text(pdf: Path) -> str:
    return page_text(pdf, 0)


def back_text(pdf: Path) -> str:
    return page_text(pdf, 1)


def test_the_code_is_printed_on_the_card_and_inside_its_qr_code(tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "m.db"
    result = invoke(
        "run", EXAMPLE_CALLS, "--today", TODAY, "--config", EXAMPLE_CONFIG, "--db", db,
        "--out", out,
    )  # fmt: skip
    assert result.exit_code in (0, 3), result.stderr
    codes = ledger_codes(db)
    manifest = read_csv_dicts(out / "manifest.csv")
    offers = [row for row in manifest if row["template"] == "offer"]
    assert len(offers) >= 5
    for row in manifest:
        card = out / row["file"]
        if row["template"] != "offer":  # thank-you and birthday cards carry no code
            assert row["code"] == ""
            assert qr_texts(card) == []
            continue
        code = codes[row["contact_id"]]
        assert row["code"] == code
        assert is_valid(code)
        # Printed where the offer code goes, after it, on the front and in the message.
        assert f"with code NOTE20-{code}" in front_text(card)
        assert f"mention NOTE20-{code}" in back_text(card)
        # The QR code, decoded from the drawn page, opens the offer with this card's code.
        assert qr_texts(card) == [f"{OFFER_URL}?code={code}"]
    assert len(set(codes.values())) == len(codes)
    # plan.json of the run says the same, and none of it is provisional any more.
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert sales_codes(doc) == {row["contact_id"]: row["code"] for row in offers}
    assert {s["code_provisional"] for s in doc["steps"] if s["code"]} == {False}


def test_without_an_offer_code_the_card_asks_to_mention_its_own(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('code = "NOTE20"', 'code = ""')
    text = text.replace(f'url = "{OFFER_URL}"', 'url = "https://example.com/go/{code}#top"')
    config = write_file(tmp_path, "mailer.toml", text)
    out, db = tmp_path / "out", tmp_path / "m.db"
    result = invoke(
        "run", EXAMPLE_CALLS, "--today", TODAY, "--config", config, "--db", db, "--out", out
    )
    assert result.exit_code in (0, 3), result.stderr
    mary = next(r for r in read_csv_dicts(out / "manifest.csv") if r["contact_id"] == "C001")
    code = mary["code"]
    assert f"mention {display(code)}" in front_text(out / mary["file"])
    assert "NOTE20" not in front_text(out / mary["file"])
    # `{code}` in offer.url is where the code goes; the fragment stays.
    assert qr_texts(out / mary["file"]) == [f"https://example.com/go/{code}#top"]


def test_codes_are_the_same_on_every_run_and_a_dry_run_shows_them_provisional(
    tmp_path: Path,
) -> None:
    dry = plan_json(tmp_path / "dry.db", "--dry-run")
    provisional = sales_codes(dry)
    assert len(provisional) >= 5
    assert {s["code_provisional"] for s in dry["steps"] if s["code"]} == {True}
    for step in dry["steps"]:
        if step["code"] is None:
            assert step["code_provisional"] is None
            assert step["action"] != "mail" or step["template"] in ("thank-you", "birthday")
    db = tmp_path / "m.db"
    first = plan_json(db)
    again = plan_json(db)
    elsewhere = plan_json(tmp_path / "other.db")
    # The dry run named the codes the ledger then gave; every later plan shows the same.
    assert sales_codes(first) == sales_codes(again) == sales_codes(elsewhere) == provisional
    assert ledger_codes(db) == provisional
    assert {s["code_provisional"] for s in again["steps"] if s["code"]} == {False}


def test_the_plan_table_and_csv_show_the_code(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    common = ("--today", TODAY, "--config", EXAMPLE_CONFIG, "--db", tmp_path / "m.db")
    dry = invoke("plan", EXAMPLE_CALLS, "--dry-run", *common)
    assert dry.exit_code in (0, 3), dry.stderr
    csv_out = invoke("plan", EXAMPLE_CALLS, "--format", "csv", *common)
    rows = list(csv_out.stdout.splitlines())
    header = rows[0].split(",")
    assert header[-3:] == ["code", "code_provisional", "variant"]
    mary = next(r for r in rows if r.startswith("C001,"))
    code = ledger_codes(tmp_path / "m.db")["C001"]
    assert mary.endswith(f",{code},no,")
    assert f"code {display(code)} (provisional)" in " ".join(dry.stdout.split())
    table = invoke("plan", EXAMPLE_CALLS, *common)
    assert f"code {display(code)}" in " ".join(table.stdout.split())
    assert "provisional" not in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/note20", "https://example.com/note20?code=R2T3DEH"),
        ("https://example.com/o?utm_source=card&x=a%20b+c#top",
         "https://example.com/o?utm_source=card&x=a%20b+c&code=R2T3DEH#top"),
        ("https://example.com/o?code=OLD&y=1", "https://example.com/o?y=1&code=R2T3DEH"),
        ("https://example.com/c/{code}?from=card", "https://example.com/c/R2T3DEH?from=card"),
        ("", ""),
    ],
)  # fmt: skip
def test_the_qr_address_carries_the_code_and_keeps_the_rest(url: str, expected: str) -> None:
    assert code_url(url, "R2T3DEH") == expected


def test_the_provider_artwork_carries_the_code_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = provider_config(tmp_path)
    db = tmp_path / "m.db"
    planned = invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--config", config, "--db", db)
    assert planned.exit_code == 0, planned.stderr
    codes = ledger_codes(db)
    monkeypatch.chdir(tmp_path)
    with FakeProvider() as fake:
        monkeypatch.setenv("LOB_BASE_URL", fake.url)
        monkeypatch.setenv("LOB_API_KEY", LOB_KEY)
        sent = invoke(
            "send", "--submit", "--limit", "2", "--today", TODAY, "--config", config, "--db", db
        )
        assert sent.exit_code == 0, sent.stderr
        creates = [r for r in fake.requests if r.method == "POST" and r.path == "/v1/postcards"]
    assert len(creates) == 2
    for request in creates:
        contact = request.field("metadata[contact_id]") or ""
        code = codes[contact]
        assert qr_texts(request.files["front"]) == [f"{OFFER_URL}?code={code}"]
        assert request.field("metadata[card_code]") == code


def test_a_card_without_a_sales_message_gets_no_code_variable(tmp_path: Path) -> None:
    """A thank-you template that asks for `card` fails with the variables it has: a code on
    a card that sells nothing would be credited with orders it never asked for."""
    folder = tmp_path / "templates" / "thank-you"
    folder.mkdir(parents=True)
    builtin = Path(__file__).resolve().parent.parent / "templates" / "thank-you"
    for name in ("card.toml", "message.j2"):
        (folder / name).write_bytes((builtin / name).read_bytes())
    (folder / "front.j2").write_text("{% block greeting %}{{ card.code }}{% endblock %}")
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert 'dir = ""' in text
    config = write_file(tmp_path, "mailer.toml", text.replace('dir = ""', 'dir = "templates"', 1))
    db = tmp_path / "m.db"
    invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--config", config, "--db", db)
    thanked = [
        s for s in plan_json(tmp_path / "x.db", "--dry-run", config=config)["steps"]
        if s["template"] == "thank-you"
    ]  # fmt: skip
    assert thanked
    assert all(s["code"] is None for s in thanked)
    result = invoke(
        "render", "--today", TODAY, "--config", config, "--db", db, "--out", tmp_path / "out"
    )
    assert "undefined variable" in result.stderr
    assert "'card' is undefined" in " ".join(result.stderr.split())


def test_a_preview_of_a_card_without_its_code_yet_says_so(tmp_path: Path) -> None:
    """A card planned before cards had codes (its step recorded without one) is previewed
    with the code it would most likely get, marked across the card."""
    db = tmp_path / "m.db"
    planned = invoke(
        "plan", EXAMPLE_CALLS, "--today", TODAY, "--config", EXAMPLE_CONFIG, "--db", db
    )
    assert planned.exit_code in (0, 3), planned.stderr
    code = ledger_codes(db)["C001"]
    with sqlite3.connect(db) as con:
        con.execute("UPDATE steps SET card_code = NULL WHERE contact_id = 'C001'")
    out = tmp_path / "mary.pdf"
    common = ("--no-open", "--config", EXAMPLE_CONFIG, "--db", db)
    shown = invoke("preview", "--contact", "C001", "--out", out, *common)
    assert shown.exit_code == 0, shown.stderr
    text = front_text(out)
    assert f"PROVISIONAL CODE {display(code)}" in text  # the first candidate: not taken
    recorded = invoke("preview", "--contact", "C002", "--out", tmp_path / "denise.pdf", *common)
    assert recorded.exit_code == 0, recorded.stderr
    assert "PROVISIONAL" not in front_text(tmp_path / "denise.pdf")


_PART = st.text(alphabet="abcxyz019-_.~%+", min_size=0, max_size=6)


@given(
    pairs=st.lists(st.tuples(st.sampled_from(["a", "code", "utm_source", "x"]), _PART)),
    fragment=_PART,
)
def test_the_code_parameter_is_added_once_and_nothing_else_moves(
    pairs: list[tuple[str, str]], fragment: str
) -> None:
    query = "&".join(f"{k}={v}" for k, v in pairs)
    url = (
        "https://example.com/o"
        + (f"?{query}" if query else "")
        + (f"#{fragment}" if fragment else "")
    )
    parts = urlsplit(code_url(url, "R2T3DEH"))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "example.com", "/o")
    assert parts.fragment == fragment
    kept = [f"{k}={v}" for k, v in pairs if k != "code"]
    assert parts.query.split("&") == [*kept, "code=R2T3DEH"]
