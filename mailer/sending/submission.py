"""Sending the ledger's mail steps through a provider: which pieces go, what each request
holds, and the ledger as the send loop's journal.

The idempotency key lives in the ledger before the first request (see `sending`), so a run
killed at any moment and started again sends every card exactly once.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from mailer.config import Config, Mail
from mailer.domain.models import MailStep
from mailer.domain.postcards import PROVIDER_SIZES, CardSize
from mailer.errors import AuthError, ProviderError, UsageError
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.sending.loop import SendItem, SendReport
from mailer.sending.providers.base import (
    NotCancellable,
    Party,
    PostcardRequest,
    Provider,
    TrackingEvent,
)

# A piece in one of these states may (still) go to the provider.
SENDABLE = frozenset({PieceStatus.PLANNED, PieceStatus.RENDERED, PieceStatus.SUBMITTING})

# The artwork each provider takes: Lob two one-page PDFs, PostGrid one two-page PDF. It is
# drawn in the form needed, never converted later: PDFium (pypdfium2) must not run on the
# sending threads.
ARTWORK = {"lob": "sides", "postgrid": "pdf"}

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
) -> PostcardRequest:
    """The create request for one card through `provider_name`; the artwork is drawn here,
    just in time, in exactly the form that provider takes."""
    from mailer.domain.addresses import mail_to, normalize
    from mailer.drawing.batch import render_card_pdf, render_sides

    artwork = ARTWORK.get(provider_name)
    if artwork is None:
        raise UsageError(
            f"unknown provider {provider_name!r}", hint=f"use one of: {', '.join(ARTWORK)}"
        )
    front = back = pdf = b""
    if artwork == "sides":
        front, back = render_sides(step, config, size)
    else:
        pdf = render_card_pdf(step, config, size)
    sender = config.sender
    record = step.record
    send_date = step.send_date if step.send_date and step.send_date > today else None
    return PostcardRequest(
        idempotency_key=idempotency_key,
        to=Party(record.name or NO_NAME, mail_to(record)),
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
        },
        description=f"{step.template} card for {record.contact_id}",
        send_date=send_date,
    )


def send_items(
    batch: Sequence[Outgoing], config: Config, today: date, provider_name: str
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
        )
        for o in batch
    ]


def estimated_cost(count: int, config: Config) -> float:
    return count * config.provider.prices.get(provider_size(config.mail), 0.0)


class LedgerJournal:
    """The ledger seen through the send loop's `SendJournal` protocol."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

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
        self._ledger.record_submitted(
            int(piece_id), provider_id, provider_status, expected_delivery, preview_url
        )

    def record_failed(self, piece_id: str, error: str) -> None:
        self._ledger.record_failed(int(piece_id), error)


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
            ledger.record_failed(o.piece.id, f"undeliverable address: {check.reason}")
    return kept


@dataclass
class Refresh:
    checked: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def sent_through(
    pieces: Sequence[Piece], default: str, only: str | None = None
) -> dict[str, list[Piece]]:
    """Sent cards by the provider that has them (`default` for a piece that names none),
    keeping only `only`'s when given: each card is asked about where it was sent."""
    groups: dict[str, list[Piece]] = {}
    for piece in pieces:
        name = piece.provider or default
        if only is None or name == only:
            groups.setdefault(name, []).append(piece)
    return groups


def refresh_pieces(
    ledger: Ledger, provider: Provider, pieces: Sequence[Piece] | None = None
) -> Refresh:
    """Pull status, tracking events and delivery dates for the submitted cards sent through
    `provider` (or for `pieces`)."""
    news = Refresh()
    if pieces is None:
        sent = ledger.pieces(PieceStatus.SUBMITTED, mode="provider")
        pieces = sent_through(sent, provider.name, provider.name).get(provider.name, [])
    for piece in pieces:
        if not piece.provider_id:
            continue
        try:
            remote = provider.get_postcard(piece.provider_id)
        except ProviderError as exc:
            if isinstance(exc, AuthError):
                raise
            news.problems.append(f"{piece.provider_id} ({piece.contact_id}): {exc.message}")
            continue
        events = [
            (e.time.isoformat() if e.time else "", e.type or "tracking", _event_text(e))
            for e in remote.tracking_events
        ]
        news.events += ledger.record_status(
            piece.id, remote.status, events, expected_delivery=remote.expected_delivery
        )
        news.checked += 1
    return news


def _event_text(event: TrackingEvent) -> str:
    return " ".join(p for p in (event.name, event.location) if p)


def pieces_to_cancel(ledger: Ledger, card: str | None) -> list[Piece]:
    """The sent cards `card` names (a provider id or a contact id), or all sent ones."""
    sent = ledger.pieces(PieceStatus.SUBMITTED, mode="provider")
    if card is None:
        return sent
    return [p for p in sent if card in (p.provider_id, p.contact_id)]


@dataclass
class Cancellation:
    cancelled: list[Piece] = field(default_factory=list)
    refused: list[tuple[Piece, str]] = field(default_factory=list)


def cancel_pieces(ledger: Ledger, provider: Provider, pieces: Sequence[Piece]) -> Cancellation:
    result = Cancellation()
    for piece in pieces:
        assert piece.provider_id is not None
        try:
            provider.cancel_postcard(piece.provider_id)
        except NotCancellable as exc:
            result.refused.append((piece, exc.message))
            continue
        ledger.record_cancelled(piece.id)
        result.cancelled.append(piece)
    return result


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
    items = send_items(batch, config, today, provider.name)
    report = send_batch(items, provider, LedgerJournal(ledger), jobs=jobs, on_progress=on_progress)
    return dataclasses.replace(report, failed=(*unverified, *report.failed))
