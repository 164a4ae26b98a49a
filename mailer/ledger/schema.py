"""The ledger's SQLite file: opening it safely, its tables, and their forward migrations.

Tables (version 1):

- `calls`: every call recorded by `plan`, keyed by `CallRecord.call_key`; `first_seen` is the
  plan's `today` when the call was first recorded. Reading the same file twice adds nothing.
- `steps`: one plan step per deciding call (`call_key` is unique), keyed by `MailStep.step_key`.
  `record_json` holds the whole `CallRecord` so a `MailStep` can be rebuilt by later commands;
  `name` is kept apart for ordering follow-ups. `planned_on` is the plan's `today` that produced
  the stored dates. `follow_up_call` moves when a provider reports its own delivery date.
- `suppressions`: opted-out contacts. A row is never deleted: `unsuppress` sets `lifted_at`, so a
  re-plan of the old opt-out call does not bring the suppression back (a new opt-out call does).
- `pieces`: one card per mail step (`step_key` unique), from `planned` through `rendered`,
  `printed` (self-mail) or `submitting`/`submitted` (provider), `failed`, `cancelled`.
  `idempotency_key` is derived from the step, mode and size, and stored before any request
  goes out, so a killed `send` resumes with the same key. No secret is ever stored here.
- `piece_events`: a piece's status history (`kind` = "status") and the provider's tracking
  events, de-duplicated on (piece, at, kind, detail).

Version 2 adds `contacts`: the seller's contact book (`mailer contacts import`), one row per
person with the name, phone, email, address and birthday as imported or edited, where it was
read (`source_file`, `source_line`), and the search keys; `edited_at` marks a correction made
by hand. An older ledger gains the empty table when it is next opened.

Version 4 gives each step its `attempt`, `purpose` and `missed_at` (see `_V4`); version 5 a
sales card's `card_code` and an experiment's `variant` (see `_V5`); version 6 the
`responses` (orders, replies, clicks) and the card each is credited to (see `_V6`); version 7
reads a contact book phone abroad in its own country (see `_V7`).

Dates are ISO `YYYY-MM-DD` text, times ISO 8601 text; text comparison orders them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from mailer.domain.card_codes import candidate
from mailer.errors import LedgerError
from mailer.files import write_failure
from mailer.ledger.failures import BUSY_TIMEOUT_S, ledger_failure

# "MLDG": tells a mailer ledger apart from any other SQLite file.
APPLICATION_ID = 0x4D4C4447

_V1 = (
    """CREATE TABLE calls (
        call_key TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL,
        file TEXT NOT NULL,
        row INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        called_at TEXT NOT NULL,
        first_seen TEXT NOT NULL
    )""",
    "CREATE INDEX calls_by_contact ON calls (contact_id, called_at)",
    """CREATE TABLE steps (
        step_key TEXT PRIMARY KEY,
        call_key TEXT NOT NULL UNIQUE REFERENCES calls (call_key),
        contact_id TEXT NOT NULL,
        name TEXT NOT NULL,
        action TEXT NOT NULL,
        template TEXT,
        reason TEXT NOT NULL,
        send_date TEXT,
        expected_delivery TEXT,
        offer_expires TEXT,
        follow_up_call TEXT,
        history_rows TEXT NOT NULL DEFAULT '[]',
        record_json TEXT NOT NULL,
        planned_on TEXT NOT NULL
    )""",
    "CREATE INDEX steps_by_contact ON steps (contact_id, action)",
    "CREATE INDEX steps_by_follow_up ON steps (follow_up_call) WHERE follow_up_call IS NOT NULL",
    """CREATE TABLE suppressions (
        contact_id TEXT PRIMARY KEY,
        since TEXT NOT NULL,
        call_key TEXT,
        reason TEXT NOT NULL,
        lifted_at TEXT
    )""",
    """CREATE TABLE pieces (
        id INTEGER PRIMARY KEY,
        step_key TEXT NOT NULL UNIQUE REFERENCES steps (step_key),
        contact_id TEXT NOT NULL,
        template TEXT NOT NULL,
        mode TEXT NOT NULL,
        size TEXT NOT NULL,
        status TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        provider TEXT,
        provider_id TEXT,
        provider_status TEXT,
        expected_delivery TEXT,
        preview_url TEXT,
        file TEXT,
        sha256 TEXT,
        error TEXT,
        printed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX pieces_by_status ON pieces (status, mode)",
    "CREATE UNIQUE INDEX pieces_by_provider_id ON pieces (provider, provider_id)"
    " WHERE provider_id IS NOT NULL",
    """CREATE TABLE piece_events (
        id INTEGER PRIMARY KEY,
        piece_id INTEGER NOT NULL REFERENCES pieces (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        UNIQUE (piece_id, at, kind, detail)
    )""",
)

