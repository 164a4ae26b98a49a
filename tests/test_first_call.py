"""The first-call purpose, through the command line: a seller whose `[cadence.outcomes]`
says `call` after a call that reached the contact gets a first call of a new cycle on the
sheet (attempt 1, the first-call scripts: the voicemail promises the note), while `call`
after a missed call stays the next attempt's follow-up. Fed back unanswered, the first call
starts the new cycle with an offer card."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mailer.followups.sheet import CSV_COLUMNS
from tests.builders import EXAMPLE_CONFIG, invoke, read_csv_dicts, write_file

TODAY, NEXT = "2026-11-22", "2026-11-24"
CALLS = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,"
    "called_at\n"
    "C003,Linda,Marsh,217-555-0110,9 Fairview Ct,Chatham,IL,62629,connected,2026-11-21 10:20\n"
    "C004,Patricia,Nguyen,217-555-0173,3302 W Washington St,Springfield,IL,62702,no_answer,"
    "2026-11-21 10:31\n"
)


def config(folder: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ('connected = "skip"', 'connected = "call"'),
        ('no_answer = "offer"', 'no_answer = "call"'),
        ("thank_you = true", "thank_you = false"),
    ):
        assert old in text
        text = text.replace(old, new)
    return write_file(folder, "mailer.toml", text)


def test_a_call_after_they_answered_is_the_first_call_of_a_new_cycle(tmp_path: Path) -> None:
    settings, db = config(tmp_path), tmp_path / "mailer.db"
    calls = write_file(tmp_path, "calls.csv", CALLS)
    out = tmp_path / "s1"
    common = ("--config", settings, "--db", db)
    result = invoke("run", calls, "--today", TODAY, "--out", out, *common)
    assert result.exit_code == 0, result.stderr
    steps = {
        s["contact_id"]: s
        for s in json.loads((out / "plan.json").read_text(encoding="utf-8"))["steps"]
    }
    assert (steps["C003"]["action"], steps["C003"]["purpose"]) == ("call", "first-call")
    assert steps["C003"]["reason"] == "spoke with them: call again Mon Nov 23, a first call"
    assert (steps["C004"]["action"], steps["C004"]["purpose"]) == ("call", "follow-up")

    sheet = {row["contact_id"]: row for row in read_csv_dicts(out / "followups.csv")}
    linda, patricia = sheet["C003"], sheet["C004"]
    assert (linda["purpose"], linda["attempt"], linda["leave_message"]) == (
        "first-call", "1", "yes",
    )  # fmt: skip
    assert linda["script"].startswith("Hi Linda, it's Jamie from Prairie Lantern Candles. ")
    assert "I have something for you this month" in linda["script"]
    assert "so I'm popping a note in the mail" in linda["voicemail"]
    assert "I'll call you again on Monday the 30th" in linda["voicemail"]
    assert (patricia["purpose"], patricia["attempt"]) == ("follow-up", "2")
    assert "popping a note" not in patricia["voicemail"]

    # `mailer followups` shows the same first-call voicemail under the live script.
    listed = invoke("followups", "--due", "2026-11-23", "--today", TODAY, *common)
    assert listed.exit_code == 0, listed.stderr
    said = " ".join(listed.stdout.split())
    assert "voicemail: Hi Linda, it's Jamie" in said
    assert "so I'm popping a note in the mail" in said

    # The first call unanswered: the new cycle's first attempt, and its offer card.
    linda["outcome"] = "voicemail left"
    filled = tmp_path / "filled.csv"
    with filled.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        writer.writerow(linda)
    again = invoke("run", filled, "--today", NEXT, "--out", tmp_path / "s2", *common)
    assert again.exit_code == 0, again.stderr
    (step,) = json.loads((tmp_path / "s2" / "plan.json").read_text(encoding="utf-8"))["steps"]
    assert (step["action"], step["template"], step["attempt"]) == ("mail", "offer", 1)
    assert (tmp_path / "s2" / "cards" / "C003-offer.pdf").is_file()
