"""The ledger file itself: opening it, closing it, and the transactions every read and write
goes through. `Ledger` (in `store`) adds what the rows mean.

Every write is one `BEGIN IMMEDIATE` transaction and every read one snapshot (`BEGIN`): with
WAL and a busy timeout, two mailer processes on one file wait for each other instead of
seeing half a change. A stage that draws, prints or sends holds the ledger's lock as well
(`exclusive`, see `lock`), so that two processes never work on the same cards.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from mailer.ledger.failures import check_statuses, ledger_failure
from mailer.ledger.lock import LOCK_WAIT_S, ledger_lock
from mailer.ledger.schema import connect, make_private


class LedgerFile:
    """An open ledger file. Open with `open(path)`; use as a context manager or `close()`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime]):
        self._db = conn
        self.path = path
        self._clock = clock
        self._locked = False
        self.warnings: list[str] = []
        """Things the user should hear about the file itself (its permissions)."""

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime] | None = None) -> Self:
        """Open or create the ledger at `path`; `clock` stamps piece times (UTC by default).
        A ledger others could read is made private first (see `warnings`)."""
        warnings = make_private(path)
        conn = connect(path)
        try:
            check_statuses(conn, path)
        except BaseException:
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        ledger = cls(conn, path, clock or (lambda: datetime.now(UTC)))
        ledger.warnings = warnings
        return ledger

    @contextlib.contextmanager
    def exclusive(
        self,
        work: str,
        *,
        wait: float = LOCK_WAIT_S,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Hold the ledger's lock (see `lock`) for `work`: no other process draws, prints or
        sends with this ledger meanwhile. Re-entrant: a stage inside a session that holds
        it already goes straight on."""
        if self._locked:
            yield
            return
        with ledger_lock(self.path, work, wait=wait, on_wait=on_wait):
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def _query(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._read() as db:
            return db.execute(sql, args).fetchall()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._transaction("BEGIN IMMEDIATE") as db:
            yield db

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # One snapshot for every query of a read, even while another process writes.
        with self._transaction("BEGIN") as db:
            yield db

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        db = self._db
        try:
            db.execute(begin)
        except sqlite3.Error as e:
            raise ledger_failure(self.path, e) from e
        try:
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as e:
            _roll_back(db)
            raise ledger_failure(self.path, e) from e
        except BaseException:
            _roll_back(db)
            raise


def _roll_back(db: sqlite3.Connection) -> None:
    """Undo the open transaction; on a failing disk the undo may fail too, and then SQLite
    has rolled back itself (or does when the file is next opened): the first error is the
    one to tell."""
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
