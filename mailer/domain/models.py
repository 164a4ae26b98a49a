"""The domain's nouns, shared by every module: calls read from a log, the steps planned for
contacts, and the rows that could not be used.

Plain frozen dataclasses: no I/O, no behaviour beyond small derived values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What happened on a call, after alias resolution (see `calls.OUTCOME_ALIASES`)."""

    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONNECTED = "connected"
    CALLBACK = "callback"
    WRONG_NUMBER = "wrong_number"
    OPT_OUT = "opt_out"
    NOT_INTERESTED = "not_interested"
    """Spoke with them and they said no: no offer card, they rest."""
    ORDERED = "ordered"
    """Spoke with them and they bought: a thank-you card."""
    TEXTED = "texted"
    """A text message was sent instead of a call: no card, no call."""
    APPOINTMENT = "appointment"
    """A meeting is booked: no card, and the meeting is the next contact."""


CALL_FIELDS: tuple[str, ...] = (
    "contact_id",
    "first_name",
    "last_name",
    "name",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "birthday",
    "outcome",
    "called_at",
    "notes",
    "callback_on",
)
"""The fields of a call-log row mailer reads: the names `[columns]` in mailer.toml maps to
headers (README, "Where your calls come from")."""

PERSON_FIELDS = CALL_FIELDS[: CALL_FIELDS.index("country") + 1]
"""The fields that say who a row is about: the id, name, phone, email and address."""


UNANSWERED = frozenset({Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.BUSY})
"""Calls that did not reach the contact: each is an attempt, and its time of day missed."""
NEUTRAL = frozenset({Outcome.TEXTED, Outcome.WRONG_NUMBER, Outcome.OPT_OUT})
"""Neither an attempt nor an answer: every other call reached them."""


class Action(StrEnum):
    """What the plan does for a contact."""

    MAIL = "mail"
    CALL = "call"
    SKIP = "skip"
    SUPPRESS = "suppress"


