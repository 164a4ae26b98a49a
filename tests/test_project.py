"""Whose cards, and which ledger: the seller's own details or a refusal (never the demo
seller's), and the project found as git finds a repository (README, "Your project folder").

Every test runs the command line in a folder of its own (`chdir`), as a seller would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from mailer.config import Cadence, Config, from_mapping
from mailer.errors import ConfigError
from mailer.project import DEMO, locate, missing_details
from mailer.session import SessionRequest, run_session
from tests.builders import invoke, open_ledger, read_csv_dicts, write_file
from tests.fake_provider import LOB_KEY, FakeProvider

TODAY = "2026-11-22"
CALLS = (
    "contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome,called_at\n"
    "C001,Mary,Albright,1418 Oak Ridge Dr,Springfield,IL,62704,voicemail,2026-11-21 10:05\n"
    "C002,Denise,Okafor,77 Maple Ave,Springfield,IL,62702,no_answer,2026-11-21 10:12\n"
)
REQUIRED = (
    "sender.name",
    "sender.return_address.line1",
    "sender.return_address.city",
    "sender.return_address.state",
    "sender.return_address.postal_code",
    "offer.headline",
)
# What only the demo seller's cards say: none of it may reach a real seller's card.
DEMO_WORDS = ("Jamie", "Prairie", "555-0100", "NOTE20", "note20", "wick", "PO Box 1207")
PARTIAL = """\
[sender]
name = "Ada Quill"

[sender.return_address]
line1 = "8 Harbor Rd"
city = "Salem"
state = "MA"
postal_code = "01970"

[offer]
headline = "Fresh notebooks, 15% off"
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder to work in, with nothing above it that mailer would take for a
    project (tmp folders live under /tmp)."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    write_file(folder, "calls.csv", CALLS)
    return folder


def pdf_text(path: Path) -> str:
    """Every page's text as pypdfium2 reads it."""
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def card_text(folder: Path) -> str:
    return "\n".join(pdf_text(p) for p in sorted((folder / "cards").glob("*.pdf")))


# ---- 1. someone else's cards --------------------------------------------------------------


def test_run_without_a_config_refuses_naming_the_keys(here: Path) -> None:
    result = invoke("run", "calls.csv", "--today", TODAY, "--out", "out")
    assert result.exit_code == 2, result.stderr
    for key in REQUIRED:
        assert key in result.stderr
    assert "--demo" in result.stderr
    assert "Traceback" not in result.stderr
    # Refused before anything was recorded, drawn or printed.
    assert sorted(p.name for p in here.iterdir()) == ["calls.csv"]


def test_run_with_the_unedited_starter_config_refuses(here: Path) -> None:
    assert invoke("init", "shop").exit_code == 0
    result = invoke(
        "run", "calls.csv", "--config", "shop/mailer.toml", "--today", TODAY, "--out", "out"
    )
    assert result.exit_code == 2, result.stderr
    assert "shop/mailer.toml" in result.stderr
    for key in REQUIRED:
        assert key in result.stderr
    assert not (here / "shop" / "mailer.db").exists()
    assert not (here / "out").exists()


def test_a_key_left_out_is_not_printed_never_the_demo_value(here: Path) -> None:
    write_file(here, "mailer.toml", PARTIAL)
    result = invoke("run", "calls.csv", "--today", TODAY, "--out", "out")
    assert result.exit_code == 0, result.stderr
    text = card_text(here / "out")
    assert "Ada" in text
    assert "8 Harbor Rd" in text
    assert "Fresh notebooks" in text
    for word in DEMO_WORDS:
        assert word not in text, word
    # No phone: no "call me by" without a number, no dangling comma after the name.
    assert "call me by" not in text
    assert "Ada," not in text
    assert "A free tip" not in text
    assert "with code" not in text
    for row in read_csv_dicts(here / "out" / "followups.csv"):
        assert "Jamie" not in row["script"]
        assert "Prairie" not in row["script"]
    # The ledger sits beside the config it was found with.
    assert (here / "mailer.db").is_file()


