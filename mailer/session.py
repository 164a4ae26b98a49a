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

import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
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
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from mailer.drawing.draw import CardBatch
    from mailer.printing.sheets import PrintReport
    from mailer.sending.loop import SendReport
    from mailer.sending.providers.base import Provider

Advance = Callable[[object], None]
Progress = Callable[[str, int], AbstractContextManager[Advance]]
FETCH_PAGE = 500
"""Steps read from the ledger at a time while the follow-up files are written."""
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


@dataclass
class SessionReport:
    """What a session did, for the caller to show."""

    plan: Plan
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
            self.plan.rejections
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
    from mailer.drawing.draw import draw_cards
    from mailer.followups.export import FILES
    from mailer.planning.documents import write_plan_json, write_rejects
    from mailer.planning.planner import make_plan

    mode = config.mail.mode
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
    folder = request.out_dir
    ensure_folder(folder)
    report = SessionReport(plan, folder)
    write_plan_json(plan, folder / "plan.json")
    write_rejects(plan, folder / "rejects.csv")
    mail = [s for s in plan.steps if s.action is Action.MAIL]
    ours = [s.step_key for s in mail]
    ahead = None
    if request.jobs > 1 and not request.send:
        # Nothing the cards' drawing or printing does moves a call (sending may): with
        # cores to spare, the follow-up files are written meanwhile, in a process of
        # their own (`followups_apart`).
        ahead = FollowUpsAhead.start(plan, ledger, config, folder, request.today)
    try:
        with hooks.progress("drawing cards", len(mail)) as advance:
            report.cards = draw_cards(
                ledger,
                config,
                mail,
                mode=mode,
                out_dir=folder,
                jobs=request.jobs,
                count=len(mail),
                on_progress=advance,
            )
        refused = refused_cards(report.cards, mail)
        if refused:
            write_rejects(plan, folder / "rejects.csv", refused)
        report.written += ["plan.json", "rejects.csv", "cards/", "manifest.csv"]
        if mode == "self":
            _print(report, ledger, config, ours, request.today)
        elif request.send:
            _send(report, ledger, config, ours, request.today, hooks)
            sent = refused_sends(report.sent, ledger, mail) if report.sent is not None else []
            if sent:
                write_rejects(plan, folder / "rejects.csv", [*refused, *sent])
        written = ahead.finish(ledger) if ahead is not None else None
    finally:
        if ahead is not None:
            ahead.drop()
    if written is None:  # not written ahead, or some card was lost meanwhile: written now
        written = _follow_ups(plan, mail, ledger, config, folder, request.today)
    report.followups = written
    report.written += list(FILES)
    return report


def _follow_ups(
    plan: Plan, mail: list[MailStep], ledger: Ledger, config: Config, folder: Path, today: date
) -> int:
    """Write the follow-up files; how many calls they hold."""
    # The ledger's steps, not the plan's: a provider's delivery date moves the calls.
    # No call about a card that was not drawn, or that the provider refused.
    lost = ledger.lost_cards({s.step_key for s in mail})
    kept = {s.step_key: s for s in plan.steps if s.step_key not in lost}
    return _write_follow_ups(
        list(kept), lambda keys: ledger.current_steps(kept[k] for k in keys), config, folder, today
    )


def _write_follow_ups(
    keys: list[str],
    fetch: Callable[[list[str]], Iterable[MailStep]],
    config: Config,
    folder: Path,
    today: date,
) -> int:
    """The follow-up files of the steps `keys` (read with `fetch`, a page of keys at a time)
    in `folder`; how many calls they hold. The calls are placed first (a few fields a
    call), then their words rendered and written a page of calls at a time, so the files
    never sit in memory whole."""
    from mailer.followups.calls import call_order, calls_in_order
    from mailer.followups.export import day_counts, write_followups

    def current(wanted: Iterable[str]) -> Iterator[MailStep]:
        remaining = iter(wanted)
        while part := list(islice(remaining, FETCH_PAGE)):
            yield from fetch(part)

    order = call_order(current(keys), config)
    calls = calls_in_order(order, current, config, page=FETCH_PAGE)
    return write_followups(calls, folder, today, day_counts(order))


