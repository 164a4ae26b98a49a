"""PostGrid's Print & Mail API (postcards), as a thin client.

Field names follow PostGrid's published contact and postcard models (camelCase, checked
against its SDK docs): contacts inline as `to[firstName]`, `to[addressLine1]`, ...; one
two-page `pdf` uploaded as a multipart file; sizes written `6x4`, `9x6`, `11x6`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailer.domain.models import Address
from mailer.errors import ProviderError
from mailer.sending.providers.base import (
    Party,
    PostcardRequest,
    ProviderPiece,
    RequestRejected,
    TrackingEvent,
    Verification,
    parse_date,
    parse_datetime,
    text,
)
from mailer.sending.providers.checks import postgrid_problems
from mailer.sending.providers.http import FileField
from mailer.sending.providers.service import PostcardService, who

DEFAULT_BASE_URL = "https://api.postgrid.com"
PATH = "/print-mail/v1/postcards"

KEY_HINT = (
    "set POSTGRID_API_KEY to a Print & Mail key from your PostGrid dashboard: test_sk_... "
    "keys mail nothing, live_sk_... keys print and mail"
)

SIZES: Mapping[str, str] = {"4x6": "6x4", "6x9": "9x6", "6x11": "11x6"}
MAILING_CLASSES: Mapping[str, str] = {
    "usps_first_class": "first_class",
    "usps_standard": "standard_class",
}


def error_message(body: Any) -> tuple[str, str]:
    """PostGrid's `{"error": {"type", "message"}}` (or a bare `message`), read leniently."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return text(error.get("message")), text(error.get("type") or error.get("code"))
        return text(body.get("message")), text(body.get("type"))
    return "", ""


class PostGridProvider(PostcardService):
    """Postcards through PostGrid."""

    name = "postgrid"
    label = "PostGrid"
    path = PATH
    idempotency_header = "idempotency-key"
    cancel_hint = "an order can be cancelled only while it is still `ready`"

    def piece(self, body: Mapping[str, Any]) -> ProviderPiece:
        return piece_from_json(body)

    def auth_line(self) -> str:
        return f"x-api-key: {self.client.shown_key}"

    def verify_address(self, name: str, address: Address) -> Verification:  # noqa: ARG002
        raise ProviderError(
            "PostGrid checks addresses through its separate Address Verification API, "
            "which mailer does not use",
            hint="PostGrid verifies each contact when the postcard is created; or use Lob's "
            "check with provider.name = 'lob'",
        )

    def problems(self, req: PostcardRequest) -> list[str]:
        return postgrid_problems(req)

    def lookup_params(self, idempotency_key: str) -> list[tuple[str, str]]:
        # PostGrid's list takes a free-text `search`; the answer is then narrowed to the
        # card whose metadata holds this exact key (see `PostcardService.find_postcard`).
        return [("search", idempotency_key), ("limit", "50")]

    def form(
        self, req: PostcardRequest, *, check: bool = True
    ) -> tuple[list[tuple[str, str]], list[FileField]]:
        """The multipart fields and the one file of a create, in a stable order."""
        if check:
            self.checked(req)
        size = SIZES.get(req.size)
        if size is None:
            raise RequestRejected(
                f"PostGrid has no postcard size {req.size!r}",
                hint=f"use one of: {', '.join(SIZES)}",
            )
        fields: list[tuple[str, str]] = []
        for side, party in (("to", req.to), ("from", req.from_)):
            fields += [(f"{side}[{k}]", v) for k, v in _contact(party) if v]
        fields.append(("size", size))
        fields.append(("mailingClass", MAILING_CLASSES.get(req.mail_type, req.mail_type)))
        # PostGrid promises no idempotency: the key kept in the metadata (and the
        # description) is how a card whose create went unanswered is found again.
        metadata = {**req.metadata, "mailer_key": req.idempotency_key}
        fields += [(f"metadata[{k}]", v) for k, v in metadata.items()]
        fields.append(("description", f"{req.description} [{req.idempotency_key}]".lstrip()))
        if req.send_date is not None:
            fields.append(("sendDate", req.send_date.isoformat()))
        if not req.pdf:
            raise RequestRejected(
                f"the postcard for {who(req)} has no two-page artwork",
                hint="PostGrid takes one PDF, page 1 the front and page 2 the back (`pdf`); "
                "build the request for postgrid",
            )
        return fields, [("pdf", ("card.pdf", req.pdf, "application/pdf"))]


def _contact(party: Party) -> list[tuple[str, str]]:
    first, _, last = party.name.strip().partition(" ")
    addr = party.address
    return [
        ("firstName", first),
        ("lastName", last.strip()),
        ("companyName", party.company),
        ("addressLine1", addr.line1),
        ("addressLine2", addr.line2),
        ("city", addr.city),
        ("provinceOrState", addr.state),
        ("postalOrZip", addr.postal_code),
        ("countryCode", addr.country or "US"),
    ]


def piece_from_json(body: Mapping[str, Any]) -> ProviderPiece:
    events: tuple[TrackingEvent, ...] = ()
    if text(body.get("imbStatus")):
        events = (
            TrackingEvent(
                name=text(body.get("imbStatus")),
                time=parse_datetime(body.get("imbDate")),
                location=text(body.get("imbZIPCode")),
                type="imb",
            ),
        )
    return ProviderPiece(
        id=text(body.get("id")),
        status=text(body.get("status")),
        expected_delivery=parse_date(body.get("expectedDeliveryDate")),
        preview_url=text(body.get("url")) or None,
        send_date=parse_date(body.get("sendDate")),
        tracking_events=events,
        raw=body,
    )


SERVICE = PostGridProvider
"""The client `make_provider` builds for this service."""
