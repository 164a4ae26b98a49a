"""`mailer run`: the main job in one go, into one folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mailer.cli.card_cmds import JobsOption, do_print, draw_with_progress
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
    output_folder,
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

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.ledger import Ledger


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
    delimiter: DelimiterOption = None,
    date_order: DateOrderOption = "mdy",
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """The main job after a calling session: plan who gets a card and when to call back,
    draw the cards, lay the self-mail ones out on print sheets (or, with --send, submit
    them to the provider), and write the follow-up calls for your calendar.

    Writes plan.json, rejects.csv, cards/, manifest.csv, print.pdf, followups.csv and
    followups.ics. Safe to run again: the ledger remembers the calls, so nothing is planned,
    printed or charged twice.
    """
    from mailer.domain.models import Action
    from mailer.followups.calls import follow_ups, write_csv, write_ics
    from mailer.planning.documents import write_plan_json, write_rejects
    from mailer.planning.planner import make_plan

    day = resolve_today(today)
    settings = load_config(config)
    folder = output_folder(out_dir, day)
    mode = settings.mail.mode
    if send and mode != "provider":
        raise typer.BadParameter(
            'needs [mail] mode = "provider" in the config (self-mail cards are printed)',
            param_hint="--send",
        )
    partial = False
    with open_ledger(db) as ledger:
        plan = make_plan(
            calls,
            settings,
            ledger,
            day,
            delimiter=delimiter_value(delimiter),
            date_order=date_order_value(date_order),
        ).plan
        show_notices(plan.notices)
        plan_table(plan)
        folder.mkdir(parents=True, exist_ok=True)
        write_plan_json(plan, folder / "plan.json")
        write_rejects(plan, folder / "rejects.csv")
        mail = [s for s in plan.steps if s.action is Action.MAIL]
        batch = draw_with_progress(
            ledger, settings, mail, total=len(mail), mode=mode, folder=folder, jobs=jobs
        )
        partial |= bool(batch.failures)
        written = ["plan.json", "rejects.csv", "cards/", "manifest.csv"]
        sheets: Path | None = None
        if mode == "self":
            ours = {s.step_key for s in mail}
            from mailer.printing.sheets import printable_steps

            todo = [s for s in printable_steps(ledger, day, False)[0] if s.step_key in ours]
            if todo:
                report = do_print(
                    ledger,
                    settings,
                    todo,
                    stock_name=None,
                    duplex=None,
                    sort=None,
                    out=folder / "print.pdf",
                    today=day,
                )
                partial |= bool(report.failures)
                if report.path is not None:
                    sheets = report.path
                    written.append(sheets.name)
        elif send:
            partial |= _send(ledger, settings, [s.step_key for s in mail], day, yes)
        # The ledger's steps, not the plan's: a provider's delivery date moves the calls.
        steps = [ledger.current(s) for s in plan.steps]
    calls_to_make = follow_ups(steps, settings)
    write_csv(calls_to_make, folder / "followups.csv")
    write_ics(calls_to_make, folder / "followups.ics", day)
    written += ["followups.csv", "followups.ics"]
    err.print(summary_line(plan))
    err.print(f"wrote {', '.join(written)} into {folder}/", markup=False)
    if plan.rejections:
        hint(f"fix the rows in {folder / 'rejects.csv'} and run that file; nothing repeats")
    if plan.rejections or partial:
        raise typer.Exit(ExitCode.PARTIAL)
    if sheets is not None:
        next_step(
            f"print {sheets}, stamp and mail the cards, then import "
            f"{folder / 'followups.ics'} into your calendar for the second calls"
        )
    else:
        next_step(f"import {folder / 'followups.ics'} into your calendar for the second calls")


def _send(ledger: Ledger, settings: Config, step_keys: list[str], day: date, yes: bool) -> bool:
    """Submit this plan's cards; True when some were refused."""
    from mailer.cli.send_cmds import (
        confirm_live,
        finish_send,
        provider_for,
        submit_batch,
        warn_stranded,
    )
    from mailer.sending.submission import claim, estimated_cost, sendable_steps, stranded

    name = settings.provider.name
    warn_stranded(stranded(ledger, name, step_keys=step_keys))
    steps = sendable_steps(ledger, name, step_keys=step_keys)
    if not steps:
        return False
    provider = provider_for(settings, name, None)
    confirm_live(provider, len(steps), estimated_cost(len(steps), settings), yes)
    batch = claim(ledger, steps, settings)
    report = submit_batch(ledger, settings, provider, batch, day, jobs=4, verify=False)
    try:
        finish_send(report, {str(o.piece.id): o.piece.contact_id for o in batch})
    except typer.Exit as exit_:
        if exit_.exit_code == ExitCode.PARTIAL:
            return True
        raise
    return False
