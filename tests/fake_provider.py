"""A fake Lob (and PostGrid) on 127.0.0.1 for tests and the send bench, plus test journals.

`FakeProvider` is a real HTTP server in a thread: it checks auth, required fields, PDF page
sizes (with pypdf), keeps idempotency keys, enforces a fixed-window rate limit with Lob's
headers, and can be told to misbehave (`faults`): 500s, 429 with Retry-After, create then
drop the connection, create then answer too late or without an id, echo the request's
headers (whole, cut short or upper-cased) in an error, redirect elsewhere. It lists
postcards by their `mailer_key` metadata (Lob) or a free-text search (PostGrid). Use it as
the `fake_lob` fixture (`pytest_plugins = ["fake_provider"]`) or as a context manager.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import io
import json
import math
import secrets
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from mailer.domain.models import Address
from mailer.sending.providers.base import Party, PostcardRequest

LOB_KEY = "test_fakelobkeyonlyfortheseteststoo"
LIVE_KEY = "live_fakelivekeyonlyforthesetests"
POSTGRID_KEY = "test_sk_7Hq2mX9pL4vR8sT1wY6zB3nC"

# PDF page size in points (trim + 0.125" bleed each side) per Lob size; PostGrid's names map.
PAGE_POINTS = {"4x6": (450.0, 306.0), "6x9": (666.0, 450.0), "6x11": (810.0, 450.0)}
POSTGRID_SIZES = {"6x4": "4x6", "9x6": "6x9", "11x6": "6x11"}
DELIVERABILITY = (
    "deliverable",
    "deliverable_unnecessary_unit",
    "deliverable_incorrect_unit",
    "deliverable_missing_unit",
    "undeliverable",
)


class VirtualTime:
    """A clock that moves only when someone sleeps, shared by threads: retry waits and
    limiter pauses pass at once. `sleeps` lists every wait asked for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    fields: list[tuple[str, str]]
    files: dict[str, bytes]
    status: int = 0
    at: float = 0.0

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class Faults:
    """Misbehaviour for the next N requests (thread-safe counters)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.status = 500
        self.retry_after = "1"
        self.slow_seconds = 0.0
        self.queue_seconds = 0.0
        self.not_cancellable = False
        self.latency = 0.0
        """Seconds every create waits after creating, before answering."""
        self.echo_status = 401
        self.echo_form = "whole"
        self.redirect_to = ""
        self.no_id_value: Any = None

    def fail_next(self, n: int, status: int = 500) -> None:
        """The next `n` requests answer `status` (before doing anything)."""
        with self._lock:
            self._counts["fail"] += n
            self.status = status

    def rate_limit_next(self, n: int, retry_after: str = "1") -> None:
        """The next `n` requests answer 429 with this Retry-After (seconds or HTTP date)."""
        with self._lock:
            self._counts["429"] += n
            self.retry_after = retry_after

    def drop_after_create(self, n: int) -> None:
        """The next `n` creates make the postcard, then close the connection unanswered."""
        with self._lock:
            self._counts["drop"] += n

    def slow_next(self, n: int, seconds: float) -> None:
        """The next `n` creates make the postcard, then answer only after `seconds`."""
        with self._lock:
            self._counts["slow"] += n
            self.slow_seconds = seconds

    def queue_next(self, n: int, seconds: float) -> None:
        """The next `n` creates wait `seconds` before making the postcard (a busy
        provider's queue: the card appears only then), then answer."""
        with self._lock:
            self._counts["queue"] += n
            self.queue_seconds = seconds

    def echo_headers_next(self, n: int, status: int = 401, form: str = "whole") -> None:
        """The next `n` requests answer `status` with an error message that echoes every
        request header: `whole`, `cut` (each value's first 16 characters) or `upper`."""
        with self._lock:
            self._counts["echo"] += n
            self.echo_status = status
            self.echo_form = form

    def redirect_next(self, n: int, to: str) -> None:
        """The next `n` requests answer 307 with a Location on `to` (same path)."""
        with self._lock:
            self._counts["redirect"] += n
            self.redirect_to = to

    def no_id_next(self, n: int, id_value: Any = None) -> None:
        """The next `n` creates make the postcard, then answer 200 with `id_value` as id
        (None: no id field at all)."""
        with self._lock:
            self._counts["no_id"] += n
            self.no_id_value = id_value

    def take(self, kind: str) -> bool:
        with self._lock:
            if self._counts[kind] > 0:
                self._counts[kind] -= 1
                return True
            return False


class FakeProvider:
    """The fake server. `postcards` maps id -> the JSON it returns; `requests` records all."""

    def __init__(
        self,
        *,
        keys: tuple[str, ...] = (LOB_KEY, LIVE_KEY),
        postgrid_keys: tuple[str, ...] = (POSTGRID_KEY,),
        rate_limit: tuple[int, float] | None = None,
        postgrid_idempotent: bool = True,
    ) -> None:
        self.keys = keys
        self.postgrid_idempotent = postgrid_idempotent
        """False: PostGrid creates ignore the idempotency header, as PostGrid documents
        no idempotency (a repeated create makes a second card)."""
        self.postgrid_keys = postgrid_keys
        self.rate_limit = rate_limit
        self.faults = Faults()
        self.postcards: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.verifications: dict[str, str] = {}
        """Canned deliverability by upper-case primary line (else: the line itself if it
        names a deliverability value, as Lob's test mode does, or 'deliverable')."""
        self.creates_by_key: Counter[str] = Counter()
        self.errors: list[str] = []
        self._by_key: dict[tuple[str, str], str] = {}
        self._windows: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self._connections = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests look at -----------------------------------------------------------------
    @property
    def created(self) -> int:
        with self._lock:
            return len(self.postcards)

    def wait_until_quiet(self, quiet: float = 0.5, timeout: float = 60.0) -> None:
        """Return once no client has held a connection open for `quiet` seconds.

        After a client is killed, the requests it had already sent are still read and
        answered; a test that counts what was created must wait for those, however long a
        loaded machine takes, rather than sleep a fixed time."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while True:
            now = time.monotonic()
            with self._lock:
                idle = self._connections == 0
            if not idle:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= quiet:
                return
            if now > deadline:
                raise AssertionError("the fake provider never fell quiet")
            time.sleep(0.02)

    def status_count(self, status: int) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.status == status)

    def count(self, method: str, path_prefix: str) -> int:
        with self._lock:
            return sum(
                1 for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            )

    def duplicates(self) -> list[str]:
        """Pieces (by metadata contact_id + step) that exist more than once."""
        with self._lock:
            seen = Counter(
                f"{p['metadata'].get('contact_id')}|{p['metadata'].get('step')}"
                for p in self.postcards.values()
            )
        return sorted(k for k, n in seen.items() if n > 1)

    # -- behaviour --------------------------------------------------------------------------
    def _rate_check(self, endpoint: str) -> tuple[bool, dict[str, str]]:
        if self.rate_limit is None:
            return True, {}
        limit, window = self.rate_limit
        now = time.time()
        bucket = math.floor(now / window)
        with self._lock:
            self._windows[(endpoint, bucket)] += 1
            used = self._windows[(endpoint, bucket)]
        reset = (bucket + 1) * window
        headers = {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - used)),
            "X-Rate-Limit-Reset": str(math.ceil(reset)),
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(max(0, limit - used)),
            "ratelimit-reset": str(max(0, math.ceil(reset - now))),
        }
        if used > limit:
            headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
        return used <= limit, headers

    def _listed(self, keep: Any) -> dict[str, Any]:
        """A list answer (`{"object": "list", "data": [...]}`) of the postcards kept."""
        with self._lock:
            data = [dict(p) for p in self.postcards.values() if keep(p)]
        return {"object": "list", "data": data, "count": len(data)}

    def _create_once(self, api_key: str, idem: str, build: Any) -> tuple[dict[str, Any], bool]:
        """The postcard for this key: the existing one, or a new one from `build()`."""
        with self._lock:
            existing = self._by_key.get((api_key, idem)) if idem else None
            if existing is not None:
                return self.postcards[existing], False
            postcard = build()
            self.postcards[postcard["id"]] = postcard
            if idem:
                self._by_key[(api_key, idem)] = postcard["id"]
                self.creates_by_key[idem] += 1
            return postcard, True


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class _Handler(BaseHTTPRequestHandler):
    owner: FakeProvider
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, delayed ACKs add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._lock:  # `finish` runs whenever this line has
            self.owner._connections += 1

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.owner._lock:
                self.owner._connections -= 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.owner
        arrived = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        record = RecordedRequest(
            method, path, {k.lower(): v for k, v in self.headers.items()}, [], {}, at=arrived
        )
        with fake._lock:
            fake.requests.append(record)
        postgrid = path.startswith("/print-mail/")
        extra: dict[str, str] = {}
        try:
            try:
                record.fields, files = _parse_body(self.headers.get("Content-Type", ""), raw)
                record.files = {k: v for k, (_, v) in files.items()}
            except ValueError as exc:
                raise _error(postgrid, 400, "bad_request", f"unreadable body: {exc}") from None
            if fake.faults.take("redirect"):
                raise _Reply(307, {}, {"Location": fake.faults.redirect_to + self.path})
            if fake.faults.take("echo"):
                raise _error(postgrid, fake.faults.echo_status, "echo", self._echo())
            api_key = self._authenticate(postgrid)
            endpoint = f"{method} {_endpoint(path)}"
            allowed, extra = fake._rate_check(endpoint)
            if not allowed:
                raise _error(
                    postgrid,
                    429,
                    "rate_limit_exceeded",
                    "Rate limit exceeded. Please wait and try your request again.",
                )
            if fake.faults.take("fail"):
                raise _error(postgrid, fake.faults.status, "internal_server_error", "boom")
            if fake.faults.take("429"):
                extra["Retry-After"] = fake.faults.retry_after
                raise _error(postgrid, 429, "rate_limit_exceeded", "Rate limit exceeded.")
            query = dict(urllib.parse.parse_qsl(url.query))
            if method == "POST" and fake.faults.take("queue"):
                fake._stopping.wait(fake.faults.queue_seconds)
            status, body, created = self._route(method, path, api_key, record, files, query)
            if created and method == "POST":
                if fake.faults.take("no_id"):
                    body = {k: v for k, v in body.items() if k != "id"}
                    if fake.faults.no_id_value is not None:
                        body["id"] = fake.faults.no_id_value
                if fake.faults.take("drop"):
                    self._drop()
                    record.status = -1
                    return
                delay = fake.faults.latency
                if fake.faults.take("slow"):
                    delay += fake.faults.slow_seconds
                if delay:
                    fake._stopping.wait(delay)
            self._send(status, body, extra, record)
        except _Reply as reply:
            self._send(reply.status, reply.body, {**extra, **reply.headers}, record)
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test
            fake.errors.append(f"{type(exc).__name__}: {exc}")
            self._send(500, {"error": {"message": str(exc)}}, extra, record)

    def _echo(self) -> str:
        """Every request header in an error message, as some servers do when they fail."""
        form = self.owner.faults.echo_form
        parts = []
        for name, value in self.headers.items():
            shown = value[:16] if form == "cut" else value
            parts.append(f"{name}: {shown}")
        text = "could not process the request with headers " + "; ".join(parts)
        return text.upper() if form == "upper" else text

    def _authenticate(self, postgrid: bool) -> str:
        fake = self.owner
        if postgrid:
            key = self.headers.get("x-api-key", "")
            if key not in fake.postgrid_keys:
                raise _error(True, 401, "unauthorized", "Invalid API key.")
            return key
        auth = self.headers.get("Authorization", "")
        key = ""
        if auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if key not in fake.keys:
            # Echoes the key, as some services do: the client must redact it.
            raise _error(
                False,
                401,
                "unauthorized",
                f"Your API key {key} is not valid. Please sign up on lob.com to get one.",
            )
        return key

    def _route(
        self,
        method: str,
        path: str,
        api_key: str,
        record: RecordedRequest,
        files: dict[str, tuple[str, bytes]],
        query: dict[str, str],
    ) -> tuple[int, Any, bool]:
        fake = self.owner
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["v1", "postcards"]:
            if method == "POST" and len(parts) == 2:
                idem = self.headers.get("Idempotency-Key") or query.get("idempotency_key", "")
                if len(idem) > 256:
                    raise _error(False, 422, "invalid", "idempotency key is too long")
                postcard, created = fake._create_once(
                    api_key, idem, lambda: _lob_postcard(fake, record, files)
                )
                return 200, postcard, created
            if method == "GET" and len(parts) == 2:
                wanted = query.get("metadata[mailer_key]")
                return 200, fake._listed(lambda p: p["metadata"].get("mailer_key") == wanted), False
            if len(parts) == 3:
                return self._get_or_cancel(method, parts[2], postgrid=False)
        if parts[:3] == ["print-mail", "v1", "postcards"]:
            if method == "POST" and len(parts) == 3:
                idem = self.headers.get("idempotency-key", "") if fake.postgrid_idempotent else ""
                postcard, created = fake._create_once(
                    api_key, idem, lambda: _postgrid_postcard(fake, record, files)
                )
                return 200, postcard, created
            if method == "GET" and len(parts) == 3:
                text = query.get("search", "")
                return 200, fake._listed(lambda p: text in json.dumps(p)), False
            if len(parts) == 4:
                return self._get_or_cancel(method, parts[3], postgrid=True)
        if parts == ["v1", "us_verifications"] and method == "POST":
            return 200, _verification(fake, record), False
        raise _error(path.startswith("/print-mail/"), 404, "not_found", f"no route {path}")

    def _get_or_cancel(
        self, method: str, piece_id: str, *, postgrid: bool
    ) -> tuple[int, Any, bool]:
        fake = self.owner
        with fake._lock:
            postcard = fake.postcards.get(piece_id)
            if postcard is None:
                raise _error(postgrid, 404, "not_found", "postcard not found")
            if method == "GET":
                return 200, postcard, False
            if method != "DELETE":
                raise _error(postgrid, 405, "bad_request", "method not allowed")
            if fake.faults.not_cancellable or not _cancellable(postcard, postgrid):
                if postgrid:
                    raise _error(
                        True, 400, "order_status_error", "Cannot cancel an order not in ready."
                    )
                raise _error(
                    False,
                    422,
                    "not_deletable",
                    "This postcard has already been sent to production and cannot be canceled.",
                )
            if postgrid:
                postcard["status"] = "cancelled"
                return 200, postcard, False
            postcard["deleted"] = True
            return 200, {"id": piece_id, "deleted": True}, False

    def _send(
        self, status: int, body: Any, headers: Mapping[str, str], record: RecordedRequest
    ) -> None:
        record.status = status
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _error(postgrid: bool, status: int, code: str, message: str) -> _Reply:
    if postgrid:
        return _Reply(status, {"object": "error", "error": {"type": code, "message": message}})
    return _Reply(status, {"error": {"message": message, "status_code": status, "code": code}})


def _endpoint(path: str) -> str:
    """The rate-limited endpoint: the path without the resource id."""
    parts = [p for p in path.split("/") if p]
    if parts and "_" in parts[-1] and parts[-1].split("_")[0] in ("psc", "postcard"):
        parts[-1] = "{id}"
    return "/" + "/".join(parts)


def _parse_body(
    content_type: str, raw: bytes
) -> tuple[list[tuple[str, str]], dict[str, tuple[str, bytes]]]:
    if not raw:
        return [], {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True), {}
    if not content_type.startswith("multipart/form-data"):
        raise ValueError(f"unsupported content type {content_type!r}")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise ValueError("multipart body without parts")
    fields: list[tuple[str, str]] = []
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("a part has no name")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, data)
        else:
            fields.append((name, data.decode("utf-8")))
    return fields, files


def _nested(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """`to[name]=x` style fields as nested dicts."""
    out: dict[str, Any] = {}
    for name, value in fields:
        if "[" in name and name.endswith("]"):
            outer, inner = name[:-1].split("[", 1)
            out.setdefault(outer, {})[inner] = value
        else:
            out[name] = value
    return out


def check_pdf(data: bytes, size: str, pages: int, what: str) -> str | None:
    """Why this artwork would be refused, or None."""
    if not data.startswith(b"%PDF-"):
        return f"{what} is not a PDF"
    try:
        reader = PdfReader(io.BytesIO(data))
        boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    except Exception as exc:
        return f"{what} can't be read: {exc}"
    if len(boxes) != pages:
        return f"{what} must have {pages} page(s); it has {len(boxes)}"
    want = PAGE_POINTS[size]
    for i, (w, h) in enumerate(boxes, 1):
        if abs(w - want[0]) > 0.5 or abs(h - want[1]) > 0.5:
            return (
                f"{what} page {i} is {w / 72:.3f}in x {h / 72:.3f}in; a {size} postcard needs "
                f"{want[0] / 72:.3f}in x {want[1] / 72:.3f}in"
            )
    return None


def _lob_postcard(
    fake: FakeProvider, record: RecordedRequest, files: dict[str, tuple[str, bytes]]
) -> dict[str, Any]:
    form = _nested(record.fields)
    to = form.get("to")
    if not isinstance(to, dict):
        raise _error(False, 422, "invalid", "to is required")
    for side in ("to", "from"):
        party = form.get(side)
        if party is None and side == "from":
            continue
        if not isinstance(party, dict) or not (party.get("name") or party.get("company")):
            raise _error(False, 422, "invalid", f"{side} must have a name or company")
        for key in ("name", "company"):
            if len(party.get(key, "")) > 40:
                raise _error(False, 422, "invalid", f"{side}.{key} must be at most 40 characters")
        for key in ("address_line1", "address_city", "address_state", "address_zip"):
            if not party.get(key) and party.get("address_country", "US") == "US":
                raise _error(False, 422, "invalid", f"{side}.{key} is required")
    use_type = form.get("use_type")
    if use_type not in ("marketing", "operational"):
        raise _error(False, 422, "invalid", "use_type must be one of [marketing, operational]")
    size = form.get("size", "4x6")
    if size not in PAGE_POINTS:
        raise _error(False, 422, "invalid", "size must be one of [4x6, 6x9, 6x11]")
    if form.get("mail_type", "usps_first_class") not in ("usps_first_class", "usps_standard"):
        raise _error(False, 422, "invalid", "mail_type is invalid")
    metadata = form.get("metadata", {})
    if len(metadata) > 20 or any(len(k) > 40 or len(v) > 500 for k, v in metadata.items()):
        raise _error(False, 422, "invalid", "metadata is too large")
    if any(c in k + v for k, v in metadata.items() for c in '"\\'):
        raise _error(False, 422, "invalid", "metadata can't contain \" or \\")
    for side in ("front", "back"):
        if side not in files:
            raise _error(False, 422, "invalid", f"{side} is required")
        problem = check_pdf(files[side][1], size, 1, side)
        if problem:
            raise _error(False, 422, "invalid_file_dimensions", problem)
    send = _send_date(form.get("send_date"))
    piece_id = "psc_" + secrets.token_hex(8)
    return {
        "id": piece_id,
        "object": "postcard",
        "description": form.get("description"),
        "metadata": metadata,
        "to": _lob_address(to),
        "from": _lob_address(form["from"]) if isinstance(form.get("from"), dict) else None,
        "url": f"{fake.url}/assets/{piece_id}.pdf?version=v1&expires=1900000000&signature=x",
        "carrier": "USPS",
        "size": size,
        "mail_type": form.get("mail_type", "usps_first_class"),
        "use_type": use_type,
        "status": "rendered",
        "send_date": send.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "expected_delivery_date": (send.date() + timedelta(days=4)).isoformat(),
        "tracking_events": [],
        "thumbnails": [],
        "date_created": _now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "some_future_field": {"new": True},
    }


def _postgrid_postcard(
    fake: FakeProvider, record: RecordedRequest, files: dict[str, tuple[str, bytes]]
) -> dict[str, Any]:
    form = _nested(record.fields)
    to = form.get("to")
    if not isinstance(to, dict):
        raise _error(True, 400, "validation_error", "to is required")
    for side in ("to", "from"):
        party = form.get(side)
        if party is None and side == "from":
            continue
        if not isinstance(party, dict) or not (party.get("firstName") or party.get("companyName")):
            raise _error(True, 400, "validation_error", f"{side} needs firstName or companyName")
        for key in ("addressLine1", "countryCode"):
            if not party.get(key):
                raise _error(True, 400, "validation_error", f"{side}.{key} is required")
    size = form.get("size")
    if size not in POSTGRID_SIZES:
        raise _error(True, 400, "validation_error", "size must be one of 6x4, 9x6, 11x6")
    if "pdf" not in files:
        raise _error(True, 400, "validation_error", "pdf is required")
    problem = check_pdf(files["pdf"][1], POSTGRID_SIZES[size], 2, "pdf")
    if problem:
        raise _error(True, 400, "validation_error", problem)
    send = _send_date(form.get("sendDate"))
    piece_id = "postcard_" + secrets.token_hex(11)
    return {
        "id": piece_id,
        "object": "postcard",
        "live": False,
        "status": "ready",
        "to": to,
        "from": form.get("from"),
        "size": size,
        "mailingClass": form.get("mailingClass", "first_class"),
        "sendDate": send.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "metadata": form.get("metadata", {}),
        "description": form.get("description"),
        "url": f"{fake.url}/assets/{piece_id}.pdf",
        "createdAt": _now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def _verification(fake: FakeProvider, record: RecordedRequest) -> dict[str, Any]:
    form = dict(record.fields)
    primary = form.get("primary_line", "")
    if not primary:
        raise _error(False, 422, "invalid", "primary_line is required")
    answer = fake.verifications.get(primary.upper())
    if answer is None:
        answer = primary.lower() if primary.lower() in DELIVERABILITY else "deliverable"
    zip_code = form.get("zip_code", "")[:5]
    return {
        "id": "us_ver_" + secrets.token_hex(8),
        "recipient": form.get("recipient", "").upper(),
        "primary_line": primary.upper(),
        "secondary_line": form.get("secondary_line", "").upper(),
        "last_line": f"{form.get('city', '').upper()} {form.get('state', '').upper()} "
        f"{zip_code}-1234",
        "deliverability": answer,
        "components": {
            "city": form.get("city", "").upper(),
            "state": form.get("state", "").upper(),
            "zip_code": zip_code,
            "zip_code_plus_4": "1234",
        },
        "object": "us_verification",
    }


def _lob_address(party: dict[str, str]) -> dict[str, Any]:
    return {
        "id": "adr_" + secrets.token_hex(7),
        "object": "address",
        **{k: v.upper() for k, v in party.items()},
    }


def _send_date(value: str | None) -> datetime:
    if not value:
        return _now()
    return datetime.fromisoformat(value[:10]).replace(tzinfo=UTC)


def _cancellable(postcard: dict[str, Any], postgrid: bool) -> bool:
    if postgrid:
        return bool(postcard.get("status") == "ready")
    if postcard.get("deleted"):
        return False
    send = datetime.fromisoformat(postcard["send_date"].replace("Z", "+00:00"))
    created = datetime.fromisoformat(postcard["date_created"].replace("Z", "+00:00"))
    # Lob's default: cancellable until the send date, or for 5 minutes after creation.
    return _now() < max(send, created + timedelta(minutes=5))


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def fake_lob() -> Iterator[FakeProvider]:
    """A running fake Lob/PostGrid with no rate limit and no faults."""
    with FakeProvider() as fake:
        yield fake


# -- test artwork and requests ----------------------------------------------------------------


@lru_cache(maxsize=16)
def card_pdf(size: str = "4x6", pages: int = 1, label: str = "card") -> bytes:
    """A real PDF whose pages are exactly the provider page size for `size`."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE_POINTS[size])
    for n in range(pages):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(36, 36, f"{label} page {n + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


SENDER = Party(
    "Jamie Rivera",
    Address("PO Box 1207", "", "Springfield", "IL", "62705", "US"),
    company="Prairie Lantern Candles",
)


def card_request(
    piece_id: str, key: str, *, size: str = "4x6", name: str = "", send_date: date | None = None
) -> PostcardRequest:
    """A complete postcard request for a fictitious contact, with real artwork."""
    number = int("".join(c for c in piece_id if c.isdigit()) or 0)
    return PostcardRequest(
        idempotency_key=key,
        to=Party(
            name or f"Mary Albright {piece_id}",
            Address(f"{100 + number} Maple Ave", "Apt 2", "Springfield", "IL", "62704", "US"),
        ),
        from_=SENDER,
        size=size,
        front_pdf=card_pdf(size, 1, "front"),
        back_pdf=card_pdf(size, 1, "back"),
        pdf=card_pdf(size, 2, "card"),
        metadata={"contact_id": piece_id, "step": "offer", "campaign": "call-mail-call"},
        description=f"offer card for {piece_id}",
        send_date=send_date,
    )


# -- journals -------------------------------------------------------------------------------


@dataclass
class MemoryJournal:
    """The send journal in a dict, recording the order of calls for assertions."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    submitted: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def begin_submit(self, piece_id: str, provider_name: str) -> None:
        self.calls.append(("begin", piece_id))

    def record_submitted(
        self,
        piece_id: str,
        provider_id: str,
        provider_status: str,
        expected_delivery: date | None,
        preview_url: str | None,
    ) -> None:
        self.calls.append(("submitted", piece_id))
        self.submitted[piece_id] = provider_id

    def record_failed(self, piece_id: str, error: str) -> None:
        self.calls.append(("failed", piece_id))
        self.failed[piece_id] = error


class SqliteJournal:
    """A tiny ledger of pieces in a SQLite file: each write commits at once, so a process
    killed at any point loses nothing it had recorded."""

    def __init__(self, path: Path | str) -> None:
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS pieces (piece_id TEXT PRIMARY KEY, "
            "idempotency_key TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'new', "
            "provider TEXT, provider_id TEXT, provider_status TEXT, expected_delivery TEXT, "
            "preview_url TEXT, error TEXT, attempts INTEGER NOT NULL DEFAULT 0)"
        )

    def add(self, piece_id: str) -> None:
        """A new piece gets its idempotency key once, here; re-adding keeps the old key."""
        self.db.execute(
            "INSERT OR IGNORE INTO pieces (piece_id, idempotency_key) VALUES (?, ?)",
            (piece_id, f"mailer-{secrets.token_hex(12)}"),
        )

    def unsent(self) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT piece_id, idempotency_key FROM pieces "
            "WHERE state NOT IN ('submitted', 'failed') ORDER BY piece_id"
        )
        return [(str(a), str(b)) for a, b in rows]

    def rows(self) -> dict[str, dict[str, Any]]:
        cursor = self.db.execute("SELECT * FROM pieces ORDER BY piece_id")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}

    def begin_submit(self, piece_id: str, provider_name: str) -> None:
        self.db.execute(
            "UPDATE pieces SET state = 'submitting', provider = ?, attempts = attempts + 1 "
            "WHERE piece_id = ?",
            (provider_name, piece_id),
        )

    def record_submitted(
        self,
        piece_id: str,
        provider_id: str,
        provider_status: str,
        expected_delivery: date | None,
        preview_url: str | None,
    ) -> None:
        self.db.execute(
            "UPDATE pieces SET state = 'submitted', provider_id = ?, provider_status = ?, "
            "expected_delivery = ?, preview_url = ? WHERE piece_id = ?",
            (
                provider_id,
                provider_status,
                expected_delivery.isoformat() if expected_delivery else None,
                preview_url,
                piece_id,
            ),
        )

    def record_failed(self, piece_id: str, error: str) -> None:
        self.db.execute(
            "UPDATE pieces SET state = 'failed', error = ? WHERE piece_id = ?", (error, piece_id)
        )

    def close(self) -> None:
        self.db.close()


def key_leaks(text: str | bytes, key: str) -> list[str]:
    """Every six-character run of `key` (past its mode prefix), of base64 `key:` or of the
    url-encoded key found in `text`, in any case: what a reader could rebuild it from."""
    import re
    import urllib.parse

    if isinstance(text, bytes):
        text = text.decode("latin-1")
    secret = re.sub(r"^(live|test)_(sk_|pk_)?", "", key)
    forms = [secret, base64.b64encode(f"{key}:".encode()).decode(), urllib.parse.quote(secret)]
    low = text.lower()
    found = []
    for form in forms:
        for i in range(len(form) - 5):
            run = form[i : i + 6].lower()
            if run in low and run not in "dgvzdf9":  # base64 of the shared `test_` prefix
                found.append(run)
    return found