class FollowUpsAhead:
    """The follow-up files written by another process while this one draws and prints
    (`--jobs` above 1), into a hidden folder beside them. `finish` has them moved into place
    only when no card of the plan was lost meanwhile (a card not drawn has no call about it:
    the files are then written again, by `_follow_ups`). That process removes its folder
    whatever happens: told to keep or drop the files, stopped, or finding this one gone."""

    def __init__(self, process: BaseProcess, talk: Connection, mail: set[str], lost: set[str]):
        self._process = process
        self._talk = talk
        self._mail = mail
        self._lost = lost

    @classmethod
    def start(
        cls, plan: Plan, ledger: Ledger, config: Config, folder: Path, today: date
    ) -> FollowUpsAhead:
        import multiprocessing

        mail = {s.step_key for s in plan.steps if s.action is Action.MAIL}
        lost = ledger.lost_cards(mail)
        keys = list(dict.fromkeys(s.step_key for s in plan.steps if s.step_key not in lost))
        # Forked where the system can (as the drawing workers are): nothing to import again.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        talk, theirs = context.Pipe()
        process = context.Process(
            target=followups_apart,
            args=(ledger.path, config, folder, today, keys, theirs),
            name="mailer follow-ups",
            daemon=True,
        )
        process.start()
        theirs.close()
        return cls(process, talk, mail, lost)

    def finish(self, ledger: Ledger) -> int | None:
        """How many calls the files hold, once moved into place; None when they can't be
        used (a card lost since they were started, or the process failed: the caller
        writes them itself, and meets the error, if any, itself)."""
        if ledger.lost_cards(self._mail) != self._lost:
            return None
        try:
            count: int = self._talk.recv()
            self._talk.send("keep")
            if self._talk.recv() != "kept":
                return None
        except (EOFError, OSError):  # it failed (and said nothing)
            return None
        return count

    def drop(self) -> None:
        """Stop the process if it still runs (it removes what it wrote), and wait for it."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._talk.close()


def followups_apart(
    db: Path, config: Config, out: Path, today: date, keys: list[str], parent: Connection
) -> None:
    """`FollowUpsAhead`'s process: the follow-up files of `keys` into a hidden folder in
    `out`, the number of calls sent to `parent`, then the files moved into `out` if it
    answers "keep". Any failure ends it quietly with exit status 1: the parent writes the
    files itself then, and tells the error."""
    import tempfile

    from mailer.drawing import orphans
    from mailer.followups.export import FILES

    # Ctrl-C and the like are the parent's to act on (`end_with_parent`). A parent that dies
    # of them or is killed outright takes this process with it (SIGTERM), which unwinds it
    # like an error: no file is left behind.
    orphans.end_with_parent()
    signal.signal(signal.SIGTERM, _stopped)
    try:
        folder = Path(tempfile.mkdtemp(prefix=".followups.", suffix=".part", dir=out))
        try:
            with Ledger.open(db) as ledger:
                count = _write_follow_ups(
                    keys, lambda part: ledger.steps_by_key(part), config, folder, today
                )
            parent.send(count)
            if parent.recv() == "keep":
                # Not stopped half-way, and in the order `--jobs 1` puts them in place: if
                # one can't be moved, the files before it are still the previous ones.
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                for name in reversed(FILES):  # each file whole (a rename on one disk)
                    (folder / name).replace(out / name)
                parent.send("kept")
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        sys.exit(1)


def _stopped(_signum: int, _frame: object) -> None:
    raise SystemExit(1)


def refused_cards(cards: CardBatch, mail: Sequence[MailStep]) -> list[Rejection]:
    """The cards that could not be drawn, as rejects.csv rows with their fix (`mailer run`,
    and `mailer render` on its own)."""
    from mailer.planning.documents import card_rejection

    steps = {s.step_key: s for s in mail}
    return [
        card_rejection(steps[f.step_key], f"card not drawn: {f.message}", f.hint)
        for f in cards.failures
        if f.step_key in steps
    ]


def refused_sends(sent: SendReport, ledger: Ledger, mail: Sequence[MailStep]) -> list[Rejection]:
    """The cards the provider refused (or that could not be built for it), as rejects.csv
    rows: the provider's reason, and how to send them once corrected (`mailer run --send`,
    and `mailer send` on its own)."""
    from mailer.planning.documents import card_rejection

    steps = {s.step_key: s for s in mail}
    rows = []
    for outcome in sent.failed:
        step = steps.get(ledger.piece(int(outcome.piece_id)).step_key)
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
    from mailer.printing.sheets import print_batch, printable_keys

    wanted = set(ours)
    todo = [key for key in printable_keys(ledger, today, False)[0] if key in wanted]
    report.printed_before = _done(ledger, wanted - set(todo), PieceStatus.PRINTED)
    if not todo:
        return
    # The steps are read from the ledger again as their sheets are drawn: memory holds the
    # step keys, not the steps.
    steps = ledger.steps_by_key(todo)
    report.printed = print_batch(ledger, config, steps, report.folder / "print.pdf", today)
    if report.printed.path is not None:
        report.written.append(report.printed.path.name)


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
