"""`mailer run`: the main job in one go, into one folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mailer.cli.card_cmds import JobsOption, show_cards, show_print
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
    next_step,
    open_ledger,
    output_folder,
    progress_bar,
    require_details,
    resolve_today,
    warn,
)
from mailer.cli.planning_cmds import (
    AllOption,
    CallsArgument,
    DateOrderOption,
    DelimiterOption,
    SheetOption,
    SourceOption,
    counts_line,
    date_order_value,
    delimiter_value,
    plan_table,
    show_notices,
)
from mailer.cli.send_cmds import confirm_live, finish_send, warn_stranded

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.domain.models import Plan
    from mailer.sending.providers.base import Provider
    from mailer.session import SessionReport


@handles_errors
def run(
    calls: CallsArgument,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder. Default: output/YYYY-MM-DD/ (the --today date).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Also submit the cards to the print-and-mail service ([mail] mode = "
            '"provider"). A live key also needs --yes.',
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Confirm a live key.")] = False,
    jobs: JobsOption = 1,
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
    """The main job after a calling session: plan who gets a card and when to call back,
    draw the cards, lay the self-mail ones out on print sheets (or, with --send, submit
    them to the provider), and write the follow-up calls for your calendar.

    Writes plan.json, rejects.csv, cards/, manifest.csv, print.pdf, followups.csv,
    followups.ics and followups.pdf (the call sheet: fill in its outcome column after the
    calls and run the file as the next call log). Safe to run again: the ledger remembers
    the calls, so nothing is planned, printed or charged twice.
    """
    from mailer.session import SessionHooks, SessionRequest, run_session

    day = resolve_today(today)
    settings = load_config(config, demo=demo)
    require_details(settings)
    request = SessionRequest(
        calls=calls,
        out_dir=output_folder(out_dir, day),
        today=day,
        send=send,
        jobs=jobs,
        delimiter=delimiter_value(delimiter),
        date_order=date_order_value(date_order),
        sheet=sheet,
        source=source,
    )

    def on_plan(plan: Plan) -> None:
        from mailer.drawing.painter import long_notes

        show_notices(plan.notices)
        for warning in long_notes(plan.steps, settings):
            warn(warning)
        plan_table(plan, every_row=every_row)

    def confirm(provider: Provider, count: int, cost: float) -> None:
        confirm_live(provider, count, cost, yes)

    hooks = SessionHooks(on_plan=on_plan, progress=progress_bar, confirm_send=confirm)
    with open_ledger(db, config, work="mailer run") as ledger:
        report = run_session(request, settings, ledger, hooks)
    raise typer.Exit(show_session(report, settings, day))


def show_session(report: SessionReport, config: Config, today: date) -> ExitCode:
    """What the session did, in the order it happened; returns the exit code."""
    code = ExitCode.OK
    if report.cards is not None:
        show_cards(report.cards)
    if report.printed is not None:
        show_print(report.printed, report.folder / "print.pdf", config)
    if report.printed_before:
        err.print(
            f"{counted(report.printed_before, 'card')} of this plan printed before "
            "(by an earlier or another run): not printed again",
            markup=False,
        )
        hint("`mailer print --reprint` prints the last batch again")
    if report.sent_before:
        err.print(
            f"{counted(report.sent_before, 'card')} of this plan sent before "
            "(by an earlier or another run): not sent again",
            markup=False,
        )
        hint("`mailer status` shows where they are")
    for piece in report.stranded:
        warn_stranded(piece)
    if report.sent is not None:
        code = finish_send(report.sent, report.send_contacts)
        if code in (ExitCode.INTERRUPTED, ExitCode.FAILED):
            return code
    folder = report.folder
    refused = len(report.cards.failures) if report.cards is not None else 0
    refused += len(report.sent.failed) if report.sent is not None else 0
    totals = report.totals
    err.print(counts_line(totals.counts, refused, totals.skipped))
    err.print(f"wrote {', '.join(report.written)} into {folder}/", markup=False)
    if totals.rejected:
        hint(f"fix the rows in {folder / 'rejects.csv'} and run that file; nothing repeats")
    if report.cards is not None and report.cards.failures:
        hint(f"the cards not drawn are in {folder / 'rejects.csv'}, each with its fix")
    if report.sent is not None and report.sent.failed:
        hint(f"the cards not sent are in {folder / 'rejects.csv'}, each with its fix")
    if report.partial:
        return ExitCode.PARTIAL
    # The calendar step names what the calls are for whatever their purpose (a callback, a
    # last try), and only when there are calls to put on it.
    calendar = f"import {folder / 'followups.ics'} into your calendar for the follow-up calls"
    if report.sheets is not None:
        from mailer.domain.postal_days import when_to_post

        mail = f"print {report.sheets}, stamp and mail the cards {when_to_post(today)}"
        next_step(f"{mail}, then {calendar}" if report.followups else mail)
    elif report.followups:
        next_step(calendar)
    if report.followups:
        sheet = folder / "followups.csv"
        next_step(
            f"print followups.pdf for the calls, then type each outcome into {sheet} and "
            f"run `mailer run {sheet}` as the next call log"
        )
    return code
