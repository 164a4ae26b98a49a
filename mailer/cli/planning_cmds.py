"""`mailer plan`, `mailer unsuppress`."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    DemoOption,
    ExitCode,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    load_config,
    mark_missing,
    next_step,
    open_ledger,
    out,
    resolve_today,
    warn,
)
from mailer.errors import UsageError

if TYPE_CHECKING:
    from mailer.domain.models import MailStep, Notice, Plan

CallsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Call logs: CSV (comma, semicolon or tab) or .xlsx exports, or a Google Voice "
        "Takeout folder.",
        metavar="CALLS...",
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

AllOption = Annotated[
    bool,
    typer.Option(
        "--all", help="List every row, even past 30 (else a summary: the files hold them all)."
    ),
]


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


def summary_line(plan: Plan, refused_cards: int = 0) -> str:
    """The plan in one line; `refused_cards` (planned cards not drawn or not sent) are
    rejects too, said after the rows."""
    from mailer.planning.documents import summary

    return counts_line(summary(plan), refused_cards, len(plan.skipped))


def counts_line(s: Mapping[str, int], refused_cards: int = 0, not_called: int = 0) -> str:
    """`summary_line` from the plan's counts (`planning.documents.summary`), once its steps
    are gone (`mailer run` keeps only these)."""
    refused = f", {counted(refused_cards, 'card')} refused" if refused_cards else ""
    return (
        f"{counted(s['rows'], 'row')}, {counted(s['contacts'], 'contact')}: "
        f"{s['mail']} mail, {s['call']} call, "
        f"{s['skip']} skip, {s['suppress']} suppress, {s['rejected']} rejected{refused}"
    ) + (f", {not_called} not called yet" if not_called else "")


def _short(d: date | None) -> str:
    return f"{d:%a %m/%d}" if d else ""


def _span(days: list[date]) -> str:
    """The days of a group of steps: one day, or the first and the last."""
    if not days:
        return ""
    first, last = min(days), max(days)
    return _short(first) if first == last else f"{first:%m/%d}-{last:%m/%d}"


LONG_LIST = 30
"""More rows than this (steps of a plan, follow-up calls) show as a summary unless --all:
a default terminal holds about 24 lines, and the files written hold every row."""

ACTION_STYLES = {"mail": "green", "call": "cyan", "skip": "dim", "suppress": "red"}


def plan_table(plan: Plan, *, every_row: bool = False) -> None:
    """The plan at the terminal's width: a row a step with the reason under it, or, for a
    plan of more than `LONG_LIST` steps without `every_row`, a summary by step."""
    from rich.text import Text

    from mailer.cli.tables import Column, Row, print_table

    title = f"Plan for {plan.today:%A, %B} {plan.today.day}"
    if len(plan.steps) > LONG_LIST and not every_row:
        plan_summary_table(plan, title)
    else:
        several = len(plan.files) > 1
        columns = (
            Column("row", justify="right"),
            Column("name", flex=True),
            Column("step", flex=True),
            Column("send"),
            Column("call back"),
            Column("offer ends"),
        )
        rows = []
        for step in plan.steps:
            action = step.action.value
            where = f"{Path(step.record.file).name}:{step.record.row} · " if several else ""
            outcome = step.record.outcome.value.replace("_", " ")
            rows.append(
                Row(
                    (
                        str(step.record.row),
                        step.record.name,
                        Text(f"{action} {step.template or ''}".rstrip(), ACTION_STYLES[action]),
                        _short(step.send_date),
                        _short(step.follow_up_call),
                        _short(step.offer_expires),
                    ),
                    (f"{where}{step.contact_id} · {outcome} · {step.reason}{_card_note(step)}",),
                )
            )
        print_table(out, title, columns, rows)
    if plan.rejections:
        several = len(plan.files) > 1
        # A file in the wrong shape rejects every row: past a few dozen, the rest are counted.
        shown = plan.rejections if every_row else plan.rejections[:LONG_LIST]
        print_table(
            out,
            "Rejected rows",
            (Column("row", justify="right"), Column("error", flex=True)),
            [
                Row((f"{Path(r.file).name}:{r.row}" if several else str(r.row), r.error))
                for r in shown
            ],
        )
        if len(shown) < len(plan.rejections):
            more = len(plan.rejections) - len(shown)
            hint(f"... and {counted(more, 'more row')} rejected: --all lists every one")


def _card_note(step: MailStep) -> str:
    """The card's code (marked when the plan is not recorded) and experiment variant."""
    from mailer.domain.step_codes import step_code

    code = step_code(step)
    said = f" · code {code.shown}" if code else ""
    return said + (f" · variant {step.variant}" if step.variant else "")