def test_demo_signs_as_the_demo_seller_and_only_when_asked(here: Path) -> None:
    result = invoke("run", "calls.csv", "--demo", "--today", TODAY, "--out", "out")
    assert result.exit_code == 0, result.stderr
    text = card_text(here / "out")
    assert "Jamie" in text
    assert "(217) 555-0100" in text
    assert "NOTE20" in text
    assert "no sender" not in result.stderr
    assert "--demo: the cards are signed by a fictitious seller, Jamie Rivera" in result.stderr


def test_plan_and_preview_show_what_would_happen_clearly_marked(here: Path) -> None:
    plan = invoke("plan", "calls.csv", "--today", TODAY)
    assert plan.exit_code == 0, plan.stderr
    assert "no sender yet" in plan.stderr
    assert "sender.name" in plan.stderr
    assert "Mary" in plan.stdout
    preview = invoke("preview", "--no-open", "--out", "p.pdf")
    assert preview.exit_code == 0, preview.stderr
    text = pdf_text(here / "p.pdf")
    assert "NO SENDER" in text
    assert "set [sender] in mailer.toml" in text
    for word in DEMO_WORDS:
        assert word not in text, word
    demo = invoke("preview", "--demo", "--no-open", "--out", "d.pdf")
    assert demo.exit_code == 0, demo.stderr
    text = pdf_text(here / "d.pdf")
    assert "DEMO SENDER" in text
    assert "Jamie" in text


def test_a_complete_config_gets_no_banner(here: Path) -> None:
    write_file(here, "mailer.toml", PARTIAL)
    assert invoke("plan", "calls.csv", "--today", TODAY).exit_code == 0
    result = invoke("preview", "--no-open", "--out", "p.pdf")
    assert result.exit_code == 0, result.stderr
    assert "SENDER" not in pdf_text(here / "p.pdf")
    assert "no sender" not in result.stderr


def test_render_and_print_refuse_planned_cards_without_a_sender(here: Path) -> None:
    assert invoke("plan", "calls.csv", "--today", TODAY).exit_code == 0
    for command in ("render", "print"):
        result = invoke(command, "--today", TODAY, "--out", "out")
        assert result.exit_code == 2, (command, result.stderr)
        assert "sender.name" in result.stderr
    assert not (here / "out" / "cards").exists()
    assert not (here / "out" / "print.pdf").exists()


