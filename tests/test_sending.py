"""The send loop against the fake Lob on 127.0.0.1: every piece created exactly once and
journaled, under faults, interruptions, a SIGKILL mid-batch and a re-run."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from mailer.config import from_mapping
from mailer.errors import RenderError
from mailer.sending.loop import SendItem, SendOutcome, send_batch
from mailer.sending.providers import make_provider
from mailer.sending.providers.base import PostcardRequest, Provider
from mailer.sending.providers.http import RetryPolicy, SlidingWindowLimiter
from tests.builders import REPO
from tests.fake_provider import (
    LOB_KEY,
    FakeProvider,
    MemoryJournal,
    SqliteJournal,
    VirtualTime,
    card_pdf,
    card_request,
)


def provider_for(
    fake: FakeProvider,
    *,
    key: str = LOB_KEY,
    timeout: float = 30.0,
    rate: tuple[int, float] = (150, 5.0),
    virtual: bool = True,
    **kw: Any,
) -> Provider:
    config = from_mapping(
        {
            "provider": {
                "timeout_seconds": timeout,
                "rate_limit": rate[0],
                "rate_window_seconds": rate[1],
            }
        }
    )
    if virtual:
        vt = VirtualTime()
        kw.setdefault("clock", vt.clock)
        kw.setdefault("sleep", vt.sleep)
    return make_provider("lob", api_key=key, base_url=fake.url, config=config, **kw)


def items_for(
    count: int, build: Callable[[str, str], PostcardRequest] = card_request
) -> list[SendItem]:
    return [
        SendItem(f"P{i:03d}", f"key-P{i:03d}", partial(build, f"P{i:03d}", f"key-P{i:03d}"))
        for i in range(count)
    ]


def assert_each_created_once(fake: FakeProvider, journal: MemoryJournal, count: int) -> None:
    assert fake.created == count
    assert fake.duplicates() == []
    assert set(fake.creates_by_key.values()) == {1}
    assert len(journal.submitted) == count
    # What the journal holds is exactly what the provider made.
    assert set(journal.submitted.values()) == set(fake.postcards)


def test_batch_submits_every_piece_and_journals_in_order(fake_lob: FakeProvider) -> None:
    journal = MemoryJournal()
    threads: set[str] = set()
    original = journal.begin_submit

    def begin(piece_id: str, provider_name: str) -> None:
        threads.add(threading.current_thread().name)
        assert provider_name == "lob"
        original(piece_id, provider_name)

    journal.begin_submit = begin  # type: ignore[method-assign]
    progress: list[SendOutcome] = []
    report = send_batch(
        items_for(9), provider_for(fake_lob), journal, jobs=3, on_progress=progress.append
    )
    assert report.complete
    assert (len(report.submitted), report.failed, report.skipped) == (9, (), ())
    assert report.stopped_reason == ""
    assert not report.auth_failed
    assert_each_created_once(fake_lob, journal, 9)
    assert len(progress) == 9
    for piece_id in journal.submitted:
        begun = journal.calls.index(("begin", piece_id))
        assert begun < journal.calls.index(("submitted", piece_id))
    assert threads == {threading.main_thread().name}  # the journal never sees a worker
    keys = {
        r.field("metadata[contact_id]"): r.headers["idempotency-key"] for r in fake_lob.requests
    }
    assert keys == {f"P{i:03d}": f"key-P{i:03d}" for i in range(9)}


@pytest.mark.parametrize("fault", ["500s", "429", "dropped", "slow"])
def test_no_duplicates_and_nothing_missing_under_faults(fake_lob: FakeProvider, fault: str) -> None:
    timeout = 30.0
    if fault == "500s":
        fake_lob.faults.fail_next(5, status=502)
    elif fault == "429":
        fake_lob.faults.rate_limit_next(4, retry_after="2")
    elif fault == "dropped":
        fake_lob.faults.drop_after_create(3)
    else:
        fake_lob.faults.slow_next(2, seconds=1.5)
        timeout = 0.4
    journal = MemoryJournal()
    report = send_batch(items_for(12), provider_for(fake_lob, timeout=timeout), journal, jobs=3)
    assert report.complete
    assert len(report.submitted) == 12
    assert_each_created_once(fake_lob, journal, 12)
    retried = len(fake_lob.requests) - 12
    assert retried >= {"500s": 5, "429": 4, "dropped": 3, "slow": 2}[fault]


def test_a_refused_piece_is_failed_and_the_batch_goes_on(fake_lob: FakeProvider) -> None:
    def build(piece_id: str, key: str) -> PostcardRequest:
        req = card_request(piece_id, key)
        if piece_id == "P003":  # artwork of the wrong size: Lob answers 422
            return dataclasses.replace(req, front_pdf=card_pdf("6x11", 1, "oops"))
        return req

    journal = MemoryJournal()
    report = send_batch(items_for(8, build), provider_for(fake_lob), journal, jobs=2)
    assert len(report.submitted) == 7
    (failed,) = report.failed
    assert failed.piece_id == "P003"
    assert "invalid_file_dimensions" in failed.error
    assert "front page 1 is 11.250in x 6.250in" in failed.error
    assert journal.failed == {"P003": failed.error}
    assert report.stopped_reason == ""
    assert fake_lob.created == 7


def test_a_name_lob_cannot_print_fails_that_card_before_any_request(
    fake_lob: FakeProvider,
) -> None:
    def build(piece_id: str, key: str) -> PostcardRequest:
        name = "Maximilian Bartholomew Fitzgerald-Johnson" if piece_id == "P002" else ""
        return card_request(piece_id, key, name=name)

    journal = MemoryJournal()
    report = send_batch(items_for(5, build), provider_for(fake_lob), journal, jobs=2)
    assert len(report.submitted) == 4
    (failed,) = report.failed
    assert failed.piece_id == "P002"
    assert "to[name]" in failed.error
    assert "Lob takes at most 40" in failed.error
    assert failed.hint
    assert journal.failed == {"P002": failed.error}
    assert "P002" not in {r.field("metadata[contact_id]") for r in fake_lob.requests}
    assert report.complete  # the batch went on
    assert fake_lob.created == 4


def test_a_piece_that_cannot_be_built_is_failed(fake_lob: FakeProvider) -> None:
    def build(piece_id: str, key: str) -> PostcardRequest:
        if piece_id == "P001":
            raise RenderError("card P001-offer: the message does not fit", hint="shorten it")
        return card_request(piece_id, key)

    journal = MemoryJournal()
    report = send_batch(items_for(4, build), provider_for(fake_lob), journal)
    assert [o.piece_id for o in report.failed] == ["P001"]
    assert report.failed[0].hint == "shorten it"
    assert journal.failed["P001"].startswith("card P001-offer")
    assert fake_lob.created == 3


def test_a_rejected_key_stops_the_batch_at_once(fake_lob: FakeProvider) -> None:
    built: list[str] = []

    def build(piece_id: str, key: str) -> PostcardRequest:
        built.append(piece_id)
        return card_request(piece_id, key)

    journal = MemoryJournal()
    provider = provider_for(fake_lob, key="test_" + "0" * 32)
    report = send_batch(items_for(10, build), provider, journal, jobs=2)
    assert report.auth_failed
    assert "rejected the API key" in report.stopped_reason
    assert report.submitted == ()
    assert report.failed == ()  # the pieces are fine: nothing is marked failed
    assert journal.failed == {}
    assert len(report.pending) >= 1
    assert len(report.skipped) + len(report.pending) == 10
    assert fake_lob.created == 0
    assert fake_lob.count("POST", "/v1/postcards") <= 2
    assert len(built) <= 2
    assert not report.complete


def test_should_stop_takes_no_new_pieces(fake_lob: FakeProvider) -> None:
    built: list[str] = []

    def build(piece_id: str, key: str) -> PostcardRequest:
        built.append(piece_id)
        return card_request(piece_id, key)

    progress: list[SendOutcome] = []
    journal = MemoryJournal()
    report = send_batch(
        items_for(10, build),
        provider_for(fake_lob),
        journal,
        should_stop=lambda: len(progress) >= 4,
        on_progress=progress.append,
    )
    assert report.interrupted
    assert len(report.submitted) == 4
    assert report.skipped == tuple(f"P{i:03d}" for i in range(4, 10))
    assert built == ["P000", "P001", "P002", "P003"]  # artwork is built just in time
    assert fake_lob.created == 4


def test_ctrl_c_lets_pieces_in_flight_finish_and_be_journaled(fake_lob: FakeProvider) -> None:
    fake_lob.faults.latency = 0.1
    seen: list[SendOutcome] = []

    def progress(outcome: SendOutcome) -> None:
        seen.append(outcome)
        if len(seen) == 3:
            raise KeyboardInterrupt

    journal = MemoryJournal()
    report = send_batch(
        items_for(12), provider_for(fake_lob), journal, jobs=3, on_progress=progress
    )
    assert report.interrupted
    assert report.stopped_reason.startswith("interrupted")
    assert 3 <= len(report.submitted) < 12
    assert len(report.submitted) + len(report.skipped) == 12
    # Nothing the provider made is missing from the journal.
    assert set(journal.submitted.values()) == set(fake_lob.postcards)
    assert fake_lob.duplicates() == []


def test_an_unreachable_provider_stops_and_leaves_the_piece_resumable() -> None:
    with FakeProvider() as fake:
        dead_url = fake.url
    journal = MemoryJournal()
    config = from_mapping({})
    vt = VirtualTime()
    provider = make_provider(
        "lob",
        api_key=LOB_KEY,
        base_url=dead_url,
        config=config,
        retry=RetryPolicy(attempts=3),
        clock=vt.clock,
        sleep=vt.sleep,
    )
    report = send_batch(items_for(5), provider, journal)
    assert [o.piece_id for o in report.pending] == ["P000"]
    assert "did not complete" in report.stopped_reason
    assert "after 3 attempts" in report.stopped_reason
    assert "run the same command again" in report.pending[0].hint
    assert report.skipped == ("P001", "P002", "P003", "P004")
    assert journal.calls == [("begin", "P000")]
    assert not report.auth_failed


def test_the_journal_key_is_the_one_sent(fake_lob: FakeProvider) -> None:
    items = [SendItem("P000", "ledger-key-0", partial(card_request, "P000", "stale-key"))]
    report = send_batch(items, provider_for(fake_lob), MemoryJournal())
    assert len(report.submitted) == 1
    assert fake_lob.requests[0].headers["idempotency-key"] == "ledger-key-0"


def test_paced_batch_gets_no_429s() -> None:
    # The fake allows 20 per second; the client is told the same and paces itself. The fake
    # counts arrivals in fixed seconds, so a request the loaded test machine holds back for
    # longer than the limiter's slack could land in the next second: the slack here is
    # wider than any such stall, and a client that does not pace still meets 429s at once.
    with FakeProvider(rate_limit=(20, 1.0)) as fake:
        limiter = SlidingWindowLimiter(20, 1.0, slack=0.4)
        provider = provider_for(fake, rate=(20, 1.0), virtual=False, limiter=limiter)
        journal = MemoryJournal()
        report = send_batch(items_for(45), provider, journal, jobs=4)
        assert report.complete
        assert fake.status_count(429) == 0
        assert_each_created_once(fake, journal, 45)


def test_unpaced_batch_recovers_from_429s_without_duplicates() -> None:
    with FakeProvider(rate_limit=(10, 1.0)) as fake:
        provider = provider_for(fake, rate=(1000, 1.0), virtual=False)
        journal = MemoryJournal()
        report = send_batch(items_for(25), provider, journal, jobs=4)
        assert report.complete
        assert fake.status_count(429) > 0  # the server had to push back...
        assert_each_created_once(fake, journal, 25)  # ...and nothing was lost or doubled


# -- a crash mid-batch and a re-run ---------------------------------------------------------

CHILD = """
import json, sys
from functools import partial

