"""The plan as documents: the JSON contract in the README ("`mailer plan --format json`"),
a CSV of steps, and rejects.csv."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from mailer.domain.models import PERSON_FIELDS, Action, MailStep, Plan, Rejection
from mailer.domain.step_codes import step_code
from mailer.files import clean_text, safe_cell, write_csv_rows, written_beside

STEP_COLUMNS = (
    "contact_id",
    "name",
    "row",
    "outcome",
    "action",
    "template",
    "reason",
    "send_date",
    "expected_delivery",
    "offer_expires",
    "follow_up_call",
    "attempt",
    "purpose",
    "code",
    "code_provisional",
    "variant",
)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def step_document(step: MailStep, *, with_file: bool) -> dict[str, Any]:
    record = step.record
    doc: dict[str, Any] = {
        "contact_id": record.contact_id,
        "name": record.name,
        "row": record.row,
    }
    if with_file:
        doc["file"] = record.file
    doc |= {
        "outcome": record.outcome.value,
        "action": step.action.value,
        "template": step.template,
        "reason": step.reason,
        "send_date": _iso(step.send_date),
        "expected_delivery": _iso(step.expected_delivery),
        "offer_expires": _iso(step.offer_expires),
        "follow_up_call": _iso(step.follow_up_call),
        "attempt": step.attempt,
        "purpose": step.purpose.value if step.purpose is not None else None,
    }
    code = step_code(step)
    doc |= {
        "code": code.code if code else None,
        "code_provisional": code.provisional if code else None,
        "variant": step.variant,
    }
    return doc


def summary(plan: Plan) -> dict[str, int]:
    return {
        "rows": plan.rows,
        "contacts": len(plan.steps),
        "mail": plan.count(Action.MAIL),
        "call": plan.count(Action.CALL),
        "skip": plan.count(Action.SKIP),
        "suppress": plan.count(Action.SUPPRESS),
        "rejected": len(plan.rejections),
    }


def plan_document(plan: Plan, *, steps: bool = True) -> dict[str, Any]:
    """Exactly the document the README specifies; `file` appears with several inputs.
    Without `steps`, its list of steps is left empty (the summary still counts them)."""
    several = len(plan.files) > 1
    rejected: list[dict[str, Any]] = []
    for r in plan.rejections:
        item: dict[str, Any] = {"row": r.row}
        if several:
            item["file"] = r.file
        item["error"] = r.error
        rejected.append(item)
    doc = {
        "today": plan.today.isoformat(),
        "steps": [step_document(s, with_file=several) for s in plan.steps] if steps else [],
        "rejected": rejected,
    }
    if plan.skipped:  # a call sheet's rows not called yet: only when there are some
        doc["skipped"] = [
            {"row": r.row, **({"file": r.file} if several else {}), "reason": r.error}
            for r in plan.skipped
        ]
    return doc | {"summary": summary(plan)}


def plan_json(plan: Plan) -> str:
    """The plan document as JSON text, with no control character of a call log left in a
    string (`clean_text`): JSON escapes only C0 codes, so a C1 code or a right-to-left
    override in a name would otherwise reach a terminal (`plan --format json`) or an editor
    raw. Accents and other scripts stay as written."""
    return _json(plan_document(plan)) + "\n"


def _json(value: Any) -> str:
    return json.dumps(_cleaned(value), indent=2, ensure_ascii=False)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def write_plan_json(plan: Plan, path: Path) -> None:
    """plan.json: the bytes `plan_json` gives, written a step at a time (a season's plan as
    one string would take several times its own memory)."""
    several = len(plan.files) > 1
    empty = '  "steps": [],\n'
    head, _, tail = (_json(plan_document(plan, steps=False)) + "\n").partition(empty)
    with written_beside(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as f:
        f.write(head)
        for n, step in enumerate(plan.steps):
            text = _json(step_document(step, with_file=several)).replace("\n", "\n    ")
            f.write(('  "steps": [\n    ' if n == 0 else ",\n    ") + text)
        f.write("\n  ],\n" if plan.steps else empty)
        f.write(tail)


def step_rows(plan: Plan) -> list[list[str]]:
    several = len(plan.files) > 1
    rows = []
    for step in plan.steps:
        doc = step_document(step, with_file=several)
        rows.append([safe_cell(clean_text(_cell(v))) for v in doc.values()])
    return rows


def _cell(value: object) -> str:
    """A value of the plan document as a CSV cell: "yes"/"no" as the call sheet writes them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def step_header(plan: Plan) -> list[str]:
    header = list(STEP_COLUMNS)
    if len(plan.files) > 1:
        header.insert(3, "file")
    return header


