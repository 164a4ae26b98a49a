"""The plan as documents (`mailer.planning.documents`): the JSON of the README, the CSV rows of
steps, and rejects.csv, with one input file and with several."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from mailer.domain.card_codes import candidate
from mailer.domain.models import Outcome, Plan, Rejection
from mailer.planning.documents import (
    STEP_COLUMNS,
    plan_document,
    plan_json,
    step_header,
    step_rows,
    summary,
    write_plan_json,
    write_rejects,
)
from tests.builders import (
    PLAN_DAY,
    call_record,
    callback_step,
    mail_step,
    opt_out_step,
    plan_of,
    read_csv,
    skip_step,
)

MARY = mail_step(call_record())
ZOE = callback_step(
    call_record("C002", Outcome.CALLBACK, first="Zoë", last="Nguyễn", row=3), date(2026, 11, 24)
)
TALKED = skip_step(call_record("C003", Outcome.CONNECTED, first="Ann", last="Lee", row=4))
GONE = opt_out_step(call_record("C004", Outcome.OPT_OUT, first="", last="", row=5))
BAD_OUTCOME = Rejection("calls.csv", 6, "unknown outcome 'maybe'", {"id": "C9", "outcome": "maybe"})


def one_file_plan() -> Plan:
    return Plan(
        today=PLAN_DAY,
        steps=(MARY, ZOE, TALKED, GONE),
        rejections=(BAD_OUTCOME,),
        notices=(),
        rows=5,
        files=("calls.csv",),
        columns={"calls.csv": ("id", "first", "outcome", "called_at")},
    )


def two_file_plan() -> Plan:
    later = call_record("C010", first="Ben", last="Ode", file="later.csv", row=2)
    return Plan(
        today=PLAN_DAY,
        steps=(MARY, mail_step(later, "thank-you", expires=None, follow_up=None)),
        rejections=(
            BAD_OUTCOME,
            Rejection("later.csv", 4, "missing outcome", {"id": "C11", "Notes": "=2+2"}),
        ),
        notices=(),
        rows=4,
        files=("calls.csv", "later.csv"),
        columns={
            "calls.csv": ("id", "first", "outcome", "called_at"),
            "later.csv": ("id", "outcome", "Notes", "row", "error", "file"),
        },
    )


MARY_DOC: dict[str, Any] = {
    "contact_id": "C001",
    "name": "Mary Albright",
    "row": 2,
    "outcome": "voicemail",
    "action": "mail",
    "template": "offer",
    "reason": "voicemail on the first call: mail a time-sensitive note",
    "send_date": "2026-11-23",
    "expected_delivery": "2026-11-27",
    "offer_expires": "2026-12-07",
    "follow_up_call": "2026-11-30",
    "attempt": 1,
    "purpose": None,
    "code": candidate(MARY.step_key, 0),  # not recorded: the code it will most likely get
    "code_provisional": True,
    "variant": None,
}
NO_CODE = {"code": None, "code_provisional": None, "variant": None}
NOTHING_DATED = (
    dict.fromkeys(("send_date", "expected_delivery", "offer_expires", "follow_up_call"), None)
    | {"attempt": 1, "purpose": None}
    | NO_CODE
)


# --- the JSON document ----------------------------------------------------------------------


def test_the_document_of_a_plan_from_one_file() -> None:
    doc = plan_document(one_file_plan())
    assert list(doc) == ["today", "steps", "rejected", "summary"]
    assert doc["today"] == "2026-11-23"
    assert doc["steps"] == [
        MARY_DOC,
        {
            "contact_id": "C002",
            "name": "Zoë Nguyễn",
            "row": 3,
            "outcome": "callback",
            "action": "call",
            "template": None,
            "reason": "asked to be called back",
            **NOTHING_DATED,
            "follow_up_call": "2026-11-24",
        },
        {
            "contact_id": "C003",
            "name": "Ann Lee",
            "row": 4,
            "outcome": "connected",
            "action": "skip",
            "template": None,
            "reason": "talked: nothing to send",
            **NOTHING_DATED,
        },
        {
            "contact_id": "C004",
            "name": "",
            "row": 5,
            "outcome": "opt_out",
            "action": "suppress",
            "template": None,
            "reason": "asked not to be contacted",
            **NOTHING_DATED,
        },
    ]
    assert [list(step) for step in doc["steps"]] == [list(STEP_COLUMNS)] * 4
    assert doc["rejected"] == [{"row": 6, "error": "unknown outcome 'maybe'"}]
    assert doc["summary"] == {
        "rows": 5,
        "contacts": 4,
        "mail": 1,
        "call": 1,
        "skip": 1,
        "suppress": 1,
        "rejected": 1,
    }


def test_with_several_files_each_step_and_rejection_names_its_file() -> None:
    doc = plan_document(two_file_plan())
    first, thanks = doc["steps"]
    assert list(first) == ["contact_id", "name", "row", "file", *STEP_COLUMNS[3:]]
    assert first == MARY_DOC | {"file": "calls.csv"}
    assert thanks["file"] == "later.csv"
    assert (thanks["template"], thanks["offer_expires"], thanks["follow_up_call"]) == (
        "thank-you",
        None,
        None,
    )
    assert doc["rejected"] == [
        {"row": 6, "file": "calls.csv", "error": "unknown outcome 'maybe'"},
        {"row": 4, "file": "later.csv", "error": "missing outcome"},
    ]
    assert list(doc["rejected"][0]) == ["row", "file", "error"]


def test_an_empty_plan() -> None:
    plan = plan_of(today=date(2026, 12, 1))
    assert plan_document(plan) == {
        "today": "2026-12-01",
        "steps": [],
        "rejected": [],
        "summary": dict.fromkeys(
            ("rows", "contacts", "mail", "call", "skip", "suppress", "rejected"), 0
        ),
    }


def test_summary_counts_contacts_by_action_and_rows_as_read() -> None:
    plan = plan_of(MARY, mail_step(call_record("C005", row=7)), TALKED)
    assert summary(plan) == {
        "rows": 3,
        "contacts": 3,
        "mail": 2,
        "call": 0,
        "skip": 1,
        "suppress": 0,
        "rejected": 0,
    }


def test_plan_json_is_indented_utf8_text_ending_in_a_newline() -> None:
    text = plan_json(one_file_plan())
    assert text.endswith("}\n")
    assert '\n  "today": "2026-11-23",\n' in text
    assert '"name": "Zoë Nguyễn"' in text  # not \u escapes
    assert json.loads(text) == plan_document(one_file_plan())


def test_write_plan_json_writes_exactly_plan_json(tmp_path: Path) -> None:
    path = tmp_path / "out" / "plan.json"
    write_plan_json(one_file_plan(), path)
    assert path.read_bytes() == plan_json(one_file_plan()).encode("utf-8")
    write_plan_json(plan_of(), path)
    assert json.loads(path.read_text(encoding="utf-8"))["steps"] == []
    assert [p.name for p in path.parent.iterdir()] == ["plan.json"]


# --- the steps as CSV rows ------------------------------------------------------------------


def test_step_rows_are_text_in_the_header_order_with_blanks_for_none() -> None:
    plan = one_file_plan()
    assert step_header(plan) == list(STEP_COLUMNS)
    rows = step_rows(plan)
    assert rows[0] == [
        "C001",
        "Mary Albright",
        "2",
        "voicemail",
        "mail",
        "offer",
        "voicemail on the first call: mail a time-sensitive note",
        "2026-11-23",
        "2026-11-27",
        "2026-12-07",
        "2026-11-30",
        "1",
        "",
        candidate(MARY.step_key, 0),
        "yes",  # provisional: the plan is not recorded
        "",
    ]
    no_card = ["", "", ""]  # no send date, delivery or offer deadline
    no_code = ["", "", ""]  # no code, so nothing provisional, and no experiment
    no_call = [*no_card, "", "1", "", *no_code]  # nor a call: the first attempt, no purpose
    assert rows[1:] == [
        [
            "C002",
            "Zoë Nguyễn",
            "3",
            "callback",
            "call",
            "",
            "asked to be called back",
            *no_card,
            "2026-11-24",
            "1",
            "",
            *no_code,
        ],
        ["C003", "Ann Lee", "4", "connected", "skip", "", "talked: nothing to send", *no_call],
        ["C004", "", "5", "opt_out", "suppress", "", "asked not to be contacted", *no_call],
    ]


def test_step_rows_with_several_files_carry_the_file_after_the_row() -> None:
    plan = two_file_plan()
    header = step_header(plan)
    assert header == ["contact_id", "name", "row", "file", *STEP_COLUMNS[3:]]
    rows = step_rows(plan)
    assert [dict(zip(header, row, strict=True))["file"] for row in rows] == [
        "calls.csv",
        "later.csv",
    ]


def test_step_rows_neutralize_formulas() -> None:
    sly = mail_step(call_record("=HYPERLINK(1)", first="+Mary", last="Albright"))
    (row,) = step_rows(plan_of(sly))
    assert row[:2] == ["'=HYPERLINK(1)", "'+Mary Albright"]


# --- rejects.csv ----------------------------------------------------------------------------


def test_rejects_keep_the_original_columns_then_row_and_error(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    write_rejects(one_file_plan(), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,first,outcome,called_at,row,error\r\n")
    assert read_csv(path) == [
        ["id", "first", "outcome", "called_at", "row", "error"],
        ["C9", "", "maybe", "", "6", "unknown outcome 'maybe'"],
    ]


def test_rejects_of_several_files_add_the_file_and_every_files_columns(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    write_rejects(two_file_plan(), path)
    # later.csv's own row, error and file columns would clash with ours: left out.
    assert read_csv(path) == [
        ["id", "first", "outcome", "called_at", "Notes", "file", "row", "error"],
        ["C9", "", "maybe", "", "", "calls.csv", "6", "unknown outcome 'maybe'"],
        ["C11", "", "", "", "'=2+2", "later.csv", "4", "missing outcome"],
    ]


def test_no_rejects_is_a_header_only_file(tmp_path: Path) -> None:
    plan = Plan(
        today=PLAN_DAY,
        steps=(MARY,),
        rejections=(),
        notices=(),
        rows=1,
        files=("calls.csv",),
        columns={"calls.csv": ("id", "outcome")},
    )
    path = tmp_path / "rejects.csv"
    write_rejects(plan, path)
    assert path.read_bytes() == b"\xef\xbb\xbfid,outcome,row,error\r\n"


def test_plan_json_is_written_a_step_at_a_time_as_the_same_bytes(tmp_path: Path) -> None:
    """`mailer run` writes plan.json a step at a time: the bytes `mailer plan --format
    json` prints, for no step, one, several, several files, and text to clean."""
    from mailer.planning.documents import plan_json, write_plan_json

    odd = call_record("C\u009b9", first="Zo\u00eb \u202eevil", last='"Quoted" \\ Lee', row=4)
    plans = [
        plan_of(),
        plan_of(mail_step()),
        plan_of(mail_step(), mail_step(odd), skip_step(call_record("C003", row=5))),
        dataclasses.replace(plan_of(mail_step(), mail_step(odd)), files=("a.csv", "b.csv")),
    ]
    for n, plan in enumerate(plans):
        path = tmp_path / f"plan-{n}.json"
        write_plan_json(plan, path)
        assert path.read_bytes() == plan_json(plan).encode("utf-8"), n
        json.loads(path.read_text(encoding="utf-8"))
