"""The rules that keep a call log from being misread silently (README, "Where your calls
come from"): several outcome columns ranked, with an opt-out in any of them winning; an `id`
column that names calls rather than people; one contact id however its case is written; and
the notices that say how a header was read. Pure functions over text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from mailer.domain.identity import id_key, normalize_phone
from mailer.domain.models import CallRecord, Notice, Outcome
from mailer.reading.sources import HeaderMap, OutcomeWords, Preset


def ids_name_calls(pairs: Iterable[tuple[str, str]]) -> str | None:
    """Why an `id` column names calls rather than people, or None when it may name people.

    `pairs` are (id, phone) of each row. One id for several different phones, or several ids
    for one phone, means each row's id is its call's: two calls to one person would otherwise
    be two contacts, and get two cards."""
    phones_of: dict[str, set[str]] = {}
    ids_of: dict[str, set[str]] = {}
    for raw_id, raw_phone in pairs:
        ident, phone = raw_id.strip().casefold(), normalize_phone(raw_phone)
        if not ident or len(phone) < 7:
            continue
        phones_of.setdefault(ident, set()).add(phone)
        ids_of.setdefault(phone, set()).add(ident)
    for ident, phones in phones_of.items():
        if len(phones) > 1:
            return f"id {ident!r} is given to {len(phones)} different phone numbers"
    for phone, ids in ids_of.items():
        if len(ids) > 1:
            return f"one phone number ({phone}) has {len(ids)} different ids"
    return None


@dataclass(frozen=True)
class RowOutcome:
    """What a row's outcome columns say together."""

    outcome: Outcome | None
    problem: str = ""
    """Why there is no outcome (the row is rejected)."""
    note: str = ""
    """A disagreement between the columns, or a default used: a notice for the row."""


def decide_outcome(cells: Sequence[tuple[str, str]], words: OutcomeWords) -> RowOutcome:
    """The outcome of a row from its outcome-like columns, as (header, value) most trusted
    first: the first column with a value decides, except that an opt-out in any of them
    wins (a "Do Not Call" is never outvoted). Columns that say something else are noted."""
    said = [(h, v.strip(), words.read(v)) for h, v in cells if v.strip()]
    several = len(cells) > 1
    if not said:
        heads = " or ".join(repr(h) for h, _ in cells)
        return RowOutcome(
            None, problem=f"missing outcome (no value in {heads})" if several else "missing outcome"
        )
    opt_out = next((s for s in said if s[2] is Outcome.OPT_OUT), None)
    header, value, outcome = said[0]
    first_header = cells[0][0]
    if opt_out is not None and opt_out is not said[0]:
        note = (
            f"{opt_out[0]!r} says {opt_out[1]!r} (an opt-out) and {header!r} says {value!r}: "
            "read as an opt-out"
        )
        return RowOutcome(Outcome.OPT_OUT, note=note)
    note = ""
    if outcome is None:
        if words.default is None:
            if header != first_header:
                return RowOutcome(
                    None,
                    problem=f"missing outcome: no value in {first_header!r}, and {header!r} "
                    f"says {value!r}, which is not an outcome",
                )
            where = f" in {header!r}" if several else ""
            return RowOutcome(None, problem=f"unknown outcome {value!r}{where}")
        outcome = words.default
        note = f"outcome {value!r} is not known: read as {outcome.value} ([outcomes] default)"
    others = [(h, v, o) for h, v, o in said[1:] if o is not None and o is not outcome]
    if others:
        h, v, o = others[0]
        disagreement = (
            f"{h!r} says {v!r} ({o.value}) but {header!r} says {value!r} ({outcome.value}): "
            f"using {header!r}"
        )
        note = f"{note}; {disagreement}" if note else disagreement
    return RowOutcome(outcome, note=note)


def header_notes(
    mapped: HeaderMap, names: Sequence[str], preset: Preset | None, how: str
) -> list[str]:
    """How a header was read, as notices: the preset used, `[columns]` headers missing,
    the columns that name calls, and the outcome columns in the order they are trusted."""
    notes: list[str] = []
    if preset is not None:
        article = "an" if preset.title[0].casefold() in "aeiou" else "a"
        notes.append(f"read as {article} {preset.title} ({how})")
    for wanted, header in mapped.missing:
        notes.append(f"[columns] {wanted} = {header!r}: this file has no such header")
    if mapped.call_ids and "contact_id" not in mapped.fields:
        heads = ", ".join(repr(names[i]) for i in sorted(mapped.call_ids))
        verb = "names" if len(mapped.call_ids) == 1 else "name"
        notes.append(
            f"{heads} {verb} calls, not contacts: each contact is known by phone, email, "
            "or name and ZIP code"
        )
    if len(mapped.outcomes) > 1:
        heads = ", ".join(repr(names[i]) for i in mapped.outcomes)
        notes.append(
            f"outcome columns {heads}: the first with a value decides; "
            "an opt-out in any of them wins"
        )
    return notes


