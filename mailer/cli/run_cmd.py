"""`mailer run`: the main job in one go, offline, into one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    ExitCode,
    TodayOption,
    err,
    handles_errors,
    hint,
    load_config,
    next_step,
    open_ledger,
    resolve_today,
)
from mailer.cli.planning_cmds import (
    CallsArgument,
    DateOrderOption,
    DelimiterOption,
    date_order_value,
    delimiter_value,
    plan_table,
    show_notices,
    summary_line,
)


@handles_errors
def run(
    calls: CallsArgument,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder. Default: output/<today>/.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    delimiter: DelimiterOption = None,
    date_order: DateOrderOption = "mdy",
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """The main job: plan the calling session's follow-up, and write the plan, the rejected
    rows, and the follow-up calls into one folder.

    Safe to run again: the ledger remembers the calls, so nothing is planned, drawn or
    charged twice.
    """
    from mailer.followups import follow_ups, write_csv, write_ics
    from mailer.planning import make_plan
    from mailer.reports import write_plan_json, write_rejects

    day = resolve_today(today)
    settings = load_config(config)
    folder = out_dir or Path("output") / day.isoformat()
    with open_ledger(db) as ledger:
        result = make_plan(
            calls,
            settings,
            ledger,
            day,
            delimiter=delimiter_value(delimiter),
            date_order=date_order_value(date_order),
        )
    plan = result.plan
    show_notices(plan.notices)
    plan_table(plan)
    folder.mkdir(parents=True, exist_ok=True)
    write_plan_json(plan, folder / "plan.json")
    write_rejects(plan, folder / "rejects.csv")
    calls_to_make = follow_ups(plan.steps, settings)
    write_csv(calls_to_make, folder / "followups.csv")
    write_ics(calls_to_make, folder / "followups.ics", day)
    err.print(summary_line(plan))
    err.print(f"wrote plan.json, rejects.csv, followups.csv, followups.ics into {folder}/")
    if plan.rejections:
        hint(f"fix the rows in {folder / 'rejects.csv'} and run that file; nothing repeats")
        raise typer.Exit(ExitCode.PARTIAL)
    next_step(f"import {folder / 'followups.ics'} into your calendar for the second calls")
