"""What every print-and-mail service client offers, in the domain's words.

Requests are plain frozen values built by the caller; responses are read leniently (unknown
fields are kept in `raw`, statuses stay strings) so a new server value never breaks a send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from mailer.domain.datetext import iso_date
from mailer.domain.models import Address
from mailer.domain.postcards import PROVIDER_SIZES
from mailer.errors import ProviderError

POSTCARD_SIZES = PROVIDER_SIZES


@dataclass(frozen=True)
class Party:
    """Someone a card goes to or comes from: a name and/or a company, and an address."""

    name: str
    address: Address
    company: str = ""


@dataclass(frozen=True)
class PostcardRequest:
    """One postcard to create. `idempotency_key` identifies it across retries and re-runs.

    Artwork comes from memory in the form the provider takes: `front_pdf` and `back_pdf`
    (one page each) for Lob, `pdf` (page 1 front, page 2 back) for PostGrid. Clients never
    convert one form into the other: that would run PDFium on the sending threads, and it
    must never run on two threads at once. `send_date` None (or today) means as soon as
    possible; a later date schedules the piece (and keeps it cancellable until then).
    """

    idempotency_key: str
    to: Party
    from_: Party
    size: str = "4x6"
    front_pdf: bytes = field(default=b"", repr=False)
    back_pdf: bytes = field(default=b"", repr=False)
    pdf: bytes = field(default=b"", repr=False)
    use_type: str = "marketing"
    mail_type: str = "usps_first_class"
    metadata: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    send_date: date | None = None


@dataclass(frozen=True)
class TrackingEvent:
    """A scan of the piece in the mail stream (name as the provider says it)."""

    name: str
    time: datetime | None = None
    location: str = ""
    type: str = ""


@dataclass(frozen=True)
class ProviderPiece:
    """A postcard as the provider knows it."""

    id: str
    status: str
    expected_delivery: date | None = None
    preview_url: str | None = None
    send_date: date | None = None
    tracking_events: tuple[TrackingEvent, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Verification:
    """The provider's opinion of an address; `address` is its standardized form if any."""

    deliverable: bool
    reason: str
    address: Address | None = None


class RequestRejected(ProviderError):
    """The provider refused this one request (a 4xx other than 401/403/429): fix the piece;
    the rest of the batch is unaffected."""

    def __init__(self, message: str, hint: str = "", *, status_code: int = 0, code: str = ""):
        super().__init__(message, hint)
        self.status_code = status_code
        self.code = code


class NotCancellable(RequestRejected):
    """The piece is past the provider's cancellation window (or already in production)."""


class ProviderUnavailable(ProviderError):
    """The provider did not answer usefully after every retry (network, timeouts, 5xx, 429).

    Whether a create went through is unknown; running the same command again re-sends it
    with the same idempotency key, so it is created at most once.
    """


@runtime_checkable
class Provider(Protocol):
    """A print-and-mail service. Methods raise `ProviderError` subclasses (`AuthError` for a
    rejected key); none of their messages ever contains the API key."""

    name: str
    key_memory: timedelta | None
    """How long an idempotency key is kept; None when the provider promises none."""

    @property
    def is_live(self) -> bool:
        """True when the key prints and mails for real (and costs money)."""
        ...

    def create_postcard(self, req: PostcardRequest) -> ProviderPiece: ...

    def get_postcard(self, piece_id: str) -> ProviderPiece: ...

    def cancel_postcard(self, piece_id: str) -> ProviderPiece: ...

    def verify_address(self, name: str, address: Address) -> Verification: ...

    def find_postcard(self, idempotency_key: str) -> ProviderPiece | None:
        """The postcard created with this key, found through its metadata, or None."""
        ...

    def problems(self, req: PostcardRequest) -> list[str]:
        """What the provider would refuse in `req` (empty when it would take it)."""
        ...

    def redact(self, message: str) -> str:
        """`message` with the API key masked in every form it can take."""
        ...

    def dry_run_request(self, req: PostcardRequest) -> str:
        """The exact create request as text (key redacted, files as name, size, sha256)."""
        ...


def require_key(req: PostcardRequest) -> None:
    """A create without an idempotency key could never be retried safely: refuse it."""
    if not req.idempotency_key or len(req.idempotency_key) > 256:
        raise ProviderError(
            f"the postcard for {req.to.name or req.to.company} has "
            + (
                "no idempotency key"
                if not req.idempotency_key
                else "an idempotency key over 256 characters"
            ),
            hint="every piece gets its key from the ledger before it is sent",
        )


def parse_date(value: Any) -> date | None:
    """A date from `2026-11-27` or `2026-11-27T00:00:00.000Z`; None when absent or odd."""
    return iso_date(value) if isinstance(value, str) else None


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def text(value: Any) -> str:
    """A response field as a string; '' for null or anything that is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