def plan_summary_table(plan: Plan, title: str) -> None:
    """A long plan in a few lines: how many contacts each step has, and its days."""
    from rich.text import Text

    from mailer.cli.tables import Column, Row, print_table

    groups: dict[tuple[str, str], list[MailStep]] = {}
    for step in plan.steps:
        name = step.template or ""
        if step.variant:  # an experiment's groups
            name = f"{name} · {step.variant}".lstrip()
        groups.setdefault((step.action.value, name), []).append(step)
    order = list(ACTION_STYLES)
    rows = [
        Row(
            (
                Text(f"{action} {template}".rstrip(), ACTION_STYLES[action]),
                str(len(steps)),
                _span([s.send_date for s in steps if s.send_date]),
                _span([s.follow_up_call for s in steps if s.follow_up_call]),
                _span([s.offer_expires for s in steps if s.offer_expires]),
            )
        )
        for (action, template), steps in sorted(
            groups.items(), key=lambda g: (order.index(g[0][0]), g[0][1])
        )
    ]
    columns = (
        Column("step", flex=True),
        Column("contacts", justify="right"),
        Column("send"),
        Column("call back"),
        Column("offer ends"),
    )
    print_table(out, f"{title}: {counted(len(plan.steps), 'contact')}", columns, rows)
    hint(f"more than {LONG_LIST} contacts: add --all to list each one, or use --format csv")


@handles_errors
def plan(
    calls: CallsArgument,
    format: Annotated[
        str, typer.Option("--format", "-f", help="table, json (the plan document) or csv.")
    ] = "table",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan without recording anything in the ledger.")
    ] = False,
    every_row: AllOption = False,
    delimiter: DelimiterOption = None,
    date_order: DateOrderOption = "mdy",
    sheet: SheetOption = None,
    source: SourceOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
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
    settings = load_config(config, demo=demo)
    with open_ledger(db, config, create=not dry_run, scratch=dry_run) as ledger:
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
    from mailer.drawing.painter import long_notes

    for warning in long_notes(result.plan.steps, settings):
        warn(warning)
    if format == "json":
        sys.stdout.write(plan_json(result.plan))
    elif format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(step_header(result.plan))
        writer.writerows(step_rows(result.plan))
    else:
        plan_table(result.plan, every_row=every_row)
    mark_missing(settings, "`mailer run` would refuse to draw these cards")
    err.print(summary_line(result.plan))
    if result.responses:
        said = counted(result.responses, "order or reply", "orders and replies")
        err.print(f"{said} recorded from the calls (`mailer responses list`)", markup=False)
    if dry_run:
        next_step("this was a dry run; run it without --dry-run to record the plan")
    elif result.recorded is not None and result.recorded.new_calls == 0:
        changed = result.recorded.updated_steps
        again = f"; {counted(changed, 'step')} planned again (another day or other settings)"
        err.print(
            "[dim]nothing new: these calls were already in the ledger"
            f"{again if changed else ''}[/dim]"
        )
    if result.plan.rejections:
        hint("fix the rejected rows and run the file again; the others won't be repeated")
        raise typer.Exit(ExitCode.PARTIAL)
    if not dry_run:
        next_step("`mailer run` does the whole job: cards, print sheets and follow-up calls")


@handles_errors
def unsuppress(
    contact: Annotated[str, typer.Argument(help="The contact id to take off the list.")],
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Take a contact off the suppression list. Only do this when they asked to hear from
    you again: no call log can do it, on purpose."""
    resolve_today(today)  # the common options are accepted everywhere; the list has no dates
    with open_ledger(db, config, create=False) as ledger:
        removed = ledger.unsuppress(contact)
        listed = "" if removed else ", ".join(c for c, _, _ in ledger.suppressed()[:10])
    if not removed:
        err.print(f"[red]error:[/red] {escape(contact)} is not on the suppression list")
        if listed:
            hint(f"suppressed contacts include: {listed}")
        raise typer.Exit(ExitCode.FAILED)
    err.print(
        f"{contact} is off the suppression list; their next call log row counts again",
        markup=False,
    )