from mailer.config import DEFAULT
from mailer.sending.providers import make_provider
from mailer.sending.loop import SendItem, send_batch
from tests.fake_provider import LOB_KEY, SqliteJournal, card_request

db, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
journal = SqliteJournal(db)
for i in range(count):
    journal.add(f"P{i:03d}")
todo = journal.unsent()
items = [SendItem(p, k, partial(card_request, p, k)) for p, k in todo]
provider = make_provider("lob", api_key=LOB_KEY, base_url=url, config=DEFAULT)
report = send_batch(items, provider, journal, jobs=3)
print(json.dumps({"todo": len(todo), "submitted": len(report.submitted),
                  "complete": report.complete}))
"""


def _run_child(script: Path, db: Path, url: str, count: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(script), str(db), url, str(count)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_sigkill_mid_batch_then_rerun_creates_each_piece_exactly_once(tmp_path: Path) -> None:
    script = tmp_path / "send_child.py"
    script.write_text(CHILD, encoding="utf-8")
    db = tmp_path / "ledger.sqlite"
    count = 30
    with FakeProvider() as fake:
        # Each answer comes 0.15 s after the postcard is made, so the kill lands while
        # some postcards exist at Lob but not yet in the journal.
        fake.faults.latency = 0.15
        child = subprocess.Popen(
            [sys.executable, str(script), str(db), fake.url, str(count)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        try:
            while fake.created < 7:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                assert time.monotonic() < deadline, "the child never got going"
                time.sleep(0.005)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            if child.stderr:
                child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        fake.wait_until_quiet()  # the answers nobody will read are finished
        created_before = fake.created
        ids_before = {key: fake._by_key[(LOB_KEY, key)] for key in fake.creates_by_key}
        journal = SqliteJournal(db)
        rows = journal.rows()
        recorded = {r["provider_id"] for r in rows.values() if r["state"] == "submitted"}
        in_doubt = [p for p, r in rows.items() if r["state"] == "submitting"]
        assert 0 < created_before < count
        assert len(recorded) < created_before  # made at Lob, unknown to the ledger
        assert in_doubt

        fake.faults.latency = 0.0
        second = _run_child(script, db, fake.url, count)
        assert second["todo"] == count - len(recorded)
        assert second["complete"]
        rows = journal.rows()
        assert {r["state"] for r in rows.values()} == {"submitted"}
        assert fake.created == count
        assert fake.duplicates() == []
        assert set(fake.creates_by_key.values()) == {1}
        for piece_id, row in rows.items():
            postcard = fake.postcards[row["provider_id"]]
            assert postcard["metadata"]["contact_id"] == piece_id
        # The pieces in doubt were sent again with their stored key; those Lob had already
        # made came back as the same postcard.
        made_in_doubt = 0
        for piece_id in in_doubt:
            key = rows[piece_id]["idempotency_key"]
            sends = [r for r in fake.requests if r.headers.get("idempotency-key") == key]
            assert rows[piece_id]["attempts"] == 2
            if key in ids_before:
                made_in_doubt += 1
                assert len(sends) == 2
                assert rows[piece_id]["provider_id"] == ids_before[key]
        assert made_in_doubt == created_before - len(recorded) > 0

        posts = fake.count("POST", "/v1/postcards")
        third = _run_child(script, db, fake.url, count)
        assert third == {"todo": 0, "submitted": 0, "complete": True}
        assert fake.count("POST", "/v1/postcards") == posts  # a second run creates nothing
        journal.close()


CTRL_C_CHILD = """
import signal, sys, threading
from functools import partial

