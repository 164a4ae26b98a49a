"""`mailer responses import|list`: orders, replies and clicks, and the cards they came from."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    progress_bar,
    resolve_today,
    warn,
)
from mailer.cli.helptext import Command, Group
from mailer.cli.planning_cmds import DateOrderOption, SheetOption, date_order_value

if TYPE_CHECKING:
    from mailer.domain.responses import ResponseKind
    from mailer.results.responses import ImportReport

app = typer.Typer(
    name="responses",
    cls=Group,
    help="Orders, replies and clicks: which cards worked.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

MAX_LISTED = 25
PROGRESS_FROM = 2000
"""Rows from which matching may take over a second: a progress bar is shown."""


@app.command("import", cls=Command)
@handles_errors
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Orders or clicks as CSV or .xlsx: a shop's or a party-plan sheet's orders, "
            "a link shortener's or a QR service's click export.",
            metavar="FILE...",
            show_default=False,
            dir_okay=False,
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="order, click or reply, when the file doesn't say (orders have an amount or "
            "an order id, clicks a link).",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The word the responses are recorded and reported under (shop, party, qr). "
            "Default: orders, clicks or replies.",
            show_default=False,
        ),
    ] = None,
    date_order: DateOrderOption = "mdy",
    sheet: SheetOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Record the responses in files, each matched to the card it came from: by the card's
    code, else the phone, email, contact id, or name and address, inside the attribution
    window. Importing the same file again records nothing new."""
    from mailer.config import call_zone
    from mailer.results.responses import Fate, import_responses

    resolve_today(today)  # accepted everywhere; a response's own date is what counts
    settings = load_config(config)
    window = settings.results.attribution_days
    order = date_order_value(date_order)
    chosen = _kind(kind)
    word = _source(source)
    with ExitStack() as stack, open_ledger(db, config, create=False) as ledger:
        report = import_responses(
            files,
            ledger,
            window,
            kind=chosen,
            source=word,
            date_order=order,
            zone=call_zone(settings.calls),
            sheet=sheet,
            on_row=_progress(stack),
        )
    _show(report, window)
    rejected = report.count(Fate.REJECTED)
    if rejected:
        hint("fix the rejected rows and import the file again; the others won't be repeated")
        raise typer.Exit(ExitCode.PARTIAL)
    next_step("`mailer responses list` shows them")


def _kind(value: str | None) -> ResponseKind | None:
    from mailer.domain.responses import ResponseKind
    from mailer.errors import UsageError

    if value is None:
        return None
    try:
        return ResponseKind(value.strip().casefold())
    except ValueError:
        raise UsageError(
            f"--kind {value!r} is not a kind of response", hint="use order, click or reply"
        ) from None


def _source(value: str | None) -> str | None:
    from mailer.domain.slugs import slug
    from mailer.errors import UsageError

    if value is None:
        return None
    word = slug(value)
    if not word or len(word) > 30:
        raise UsageError(
            f"--source {value!r} is not a short word",
            hint="name where the file came from in a word or two, e.g. --source shop",
        )
    return word


def _progress(stack: ExitStack) -> Callable[[int], None]:
    """A callback that shows a progress bar once it learns the rows are many."""
    advance: list[Callable[[object], None]] = []

    def on_row(total: int) -> None:
        if not advance and total >= PROGRESS_FROM:
            advance.append(stack.enter_context(progress_bar("matching responses", total)))
        if advance:
            advance[0](None)

    return on_row


def _show(report: ImportReport, window: int) -> None:
    from mailer.results.responses import Fate

    for notice in report.notices[:MAX_LISTED]:
        warn(notice)
    for file, kind, source in report.files:
        n = sum(r.file == file for r in report.rows)
        err.print(f"{escape(file)}: {counted(n, 'row')} of {kind}s, recorded as {source}")
        read = ", ".join(f"{f} {h!r}" for f, h in report.columns.get(file, {}).items())
        err.print(f"[dim]columns read: {escape(read)}[/dim]")
    for fate, style in ((Fate.NOT_CREDITED, "yellow"), (Fate.REJECTED, "red")):
        rows = [r for r in report.rows if r.fate is fate]
        for row in rows[:MAX_LISTED]:
            where = escape(f"{Path(row.file).name}:{row.line}")
            err.print(f"[{style}]{fate}[/{style}] {where}: {escape(row.detail)}")
        if len(rows) > MAX_LISTED:
            err.print(f"... and {len(rows) - MAX_LISTED} more {fate}")
    by_key = report.by_key()
    how = ", ".join(f"{n} by {key}" for key, n in sorted(by_key.items(), key=lambda kv: -kv[1]))
    err.print(
        f"{report.count(Fate.CREDITED)} credited"
        + (f" ({how})" if how else "")
        + f", {report.count(Fate.NOT_CREDITED)} not credited,"
        f" {report.count(Fate.ALREADY)} already recorded,"
        f" {report.count(Fate.REJECTED)} rejected",
        markup=False,
    )
    if report.count(Fate.NOT_CREDITED):
        hint(
            f"a response counts for a card from the day it arrives until {window} days after"
            " ([results] attribution_days in mailer.toml)"
        )


@app.command("list", cls=Command)
@handles_errors
def list_(
    every: Annotated[
        bool, typer.Option("--all", help=f"List every response (else the latest {MAX_LISTED}).")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only responses on or after this day (YYYY-MM-DD or a weekday name).",
            metavar="DATE",
            show_default=False,
        ),
    ] = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """The recorded responses, newest first: the card each is credited to and how it was
    matched, or why it is not credited."""
    from rich.table import Table

    day = resolve_today(today)
    start = parse_day(since, "--since", day)
    with open_ledger(db, config, create=False) as ledger:
        found = ledger.responses(start)
    if not found:
        err.print("no responses recorded" + (f" since {start}" if start else ""))
        next_step("`mailer responses import orders.csv` records a shop's orders")
        return
    shown = found if every else found[:MAX_LISTED]
    table = Table(title="Responses", title_justify="left", expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("card", no_wrap=True)
    table.add_column("who", no_wrap=True, max_width=12, overflow="ellipsis")
    table.add_column("how", overflow="fold", min_width=12, ratio=1)
    for r in shown:
        amount = "" if r.amount_cents is None else f"{r.amount_cents / 100:,.2f}"
        card = _display(r.card_code) if r.step_key else "-"
        how = f"{r.matched_by} ({r.source})" if r.step_key else f"not credited: {r.detail}"
        table.add_row(
            r.at.date().isoformat(),
            r.kind,
            amount,
            card,
            escape(r.contact_id or ""),
            escape(how),
        )
    out.print(table, width=min(out.width, 80))
    more = f" ({len(found) - len(shown)} more: --all lists them)" if len(shown) < len(found) else ""
    err.print(counted(len(found), "response") + more, markup=False)


def _display(code: str | None) -> str:
    from mailer.domain.card_codes import display

    return display(code) if code else "-"
