"""followups.csv: the call sheet, one line a call, that comes back as the next call log.

It carries everything the seller needs at the phone (the window, who, why, the attempt, the
live script and the voicemail message, whether to leave one, the permission ask, the text to
send first) and everything mailer needs to read it back (the contact id, name, phone, email
and address). The seller fills in `outcome` (and `called_at` and `notes` if they like) and
gives the file to `mailer run` or `mailer plan`: the preset `mailer-sheet` in
`data/sources.toml` knows these headers, so nothing is retyped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mailer.files import write_csv_rows
from mailer.followups.calls import FollowUp

CSV_COLUMNS = (
    "date",
    "time_window",
    "contact_id",
    "name",
    "phone",
    "purpose",
    "attempt",
    "outcome",
    "called_at",
    "notes",
    "why",
    "script",
    "voicemail",
    "leave_message",
    "permission_ask",
    "text_message",
    "offer_deadline",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
)
"""The order a seller meets them in a spreadsheet: the call, then the three cells to fill
in (`outcome`, `called_at`, `notes`), then what to say, then what mailer reads back."""

OUTCOME_WORDS = (
    "answered",
    "voicemail left",
    "no answer",
    "callback",
    "ordered",
    "not interested",
    "opt out",
)
"""The words of the sheet's tick boxes; the preset reads each (and every other outcome
word mailer knows) from the `outcome` column."""


def window_text(call: FollowUp) -> str:
    start, end = call.window
    return f"{start:%H:%M}-{end:%H:%M}"


def sheet_name(call: FollowUp) -> str:
    """The name to write: empty when the contact has none (`FollowUp.name` falls back to the
    id for the screen, which must not come back as a first name)."""
    return "" if call.name == call.contact_id else call.name


def sheet_row(call: FollowUp) -> list[str]:
    """One call as the cells of `CSV_COLUMNS`."""
    a = call.address
    return [
        call.on.isoformat(),
        window_text(call),
        call.contact_id,
        sheet_name(call),
        call.phone,
        call.purpose,
        str(call.attempt),
        "",
        "",
        "",
        call.why,
        call.script,
        call.voicemail,
        "yes" if call.leave_message else "no",
        call.permission_ask,
        call.text_message,
        call.offer_deadline.isoformat() if call.offer_deadline else "",
        call.email,
        a.line1,
        a.line2,
        a.city,
        a.state,
        a.postal_code,
        a.country if not a.is_empty() else "",
    ]


def write_csv(calls: Sequence[FollowUp], path: Path) -> None:
    """followups.csv: one line a call, spreadsheet-safe (every cell cleaned and
    formula-safe by `write_csv_rows`)."""
    write_csv_rows(path, CSV_COLUMNS, (sheet_row(f) for f in calls))
