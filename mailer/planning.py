"""From call logs to a plan: read, look up history, apply the cadence, record.

The one place that joins the pure cadence to the ledger. The history given to the cadence
leaves out the calls being planned, so planning the same input twice gives the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from mailer.config import Config
from mailer.ledger import Ledger, RecordResult
from mailer.models import Plan


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    recorded: RecordResult | None
    """None for a dry run."""


def make_plan(
    paths: Sequence[Path],
    config: Config,
    ledger: Ledger,
    today: date,
    *,
    delimiter: str | None = None,
    date_order: Literal["mdy", "dmy"] = "mdy",
    record: bool = True,
) -> PlanOutcome:
    from mailer.cadence import check_feasible, plan_steps
    from mailer.calls import read_call_logs

    check_feasible(config)
    log = read_call_logs(paths, today, delimiter=delimiter, date_order=date_order)
    contact_ids = {r.contact_id for r in log.records}
    history = ledger.history(contact_ids, {r.call_key for r in log.records})
    steps = plan_steps(log.records, history, config, today)
    plan = Plan(
        today=today,
        steps=tuple(steps),
        rejections=log.rejections,
        notices=log.notices,
        rows=log.rows,
        files=tuple(str(p) for p in paths),
        columns=log.columns,
    )
    recorded = ledger.record_plan(plan, calls=log.records) if record else None
    return PlanOutcome(plan, recorded)
