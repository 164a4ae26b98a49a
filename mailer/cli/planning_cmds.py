"""`mailer plan`, `mailer followups`, `mailer unsuppress`, `mailer init`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    ExitCode,
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
    warn,
)
from mailer.errors import UsageError

if TYPE_CHECKING:
    from mailer.domain.models import Notice, Plan
    from mailer.followups.calls import FollowUp

CallsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Call logs: CSV (comma, semicolon or tab) or .xlsx exports, or a Google Voice "
        "Takeout folder.",
        metavar="CALLS",
        show_default=False,
    ),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="CSV delimiter: ',' ';' 'tab' or any one character. Default: sniffed.",
        show_default=False,
    ),
]
DateOrderOption = Annotated[
    str,
    typer.Option("--date-order", help="How to read 03/04/2026: mdy (US) or dmy."),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="The .xlsx sheet to read, by name or number (1 is the first). "
        "Default: the active sheet, or the first visible one.",
        show_default=False,
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="The tool the file was exported from (hubspot, salesforce, zoho, pipedrive, "
        "close, aircall, ringcentral, five9, kixie, vicidial, google-voice, party-plan). "
        "Default: detected from the header.",
        show_default=False,
    ),
]

MAX_NOTICES = 25


def delimiter_value(value: str | None) -> str | None:
    from mailer.reading.source_files import parse_delimiter

    return None if value is None else parse_delimiter(value)


def date_order_value(value: str) -> Literal["mdy", "dmy"]:
    if value == "mdy":
        return "mdy"
    if value == "dmy":
        return "dmy"
    raise UsageError(f"--date-order {value!r} is not supported", hint="use mdy or dmy")


def show_notices(notices: tuple[Notice, ...]) -> None:
    for notice in notices[:MAX_NOTICES]:
        warn(str(notice))
    if len(notices) > MAX_NOTICES:
        warn(f"... and {len(notices) - MAX_NOTICES} more warnings like these")


def summary_line(plan: Plan) -> str:
    from mailer.planning.documents import summary

    s = summary(plan)
    return (
        f"{counted(s['rows'], 'row')}, {counted(s['contacts'], 'contact')}: "
        f"{s['mail']} mail, {s['call']} call, "
        f"{s['skip']} skip, {s['suppress']} suppress, {s['rejected']} rejected"
    )


def _short(d: date | None) -> str:
    return f"{d:%a %m/%d}" if d else ""


def plan_table(plan: Plan) -> None:
    from rich.table import Table

    styles = {"mail": "green", "call": "cyan", "skip": "dim", "suppress": "red"}
    several = len(plan.files) > 1
    table = Table(
        title=f"Plan for {plan.today:%A, %B} {plan.today.day}", title_justify="left", expand=False
    )
    table.add_column("row", justify="right", no_wrap=True)
    for column in ("contact", "name", "outcome", "step", "send", "call back", "offer ends"):
        table.add_column(column, no_wrap=True)
    table.add_column("why", overflow="fold", min_width=24, ratio=1)
    for step in plan.steps:
        action = step.action.value
        where = f"{Path(step.record.file).name}:{step.record.row}" if several else step.record.row
        table.add_row(
            escape(str(where)),
            escape(step.contact_id),
            escape(step.record.name),
            step.record.outcome.value.replace("_", " "),
            f"[{styles[action]}]{action}[/] {escape(step.template or '')}".rstrip(),
            _short(step.send_date),
            _short(step.follow_up_call),
            _short(step.offer_expires),
            escape(step.reason),
        )
    out.print(table)
    if plan.rejections:
        rejected = Table(title="Rejected rows", title_justify="left")
        rejected.add_column("row", justify="right", no_wrap=True)
        rejected.add_column("error", overflow="fold")
        for r in plan.rejections:
            where = f"{Path(r.file).name}:{r.row}" if several else str(r.row)
            rejected.add_row(escape(where), escape(r.error))
        out.print(rejected)


@handles_errors
def plan(
    calls: CallsArgument,
    format: Annotated[
        str, typer.Option("--format", "-f", help="table, json (the plan document) or csv.")
    ] = "table",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan without recording anything in the ledger.")
    ] = False,
    delimiter: DelimiterOption = None,
    date_order: DateOrderOption = "mdy",
    sheet: SheetOption = None,
    source: SourceOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """Read call logs and decide, for every contact, who gets a card, why, and when to call.

    Every row ends up in a step or in the rejected list with its line number. The calls are
    recorded in the ledger (unless --dry-run), so running the same file again changes nothing.
    """
    from mailer.planning.documents import plan_json, step_header, step_rows
    from mailer.planning.planner import make_plan

    if format not in ("table", "json", "csv"):
        raise UsageError(f"--format {format!r} is not supported", hint="use table, json or csv")
    day = resolve_today(today)
    settings = load_config(config)
    with open_ledger(db) as ledger:
        result = make_plan(
            calls,
            settings,
            ledger,
            day,
            delimiter=delimiter_value(delimiter),
            date_order=date_order_value(date_order),
            record=not dry_run,
            sheet=sheet,
            source=source,
        )
    show_notices(result.plan.notices)
    if format == "json":
        sys.stdout.write(plan_json(result.plan))
    elif format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(step_header(result.plan))
        writer.writerows(step_rows(result.plan))
    else:
        plan_table(result.plan)
    err.print(summary_line(result.plan))
    if dry_run:
        next_step("this was a dry run; run it without --dry-run to record the plan")
    elif result.recorded is not None and result.recorded.new_calls == 0:
        err.print("[dim]nothing new: these calls were already in the ledger[/dim]")
    if result.plan.rejections:
        hint("fix the rejected rows and run the file again; the others won't be repeated")
        raise typer.Exit(ExitCode.PARTIAL)
    if not dry_run:
        next_step("`mailer run` does the whole job: cards, print sheets and follow-up calls")


def followup_table(calls: list[FollowUp], today: date) -> None:
    from rich.table import Table

    table = Table(title="Follow-up calls", title_justify="left")
    for column in ("date", "time", "name", "phone", "offer ends"):
        table.add_column(column, no_wrap=True)
    table.add_column("why and what to say", overflow="fold", min_width=30)
    for f in calls:
        when = _short(f.on) + (" [red](overdue)[/red]" if f.on < today else "")
        window = f"{f.window[0]:%H:%M}-{f.window[1]:%H:%M}"
        ends = _short(f.offer_deadline)
        table.add_row(
            when,
            window,
            escape(f.name),
            escape(f.phone),
            ends,
            f"{escape(f.why)}\n[dim]{escape(f.script)}[/dim]",
        )
    out.print(table)


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
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """The follow-up calls from the ledger: who, phone, why, the offer deadline, and a short
    script for the second call."""
    from mailer.followups.calls import actionable, follow_ups, write_csv, write_ics

    day = resolve_today(today)
    until = parse_day(due, "--due", day)
    settings = load_config(config)
    with open_ledger(db) as ledger:
        steps = [s for s in ledger.followups(until) if actionable(s, day)]
    calls = follow_ups(steps, settings)
    if not calls:
        err.print("no follow-up calls" + (f" due by {until}" if until else ""))
        next_step("`mailer plan CALLS.csv` after a calling session plans the next ones")
        return
    followup_table(calls, day)
    if csv_path:
        write_csv(calls, csv_path)
        err.print(f"wrote {csv_path}", markup=False)
    if ics_path:
        write_ics(calls, ics_path, day)
        err.print(f"wrote {ics_path}", markup=False)
    err.print(counted(len(calls), "call") + (f" due by {until}" if until else ""))
    if not ics_path:
        next_step("add --ics calls.ics to put them on your calendar")


@handles_errors
def unsuppress(
    contact: Annotated[str, typer.Argument(help="The contact id to take off the list.")],
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """Take a contact off the suppression list. Only do this when they asked to hear from
    you again: no call log can do it, on purpose."""
    resolve_today(today)  # the common options are accepted everywhere; the list has no dates
    del config  # nor settings
    with open_ledger(db) as ledger:
        removed = ledger.unsuppress(contact)
    if not removed:
        err.print(f"[red]error:[/red] {escape(contact)} is not on the suppression list")
        listed = ""
        with open_ledger(db) as ledger:
            listed = ", ".join(c for c, _, _ in ledger.suppressed()[:10])
        if listed:
            hint(f"suppressed contacts include: {listed}")
        raise typer.Exit(ExitCode.FAILED)
    err.print(
        f"{contact} is off the suppression list; their next call log row counts again",
        markup=False,
    )


@handles_errors
def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the starter files.", file_okay=False)
    ] = Path(),
) -> None:
    """Write a starter mailer.toml, a sample call log and an editable copy of the card
    templates. Never overwrites a file that exists."""
    from mailer.scaffold import scaffold

    result = scaffold(directory)
    for path in result.written:
        err.print(f"[green]wrote[/green] {escape(str(path))}")
    for path in result.kept:
        err.print(f"[dim]kept[/dim] {escape(str(path))} (exists; not overwritten)")
    go = "" if directory == Path() else f"`cd {directory}`, "
    next_step(
        f"edit {directory / 'mailer.toml'} (your name, offer and return address), then "
        f"{go}`mailer plan calls_sample.csv`"
    )
