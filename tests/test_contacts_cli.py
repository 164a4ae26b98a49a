"""`mailer contacts` on real files, and the contact book inside a real `mailer plan`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import Result

from mailer.domain.models import Action
from tests.builders import EXAMPLE_CONFIG, REPO, invoke, open_ledger, write_file

DATA = REPO / "tests" / "data" / "contacts"
TODAY = "2026-11-23"
# A dialer's export: who was called and how it went, no name and no address.
DIALER = (
    "phone,outcome,called_at\n"
    "(217) 555-0101,voicemail,2026-11-21 10:05\n"
    "217-555-0177,voicemail,2026-11-21 10:09\n"
)


def said(result: Result) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def contacts(db: Path, *args: str | Path) -> Result:
    return invoke("contacts", *args, "--db", db)


def plan(db: Path, calls: Path) -> tuple[Result, dict[str, Any]]:
    result = invoke(
        "plan", calls, "-f", "json", "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG
    )
    return result, json.loads(result.stdout) if result.stdout else {}


def test_import_says_what_it_added_and_which_lines_it_rejected(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    first = contacts(db, "import", *sorted(DATA.glob("*.*")))
    assert first.exit_code == 3, first.stderr
    text = said(first)
    assert "10 added, 0 updated, 1 unchanged, 2 skipped, 2 rejected" in text
    assert "android_v4.vcf:19, google_contacts.csv:4" in text
    assert "read as Google Contacts CSV" in text
    assert "read as Outlook CSV" in text
    again = contacts(db, "import", DATA / "iphone_contacts.vcf")
    assert again.exit_code == 0, again.stderr
    assert "0 added, 0 updated, 4 unchanged" in said(again)


def test_list_fits_80_columns(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    contacts(db, "import", DATA / "outlook_contacts.csv", DATA / "iphone_contacts.vcf")
    result = contacts(db, "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Kowalczyk" in result.stdout
    assert "7 contacts" in result.stderr


def test_an_empty_book_lists_nothing_and_an_unknown_id_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with open_ledger(db):
        pass  # a ledger with no contacts yet (without one, `list` names where it looked)
    assert "the contact book is empty" in contacts(db, "list").stderr
    shown = contacts(db, "show", "C999")
    assert shown.exit_code == 1
    assert "no contact 'C999' in the contact book" in said(shown)
    edited = contacts(db, "edit", "C999", "--city", "Peoria")
    assert edited.exit_code == 1


def test_plan_fills_name_and_address_from_the_book(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    contacts(db, "import", DATA / "google_contacts.csv")
    result, document = plan(db, write_file(tmp_path, "dialer.csv", DIALER))
    assert result.exit_code == 0, result.stderr
    steps = {s["contact_id"]: s for s in document["steps"]}
    mary = steps["p-2175550101"]
    assert mary["action"] == "mail"
    assert mary["name"] == "Mary Albright"
    with open_ledger(db) as ledger:
        (stored,) = ledger.steps(Action.MAIL)
    assert stored.record.mail_lines[0] == "12 ELM ST APT 4"
    # The stranger is not in the book: still no address, so no card, but the second call
    # by phone (a phone-only cycle).
    stranger = steps["p-2175550177"]
    assert (stranger["action"], stranger["purpose"]) == ("call", "follow-up")
    assert "no card could be mailed" in stranger["reason"]
    assert "name and address and birthday from the contact book (p-2175550101)" in said(result)
    shown = contacts(db, "show", "p-2175550101")
    assert "2026-11-21 10:05  voicemail  (dialer.csv:2)" in shown.stdout
    assert "offer" in shown.stdout


def test_a_newer_address_in_the_call_log_updates_the_book(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    contacts(db, "import", "--today", "2026-11-01", DATA / "google_contacts.csv")
    calls = write_file(
        tmp_path,
        "calls.csv",
        "phone,first_name,last_name,address_line1,city,state,zip,outcome,called_at\n"
        "217-555-0107,Gus,Whitfield,9 Linden Ave,Springfield,IL,62703,voicemail,2026-11-21\n",
    )
    result, _ = plan(db, calls)
    assert result.exit_code == 0, result.stderr
    assert "contact book updated: Gus Whitfield moved from '3 Cedar Ln" in said(result)
    shown = contacts(db, "show", "p-2175550107")
    assert "9 Linden Ave, Springfield, IL 62703" in shown.stdout


def test_edit_after_a_refused_long_name_lets_the_card_be_drawn(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    book = write_file(
        tmp_path,
        "book.csv",
        "contact_id,first_name,last_name,address_line1,city,state,postal_code\n"
        # Too long for the delivery block even on two lines at 8 pt.
        "C001,Maximiliana,"
        + "-".join(["Evangelina Bartholomew-Fitzgerald Worthington"] * 3)
        + ",12 Elm St,Springfield,IL,62704\n",
    )
    assert contacts(db, "import", book).exit_code == 0
    calls = write_file(
        tmp_path, "calls.csv", "contact_id,outcome,called_at\nC001,voicemail,2026-11-21 10:05\n"
    )
    planned, _ = plan(db, calls)
    assert planned.exit_code == 0, planned.stderr
    render = ("render", "--today", TODAY, "--db", db, "--config", EXAMPLE_CONFIG)
    refused = invoke(*render, "--out", tmp_path / "out")
    assert refused.exit_code != 0
    assert "does not fit" in said(refused)
    edited = contacts(db, "edit", "c001", "--first-name", "Max", "--last-name", "Worthington")
    assert edited.exit_code == 0, edited.stderr
    assert "1 unsent card will be drawn with it" in said(edited)
    drawn = invoke(*render, "--out", tmp_path / "out")
    assert drawn.exit_code == 0, drawn.stderr
    assert (tmp_path / "out" / "cards").is_dir()
    assert any((tmp_path / "out" / "cards").glob("C001-*.pdf"))
    shown = contacts(db, "show", "C001")
    assert "Max Worthington" in shown.stdout
    assert "rendered" in shown.stdout


def test_an_opt_out_comes_back_by_name_and_address_only_and_stays_suppressed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.db"
    first = write_file(
        tmp_path,
        "crm.csv",
        "contact_id,first_name,last_name,phone,address_line1,city,state,zip,outcome,called_at\n"
        "C004,Dana,Kowalczyk,217-555-0108,88 Willow Way,Champaign,IL,61820,"
        "do not call,2026-11-02 09:00\n",
    )
    result, _ = plan(db, first)
    assert result.exit_code == 0, result.stderr
    later = write_file(
        tmp_path,
        "party.csv",
        "name,street address,city,state,zip,outcome,called_at\n"
        "DANA KOWALCZYK,88 Willow Way,Champaign,IL,61820-4401,voicemail,2026-11-21 10:00\n",
    )
    result, document = plan(db, later)
    assert result.exit_code == 0, result.stderr
    (step,) = document["steps"]
    assert step["action"] == "skip"
    assert "suppression list" in step["reason"]


def test_a_pipe_given_as_a_vcard_is_refused_at_once(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    fifo = tmp_path / "contacts.vcf"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "mailer", "contacts", "import", str(fifo), "--db", "m.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,  # a reader waiting on the pipe would hang here and fail the test
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 1, done.stderr
    assert "it is a pipe (FIFO), not a regular file" in done.stderr
