"""What the call sheet promises is what the next plan does, through the command line over two
sessions: a message never says "I'll try you again on Wednesday" when the plan will leave
the contact alone, a callback's message names the day the next plan really calls, the
callback is the first attempt of a new cycle, and `mailer contacts show` lists every call
and card of a contact known only from call logs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from mailer.followups.sheet import CSV_COLUMNS
from tests.builders import EXAMPLE_CONFIG, invoke, read_csv_dicts, write_file

HEADER = "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,"
CALLS = (
    HEADER + "outcome,called_at,notes\n"
    "C001,Mary,Albright,217-555-0142,1418 Oak Ridge Dr,Springfield,IL,62704,"
    "voicemail,2027-02-08 10:05,\n"
    "C002,Nancy,Delgado,217-555-0164,2 Hillcrest Ln,Rochester,IL,62563,"
    "callback,2027-02-08 11:02,Call back Friday after 3\n"
)
# Session one on Monday, February 8, 2027: Mary's card goes out that day and her follow-up is
# on Friday the 12th; Nancy asked for Friday after 3.
FIRST, SECOND = "2027-02-08", "2027-02-17"


def run(tmp_path: Path, *args: str | Path) -> Any:
    result = invoke(*args, "--config", EXAMPLE_CONFIG, "--db", tmp_path / "mailer.db")
    assert result.exit_code == 0, result.stderr
    return result


def first_session(tmp_path: Path) -> dict[str, dict[str, str]]:
    calls = write_file(tmp_path, "calls.csv", CALLS)
    run(tmp_path, "run", calls, "--today", FIRST, "--out", tmp_path / "s1")
    return {r["contact_id"]: r for r in read_csv_dicts(tmp_path / "s1" / "followups.csv")}


def feed_back(tmp_path: Path, rows: dict[str, dict[str, str]], ticked: dict[str, str]) -> Path:
    sheet = tmp_path / "sheet.csv"
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        for contact, row in rows.items():
            writer.writerow({**row, "outcome": ticked.get(contact, "")})
    return sheet


def plan_of(tmp_path: Path, sheet: Path, today: str = SECOND) -> dict[str, dict[str, Any]]:
    import json

    out = tmp_path / "s2"
    run(tmp_path, "run", sheet, "--today", today, "--out", out)
    steps = json.loads((out / "plan.json").read_text(encoding="utf-8"))["steps"]
    return {s["contact_id"]: s for s in steps}


def test_the_message_after_a_card_promises_no_call_the_plan_will_not_make(
    tmp_path: Path,
) -> None:
    rows = first_session(tmp_path)
    mary = rows["C001"]
    assert (mary["purpose"], mary["attempt"], mary["leave_message"]) == ("follow-up", "2", "yes")
    # The second message of the method: the note, the offer and the deadline, call me by then.
    assert "Monday, February 22" in mary["voicemail"]
    assert "by then" in mary["voicemail"]
    assert "try you again" not in mary["voicemail"]
    # And indeed: her follow-up unanswered, the plan leaves her alone.
    steps = plan_of(tmp_path, feed_back(tmp_path, rows, {"C001": "voicemail left"}))
    assert steps["C001"]["action"] == "skip"
    assert "leave them alone" in steps["C001"]["reason"]
    assert "C001" not in {r["contact_id"] for r in read_csv_dicts(tmp_path / "s2/followups.csv")}


def test_a_callback_is_a_new_cycle_and_its_message_names_the_day_the_plan_calls(
    tmp_path: Path,
) -> None:
    rows = first_session(tmp_path)
    nancy = rows["C002"]
    assert (nancy["date"], nancy["time_window"][:5]) == ("2027-02-12", "15:00")
    # She answered when she asked for the call: the callback starts a new cycle.
    assert (nancy["purpose"], nancy["attempt"], nancy["leave_message"]) == ("callback", "1", "yes")
    # Mailed Friday the 12th, delivered in three delivery days (Presidents' Day, Monday the
    # 15th, is none), called the business day after: Thursday the 18th.
    assert "I'll try you again on Thursday the 18th" in nancy["voicemail"]
    # Unanswered and fed back that evening, the callback leads to a card and a call on the
    # very day the message named.
    sheet = feed_back(tmp_path, rows, {"C002": "no answer"})
    steps = plan_of(tmp_path, sheet, today="2027-02-12")
    assert steps["C002"]["action"] == "mail"
    assert steps["C002"]["attempt"] == 1
    assert steps["C002"]["follow_up_call"] == "2027-02-18"


def test_contacts_show_lists_the_calls_and_cards_of_a_contact_only_in_call_logs(
    tmp_path: Path,
) -> None:
    rows = first_session(tmp_path)
    plan_of(tmp_path, feed_back(tmp_path, rows, {"C001": "no answer"}))
    shown = run(tmp_path, "contacts", "show", "c001")  # case ignored, as plans match ids
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Mary Albright" in shown.stdout
    assert "call logs only" in shown.stdout
    assert "2027-02-08 10:05  voicemail  (calls.csv:2)  1st attempt" in shown.stdout
    assert "2027-02-12 13:00  no answer  (sheet.csv:" in shown.stdout
    assert "2nd attempt" in shown.stdout
    assert "offer  2027-02-08" in shown.stdout
    unknown = invoke("contacts", "show", "C999", "--db", tmp_path / "mailer.db")
    assert unknown.exit_code == 1
    assert "no contact 'C999' in the contact book or the calls recorded" in unknown.stderr


OLD_CONFIG = """
[sender]
name = "Jamie Rivera"
phone = "(217) 555-0100"
[sender.return_address]
line1 = "PO Box 1207"
city = "Springfield"
state = "IL"
postal_code = "62705"
[offer]
headline = "Your holiday candles, 20% off"
[mail]
transit_days = 3
[followups]
call_window = "10:00-12:00"
"""


def test_help_names_the_call_sheet_and_its_pdf() -> None:
    for command in ("followups", "run"):
        shown = invoke(command, "--help", catch_exceptions=False)
        text = " ".join(shown.stdout.split())
        assert "call sheet" in text, command
        assert "--pdf" in text or "followups.pdf" in text, command
        assert "next call log" in text, command
    assert "short script for the second call" not in invoke("--help").stdout


def test_init_documents_the_method_keys_and_an_older_file_still_loads(tmp_path: Path) -> None:
    import tomllib

    made = invoke("init", tmp_path / "project")
    assert made.exit_code == 0, made.stderr
    text = (tmp_path / "project" / "mailer.toml").read_text(encoding="utf-8")
    starter = tomllib.loads(text)
    assert starter["cadence"]["exit_after"] == 3
    assert starter["cadence"]["rest_days"] == 90
    assert starter["mail"]["transit_days"] == {"domestic": 3, "canada": 5, "international": 7}
    assert starter["followups"]["slot_minutes"] == 15
    assert set(starter["followups"]["windows"]) == {"morning", "afternoon", "evening"}
    for key in ("exit_after", "rest_days", "slot_minutes", "[mail.transit_days]"):
        line = next(line for line in text.splitlines() if line.startswith(key))
        assert "#" in line, f"{key} is not explained"
    # A file written for an earlier mailer: one transit time, one call window.
    config = write_file(tmp_path, "old.toml", OLD_CONFIG)
    calls = write_file(tmp_path, "calls.csv", CALLS)
    result = invoke(
        "run", calls, "--today", FIRST, "--config", config, "--db", tmp_path / "m.db",
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = read_csv_dicts(tmp_path / "out" / "followups.csv")
    mary = next(r for r in rows if r["contact_id"] == "C001")
    # Her morning call missed, but the only window is the morning: it is used.
    assert "10:00" <= mary["time_window"][:5] < "12:00"
    assert mary["date"] == "2027-02-12"  # three domestic delivery days, as before


def test_the_calendar_step_is_named_only_when_there_are_calls(tmp_path: Path) -> None:
    calls = write_file(tmp_path, "calls.csv", CALLS)
    planned = run(tmp_path, "run", calls, "--today", FIRST, "--out", tmp_path / "s1")
    said = " ".join(planned.stderr.split())
    assert "into your calendar for the follow-up calls" in said
    assert "second calls" not in said
    # A session where everyone talked: a card may go out, but no call to put on a calendar.
    talked = write_file(
        tmp_path,
        "talked.csv",
        HEADER + "outcome,called_at\n"
        "C003,Linda,Marsh,217-555-0110,9 Fairview Ct,Chatham,IL,62629,ordered,2027-02-08 10:20\n",
    )
    alone = tmp_path / "alone"
    alone.mkdir()  # a ledger of its own: the calls of the first run are still due in this one
    ordered = run(alone, "run", talked, "--today", FIRST, "--out", tmp_path / "s3")
    said = " ".join(ordered.stderr.split())
    assert "stamp and mail the cards" in said
    assert "into your calendar" not in said
