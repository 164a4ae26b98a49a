"""The ledger: what earlier runs saw, planned, rendered, printed and sent (one SQLite file).

It is the source of truth between commands: `plan` records calls, steps and opt-outs;
`render`, `print` and `send` move each card (a *piece*) through its statuses; `followups` reads
the calls due. Re-running a command on the same input records nothing new. Tables and
migrations are described in `mailer.ledger.schema`.

Recording a plan (`record_plan`), per step:

- a step with a known `step_key` is refreshed (new dates, reason) while it has no card yet,
  and left alone once a card exists (the card already carries its dates);
- a step for a known call but with another `step_key` (the configuration changed: another
  template or action) replaces the old one while the old has no card; once the old one has a
  card it is kept and the new one is *held* (reported in `RecordResult.held_steps`, not stored),
  so a contact never gets two cards for one call;
- an opt-out adds the contact to the suppression list; only `unsuppress` lifts it, and a lifted
  suppression comes back only from an opt-out call the ledger had not seen before.

A card counts as existing once its piece is past `planned` (rendered or further).

Transactions live in `connection`, the longer SQL in `queries`. Nothing secret (API keys) is
ever stored.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from mailer.domain.models import (
    Action,
    CallRecord,
    ContactHistory,
    MailStep,
    Outcome,
    PastCall,
    PastMailing,
    Plan,
)
from mailer.domain.moments import CARD_MOMENT_PASSED_SQL
from mailer.errors import LedgerError
from mailer.ledger.contacts import ContactRows, suppression_ids
from mailer.ledger.failures import reading_row
from mailer.ledger.pieces import PAGE, CardBook
from mailer.ledger.queries import (
    ANY_HISTORY,
    CALL_HISTORY,
    FOLLOWUPS,
    LOST_CARD_SQL,
    MAILING_HISTORY,
    SUPPRESSED_HISTORY,
)
from mailer.ledger.responses import ResponseRows
from mailer.ledger.rows import (
    ALIAS_REASON,
    Piece,
    PieceEvent,
    PieceStatus,
    idempotency_key,
    insert_call,
    parse_date,
    put_step,
    step_from_row,
    suppress_contact,
)

__all__ = ["Ledger", "Piece", "PieceEvent", "PieceStatus", "RecordResult", "idempotency_key"]


@dataclass(frozen=True)
class RecordResult:
    """What `record_plan` added. All zeros when the same plan is recorded twice."""

    new_calls: int = 0
    new_steps: int = 0
    new_suppressions: int = 0
    updated_steps: int = 0
    held_steps: tuple[str, ...] = ()
    """Step keys not recorded because an earlier step for the same call already has a card."""


class DueRow:
    """A due card as read: its step's key, its card, whether its moment has passed (when
    asked with a day), and its step, read from the row the first time it is asked for."""

    __slots__ = ("_row", "_step", "passed", "piece")

    def __init__(self, row: sqlite3.Row, piece: Piece | None) -> None:
        self._row = row
        self._step: MailStep | None = None
        self.piece = piece
        self.passed = bool(row["passed"])

    @property
    def step_key(self) -> str:
        return str(self._row["step_key"])

    def step(self) -> MailStep:
        if self._step is None:
            self._step = step_from_row(self._row)
        return self._step


@dataclass(frozen=True)
class DueCard:
    """A mail step due at a stage, with its card when it has one."""

    step: MailStep
    piece: Piece | None


class Ledger(CardBook, ContactRows, ResponseRows):
    """The ledger: open with `Ledger.open(path)`; use as a context manager or `close()`."""

    # -- plans -------------------------------------------------------------------------------

    def record_plan(self, plan: Plan, calls: Iterable[CallRecord] = ()) -> RecordResult:
        """Record the plan's calls, steps and opt-outs in one transaction (see the module doc).

        `calls` adds the input's other calls (the earlier rows of each contact), so the ledger
        knows every call seen, not only the deciding ones.
        """
        today = plan.today.isoformat()
        new_calls = new_steps = new_suppressions = updated = 0
        held: list[str] = []
        with self._write() as db:
            fresh: set[str] = set()
            for record in itertools.chain(calls, (s.record for s in plan.steps)):
                if record.call_key not in fresh and insert_call(db, record, today):
                    fresh.add(record.call_key)
            new_calls = len(fresh)
            for step in plan.steps:
                change = put_step(db, step, today)
                new_steps += change == "new"
                updated += change == "updated"
                if change == "held":
                    held.append(step.step_key)
                if step.action is Action.SUPPRESS:
                    new_suppressions += suppress_contact(db, step, fresh)
        return RecordResult(new_calls, new_steps, new_suppressions, updated, tuple(held))

    def has_history(self) -> bool:
        """Whether any step or opt-out is recorded: without one, `history` finds nothing for
        anyone, and the planner need not work out what to ask it."""
        return bool(self._query(ANY_HISTORY)[0][0])

    def history(
        self,
        contact_ids: Iterable[str],
        exclude_call_keys: Collection[str] = (),
        today: date | None = None,
        also_known_as: Mapping[str, Collection[str]] | None = None,
    ) -> dict[str, ContactHistory]:
        """What the ledger knows about each contact, leaving out the calls being planned (so
        planning the same file again gives the same plan). A contact's opt-outs and mailings
        count under any of their ids (their own, and the phone, email and case-folded ids in
        `also_known_as`). Mailings are ordered by send date; cancelled cards are not mailings, and
        neither is a card never printed or sent whose moment had passed by `today` (a plan
        that was never carried out). Calls are every call seen to the contact, answered or
        not, for counting attempts (`planning.attempts`)."""
        wanted = list(dict.fromkeys(contact_ids))
        mailings: dict[str, list[PastMailing]] = defaultdict(list)
        calls: dict[str, list[PastCall]] = defaultdict(list)
        with self._read() as db:
            if not db.execute(ANY_HISTORY).fetchone()[0]:
                # Nothing recorded yet (a first plan): every contact's history is empty.
                return {c: ContactHistory(c, False, ()) for c in wanted}
            aliases = also_known_as or {}
            known_as = {(c, c) for c in wanted}
            known_as |= {(a, c) for c in wanted for a in aliases.get(c, ())}
            # Two queries for any number of contacts: the lists go in temporary tables, emptied
            # before the end (a failed read rolls them back).
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (contact_id TEXT PRIMARY KEY)")
            db.execute("CREATE TEMP TABLE IF NOT EXISTS excluded (call_key TEXT PRIMARY KEY)")
            db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS known_as (alias TEXT, contact_id TEXT,"
                " PRIMARY KEY (alias, contact_id))"
            )
            db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((c,) for c in wanted))
            db.executemany("INSERT OR IGNORE INTO known_as VALUES (?, ?)", known_as)
            db.executemany(
                "INSERT OR IGNORE INTO excluded VALUES (?)", ((k,) for k in exclude_call_keys)
            )
            suppressed = {row[0] for row in db.execute(SUPPRESSED_HISTORY)}
            stale_before = today.isoformat() if today else None
            for row in db.execute(MAILING_HISTORY, {"today": stale_before}):
                with reading_row("steps", row):
                    mailings[row["contact_id"]].append(
                        PastMailing(
                            template=row["template"],
                            send_date=date.fromisoformat(row["send_date"]),
                            expected_delivery=parse_date(row["expected_delivery"]),
                            follow_up_call=parse_date(row["follow_up_call"]),
                        )
                    )
            for row in db.execute(CALL_HISTORY):
                with reading_row("calls", row):
                    calls[row["contact_id"]].append(
                        PastCall(
                            row["call_key"],
                            datetime.fromisoformat(row["called_at"]),
                            Outcome(row["outcome"]),
                        )
                    )
            db.execute("DELETE FROM wanted")
            db.execute("DELETE FROM excluded")
            db.execute("DELETE FROM known_as")
        return {
            c: ContactHistory(
                c, c in suppressed, tuple(mailings.get(c, ())), tuple(calls.get(c, ()))
            )
            for c in wanted
        }

    def steps(self, action: Action | None = None) -> list[MailStep]:
        """Every recorded step (of one action when given), in planning order."""
        where, args = ("WHERE action = ?", (str(action),)) if action else ("", ())
        sql = f"SELECT * FROM steps {where} ORDER BY planned_on, contact_id, step_key"  # noqa: S608
        return [step_from_row(r) for r in self._query(sql, args)]

    def iter_steps(self, action: Action | None = None, *, page: int = PAGE) -> Iterator[MailStep]:
        """`steps`, read a page at a time: each page is its own short read, so memory stays
        flat and the caller may write to the ledger between pages."""
        where, args = ("action = ?", [str(action)]) if action else ("1", [])
        order = "planned_on, contact_id, step_key"
        after: list[str] = []
        while True:
            later = f"AND ({order}) > (?, ?, ?)" if after else ""
            sql = f"SELECT * FROM steps WHERE {where} {later} ORDER BY {order} LIMIT ?"  # noqa: S608
            rows = self._query(sql, [*args, *after, page])
            yield from map(step_from_row, rows)
            if len(rows) < page:
                return
            after = [rows[-1]["planned_on"], rows[-1]["contact_id"], rows[-1]["step_key"]]

    def steps_by_key(self, keys: Iterable[str], *, page: int = PAGE) -> Iterator[MailStep]:
        """The steps with these keys, in the order given (unknown keys are skipped), read a
        page at a time."""
        remaining = iter(keys)
        while part := list(itertools.islice(remaining, page)):
            marks = ", ".join("?" * len(part))
            sql = f"SELECT * FROM steps WHERE step_key IN ({marks})"  # noqa: S608
            rows = {row["step_key"]: row for row in self._query(sql, part)}
            yield from (step_from_row(rows[key]) for key in part if key in rows)

    def card_codes(self, step_keys: Iterable[str], *, page: int = PAGE) -> dict[str, str]:
        """The code of each of these steps' cards that has one (`ledger.card_codes`), read a
        page of keys at a time."""
        remaining = iter(step_keys)
        codes: dict[str, str] = {}
        while part := list(itertools.islice(remaining, page)):
            marks = ", ".join("?" * len(part))
            sql = (
                "SELECT step_key, card_code FROM steps "  # noqa: S608
                f"WHERE card_code IS NOT NULL AND step_key IN ({marks})"
            )
            codes.update((row[0], row[1]) for row in self._query(sql, part))
        return codes

    def step(self, step_key: str) -> MailStep:
        rows = self._query("SELECT * FROM steps WHERE step_key = ?", (step_key,))
        if not rows:
            raise LedgerError(
                f"{self.path}: no step {step_key!r} in the ledger",
                hint="run `mailer plan` on the call log first",
            )
        return step_from_row(rows[0])

    def step_for_call(self, call_key: str) -> MailStep | None:
        """The step a call decided, as stored."""
        rows = self._query("SELECT step_key FROM steps WHERE call_key = ?", (call_key,))
        return self.step(rows[0]["step_key"]) if rows else None

    def current(self, step: MailStep) -> MailStep:
        """The step as the ledger has it now (a provider's delivery date may have moved its
        follow-up call); the step itself when the ledger did not store it."""
        rows = self._query("SELECT 1 FROM steps WHERE step_key = ?", (step.step_key,))
        return self.step(step.step_key) if rows else step

    def current_steps(self, steps: Iterable[MailStep]) -> list[MailStep]:
        """`current` for many steps, in their order, read a page at a time (one query a
        page, not two a step)."""
        remaining = iter(steps)
        result: list[MailStep] = []
        while page := list(itertools.islice(remaining, PAGE)):
            stored = {s.step_key: s for s in self.steps_by_key(s.step_key for s in page)}
            result.extend(stored.get(s.step_key, s) for s in page)
        return result

    def followups(self, due: date | None = None) -> list[MailStep]:
        """The follow-up calls still to make, due on or before `due` when given.

        A follow-up is done once the ledger has a later call to the same contact; calls to
        suppressed contacts are dropped, and so are calls about a card that will not arrive
        (cancelled, refused, failed or never drawn: `queries.LOST_CARD_SQL`). Each step comes
        back with its attempt, purpose and missed call times. Ordered by follow-up date, then
        name.
        """
        suppressed = self._suppressed_ids()
        rows = self._query(FOLLOWUPS, {"due": due.isoformat() if due else None})
        steps = map(step_from_row, rows)
        by_address = _by_address(suppressed)
        return [s for s in steps if not _opted_out(s, suppressed, by_address)]

    def lost_cards(self, step_keys: Collection[str]) -> set[str]:
        """Which of these steps' cards will not reach their contact (the follow-up list's
        rule, `queries.LOST_CARD_SQL`): a session leaves their calls off its follow-ups."""
        sql = f"SELECT p.step_key FROM pieces p WHERE {LOST_CARD_SQL}"  # noqa: S608
        return {r[0] for r in self._query(sql, ()) if r[0] in step_keys}

    def due_cards(
        self,
        statuses: Collection[PieceStatus | None],
        *,
        step_keys: Collection[str] | None = None,
        page: int = PAGE,
    ) -> Iterator[DueCard]:
        """The mail steps whose card is in one of `statuses` (None: no card yet), in planning
        order, read a page at a time, leaving out every contact on the suppression list under
        any of their ids (contact id, phone or email). Each stage asks this one question
        with its own statuses, so an opt-out can never be drawn by one stage and skipped by
        another."""
        for due in self.due_rows(statuses, step_keys=step_keys, page=page):
            yield DueCard(due.step(), due.piece)

    def due_rows(
        self,
        statuses: Collection[PieceStatus | None],
        *,
        step_keys: Collection[str] | None = None,
        today: date | None = None,
        page: int = PAGE,
    ) -> Iterator[DueRow]:
        """`due_cards`, each step read from its row only when asked for (`DueRow.step`):
        counting a big batch's cards needs their keys and cards, not their call records.
        With `today`, each says whether its card's moment has passed (`CARD_MOMENT_PASSED_SQL`,
        the rule of `domain.moments` as SQL)."""
        wanted = [str(s) for s in statuses if s is not None]
        new = None in statuses
        suppressed = self._suppressed_ids()
        by_address = _by_address(suppressed)
        order = "s.planned_on, s.contact_id, s.step_key"
        passed = CARD_MOMENT_PASSED_SQL.replace(":today", "?") if today else "0"
        after: list[str] = []
        while True:
            later = f"AND ({order}) > (?, ?, ?)" if after else ""
            marks = ", ".join("?" * len(wanted)) or "NULL"
            sql = (
                f"SELECT s.*, p.id AS piece_id, {passed} AS passed FROM steps s"  # noqa: S608
                " LEFT JOIN pieces p ON p.step_key = s.step_key WHERE s.action = 'mail'"
                f" AND ((p.id IS NULL AND ?) OR p.status IN ({marks})) {later}"
                f" ORDER BY {order} LIMIT ?"
            )
            day = [today.isoformat()] if today else []
            rows = self._query(sql, [*day, new, *wanted, *after, page])
            ids = [r["piece_id"] for r in rows if r["piece_id"] is not None]
            pieces = {p.id: p for p in self._pieces_by_id(ids)}
            for row in rows:
                due = DueRow(row, pieces.get(row["piece_id"]))
                # Keys as the step makes them (what the callers hold), not as stored.
                if step_keys is not None and due.step().step_key not in step_keys:
                    continue
                if suppressed and _opted_out(due.step(), suppressed, by_address):
                    continue
                yield due
            if len(rows) < page:
                return
            after = [rows[-1]["planned_on"], rows[-1]["contact_id"], rows[-1]["step_key"]]

    # -- suppression -------------------------------------------------------------------------

    def is_suppressed(self, contact_id: str) -> bool:
        sql = "SELECT 1 FROM suppressions WHERE contact_id = ? AND lifted_at IS NULL"
        return bool(self._query(sql, (contact_id,)))

    def unsuppress(self, contact_id: str) -> bool:
        """Lift a contact's suppression, with the phone and email ids the same opt-out put on
        the list; False when the contact was not on the list. `contact_id` is an id on the
        list, or a contact the plan skipped as suppressed under one of its other ids (a later
        export's id for the same phone, email, or name and address): the id the plan's
        "`mailer unsuppress ...` to undo" names."""
        from mailer.ledger.contacts import suppression_ids

        with self._write() as db:
            ids = {contact_id}
            listed = db.execute(
                "SELECT 1 FROM suppressions WHERE contact_id = ?", (contact_id,)
            ).fetchone()
            if listed is None:  # never on the list itself: suppressed as the same person?
                rows = db.execute(
                    "SELECT * FROM steps WHERE contact_id = ? ORDER BY planned_on DESC LIMIT 1",
                    (contact_id,),
                ).fetchall()
                for row in rows:
                    record = step_from_row(row).record
                    ids |= suppression_ids(record) | {record.contact_id.casefold()}
            # The opt-outs first, then every row they wrote (read before any is lifted). Only
            # placeholders go into the SQL; a row without a call key (an old ledger's) is
            # lifted by its own id.
            marks = ", ".join("?" * len(ids))
            found = f"SELECT call_key FROM suppressions WHERE contact_id IN ({marks})"  # noqa: S608
            keys = [r[0] for r in db.execute(f"{found} AND lifted_at IS NULL", tuple(ids))]
            keys = [k for k in keys if k is not None]
            key_marks = ", ".join("?" * len(keys)) or "NULL"
            sql = (
                "UPDATE suppressions SET lifted_at = ? WHERE lifted_at IS NULL AND"  # noqa: S608
                f" (contact_id IN ({marks}) OR call_key IN ({key_marks}))"
            )
            cur = db.execute(sql, (self._now(), *ids, *keys))
            return cur.rowcount > 0

    def _suppressed_ids(self) -> frozenset[str]:
        """Every id on the suppression list, the phone and email ids kept on a contact's
        behalf included."""
        rows = self._query("SELECT contact_id FROM suppressions WHERE lifted_at IS NULL")
        return frozenset(r[0] for r in rows)

    def suppressed(self) -> list[tuple[str, date, str]]:
        """The suppression list: (contact_id, since, reason), by contact id; the phone and
        email ids kept on a contact's behalf are not listed (they go with the contact)."""
        sql = (
            "SELECT contact_id, since, reason FROM suppressions WHERE lifted_at IS NULL"
            " AND substr(reason, 1, ?) != ? ORDER BY contact_id"
        )
        rows = self._query(sql, (len(ALIAS_REASON), ALIAS_REASON))
        return [(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]


def _opted_out(step: MailStep, suppressed: frozenset[str], by_address: bool) -> bool:
    """The suppression rule every stage shares: a person is on the list under any of the ids
    a call log may give them (contact id, phone id, email id, name and address)."""
    if not suppressed:  # most ledgers: no step's ids need working out
        return False
    ids = suppression_ids(step.record, by_address=by_address) | {step.contact_id}
    return not ids.isdisjoint(suppressed)


def _by_address(suppressed: frozenset[str]) -> bool:
    """Whether the list holds a name-and-address id at all (else none can match)."""
    return any(i.startswith("a-") for i in suppressed)