class CallPurpose(StrEnum):
    """Why the seller makes a planned call (README, "A season with mailer")."""

    FOLLOW_UP = "follow-up"
    """The second call of Call-Mail-Call: did my note arrive?"""
    CALLBACK = "callback"
    """They asked to be called back."""
    LAST_TRY = "last-try"
    """The last attempt of a cycle: the message that offers an easy way out."""
    FIRST_CALL = "first-call"
    """A contact due in the next calling session."""


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as the call log gave it (empty strings where missing)."""

    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"

    def is_empty(self) -> bool:
        return not (self.line1 or self.line2 or self.city or self.state or self.postal_code)

    def same_place(self, other: Address) -> bool:
        """The same address, whatever the spacing and case it was written in: a card to a
        flagged address is held only when it would go exactly where the flagged one went."""

        def place(a: Address) -> tuple[str, ...]:
            parts = (a.line1, a.line2, a.city, a.state, a.postal_code, a.country)
            return tuple(" ".join(p.split()).casefold() for p in parts)

        return place(self) == place(other)


# A log makes a record a row, and a frozen dataclass's __init__ sets each field through
# `object.__setattr__`, behind a call of the class. `read_call_record` instead, a plain
# function, fills the slots of a bare `CallRecordSlots` object (each set as an attribute)
# and makes it a `CallRecord`: the slots live on that base and `CallRecord` adds none, so
# the layouts are one and the class change is allowed at once. `CallRecord` stays the
# frozen dataclass: equality, hashing, repr, `replace` and frozen fields are its own.


class CallRecordSlots:
    """The slots of a `CallRecord`, one a field (a test holds the two to each other). Only
    for making records as `read_call_record` makes them: every slot filled, then the class
    set to `CallRecord` (the call-log reader's loop does so in line, without a call a row)."""

    __slots__ = (
        "address",
        "birthday",
        "callback_on",
        "called_at",
        "contact_id",
        "day_first",
        "email",
        "extra",
        "file",
        "first_name",
        "last_name",
        "mail_address",
        "mail_lines",
        "notes",
        "outcome",
        "phone",
        "row",
        "undated",
    )


@dataclass(frozen=True, slots=True)
class CallRecord(CallRecordSlots):
    """One usable row of a call log.

    `row` is the line number a spreadsheet shows (the header is line 1); `file` is the path
    as the user gave it. `extra` keeps the columns mailer does not know, for templates.
    """

    file: str
    row: int
    contact_id: str
    outcome: Outcome
    called_at: datetime
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    address: Address = field(default_factory=Address)
    birthday: date | None = None
    callback_on: date | None = None
    notes: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    undated: bool = False
    """The log gave no call date, so `called_at` is the day it was read."""
    day_first: bool = False
    """The log was read day-first (`--date-order dmy`): a date in the notes is read so too."""
    mail_lines: tuple[str, ...] = ()
    mail_address: Address | None = None
    """The address as cards and providers use it (USPS Publication 28), worked out once when
    the plan is made; `address` keeps what the log said."""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def call_key(self) -> str:
        """Identifies this call across runs, so reading the same file twice records nothing
        new. The outcome is part of it because a dialer may log two results at one timestamp.
        An undated call is known by what the row says, not by the day it happened to be read."""
        if self.undated:
            a = self.address
            said = "|".join((self.phone, self.email, a.line1, a.city, a.postal_code, self.notes))
            when = "undated-" + hashlib.sha256(said.encode()).hexdigest()[:16]
        else:
            when = self.called_at.isoformat(timespec="minutes")
        return f"{self.contact_id}|{when}|{self.outcome}"


def read_call_record(
    file: str,
    row: int,
    contact_id: str,
    outcome: Outcome,
    called_at: datetime,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    address: Address,
    birthday: date | None,
    callback_on: date | None,
    notes: str,
    extra: Mapping[str, str],
    undated: bool,
    day_first: bool,
    mail_lines: tuple[str, ...] = (),
    mail_address: Address | None = None,
) -> CallRecord:
    """`CallRecord(...)` with these fields, as the call-log reader makes one a row (see
    above): the same frozen record, for about a quarter fewer instructions."""
    made: Any = CallRecordSlots()  # its slots are `CallRecord`'s fields
    made.file, made.row, made.contact_id = file, row, contact_id
    made.outcome, made.called_at = outcome, called_at
    made.first_name, made.last_name = first_name, last_name
    made.phone, made.email = phone, email
    made.address, made.birthday, made.callback_on = address, birthday, callback_on
    made.notes, made.extra, made.undated, made.day_first = notes, extra, undated, day_first
    made.mail_lines, made.mail_address = mail_lines, mail_address
    made.__class__ = CallRecord  # the same layout: see above
    return made  # type: ignore[no-any-return]  # a CallRecord now


def addressed_record(
    record: CallRecord, mail_lines: tuple[str, ...], mail_address: Address
) -> CallRecord:
    """`record` carrying the address cards and providers use (`replace(record, mail_lines=...,
    mail_address=...)`, made as `read_call_record` makes one): a plan gives each card's
    record one."""
    return read_call_record(
        record.file,
        record.row,
        record.contact_id,
        record.outcome,
        record.called_at,
        record.first_name,
        record.last_name,
        record.phone,
        record.email,
        record.address,
        record.birthday,
        record.callback_on,
        record.notes,
        record.extra,
        record.undated,
        record.day_first,
        mail_lines,
        mail_address,
    )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that could not be used: its line number, why, and its original cells."""

    file: str
    row: int
    error: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about the input that did not stop the row (padded ZIP, stray header space)."""

    file: str
    row: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class CallLog:
    """Everything read from one or more call logs: every data row is in `records`,
    `rejections` or `skipped` (blank rows are not data rows)."""

    records: tuple[CallRecord, ...]
    rejections: tuple[Rejection, ...]
    notices: tuple[Notice, ...]
    rows: int
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The original header of each file, for `rejects.csv`."""
    skipped: tuple[Rejection, ...] = ()
    """Rows left out on purpose, each with its reason: a call sheet's calls not made yet
    (outcome left empty). Every data row is in `records`, `rejections` or here."""


@dataclass(frozen=True, slots=True)
class PastMailing:
    """A card already planned or sent to a contact in an earlier run (from the ledger)."""

    template: str
    send_date: date
    expected_delivery: date | None = None
    follow_up_call: date | None = None


@dataclass(frozen=True, slots=True)
class PastCall:
    """A call to a contact the ledger recorded in an earlier run (or an earlier row of the
    input): when it was made and how it went, for counting attempts."""

    call_key: str
    called_at: datetime
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class ContactHistory:
    """What the ledger knows about a contact from calls other than the ones being planned."""

    contact_id: str
    suppressed: bool = False
    mailings: tuple[PastMailing, ...] = ()
    calls: tuple[PastCall, ...] = ()
    """Every earlier call to the contact the ledger has seen, answered or not."""


class _MailStepSlots:
    """The slots of a `MailStep`, one a field (a test holds the two to each other); the
    cadence makes its steps from a bare object of it (`planned_step`), never seen outside
    this module."""

    __slots__ = (
        "action",
        "attempt",
        "card_code",
        "expected_delivery",
        "follow_up_call",
        "history_rows",
        "missed_at",
        "offer_expires",
        "purpose",
        "reason",
        "record",
        "send_date",
        "template",
        "variant",
    )


@dataclass(frozen=True, slots=True)
class MailStep(_MailStepSlots):
    """The plan for one contact, decided by its latest call in the input (a `suppress` step by
    the opt-out call itself, wherever it is).

    `action` is `mail` (a card; `template`, `send_date` and `expected_delivery` set, and for
    a sales card `offer_expires` and `follow_up_call` too; a thank-you or birthday card has
    neither), `call` (a call only, on `follow_up_call`), `skip` (nothing; `reason` says why)
    or `suppress` (an opt-out).
    `history_rows` are the contact's earlier rows in the same input.
    """

    record: CallRecord
    action: Action
    reason: str
    template: str | None = None
    send_date: date | None = None
    expected_delivery: date | None = None
    offer_expires: date | None = None
    follow_up_call: date | None = None
    history_rows: tuple[int, ...] = ()
    attempt: int = 1
    """Which attempt at this contact the deciding call was, in the current cycle (1 = first)."""
    purpose: CallPurpose | None = None
    """Why the follow-up call on `follow_up_call` is made (None when there is none)."""
    missed_at: tuple[datetime, ...] = ()
    """When the unanswered calls of the current cycle were made (the deciding one included):
    the next call goes in another window of the day."""
    card_code: str | None = field(default=None, compare=False)
    """A sales card's code (`domain.card_codes`), given out by the ledger when the step is
    recorded; None before that and on cards without a sales message. Not part of a step's
    equality: a step read back from the ledger is the step that was planned."""
    variant: str | None = None
    """The experiment variant the contact was given (README, "Try two things at once")."""

    @property
    def contact_id(self) -> str:
        return self.record.contact_id

    @property
    def step_key(self) -> str:
        """Identifies the step across runs: the deciding call plus what it does."""
        return f"{self.record.call_key}|{self.action}|{self.template or ''}"


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of planning: steps (one per contact), rejected rows and notices."""

    today: date
    steps: tuple[MailStep, ...]
    rejections: tuple[Rejection, ...]
    notices: tuple[Notice, ...]
    rows: int
    files: tuple[str, ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: tuple[Rejection, ...] = ()
    """Rows left out with a reason, not rejected (`CallLog.skipped`)."""

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.action is action)


def planned_step(
    record: CallRecord,
    action: Action,
    reason: str,
    template: str | None,
    send_date: date | None,
    expected_delivery: date | None,
    offer_expires: date | None,
    follow_up_call: date | None,
    history_rows: tuple[int, ...],
    attempt: int = 1,
    purpose: CallPurpose | None = None,
    missed_at: tuple[datetime, ...] = (),
    card_code: str | None = None,
    variant: str | None = None,
) -> MailStep:
    """`MailStep(...)` with these fields, as the cadence makes one a contact: a bare object
    of the step's slots filled and made a `MailStep`, as `read_call_record` makes a record
    (the same frozen step, without a class call and its `__init__`)."""
    made: Any = _MailStepSlots()  # its slots are `MailStep`'s fields
    made.record, made.action, made.reason = record, action, reason  # (three: no tuple made)
    made.template, made.send_date = template, send_date
    made.expected_delivery, made.offer_expires = expected_delivery, offer_expires
    made.follow_up_call, made.history_rows, made.attempt = follow_up_call, history_rows, attempt
    made.purpose, made.missed_at = purpose, missed_at
    made.card_code, made.variant = card_code, variant
    made.__class__ = MailStep  # the same layout: its slots are on this base
    return made  # type: ignore[no-any-return]  # a MailStep now
