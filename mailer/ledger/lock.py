"""One mailer process at a time draws, prints or sends with a ledger.

SQLite keeps each change whole, but a stage is many changes around files and requests: two
`mailer run`s on one ledger would both choose the same cards, both draw them and both lay
them out on sheets. So a stage first takes the ledger's lock: an OS lock (`flock`) on
`<ledger>.lock` beside the database. The OS drops it when its process ends in any way (a
crash or `kill -9` included), so a lock is never left stale; the file itself stays, and holds
who took the lock last (pid, work, time) for the message a second process shows.

A second process waits for the lock up to `wait` seconds, then gives up with `LedgerBusy`,
having done nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailer.errors import LedgerBusy, LedgerError

LOCK_WAIT_S = 60.0
"""How long a second process waits for the lock by default."""
_POLL_S = 0.1


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no Windows here
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open(path: Path) -> int:
    """The lock file, created private; someone else's that we may only read locks too."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        error = e
    if isinstance(error, PermissionError):
        with contextlib.suppress(OSError):
            return os.open(path, os.O_RDONLY)
    raise LedgerError(
        f"{path}: can't open the ledger's lock file ({error.strerror})",
        hint="check the permissions of the ledger's folder, or point --db elsewhere",
    ) from error


def holder(ledger: Path) -> str:
    """Who holds (or last held) the ledger's lock, as its holder wrote it, or ''."""
    try:
        text = lock_path(ledger).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(text.split())[:200]


@contextlib.contextmanager
def ledger_lock(
    ledger: Path,
    work: str,
    *,
    wait: float = LOCK_WAIT_S,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[float]:
    """Hold the ledger's lock for `work` (e.g. "mailer run"); yields how many seconds it
    waited. `on_wait(holder)` hears once that another process holds it, before the wait."""
    fd = _open(lock_path(ledger))
    try:
        started = time.monotonic()
        if not _try_lock(fd):
            who = holder(ledger)
            if on_wait is not None:
                on_wait(who)
            while not _try_lock(fd):
                if time.monotonic() - started >= wait:
                    raise LedgerBusy(
                        f"{ledger} is in use by another mailer command"
                        f"{f' ({who})' if who else ''}; waited {wait:g} s",
                        hint="let it finish, then run this command again: nothing is done "
                        "twice (MAILER_LOCK_WAIT=SECONDS waits longer)",
                    )
                time.sleep(_POLL_S)
        waited = time.monotonic() - started
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}: {work}, since {stamp}\n".encode(), 0)
        yield waited
    finally:
        os.close(fd)  # closing the file releases the lock
