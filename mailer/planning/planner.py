"""From call logs to a plan: read, look up history, apply the cadence, record.

The one place that joins the pure cadence to the ledger. The history given to the cadence
leaves out the calls being planned, so planning the same input twice gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mailer.config import Config, call_zone
from mailer.domain.models import (
    Action,
    CallRecord,
    ContactHistory,
    MailStep,
    Notice,
    Plan,
)
from mailer.ledger import Ledger, RecordResult
from mailer.reading.collector import collector_paused

if TYPE_CHECKING:
    from mailer.planning.cadence import Calls


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    recorded: RecordResult | None
    """None for a dry run."""
    responses: int = 0
    """Orders and replies the calls carried, recorded for the first time."""


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
    from mailer.planning.cadence import check_feasible, group_calls, plan_contacts
    from mailer.planning.callbacks import unread_callback_notices
    from mailer.planning.experiments import apply_experiment, with_card_codes
    from mailer.reading.records import read_call_logs
    from mailer.reading.sources import mapping_for

    with collector_paused():  # records and steps make no cycles: see `collector`
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
        calls = group_calls(log.records)
        history: Mapping[str, ContactHistory] = {}
        if ledger.has_history():  # else every contact's history is empty
            aliases = _also_known_as(calls, by_address=ledger.suppresses_by_address())
            history = ledger.history(calls, _deciding(calls), today, aliases)
        # Each card's record carries its normalized address (drawing, printing, sending).
        steps = plan_contacts(
            calls, history, config, today, addressed=_mail_addresses(), records=log.records
        )
        steps = apply_experiment(steps, config)  # README, "Try two things at once"
        steps, flagged = _flagged_addresses(steps, ledger)
        plan = Plan(
            today=today,
            steps=tuple(steps),
            rejections=log.rejections,
            notices=log.notices
            + flagged
            + _shortened_names(steps, config)
            + unread_callback_notices(steps),
            rows=log.rows,
            files=tuple(str(p) for p in paths),
            columns=log.columns,
            skipped=log.skipped,
        )
        recorded = ledger.record_plan(plan, calls=log.records) if record else None
        responses = 0
        if recorded is not None:  # orders and replies the calls carry (README, "Did it work?")
            # Imported here: a dry run records no responses, and spares its import.
            from mailer.results.responses import record_call_responses

            responses = record_call_responses(ledger, log.records, config.results.attribution_days)
        if recorded is not None and recorded.held_steps:
            plan = replace(plan, steps=tuple(_kept(ledger, s, recorded.held_steps) for s in steps))
        if recorded is not None:  # the cards' codes, as the ledger gave them
            plan = replace(plan, steps=with_card_codes(plan.steps, ledger))
        return PlanOutcome(plan, recorded, responses)


def _mail_addresses() -> Callable[[CallRecord], CallRecord]:
    """`with_mail_address` for the records of one plan, each address normalized once
    (`MailAddresses`: a log's rows share one `Address` a household)."""
    from mailer.domain.mail_addresses import MailAddresses

    return MailAddresses().addressed


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


def _flagged_addresses(
    steps: list[MailStep], ledger: Ledger
) -> tuple[list[MailStep], tuple[Notice, ...]]:
    """A contact whose card failed or came back at the provider: the plan says so, and a new
    card to that same address is skipped (its reason says why) until the address changes
    (README, "Cards that fail or come back")."""
    flagged = ledger.flagged_addresses()
    if not flagged:
        return steps, ()
    kept: list[MailStep] = []
    notices: list[Notice] = []
    for step in steps:
        marks = [m for m in flagged.get(step.contact_id, ()) if m[0] != step.step_key]
        if not marks or step.action is Action.SUPPRESS:
            kept.append(step)
            continue
        same = [
            day
            for key, day in marks
            if ledger.step(key).record.address.same_place(step.record.address)
        ]
        day = (same or [marks[-1][1]])[-1]
        said = f"address flagged as undeliverable on {day}: check it before mailing"
        if step.action is Action.MAIL and same:
            step = MailStep(
                step.record, Action.SKIP, said, history_rows=step.history_rows,
                attempt=step.attempt, missed_at=step.missed_at,
            )  # fmt: skip
            said += " (no card: it is the same address)"
        elif step.action is Action.MAIL:
            said += " (the address has changed since: this card goes to the new one)"
        notices.append(Notice(step.record.file, step.record.row, said))
        kept.append(step)
    return kept, tuple(notices)


def _also_known_as(calls: Mapping[str, Calls], *, by_address: bool) -> dict[str, set[str]]:
    """The other ids each contact could carry in another export (their phone and email ids,
    their name and address): an opt-out under any of them holds for the contact. Worked out
    once for each way a contact's rows write them (most contacts: one)."""
    from mailer.ledger.contacts import suppression_ids

    aliases: dict[str, set[str]] = {}
    for contact_id, rows in calls.items():
        ids: set[str] = set()
        seen: set[tuple[object, ...]] = set()
        for r in rows:
            said = (r.phone, r.email, r.first_name, r.last_name, r.address)
            if said not in seen:
                seen.add(said)
                ids.update(suppression_ids(r, by_address=by_address))
        aliases[contact_id] = ids
    return aliases


def deciding_calls(records: Sequence[CallRecord]) -> set[str]:
    """Each contact's latest call: the ones whose own earlier results must not count as
    history, so planning the same input twice gives the same plan. Earlier calls in the
    input (a cumulative export) keep theirs: a card they caused was really sent."""
    from mailer.planning.cadence import group_calls

    return _deciding(group_calls(records))


def _deciding(calls: Mapping[str, Calls]) -> set[str]:
    """`deciding_calls` of records grouped by contact; a later row wins a tie."""
    from mailer.planning.cadence import latest_call  # the cadence's own order

    return {(latest_call(rows) if len(rows) > 1 else rows[0]).call_key for rows in calls.values()}


def _kept(ledger: Ledger, step: MailStep, held: tuple[str, ...]) -> MailStep:
    """A step the ledger held back because the call already has a card (the settings
    changed since): the plan shows the card that exists."""
    if step.step_key not in held:
        return step
    stored = ledger.step_for_call(step.record.call_key)
    if stored is None:
        return step
    return replace(stored, reason=f"{stored.reason} (kept: its card was already made)")