def card_rejection(step: MailStep, problem: str, fix: str) -> Rejection:
    """A planned card that could not be drawn (a name or an address too long for the card)
    or that the provider refused, as a rejects.csv row: the call's row, its cells
    mailer knows by their own column names (and the columns it keeps for templates), the
    problem and the command that fixes it. The call is already in the ledger, so the fix is
    a correction, not the row fed back."""
    record = step.record
    a = record.address
    known: dict[str, str] = {
        "contact_id": record.contact_id,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "name": record.name,
        "phone": record.phone,
        "email": record.email,
        "address_line1": a.line1,
        "address_line2": a.line2,
        "city": a.city,
        "state": a.state,
        "postal_code": a.postal_code,
        "country": a.country,
        "birthday": _iso(record.birthday) or "",
        "outcome": record.outcome.value,
        "called_at": record.called_at.isoformat(sep=" ", timespec="minutes"),
        "notes": record.notes,
        "callback_on": _iso(record.callback_on) or "",
    }
    error = problem + (f"; fix: {fix}" if fix else "")
    return Rejection(record.file, record.row, error, {**record.extra, **known})


def write_rejects(plan: Plan, path: Path, cards: Sequence[Rejection] = ()) -> None:
    """The original columns of every rejected row, then `row` and `error` (and `file` with
    several inputs): fix the rows in place and feed the file back in. Header only if none.
    `cards` (from `card_rejection`) follow the rows, in the same columns."""
    several = len(plan.files) > 1
    original: list[str] = []
    for file in plan.files:
        for name in plan.columns.get(file, ()):
            if name not in original and name not in ("row", "error", "file"):
                original.append(name)
    header = [*original, *(["file"] if several else []), "row", "error"]
    rows = []
    for r in (*plan.rejections, *cards):
        cells = [r.values.get(name, "") for name in original]
        tail = [r.file] if several else []
        rows.append([safe_cell(c) for c in [*cells, *tail, str(r.row), r.error]])
    write_csv_rows(path, header, rows)


CARD_COLUMNS = (*PERSON_FIELDS, "outcome", "called_at", "notes")
"""The columns of a rejects.csv that `mailer render` or `mailer send` starts (the call logs'
own columns are not known there), before `file`, `row` and `error`."""


def add_rejects(path: Path, cards: Sequence[Rejection]) -> None:
    """Card rejections (`card_rejection`) added to the rejects.csv at `path`, in the columns
    it has (the one `mailer run` wrote for the same folder), or in `CARD_COLUMNS` when there
    is none yet. A row already there is not added twice, so running again repeats nothing."""
    header, rows = _read_rejects(path)
    if not header:
        header, rows = [*CARD_COLUMNS, "file", "row", "error"], []
    for r in cards:
        values = {**r.values, "file": r.file, "row": str(r.row), "error": r.error}
        row = [safe_cell(clean_text(values.get(name, ""))) for name in header]
        if row not in rows:
            rows.append(row)
    write_csv_rows(path, header, rows)


def _read_rejects(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a rejects.csv mailer wrote; nothing for a file that is missing
    or is not one (it is replaced: this folder's rejects.csv is mailer's own)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeError, csv.Error):
        return [], []
    if not lines or not {"row", "error"} <= set(lines[0]):
        return [], []
    width = len(lines[0])
    return lines[0], [(line + [""] * width)[:width] for line in lines[1:] if any(line)]
