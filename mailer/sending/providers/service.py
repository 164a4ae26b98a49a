"""What Lob's and PostGrid's clients share: the create/get/cancel round trips and the dry
run's text. Each provider module says only what differs: its paths, headers, form fields and
how it reads a postcard back."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from mailer.errors import AuthError, MailerError
from mailer.sending.providers.base import (
    NotCancellable,
    PostcardRequest,
    ProviderPiece,
    ProviderUnavailable,
    RequestRejected,
    require_key,
)
from mailer.sending.providers.http import USER_AGENT, FileField, HttpClient, Redirected

# What a provider's postcard id looks like (`psc_5f2...`, `postcard_8a...`): anything else
# (missing, empty, null, spaces) can't be followed, cancelled or looked up later.
USABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")

SETTLE_MAX = 10.0
"""Seconds at most to wait, after a create whose outcome is unknown, before asking the
provider whether it made the card (the request's own timeout, up to this)."""


class NoUsableId(ProviderUnavailable):
    """The provider said yes (2xx) without a usable id: the card may or may not exist, so
    it is not counted as sent, and it is looked up (or re-sent with its key) next time."""


class PostcardService:
    """One instance is shared by all sending threads."""

    name = ""
    label = ""
    path = ""
    idempotency_header = "Idempotency-Key"
    cancel_hint = ""
    key_memory: timedelta | None = None
    """How long the provider remembers an idempotency key; None when it promises nothing,
    so a create whose outcome is unknown is looked up before it is ever sent again."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r})"

    @property
    def is_live(self) -> bool:
        return self.client.key_starts_with("live_")

    # -- what each provider says ---------------------------------------------------------

    def form(
        self, req: PostcardRequest, *, check: bool = True
    ) -> tuple[list[tuple[str, str]], list[FileField]]:
        """The multipart fields and files of a create; with `check`, refused first when the
        provider would refuse it (`problems`)."""
        raise NotImplementedError

    def piece(self, body: Mapping[str, Any]) -> ProviderPiece:
        raise NotImplementedError

    def cancelled(self, body: Mapping[str, Any], piece_id: str) -> ProviderPiece:  # noqa: ARG002
        """What a cancel answers; most providers send the postcard back."""
        return self.piece(body)

    def auth_line(self) -> str:
        raise NotImplementedError

    def problems(self, req: PostcardRequest) -> list[str]:
        """What the provider would refuse in `req`, in words a seller can act on (the
        artwork's size only when it is drawn). Used by the dry run and before every send."""
        raise NotImplementedError

    def lookup_params(self, idempotency_key: str) -> list[tuple[str, str]]:
        """The query that lists the postcards sent with this key in their metadata."""
        raise NotImplementedError

    def usable_id(self, piece_id: str) -> bool:
        """An id that can be stored, shown and asked about later: not empty, no spaces or
        control characters, and nothing of the key (a hostile echo)."""
        return bool(USABLE_ID.fullmatch(piece_id)) and self.redact(piece_id) == piece_id

    def redact(self, message: str) -> str:
        """`message` with the API key masked in every form it can take."""
        return self.client.redact(message)

    def checked(self, req: PostcardRequest) -> None:
        """Refuse `req` before any request when the provider would refuse it."""
        found = self.problems(req)
        if found:
            raise RequestRejected(
                f"the postcard for {who(req)} would be refused by {self.label}: "
                + "; ".join(found),
                hint="this card was not sent (the rest go on): fix it where it is recorded, "
                "or mail this one yourself; `mailer send` (a dry run) lists all such cards",
            )

    # -- the round trips -------------------------------------------------------------------

    def create_postcard(self, req: PostcardRequest) -> ProviderPiece:
        require_key(req)
        fields, files = self.form(req)
        if self.key_memory is not None:
            return self._post(req, fields, files)
        # No idempotency promised: never send the same create blindly twice. When the
        # outcome is unknown (timeout, dropped connection, 5xx, an answer without an id),
        # look the card up by its key first, after a pause that lets it show in the list:
        # at least as long as the request was given, since a create that timed out here
        # may still be on its way through the provider's queue.
        settle = min(self.client.timeout, SETTLE_MAX)
        unknown: ProviderUnavailable | None = None
        for attempt in range(1, self.client.retry.attempts + 1):
            if unknown is not None:
                self.client.pause(attempt - 1, at_least=settle)
                found = self.find_postcard(req.idempotency_key)
                if found is not None:
                    return found
            try:
                return self._post(req, fields, files)
            except Redirected:
                raise
            except ProviderUnavailable as exc:
                unknown = exc
        assert unknown is not None
        raise unknown

    def _post(
        self, req: PostcardRequest, fields: Sequence[tuple[str, str]], files: Sequence[FileField]
    ) -> ProviderPiece:
        what = f"the postcard for {who(req)}"
        body = self.client.request(
            "POST",
            self.path,
            data=fields,
            files=files,
            idempotency_key=req.idempotency_key,
            idempotency_header=self.idempotency_header,
            honours_key=self.key_memory is not None,
            what=what,
        )
        piece = self.piece(body)
        if not self.usable_id(piece.id):
            raise NoUsableId(
                self.redact(
                    f"{self.label} answered {what} without a usable postcard id "
                    f"(id {piece.id!r}): not counted as sent"
                ),
                hint="run the same command again: the card is looked up (or sent again "
                "with its idempotency key) before anything is created twice",
            )
        return piece

    def find_postcard(self, idempotency_key: str) -> ProviderPiece | None:
        """The postcard created with this key (kept in its metadata), or None. A lookup the
        provider refuses is `ProviderUnavailable`, never a plain failure: the card it asks
        about may exist, so it must not be sent again until it can be looked up."""
        try:
            body = self.client.request(
                "GET",
                self.path,
                params=self.lookup_params(idempotency_key),
                what=f"the lookup of the card with key {idempotency_key}",
            )
        except (AuthError, ProviderUnavailable):
            raise
        except MailerError as exc:
            raise ProviderUnavailable(
                f"{self.name} could not look up a card begun earlier: {exc.message}",
                hint="it is not sent again until it can be looked up: run the same command later",
            ) from None
        listed = body.get("data")
        for item in listed if isinstance(listed, list) else []:
            if not isinstance(item, Mapping):
                continue
            metadata = item.get("metadata")
            if isinstance(metadata, Mapping) and metadata.get("mailer_key") == idempotency_key:
                piece = self.piece(item)
                if self.usable_id(piece.id) and piece.status != "cancelled":
                    return piece
        return None

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
        fields, files = self.form(req, check=False)
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
