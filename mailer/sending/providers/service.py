"""What Lob's and PostGrid's clients share: the create/get/cancel round trips and the dry
run's text. Each provider module says only what differs: its paths, headers, form fields and
how it reads a postcard back."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mailer.sending.providers.base import (
    NotCancellable,
    PostcardRequest,
    ProviderPiece,
    RequestRejected,
    require_key,
)
from mailer.sending.providers.http import USER_AGENT, FileField, HttpClient


class PostcardService:
    """One instance is shared by all sending threads."""

    name = ""
    label = ""
    path = ""
    idempotency_header = "Idempotency-Key"
    cancel_hint = ""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r})"

    @property
    def is_live(self) -> bool:
        return self.client.key_starts_with("live_")

    # -- what each provider says ---------------------------------------------------------

    def form(self, req: PostcardRequest) -> tuple[list[tuple[str, str]], list[FileField]]:
        raise NotImplementedError

    def piece(self, body: Mapping[str, Any]) -> ProviderPiece:
        raise NotImplementedError

    def cancelled(self, body: Mapping[str, Any], piece_id: str) -> ProviderPiece:  # noqa: ARG002
        """What a cancel answers; most providers send the postcard back."""
        return self.piece(body)

    def auth_line(self) -> str:
        raise NotImplementedError

    # -- the round trips -------------------------------------------------------------------

    def create_postcard(self, req: PostcardRequest) -> ProviderPiece:
        require_key(req)
        fields, files = self.form(req)
        body = self.client.request(
            "POST",
            self.path,
            data=fields,
            files=files,
            idempotency_key=req.idempotency_key,
            idempotency_header=self.idempotency_header,
            what=f"the postcard for {who(req)}",
        )
        return self.piece(body)

    def get_postcard(self, piece_id: str) -> ProviderPiece:
        body = self.client.request("GET", f"{self.path}/{piece_id}", what=f"GET {piece_id}")
        return self.piece(body)

    def cancel_postcard(self, piece_id: str) -> ProviderPiece:
        try:
            body = self.client.request(
                "DELETE", f"{self.path}/{piece_id}", what=f"cancelling {piece_id}"
            )
        except RequestRejected as exc:
            if exc.status_code == 404:
                raise
            raise NotCancellable(
                f"{self.label} can no longer cancel {piece_id}: {exc.message}",
                hint=self.cancel_hint,
                status_code=exc.status_code,
                code=exc.code,
            ) from None
        return self.cancelled(body, piece_id)

    def dry_run_request(self, req: PostcardRequest) -> str:
        """The exact create request as text: the key redacted, files as name, size, sha256."""
        fields, files = self.form(req)
        lines = [
            f"POST {self.client.base_url}{self.path}",
            self.auth_line(),
            f"{self.idempotency_header}: {req.idempotency_key}",
            f"User-Agent: {USER_AGENT}",
            "Content-Type: multipart/form-data",
            "",
        ]
        lines += [f"{name}={value}" for name, value in fields]
        for name, (_, data, _) in files:
            digest = hashlib.sha256(data).hexdigest()
            lines.append(
                f"{name}=@{name}.pdf (application/pdf, {len(data):,} bytes, sha256 {digest})"
            )
        return "\n".join(lines)


def who(req: PostcardRequest) -> str:
    contact = req.metadata.get("contact_id", "")
    name = req.to.name or req.to.company
    return f"{name} ({contact})" if contact else name
