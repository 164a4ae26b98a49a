"""From call logs to a plan: read, look up history, apply the cadence, record.

The one place that joins the pure cadence to the ledger. The history given to the cadence
leaves out the calls being planned, so planning the same input twice gives the same plan.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from mailer.config import Config, call_zone
from mailer.domain.models import Action, CallRecord, MailStep, Notice, Plan
from mailer.ledger import Ledger, RecordResult


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    recorded: RecordResult | None
    """None for a dry run."""


def make_plan(
    paths: Sequence[Path],
    config: Config,
    ledger: Ledger,
    today: date,
    *,
    delimiter: str | None = None,
    date_order: Literal["mdy", "dmy"] = "mdy",
    record: bool = True,
    sheet: str | None = None,
    source: str | None = None,
) -> PlanOutcome:
    from mailer.contacts.enrichment import use_contact_book
    from mailer.planning.cadence import check_feasible, plan_steps
    from mailer.reading.records import read_call_logs
    from mailer.reading.sources import mapping_for

    with _collector_paused():
        check_feasible(config)
        log = read_call_logs(
            paths,
            today,
            delimiter=delimiter,
            date_order=date_order,
            zone=call_zone(config.calls),
            max_age_days=config.calls.max_age_days,
            sheet=sheet,
            mapping=mapping_for(config, source),
        )
        # Rows without a name or street address take them from the contact book (README).
        book = use_contact_book(log.records, ledger, save=record)
        log = replace(log, records=book.records, notices=log.notices + book.notices)
        contact_ids = {r.contact_id for r in log.records}
        deciding = deciding_calls(log.records)
        aliases = _also_known_as(log.records, by_address=ledger.suppresses_by_address())
        history = ledger.history(contact_ids, deciding, today, aliases)
        steps = [_with_address(s) for s in plan_steps(log.records, history, config, today)]
        plan = Plan(
            today=today,
            steps=tuple(steps),
            rejections=log.rejections,
            notices=log.notices + _shortened_names(steps, config),
            rows=log.rows,
            files=tuple(str(p) for p in paths),
            columns=log.columns,
            skipped=log.skipped,
        )
        recorded = ledger.record_plan(plan, calls=log.records) if record else None
        if recorded is not None and recorded.held_steps:
            plan = replace(plan, steps=tuple(_kept(ledger, s, recorded.held_steps) for s in steps))
        return PlanOutcome(plan, recorded)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a log is read and planned, and restored as it
    was: records and steps make no cycles, and each collector run walks every one made so
    far again (on 100,000 rows, about a fifth of the time)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _shortened_names(steps: Sequence[MailStep], config: Config) -> tuple[Notice, ...]:
    """A notice for each card whose name the print-and-mail service gets shortened to its
    limit (`domain.names.addressed_name`): the seller sees what the card will say."""
    if config.mail.mode != "provider":
        return ()
    from mailer.domain.names import addressed_name

    provider = config.provider.name
    notices = []
    for step in steps:
        if step.action is not Action.MAIL:
            continue
        name = " ".join(step.record.name.split())
        short = addressed_name(name, provider)
        if short != name:
            said = f"name shortened for {provider}: '{name}' → '{short}'"
            notices.append(Notice(step.record.file, step.record.row, said))
    return tuple(notices)


def _with_address(step: MailStep) -> MailStep:
    if step.action is not Action.MAIL:
        return step
    from mailer.domain.addresses import with_mail_address

    values = {name: getattr(step, name) for name in _STEP_FIELDS}
    values["record"] = with_mail_address(step.record)
    return MailStep(**values)


# A step's fields, looked up once: every card of a plan gets its normalized address, and
# `dataclasses.replace` would look them up again for each.
_STEP_FIELDS = tuple(f.name for f in fields(MailStep) if f.init)


def _also_known_as(records: Sequence[CallRecord], *, by_address: bool) -> dict[str, set[str]]:
    """The other ids each contact could carry in another export (their phone and email ids,
    their name and address): an opt-out under any of them holds for the contact."""
    from mailer.ledger.contacts import suppression_ids

    aliases: dict[str, set[str]] = {}
    for r in records:
        aliases.setdefault(r.contact_id, set()).update(suppression_ids(r, by_address=by_address))
    return aliases


def deciding_calls(records: Sequence[CallRecord]) -> set[str]:
    """Each contact's latest call: the ones whose own earlier results must not count as
    history, so planning the same input twice gives the same plan. Earlier calls in the
    input (a cumulative export) keep theirs: a card they caused was really sent."""
    latest: dict[str, tuple[datetime, int, CallRecord]] = {}
    for index, record in enumerate(records):
        moment = record.called_at.replace(tzinfo=None)
        best = latest.get(record.contact_id)
        if best is None or (moment, index) >= best[:2]:
            latest[record.contact_id] = (moment, index, record)
    return {record.call_key for _, _, record in latest.values()}


def _kept(ledger: Ledger, step: MailStep, held: tuple[str, ...]) -> MailStep:
    """A step the ledger held back because the call already has a card (the settings
    changed since): the plan shows the card that exists."""
    if step.step_key not in held:
        return step
    stored = ledger.step_for_call(step.record.call_key)
    if stored is None:
        return step
    return replace(stored, reason=f"{stored.reason} (kept: its card was already made)")
