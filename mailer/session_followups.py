"""The main job's follow-up files: written last by the session itself, or, with cores to
spare, by a process of their own while the print sheets are written (`FollowUpsAhead`).

Either way they are written from step keys, the steps read from the ledger a page at a
time: the session holds no plan while the cards are drawn and printed.
"""

from __future__ import annotations

import pickle
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

    from mailer.followups.calls import FollowUp

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
    spool: CallSpool | None = None,
) -> int:
    """The follow-up files of the steps `keys` (read with `fetch`, a page of keys at a time)
    in `folder`; how many calls they hold. The calls are placed first (a few fields a
    call), then their words rendered and written a page of calls at a time, so the files
    never sit in memory whole. With `spool`, the calls go there for the call sheet
    instead of into followups.pdf (`FollowUpsAhead`)."""
    from mailer.followups.calls import call_order, calls_in_order
    from mailer.followups.export import day_counts, write_followups

    def current(wanted: Iterable[str]) -> Iterator[MailStep]:
        remaining = iter(wanted)
        while part := list(islice(remaining, FETCH_PAGE)):
            yield from fetch(part)

    order = call_order(current(keys), config)
    calls = calls_in_order(order, current, config, page=FETCH_PAGE)
    counts = day_counts(order)
    if spool is None:
        return write_followups(calls, folder, today, counts)
    spool.begin(counts)
    return write_followups(calls, folder, today, counts, spool.add)


class CallSpool:
    """The calls, words and all, as `FollowUpsAhead`'s process writes them, kept in a file
    in its hidden folder for the call sheet (followups.pdf), which whichever of the two
    processes is free first lays out (`claim_sheet`): this one once its print sheets are
    written, while that one still writes the other two files, or that one after them. The
    two stages after the drawing then end nearer together (the call sheet is about a third
    of the follow-up files' work). A call is its length (4 bytes) and its pickled
    `FollowUp`, flushed every `FLUSH` calls."""

    FLUSH = 20
    NAME = "calls.spool"

    def __init__(self, folder: Path, parent: Connection) -> None:
        self.folder = folder
        self._parent = parent
        self._file = (folder / self.NAME).open("wb")
        self._count = 0
        self.counts: dict[date, int] = {}

    def begin(self, counts: Mapping[date, int]) -> None:
        """Tell the other process where the sheet goes and each day's number of calls."""
        self.counts = dict(counts)
        self._parent.send((str(self.folder), self.counts))

    def add(self, call: FollowUp) -> None:
        data = pickle.dumps(call, pickle.HIGHEST_PROTOCOL)
        self._file.write(len(data).to_bytes(4, "big") + data)
        self._count += 1
        if self._count % self.FLUSH == 0:
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def claim_sheet(folder: Path) -> bool:
    """Whether the caller lays out the call sheet: the first of the two processes to ask
    (a file made only if it doesn't exist yet: one of them gets it, never both)."""
    try:
        (folder / "sheet.claimed").touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def spooled_calls(folder: Path, ended: Callable[[], bool]) -> Iterator[FollowUp]:
    """The calls of `folder`'s spool as they are written; `ended()` says (waiting a moment
    for it) that every call is in the file."""
    with (folder / CallSpool.NAME).open("rb") as spool:
        pending = b""
        over = False
        while True:
            chunk = spool.read(1 << 16)
            if not chunk:
                if over:
                    break
                over = ended()  # then read once more: the last calls came before it
                continue
            pending += chunk
            at = 0
            while len(pending) - at >= 4:
                size = int.from_bytes(pending[at : at + 4], "big")
                if len(pending) - at - 4 < size:
                    break
                # Written by this run's own process, in its private folder (mkdtemp).
                yield pickle.loads(pending[at + 4 : at + 4 + size])  # noqa: S301
                at += 4 + size
            pending = pending[at:]
        if pending:
            raise ValueError("the spooled calls end in the middle of one")


def sheet_from_spool(talk: Connection, folder: Path, counts: Mapping[date, int]) -> int:
    """How many calls the other process's files hold, with followups.pdf written into its
    `folder` (`counts`: the calls of each day, both as `CallSpool.begin` sent them): here,
    from the calls as they are spooled, when this process claims the sheet first; else by
    that process. Any surprise is an error (the caller then writes the files itself)."""
    from mailer.followups.export import write_call_sheet

    if not claim_sheet(folder):
        done: int = talk.recv()
        return done
    told: list[int] = []

    def ended() -> bool:
        if talk.poll(0.005):
            told.append(talk.recv())
        return bool(told)

    placed = 0

    def counted() -> Iterator[FollowUp]:
        nonlocal placed
        for call in spooled_calls(folder, ended):
            placed += 1
            yield call

    write_call_sheet(counted(), folder / "followups.pdf", counts)
    if told != [placed]:
        raise ValueError(f"{placed} calls spooled, {told!r} written")
    return placed


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
        self._folder: Path | None = None  # that process's hidden folder, once it says

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
            # The call sheet, laid out here if that process has not started it; then the
            # files all go into place.
            where, counts = self._talk.recv()
            self._folder = Path(where)
            count = sheet_from_spool(self._talk, self._folder, counts)
            self._talk.send("keep")
            if self._talk.recv() != "kept":
                return None
        except Exception:  # it failed (and said nothing), or the sheet did: written again
            return None
        return count

    def drop(self) -> None:
        """Stop the process if it still runs (it removes what it wrote), and wait for it.
        Its hidden folder is then removed here too: the process may have been killed
        outright, or have failed and removed it just as this one, laying out the call
        sheet, made it again (no other process can touch it once that one has ended)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._talk.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


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
            from mailer.followups.export import write_call_sheet

            spool = CallSpool(folder, parent)
            with Ledger.open(db) as ledger:
                count = write_follow_ups(keys, ledger.steps_by_key, config, folder, today, spool)
            spool.close()
            if claim_sheet(folder):  # the other process is still printing: the sheet here
                calls = spooled_calls(folder, lambda: True)
                write_call_sheet(calls, folder / "followups.pdf", spool.counts)
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
