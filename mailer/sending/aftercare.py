"""After a card is sent: its status and tracking from the provider (`refresh_pieces`), and
taking it back while the provider still allows it (`cancel_pieces`).

A card the provider could not produce, or one that came back, never reached the person: its
follow-up call is cancelled and its address flagged in the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mailer.domain.models import MailStep
from mailer.errors import AuthError, ProviderError
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.sending.providers.base import NotCancellable, Provider, TrackingEvent


@dataclass
class Refresh:
    checked: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)
    undelivered: list[tuple[Piece, str]] = field(default_factory=list)
    """Cards newly found failed or returned to the sender, and why."""
    held: list[MailStep] = field(default_factory=list)
    """The same contacts' cards to the same address not yet sent, cancelled because of it."""

    def add(self, other: Refresh) -> None:
        """Count in another provider's refresh."""
        self.checked += other.checked
        self.events += other.events
        self.problems += other.problems
        self.undelivered += other.undelivered
        self.held += other.held


# Lob's word for a card it could not produce, and its tracking event for one that came
# back: either way it never reached the person, so the follow-up call is off.
FAILED_STATUSES = frozenset({"failed"})
RETURNED_EVENTS = frozenset({"returned to sender"})


def undelivered_reason(status: str, events: Sequence[TrackingEvent]) -> str:
    """Why the provider will not deliver this card, or '' when nothing says so."""
    if status.strip().lower() in FAILED_STATUSES:
        return f"the provider reports the card {status!r}: it will not be mailed"
    if any(e.name.strip().lower() in RETURNED_EVENTS for e in events):
        return "returned to sender: the address did not work"
    return ""


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
            problem = f"{piece.provider_id} ({piece.contact_id}): {exc.message}"
            news.problems.append(provider.redact(problem))
            continue
        events = [
            (
                e.time.isoformat() if e.time else "",
                e.type or "tracking",
                provider.redact(_event_text(e)),
            )
            for e in remote.tracking_events
        ]
        news.events += ledger.record_status(
            piece.id,
            provider.redact(remote.status),
            events,
            expected_delivery=remote.expected_delivery,
        )
        why = undelivered_reason(remote.status, remote.tracking_events)
        if why and ledger.record_undelivered(piece.id, why):
            news.undelivered.append((piece, why))
            news.held += ledger.hold_same_address(piece.id)
        news.checked += 1
    return news


def _event_text(event: TrackingEvent) -> str:
    return " ".join(p for p in (event.name, event.location) if p)


def pieces_to_cancel(ledger: Ledger, card: str | None) -> list[Piece]:
    """The sent cards `card` names (a provider id or a contact id), or all sent ones; a row
    without the provider's id (changed by hand) can't be asked about, so is left out."""
    sent = [p for p in ledger.pieces(PieceStatus.SUBMITTED, mode="provider") if p.provider_id]
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
        if not piece.provider_id:  # see `pieces_to_cancel`
            continue
        try:
            provider.cancel_postcard(piece.provider_id)
        except NotCancellable as exc:
            result.refused.append((piece, exc.message))
            continue
        ledger.record_cancelled(piece.id)
        result.cancelled.append(piece)
    return result