# Version 2: the contact book (see `mailer.ledger.contacts`). Each key column holds the form
# the book is searched by (phone digits, case-folded email, name-and-address key).
_V2 = (
    """CREATE TABLE contacts (
        contact_id TEXT PRIMARY KEY,
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        phone_key TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        email_key TEXT NOT NULL DEFAULT '',
        line1 TEXT NOT NULL DEFAULT '',
        line2 TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT '',
        postal_code TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT 'US',
        address_key TEXT NOT NULL DEFAULT '',
        birthday TEXT,
        source_file TEXT NOT NULL DEFAULT '',
        source_line INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        edited_at TEXT
    )""",
    "CREATE INDEX contacts_by_phone ON contacts (phone_key) WHERE phone_key != ''",
    "CREATE INDEX contacts_by_email ON contacts (email_key) WHERE email_key != ''",
    "CREATE INDEX contacts_by_address ON contacts (address_key) WHERE address_key != ''",
    # The opt-outs recorded before: their name-and-address ids, from the opt-out call's record.
    """INSERT OR IGNORE INTO suppressions (contact_id, since, call_key, reason, lifted_at)
    SELECT mailer_name_address_key(s.record_json), u.since, u.call_key,
           'the same person as ' || u.contact_id || ' (phone, email or name and address): '
           || u.reason, u.lifted_at
    FROM suppressions u JOIN steps s ON s.call_key = u.call_key AND s.action = 'suppress'
    WHERE u.contact_id = s.contact_id AND mailer_name_address_key(s.record_json) != ''""",
)

# Version 3: steps found by the case-folded contact id, so a contact written `C004` in one
# export and `c004` in the next is one person to the cooldown as well as to the opt-outs.
_V3 = ("CREATE INDEX steps_by_contact_key ON steps (lower(trim(contact_id)))",)

# Version 4: attempts (`planning.attempts`). Each step keeps which attempt its call was in
# the cycle, why its follow-up call is made (`CallPurpose`, NULL for none) and when the
# cycle's unanswered calls were made (a JSON list of ISO times). Calls are found by the
# case-folded contact id too, like steps. Older steps read as first attempts.
_V4 = (
    "ALTER TABLE steps ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE steps ADD COLUMN purpose TEXT",
    "ALTER TABLE steps ADD COLUMN missed_at TEXT NOT NULL DEFAULT '[]'",
    "CREATE INDEX calls_by_contact_key ON calls (lower(trim(contact_id)))",
)

# Version 5: results (README, "Did it work?"). A sales card's step keeps its card code
# (`domain.card_codes`, unique across the ledger) and, inside an experiment, the variant its
# contact was given (NULL outside one).
_V5 = (
    "ALTER TABLE steps ADD COLUMN card_code TEXT",
    "ALTER TABLE steps ADD COLUMN variant TEXT",
    "CREATE UNIQUE INDEX steps_by_card_code ON steps (card_code) WHERE card_code IS NOT NULL",
    # The sales cards recorded before: each its first candidate, the code a card drawn from
    # it would show (a code another card took first is left to the next plan).
    "UPDATE OR IGNORE steps SET card_code = mailer_card_code(step_key)"
    " WHERE action = 'mail' AND offer_expires IS NOT NULL AND card_code IS NULL",
)

