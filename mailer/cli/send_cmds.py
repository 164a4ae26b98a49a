"""`mailer send`, `mailer status`, `mailer cancel`: cards through a print-and-mail service.

Nothing goes to a paid service without `--submit`; a live key also needs `--yes` or a yes at
the prompt. The key comes from the environment and is never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from mailer.cli.card_cmds import OutOption
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
    output_folder,
    progress_bar,
    require_details,
    resolve_today,
    warn,
)
from mailer.errors import MailerError, UsageError
from mailer.sending.providers import known_provider, provider_for

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.domain.models import MailStep
    from mailer.ledger import Ledger, Piece
    from mailer.sending.loop import SendReport
    from mailer.sending.providers.base import Provider
    from mailer.sending.submission import Outgoing

ProviderOption = Annotated[
    str | None,
    typer.Option("--provider", help="lob or postgrid. Default: [provider] name in the config."),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="The provider's API address (also LOB_BASE_URL / POSTGRID_BASE_URL).",
        show_default=False,
    ),
]
SentThroughOption = Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="Only the cards sent through lob or postgrid. Default: each card's own provider.",
        show_default=False,
    ),
]


def confirm_live(provider: Provider, count: int, cost: float, yes: bool) -> None:
    """A live key prints and mails real cards: ask, or insist on --yes when nobody can be
    asked."""
    if not provider.is_live or yes:
        return
    if not sys.stdin.isatty():
        raise MailerError(
            f"refusing to send {counted(count, 'card')} with a LIVE {provider.name} key "
            "without --yes",
            hint="live keys print, mail and charge; add --yes to confirm, or use a test_ key",
        )
    if not typer.confirm(
        f"Send {counted(count, 'real card')} with your LIVE {provider.name} key "
        f"(about ${cost:.2f})?",
        default=False,
        err=True,
    ):
        raise MailerError("nothing sent", hint="use a test_ key to try it out for free")


def warn_stranded(piece: Piece) -> None:
    """A card another provider was sending: sent here too, it could be created twice."""
    warn(
        f"{piece.contact_id} was being sent through {piece.provider}: finish it with "
        f"`mailer send --submit --provider {piece.provider}`"
    )


def dry_run_table(steps: list[MailStep], config: Config, provider: Provider, today: date) -> int:
    """Show what would go; returns how many cards the provider would refuse."""
    from mailer.cli.tables import Column, Row, print_table
    from mailer.domain.names import addressed_name
    from mailer.ledger import idempotency_key
    from mailer.sending.submission import (
        build_request,
        estimated_cost,
        provider_size,
        refusals,
    )

    size = provider_size(config.mail)
    rows = []
    shortened = 0
    for step in steps:
        r = step.record
        place = f"{r.address.city} {r.address.state}".strip()
        when = f"{step.send_date:%a %m/%d}" if step.send_date else "now"
        # The name as the provider gets it: a long one shortened by the rule, marked so.
        name = addressed_name(r.name, provider.name)
        if name != " ".join(r.name.split()):
            shortened += 1
            name += " *"
        rows.append(Row((r.contact_id, name, step.template or "", size, place, when)))
    columns = (
        Column("contact", flex=True),
        Column("name", flex=True),
        Column("card", flex=True),
        Column("size"),
        Column("city", flex=True),
        Column("send"),
    )
    print_table(out, f"Would send to {provider.name} (dry run)", columns, rows)
    if shortened:
        err.print(
            f"* {counted(shortened, 'name')} shortened to {provider.name}'s limit, as the card "
            "will show it; the ledger keeps the full name",
            markup=False,
        )
    cost = estimated_cost(len(steps), config)
    since = config.provider.prices_since.isoformat()
    err.print(
        f"{counted(len(steps), 'card')}, about ${cost:.2f} at {provider.name}'s prices of {since}"
    )
    refused = refusals(steps, config, today, provider)
    for step, problems in refused:
        err.print(
            f"[red]would be refused:[/red] {escape(step.record.contact_id)}: "
            + escape("; ".join(problems))
        )
    if refused:
        hint(
            f"{len(refused)} of {counted(len(steps), 'card')} would be refused by "
            f"{provider.name}: fix them where they are recorded; the real send skips them and "
            "sends the rest"
        )
    first = steps[0]
    key = idempotency_key(first.step_key, "provider", size)
    # The day the real send would use (--today), so this is the request it would make.
    request = build_request(first, key, size, config, today, provider.name)
    # Only the first card is drawn here: its artwork is checked too (each card's is before
    # its own request).
    known = next((problems for step, problems in refused if step is first), [])
    for problem in provider.problems(request):
        if problem not in known:
            err.print(
                f"[red]would be refused:[/red] {escape(first.record.contact_id)}: {escape(problem)}"
            )
            refused.append((first, [problem]))
    err.print("\nThe request for the first card, exactly as it would go (key redacted):")
    out.print(provider.dry_run_request(request), markup=False, highlight=False)
    return len({id(step) for step, _ in refused})


def missing_key(name: str) -> None:
    """A dry run works without a key; say so, or the first real send is a surprise."""
    import os

    from mailer.sending.providers import PROVIDERS

    variable = PROVIDERS[name].key_var
    if not os.environ.get(variable, "").strip():
        warn(
            f"{variable} is not set: this dry run used a stand-in key. A real send "
            f"(--submit) needs your {name} API key in {variable}."
        )


@handles_errors
def send(
    submit: Annotated[
        bool, typer.Option("--submit", help="Really send. Without it, a dry run.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm sending with a live key.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=16, help="Requests at once.")] = 4,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most N cards.")
    ] = None,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Check US addresses with the provider first; skip bad ones."),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try cards that failed before again.")
    ] = False,
    provider_name: ProviderOption = None,
    base_url: BaseUrlOption = None,
    out_dir: OutOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
) -> None:
    """Send the planned cards through a print-and-mail service (Lob or PostGrid).

    A dry run by default: shows what would go, the cost, and the exact first request.
    Every card has an idempotency key stored before its request, so a run that was cut off
    can simply be run again: no card is created or charged twice.
    """
    from mailer.planning.documents import add_rejects
    from mailer.sending.submission import claim, estimated_cost, sendable_steps, stranded
    from mailer.session import refused_sends

    day = resolve_today(today)
    settings = load_config(config, demo=demo)
    if settings.mail.mode != "provider":
        # Self-mail cards are printed at home; sending them too would mail them twice.
        raise UsageError(
            'mailer send needs [mail] mode = "provider" in the config',
            hint='set [mail] mode = "provider" (and a size: 4x6, 6x9, 6x11), then plan again',
        )
    name = known_provider(provider_name or settings.provider.name)
    with open_ledger(db, config, create=False, work="mailer send" if submit else None) as ledger:
        for piece in stranded(ledger, name):
            warn_stranded(piece)
        steps = sendable_steps(ledger, name, retry_failed=retry_failed, limit=limit)
        if not steps:
            err.print("nothing to send: every planned card has gone (or was printed)")
            next_step("`mailer status --refresh` shows where the sent cards are")
            return
        provider = provider_for(settings, name, base_url, dry_run=not submit)
        if not submit:
            mark_missing(settings, "the dry run shows the cards without them")
            refused = dry_run_table(steps, settings, provider, day)
            missing_key(name)
            next_step("this was a dry run: nothing was sent. To send: mailer send --submit")
            if refused:
                raise typer.Exit(ExitCode.PARTIAL)
            return
        require_details(settings)
        confirm_live(provider, len(steps), estimated_cost(len(steps), settings), yes)
        batch = claim(ledger, steps, settings)
        report = submit_batch(ledger, settings, provider, batch, day, jobs=jobs, verify=verify)
        not_sent = refused_sends(report, ledger, steps)
    code = finish_send(report, {str(o.piece.id): o.piece.contact_id for o in batch})
    if not_sent and code is not ExitCode.INTERRUPTED:
        rejects = output_folder(out_dir, day) / "rejects.csv"
        add_rejects(rejects, not_sent)
        hint(f"the cards not sent are in {rejects}, each with its fix")
    if code is not ExitCode.OK:
        raise typer.Exit(code)
    next_step("`mailer status --refresh` follows them; `mailer cancel ID` takes one back")


def submit_batch(
    ledger: Ledger,
    config: Config,
    provider: Provider,
    batch: list[Outgoing],
    today: date,
    *,
    jobs: int,
    verify: bool,
) -> SendReport:
    """Send with a progress bar; returns the loop's report."""
    from mailer.sending.submission import submit

    with progress_bar(f"sending to {provider.name}", len(batch)) as advance:
        return submit(
            ledger, config, provider, batch, today, jobs=jobs, verify=verify, on_progress=advance
        )


