"""The main job as one library call: after a calling session, plan it, draw its cards, print
or send them, and write the follow-up calls, all into one folder.

`run_session` never prints, prompts or exits: what happened comes back as a `SessionReport`
for the caller (the `mailer run` command, a script, a test) to show. The few moments that
need a person are hooks: `on_plan` (the plan is ready, before any card is drawn),
`progress` (a long step starts) and `confirm_send` (a live key is about to charge; raise a
`MailerError` to refuse). Every stage is safe to run again: the ledger remembers the calls
and every card's status, so nothing is planned, printed or charged twice (see
docs/ARCHITECTURE.md, "Never twice").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from pathlib import Path
from shlex import quote
from typing import TYPE_CHECKING

from mailer.config import Config
from mailer.domain.datetext import DateOrder
from mailer.domain.models import Action, MailStep, Plan, Rejection
from mailer.errors import UsageError
from mailer.files import ensure_folder
from mailer.ledger import Ledger, Piece, PieceStatus

if TYPE_CHECKING:
    from mailer.drawing.draw import CardBatch
    from mailer.printing.sheets import PrintReport
    from mailer.sending.loop import SendReport
    from mailer.sending.providers.base import Provider

Advance = Callable[[object], None]
Progress = Callable[[str, int], AbstractContextManager[Advance]]
"""`progress(label, total)` opens a step of `total` units; the callback it yields counts one."""


@contextmanager
def no_progress(_label: str, _total: int) -> Iterator[Advance]:
    yield lambda _: None


@dataclass(frozen=True)
class SessionHooks:
    """What the caller wants to hear of, or be asked, while a session runs."""

    on_plan: Callable[[Plan], None] = lambda _plan: None
    progress: Progress = no_progress
    confirm_send: Callable[[Provider, int, float], None] = lambda _p, _n, _cost: None


@dataclass(frozen=True)
class SessionRequest:
    """One session's input: the call logs, where to write, and how."""

    calls: Sequence[Path]
    out_dir: Path
    today: date
    send: bool = False
    """Submit provider cards to the print-and-mail service (self-mail cards are printed)."""
    jobs: int = 1
    delimiter: str | None = None
    date_order: DateOrder = "mdy"
    sheet: str | None = None
    """The workbook sheet to read, by name or 1-based number (None: the active visible one)."""
    source: str | None = None
    """The preset to read the call logs with (`--source`); None detects it from the header."""


@dataclass(frozen=True)
class PlanTotals:
    """What the summary says of a session's plan, kept once its steps are let go (they are
    in the ledger): a session holds no step for the whole run, so its memory does not grow
    with the plan."""

    today: date
    counts: Mapping[str, int]
    """`planning.documents.summary`: rows, contacts, mail, call, skip, suppress, rejected."""
    skipped: int = 0
    """Rows of a call sheet not called yet (`Plan.skipped`)."""

    @property
    def rejected(self) -> int:
        return self.counts["rejected"]

    @classmethod
    def of(cls, plan: Plan) -> PlanTotals:
        from mailer.planning.documents import summary

        return cls(plan.today, summary(plan), len(plan.skipped))


@dataclass
class SessionReport:
    """What a session did, for the caller to show."""

    totals: PlanTotals
    folder: Path
    written: list[str] = field(default_factory=list)
    """The files and folders written into `folder`, in the order written."""
    cards: CardBatch | None = None
    printed: PrintReport | None = None
    sent: SendReport | None = None
    send_contacts: dict[str, str] = field(default_factory=dict)
    """Piece id -> contact id of the cards sent, to name them in a summary."""
    printed_before: int = 0
    """Cards of this plan printed before this session (by an earlier run, or another one
    that held the ledger meanwhile): not printed again."""
    sent_before: int = 0
    """Cards of this plan sent before this session (`--send`): not sent again."""
    stranded: list[Piece] = field(default_factory=list)
    """Cards left half-sent through another provider: only that provider can finish them."""
    followups: int = 0
    """How many follow-up calls the session's files hold."""

    @property
    def sheets(self) -> Path | None:
        """The print file written, when there was anything to print."""
        return self.printed.path if self.printed is not None else None

    @property
    def partial(self) -> bool:
        """Done, but some rows or cards were refused along the way."""
        return bool(
            self.totals.rejected
            or (self.cards is not None and self.cards.failures)
            or (self.printed is not None and self.printed.failures)
            or (self.sent is not None and self.sent.failed)
        )


