"""Long names through the command line, as a seller meets them: a home-print card gives the
name two lines above the delivery line (the PDF opened with pypdfium2 and measured), Lob
gets the name shortened by the documented rule while the plan says so and the ledger keeps
it whole (a real HTTP server on 127.0.0.1 that refuses names over 40 characters), and a
card that still can't be drawn is a rejects.csv row whose fix, run as written, works."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from typer.testing import Result

from mailer.domain.models import Action
from mailer.drawing.geometry import Rect, card_geometry
from mailer.ledger import Ledger
from tests import fake_provider as fp
from tests.builders import EXAMPLE_CONFIG, invoke, provider_config, read_csv_dicts, write_file
from tests.fake_provider import LOB_KEY, FakeProvider, RecordedRequest

TODAY = "2026-11-22"
HEADER = (
    "contact_id,first_name,last_name,phone,email,address_line1,address_line2,city,state,"
    "postal_code,country,birthday,outcome,called_at,notes\n"
)
# 62 characters, hyphens and all: before, it got no card at all.
LONG_FIRST, LONG_LAST = "Maria-Guadalupe", "Fernandez-Castellanos de la Santisima-Trinidad"
LONG_NAME = f"{LONG_FIRST} {LONG_LAST}"
# 68 characters, one given name and a four-part surname: Lob needs the cut.
LOB_FIRST, LOB_LAST = "Anna-Katharina", "Papadopoulou-Wittelsbach-Featherstonehaugh-Montgomery"
# Too long for two lines of the delivery block even at 8 pt.
HUGE_LAST = "-".join(["Bartholomew-Fitzgerald-Worthington"] * 3)


def calls_file(folder: Path, *people: tuple[str, str, str]) -> Path:
    """A call log of voicemails: one row a (contact id, first name, last name)."""
    rows = [
        f"{cid},{first},{last},(217) 555-01{i:02d},,14{i:02d} Oak Ridge Dr,,Springfield,IL,"
        f"62704,US,,voicemail,2026-11-21 10:{i:02d},\n"
        for i, (cid, first, last) in enumerate(people, start=1)
    ]
    return write_file(folder, "calls.csv", HEADER + "".join(rows))


def run(folder: Path, calls: Path, *args: str | Path, config: Path = EXAMPLE_CONFIG) -> Result:
    return invoke(
        "run", calls, "--today", TODAY, "--db", folder / "m.db", "--config", config,
        "--out", folder / "out", *args,
    )  # fmt: skip


def said(result: Result) -> str:
    return " ".join(result.stderr.split())


def block_lines(pdf: Path) -> list[tuple[str, Rect]]:
    """The delivery block of a card's back, read by PDFium: the lines drawn after the return
    address (which ends with the example sender's ZIP) and before the stamp box's words,
    top to bottom, each with the box of its glyphs (spaces aside)."""
    page = pdfium.PdfDocument(pdf)[1]
    text = page.get_textpage()
    count = text.count_chars()
    full = text.get_text_range(0, count)
    assert len(full) == count  # one character an index: plain ASCII
    start, end = full.index("62705") + len("62705"), full.index("PLACE")
    lines: list[tuple[str, list[tuple[float, float, float, float]]]] = []
    baseline: float | None = None
    for i in range(start, end):
        char = full[i]
        if char == "\ufffe" and lines:
            # PDFium's mark for a hyphen ending a line (a word broken there, it supposes).
            lines[-1] = (lines[-1][0] + "-", lines[-1][1])
            continue
        if not char.isprintable() or char.isspace():
            continue
        # The loose box spans the font's whole height: the same for every glyph of a line.
        bottom = text.get_charbox(i, loose=True)[1]
        if baseline is None or abs(bottom - baseline) > 1:
            lines.append(("", []))
        chars, boxes = lines[-1]
        lines[-1] = (chars + char, [*boxes, text.get_charbox(i)])
        baseline = bottom
    return [
        (
            chars,
            Rect.from_edges(
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            ),
        )
        for chars, boxes in lines
    ]


def test_a_62_character_hyphenated_name_gets_a_home_print_card_on_two_lines(
    tmp_path: Path,
) -> None:
    assert len(LONG_NAME) == 62
    result = run(tmp_path, calls_file(tmp_path, ("C001", LONG_FIRST, LONG_LAST)))
    assert result.exit_code == 0, result.stderr
    assert "1 card on 1 sheet" in said(result)
    assert (tmp_path / "out" / "print.pdf").is_file()
    rejects = read_csv_dicts(tmp_path / "out" / "rejects.csv")
    assert rejects == []

    geometry = card_geometry("4x6", "self")
    assert geometry.ocr_read_area is not None
    lines = block_lines(tmp_path / "out" / "cards" / "C001-offer.pdf")
    texts = [t for t, _ in lines]
    assert len(texts) == 4, texts
    # The name, broken at a space or a hyphen, on the two lines above the delivery line;
    # the city, state and ZIP last (the post office reads from the bottom up).
    assert "".join(texts[:2]) == LONG_NAME.upper().replace(" ", "")
    assert texts[2:] == ["1401OAKRIDGEDR", "SPRINGFIELDIL62704"]
    tops = [box.top for _, box in lines]
    assert tops == sorted(tops, reverse=True)
    for _, box in lines:
        assert geometry.ocr_read_area.contains(box, tolerance=0.5), box
        assert not box.intersects(geometry.barcode_clear_zone or box)
        assert box.h >= 5.5  # capitals of at least 8 pt (0.08 in): Helvetica's are 5.7 pt


def test_a_name_that_cant_fit_goes_to_rejects_with_a_fix_that_works(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, ("C001", "Maximiliana", HUGE_LAST), ("C002", "Denise", "Okafor"))
    result = run(tmp_path, calls)
    assert result.exit_code == 3, result.stderr  # done, with a card refused
    assert "the cards not drawn are in" in said(result)
    out = tmp_path / "out"
    assert {p.name for p in (out / "cards").iterdir()} == {"C002-offer.pdf"}
    [row] = read_csv_dicts(out / "rejects.csv")
    assert (row["contact_id"], row["last_name"], row["row"]) == ("C001", HUGE_LAST, "2")
    assert row["outcome"] == "voicemail"
    error = row["error"]
    assert error.startswith("card not drawn: card for contact C001")
    assert "the name and address does not fit" in error
    # No "did my note arrive?" about a card that was never drawn: only Denise is called.
    assert [c["contact_id"] for c in read_csv_dicts(out / "followups.csv")] == ["C002"]
    listed = invoke("followups", "--db", tmp_path / "m.db", "--today", TODAY)
    assert "Denise" in listed.stdout
    assert "Maximiliana" not in listed.stdout
    assert "1 call" in listed.stderr
    # The fix is a command, given in backquotes: run it exactly as written.
    command = error.split("`")[1]
    assert command.startswith("mailer contacts edit C001 --first-name M. --last-name ")
    edited = invoke(*shlex.split(command)[1:], "--db", tmp_path / "m.db", "--today", TODAY)
    assert edited.exit_code == 0, edited.stderr
    assert "1 unsent card will be drawn with it" in said(edited)
    drawn = invoke(
        "render", "--today", TODAY, "--db", tmp_path / "m.db", "--config", EXAMPLE_CONFIG,
        "--out", out,
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.stderr
    assert (out / "cards" / "C001-offer.pdf").is_file()
    lines = block_lines(out / "cards" / "C001-offer.pdf")
    suggested = shlex.split(command)[-1]
    assert "".join(t for t, _ in lines[:2]) == f"M{suggested.upper()}"
    # Drawn after all: its follow-up call is back on the list.
    listed = invoke("followups", "--db", tmp_path / "m.db", "--today", TODAY, "--all")
    assert "2 calls" in listed.stderr, listed.stderr


def test_a_street_line_too_long_is_refused_naming_the_address(tmp_path: Path) -> None:
    street = "12345 North Bartholomew Fitzgerald Worthington Boulevard Extension West"
    text = HEADER + (
        f"C001,Mary,Albright,,,{street},Apartment 1234,Springfield,IL,62704,US,,voicemail,"
        "2026-11-21 10:05,\n"
    )
    result = run(tmp_path, write_file(tmp_path, "calls.csv", text))
    assert result.exit_code == 3, result.stderr
    [row] = read_csv_dicts(tmp_path / "out" / "rejects.csv")
    assert "the delivery address does not fit" in row["error"]
    assert "`mailer contacts edit C001 --address-line1 '...'`" in row["error"]


# -- providers -------------------------------------------------------------------------------


@pytest.fixture
def lob(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    with FakeProvider(keys=(LOB_KEY,)) as fake:
        monkeypatch.setenv("LOB_BASE_URL", fake.url)
        monkeypatch.setenv("LOB_API_KEY", LOB_KEY)
        yield fake
        assert fake.errors == []


def test_lob_gets_the_name_shortened_the_plan_says_so_the_ledger_keeps_it(
    tmp_path: Path, lob: FakeProvider
) -> None:
    full = f"{LOB_FIRST} {LOB_LAST}"
    calls = calls_file(tmp_path, ("C001", LOB_FIRST, LOB_LAST), ("C002", "Denise", "Okafor"))
    result = run(tmp_path, calls, "--send", config=provider_config(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert f"name shortened for lob: '{full}' → 'A. Papadopoulou-Wittelsbach'" in said(result)
    assert "Okafor'" not in said(result)  # a name that fits is not mentioned
    names = {
        r.field("metadata[contact_id]"): r.field("to[name]")
        for r in lob.requests
        if r.method == "POST" and r.path == "/v1/postcards"
    }
    assert names == {"C001": "A. Papadopoulou-Wittelsbach", "C002": "Denise Okafor"}
    assert lob.created == 2
    with Ledger.open(tmp_path / "m.db") as ledger:
        assert {s.contact_id: s.record.name for s in ledger.steps(Action.MAIL)} == {
            "C001": full,
            "C002": "Denise Okafor",
        }


def test_the_plan_and_the_dry_run_show_the_short_name_before_anything_is_sent(
    tmp_path: Path, lob: FakeProvider
) -> None:
    config = provider_config(tmp_path)
    calls = calls_file(tmp_path, ("C001", LONG_FIRST, LONG_LAST))
    db = tmp_path / "m.db"
    planned = invoke("plan", calls, "--today", TODAY, "--db", db, "--config", config)
    assert planned.exit_code == 0, planned.stderr
    short = "Maria-Guadalupe de la Santisima-Trinidad"  # the middle name dropped: 40
    assert f"calls.csv:2: name shortened for lob: '{LONG_NAME}' → '{short}'" in said(planned)
    dry = invoke("send", "--today", TODAY, "--db", db, "--config", config)
    assert dry.exit_code == 0, dry.stderr
    assert f"to[name]={short}\n" in dry.stdout
    assert lob.requests == []


def test_postgrid_gets_the_short_name_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = provider_config(tmp_path, "postgrid")
    calls = calls_file(tmp_path, ("C001", LOB_FIRST, LOB_LAST))
    db = tmp_path / "m.db"
    planned = invoke("plan", calls, "--today", TODAY, "--db", db, "--config", config)
    assert planned.exit_code == 0, planned.stderr
    assert "name shortened for postgrid:" in said(planned)
    monkeypatch.delenv("POSTGRID_API_KEY", raising=False)
    dry = invoke("send", "--today", TODAY, "--db", db, "--config", config)
    assert dry.exit_code == 0, dry.stderr
    assert "to[firstName]=A.\n" in dry.stdout
    assert "to[lastName]=Papadopoulou-Wittelsbach\n" in dry.stdout


@pytest.fixture
def lob_refuses_c002(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake refuses C002's card as Lob refuses an address line it can't print."""
    real_create = fp._lob_postcard

    def create(fake: FakeProvider, record: RecordedRequest, files: Any) -> dict[str, Any]:
        if record.field("metadata[contact_id]") == "C002":
            raise fp._error(False, 422, "invalid", "to.address_line1 must be at most 64 characters")
        return real_create(fake, record, files)

    monkeypatch.setattr(fp, "_lob_postcard", create)


def test_a_card_the_provider_refuses_goes_to_rejects_with_the_fix(
    tmp_path: Path, lob: FakeProvider, lob_refuses_c002: None
) -> None:
    calls = calls_file(tmp_path, ("C001", LOB_FIRST, LOB_LAST), ("C002", "Denise", "Okafor"))
    result = run(tmp_path, calls, "--send", config=provider_config(tmp_path))
    assert result.exit_code == 3, result.stderr
    assert "the cards not sent are in" in said(result)
    assert lob.created == 1
    [row] = read_csv_dicts(tmp_path / "out" / "rejects.csv")
    assert (row["contact_id"], row["last_name"], row["row"]) == ("C002", "Okafor", "3")
    assert row["error"].startswith("not sent: ")
    assert "address_line1 must be at most 64 characters" in row["error"]
    assert "`mailer contacts edit C002 ...`" in row["error"]
    assert "`mailer send --submit --retry-failed`" in row["error"]


def test_render_on_its_own_writes_its_refused_cards_to_rejects(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, ("C001", "Maximiliana", HUGE_LAST), ("C002", "Denise", "Okafor"))
    db, out = tmp_path / "m.db", tmp_path / "drawn"
    planned = invoke("plan", calls, "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert planned.exit_code == 0, planned.stderr
    args = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG, "--out", out)
    drawn = invoke("render", *args)
    assert drawn.exit_code == 3, drawn.stderr
    assert f"the cards not drawn are in {out / 'rejects.csv'}" in said(drawn)
    [row] = read_csv_dicts(out / "rejects.csv")
    assert (row["contact_id"], row["last_name"], row["file"], row["row"]) == (
        "C001", HUGE_LAST, str(calls), "2",
    )  # fmt: skip
    assert row["error"].startswith("card not drawn: card for contact C001")
    assert "`mailer contacts edit C001 --first-name M. --last-name " in row["error"]
    # Run again: the same card is refused again, and listed once.
    assert invoke("render", *args).exit_code == 3
    assert len(read_csv_dicts(out / "rejects.csv")) == 1


def test_render_adds_to_the_rejects_mailer_run_wrote_in_its_columns(tmp_path: Path) -> None:
    # The call log holds a row mailer run rejects (no outcome): render's card joins it.
    calls = calls_file(tmp_path, ("C001", "Denise", "Okafor"))
    calls.write_text(
        calls.read_text(encoding="utf-8") + "C009,Ann,Lee,,,,,,,,,,,,\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert run(tmp_path, calls).exit_code == 3
    header = (out / "rejects.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    later = calls_file(tmp_path, ("C002", "Maximiliana", HUGE_LAST))
    planned = invoke(
        "plan", later, "--today", TODAY, "--db", tmp_path / "m.db", "--config", EXAMPLE_CONFIG
    )
    assert planned.exit_code == 0, planned.stderr
    drawn = invoke(
        "render", "--today", TODAY, "--db", tmp_path / "m.db", "--config", EXAMPLE_CONFIG,
        "--out", out,
    )  # fmt: skip
    assert drawn.exit_code == 3, drawn.stderr
    assert (out / "rejects.csv").read_text(encoding="utf-8-sig").splitlines()[0] == header
    rows = read_csv_dicts(out / "rejects.csv")
    assert [r["contact_id"] for r in rows] == ["C009", "C002"]
    assert rows[1]["last_name"] == HUGE_LAST
    assert rows[1]["error"].startswith("card not drawn:")


def test_the_run_summary_counts_refused_cards(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, ("C001", "Maximiliana", HUGE_LAST), ("C002", "Denise", "Okafor"))
    result = run(tmp_path, calls)
    assert result.exit_code == 3, result.stderr
    assert "0 suppress, 0 rejected, 1 card refused" in said(result)


def test_send_on_its_own_writes_the_cards_the_provider_refused_to_rejects(
    tmp_path: Path, lob: FakeProvider, lob_refuses_c002: None
) -> None:
    config = provider_config(tmp_path)
    calls = calls_file(tmp_path, ("C001", "Mary", "Albright"), ("C002", "Denise", "Okafor"))
    db, out = tmp_path / "m.db", tmp_path / "sent"
    assert invoke("plan", calls, "--today", TODAY, "--db", db, "--config", config).exit_code == 0
    sent = invoke(
        "send", "--submit", "--today", TODAY, "--db", db, "--config", config, "--out", out
    )
    assert sent.exit_code == 3, sent.stderr
    assert f"the cards not sent are in {out / 'rejects.csv'}" in said(sent)
    [row] = read_csv_dicts(out / "rejects.csv")
    assert (row["contact_id"], row["last_name"], row["row"]) == ("C002", "Okafor", "3")
    assert "address_line1 must be at most 64 characters" in row["error"]
    assert "`mailer send --submit --retry-failed`" in row["error"]


def test_the_dry_run_table_shows_the_name_the_provider_gets_marked(
    tmp_path: Path, lob: FakeProvider
) -> None:
    config = provider_config(tmp_path)
    calls = calls_file(tmp_path, ("C001", LOB_FIRST, LOB_LAST), ("C002", "Denise", "Okafor"))
    db = tmp_path / "m.db"
    assert invoke("plan", calls, "--today", TODAY, "--db", db, "--config", config).exit_code == 0
    dry = invoke("send", "--today", TODAY, "--db", db, "--config", config)
    assert dry.exit_code == 0, dry.stderr
    rows = {
        line.split()[0]: line for line in dry.stdout.splitlines() if line[:4] in ("C001", "C002")
    }
    assert "A. Papadopoulou-Wittelsbach *" in rows["C001"]
    assert LOB_LAST not in dry.stdout.split("(key redacted)")[0]
    assert "Denise Okafor" in rows["C002"]
    assert "*" not in rows["C002"]
    assert "* 1 name shortened to lob's limit" in said(dry)
    assert lob.requests == []


def test_run_send_again_says_the_cards_were_sent_before(tmp_path: Path, lob: FakeProvider) -> None:
    config = provider_config(tmp_path)
    calls = calls_file(tmp_path, ("C001", "Mary", "Albright"), ("C002", "Denise", "Okafor"))
    assert run(tmp_path, calls, "--send", config=config).exit_code == 0
    again = run(tmp_path, calls, "--send", config=config)
    assert again.exit_code == 0, again.stderr
    assert "2 cards of this plan sent before (by an earlier or another run): not sent again" in (
        said(again)
    )
    assert lob.created == 2


def test_print_on_its_own_lists_the_cards_it_left_off_in_rejects(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, ("C001", "Maximiliana", HUGE_LAST), ("C002", "Denise", "Okafor"))
    db, out = tmp_path / "m.db", tmp_path / "printed"
    planned = invoke("plan", calls, "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    assert planned.exit_code == 0, planned.stderr
    args = ("--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG, "--out", out)
    printed = invoke("print", *args)
    assert printed.exit_code == 3, printed.stderr
    assert f"the cards left off are in {out / 'rejects.csv'}" in said(printed)
    [row] = read_csv_dicts(out / "rejects.csv")
    assert (row["contact_id"], row["row"]) == ("C001", "2")
    assert row["error"].startswith("card not drawn: card for contact C001")
    # render into the same folder meets the same card: it is listed once.
    assert invoke("render", *args).exit_code == 3
    assert len(read_csv_dicts(out / "rejects.csv")) == 1
