"""The command line end to end: real files, a real ledger file, exact exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mailer.domain.card_codes import is_valid
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke, read_csv_dicts

TODAY = "2026-11-22"


def plan_json(tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    result = invoke(
        "plan", *files, "--format", "json", "--today", TODAY, "--db", tmp_path / "m.db", *extra
    )
    assert result.exit_code in (0, 3), result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_plan_json_is_exactly_the_document(tmp_path: Path) -> None:
    doc = plan_json(tmp_path, EXAMPLE_CALLS)
    assert set(doc) == {"today", "steps", "rejected", "summary"}
    assert doc["today"] == TODAY
    assert doc["summary"] == {
        "rows": 17,
        "contacts": 16,
        "mail": 10,
        "call": 2,
        "skip": 3,
        "suppress": 1,
        "rejected": 0,
    }
    mary = next(s for s in doc["steps"] if s["contact_id"] == "C001")
    assert mary == {
        "contact_id": "C001",
        "name": "Mary Albright",
        "row": 2,
        "outcome": "voicemail",
        "action": "mail",
        "template": "offer",
        "reason": mary["reason"],
        "send_date": "2026-11-23",
        "expected_delivery": "2026-11-27",
        "offer_expires": "2026-12-07",
        "follow_up_call": "2026-11-30",
        "attempt": 1,
        "purpose": "follow-up",
        "code": mary["code"],  # the card's own code, as the ledger gave it
        "code_provisional": False,
        "variant": None,
    }
    assert is_valid(mary["code"])
    # Denise called twice: the later voicemail (line 18) decides.
    denise = next(s for s in doc["steps"] if s["contact_id"] == "C002")
    assert (denise["row"], denise["outcome"], denise["action"]) == (18, "voicemail", "mail")
    assert {s["action"] for s in doc["steps"] if s["contact_id"] == "C006"} == {"suppress"}


def test_plan_twice_gives_the_same_plan_and_records_nothing_new(tmp_path: Path) -> None:
    first = plan_json(tmp_path, EXAMPLE_CALLS)
    result = invoke(
        "plan", EXAMPLE_CALLS, "--format", "json", "--today", TODAY, "--db", tmp_path / "m.db"
    )
    assert json.loads(result.stdout) == first
    assert "nothing new" in result.stderr


def test_dry_run_records_nothing(tmp_path: Path) -> None:
    from mailer.ledger import Ledger

    plan_json(tmp_path, EXAMPLE_CALLS, extra=("--dry-run",))
    with Ledger.open(tmp_path / "m.db") as ledger:
        assert ledger.steps() == []
        assert not ledger.is_suppressed("C006")


def test_table_output_and_summary(tmp_path: Path) -> None:
    result = invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--db", tmp_path / "m.db")
    assert result.exit_code == 0, result.stderr
    assert "Mary Albright" in result.stdout
    assert "17 rows, 16 contacts: 10 mail, 2 call, 3 skip, 1 suppress, 0 rejected" in (
        result.stderr
    )
    assert "next:" in result.stderr


MESSY = (
    "Customer ID;First Name;Surname;Phone Number;Street;Town;ST;Zip;Call Result;Call Date;Notes\r\n"
    "X1;Zoë;Łukasiewicz;217-555-0101;12 Pine St;Springfield;IL;62704;Left VM;11/21/2026;"
    '=HYPERLINK("x")\r\n'
    "X2;Ann;Bee;217-555-0102;13 Pine St;Springfield;IL;62704;left a smoke signal;11/21/2026;"
    "@boss\r\n"
    "X3;Cy;Dee;217-555-0103;14 Pine St;Springfield;IL;62704;voicemail;2026-02-30;\r\n"
)


def write_messy(tmp_path: Path) -> Path:
    path = tmp_path / "messy.csv"
    path.write_bytes(b"\xef\xbb\xbf" + MESSY.encode("utf-8"))
    return path


def test_rejected_rows_exit_3_and_rejects_csv_keeps_original_columns(tmp_path: Path) -> None:
    calls = write_messy(tmp_path)
    out = tmp_path / "out"
    result = invoke(
        "run",
        calls,
        "--today",
        TODAY,
        "--db",
        tmp_path / "m.db",
        "--out",
        out,
        "--config",
        EXAMPLE_CONFIG,
    )
    assert result.exit_code == 3, result.stderr
    rows = read_csv_dicts(out / "rejects.csv")
    assert [r["row"] for r in rows] == ["3", "4"]
    assert rows[0]["Customer ID"] == "X2"
    assert rows[0]["Notes"] == "'@boss"  # neutralized: no formula runs in a spreadsheet
    assert "unknown outcome 'left a smoke signal'" in rows[0]["error"]
    assert "voicemail" in rows[0]["error"]  # the accepted outcomes are listed
    assert "Call Date" in rows[1]["error"] or "date" in rows[1]["error"]
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["rows"] == 3
    assert [r["row"] for r in doc["rejected"]] == [3, 4]
    assert [s["contact_id"] for s in doc["steps"]] == ["X1"]


def test_run_writes_the_whole_job(tmp_path: Path) -> None:
    from icalendar import Calendar

    out = tmp_path / "out"
    result = invoke(
        "run",
        EXAMPLE_CALLS,
        "--today",
        TODAY,
        "--db",
        tmp_path / "m.db",
        "--out",
        out,
        "--config",
        EXAMPLE_CONFIG,
    )
    assert result.exit_code == 0, result.stderr
    for name in ("plan.json", "rejects.csv", "followups.csv", "followups.ics"):
        assert (out / name).is_file(), name
    calls = read_csv_dicts(out / "followups.csv")
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    with_call = [s for s in doc["steps"] if s["follow_up_call"]]
    assert len(calls) == len(with_call) > 0
    mary = next(c for c in calls if c["contact_id"] == "C001")
    assert mary["date"] == "2026-11-30"
    assert mary["offer_deadline"] == "2026-12-07"
    assert "Monday, December 7" in mary["script"]
    cal = Calendar.from_ical((out / "followups.ics").read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == len(calls)
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_followups_command_filters_by_due_date(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    assert invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--db", db).exit_code == 0
    result = invoke(
        "followups",
        "--today",
        TODAY,
        "--db",
        db,
        "--due",
        "2026-11-27",
        "--csv",
        tmp_path / "f.csv",
        "--ics",
        tmp_path / "f.ics",
    )
    assert result.exit_code == 0, result.stderr
    due = read_csv_dicts(tmp_path / "f.csv")
    # Only Nancy's callback (after Thanksgiving: Friday the 27th) is due by then.
    assert [c["contact_id"] for c in due] == ["C008"]
    everything = invoke("followups", "--today", TODAY, "--db", db)
    assert "Mary Albright" in everything.stdout


def test_suppression_survives_later_logs_until_unsuppress(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    assert invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--db", db).exit_code == 0
    later = tmp_path / "later.csv"
    later.write_text(
        "contact_id,first_name,last_name,address,city,state,zip,outcome,called_at\n"
        "C006,Susan,Ferreira,45 Lakeshore Dr,Chatham,IL,62629,voicemail,2026-12-28 10:00\n",
        encoding="utf-8",
    )
    doc = plan_json(tmp_path, later, extra=("--today", "2026-12-28"))
    assert doc["steps"][0]["action"] == "skip"
    assert "suppression" in doc["steps"][0]["reason"]
    result = invoke("unsuppress", "C006", "--db", db)
    assert result.exit_code == 0, result.stderr
    doc = plan_json(tmp_path, later, extra=("--today", "2026-12-28"))
    assert doc["steps"][0]["action"] == "mail"
    assert invoke("unsuppress", "C006", "--db", db).exit_code == 1


def test_init_writes_starter_files_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    result = invoke("init", target)
    assert result.exit_code == 0, result.stderr
    assert (target / "mailer.toml").is_file()
    assert (target / "calls_sample.csv").is_file()
    assert (target / "templates" / "offer").is_dir()
    (target / "mailer.toml").write_text("# mine\n", encoding="utf-8")
    again = invoke("init", target)
    assert again.exit_code == 0
    assert (target / "mailer.toml").read_text(encoding="utf-8") == "# mine\n"
    assert "kept" in again.stderr


def test_starter_config_plans_the_sample(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    invoke("init", target)
    doc = plan_json(
        tmp_path, target / "calls_sample.csv", extra=("--config", str(target / "mailer.toml"))
    )
    assert doc["summary"]["contacts"] == 16


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("plan", "missing.csv"), 1, "missing.csv"),
        (("plan", "{calls}", "--today", "22/11/2026"), 2, "--today"),
        (("plan", "{calls}", "--format", "xml"), 2, "--format"),
        (("plan", "{calls}", "--delimiter", "||"), 2, "delimiter"),
        (("plan", "{calls}", "--config", "{bad_config}"), 2, "offer.offer_days"),
        (("plan", "{calls}", "--config", "nope.toml"), 2, "nope.toml"),
    ],
)
def test_usage_and_input_errors_are_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[offer]\noffer_days = 30\n", encoding="utf-8")
    filled = [a.format(calls=EXAMPLE_CALLS, bad_config=bad_config) for a in args]
    result = invoke(*filled, "--db", tmp_path / "m.db", catch_exceptions=True)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_version() -> None:
    from mailer import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mailer {__version__}"


def test_module_entry_point_and_light_startup() -> None:
    help_run = subprocess.run(
        [sys.executable, "-m", "mailer", "--help"], capture_output=True, text=True, check=False
    )
    assert help_run.returncode == 0
    assert "plan" in help_run.stdout
    assert "run" in help_run.stdout
    probe = (
        "import sys, mailer.cli; "
        "print(sorted(m for m in ('reportlab', 'openpyxl', 'requests', 'holidays', 'jinja2', "
        "'pypdfium2', 'icalendar', 'zxingcpp', 'scourgify') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
    # Opening a ledger (followups, status, contacts list) doesn't load the address library.
    ledger = "import sys, mailer.ledger; print('scourgify' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", ledger], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"


def test_markup_in_user_data_is_printed_as_text(tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "contact_id,first_name,last_name,address,city,state,zip,outcome,called_at\n"
        "[/x],[bold]Ann,Bee [/red],1 Main St,Springfield,IL,62704,voicemail,2026-11-21\n",
        encoding="utf-8",
    )
    result = invoke("plan", calls, "--today", TODAY, "--db", tmp_path / "m.db")
    assert result.exit_code == 0, result.stderr
    assert "[bold]Ann Bee [/red]" in result.stdout
    assert "[/x]" in result.stdout


def _calls_file(path: Path, *rows: str) -> Path:
    header = "contact_id,first_name,last_name,address,city,state,zip,outcome,called_at\n"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_cumulative_export_does_not_mail_the_same_contact_twice(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    first = "S1,Sam,Lee,1 Main St,Springfield,IL,62704,voicemail,2026-11-21 10:00"
    day1 = _calls_file(tmp_path / "day1.csv", first)
    out = tmp_path / "out1"
    assert invoke("run", day1, "--demo", "--today", TODAY, "--db", db, "--out", out).exit_code == 0
    assert (out / "print.pdf").is_file()
    # A week later the dialer exports the whole history: the old call and the second call.
    day8 = _calls_file(
        tmp_path / "day8.csv",
        first,
        "S1,Sam,Lee,1 Main St,Springfield,IL,62704,no answer,2026-11-30 10:00",
    )
    doc = plan_json(tmp_path, day8, extra=("--today", "2026-11-30"))
    step = doc["steps"][0]
    assert (step["row"], step["action"]) == (3, "skip")
    assert "leave them alone" in step["reason"]
    again = plan_json(tmp_path, day8, extra=("--today", "2026-11-30"))
    assert again == doc


def test_an_undated_log_run_again_another_day_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    calls = tmp_path / "undated.csv"
    calls.write_text(
        "contact_id,first_name,last_name,address,city,state,zip,outcome\n"
        "U1,Una,May,2 Elm St,Springfield,IL,62704,voicemail\n",
        encoding="utf-8",
    )
    assert invoke("plan", calls, "--today", TODAY, "--db", db).exit_code == 0
    result = invoke("plan", calls, "--today", "2026-11-23", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert "nothing new" in result.stderr
    calls_due = invoke("followups", "--today", TODAY, "--db", db, "--csv", tmp_path / "f.csv")
    assert calls_due.exit_code == 0
    assert "U1" in (tmp_path / "f.csv").read_text(encoding="utf-8-sig")


def test_a_partial_outcomes_table_keeps_the_other_defaults(tmp_path: Path) -> None:
    config = tmp_path / "mailer.toml"
    config.write_text('[cadence.outcomes]\nconnected = "thank-you"\n', encoding="utf-8")
    doc = plan_json(tmp_path, EXAMPLE_CALLS, extra=("--config", str(config), "--dry-run"))
    by_id = {s["contact_id"]: s for s in doc["steps"]}
    assert by_id["C001"]["template"] == "offer"  # voicemail keeps its default
    assert by_id["C008"]["action"] == "call"  # and so does callback
    assert by_id["C011"]["template"] == "thank-you"


def test_a_card_already_made_is_kept_when_the_settings_change(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    out = tmp_path / "out"
    args = ("--demo", "--today", TODAY, "--db", db, "--out", out)
    assert invoke("run", EXAMPLE_CALLS, *args).exit_code == 0
    config = tmp_path / "mailer.toml"
    config.write_text('[cadence.outcomes]\nvoicemail = "thank-you"\n', encoding="utf-8")
    result = invoke("run", EXAMPLE_CALLS, *args, "--config", config)
    assert result.exit_code == 0, result.stderr
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    mary = next(s for s in doc["steps"] if s["contact_id"] == "C001")
    assert mary["template"] == "offer"
    assert "already made" in mary["reason"]


def test_markup_in_arguments_is_not_read_as_markup(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    calls = _calls_file(
        tmp_path / "c.csv", "[/b]x,Ann,Bee,1 Main St,Springfield,IL,62704,opt out,2026-11-21"
    )
    assert invoke("plan", calls, "--today", TODAY, "--db", db).exit_code == 0
    result = invoke("unsuppress", "[/b]x", "--db", db)
    assert result.exit_code == 0, result.output
    assert "[/b]x is off the suppression list" in result.stderr


def test_a_far_away_today_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(
        "plan",
        EXAMPLE_CALLS,
        "--today",
        "9999-12-30",
        "--db",
        tmp_path / "m.db",
        catch_exceptions=True,
    )
    assert result.exit_code == 2
    assert "out of range" in result.stderr


def test_a_plan_never_carried_out_does_not_block_the_next_card(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    row = "P1,Pat,Kay,3 Oak St,Springfield,IL,62704,voicemail,2026-11-21 10:00"
    assert (
        invoke("plan", _calls_file(tmp_path / "a.csv", row), "--today", TODAY, "--db", db).exit_code
        == 0
    )
    # The cards were never printed; three weeks later, a new call.
    later = _calls_file(
        tmp_path / "b.csv", "P1,Pat,Kay,3 Oak St,Springfield,IL,62704,voicemail,2026-12-14 10:00"
    )
    doc = plan_json(tmp_path, later, extra=("--today", "2026-12-14"))
    assert doc["steps"][0]["action"] == "mail"
    # Printed cards do count: the same story with the card printed is a cooldown skip.
    db2 = tmp_path / "m2.db"
    out = tmp_path / "out"
    assert (
        invoke(
            "run",
            _calls_file(tmp_path / "c.csv", row),
            "--demo",
            "--today",
            TODAY,
            "--db",
            db2,
            "--out",
            out,
        ).exit_code
        == 0
    )
    result = invoke("plan", later, "--format", "json", "--today", "2026-12-14", "--db", db2)
    assert json.loads(result.stdout)["steps"][0]["action"] == "skip"


def test_an_opt_out_holds_under_another_id_for_the_same_phone(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    assert invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--db", db).exit_code == 0
    # Another export with no contact_id column: Susan (C006 opted out) is now p-2175550188.
    other = tmp_path / "other.csv"
    other.write_text(
        "name,phone,address,city,state,zip,outcome,called_at\n"
        "Susan Ferreira,(217) 555-0188,45 Lakeshore Dr,Chatham,IL,62629,voicemail,"
        "2026-12-28 10:00\n",
        encoding="utf-8",
    )
    doc = plan_json(tmp_path, other, extra=("--today", "2026-12-28"))
    step = doc["steps"][0]
    assert (step["contact_id"], step["action"]) == ("p-2175550188", "skip")
    assert "suppression" in step["reason"]
    assert invoke("unsuppress", "C006", "--db", db).exit_code == 0
    doc = plan_json(tmp_path, other, extra=("--today", "2026-12-28"))
    assert doc["steps"][0]["action"] == "mail"


def test_the_plan_keeps_each_mail_address_normalized_once(tmp_path: Path) -> None:
    from mailer.domain.models import Action
    from mailer.ledger import Ledger

    db = tmp_path / "m.db"
    assert invoke("plan", EXAMPLE_CALLS, "--today", TODAY, "--db", db).exit_code == 0
    with Ledger.open(db) as ledger:
        steps = {s.contact_id: s for s in ledger.steps(Action.MAIL)}
    denise = steps["C002"].record
    assert denise.address.line1 == "77 Maple Ave"  # what the log said, kept
    assert denise.mail_address is not None
    assert (denise.mail_address.line1, denise.mail_address.line2) == ("77 MAPLE AVE", "APT 3B")
    assert denise.mail_lines == ("77 MAPLE AVE APT 3B", "SPRINGFIELD IL 62702")
    sharon = steps["C016"].record
    assert sharon.mail_lines[-1] == "CANADA"
