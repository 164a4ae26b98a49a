"""The plan as documents: the JSON contract in the README ("`mailer plan --format json`"),
a CSV of steps, and rejects.csv."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from mailer.domain.models import Action, MailStep, Plan
from mailer.files import clean_text, safe_cell, write_bytes_atomic, write_csv_rows

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


def plan_document(plan: Plan) -> dict[str, Any]:
    """Exactly the document the README specifies; `file` appears with several inputs."""
    several = len(plan.files) > 1
    rejected: list[dict[str, Any]] = []
    for r in plan.rejections:
        item: dict[str, Any] = {"row": r.row}
        if several:
            item["file"] = r.file
        item["error"] = r.error
        rejected.append(item)
    return {
        "today": plan.today.isoformat(),
        "steps": [step_document(s, with_file=several) for s in plan.steps],
        "rejected": rejected,
        "summary": summary(plan),
    }


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False) + "\n"


def write_plan_json(plan: Plan, path: Path) -> None:
    write_bytes_atomic(path, plan_json(plan).encode("utf-8"))


def step_rows(plan: Plan) -> list[list[str]]:
    several = len(plan.files) > 1
    rows = []
    for step in plan.steps:
        doc = step_document(step, with_file=several)
        rows.append([safe_cell(clean_text("" if v is None else str(v))) for v in doc.values()])
    return rows


def step_header(plan: Plan) -> list[str]:
    header = list(STEP_COLUMNS)
    if len(plan.files) > 1:
        header.insert(3, "file")
    return header


def write_rejects(plan: Plan, path: Path) -> None:
    """The original columns of every rejected row, then `row` and `error` (and `file` with
    several inputs): fix the rows in place and feed the file back in. Header only if none."""
    several = len(plan.files) > 1
    original: list[str] = []
    for file in plan.files:
        for name in plan.columns.get(file, ()):
            if name not in original and name not in ("row", "error", "file"):
                original.append(name)
    header = [*original, *(["file"] if several else []), "row", "error"]
    rows = []
    for r in plan.rejections:
        cells = [r.values.get(name, "") for name in original]
        tail = [r.file] if several else []
        rows.append([safe_cell(c) for c in [*cells, *tail, str(r.row), r.error]])
    write_csv_rows(path, header, rows)