def finish_send(report: SendReport, contacts: Mapping[str, str]) -> ExitCode:
    """The summary and each refused card by contact; returns the exit code it calls for."""
    err.print(
        f"{len(report.submitted)} sent, {len(report.failed)} failed, "
        f"{len(report.pending) + len(report.skipped)} not sent"
    )
    for failure in report.failed:
        who = contacts.get(failure.piece_id, f"card {failure.piece_id}")
        err.print(f"[red]failed:[/red] {escape(who)}: {escape(failure.error)}")
    if report.interrupted:
        err.print("[red]interrupted.[/red] Run the same command again to finish the batch.")
        return ExitCode.INTERRUPTED
    if report.stopped_reason:
        err.print(f"[red]stopped:[/red] {escape(report.stopped_reason)}")
        why = next((o.hint for o in report.pending if o.error == report.stopped_reason), "")
        hint(why or "fix that, then run the same command again: nothing will be sent twice")
        return ExitCode.FAILED
    if report.failed:
        hint("fix what the provider said, then `mailer send --submit --retry-failed`")
        return ExitCode.PARTIAL
    return ExitCode.OK


@handles_errors
def status(
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask the provider for news first.")
    ] = False,
    provider_name: SentThroughOption = None,
    base_url: BaseUrlOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Where the sent cards are: status, expected delivery, tracking, follow-up call."""
    from mailer.cli.tables import Column, Row, print_table
    from mailer.domain.card_codes import display
    from mailer.ledger import PieceStatus
    from mailer.sending.aftercare import Refresh, refresh_pieces, sent_through

    resolve_today(today)  # accepted like everywhere; the provider's dates are shown as they are
    only = known_provider(provider_name) if provider_name else None
    settings = load_config(config)
    with open_ledger(db, config, create=False) as ledger:
        if refresh:
            news = Refresh()
            sent = ledger.pieces(PieceStatus.SUBMITTED, mode="provider")
            # Each card is asked about where it was sent, whatever the config names now.
            for name, pieces in sent_through(sent, settings.provider.name, only).items():
                news.add(refresh_pieces(ledger, provider_for(settings, name, base_url), pieces))
            err.print(
                f"refreshed {counted(news.checked, 'card')}: "
                f"{counted(news.events, 'new tracking event')}"
            )
            for problem in news.problems:
                warn(problem)
            for piece, why in news.undelivered:
                err.print(
                    f"[red]not delivered:[/red] {escape(piece.contact_id)}: {escape(why)}; "
                    "the follow-up call is cancelled"
                )
            for step in news.held:
                err.print(
                    f"[red]held:[/red] {escape(step.contact_id)}'s {escape(step.template or '')}"
                    " card, planned to the same address, is cancelled"
                )
            if news.undelivered:
                hint("check those addresses (`mailer status` marks them), then plan again")
        shown = [
            p
            for p in ledger.pieces(mode="provider")
            if p.status is not PieceStatus.PLANNED and p.status is not PieceStatus.RENDERED
        ]
        rows: list[Row] = []
        for piece in shown:
            step = ledger.step(piece.step_key)
            events = ledger.events(piece.id)
            latest = events[-1].detail if events else ""
            if piece.error and piece.status is PieceStatus.SUBMITTED:
                latest = piece.error  # a flagged address outranks the latest scan
            delivery = piece.expected_delivery
            # The provider's word while the card is with it; a cancelled or failed card says so.
            at_provider = piece.status is PieceStatus.SUBMITTED
            cells = (
                piece.contact_id,
                piece.provider_id or "",
                (piece.provider_status if at_provider else None) or piece.status.value,
                f"{delivery:%a %m/%d}" if delivery else "",
                f"{step.follow_up_call:%a %m/%d}" if step.follow_up_call else "",
            )
            # The id stays whole on its line (it is what `mailer cancel` takes); the card and
            # the latest word, free text of any length, go under the row.
            code = f"code {display(step.card_code)}" if step.card_code else ""
            notes = " · ".join(filter(None, (piece.template, code, latest)))
            rows.append(Row(cells, notes=(notes,)))
    if not shown:
        err.print("no cards have been sent through a provider yet")
        next_step("`mailer send` shows what would go")
        return
    columns = (
        Column("contact", flex=True),
        Column("id"),
        Column("status", flex=True),
        Column("delivery"),
        Column("call back"),
    )
    print_table(out, "Cards at the provider", columns, rows)
    if not refresh:
        next_step("add --refresh to ask the provider for the latest status and tracking")


@handles_errors
def cancel(
    card: Annotated[
        str | None,
        typer.Argument(help="The provider's id (psc_...) or a contact id.", show_default=False),
    ] = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Cancel every sent card the provider still allows.")
    ] = False,
    provider_name: SentThroughOption = None,
    base_url: BaseUrlOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Take back sent cards while the provider still allows it (before production)."""
    from mailer.sending.aftercare import (
        Cancellation,
        cancel_pieces,
        pieces_to_cancel,
        sent_through,
    )

    resolve_today(today)  # accepted like everywhere; a cancel is now or never
    if (card is None) == (not pending):
        raise UsageError("say which card to cancel", hint="give an ID, or --pending for all")
    only = known_provider(provider_name) if provider_name else None
    settings = load_config(config)
    with open_ledger(db, config, create=False) as ledger:
        groups = sent_through(pieces_to_cancel(ledger, card), settings.provider.name, only)
        if not groups:
            raise MailerError(
                f"no sent card matches {card}" if card else "no sent card to cancel",
                hint="`mailer status` lists the sent cards and their ids",
            )
        result = Cancellation()
        for name, targets in groups.items():
            part = cancel_pieces(ledger, provider_for(settings, name, base_url), targets)
            result.cancelled += part.cancelled
            result.refused += part.refused
    for piece in result.cancelled:
        err.print(
            f"[green]cancelled[/green] {escape(piece.provider_id or '')} "
            f"({escape(piece.contact_id)})"
        )
    for piece, why in result.refused:
        err.print(
            f"[red]too late[/red] {piece.provider_id} ({escape(piece.contact_id)}): {escape(why)}"
        )
    if result.refused:
        hint("the provider has started printing those; they will be mailed")
        raise typer.Exit(ExitCode.PARTIAL)