def test_send_dry_runs_marked_and_submit_refuses_without_a_sender(
    here: Path, fake_lob: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_file(here, "mailer.toml", '[mail]\nmode = "provider"\n')
    assert invoke("plan", "calls.csv", "--today", TODAY).exit_code == 0
    monkeypatch.setenv("LOB_API_KEY", LOB_KEY)
    args = ("--today", TODAY, "--base-url", fake_lob.url)
    dry = invoke("send", *args)
    # The dry run shows the cards, marked, and counts them as cards the provider would refuse.
    assert dry.exit_code == 3, dry.stderr
    assert "no sender yet" in dry.stderr
    assert "would be refused: C001: from has neither a name nor a company" in dry.stderr
    result = invoke("send", "--submit", *args)
    assert result.exit_code == 2, result.stderr
    assert "sender.return_address.line1" in result.stderr
    assert [r for r in fake_lob.requests if r.method == "POST"] == []


def test_the_library_refuses_too(tmp_path: Path) -> None:
    write_file(tmp_path, "calls.csv", CALLS)
    request = SessionRequest([tmp_path / "calls.csv"], tmp_path / "out", date(2026, 11, 22))
    with open_ledger(tmp_path / "m.db") as ledger, pytest.raises(ConfigError) as caught:
        run_session(request, Config(), ledger)
    assert "sender.name" in caught.value.message
    with open_ledger(tmp_path / "m.db") as ledger:
        assert ledger.followups(None) == []
    assert not (tmp_path / "out").exists()


def test_what_a_real_run_needs() -> None:
    assert missing_details(DEMO) == ()
    assert missing_details(Config()) == REQUIRED
    partial = from_mapping({"sender": {"name": "Ada"}})
    assert "sender.name" not in missing_details(partial)
    assert partial.sender.phone == partial.sender.company == ""
    assert partial.offer.code == partial.offer.tip == partial.offer.url == ""
    # A seller whose cadence mails no offer card needs no headline.
    no_offer = Cadence(outcomes=dict.fromkeys(Cadence().outcomes, "thank-you"))
    assert "offer.headline" not in missing_details(Config(cadence=no_offer))


# ---- 2. which ledger ----------------------------------------------------------------------


def _project(here: Path) -> Path:
    """A filled-in project in `here/shop` with a planned session in its ledger."""
    shop = here / "shop"
    shop.mkdir()
    write_file(shop, "mailer.toml", PARTIAL)
    result = invoke("plan", here / "calls.csv", "--today", TODAY, "--config", shop / "mailer.toml")
    assert result.exit_code == 0, result.stderr
    assert (shop / "mailer.db").is_file()
    return shop


def test_commands_find_the_project_from_a_subfolder(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _project(here)
    sub = shop / "exports" / "november"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = invoke("followups", "--today", "2026-11-30", "--due", "today")
    assert result.exit_code == 0, result.stderr
    assert "Mary" in result.stdout
    assert "Ada" in result.stdout
    assert not (sub / "mailer.db").exists()
    assert not (shop / "exports" / "mailer.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("followups", "--due", "today"),
        ("status",),
        ("contacts", "list"),
        ("contacts", "show", "C001"),
        ("render",),
        ("print",),
        ("preview", "--no-open"),
        ("unsuppress", "C001"),
    ],
)
def test_read_only_commands_never_start_a_ledger(here: Path, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 4, result.stderr
    assert f"no mailer.toml in {here}" in result.stderr.replace("\n", " ")
    assert "mailer.db" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in here.iterdir()) == ["calls.csv"]


def test_a_dry_run_plan_starts_no_ledger(here: Path) -> None:
    result = invoke("plan", "calls.csv", "--dry-run", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "Mary" in result.stdout
    assert sorted(p.name for p in here.iterdir()) == ["calls.csv"]


def test_db_and_mailer_db_win_over_the_project(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = _project(here)
    monkeypatch.chdir(shop)
    other = here / "other.db"
    result = invoke("followups", "--db", other)
    assert result.exit_code == 4
    assert f"no ledger at {other} (from --db)" in result.stderr.replace("\n", " ")
    monkeypatch.setenv("MAILER_DB", str(other))
    result = invoke("followups")
    assert result.exit_code == 4
    assert "(from MAILER_DB)" in result.stderr
    assert not other.exists()
    # A command that records starts the named ledger, not the project's.
    assert invoke("plan", here / "calls.csv", "--today", TODAY).exit_code == 0
    assert other.is_file()
    with open_ledger(other) as ledger:
        assert len(ledger.followups(None)) == 2
    monkeypatch.delenv("MAILER_DB")
    listed = invoke("followups", "--today", "2026-11-30")
    assert listed.exit_code == 0
    assert "Mary" in listed.stdout


def test_a_named_config_keeps_its_ledger_beside_it(here: Path) -> None:
    shop = _project(here)
    result = invoke("followups", "--config", shop / "mailer.toml", "--today", "2026-11-30")
    assert result.exit_code == 0, result.stderr
    assert "Mary" in result.stdout
    assert not (here / "mailer.db").exists()


def test_a_project_without_a_ledger_yet_says_so(here: Path) -> None:
    write_file(here, "mailer.toml", PARTIAL)
    result = invoke("followups")
    assert result.exit_code == 4
    assert "no ledger at mailer.db (beside mailer.toml)" in result.stderr
    assert "mailer plan" in result.stderr
    assert not (here / "mailer.db").exists()


def test_locate_stops_at_the_nearest_config(tmp_path: Path) -> None:
    outer = write_file(tmp_path, "mailer.toml", "")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    write_file(tmp_path / "a", "mailer.toml", "")
    found = locate(inner)
    assert found.config == tmp_path / "a" / "mailer.toml"
    assert found.ledger == tmp_path / "a" / "mailer.db"
    assert found.searched == (inner.absolute(), (tmp_path / "a").absolute())
    assert locate(tmp_path).config == tmp_path / "mailer.toml" == outer
    assert locate(inner, db=Path("x.db")).ledger == Path("x.db")
