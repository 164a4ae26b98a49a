"""Shared HTTP behaviour of the provider clients: one session, timeouts, pacing, retries.

Safety rules this module keeps:
- a POST is retried only when it carries an idempotency key (the server then returns the
  piece it already made) or when the server said 429 (it did not process the request);
- every worker thread shares one `SlidingWindowLimiter`, so a batch stays under the
  provider's rate limit instead of causing a storm of 429s;
- the API key never appears in a message, repr or log line built here, in any form a
  server may echo it (`redaction`);
- redirects are never followed: the key goes only to the configured base URL (requests
  drops `Authorization` on a redirect to another host, but not a custom `x-api-key`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from mailer import __version__
from mailer.errors import AuthError
from mailer.sending.providers.base import ProviderUnavailable, RequestRejected
from mailer.sending.providers.redaction import Redactor, redact, redacted_key

__all__ = [
    "HttpClient",
    "Redirected",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "redact",
    "redacted_key",
]

log = logging.getLogger("mailer.sending.providers")

USER_AGENT = f"mailer/{__version__} (+python-requests)"

Clock = Callable[[], float]
Sleep = Callable[[float], None]
FileField = tuple[str, tuple[str, bytes, str]]

_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

# Reset headers below this are a number of seconds (IETF draft); above, a Unix time (Lob).
_EPOCH_THRESHOLD = 1_000_000_000


class SlidingWindowLimiter:
    """At most `limit` requests start in any `window` seconds, across all threads.

    A little slack is added to the window because the server counts arrivals, not our start
    times: a request that waited on the network must not land inside the next window.
    `block_until` pauses everyone (after a 429 or when the server says none remain).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        slack: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs a positive count and window")
        self.limit = limit
        self.window = window
        self.slack = max(0.02 * window, 0.02) if slack is None else slack
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                horizon = now - self.window - self.slack
                while self._starts and self._starts[0] <= horizon:
                    self._starts.popleft()
                delay = self._blocked_until - now
                if len(self._starts) >= self.limit:
                    delay = max(delay, self._starts[0] - horizon)
                if delay <= 0:
                    self._starts.append(now)
                    self.waited += waited
                    return waited
            self._sleep(delay)
            waited += delay

    def block_until(self, when: float) -> None:
        """No request starts before `when` (on this limiter's clock)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, when)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, base·2ⁿ⁻¹],
    capped. `max_wait` bounds what a server may ask for with Retry-After."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_wait: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class HttpClient:
    """One provider's HTTP endpoint: auth, timeouts, pacing, retries and error mapping.

    `error_message(body)` pulls the provider's own message (and code) out of an error body.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        api_key: str,
        timeout: float,
        limiter: SlidingWindowLimiter,
        error_message: Callable[[Any], tuple[str, str]],
        basic_auth: bool = False,
        key_header: str = "",
        key_hint: str = "",
        retry: RetryPolicy | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self._redactor = Redactor(api_key)
        self.timeout = timeout
        self.limiter = limiter
        self._error_message = error_message
        self._key_hint = key_hint
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.session = session or requests.Session()
        # Enough pooled connections for every sending thread; urllib3 itself never retries
        # (retries are decided above, where the idempotency rules are known).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=32, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        if basic_auth:
            self.session.auth = (api_key, "")
        if key_header:
            self.session.headers[key_header] = api_key

    def __repr__(self) -> str:
        return f"HttpClient({self.provider!r}, {self.base_url!r}, key={redacted_key(self._key)})"

    @property
    def shown_key(self) -> str:
        """The key as it may be displayed: its mode prefix only."""
        return redacted_key(self._key)

    def key_starts_with(self, prefix: str) -> bool:
        return self._key.startswith(prefix)

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        data: Sequence[tuple[str, str]] | None = None,
        files: Sequence[FileField] | None = None,
        idempotency_key: str = "",
        idempotency_header: str = "Idempotency-Key",
        honours_key: bool = True,
        read_only: bool = False,
        params: Sequence[tuple[str, str]] | None = None,
        what: str = "",
    ) -> Mapping[str, Any]:
        """Send a request and return the JSON object the provider answered.

        GET and DELETE, POSTs with an idempotency key the provider `honours_key`, and
        `read_only` POSTs (they create nothing) are retried on network errors, timeouts, 429
        and 5xx; any other POST only on 429. A redirect is never followed (`Redirected`).
        Raises `AuthError`, `RequestRejected` or `ProviderUnavailable`.
        """
        url = self.base_url + path
        what = what or f"{method} {path}"
        headers = {idempotency_header: idempotency_key} if idempotency_key else {}
        safe = (
            method in ("GET", "DELETE", "HEAD")
            or (bool(idempotency_key) and honours_key)
            or read_only
        )
        unsafe_why = (
            f"not sent again blindly: {self.provider} does not promise to create it only once"
            if idempotency_key
            else "not retried: the request has no idempotency key"
        )
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.limiter.acquire()
            try:
                response = self.session.request(
                    method,
                    url,
                    data=list(data) if data is not None else None,
                    files=list(files) if files is not None else None,
                    headers=headers,
                    params=list(params) if params is not None else None,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except _TRANSIENT as exc:
                last = self._describe(exc)
                log.info(self._redact(f"{self.provider}: {what}: {last} (attempt {attempt})"))
                if not safe:
                    raise self._unavailable(what, f"{last}; {unsafe_why}", 1) from None
                delay = self.retry.backoff(attempt, self._rng)
            except requests.RequestException as exc:
                raise ProviderUnavailable(
                    f"{self.provider}: can't send {what}: {self._describe(exc)}",
                    hint="check the base URL (LOB_BASE_URL / POSTGRID_BASE_URL or --base-url)",
                ) from None
            else:
                self._observe_rate_headers(response)
                status = response.status_code
                if 200 <= status < 300:
                    return self._json(response, what)
                if 300 <= status < 400:
                    raise self._redirected(response, what)
                message, code = self._error_message(self._body(response))
                message = self._redact(message or response.reason or "no message")
                code = self._redact(code)
                if status in (401, 403):
                    raise AuthError(
                        f"{self.provider} rejected the API key on {what}: {message} "
                        f"(HTTP {status})",
                        hint=self._key_hint,
                    )
                if status != 429 and status < 500:
                    raise RequestRejected(
                        f"{self.provider} refused {what}: {message}"
                        + (f" ({code}, HTTP {status})" if code else f" (HTTP {status})"),
                        hint="fix the piece and run the command again; the rest went on",
                        status_code=status,
                        code=code,
                    )
                last = f"HTTP {status}: {message}"
                log.info(self._redact(f"{self.provider}: {what}: {last} (attempt {attempt})"))
                if status != 429 and not safe:
                    raise self._unavailable(what, f"{last}; {unsafe_why}", attempt)
                delay = self.retry.backoff(attempt, self._rng)
                asked = self._retry_after(response)
                if asked is not None:
                    if asked > self.retry.max_wait:
                        raise self._unavailable(
                            what, f"{last}; the server asks to wait {asked:.0f} s", attempt
                        )
                    # Everyone waits, not just this thread: the limit is per key.
                    self.limiter.block_until(self._clock() + asked)
                    delay = 0.0
            if attempt < self.retry.attempts and delay > 0:
                self._sleep(delay)
        raise self._unavailable(what, last, self.retry.attempts)

    def pause(self, attempt: int, at_least: float = 0.0) -> None:
        """The backoff wait after `attempt` failed tries (see `RetryPolicy`), and never
        less than `at_least` seconds."""
        delay = max(self.retry.backoff(attempt, self._rng), at_least)
        if delay > 0:
            self._sleep(delay)

    def _json(self, response: requests.Response, what: str) -> Mapping[str, Any]:
        body = self._body(response)
        if not isinstance(body, Mapping):
            # The request may well have been carried out: treat the outcome as unknown.
            raise ProviderUnavailable(
                f"{self.provider} answered {what} with something that is not a JSON object "
                f"(HTTP {response.status_code})",
                hint="check the base URL: it should be the provider's API, not a web page; "
                "then run the same command again (each card keeps its idempotency key)",
            )
        return body

    @staticmethod
    def _body(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - self._wall_clock())

    def _observe_rate_headers(self, response: requests.Response) -> None:
        headers = response.headers
        remaining = _int_header(headers, "X-Rate-Limit-Remaining", "ratelimit-remaining")
        if remaining is None or remaining > 0:
            return
        reset = _int_header(headers, "X-Rate-Limit-Reset", "ratelimit-reset")
        if reset is None:
            return
        seconds = reset - self._wall_clock() if reset > _EPOCH_THRESHOLD else float(reset)
        if 0 < seconds <= self.retry.max_wait:
            self.limiter.block_until(self._clock() + seconds)

    def _redirected(self, response: requests.Response, what: str) -> Redirected:
        target = urllib.parse.urlsplit(response.headers.get("Location", ""))
        place = target.netloc or "another address on the same server"
        return Redirected(
            self._redact(
                f"{self.provider} answered {what} with a redirect (HTTP "
                f"{response.status_code}) to {place}: not followed, so your API key went "
                f"nowhere else and nothing was sent there"
            ),
            hint="mailer sends the key only to the configured base URL: check "
            "LOB_BASE_URL / POSTGRID_BASE_URL or --base-url (leave them unset for the "
            "provider's own address), then run the same command again",
        )

    def _unavailable(self, what: str, last: str, attempts: int) -> ProviderUnavailable:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        return ProviderUnavailable(
            self._redact(f"{self.provider} did not complete {what} after {tries}: {last}"),
            hint="nothing is lost: run the same command again to resume; each card keeps "
            "its idempotency key, so none is created twice",
        )

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, requests.Timeout):
            return f"no answer within {self.timeout:g} s ({type(exc).__name__})"
        return self._redact(f"{type(exc).__name__}: {exc}")

    def _redact(self, message: str) -> str:
        return self._redactor(message)

    def redact(self, message: str) -> str:
        """`message` with this client's key masked in every form."""
        return self._redactor(message)


class Redirected(ProviderUnavailable):
    """The server answered with a redirect, which is never followed: it did not carry out
    the request, and the key must not follow it to another host."""


def _int_header(headers: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value.strip())
        except ValueError:
            continue
    return None
