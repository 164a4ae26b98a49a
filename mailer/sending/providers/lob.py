"""Lob's print-and-mail API (postcards and US address verification), as a thin client.

Field names follow Lob's OpenAPI spec (`postcard_editable`, `us_verification`): a create is a
multipart/form-data POST with nested fields in brackets and the artwork uploaded from memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mailer.domain.models import Address
from mailer.sending.providers.base import (
    PostcardRequest,
    ProviderPiece,
    RequestRejected,
    TrackingEvent,
    Verification,
    parse_date,
    parse_datetime,
    text,
)
from mailer.sending.providers.checks import lob_problems
from mailer.sending.providers.http import FileField
from mailer.sending.providers.service import PostcardService, who

DEFAULT_BASE_URL = "https://api.lob.com"

KEY_HINT = (
    "set LOB_API_KEY to a key from your Lob dashboard (Settings > API Keys): test_... keys "
    "cost nothing and mail nothing, live_... keys print and mail"
)

# us_verifications `deliverability` -> (mail it?, why in plain words)
DELIVERABILITY: Mapping[str, tuple[bool, str]] = {
    "deliverable": (True, "deliverable"),
    "deliverable_unnecessary_unit": (
        True,
        "deliverable; the unit (apartment, suite) is not needed",
    ),
    "deliverable_incorrect_unit": (
        False,
        "the building is deliverable but the unit may not exist: the card may not reach them",
    ),
    "deliverable_missing_unit": (
        False,
        "the building is deliverable but the unit (apartment, suite) is missing",
    ),
    "undeliverable": (False, "USPS does not deliver to this address"),
}


def is_live_key(key: str) -> bool:
    """A live key prints, mails and bills; a test key does neither."""
    return key.startswith("live_")


def error_message(body: Any) -> tuple[str, str]:
    """Lob's `{"error": {"message", "status_code", "code"}}`, read leniently."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return text(error.get("message")), text(error.get("code"))
        if isinstance(error, str):
            return error, ""
    return "", ""


class LobProvider(PostcardService):
    """Postcards through Lob."""

    name = "lob"
    label = "Lob"
    path = "/v1/postcards"
    key_memory: timedelta | None = timedelta(hours=24)
    cancel_hint = (
        "a postcard can be cancelled only until its send date (or within the account's "
        "cancellation window); this one is already in production"
    )

    def piece(self, body: Mapping[str, Any]) -> ProviderPiece:
        return piece_from_json(body)

    def cancelled(self, body: Mapping[str, Any], piece_id: str) -> ProviderPiece:
        # Lob answers a cancel with {"id": ..., "deleted": true}, not the postcard.
        status = "cancelled" if body.get("deleted") is True else text(body.get("status"))
        return ProviderPiece(id=text(body.get("id")) or piece_id, status=status, raw=body)

    def auth_line(self) -> str:
        key = self.client.shown_key
        return f"Authorization: Basic {key}:  (HTTP Basic: the key as user name, no password)"

    def verify_address(self, name: str, address: Address) -> Verification:
        fields = [
            ("recipient", name),
            ("primary_line", address.line1),
            ("secondary_line", address.line2),
            ("city", address.city),
            ("state", address.state),
            ("zip_code", address.postal_code),
        ]
        body = self.client.request(
            "POST",
            "/v1/us_verifications",
            data=[(k, v) for k, v in fields if v],
            read_only=True,
            what="the address check",
        )
        return verification_from_json(body)

    def problems(self, req: PostcardRequest) -> list[str]:
        return lob_problems(req)

    def lookup_params(self, idempotency_key: str) -> list[tuple[str, str]]:
        return [("metadata[mailer_key]", idempotency_key), ("limit", "10")]

    def form(
        self, req: PostcardRequest, *, check: bool = True
    ) -> tuple[list[tuple[str, str]], list[FileField]]:
        """The multipart fields and files of a create, in a stable order."""
        if check:
            self.checked(req)
        fields: list[tuple[str, str]] = []
        for side, party in (("to", req.to), ("from", req.from_)):
            addr = party.address
            values = [
                ("name", party.name),
                ("company", party.company),
                ("address_line1", addr.line1),
                ("address_line2", addr.line2),
                ("address_city", addr.city),
                ("address_state", addr.state),
                ("address_zip", addr.postal_code),
                ("address_country", addr.country or "US"),
            ]
            fields += [(f"{side}[{k}]", v) for k, v in values if v]
        fields += [
            ("size", req.size),
            ("use_type", req.use_type),
            ("mail_type", req.mail_type),
        ]
        # Lob forgets an idempotency key after 24 hours; the key kept in the metadata lets a
        # card begun earlier be found later (list postcards by `metadata[mailer_key]`).
        metadata = {**req.metadata, "mailer_key": req.idempotency_key}
        fields += [(f"metadata[{k}]", v) for k, v in metadata.items()]
        if req.description:
            fields.append(("description", req.description))
        if req.send_date is not None and req.send_date > datetime.now(UTC).date():
            # Lob reads a date as midnight UTC and refuses a time in the past: a card due
            # today simply goes now.
            fields.append(("send_date", req.send_date.isoformat()))
        front, back = req.front_pdf, req.back_pdf
        if not (front and back):
            raise RequestRejected(
                f"the postcard for {who(req)} has no front and back artwork",
                hint="Lob takes the front and the back as two one-page PDFs "
                "(`front_pdf`, `back_pdf`); build the request for lob",
            )
        files: list[FileField] = [
            ("front", ("front.pdf", front, "application/pdf")),
            ("back", ("back.pdf", back, "application/pdf")),
        ]
        return fields, files


def piece_from_json(body: Mapping[str, Any]) -> ProviderPiece:
    events = body.get("tracking_events")
    tracking = tuple(
        TrackingEvent(
            name=text(e.get("name")),
            time=parse_datetime(e.get("time")),
            location=text(e.get("location")),
            type=text(e.get("type")),
        )
        for e in (events if isinstance(events, list) else [])
        if isinstance(e, Mapping)
    )
    status = text(body.get("status"))
    if body.get("deleted") is True:
        status = "cancelled"
    return ProviderPiece(
        id=text(body.get("id")),
        status=status,
        expected_delivery=parse_date(body.get("expected_delivery_date")),
        preview_url=text(body.get("url")) or None,
        send_date=parse_date(body.get("send_date")),
        tracking_events=tracking,
        raw=body,
    )


def verification_from_json(body: Mapping[str, Any]) -> Verification:
    value = text(body.get("deliverability"))
    deliverable, reason = DELIVERABILITY.get(
        value, (False, f"Lob answered an unknown deliverability {value!r}: check it by hand")
    )
    components = body.get("components")
    parts: Mapping[str, Any] = components if isinstance(components, Mapping) else {}
    zip_code = text(parts.get("zip_code"))
    plus4 = text(parts.get("zip_code_plus_4"))
    address = None
    if text(body.get("primary_line")):
        address = Address(
            line1=text(body.get("primary_line")),
            line2=text(body.get("secondary_line")),
            city=text(parts.get("city")),
            state=text(parts.get("state")),
            postal_code=f"{zip_code}-{plus4}" if zip_code and plus4 else zip_code,
            country="US",
        )
    return Verification(deliverable=deliverable, reason=reason, address=address)


SERVICE = LobProvider
"""The client `make_provider` builds for this service."""
