"""What can go wrong with the ledger file, told apart: busy, read-only, a full or failing
disk, a damaged file, a file that is no database, and a row someone changed by hand.

The ledger holds the opt-out list, so no message here ever suggests starting a new ledger
when the old one may still hold it: a full disk or a locked file is no reason to give up on
the file, and a damaged one is rescued or restored, never replaced by an empty one.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from mailer.errors import LedgerBusy, LedgerError

BUSY_TIMEOUT_S = 10.0
KEEP = "keep the ledger file: it holds your opt-out list"

# SQLite's primary result codes (the low byte of `sqlite_errorcode`), from sqlite3.h.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN = 3, 5, 6, 8, 10, 11, 13, 14
_NOTADB = 26


def ledger_failure(path: Path, e: sqlite3.Error) -> LedgerError:
    """The error for what SQLite refused, by SQLite's own result code."""
    text = str(e)
    code = getattr(e, "sqlite_errorcode", 0) & 0xFF
    if code in (_BUSY, _LOCKED):
        # The same answer as a drawing or sending lock held too long: exit 5, run it again.
        return LedgerBusy(
            f"{path}: the ledger stayed busy for {BUSY_TIMEOUT_S:g} s ({text})",
            hint="another mailer command is still writing to it; wait for it and run again",
        )
    if code == _FULL:
        return LedgerError(
            f"{path}: the disk holding the ledger is full ({text})",
            hint="free some space on that disk and run the same command again; the ledger "
            "is intact (the change that did not fit was not recorded): " + KEEP,
        )
    if code in (_READONLY, _PERM, _CANTOPEN):
        return LedgerError(
            f"{path}: can't write to the ledger ({text})",
            hint="the file, its folder or the disk is read-only: check their permissions "
            "(mailer also writes the -wal and -shm files beside it), or copy the ledger "
            "somewhere writable and point --db at the copy",
        )
    if code == _IOERR:
        return LedgerError(
            f"{path}: the disk failed reading or writing the ledger ({text})",
            hint="check the disk has free space and is still connected, then run the same "
            "command again; " + KEEP,
        )
    if code == _CORRUPT:
        return LedgerError(
            f"{path}: the ledger file is damaged ({text})",
            hint=f"{KEEP}. Restore a backup copy, or rescue what SQLite can read: "
            f"sqlite3 {path} .recover | sqlite3 recovered.db, then use --db recovered.db",
        )
    if isinstance(e, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return LedgerError(
            f"{path}: the ledger refused a change ({text})",
            hint="this is a bug in mailer: please report it with the command you ran",
        )
    if code == _NOTADB:
        return LedgerError(
            f"{path} is not a SQLite database ({text})",
            hint="point --db (or MAILER_DB) at your ledger, the mailer.db beside mailer.toml; "
            "if this file was your ledger it is damaged: restore a backup copy",
        )
    return LedgerError(
        f"{path}: SQLite could not use the ledger ({text})",
        hint=f"{KEEP}; run the same command again, and report it if it happens again",
    )


# -- rows changed by hand ----------------------------------------------------------------------


class DamagedRow(LedgerError):
    """A value in a ledger row that mailer never writes (a date or a status typed in by hand
    with sqlite3): names the table, the row and the column, and how to put it right."""

    def __init__(self, table: str, key: tuple[str, str], column: str, value: object) -> None:
        expected, example, note = _expected(column)
        shown = key[1] if key[0] in ("id", "rowid") else repr(key[1])
        where = f"{key[0]} = {shown}"
        command = f"UPDATE {table} SET {column} = {example} WHERE {where}"  # noqa: S608 shown
        super().__init__(
            f"the ledger's {table} row {where}: {column} is {value!r}, not {expected}",
            hint=f'someone changed it by hand; put it back with sqlite3 LEDGER "{command}"'
            f"{note}, then run the command again",
        )
        self.table, self.key, self.column, self.value = table, key, column, value

    def at(self, path: Path) -> DamagedRow:
        """The same error with the ledger's path in the message and the command."""
        found = DamagedRow(self.table, self.key, self.column, self.value)
        found.message = f"{path}: {found.message}"
        found.hint = found.hint.replace("sqlite3 LEDGER", f"sqlite3 {path}")
        return found


def check_statuses(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a ledger with a card status or a step action mailer never writes: every stage
    asks for cards and steps by these, so such a row would be passed over by all of them
    without a word. (Cheap: each is answered from a small index, not the table.)"""
    for table, column, allowed in (
        ("pieces", "status", _statuses()),
        ("steps", "action", _actions()),
    ):
        marks = ", ".join("?" * len(allowed))
        sql = f"SELECT rowid, {column} FROM {table} WHERE {column} NOT IN ({marks}) LIMIT 1"  # noqa: S608
        try:
            row = conn.execute(sql, allowed).fetchone()
            if row is not None and table == "steps":
                sql = "SELECT step_key FROM steps WHERE rowid = ?"
                key = ("step_key", str(conn.execute(sql, (row[0],)).fetchone()[0]))
            elif row is not None:
                key = ("id", str(row[0]))
        except sqlite3.Error as e:
            raise ledger_failure(path, e) from e
        if row is not None:
            raise DamagedRow(table, key, column, row[1]).at(path)


@contextlib.contextmanager
def reading_row(table: str, row: sqlite3.Row) -> Iterator[None]:
    """Turn a value that can't be read back from `row` into a `DamagedRow` naming it."""
    try:
        yield
    except (ValueError, TypeError, KeyError) as exc:  # json's errors are ValueErrors
        damaged = _damaged(table, row)
        if damaged is None:
            raise  # every value reads back alone: a fault in mailer, not in the file
        raise damaged from exc


def _damaged(table: str, row: sqlite3.Row) -> DamagedRow | None:
    columns = row.keys()
    key_column = next((c for c in ("id", "step_key", "contact_id") if c in columns), "rowid")
    key = (key_column, str(row[key_column]) if key_column in columns else "?")
    for column in columns:
        check = _CHECKS.get(column)
        if check is not None and not _passes(check, row[column]):
            return DamagedRow(table, key, column, row[column])
    return None


def _passes(check: Callable[[object], object], value: object) -> bool:
    try:
        check(value)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _a_date(value: object) -> object:
    return value is None or date.fromisoformat(str(value))


def _a_time(value: object) -> object:
    return value is None or datetime.fromisoformat(str(value))


def _one_of(*names: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value not in names:
            raise ValueError(value)
        return value

    return check


def _statuses() -> tuple[str, ...]:
    from mailer.ledger.rows import PieceStatus

    return tuple(PieceStatus)


def _actions() -> tuple[str, ...]:
    from mailer.domain.models import Action

    return tuple(Action)


def _status(value: object) -> object:
    return _one_of(*_statuses())(value)


def _action(value: object) -> object:
    return _one_of(*_actions())(value)


def _a_record(value: object) -> object:
    from mailer.ledger.rows import record_from_json

    return record_from_json(str(value))


def _int_list(value: object) -> object:
    return [int(n) for n in json.loads(str(value))]


_CHECKS: dict[str, Callable[[object], object]] = {
    **dict.fromkeys(
        ("send_date", "expected_delivery", "offer_expires", "follow_up_call", "printed_at"),
        _a_date,
    ),
    **dict.fromkeys(("birthday", "since", "planned_on"), _a_date),
    **dict.fromkeys(("created_at", "updated_at", "edited_at", "called_at"), _a_time),
    "status": _status,
    "action": _action,
    "history_rows": _int_list,
    "record_json": _a_record,
}


def _expected(column: str) -> tuple[str, str, str]:
    """What a column holds in words, an example value for the UPDATE command, and a note."""
    check = _CHECKS.get(column)
    if check is _a_date:
        return "a date written YYYY-MM-DD", "'2026-11-23'", " (the right date)"
    if check is _a_time:
        return "a time written YYYY-MM-DDTHH:MM:SS+00:00", "'2026-11-23T15:00:00+00:00'", ""
    if check is _status:
        # No guess: a card set back to "planned" would be printed again. Its history says.
        return (
            f"one of {', '.join(_statuses())}",
            "'...'",
            " (its last status is in the table piece_events)",
        )
    if check is _action:
        return f"one of {', '.join(_actions())}", "'...'", " (the one its step_key names)"
    if check is _int_list:
        return "a list of row numbers like [2, 5]", "'[]'", ""
    return "what mailer wrote there", "...", " (from a backup copy of the ledger)"
