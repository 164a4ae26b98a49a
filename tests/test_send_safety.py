"""`mailer send` and `mailer status` against hostile or broken servers on 127.0.0.1, as a
seller meets them: servers that echo the key, redirect elsewhere, drop the connection after
creating, answer late or without an id; cards the provider would refuse; cards that fail or
come back. Every test ends by checking that no form of a key reached the terminal or a file.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from mailer.domain.models import Action
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.sending.providers.http import RetryPolicy
from tests.builders import EXAMPLE_CALLS, invoke, provider_config, write_file
from tests.fake_provider import FakeProvider, key_leaks

TODAY = "2026-11-22"
LOB_KEY = "test_zqxwvkjyplmnbrtgfdhsq"
PG_KEY = "test_sk_vkqzjxwplrtnbmghyd"
KEYS = (LOB_KEY, PG_KEY)
LOB_CREATE = "/v1/postcards"
PG_CREATE = "/print-mail/v1/postcards"


@dataclass
class Desk:
    """One test's folder: a planned provider-mode ledger, its config, the fake provider."""

    tmp: Path
    db: Path
    config: Path
    fake: FakeProvider
    outputs: list[str] = field(default_factory=list)

    def cli(self, *args: str | Path) -> Result:
        result = invoke(*args, "--db", self.db, "--config", self.config)
        self.outputs += [result.stdout, result.stderr]
        return result

    def send(self, *args: str) -> Result:
        return self.cli("send", *args, "--today", TODAY)

    def pieces(self) -> dict[str, Piece]:
        with Ledger.open(self.db) as ledger:
            return {p.contact_id: p for p in ledger.pieces()}

    def mail_steps(self) -> int:
        with Ledger.open(self.db) as ledger:
            return len(ledger.steps(Action.MAIL))

    def creates(self, path: str) -> int:
        return sum(1 for r in self.fake.requests if (r.method, r.path) == ("POST", path))

    def lookups(self, path: str) -> int:
        return sum(1 for r in self.fake.requests if (r.method, r.path) == ("GET", path))

    def leave_submitting(self, contact_id: str, begun: timedelta) -> None:
        """As if a run had sent this card and been killed before it heard back, `begun`
        ago: the ledger says `submitting`, with no provider id."""
        at = (datetime.now(UTC) - begun).isoformat(timespec="seconds")
        with sqlite3.connect(self.db) as db:
            (piece_id,) = db.execute(
                "SELECT id FROM pieces WHERE contact_id = ?", (contact_id,)
            ).fetchone()
            db.execute(
                "UPDATE pieces SET status = 'submitting', provider_id = NULL,"
                " provider_status = NULL WHERE id = ?",
                (piece_id,),
            )
            db.execute("DELETE FROM piece_events WHERE piece_id = ?", (piece_id,))
            db.execute(
                "INSERT INTO piece_events (piece_id, at, kind, detail)"
                " VALUES (?, ?, 'status', 'submitting')",
                (piece_id, at),
            )
        db.close()


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planned")
    config = provider_config(folder, timeout_seconds=1.0)
    result = invoke(
        "plan", EXAMPLE_CALLS, "--today", TODAY, "--db", folder / "m.db", "--config", config
    )
    assert result.exit_code == 0, result.stderr
    return folder


