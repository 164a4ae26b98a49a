"""The ledger file itself: opening it, closing it, and the transactions every read and write
goes through. `Ledger` (in `store`) adds what the rows mean.

Every write is one `BEGIN IMMEDIATE` transaction and every read one snapshot (`BEGIN`): with
WAL and a busy timeout, two mailer processes on one file wait for each other instead of
seeing half a change.
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
from mailer.ledger.schema import connect


class LedgerFile:
    """An open ledger file. Open with `open(path)`; use as a context manager or `close()`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime]):
        self._db = conn
        self.path = path
        self._clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime] | None = None) -> Self:
        """Open or create the ledger at `path`; `clock` stamps piece times (UTC by default)."""
        conn = connect(path)
        try:
            check_statuses(conn, path)
        except BaseException:
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        return cls(conn, path, clock or (lambda: datetime.now(UTC)))

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
