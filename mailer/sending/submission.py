"""Sending the ledger's mail steps through a provider: which pieces go, what each request
holds, and the ledger as the send loop's journal.

The idempotency key lives in the ledger before the first request (see `sending`), so a run
killed at any moment and started again sends every card exactly once.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

from mailer.config import Config, Mail
from mailer.domain.models import MailStep
from mailer.domain.postcards import PROVIDER_SIZES, CardSize
from mailer.errors import UsageError
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.sending.loop import SendItem, SendReport
from mailer.sending.providers import PROVIDERS
from mailer.sending.providers.base import (
    Party,
    PostcardRequest,
    Provider,
)

# A piece in one of these states may (still) go to the provider.
SENDABLE = frozenset({PieceStatus.PLANNED, PieceStatus.RENDERED, PieceStatus.SUBMITTING})

# Printed as the addressee when the call log gives no name (never the contact id).
NO_NAME = "Current Resident"


@dataclass(frozen=True)
class Outgoing:
    step: MailStep
    piece: Piece


def provider_size(mail: Mail) -> str:
    """The configured size when a provider prints it, else the standard 4x6."""
    return mail.size if mail.size in PROVIDER_SIZES else CardSize.POSTCARD


def begun_elsewhere(piece: Piece | None, provider_name: str) -> bool:
    """Left `submitting` at another provider, which may have made the card already: only
    that provider can finish it (its idempotency key means nothing to another one)."""
    return (
        piece is not None
        and piece.status is PieceStatus.SUBMITTING
        and piece.provider is not None
        and piece.provider != provider_name
    )


def sendable_steps(
    ledger: Ledger,
    provider_name: str,
    *,
    step_keys: Sequence[str] | None = None,
    retry_failed: bool = False,
    limit: int | None = None,
) -> list[MailStep]:
    """Mail steps whose card has not gone to the provider yet (printed self-mail cards and
    cancelled ones never go; opted-out contacts are never due, see `Ledger.due_cards`).
    Cards left `submitting` by a killed run come first: they resume with their stored key;
    those begun at another provider are left out (see `stranded`). Reads only: a dry run
    changes nothing."""
    allowed: set[PieceStatus | None] = {None, *SENDABLE}
    if retry_failed:
        allowed.add(PieceStatus.FAILED)
    wanted = set(step_keys) if step_keys is not None else None
    resumed: list[MailStep] = []
    fresh: list[MailStep] = []
    for due in ledger.due_cards(allowed, step_keys=wanted):
        if begun_elsewhere(due.piece, provider_name):
            continue
        submitting = due.piece is not None and due.piece.status is PieceStatus.SUBMITTING
        (resumed if submitting else fresh).append(due.step)
    chosen = resumed + fresh
    return chosen[:limit] if limit is not None else chosen


def stranded(
    ledger: Ledger, provider_name: str, *, step_keys: Sequence[str] | None = None
) -> list[Piece]:
    """The cards `sendable_steps` leaves out because another provider was sending them."""
    wanted = set(step_keys) if step_keys is not None else None
    return [
        due.piece
        for due in ledger.due_cards({PieceStatus.SUBMITTING}, step_keys=wanted)
        if due.piece is not None
        and due.piece.mode == "provider"
        and begun_elsewhere(due.piece, provider_name)
    ]


def claim(ledger: Ledger, steps: Sequence[MailStep], config: Config) -> list[Outgoing]:
    """Record a provider piece (and so its idempotency key) for each step."""
    size = provider_size(config.mail)
    claimed = [Outgoing(step, ledger.ensure_piece(step, "provider", size)) for step in steps]
    return [o for o in claimed if o.piece.mode == "provider"]


def build_request(
    step: MailStep,
    idempotency_key: str,
    size: str,
    config: Config,
    today: date,
    provider_name: str,
    *,
    draw: bool = True,
) -> PostcardRequest:
    """The create request for one card through `provider_name`; the artwork is drawn here,
    just in time, in exactly the form that provider takes (not at all without `draw`: the
    dry run checks every card's fields without drawing each one)."""
    from mailer.domain.addresses import mail_to, normalize
    from mailer.domain.names import addressed_name
    from mailer.drawing.batch import render_card_pdf, render_sides

    facts = PROVIDERS.get(provider_name)
    if facts is None:
        raise UsageError(
            f"unknown provider {provider_name!r}", hint=f"use one of: {', '.join(PROVIDERS)}"
        )
    artwork = facts.artwork
    front = back = pdf = b""
    if artwork == "sides" and draw:
        front, back = render_sides(step, config, size)
    elif draw:
        pdf = render_card_pdf(step, config, size)
    sender = config.sender
    record = step.record
    send_date = step.send_date if step.send_date and step.send_date > today else None
    return PostcardRequest(
        idempotency_key=idempotency_key,
        # Within the provider's name limit (the plan said so); the ledger keeps it whole.
        to=Party(addressed_name(record.name, provider_name) or NO_NAME, mail_to(record)),
        from_=Party(
            sender.name, normalize(sender.return_address.as_address()).address, sender.company
        ),
        size=size,
        front_pdf=front,
        back_pdf=back,
        pdf=pdf,
        use_type=config.provider.use_type,
        mail_type=config.provider.mail_type,
        metadata={
            "contact_id": record.contact_id,
            "step": step.template or "",
            "campaign": config.provider.campaign,
            # The card's code: a provider's export of its cards can be matched to responses.
            **({"card_code": step.card_code} if step.card_code else {}),
        },
        description=f"{step.template} card for {record.contact_id}",
        send_date=send_date,
    )


def refusals(
    steps: Sequence[MailStep], config: Config, today: date, provider: Provider
) -> list[tuple[MailStep, list[str]]]:
    """The cards the provider would refuse, each with every reason (the dry run's check;
    the real send makes the same check on each card before its request)."""
    from mailer.ledger import idempotency_key

    size = provider_size(config.mail)
    found = []
    for step in steps:
        key = idempotency_key(step.step_key, "provider", size)
        req = build_request(step, key, size, config, today, provider.name, draw=False)
        problems = provider.problems(req)
        if problems:
            found.append((step, problems))
    return found


def must_look_up(ledger: Ledger, piece: Piece, provider: Provider, now: datetime) -> bool:
    """A card left `submitting` is looked up before it is sent again when the provider may
    not recognise its key: it promises no idempotency (PostGrid), or the key is older than
    it keeps keys (Lob: 24 hours)."""
    if piece.status is not PieceStatus.SUBMITTING:
        return False
    if provider.key_memory is None:
        return True
    since = ledger.submitting_since(piece.id)
    if since is None:
        return True
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return now - since >= provider.key_memory


def send_items(
    batch: Sequence[Outgoing],
    config: Config,
    today: date,
    provider_name: str,
    looked_up: frozenset[int] = frozenset(),
) -> list[SendItem]:
    """Requests built lazily, one at a time: the drawing code's caches are not shared
    between threads, and drawing (milliseconds) is far quicker than the rate limit. The
    providers send the artwork as drawn, so nothing else touches a PDF on those threads."""
    drawing = threading.Lock()

    def build(o: Outgoing) -> PostcardRequest:
        with drawing:
            return build_request(
                o.step, o.piece.idempotency_key, o.piece.size, config, today, provider_name
            )

    return [
        SendItem(
            piece_id=str(o.piece.id),
            idempotency_key=o.piece.idempotency_key,
            build_request=partial(build, o),
            look_first=o.piece.id in looked_up,
        )
        for o in batch
    ]


def estimated_cost(count: int, config: Config) -> float:
    return count * config.provider.prices.get(provider_size(config.mail), 0.0)


class LedgerJournal:
    """The ledger seen through the send loop's `SendJournal` protocol."""

    def __init__(self, ledger: Ledger, redact: Callable[[str], str] = str) -> None:
        self._ledger = ledger
        self._redact = redact

    def begin_submit(self, piece_id: str, provider_name: str) -> None:
        self._ledger.begin_submit(int(piece_id), provider_name)

    def record_submitted(
        self,
        piece_id: str,
        provider_id: str,
        provider_status: str,
        expected_delivery: date | None,
        preview_url: str | None,
    ) -> None:
        # The id was checked by the client (no part of the key in it); the rest is
        # the provider's free text.
        url = self._redact(preview_url) if preview_url else preview_url
        self._ledger.record_submitted(
            int(piece_id), provider_id, self._redact(provider_status), expected_delivery, url
        )

    def record_failed(self, piece_id: str, error: str) -> None:
        # Provider messages are masked where they are made; this is the last door before
        # the ledger file, so it masks again whatever came from elsewhere.
        self._ledger.record_failed(int(piece_id), self._redact(error))


def verified(ledger: Ledger, provider: Provider, batch: Sequence[Outgoing]) -> list[Outgoing]:
    """Only the cards whose US address the provider calls deliverable; the others are marked
    failed with its reason (`--retry-failed` tries them again once fixed)."""
    from mailer.domain.addresses import is_domestic, mail_to

    kept = []
    for o in batch:
        if o.piece.status is PieceStatus.SUBMITTING:
            # A run cut off mid-request may have created it already: marking it failed would
            # lose it; resending its stored key returns the card the provider made.
            kept.append(o)
            continue
        address = mail_to(o.step.record)
        if not is_domestic(address):
            kept.append(o)  # the US check says nothing about other countries
            continue
        check = provider.verify_address(o.step.record.name, address)
        if check.deliverable:
            kept.append(o)
        else:
            reason = provider.redact(check.reason)
            ledger.record_failed(o.piece.id, f"undeliverable address: {reason}")
    return kept


def submit(
    ledger: Ledger,
    config: Config,
    provider: Provider,
    batch: list[Outgoing],
    today: date,
    *,
    jobs: int = 4,
    verify: bool = False,
    on_progress: Callable[[object], None] | None = None,
) -> SendReport:
    """Send a claimed batch exactly once (see `loop`); with `verify`, US addresses the
    provider calls undeliverable are skipped first and reported as failed, so the summary
    names them and the exit code says so."""
    # Two processes sending one ledger's cards would both send them (PostGrid keeps no
    # idempotency key): the second waits for the ledger's lock (see `Ledger.exclusive`).
    with ledger.exclusive("sending cards"):
        return _submit(ledger, config, provider, batch, today, jobs, verify, on_progress)


def _submit(
    ledger: Ledger,
    config: Config,
    provider: Provider,
    batch: list[Outgoing],
    today: date,
    jobs: int,
    verify: bool,
    on_progress: Callable[[object], None] | None,
) -> SendReport:
    from mailer.sending.loop import SendOutcome, send_batch

    unverified: list[SendOutcome] = []
    if verify:
        kept = verified(ledger, provider, batch)
        kept_ids = {o.piece.id for o in kept}
        unverified = [
            SendOutcome(
                str(o.piece.id),
                "failed",
                error=ledger.piece(o.piece.id).error or "undeliverable address",
            )
            for o in batch
            if o.piece.id not in kept_ids
        ]
        batch = kept
    now = datetime.now(UTC)
    looked_up = frozenset(o.piece.id for o in batch if must_look_up(ledger, o.piece, provider, now))
    items = send_items(batch, config, today, provider.name, looked_up)
    journal = LedgerJournal(ledger, provider.redact)
    report = send_batch(items, provider, journal, jobs=jobs, on_progress=on_progress)
    return dataclasses.replace(report, failed=(*unverified, *report.failed))
