"""`mailer send`, `status`, `cancel` and `run --send` end to end, against the fake Lob/PostGrid
on 127.0.0.1: real HTTP, a real ledger file, real PDFs measured with pypdf.

Every test ends by checking that no API key reached stdout, stderr or any file it wrote.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import Result

from mailer.config import load
from mailer.domain.addresses import normalize
from mailer.domain.card_codes import display
from mailer.domain.models import Action
from mailer.domain.postal_days import next_business_day_after
from mailer.errors import UsageError
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.sending.providers.http import RetryPolicy
from mailer.sending.submission import NO_NAME, build_request
from tests import fake_provider as fp
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke, provider_config, read_csv_dicts
from tests.fake_provider import FakeProvider, RecordedRequest

TODAY = "2026-11-22"
# Made-up keys in the providers' formats (letters only, nothing that looks like a real key).
TEST_KEY = "test_quietmapleharborlantern"
LIVE_KEY = "live_brightcedarwinterpost"
PG_KEY = "test_sk_amberfieldsparrowhill"
WRONG_KEY = "test_notourkeyjustguessing"
KEYS = (TEST_KEY, LIVE_KEY, PG_KEY, WRONG_KEY)
# The provider's expected delivery (a Wednesday): later than mailer's own estimate (11/27).
DELIVERY = "2026-12-02"
LOB_CREATE = "/v1/postcards"
PG_CREATE = "/print-mail/v1/postcards"


@dataclass
class LobHooks:
    """What the fake's Lob create does on top of its own checks."""

    delivery: str | None = None
    refuse: dict[str, str] = field(default_factory=dict)
    """contact id -> the 422 message Lob answers for that contact's card."""
    after_create: Callable[[int], None] | None = None
    """Called with the number of postcards made so far, this one included."""


