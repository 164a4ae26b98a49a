"""`mailer followups`: the follow-up calls from the ledger, on the terminal and as a call
sheet (CSV and PDF) and a calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    DemoOption,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    load_config,
    next_step,
    open_ledger,
    out,
    parse_day,
    resolve_today,
)
from mailer.cli.planning_cmds import LONG_LIST, AllOption, _short

if TYPE_CHECKING:
    from mailer.followups.calls import FollowUp


def followup_table(calls: list[FollowUp], today: date, *, every_row: bool = False) -> None:
    """The calls at the terminal's width, why and what to say under each; more than
    `LONG_LIST` calls without `every_row`: how many fall on each day."""
    from rich.text import Text

    from mailer.cli.tables import Column, Row, print_table

    if len(calls) > LONG_LIST and not every_row:
        by_day: dict[date, int] = {}
        for f in calls:
            by_day[f.on] = by_day.get(f.on, 0) + 1
        rows = [
            Row((_short(day), str(n), Text("overdue", "red") if day < today else ""))
            for day, n in sorted(by_day.items())
        ]
        print_table(
            out,
            f"Follow-up calls: {len(calls)}",
            (Column("date"), Column("calls", justify="right"), Column("")),
            rows,
        )
        hint(f"more than {LONG_LIST} calls: add --all to list each one, or --csv/--ics")
        return
    columns = (
        Column("date"),
        Column("time"),
        Column("name", flex=True),
        Column("phone", flex=True),
        Column("offer ends"),
    )
    rows = []
    for f in calls:
        why = Text(f.why)
        if f.on < today:
            why = Text.assemble(("overdue", "red"), " · ", f.why)
        rows.append(
            Row(
                (
                    _short(f.on),
                    f"{f.window[0]:%H:%M}-{f.window[1]:%H:%M}",
                    f.name,
                    f.phone,
                    _short(f.offer_deadline),
                ),
                (why, Text(f.script, "dim"), Text(f"voicemail: {f.at_the_beep}", "dim")),
            )
        )
    print_table(out, "Follow-up calls", columns, rows)


@handles_errors
def followups(
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            help="Only calls due on or before this day: today, tomorrow, a weekday name "
            "(friday: the next Friday, today if it is one) or YYYY-MM-DD.",
            metavar="DATE",
            show_default=False,
        ),
    ] = None,
    csv_path: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write the calls to this CSV file.", dir_okay=False),
    ] = None,
    ics_path: Annotated[
        Path | None,
        typer.Option(
            "--ics", help="Also write a calendar file (one event a call).", dir_okay=False
        ),
    ] = None,
    pdf_path: Annotated[
        Path | None,
        typer.Option(
            "--pdf",
            help="Also write the calls as a printable call sheet (a page or more a day).",
            dir_okay=False,
        ),
    ] = None,
    every_row: AllOption = False,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
) -> None:
    """The follow-up calls from the ledger: when (day and time slot), who, why, the offer
    deadline, what to say if they answer and the voicemail to leave (or not). --csv writes
    the call sheet and --pdf the same sheet to print: fill in its outcome column after the
    calls and give the CSV to `mailer run` as the next call log."""
    from mailer.followups.calendar import write_ics
    from mailer.followups.calls import actionable, follow_ups
    from mailer.followups.sheet import write_csv

    day = resolve_today(today)
    until = parse_day(due, "--due", day)
    settings = load_config(config, demo=demo)
    with open_ledger(db, config, create=False) as ledger:
        steps = [s for s in ledger.followups(until) if actionable(s, day)]
    calls = follow_ups(steps, settings)
    if not calls:
        err.print("no follow-up calls" + (f" due by {until}" if until else ""))
        next_step("`mailer plan CALLS.csv` after a calling session plans the next ones")
        return
    followup_table(calls, day, every_row=every_row)
    if csv_path:
        write_csv(calls, csv_path)
        err.print(f"wrote {csv_path}", markup=False)
    if ics_path:
        write_ics(calls, ics_path, day)
        err.print(f"wrote {ics_path}", markup=False)
    if pdf_path:
        from mailer.followups.sheet_pdf import write_pdf

        write_pdf(calls, pdf_path)
        err.print(f"wrote {pdf_path}", markup=False)
    err.print(counted(len(calls), "call") + (f" due by {until}" if until else ""))
    if csv_path:
        next_step(
            f"after the calls, type each outcome into {csv_path} and run "
            f"`mailer run {csv_path}` as the next call log"
        )
    if not ics_path:
        next_step("add --ics calls.ics to put them on your calendar")
