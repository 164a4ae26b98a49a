"""Every test export in tests/data/exports (one per tool, written from the tool's public
documentation) plans as its `.expected.json` says, with no options: the preset is detected
from the header, and every data row is a step, a step's history, or a rejection with its
true line number (README, "Where your calls come from")."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mailer.config import Config
from mailer.domain.identity import contact_identity
from mailer.ledger import Ledger
from mailer.planning.planner import make_plan
from mailer.reading.sources import load_presets

EXPORTS = Path(__file__).parent / "data" / "exports"
CASES = sorted(EXPORTS.glob("*.expected.json"))


def _export_for(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected.json")
    found = [p for p in EXPORTS.iterdir() if p.name != expected.name and p.stem == stem]
    assert len(found) == 1, f"one export beside {expected.name}, found {found}"
    return found[0]


def _contact(expected: str) -> str:
    """`phone:2175550101` is the id the phone rule gives (`domain.identity`), whatever its
    spelling; any other id is taken as written."""
    if expected.startswith("phone:"):
        return contact_identity(phone=expected.removeprefix("phone:"))
    return expected


def test_there_is_an_export_for_every_preset() -> None:
    sources = {json.loads(p.read_text())["source"] for p in CASES}
    assert sources == set(load_presets())


@pytest.mark.parametrize("expected", CASES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_export_plans_as_expected(expected: Path, ledger: Ledger) -> None:
    spec: dict[str, Any] = json.loads(expected.read_text(encoding="utf-8"))
    export = _export_for(expected)
    plan = make_plan([export], Config(), ledger, date.fromisoformat(spec["today"])).plan

    title = load_presets()[spec["source"]].title
    assert any(title in n.message for n in plan.notices), "the preset used is said"
    got: dict[int, dict[str, str]] = {}
    for step in plan.steps:
        row = step.record.row
        assert row not in got
        got[row] = {
            "contact": step.contact_id,
            "outcome": step.record.outcome.value,
            "action": step.action.value,
            "reason": step.reason,
            "template": step.template or "",
        }
        for earlier in step.history_rows:
            assert earlier not in got
            got[earlier] = {"contact": step.contact_id, "action": "history"}
    for rejection in plan.rejections:
        assert rejection.row not in got
        got[rejection.row] = {"action": "rejected", "reason": rejection.error}
    for skipped in plan.skipped:  # a call sheet's calls not made yet
        assert skipped.row not in got
        got[skipped.row] = {"action": "skipped", "reason": skipped.error}

    wanted = {e["row"]: e for e in spec["rows"]}
    assert sorted(got) == sorted(wanted), "every data row accounted for, on its own line"
    assert plan.rows == len(wanted)
    for row, want in wanted.items():
        have = got[row]
        assert have["action"] == want["action"], f"row {row}: {have}"
        if "contact" in want:
            assert have["contact"] == _contact(want["contact"]), f"row {row}"
        if "outcome" in want:
            assert have["outcome"] == want["outcome"], f"row {row}"
        if "template" in want:
            assert have["template"] == want["template"], f"row {row}"
        if "reason" in want:
            assert have["reason"].startswith(want["reason"]), f"row {row}: {have['reason']}"
