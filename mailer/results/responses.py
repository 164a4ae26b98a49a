"""Recording responses (README, "Recording responses"): the orders, replies and clicks of
imported files (`import_responses`) and of call logs (`record_call_responses`, when a plan is
recorded), each matched to its person and card (`matching`) and stored once in the ledger.

Every data row of an imported file ends up credited to a card, recorded without credit (with
why), found recorded already (the same file or order imported before), or rejected with its
line number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Literal

from mailer.domain.card_codes import display
from mailer.domain.models import CallRecord
from mailer.domain.responses import Credit, Response, ResponseKind, call_response
from mailer.ledger import Ledger
from mailer.results.matching import CALL_BY_PERSON, CardIndex, build_index, match
from mailer.results.responses_read import read_response_file


class Fate(StrEnum):
    """What became of one row."""

    CREDITED = "credited"
    NOT_CREDITED = "not credited"
    ALREADY = "already recorded"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RowFate:
    """One row's fate: where it was, and the card or the reason."""

    file: str
    line: int
    fate: Fate
    detail: str = ""
    """The card and how it was matched, or why not credited or rejected."""
    matched_by: str = ""


@dataclass
class ImportReport:
    """What `import_responses` did, file by file and row by row."""

    files: list[tuple[str, str, str]] = field(default_factory=list)
    """(file, kind, source) of each file read."""
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    """For each file, the header each field was read from."""
    rows: list[RowFate] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def count(self, fate: Fate) -> int:
        return sum(r.fate is fate for r in self.rows)

    def by_key(self) -> dict[str, int]:
        """How many credited rows each key matched."""
        counts: dict[str, int] = {}
        for row in self.rows:
            if row.fate is Fate.CREDITED:
                counts[row.matched_by] = counts.get(row.matched_by, 0) + 1
        return counts


def import_responses(
    paths: Sequence[Path],
    ledger: Ledger,
    window_days: int,
    *,
    kind: ResponseKind | None = None,
    source: str | None = None,
    date_order: Literal["mdy", "dmy"] = "mdy",
    zone: tzinfo | None = None,
    sheet: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read, match and record the responses of `paths` (CSV or .xlsx). Every file is read
    before anything is recorded, so one that can't be read (`InputError`) stops the import
    with nothing recorded; then each file is recorded in one transaction. Importing a file
    again records nothing twice. `on_row(total)` is called as each row is matched, for a
    progress bar."""
    report = ImportReport()
    read = [
        read_response_file(
            p, kind=kind, source=source, date_order=date_order, zone=zone, sheet=sheet
        )
        for p in paths
    ]
    index: CardIndex | None = None
    for found in read:
        report.files.append((found.file, str(found.kind), found.source))
        report.columns[found.file] = found.columns
        report.notices += [str(n) for n in found.notices]
        report.rows += [RowFate(found.file, n, Fate.REJECTED, why) for n, why in found.rejected]
        seen = _seen(found.responses, ledger)
        if any(why is None for why in seen):
            index = index or build_index(
                ledger.sent_cards(), ledger.given_codes(), ledger.held_out()
            )
        credited: list[tuple[Response, Credit]] = []
        for response, why in zip(found.responses, seen, strict=True):
            if why is None:
                assert index is not None
                credited.append((response, match(response, index, window_days)))
            if on_row is not None:
                on_row(len(found.responses))
        added = iter(ledger.record_responses(credited))
        credit_of = {id(r): c for r, c in credited}
        for response, why in zip(found.responses, seen, strict=True):
            if why is None and not next(added):  # another import recorded it meanwhile
                why = _already(response)
            if why is not None:
                report.rows.append(RowFate(response.file, response.line, Fate.ALREADY, why))
            else:
                report.rows.append(_fate(response, credit_of[id(response)]))
    report.rows.sort(key=lambda r: (r.file, r.line))
    return report


def record_call_responses(ledger: Ledger, records: Iterable[CallRecord], window_days: int) -> int:
    """Record the responses the calls of a plan carry (`domain.responses.call_response`: an
    `ordered` call with a code or an amount, a call where they read out a code); a call seen
    before records nothing new. Returns how many were new."""
    found = [r for record in records if (r := call_response(record)) is not None]
    if not found:
        return 0
    known = ledger.known_responses([r.key for r in found])
    found = list({r.key: r for r in found if r.key not in known}.values())
    if not found:
        return 0
    index = build_index(ledger.sent_cards(), ledger.given_codes(), ledger.held_out())
    credited = [(r, match(r, index, window_days, CALL_BY_PERSON)) for r in found]
    return sum(ledger.record_responses(credited))


def _seen(responses: list[Response], ledger: Ledger) -> list[str | None]:
    """For each response, None when it is the first of its key, else where it was seen:
    in the ledger, or on an earlier line of the same file (an order's second item, a row
    exported twice)."""
    known = ledger.known_responses([r.key for r in responses])
    first_line: dict[str, int] = {}
    seen: list[str | None] = []
    for response in responses:
        if response.key in known:
            seen.append(_already(response))
        elif response.key in first_line:
            line = first_line[response.key]
            seen.append(
                f"another row of {response.kind} {_own_id(response)} (line {line})"
                if _own_id(response)
                else f"the same as line {line}"
            )
        else:
            first_line[response.key] = response.line
            seen.append(None)
    return seen


def _fate(response: Response, credit: Credit) -> RowFate:
    if credit.card is None:
        return RowFate(response.file, response.line, Fate.NOT_CREDITED, credit.detail)
    said = f"card {display(credit.card.code)} ({credit.card.contact_id}) by {credit.matched_by}"
    how = str(credit.matched_by)
    return RowFate(response.file, response.line, Fate.CREDITED, said, how)


def _already(response: Response) -> str:
    own = _own_id(response)
    return f"{response.kind} {own} is recorded already" if own else "recorded already"


def _own_id(response: Response) -> str:
    """The source's own id in a response's key, as the key keeps it ("" when none)."""
    return response.key.partition("|id|")[2].rpartition("|")[0]
