"""The main job's follow-up files: written last by the session itself, or, with cores to
spare, by a process of their own while the print sheets are written (`FollowUpsAhead`).

Either way they are written from step keys, the steps read from the ledger a page at a
time: the session holds no plan while the cards are drawn and printed.
"""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from mailer.config import Config
from mailer.domain.models import MailStep
from mailer.ledger import Ledger

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

FETCH_PAGE = 500
"""Steps read from the ledger at a time while the follow-up files are written."""


def follow_ups(
    keys: Sequence[str],
    mail: Sequence[str],
    ledger: Ledger,
    config: Config,
    folder: Path,
    today: date,
) -> int:
    """The follow-up files of the plan's steps `keys` (`mail`: those with a card) in
    `folder`; how many calls they hold."""
    # The ledger's steps, not the plan's: a provider's delivery date moves the calls.
    # No call about a card that was not drawn, or that the provider refused.
    lost = ledger.lost_cards(set(mail))
    kept = [key for key in keys if key not in lost]
    return write_follow_ups(kept, ledger.steps_by_key, config, folder, today)


def write_follow_ups(
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
    """The follow-up files written by another process while this one prints the sheets
    (`--jobs` above 1), into a hidden folder beside them. `finish` has them moved into place
    only when no card of the plan was lost meanwhile (a card not drawn has no call about it:
    the files are then written again, by `follow_ups`). That process removes its folder
    whatever happens: told to keep or drop the files, stopped, or finding this one gone."""

    def __init__(self, process: BaseProcess, talk: Connection, mail: set[str], lost: set[str]):
        self._process = process
        self._talk = talk
        self._mail = mail
        self._lost = lost

    @classmethod
    def start(
        cls,
        keys: Sequence[str],
        mail: Sequence[str],
        ledger: Ledger,
        config: Config,
        folder: Path,
        today: date,
    ) -> FollowUpsAhead:
        """Start writing the files of the plan's steps `keys` (`mail`: those with a card)."""
        import multiprocessing

        cards = set(mail)
        lost = ledger.lost_cards(cards)
        kept = [key for key in keys if key not in lost]
        # Forked where the system can (as the drawing workers are): nothing to import again.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        talk, theirs = context.Pipe()
        process = context.Process(
            target=followups_apart,
            args=(ledger.path, config, folder, today, kept, theirs),
            name="mailer follow-ups",
            daemon=True,
        )
        process.start()
        theirs.close()
        return cls(process, talk, cards, lost)

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
                count = write_follow_ups(keys, ledger.steps_by_key, config, folder, today)
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