def drop_call_id(mapped: HeaderMap, names: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """When the contact id column is a bare `id` (`HeaderMap.check_id`) and the rows show it
    names calls (`ids_name_calls`), stop using it as the contact id; returns the notice, or
    "" when the column stays. `rows` are the data rows' cells as text."""
    if not mapped.check_id:
        return ""
    i = mapped.fields["contact_id"]
    phone = mapped.fields.get("phone")
    pairs = (
        (
            row[i] if i < len(row) else "",
            row[phone] if phone is not None and phone < len(row) else "",
        )
        for row in rows
    )
    why = ids_name_calls(pairs)
    if why is None:
        return ""
    del mapped.fields["contact_id"]
    mapped.call_ids.add(i)
    return (
        f"column {names[i]!r} names calls, not people ({why}): contacts are known by phone, "
        "email, or name and ZIP code instead"
    )


def each_written_one_way(ids: Collection[str]) -> bool:
    """Whether no two of the distinct `ids` share an `id_key`. Asked of every log: when no
    id has spacing to tidy (none at its ends, no whitespace but single spaces), an id's key
    is its case-folded self, so the keys are counted without asking `id_key` of each id;
    and when no id holds a "/" either, the ids joined by "/" are folded at once and split
    again (case folding reads one character at a time and never makes a "/"). ASCII ids
    with no lower-case letter (most CRMs' and dialers') fold to as many keys as they are:
    for ASCII, folding is lowering, which two such ids never share."""
    joined = "/".join(ids)
    if not untidy(joined):
        if joined.isascii() and joined.upper() == joined:
            return True
        keys = joined.casefold().split("/")
        if len(keys) != len(ids):  # a "/" in an id: fold each alone
            keys = list(map(str.casefold, ids))
        return len(set(keys)) == len(ids)
    return len({id_key(i) for i in ids}) == len(ids)


_UNTIDY = re.compile(r"(?:^|/)\s|\s(?:/|$)|[^\S ]| {2}")
"""Spacing `id_key` would tidy in ids joined by "/" (a "/" in an id may be taken for a
joint: then the keys are merely worked out one by one)."""

_ASCII_SPACES = ("\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f")
"""The ASCII characters other than the space that `\\s` matches (`str.isspace`)."""


def untidy(joined: str) -> bool:
    """Whether `_UNTIDY` finds spacing in `joined`: for an ASCII text, asked by a few
    substring searches, which read a log's ids some thirty times as fast as the pattern."""
    if not joined.isascii():
        return _UNTIDY.search(joined) is not None
    if joined[:1] == " " or joined[-1:] == " ":
        return True
    if "  " in joined or "/ " in joined or " /" in joined:
        return True
    return any(space in joined for space in _ASCII_SPACES)


_CONTACT_ID = attrgetter("contact_id")


def one_spelling_per_id(records: list[CallRecord], notices: list[Notice]) -> list[CallRecord]:
    """One contact id however its case or spacing is written (`identity.id_key`): the first
    spelling read is kept for the others, with a notice, so "C004" and "c004" are one
    contact in the plan (the ledger matches the other spellings through the key)."""
    ids = set(map(_CONTACT_ID, records))
    if each_written_one_way(ids):
        return records  # nothing to change (most logs)
    first: dict[str, str] = {}
    spellings: dict[str, str] = {}  # each id as written -> the first spelling of its key
    said: set[tuple[str, str]] = set()
    kept: list[CallRecord] = []
    for record in records:
        spelled = spellings.get(record.contact_id)
        if spelled is None:
            spelled = first.setdefault(id_key(record.contact_id), record.contact_id)
            spellings[record.contact_id] = spelled
        if spelled != record.contact_id:
            if (record.contact_id, spelled) not in said:
                said.add((record.contact_id, spelled))
                message = (
                    f"contact id {record.contact_id!r} read as {spelled!r} "
                    "(one id, written in another case)"
                )
                notices.append(Notice(record.file, record.row, message))
            record = replace(record, contact_id=spelled)
        kept.append(record)
    return kept