@pytest.fixture
def desk(tmp_path: Path, planned: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    for db_file in planned.glob("m.db*"):
        shutil.copy(db_file, tmp_path / db_file.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.001)
    monkeypatch.setenv("LOB_API_KEY", LOB_KEY)
    monkeypatch.setenv("POSTGRID_API_KEY", PG_KEY)
    with FakeProvider(keys=(LOB_KEY,), postgrid_keys=(PG_KEY,), postgrid_idempotent=False) as fake:
        monkeypatch.setenv("LOB_BASE_URL", fake.url)
        monkeypatch.setenv("POSTGRID_BASE_URL", fake.url)
        d = Desk(tmp_path, tmp_path / "m.db", provider_config(tmp_path, timeout_seconds=1.0), fake)
        yield d
        assert fake.errors == []
    for key in KEYS:
        for text in d.outputs:
            assert key_leaks(text, key) == [], f"a form of the key was printed:\n{text}"
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert key_leaks(path.read_bytes(), key) == [], f"a form of the key is in {path}"


# -- the key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 422, 500])
@pytest.mark.parametrize("form", ["whole", "cut", "upper"])
@pytest.mark.parametrize("provider", ["lob", "postgrid"])
def test_a_server_echoing_the_key_gets_it_neither_printed_nor_stored(
    desk: Desk, provider: str, form: str, status: int
) -> None:
    desk.fake.faults.echo_headers_next(100, status, form)
    result = desk.send("--submit", "--limit", "2", "--provider", provider)
    assert result.exit_code != 0
    assert "could not process the request with headers" in result.stderr.lower()
    assert "***" in result.stderr
    errors = [p.error for p in desk.pieces().values() if p.error]
    if status == 422:  # refused cards are recorded with the provider's words
        assert errors
        assert all("***" in e for e in errors)
    assert desk.fake.created == 0


@pytest.mark.parametrize("status", [401, 500])
def test_status_and_cancel_against_an_echoing_server_keep_the_key_hidden(
    desk: Desk, status: int
) -> None:
    assert desk.send("--submit", "--limit", "2").exit_code == 0
    desk.fake.faults.echo_headers_next(100, status, "cut")
    refreshed = desk.cli("status", "--refresh")
    cancelled = desk.cli("cancel", "--pending")
    for result in (refreshed, cancelled):
        assert "could not process the request with headers" in result.stderr
        assert "***" in result.stderr
    assert cancelled.exit_code != 0
    assert all(p.status is PieceStatus.SUBMITTED for p in desk.pieces().values() if p.provider_id)


@pytest.mark.parametrize("provider", ["lob", "postgrid"])
def test_a_redirect_to_another_host_is_refused_and_the_key_stays_home(
    desk: Desk, provider: str
) -> None:
    with FakeProvider(keys=KEYS, postgrid_keys=KEYS) as elsewhere:
        desk.fake.faults.redirect_next(1, elsewhere.url)
        result = desk.send("--submit", "--provider", provider, "--jobs", "1")
        assert result.exit_code == 1
        assert "redirect (HTTP 307)" in result.stderr
        assert "not followed" in result.stderr
        assert "base URL" in result.stderr
        assert elsewhere.requests == []
    assert desk.fake.created == 0
    assert {p.status for p in desk.pieces().values()} >= {PieceStatus.SUBMITTING}
    again = desk.send("--submit", "--provider", provider)
    assert again.exit_code == 0, again.stderr
    assert desk.fake.created == desk.mail_steps()
    assert desk.fake.duplicates() == []


# -- never twice -----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop", "slow", "500"])
def test_postgrid_looks_a_card_up_before_it_sends_it_again(desk: Desk, fault: str) -> None:
    faults = desk.fake.faults
    if fault == "drop":
        faults.drop_after_create(1)  # made, then the connection closes unanswered
    elif fault == "slow":
        faults.slow_next(1, 2.5)  # made, then answered after the 1 s timeout
    else:
        faults.fail_next(1, 500)  # nothing made
    result = desk.send("--submit", "--provider", "postgrid", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert desk.fake.duplicates() == []
    assert desk.fake.created == desk.mail_steps()
    assert desk.creates(PG_CREATE) == desk.mail_steps() + (fault == "500")
    assert desk.lookups(PG_CREATE) == 1
    ids = {p.provider_id for p in desk.pieces().values()}
    assert ids == set(desk.fake.postcards)


def test_a_postgrid_create_still_queued_when_it_timed_out_is_found_not_made_twice(
    desk: Desk,
) -> None:
    # Made 1.5 s after it was sent, after the 1 s timeout: the card is looked up only once
    # the request could have gone through, so it is found rather than made a second time.
    desk.fake.faults.queue_next(1, 1.5)
    result = desk.send("--submit", "--provider", "postgrid", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert desk.fake.duplicates() == []
    assert desk.fake.created == desk.mail_steps()
    assert desk.creates(PG_CREATE) == desk.mail_steps()


def test_a_postgrid_card_left_submitting_is_looked_up_not_sent_again(desk: Desk) -> None:
    assert desk.send("--submit", "--provider", "postgrid", "--limit", "1").exit_code == 0
    (made,) = desk.fake.postcards
    desk.leave_submitting("C001", timedelta(minutes=5))
    result = desk.send("--submit", "--provider", "postgrid")
    assert result.exit_code == 0, result.stderr
    assert desk.fake.duplicates() == []
    assert desk.pieces()["C001"].provider_id == made
    assert desk.lookups(PG_CREATE) == 1


@pytest.mark.parametrize("begun_hours", [1, 25])
def test_lob_looks_up_a_card_left_submitting_longer_than_it_keeps_keys(
    desk: Desk, begun_hours: int
) -> None:
    assert desk.send("--submit", "--limit", "1").exit_code == 0
    (made,) = desk.fake.postcards
    desk.leave_submitting("C001", timedelta(hours=begun_hours))
    if begun_hours > 24:
        desk.fake._by_key.clear()  # Lob has forgotten the idempotency key
    result = desk.send("--submit")
    assert result.exit_code == 0, result.stderr
    assert desk.fake.duplicates() == []
    assert desk.pieces()["C001"].provider_id == made
    # Within a day the key alone brings the same card back; later it is looked up first.
    assert desk.lookups(LOB_CREATE) == (1 if begun_hours > 24 else 0)


@pytest.mark.parametrize("provider", ["lob", "postgrid"])
def test_an_answer_without_an_id_is_not_counted_as_sent(desk: Desk, provider: str) -> None:
    desk.fake.faults.no_id_next(1)
    result = desk.send("--submit", "--provider", provider, "--jobs", "1")
    if provider == "lob":
        assert result.exit_code == 1
        assert "without a usable postcard id" in result.stderr
        assert "0 sent" in result.stderr
        first = desk.pieces()["C001"]
        assert (first.status, first.provider_id) == (PieceStatus.SUBMITTING, None)
        result = desk.send("--submit", "--provider", provider)
    # PostGrid: found at once by its key; Lob: the re-run's key brings the same card back.
    assert result.exit_code == 0, result.stderr
    assert desk.fake.duplicates() == []
    assert {p.provider_id for p in desk.pieces().values()} == set(desk.fake.postcards)


# -- what the provider would refuse ------------------------------------------------------------


CALLS = (
    "contact_id,first_name,last_name,address_line1,city,state,postal_code,country,outcome,"
    "called_at\n"
    """K1,Amy,Carter,12 Birch Ln,Springfield,IL,62704,US,voicemail,2026-11-21 10:05
K1,Amy,Carter,12 Birch Ln,Springfield,IL,62704,US,voicemail,2026-11-21 10:05
K2,Ben,Ortiz,{long},Springfield,IL,62704,US,voicemail,2026-11-21 10:10
K3,Cleo,Dunn,1 King St W,Toronto,ON,M5H 1A1,CA,voicemail,2026-11-21 10:15
"""
)


def test_the_dry_run_lists_every_card_the_provider_would_refuse(desk: Desk) -> None:
    long_line = "4400 Kingfisher Bartholomew Wellingtonshire Abernathy Fitzgeraldson Road"
    calls = write_file(desk.tmp, "calls.csv", CALLS.format(long=long_line))
    text = desk.config.read_text(encoding="utf-8")
    assert 'size = "4x6"' in text
    desk.config.write_text(text.replace('size = "4x6"', 'size = "6x9"'), encoding="utf-8")
    desk.db = desk.tmp / "fresh.db"
    planned = desk.cli("plan", calls, "--today", TODAY)
    assert planned.exit_code in (0, 3), planned.stderr
    dry = desk.send()
    assert dry.exit_code == 3, dry.stderr
    refused = [line for line in dry.stderr.splitlines() if "would be refused" in line]
    assert any("K2" in line and "address_line1" in line for line in refused), dry.stderr
    assert any("K3" in line and "only 4x6 postcards go abroad" in line for line in refused)
    assert not any("K1" in line for line in refused)
    assert "2 of 3 cards would be refused by lob" in " ".join(dry.stderr.split())
    assert desk.fake.requests == []
    # The real send makes the same check: the two are failed before any request.
    sent = desk.send("--submit")
    assert sent.exit_code == 3
    assert desk.creates(LOB_CREATE) == 1
    assert {c for c, p in desk.pieces().items() if p.status is PieceStatus.FAILED} == {"K2", "K3"}


# -- cards that never arrive ---------------------------------------------------------------------


def test_a_failed_or_returned_card_cancels_its_follow_up_call(desk: Desk) -> None:
    assert desk.send("--submit").exit_code == 0
    pieces = desk.pieces()
    with Ledger.open(desk.db) as ledger:
        calls = {c: ledger.step(p.step_key).follow_up_call for c, p in pieces.items()}
        names = {c: ledger.step(p.step_key).record.name for c, p in pieces.items()}
    called = [c for c, when in calls.items() if when is not None]
    failed, returned = called[0], called[1]
    desk.fake.postcards[pieces[failed].provider_id or ""]["status"] = "failed"
    desk.fake.postcards[pieces[returned].provider_id or ""]["tracking_events"] = [
        {"name": "Returned to Sender", "time": "2026-11-28T15:00:00.000Z", "type": "normal"}
    ]
    result = desk.cli("status", "--refresh")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert f"not delivered: {failed}" in said
    assert f"not delivered: {returned}: returned to sender" in said
    assert "the follow-up call is cancelled" in said
    with Ledger.open(desk.db) as ledger:
        after = {c: ledger.step(p.step_key).follow_up_call for c, p in pieces.items()}
        flagged = {c for c, p in ((c, ledger.piece(p.id)) for c, p in pieces.items()) if p.error}
    assert after[failed] is None
    assert after[returned] is None
    assert flagged == {failed, returned}
    others = set(called) - {failed, returned}
    assert others
    assert all(after[c] is not None for c in others)
    assert "address flagged" in " ".join(result.stdout.split())
    again = desk.cli("status", "--refresh")
    assert "not delivered" not in again.stderr
    listed = desk.cli("followups", "--today", TODAY)
    assert listed.exit_code == 0, listed.stderr
    shown = " ".join(listed.stdout.split())
    assert names[failed] not in shown
    assert names[returned] not in shown
    assert all(names[c] in shown for c in others), shown


def test_the_next_plan_names_a_flagged_address_and_mails_it_only_once_changed(
    desk: Desk,
) -> None:
    assert desk.send("--submit").exit_code == 0
    pieces = desk.pieces()
    with Ledger.open(desk.db) as ledger:
        records = {c: ledger.step(p.step_key).record for c, p in pieces.items()}
    same, moved = sorted(pieces)[:2]
    for contact in (same, moved):
        desk.fake.postcards[pieces[contact].provider_id or ""]["status"] = "failed"
    assert desk.cli("status", "--refresh").exit_code == 0
    # Both are called again and order: a thank-you card is due (even in the cooldown, and
    # whatever their attempts: they answered).
    header = (
        "contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome,called_at"
    )
    lines = [header]
    for contact in (same, moved):
        r = records[contact]
        street = r.address.line1 if contact == same else "9 New Street"
        lines.append(
            f"{contact},{r.first_name},{r.last_name},{street},{r.address.city},"
            f"{r.address.state},{r.address.postal_code},ordered,2027-01-05 10:00"
        )
    calls = write_file(desk.tmp, "later.csv", "\n".join(lines) + "\n")
    planned = desk.cli("plan", calls, "--today", "2027-01-06", "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    said = " ".join(planned.stderr.split())
    day = r"\d{4}-\d{2}-\d{2}"
    assert re.search(
        rf"later\.csv:2: address flagged as undeliverable on {day}: check it before mailing "
        r"\(no card: it is the same address\)",
        said,
    ), said
    assert re.search(
        rf"later\.csv:3: address flagged as undeliverable on {day}: check it before mailing "
        r"\(the address has changed since: this card goes to the new one\)",
        said,
    ), said
    steps = {s["contact_id"]: s for s in json.loads(planned.stdout)["steps"]}
    assert steps[same]["action"] == "skip"
    assert steps[same]["reason"].startswith("address flagged as undeliverable on ")
    assert steps[moved]["action"] == "mail"


def test_a_card_planned_before_its_address_was_flagged_is_held(desk: Desk) -> None:
    assert desk.send("--submit").exit_code == 0
    pieces = desk.pieces()
    with Ledger.open(desk.db) as ledger:
        records = {c: ledger.step(p.step_key).record for c, p in pieces.items()}
    same, moved = sorted(pieces)[:2]
    header = (
        "contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome,called_at"
    )
    lines = [header]
    for contact in (same, moved):
        r = records[contact]
        street = r.address.line1.upper() if contact == same else "9 New Street"
        lines.append(
            f"{contact},{r.first_name},{r.last_name},{street},{r.address.city},"
            f"{r.address.state},{r.address.postal_code},ordered,2027-01-05 10:00"
        )
    calls = write_file(desk.tmp, "later.csv", "\n".join(lines) + "\n")
    # The thank-you cards are planned while the first cards are still on their way...
    assert desk.cli("plan", calls, "--today", "2027-01-06").exit_code == 0
    for contact in (same, moved):
        desk.fake.postcards[pieces[contact].provider_id or ""]["status"] = "failed"
    # ... and then both first cards fail: only the card to the same address is held.
    result = desk.cli("status", "--refresh")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert f"held: {same}'s thank-you card, planned to the same address, is cancelled" in said
    assert f"held: {moved}" not in said
    with Ledger.open(desk.db) as ledger:
        thanks = {s.contact_id: s for s in ledger.steps(Action.MAIL) if s.template == "thank-you"}
        held = ledger.piece_for_step(thanks[same].step_key)
        assert held is not None
        assert held.status is PieceStatus.CANCELLED
        assert "address flagged" in (held.error or "")
        assert ledger.piece_for_step(thanks[moved].step_key) is None
    before = desk.creates("/v1/postcards")
    sent = desk.cli("send", "--submit", "--today", "2027-01-06")
    assert sent.exit_code == 0, sent.stderr
    assert desk.creates("/v1/postcards") == before + 1
    after = desk.pieces()
    assert after[moved].status is PieceStatus.SUBMITTED
    assert after[same].status is PieceStatus.CANCELLED