def run_session(
    request: SessionRequest, config: Config, ledger: Ledger, hooks: SessionHooks | None = None
) -> SessionReport:
    """Plan the call logs, draw this plan's cards, print (self-mail) or, when asked, send
    (provider) them, and write plan.json, rejects.csv, cards/, manifest.csv, print.pdf,
    followups.csv, followups.ics and followups.pdf into `request.out_dir`. Refuses, before
    anything is recorded, a config without the seller's name and return address
    (`project`)."""
    from mailer.followups.scripts import check_scripts
    from mailer.project import require_details

    require_details(config)
    check_scripts(config)  # a seller's call script that can't be used stops the run here
    hooks = hooks or SessionHooks()
    if request.send and config.mail.mode != "provider":
        raise UsageError(
            '--send needs [mail] mode = "provider" in the config',
            hint="self-mail cards are printed, not sent: drop --send, or change the mode",
        )
    # One session at a time per ledger: a second one waits here (see `Ledger.exclusive`),
    # then finds this one's cards drawn and printed or sent.
    with ledger.exclusive("mailer run"):
        return _run(request, config, ledger, hooks)


def _run(
    request: SessionRequest, config: Config, ledger: Ledger, hooks: SessionHooks
) -> SessionReport:
    from mailer import session_followups
    from mailer.drawing.draw import draw_cards
    from mailer.followups.export import FILES
    from mailer.planning.documents import write_rejects

    mode = config.mail.mode
    folder = request.out_dir
    # The plan's steps are in the ledger now: from here on the session keeps their keys
    # (and the rows it rejected), and the stages read the steps back a page at a time.
    keys, mail, totals, rejected = _planned(request, config, ledger, hooks)
    report = SessionReport(totals, folder)
    with hooks.progress("drawing cards", len(mail)) as advance:
        report.cards = draw_cards(
            ledger,
            config,
            ledger.steps_by_key(mail),
            mode=mode,
            out_dir=folder,
            jobs=request.jobs,
            count=len(mail),
            on_progress=advance,
        )
    failed = [f.step_key for f in report.cards.failures]
    refused = refused_cards(report.cards, ledger.steps_by_key(failed))
    if refused:
        write_rejects(rejected, folder / "rejects.csv", refused)
    report.written += ["plan.json", "rejects.csv", "cards/", "manifest.csv"]
    ahead = None
    if request.jobs > 1 and mode == "self":
        # With cores to spare, the follow-up files are written while the sheets are, in a
        # process of their own (`followups_apart`): printing moves no call. Started once
        # the cards are drawn: the drawing has every core already, and the sheets, written
        # by this process alone, would leave one idle. (Sending may move calls: after it.)
        ahead = session_followups.FollowUpsAhead.start(
            keys, mail, ledger, config, folder, request.today
        )
    try:
        if mode == "self":
            _print(report, ledger, config, mail, request.today)
        elif request.send:
            _send(report, ledger, config, mail, request.today, hooks)
            sent = refused_sends(report.sent, ledger) if report.sent is not None else []
            if sent:
                write_rejects(rejected, folder / "rejects.csv", [*refused, *sent])
        written = ahead.finish(ledger) if ahead is not None else None
    finally:
        if ahead is not None:
            ahead.drop()
    if written is None:  # not written ahead, or some card was lost meanwhile: written now
        written = session_followups.follow_ups(keys, mail, ledger, config, folder, request.today)
    report.followups = written
    report.written += list(FILES)
    return report


def _planned(
    request: SessionRequest, config: Config, ledger: Ledger, hooks: SessionHooks
) -> tuple[list[str], list[str], PlanTotals, Plan]:
    """Plan the call logs (recorded in the ledger), tell the caller, write plan.json and
    rejects.csv; the plan's step keys, those of its cards, its totals, and the plan
    without its steps (its rejected rows, for rejects.csv again). The plan itself is let
    go on return: the cards' drawing reuses its memory."""
    from mailer.planning.documents import write_plan_json, write_rejects
    from mailer.planning.planner import make_plan

    plan = make_plan(
        request.calls,
        config,
        ledger,
        request.today,
        delimiter=request.delimiter,
        date_order=request.date_order,
        sheet=request.sheet,
        source=request.source,
    ).plan
    hooks.on_plan(plan)
    ensure_folder(request.out_dir)
    write_plan_json(plan, request.out_dir / "plan.json")
    write_rejects(plan, request.out_dir / "rejects.csv")
    # `step_key` makes a new string at each call: the two lists share one a step.
    actions: dict[str, Action] = {}
    for step in plan.steps:
        actions.setdefault(step.step_key, step.action)
    mail = [key for key, action in actions.items() if action is Action.MAIL]
    return list(actions), mail, PlanTotals.of(plan), replace(plan, steps=())