from mailer.config import from_mapping
from mailer.sending.providers import make_provider
from mailer.sending.loop import SendItem, send_batch
from tests.fake_provider import LOB_KEY, MemoryJournal, card_request

presses = 0


def ctrl_c(signum, frame):
    global presses
    presses += 1
    print(f"ctrl-c {presses}", flush=True)
    raise KeyboardInterrupt


def press_keys():
    # Each line is a Ctrl-C, delivered to the sending thread: the kernel may pick any thread,
    # and Python handles the signal only when the main thread wakes up.
    for _ in sys.stdin:
        worker = next(t for t in threading.enumerate() if t.name.startswith("mailer-send"))
        signal.pthread_kill(worker.ident, signal.SIGINT)


signal.signal(signal.SIGINT, ctrl_c)
threading.Thread(target=press_keys, daemon=True).start()
config = from_mapping({"provider": {"timeout_seconds": 600}})
provider = make_provider("lob", api_key=LOB_KEY, base_url=sys.argv[1], config=config)
items = [SendItem(p, "key-" + p, partial(card_request, p, "key-" + p)) for p in ("P0", "P1")]
try:
    send_batch(items, provider, MemoryJournal(), jobs=1)
except KeyboardInterrupt:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("left send_batch", flush=True)
"""


@pytest.mark.timeout(120)
def test_a_second_ctrl_c_leaves_without_waiting_for_the_request_in_flight(
    tmp_path: Path,
) -> None:
    script = tmp_path / "ctrl_c_child.py"
    script.write_text(CTRL_C_CHILD, encoding="utf-8")
    with FakeProvider() as fake:
        fake.faults.slow_next(1, seconds=600)  # made, then answered only when the fake stops
        child = subprocess.Popen(
            [sys.executable, str(script), fake.url],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None
        keyboard = child.stdin

        def press_ctrl_c() -> None:
            keyboard.write("press\n")
            keyboard.flush()

        lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        stdout = child.stdout
        assert stdout is not None

        def read() -> None:
            for line in stdout:
                lines.put(line.strip())

        reader = threading.Thread(target=read)
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while fake.created < 1:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                assert time.monotonic() < deadline, "the child never sent its card"
                time.sleep(0.01)
            press_ctrl_c()
            assert lines.get(timeout=60) == "ctrl-c 1"  # stops taking pieces, waits for P0
            left = ""
            for press in range(2, 6):
                # A press that lands while the first is still being handled counts as the
                # first: press again until one reaches the wait for P0.
                press_ctrl_c()
                assert lines.get(timeout=60) == f"ctrl-c {press}"
                with contextlib.suppress(queue.Empty):
                    left = lines.get(timeout=2)
                    break
            assert left == "left send_batch"
            # The process ends while the fake still holds P0's answer: nothing joins the
            # worker that waits for it.
            assert child.wait(timeout=60) == 0, child.stderr.read() if child.stderr else ""
            assert [(r.path, r.status) for r in fake.requests] == [("/v1/postcards", 0)]
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            reader.join()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
