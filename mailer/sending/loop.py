"""Submitting a batch of postcards: each piece created exactly once, whatever happens.

The journal (the ledger) holds every piece's idempotency key before its request is sent, so
a retry, a crash or Ctrl-C followed by a re-run sends the same key again and the provider
returns the piece it already made. Requests run on `jobs` daemon threads that share one
provider client and its rate limiter; artwork is built lazily in the worker, just in time, so
memory stays flat. The journal is only ever called from the thread that called `send_batch`.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Literal, Protocol

from mailer.errors import AuthError, MailerError, UsageError
from mailer.sending.providers.base import (
    PostcardRequest,
    Provider,
    ProviderPiece,
    ProviderUnavailable,
)

OutcomeKind = Literal["submitted", "failed", "pending", "skipped"]

_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class SendItem:
    """One piece to submit; `build_request` renders its artwork when its turn comes."""

    piece_id: str
    idempotency_key: str
    build_request: Callable[[], PostcardRequest]
    look_first: bool = False
    """Look the card up by its key before sending: it was begun before and the provider
    may no longer (or never did) recognise its idempotency key."""


class SendJournal(Protocol):
    """Where the outcome of every piece is written down (the ledger implements it)."""

    def begin_submit(self, piece_id: str, provider_name: str) -> None:
        """Called before the request: the piece's idempotency key is already stored."""

    def record_submitted(
        self,
        piece_id: str,
        provider_id: str,
        provider_status: str,
        expected_delivery: date | None,
        preview_url: str | None,
    ) -> None: ...

    def record_failed(self, piece_id: str, error: str) -> None: ...


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one piece.

    `submitted`: the provider has it. `failed`: refused (or could not be built); the error
    says why and the piece is recorded as failed. `pending`: sent but the answer never came
    (provider unreachable, key rejected); left as begun, so a re-run resends the same key.
    `skipped`: never sent because the batch stopped first.
    """

    piece_id: str
    kind: OutcomeKind
    piece: ProviderPiece | None = None
    error: str = ""
    hint: str = ""
    auth_failed: bool = False


@dataclass(frozen=True)
class SendReport:
    submitted: tuple[SendOutcome, ...]
    failed: tuple[SendOutcome, ...]
    skipped: tuple[str, ...]
    """Pieces not sent because the batch stopped (their keys are kept for the next run)."""
    stopped_reason: str = ""
    """Empty when every piece was dealt with; otherwise why the batch stopped early."""
    auth_failed: bool = False
    pending: tuple[SendOutcome, ...] = ()
    interrupted: bool = False
    """Stopped by Ctrl-C or `should_stop` (the CLI exits 130)."""

    @property
    def complete(self) -> bool:
        return not (self.stopped_reason or self.pending or self.skipped)


def send_batch(
    items: Sequence[SendItem],
    provider: Provider,
    journal: SendJournal,
    *,
    jobs: int = 1,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[SendOutcome], None] | None = None,
) -> SendReport:
    """Submit `items` in order on `jobs` threads and journal every outcome.

    A 4xx refusal fails that piece and the batch goes on; a rejected key (401/403) or an
    unreachable provider stops it at once; Ctrl-C or `should_stop()` stops taking new pieces
    and lets the ones in flight finish. A second Ctrl-C raises `KeyboardInterrupt` at once,
    leaving those requests unjournaled on daemon threads that do not hold up the exit (the
    keys are stored, so a re-run is still safe). Nothing raised by a piece escapes except
    bugs.
    """
    if jobs < 1:
        raise UsageError(f"--jobs is {jobs}", hint="use 1 or more")
    stop = threading.Event()
    outcomes: dict[str, SendOutcome] = {}
    stopped_reason = ""
    auth_failed = False
    interrupted = False
    queue: Iterator[SendItem] = iter(items)
    taken: SendItem | None = None  # out of the queue, not yet handed to a worker

    def finish(future: Future[SendOutcome]) -> None:
        nonlocal stopped_reason, auth_failed
        outcome = future.result()
        outcomes[outcome.piece_id] = outcome
        if outcome.kind == "submitted" and outcome.piece is not None:
            p = outcome.piece
            journal.record_submitted(
                outcome.piece_id, p.id, p.status, p.expected_delivery, p.preview_url
            )
        elif outcome.kind == "failed":
            journal.record_failed(outcome.piece_id, outcome.error)
        elif outcome.kind == "pending":
            auth_failed = auth_failed or outcome.auth_failed
            stopped_reason = stopped_reason or outcome.error
        if on_progress is not None:
            on_progress(outcome)

    workers = _Workers(jobs)
    in_flight: set[Future[SendOutcome]] = set()
    try:
        try:
            while True:
                while len(in_flight) < jobs and not stop.is_set():
                    if should_stop is not None and should_stop():
                        interrupted = True
                        stopped_reason = stopped_reason or "stopped on request"
                        stop.set()
                        break
                    taken = next(queue, None)
                    if taken is None:
                        break
                    journal.begin_submit(taken.piece_id, provider.name)
                    in_flight.add(workers.submit(partial(_send_one, taken, provider, stop)))
                    taken = None
                if not in_flight:
                    break
                done, in_flight = wait(
                    in_flight, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED
                )
                for future in done:
                    finish(future)
        except KeyboardInterrupt:
            interrupted = True
            stopped_reason = stopped_reason or "interrupted (Ctrl-C)"
            stop.set()
        # Let the pieces already sent come back and be journaled, whatever stopped us. A
        # second Ctrl-C leaves at once: their keys are stored, so a re-run is still safe.
        # Polled, as above: a Ctrl-C delivered to a worker thread is handled only when this
        # thread wakes up, so it must never sleep without a limit.
        while in_flight:
            done, in_flight = wait(in_flight, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                finish(future)
    finally:
        stop.set()
        workers.close()

    by_kind: dict[str, list[SendOutcome]] = {
        "submitted": [],
        "failed": [],
        "pending": [],
        "skipped": [],
    }
    for outcome in outcomes.values():
        by_kind[outcome.kind].append(outcome)
    skipped = [o.piece_id for o in by_kind["skipped"]]
    skipped += [taken.piece_id] if taken is not None else []
    skipped += [item.piece_id for item in queue]
    return SendReport(
        submitted=tuple(by_kind["submitted"]),
        failed=tuple(by_kind["failed"]),
        skipped=tuple(skipped),
        stopped_reason=stopped_reason,
        auth_failed=auth_failed,
        pending=tuple(by_kind["pending"]),
        interrupted=interrupted,
    )


class _Workers:
    """`jobs` daemon threads running tasks. Not a `ThreadPoolExecutor`: the interpreter
    joins its threads on the way out, so after a second Ctrl-C the process would still wait
    for every request in flight (up to all its retries)."""

    def __init__(self, jobs: int) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._count = jobs
        for n in range(jobs):
            name = f"mailer-send-{n}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def submit(self, task: Callable[[], SendOutcome]) -> Future[SendOutcome]:
        future: Future[SendOutcome] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(task())
            except BaseException as exc:  # a bug: `finish` raises it in the caller's thread
                future.set_exception(exc)

        self._tasks.put(run)
        return future

    def close(self) -> None:
        """Each worker ends after its current task; nobody waits for it."""
        for _ in range(self._count):
            self._tasks.put(None)

    def _work(self) -> None:
        while (run := self._tasks.get()) is not None:
            run()


def _send_one(item: SendItem, provider: Provider, stop: threading.Event) -> SendOutcome:
    if stop.is_set():
        return SendOutcome(item.piece_id, "skipped")
    try:
        req = item.build_request()
    except MailerError as exc:
        return SendOutcome(item.piece_id, "failed", error=exc.message, hint=exc.hint)
    if req.idempotency_key != item.idempotency_key:
        # The journal's key is the one that survives a crash: always send that one.
        req = dataclasses.replace(req, idempotency_key=item.idempotency_key)
    if stop.is_set():
        return SendOutcome(item.piece_id, "skipped")
    try:
        found = _look_up(item, provider)
        piece = found or provider.create_postcard(req)
    except AuthError as exc:
        stop.set()
        return SendOutcome(
            item.piece_id, "pending", error=exc.message, hint=exc.hint, auth_failed=True
        )
    except ProviderUnavailable as exc:
        stop.set()
        return SendOutcome(item.piece_id, "pending", error=exc.message, hint=exc.hint)
    except MailerError as exc:
        return SendOutcome(item.piece_id, "failed", error=exc.message, hint=exc.hint)
    return SendOutcome(item.piece_id, "submitted", piece=piece)


def _look_up(item: SendItem, provider: Provider) -> ProviderPiece | None:
    """The card made earlier with this item's key, when it must be looked up first. A
    lookup that fails is `ProviderUnavailable` (`find_postcard`) and leaves the card unsent
    (pending): sending it blind could make two."""
    if not item.look_first:
        return None
    return provider.find_postcard(item.idempotency_key)