def refused_cards(cards: CardBatch, mail: Iterable[MailStep]) -> list[Rejection]:
    """The cards that could not be drawn, as rejects.csv rows with their fix (`mailer run`,
    and `mailer render` on its own); `mail` holds their steps (and may hold others)."""
    from mailer.planning.documents import card_rejection

    steps = {s.step_key: s for s in mail}
    return [
        card_rejection(steps[f.step_key], f"card not drawn: {f.message}", f.hint)
        for f in cards.failures
        if f.step_key in steps
    ]


def refused_sends(
    sent: SendReport, ledger: Ledger, mail: Iterable[MailStep] | None = None
) -> list[Rejection]:
    """The cards the provider refused (or that could not be built for it), as rejects.csv
    rows: the provider's reason, and how to send them once corrected (`mailer run --send`,
    and `mailer send` on its own). Only the cards of `mail`'s steps when given; else their
    steps are read from the ledger."""
    from mailer.planning.documents import card_rejection

    failed = {o.piece_id: ledger.piece(int(o.piece_id)).step_key for o in sent.failed}
    found = ledger.steps_by_key(list(failed.values())) if mail is None else mail
    steps = {s.step_key: s for s in found}
    rows = []
    for outcome in sent.failed:
        step = steps.get(failed[outcome.piece_id])
        if step is None:
            continue
        fix = "; ".join(
            p
            for p in (
                outcome.hint,
                "correct the contact (`mailer contacts edit "
                f"{quote(step.contact_id)} ...`), then `mailer send --submit --retry-failed`",
            )
            if p
        )
        rows.append(card_rejection(step, f"not sent: {outcome.error}", fix))
    return rows


def _print(
    report: SessionReport, ledger: Ledger, config: Config, ours: list[str], today: date
) -> None:
    """Lay this plan's self-mail cards out on sheets (cards of earlier plans wait for
    `mailer print`)."""
    from mailer.printing.sheets import print_batch, printable_steps

    wanted = set(ours)
    todo: list[str] = []

    def due() -> Iterator[MailStep]:
        """The cards to print as the ledger is read, each step read once: the sheets keep
        their order (a string a card), and read again only the steps of cards not drawn."""
        for step in printable_steps(ledger, today, False, step_keys=wanted):
            if step is not None:
                todo.append(step.step_key)
                yield step

    steps = due()
    first = next(steps, None)
    if first is not None:
        report.printed = print_batch(
            ledger, config, chain([first], steps), report.folder / "print.pdf", today
        )
        if report.printed.path is not None:
            report.written.append(report.printed.path.name)
    wanted.difference_update(todo)
    report.printed_before = _done(ledger, wanted, PieceStatus.PRINTED)


def _done(ledger: Ledger, step_keys: set[str], status: PieceStatus) -> int:
    """How many of these steps have a card in `status`."""
    pieces = (ledger.piece_for_step(key) for key in step_keys)
    return sum(1 for p in pieces if p is not None and p.status is status)


def _send(
    report: SessionReport,
    ledger: Ledger,
    config: Config,
    ours: list[str],
    today: date,
    hooks: SessionHooks,
) -> None:
    """Submit this plan's provider cards, once each (see `mailer.sending`)."""
    from mailer.sending.providers import provider_for
    from mailer.sending.submission import (
        claim,
        estimated_cost,
        sendable_steps,
        stranded,
        submit,
    )

    name = config.provider.name
    report.stranded = stranded(ledger, name, step_keys=ours)
    steps = sendable_steps(ledger, name, step_keys=ours)
    waiting = {s.step_key for s in steps}
    report.sent_before = _done(ledger, set(ours) - waiting, PieceStatus.SUBMITTED)
    if not steps:
        return
    provider = provider_for(config, name, None)
    hooks.confirm_send(provider, len(steps), estimated_cost(len(steps), config))
    batch = claim(ledger, steps, config)
    report.send_contacts = {str(o.piece.id): o.piece.contact_id for o in batch}
    with hooks.progress(f"sending to {provider.name}", len(batch)) as advance:
        report.sent = submit(ledger, config, provider, batch, today, on_progress=advance)