@dataclass
class Shop:
    """One test's working folder: the planned ledger, the provider-mode config, the fake."""

    tmp: Path
    db: Path
    config: Path
    fake: FakeProvider
    hooks: LobHooks
    monkeypatch: pytest.MonkeyPatch
    outputs: list[str] = field(default_factory=list)

    def cli(self, *args: str | Path, config: Path | None = None) -> Result:
        result = invoke(*args, "--db", self.db, "--config", config or self.config)
        self.outputs += [result.stdout, result.stderr]
        return result

    def send(self, *args: str, today: str = TODAY) -> Result:
        return self.cli("send", *args, "--today", today)

    def use_key(self, key: str, var: str = "LOB_API_KEY") -> None:
        self.monkeypatch.setenv(var, key)

    def pieces(self) -> list[Piece]:
        with Ledger.open(self.db) as ledger:
            return ledger.pieces()

    def piece_of(self, contact_id: str) -> Piece:
        return next(p for p in self.pieces() if p.contact_id == contact_id)

    def creates(self, path: str = LOB_CREATE) -> list[RecordedRequest]:
        return [r for r in self.fake.requests if r.method == "POST" and r.path == path]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with the example session planned in provider mode (made once, copied)."""
    folder = tmp_path_factory.mktemp("planned")
    config = provider_config(folder)
    result = invoke(
        "plan", EXAMPLE_CALLS, "--today", TODAY, "--db", folder / "m.db", "--config", config
    )
    assert result.exit_code == 0, result.stderr
    return folder


@pytest.fixture
def shop(tmp_path: Path, planned: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    for db_file in planned.glob("m.db*"):
        shutil.copy(db_file, tmp_path / db_file.name)
    monkeypatch.chdir(tmp_path)
    hooks = LobHooks()
    real_create = fp._lob_postcard

    def create(fake: FakeProvider, record: RecordedRequest, files: Any) -> dict[str, Any]:
        # Runs under the fake's lock: touch `fake.postcards` directly, never `fake.created`.
        contact = record.field("metadata[contact_id]") or ""
        if contact in hooks.refuse:
            raise fp._error(False, 422, "invalid", hooks.refuse[contact])
        postcard = real_create(fake, record, files)
        if hooks.delivery:
            postcard["expected_delivery_date"] = hooks.delivery
        if hooks.after_create is not None:
            hooks.after_create(len(fake.postcards) + 1)
        return postcard

    monkeypatch.setattr(fp, "_lob_postcard", create)
    # Retries back off for a millisecond, not seconds (the CLI has no knob for it).
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.001)
    with FakeProvider(keys=(TEST_KEY, LIVE_KEY), postgrid_keys=(PG_KEY,)) as fake:
        monkeypatch.setenv("LOB_BASE_URL", fake.url)
        monkeypatch.setenv("POSTGRID_BASE_URL", fake.url)
        s = Shop(tmp_path, tmp_path / "m.db", provider_config(tmp_path), fake, hooks, monkeypatch)
        yield s
        assert fake.errors == []
    leaks = [k for k in KEYS for text in s.outputs if k in text]
    assert leaks == [], "an API key was printed"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [k for k in KEYS if k.encode() in data], f"an API key is in {path}"


def mail_steps(shop: Shop) -> dict[str, str]:
    """contact id -> name of every mail step in the ledger."""
    with Ledger.open(shop.db) as ledger:
        return {s.contact_id: s.record.name for s in ledger.steps(Action.MAIL)}


def page_points(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def contact_of(request: RecordedRequest) -> str:
    return request.field("metadata[contact_id]") or ""


# -- the dry run -----------------------------------------------------------------------------


def test_dry_run_sends_nothing_changes_nothing_and_needs_no_key(shop: Shop) -> None:
    before = shop.pieces()
    result = shop.send()
    assert result.exit_code == 0, result.stderr
    assert "Would send to lob (dry run)" in result.stdout
    for name in mail_steps(shop).values():
        assert name in result.stdout
    assert "12 cards, about $7.56 at lob's prices of 2025-07-13" in result.stderr
    assert f"POST {shop.fake.url}/v1/postcards" in result.stdout
    assert "Authorization: Basic test_***:" in result.stdout
    assert re.search(r"^Idempotency-Key: mailer-[0-9a-f]{40}$", result.stdout, re.M)
    assert "to[name]=Mary Albright" in result.stdout
    assert "metadata[contact_id]=C001" in result.stdout
    assert "nothing was sent" in result.stderr
    assert shop.fake.requests == []
    assert shop.pieces() == before == []


def test_dry_run_shows_exactly_the_request_submit_makes(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    # Sending on the send date itself: the request then carries no send_date (whatever
    # the computer's clock says).
    shown = shop.send(today="2026-11-23").stdout
    assert shop.fake.requests == []
    request = shown[shown.index("POST ") :].splitlines()
    lines = [line.partition("=") for line in request if "=" in line and "=@" not in line]
    fields = [(name, value) for name, _, value in lines]
    assert "send_date" not in dict(fields)
    sent = shop.send("--submit", "--limit", "1", today="2026-11-23")
    assert sent.exit_code == 0, sent.stderr
    [first] = shop.creates()
    assert contact_of(first) == "C001"
    assert fields == first.fields
    assert f"Idempotency-Key: {first.headers['idempotency-key']}" in request
    assert first.headers["idempotency-key"] == shop.piece_of("C001").idempotency_key
    for side in ("front", "back"):
        line = next(x for x in request if x.startswith(f"{side}=@"))
        assert f"{len(first.files[side]):,} bytes" in line


def test_each_provider_gets_its_artwork_drawn_in_the_form_it_takes(shop: Shop) -> None:
    settings = load(shop.config)
    with Ledger.open(shop.db) as ledger:
        step = ledger.steps(Action.MAIL)[0]
    lob = build_request(step, "k-1", "6x9", settings, date(2026, 11, 22), "lob")
    assert lob.pdf == b""
    assert page_points(lob.front_pdf) == page_points(lob.back_pdf) == [(666.0, 450.0)]
    postgrid = build_request(step, "k-1", "6x9", settings, date(2026, 11, 22), "postgrid")
    assert (postgrid.front_pdf, postgrid.back_pdf) == (b"", b"")
    assert page_points(postgrid.pdf) == [(666.0, 450.0)] * 2
    with pytest.raises(UsageError, match="unknown provider"):
        build_request(step, "k-1", "6x9", settings, date(2026, 11, 22), "fedex")


def test_a_card_without_a_name_goes_to_the_current_resident(shop: Shop) -> None:
    settings = load(shop.config)
    with Ledger.open(shop.db) as ledger:
        step = ledger.steps(Action.MAIL)[0]
    nameless = dataclasses.replace(
        step, record=dataclasses.replace(step.record, first_name="", last_name="")
    )
    request = build_request(nameless, "k-1", "4x6", settings, date(2026, 11, 22), "lob")
    assert request.to.name == NO_NAME == "Current Resident"
    assert step.contact_id not in request.to.name


def test_send_refuses_a_self_mail_config(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    result = shop.cli("send", "--submit", "--today", TODAY, config=EXAMPLE_CONFIG)
    assert result.exit_code == 2
    assert 'mode = "provider"' in result.stderr
    assert shop.fake.requests == []


# -- submitting ------------------------------------------------------------------------------


def test_submit_creates_one_postcard_per_mail_step_then_nothing(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    shop.hooks.delivery = DELIVERY
    wanted = mail_steps(shop)
    assert len(wanted) == 12
    result = shop.send("--submit")
    assert result.exit_code == 0, result.stderr
    assert "12 sent, 0 failed, 0 not sent" in result.stderr
    fake = shop.fake
    assert fake.created == 12
    assert fake.duplicates() == []
    made = list(fake.postcards.values())
    assert sorted(p["metadata"]["contact_id"] for p in made) == sorted(wanted)
    for request in shop.creates():
        assert request.status == 200
        assert request.field("to[name]") == wanted[contact_of(request)]
        assert request.field("size") == "4x6"
        for side in ("front", "back"):
            assert page_points(request.files[side]) == [(450.0, 306.0)]
    with Ledger.open(shop.db) as ledger:
        pieces = ledger.pieces(mode="provider")
        assert len(pieces) == 12
        for piece in pieces:
            assert piece.status is PieceStatus.SUBMITTED
            assert piece.provider == "lob"
            assert piece.provider_id is not None
            remote = fake.postcards[piece.provider_id]
            assert remote["metadata"]["contact_id"] == piece.contact_id
            assert piece.expected_delivery == date(2026, 12, 2)
            step = ledger.step(piece.step_key)
            if step.template == "offer":
                # The provider's date moved the call: the first business day after it.
                assert step.follow_up_call == next_business_day_after(date(2026, 12, 2))
                assert step.follow_up_call == date(2026, 12, 3)
    again = shop.send("--submit")
    assert again.exit_code == 0, again.stderr
    assert "nothing to send" in again.stderr
    assert fake.created == 12
    assert len(shop.creates()) == 12


def test_cards_without_a_follow_up_call_get_none_when_sent(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    assert shop.send("--submit", "--limit", "8").exit_code == 0  # C003 and C011 among them
    with Ledger.open(shop.db) as ledger:
        quiet = [s for s in ledger.steps(Action.MAIL) if s.template in ("thank-you", "birthday")]
        assert len(quiet) == 2
        assert [s.follow_up_call for s in quiet] == [None, None]


def test_live_key_needs_yes_without_a_terminal(shop: Shop) -> None:
    shop.use_key(LIVE_KEY)
    refused = shop.send("--submit")
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert "LIVE" in refused.stderr
    assert shop.creates() == []
    assert all(p.status is PieceStatus.PLANNED for p in shop.pieces())
    sent = shop.send("--submit", "--yes", "--limit", "2")
    assert sent.exit_code == 0, sent.stderr
    assert shop.fake.created == 2


def test_faults_mid_batch_still_give_one_postcard_per_step(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    faults = shop.fake.faults

    def misbehave(made: int) -> None:
        if made == 4:
            faults.fail_next(2, 500)
            faults.rate_limit_next(2, retry_after="0.05")
            faults.drop_after_create(1)

    shop.hooks.after_create = misbehave
    result = shop.send("--submit")
    assert result.exit_code == 0, result.stderr
    assert "12 sent, 0 failed, 0 not sent" in result.stderr
    fake = shop.fake
    assert (fake.status_count(500), fake.status_count(429), fake.status_count(-1)) == (2, 2, 1)
    assert fake.created == 12
    assert fake.duplicates() == []
    assert set(fake.creates_by_key.values()) == {1}
    pieces = shop.pieces()
    assert {p.status for p in pieces} == {PieceStatus.SUBMITTED}
    for piece in pieces:
        assert piece.provider_id is not None
        assert fake.postcards[piece.provider_id]["metadata"]["contact_id"] == piece.contact_id


def test_a_refused_card_fails_alone_and_can_be_retried(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    shop.hooks.refuse["C004"] = "to.address_zip must be a valid 5 or 9 digit ZIP code"
    result = shop.send("--submit")
    assert result.exit_code == 3, result.stderr
    assert "11 sent, 1 failed" in result.stderr
    assert "to.address_zip must be a valid 5 or 9 digit ZIP code" in result.stderr
    assert "--retry-failed" in result.stderr
    failed = shop.piece_of("C004")
    assert failed.status is PieceStatus.FAILED
    assert failed.error is not None
    assert "to.address_zip must be a valid 5 or 9 digit ZIP code" in failed.error
    assert "Patricia Nguyen" in failed.error
    others = [p for p in shop.pieces() if p.contact_id != "C004"]
    assert {p.status for p in others} == {PieceStatus.SUBMITTED}
    assert shop.fake.created == 11
    # Without --retry-failed the failed card stays put; with it, it goes.
    assert "nothing to send" in shop.send("--submit").stderr
    del shop.hooks.refuse["C004"]
    retried = shop.send("--submit", "--retry-failed")
    assert retried.exit_code == 0, retried.stderr
    assert shop.piece_of("C004").status is PieceStatus.SUBMITTED
    assert shop.fake.created == 12
    assert shop.fake.duplicates() == []


def test_a_rejected_key_mid_batch_stops_it_and_a_rerun_finishes(shop: Shop) -> None:
    shop.use_key(TEST_KEY)

    def revoke(made: int) -> None:
        if made == 3:
            shop.fake.faults.fail_next(1, 401)

    shop.hooks.after_create = revoke
    result = shop.send("--submit", "--jobs", "1")
    assert result.exit_code == 1
    assert "rejected the API key" in result.stderr
    assert "stopped:" in result.stderr
    assert shop.fake.created == 3
    assert len(shop.creates()) == 4  # nothing after the 401
    statuses = [p.status for p in shop.pieces()]
    assert statuses.count(PieceStatus.SUBMITTED) == 3
    assert statuses.count(PieceStatus.SUBMITTING) == 1
    stuck = next(p for p in shop.pieces() if p.status is PieceStatus.SUBMITTING)
    assert shop.creates()[-1].headers["idempotency-key"] == stuck.idempotency_key
    shop.hooks.after_create = None
    # The cut-off card may exist at the provider already: --verify must not fail it, it
    # resends its stored key.
    with Ledger.open(shop.db) as ledger:
        address = normalize(ledger.step(stuck.step_key).record.address).address
    shop.fake.verifications[address.line1.upper()] = "undeliverable"
    rerun = shop.send("--submit", "--verify")
    assert rerun.exit_code == 0, rerun.stderr
    assert shop.piece_of(stuck.contact_id).status is PieceStatus.SUBMITTED
    # The 8 others: all but Toronto asked about.
    assert shop.fake.count("POST", "/v1/us_verifications") == 7
    assert shop.fake.created == 12
    assert shop.fake.duplicates() == []


def test_a_wrong_key_is_refused_and_never_echoed(shop: Shop) -> None:
    shop.use_key(WRONG_KEY)
    result = shop.send("--submit", "--jobs", "1")
    assert result.exit_code == 1
    assert "rejected the API key" in result.stderr
    assert "test_***" in result.stderr  # the fake echoed the key; only its prefix shows
    assert shop.fake.created == 0
    assert len(shop.creates()) == 1


def test_verify_skips_an_undeliverable_address_and_says_so(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    shop.fake.verifications["1418 OAK RIDGE DR"] = "undeliverable"
    result = shop.send("--submit", "--verify", "--limit", "3")
    assert result.exit_code == 3, result.stderr
    assert "2 sent, 1 failed" in result.stderr
    assert "C001" in result.stderr
    assert "USPS does not deliver to this address" in result.stderr
    assert shop.fake.count("POST", "/v1/us_verifications") == 3
    assert shop.piece_of("C001").status is PieceStatus.FAILED
    assert sorted(contact_of(r) for r in shop.creates()) == ["C002", "C003"]


# -- status and cancel ----------------------------------------------------------------------


def test_status_lists_ids_and_refresh_pulls_tracking_and_delivery(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    nothing = shop.cli("status")
    assert nothing.exit_code == 0
    assert "no cards have been sent" in nothing.stderr
    assert shop.send("--submit", "--limit", "3").exit_code == 0
    listed = shop.cli("status")
    assert listed.exit_code == 0, listed.stderr
    ids = [p.provider_id for p in shop.pieces()]
    assert all(i and i in listed.stdout for i in ids)
    assert shop.fake.count("GET", "/v1/postcards/") == 0
    mary = shop.piece_of("C001")
    assert mary.provider_id is not None
    remote = shop.fake.postcards[mary.provider_id]
    remote["status"] = "in_transit"
    remote["expected_delivery_date"] = "2026-12-04"
    remote["tracking_events"] = [
        {
            "id": "evnt_demo",
            "object": "tracking_event",
            "type": "normal",
            "name": "In Transit",
            "location": "62704",
            "time": "2026-11-24T10:00:00.000Z",
        }
    ]
    fresh = shop.cli("status", "--refresh")
    assert fresh.exit_code == 0, fresh.stderr
    assert "refreshed 3 cards: 1 new tracking event" in fresh.stderr
    assert shop.fake.count("GET", "/v1/postcards/") == 3
    assert "in_transit" in fresh.stdout
    assert "In Transit 62704" in fresh.stdout
    with Ledger.open(shop.db) as ledger:
        piece = ledger.piece(mary.id)
        assert piece.provider_status == "in_transit"
        assert piece.expected_delivery == date(2026, 12, 4)
        assert ledger.step(piece.step_key).follow_up_call == date(2026, 12, 7)
        assert "In Transit 62704" in [e.detail for e in ledger.events(piece.id)]
    again = shop.cli("status", "--refresh")
    assert "refreshed 3 cards: 0 new tracking events" in again.stderr


def test_status_fits_80_columns_with_the_latest_word_under_its_card(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.use_key(TEST_KEY)
    assert shop.send("--submit", "--limit", "2").exit_code == 0
    mary = shop.piece_of("C001")
    assert mary.provider_id is not None
    shop.fake.postcards[mary.provider_id]["tracking_events"] = [
        {
            "name": "Processed for Delivery at the regional sorting facility",
            "time": "2026-11-24T10:00:00.000Z",
            "type": "normal",
            "location": "62704",
        }
    ]
    assert shop.cli("status", "--refresh").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    listed = shop.cli("status")
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, listed.stdout
    assert not any(border in listed.stdout for border in "│┃┏━")
    header = next(line for line in lines if line.startswith("contact"))
    assert header.split() == ["contact", "id", "status", "delivery", "call", "back"]
    row = next(i for i, line in enumerate(lines) if line.startswith("C001"))
    assert mary.provider_id in lines[row].split()  # whole, to copy into `mailer cancel`
    said = " ".join(listed.stdout.split())
    mary = shop.piece_of("C001")
    with Ledger.open(shop.db) as ledger:
        code = display(ledger.step(mary.step_key).card_code or "")
    # The card, its code (what a customer reads out) and the latest word.
    assert f"offer · code {code} · Processed for Delivery at the regional sorting facility" in said


def test_cancel_one_then_the_rest_and_too_late(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    assert shop.send("--submit", "--limit", "4").exit_code == 0
    fake = shop.fake
    mary = shop.piece_of("C001")
    assert mary.provider_id is not None
    one = shop.cli("cancel", mary.provider_id)
    assert one.exit_code == 0, one.stderr
    assert f"cancelled {mary.provider_id} (C001)" in one.stderr
    assert fake.count("DELETE", f"/v1/postcards/{mary.provider_id}") == 1
    assert fake.postcards[mary.provider_id]["deleted"] is True
    assert shop.piece_of("C001").status is PieceStatus.CANCELLED
    row = next(line for line in shop.cli("status").stdout.splitlines() if "C001" in line)
    cells = re.split(r"\s{2,}", row.strip())  # the compact table: columns two spaces apart
    assert cells[1:3] == [mary.provider_id, "cancelled"]  # not the provider's last word
    by_contact = shop.cli("cancel", "C002")
    assert by_contact.exit_code == 0, by_contact.stderr
    assert shop.piece_of("C002").status is PieceStatus.CANCELLED
    fake.faults.not_cancellable = True
    denise = shop.piece_of("C003")
    late = shop.cli("cancel", "C003")
    assert late.exit_code == 3
    assert "too late" in late.stderr
    assert "already been sent to production" in late.stderr
    assert shop.piece_of("C003").status is PieceStatus.SUBMITTED
    assert denise.provider_id is not None
    assert "deleted" not in fake.postcards[denise.provider_id]
    fake.faults.not_cancellable = False
    rest = shop.cli("cancel", "--pending")
    assert rest.exit_code == 0, rest.stderr
    assert [p.status for p in shop.pieces()] == [PieceStatus.CANCELLED] * 4
    assert fake.count("DELETE", "/v1/postcards/") == 4 + 1  # one refused
    assert all(p.get("deleted") for p in fake.postcards.values())
    nothing = shop.cli("cancel", "--pending")
    assert nothing.exit_code == 1
    assert "no sent card" in nothing.stderr


@pytest.mark.parametrize("args", [(), ("psc_0000", "--pending")])
def test_cancel_needs_exactly_one_target(shop: Shop, args: tuple[str, ...]) -> None:
    result = shop.cli("cancel", *args)
    assert result.exit_code == 2
    assert shop.fake.requests == []


def test_cancel_passes_over_a_sent_row_whose_provider_id_was_cleared_by_hand(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    assert shop.send("--submit", "--limit", "2").exit_code == 0
    mary = shop.piece_of("C001")
    with sqlite3.connect(shop.db) as db:
        db.execute("UPDATE pieces SET provider_id = NULL WHERE id = ?", (mary.id,))
    result = shop.cli("cancel", "--pending")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.output
    assert shop.fake.count("DELETE", "/v1/postcards/None") == 0
    assert shop.piece_of("C001").status is PieceStatus.SUBMITTED
    assert shop.piece_of("C002").status is PieceStatus.CANCELLED


# -- mailer run --send -----------------------------------------------------------------------


def test_run_send_submits_the_plan_through_the_provider(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    out = shop.tmp / "out"
    args = ("run", EXAMPLE_CALLS, "--send", "--today", TODAY, "--out", out)
    result = shop.cli(*args)
    assert result.exit_code == 0, result.stderr
    assert shop.fake.created == 12
    assert shop.fake.duplicates() == []
    assert {p.status for p in shop.pieces()} == {PieceStatus.SUBMITTED}
    assert (out / "followups.ics").is_file()
    assert not (out / "print.pdf").exists()
    again = shop.cli(*args)
    assert again.exit_code == 0, again.stderr
    assert shop.fake.created == 12
    assert len(shop.creates()) == 12


def test_run_send_follow_ups_use_the_providers_delivery_date(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    shop.hooks.delivery = DELIVERY
    out = shop.tmp / "out"
    result = shop.cli("run", EXAMPLE_CALLS, "--send", "--today", TODAY, "--out", out)
    assert result.exit_code == 0, result.stderr
    calls = read_csv_dicts(out / "followups.csv")
    mary = next(c for c in calls if c["contact_id"] == "C001")
    assert mary["date"] == "2026-12-03"


def test_run_send_with_a_self_mail_config_is_a_usage_error(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    result = shop.cli(
        "run", EXAMPLE_CALLS, "--send", "--today", TODAY, "--out", shop.tmp / "out",
        config=EXAMPLE_CONFIG,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--send" in result.stderr
    assert shop.fake.requests == []


# -- PostGrid --------------------------------------------------------------------------------


def test_a_card_begun_at_one_provider_is_never_sent_through_another(shop: Shop) -> None:
    shop.use_key(TEST_KEY)
    shop.use_key(PG_KEY, "POSTGRID_API_KEY")
    with Ledger.open(shop.db) as ledger:
        step = next(s for s in ledger.steps(Action.MAIL) if s.contact_id == "C004")
        piece = ledger.ensure_piece(step, "provider", "4x6")
        ledger.begin_submit(piece.id, "lob")  # a run through Lob was cut off here
    warning = (
        "C004 was being sent through lob: finish it with `mailer send --submit --provider lob`"
    )
    dry = shop.send("--provider", "postgrid")
    assert dry.exit_code == 0, dry.stderr
    assert warning in dry.stderr.replace("\n", " ")
    sent = shop.send("--submit", "--provider", "postgrid")
    assert sent.exit_code == 0, sent.stderr
    assert warning in sent.stderr.replace("\n", " ")
    assert "11 sent" in sent.stderr
    assert "C004" not in {contact_of(r) for r in shop.creates(PG_CREATE)}
    stuck = shop.piece_of("C004")
    assert (stuck.status, stuck.provider) == (PieceStatus.SUBMITTING, "lob")
    # Through Lob, with its stored key, it is finished.
    done = shop.send("--submit", "--provider", "lob")
    assert done.exit_code == 0, done.stderr
    assert "was being sent" not in done.stderr
    assert [contact_of(r) for r in shop.creates()] == ["C004"]
    assert shop.creates()[0].headers["idempotency-key"] == stuck.idempotency_key
    assert shop.piece_of("C004").status is PieceStatus.SUBMITTED
    assert shop.fake.duplicates() == []


def test_postgrid_send_status_and_cancel(shop: Shop) -> None:
    import pypdfium2

    def no_pdfium(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("PDFium must not run while cards are sent")

    # Sending draws each card in the form PostGrid takes: nothing converts PDFs.
    shop.monkeypatch.setattr(pypdfium2, "PdfDocument", no_pdfium)
    shop.use_key(PG_KEY, "POSTGRID_API_KEY")  # and no LOB_API_KEY at all
    dry = shop.send("--provider", "postgrid")
    assert dry.exit_code == 0, dry.stderr
    assert f"POST {shop.fake.url}{PG_CREATE}" in dry.stdout
    assert "x-api-key: test_sk_***" in dry.stdout
    assert shop.fake.requests == []
    sent = shop.send("--submit", "--provider", "postgrid", "--limit", "3")
    assert sent.exit_code == 0, sent.stderr
    fake = shop.fake
    assert fake.created == 3
    assert len(shop.creates(PG_CREATE)) == 3
    assert shop.creates(LOB_CREATE) == []
    mary = next(r for r in shop.creates(PG_CREATE) if contact_of(r) == "C001")
    assert (mary.field("to[firstName]"), mary.field("to[lastName]")) == ("Mary", "Albright")
    assert mary.field("size") == "6x4"
    assert page_points(mary.files["pdf"]) == [(450.0, 306.0)] * 2
    assert {p.provider for p in shop.pieces()} == {"postgrid"}
    # The config names Lob; status and cancel ask PostGrid, which has these cards.
    fresh = shop.cli("status", "--refresh")
    assert fresh.exit_code == 0, fresh.stderr
    assert "refreshed 3 cards" in fresh.stderr
    assert fake.count("GET", f"{PG_CREATE}/") == 3
    assert {p.provider_status for p in shop.pieces()} == {"ready"}
    gone = shop.cli("cancel", "--pending")
    assert gone.exit_code == 0, gone.stderr
    assert {p["status"] for p in fake.postcards.values()} == {"cancelled"}
    assert [p.status for p in shop.pieces()] == [PieceStatus.CANCELLED] * 3