# Version 6: responses (README, "Did it work?"): an order, a reply or a click, from a call log
# or an imported file. `response_key` names it in its source, so importing the same file (or
# the same order in a later export) twice records nothing new. `step_key` is the card it is
# credited to, NULL when no card of that person was delivered inside the attribution window;
# `matched_by` says how (code, phone, email, contact, name-address). Money is whole cents.
_V6 = (
    """CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        response_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        file TEXT NOT NULL DEFAULT '',
        line INTEGER NOT NULL DEFAULT 0,
        amount_cents INTEGER,
        code TEXT,
        contact_id TEXT,
        step_key TEXT REFERENCES steps (step_key),
        matched_by TEXT,
        detail TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX responses_by_step ON responses (step_key) WHERE step_key IS NOT NULL",
    "CREATE INDEX responses_by_at ON responses (at)",
)

# Version 7: a contact book entry abroad has its phone read in its own country, as call logs
# always had: its search key, and an id made from the phone ("p-<digits>"), are worked out
# again, so the book and the calls know the person by the same id. An id another entry
# already holds is left as it was.
_V7 = (
    "UPDATE OR IGNORE contacts SET contact_id = mailer_phone_id(phone, country)"
    " WHERE country != 'US' AND contact_id = mailer_phone_id(phone, 'US')"
    " AND mailer_phone_id(phone, country) != ''",
    "UPDATE contacts SET phone_key = mailer_phone_key(phone, country) WHERE country != 'US'",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
"""Forward migrations: entry N takes `user_version` N to N+1. Append, never edit."""

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the ledger at `path`, migrated to `SCHEMA_VERSION`.

    The connection is in autocommit mode: callers write inside explicit `BEGIN IMMEDIATE`.
    """
    _check_location(path)
    # The ledger holds names and addresses: only the owner may read it, and its -wal/-shm
    # companions are created under the same umask.
    old_umask = os.umask(0o077)
    try:
        _create_private(path)
        conn = _open(path)
        try:
            _configure(conn, path)
            migrate(conn, path)
        except BaseException:
            conn.close()
            raise
    finally:
        os.umask(old_umask)
    return conn


def _check_location(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise LedgerError(
            f"{path}: the folder {parent} does not exist",
            hint="create the folder first, or point --db (or MAILER_DB) at an existing folder",
        )
    if path.is_dir():
        raise LedgerError(
            f"{path} is a folder, not a ledger file",
            hint="give --db (or MAILER_DB) a file name, for example mailer.db",
        )


def make_private(path: Path) -> list[str]:
    """Take away the group's and others' access to an existing ledger (and its -wal and -shm
    companions): it holds names, phones and addresses. Returns a warning for each file
    changed, or that could not be changed; nothing for a private or a new ledger."""
    warnings = []
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = file.stat().st_mode
        except OSError:
            continue  # not there (yet): it is created private
        if not stat.S_ISREG(mode) or not mode & 0o077:
            continue
        was, private = f"{stat.S_IMODE(mode):04o}", stat.S_IMODE(mode) & 0o700
        try:
            file.chmod(private)
        except OSError as e:
            warnings.append(
                f"{file} can be read by other users of this computer (permissions {was}) and "
                f"mailer could not change that ({e.strerror}): run `chmod 600 {file}`"
            )
            continue
        warnings.append(
            f"{file} could be read by other users of this computer (permissions {was}); it "
            f"holds names and addresses, so mailer made it private ({private:04o})"
        )
    return warnings


def _create_private(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # an existing ledger (or another mailer process just created it)
    except OSError as e:
        raise write_failure(path, e, "create the ledger") from None
    os.close(fd)


def _open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as e:
        raise LedgerError(
            f"{path}: can't open the ledger ({e})",
            hint="check the file's permissions, or point --db at another file",
        ) from e


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        # Temporary tables (the contact lists of `history`) stay in memory, off the disk.
        conn.execute("PRAGMA temp_store = MEMORY")
    except sqlite3.DatabaseError as e:
        raise ledger_failure(path, e) from e


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, which lets readers and one writer share it, so two mailer
    processes wait for each other instead of failing.

    The switch needs the file to itself, and SQLite reports a busy file at once here instead of
    calling the busy handler (it can't wait while holding its own shared lock), so this waits.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to `SCHEMA_VERSION`, all steps in one transaction."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        with _rollback_on_error(conn):
            conn.create_function(
                "mailer_name_address_key", 1, _name_address_key, deterministic=True
            )
            conn.create_function("mailer_card_code", 1, candidate, deterministic=True)
            conn.create_function("mailer_phone_id", 2, _phone_id, deterministic=True)
            conn.create_function("mailer_phone_key", 2, _phone_key, deterministic=True)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            _check_version(conn, path, version, app_id)
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
    except sqlite3.Error as e:
        raise ledger_failure(path, e) from e


def _name_address_key(record_json: str) -> str:
    """The name-and-address id of a stored call record (used by migration 2)."""
    import json

    from mailer.domain.contact_book import name_address_key
    from mailer.domain.models import Address

    data = json.loads(record_json)
    address = Address(**data["address"])
    return name_address_key(data["first_name"], data["last_name"], address)


def _phone_id(phone: str, region: str) -> str:
    """The id a phone gives a person in `region` (used by migration 7)."""
    from mailer.domain.identity import contact_identity

    return contact_identity(phone=phone, phone_region=region)


def _phone_key(phone: str, region: str) -> str:
    """A phone's search key in `region` (used by migration 7)."""
    from mailer.domain.contact_book import phone_key

    return phone_key(phone, region)


def _check_version(conn: sqlite3.Connection, path: Path, version: int, app_id: int) -> None:
    if app_id not in (0, APPLICATION_ID):
        raise LedgerError(
            f"{path} is a SQLite database of another application, not a mailer ledger",
            hint="point --db (or MAILER_DB) at your ledger file, or at a new file name",
        )
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path} was made by a newer mailer (ledger version {version}; "
            f"this mailer knows up to {SCHEMA_VERSION})",
            hint="upgrade mailer (pip install -U mailer) to use this ledger",
        )
    if version == 0 and app_id == 0:
        objects = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        if objects:
            raise LedgerError(
                f"{path} is a SQLite database with other tables, not a mailer ledger",
                hint="point --db (or MAILER_DB) at your ledger file, or at a new file name",
            )


@contextlib.contextmanager
def _rollback_on_error(conn: sqlite3.Connection) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
