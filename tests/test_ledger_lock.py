"""Never twice across processes: two real `mailer` processes on one ledger, the ledger's lock
(`<ledger>.lock`), and the printed status that never moves to printed again."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from mailer.errors import LedgerError
from mailer.ledger import Ledger, PieceStatus
from mailer.ledger.lock import ledger_lock, lock_path
from mailer.printing.sheets import print_batch
from tests.builders import (
    EXAMPLE_CONFIG,
    REPO,
    call_record,
    config_for,
    invoke,
    mail_step,
    plan_of,
    provider_config,
)
from tests.fake_provider import FakeProvider

TODAY = "2026-11-22"
CARDS = 120
HEADER = [
    "contact_id",
    "first_name",
    "last_name",
    "phone",
    "address_line1",
    "city",
    "state",
    "postal_code",
    "outcome",
    "called_at",
]
PLACE_AND_CALL = ["Springfield", "IL", "62704", "voicemail", "2026-11-21 10:05"]


def _calls(folder: Path, count: int = CARDS) -> Path:
    """A call log of `count` voicemails, each a different person: Mary Lantern0, 1, ..."""
    path = folder / "calls.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(count):
            person = [f"C{i:04d}", "Mary", f"Lantern{i}", f"217555{i:04d}", f"{i + 1} Oak Ridge Dr"]
            writer.writerow([*person, *PLACE_AND_CALL])
    return path


def _mailer(folder: Path, *args: str, wait: str = "300") -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILER_")},
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "MAILER_LOCK_WAIT": wait,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mailer", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lock(db: Path, pid: int, child: subprocess.Popen[str]) -> None:
    """Until process `pid` holds the ledger's lock (its lock file names it)."""
    deadline = time.monotonic() + 60
    while f"pid {pid}:" not in (lock_path(db).read_text() if lock_path(db).exists() else ""):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.01)


def _printed_names(folder: Path) -> Counter[str]:
    """The addressees on every print sheet under `folder` (print.pdf, print-2.pdf, ...)."""
    names: Counter[str] = Counter()
    for pdf in folder.rglob("print*.pdf"):
        for page in PdfReader(pdf).pages:
            names.update(re.findall(r"MARY LANTERN\d+", page.extract_text()))
    return names


@pytest.mark.parametrize("same_out", [False, True], ids=["different-out", "same-out"])
def test_two_runs_racing_on_one_ledger_print_each_card_once(tmp_path: Path, same_out: bool) -> None:
    (tmp_path / "mailer.toml").write_bytes(EXAMPLE_CONFIG.read_bytes())
    _calls(tmp_path)
    db = tmp_path / "mailer.db"
    outs = ("out", "out") if same_out else ("outA", "outB")
    first = _mailer(tmp_path, "run", "calls.csv", "--today", TODAY, "--out", outs[0])
    # The second starts while the first is at work with the ledger.
    _wait_for_lock(db, first.pid, first)
    second = _mailer(tmp_path, "run", "calls.csv", "--today", TODAY, "--out", outs[1])
    _, first_err = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)

    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert "Traceback" not in first_err + second_err
    # The second said it waited, for whom, and that the cards were printed already.
    said = " ".join(second_err.split())
    assert f"waiting for another mailer command (pid {first.pid}: mailer run" in said
    assert f"{CARDS} cards of this plan printed before" in said
    assert f"{CARDS} cards on {CARDS // 2} sheets" in " ".join(first_err.split())

    # Every card is on exactly one sheet, across both folders.
    printed = _printed_names(tmp_path)
    assert sorted(printed) == sorted(f"MARY LANTERN{i}" for i in range(CARDS))
    assert set(printed.values()) == {1}
    assert not (tmp_path / outs[1] / "print-2.pdf").exists()
    assert list(tmp_path.rglob("*.part")) == []
    with sqlite3.connect(db) as conn:
        statuses = conn.execute("SELECT status, count(*) FROM pieces GROUP BY status").fetchall()
        moves = conn.execute(
            "SELECT count(*) FROM piece_events WHERE detail = 'printed' GROUP BY piece_id"
        ).fetchall()
    assert statuses == [("printed", CARDS)]
    assert {n for (n,) in moves} == {1}


def _planned(tmp_path: Path, count: int = 4) -> Path:
    (tmp_path / "mailer.toml").write_bytes(EXAMPLE_CONFIG.read_bytes())
    calls = _calls(tmp_path, count)
    db = tmp_path / "mailer.db"
    planned = invoke(
        "plan", calls, "--db", db, "--today", TODAY, "--config", tmp_path / "mailer.toml"
    )
    assert planned.exit_code == 0, planned.stderr
    return db


@pytest.mark.parametrize("command", [["run", "calls.csv"], ["render"], ["print"]])
def test_a_command_refuses_clearly_when_another_holds_the_ledger_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    db = _planned(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAILER_LOCK_WAIT", "0.3")
    started = time.monotonic()
    with ledger_lock(db, "a test that holds it"):
        result = invoke(*command, "--db", db, "--today", TODAY, "--out", tmp_path / "out")
        # Commands that only read don't wait for the lock.
        assert invoke("followups", "--db", db).exit_code == 0
    assert 0.3 <= time.monotonic() - started < 10
    assert result.exit_code == 5, result.stderr
    said = " ".join(result.stderr.split())
    assert "waiting for another mailer command" in said
    assert f"mailer.db is in use by another mailer command (pid {os.getpid()}: a test" in said
    assert "waited 0.3 s" in said
    assert "nothing is done twice" in said
    assert not (tmp_path / "out" / "print.pdf").exists()
    with Ledger.open(db) as ledger:
        assert {p.status for p in ledger.pieces()} <= {PieceStatus.PLANNED}


def test_send_waits_for_the_lock_but_its_dry_run_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_lob: FakeProvider
) -> None:
    provider_config(tmp_path)
    db = _planned(tmp_path)
    monkeypatch.setenv("MAILER_LOCK_WAIT", "0")
    monkeypatch.setenv("LOB_API_KEY", "test_quietmapleharborlantern")
    monkeypatch.setenv("LOB_BASE_URL", fake_lob.url)
    common: list[str | Path] = [
        "--db",
        db,
        "--today",
        TODAY,
        "--config",
        tmp_path / "provider.toml",
    ]
    with ledger_lock(db, "a test that holds it"):
        dry = invoke("send", *common)
        submitted = invoke("send", "--submit", *common)
    assert dry.exit_code == 0, dry.stderr
    assert submitted.exit_code == 5, submitted.stderr
    assert "in use by another mailer command" in submitted.stderr
    assert fake_lob.requests == []


def test_the_lock_goes_with_a_killed_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _planned(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pathlib\n"
            "from mailer.ledger.lock import ledger_lock\n"
            "with ledger_lock(pathlib.Path(sys.argv[1]), 'a holder about to be killed'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(120)\n",
            str(db),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    monkeypatch.setenv("MAILER_LOCK_WAIT", "0")
    refused = invoke("print", "--db", db, "--today", TODAY, "--out", tmp_path / "out")
    assert refused.exit_code == 5
    assert "a holder about to be killed" in refused.stderr
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    done = invoke(
        "print",
        "--db",
        db,
        "--today",
        TODAY,
        "--out",
        tmp_path / "out",
        "--config",
        tmp_path / "mailer.toml",
    )
    assert done.exit_code == 0, done.stderr
    assert "4 cards on 2 sheets" in done.stderr


def test_lock_wait_must_be_a_number_of_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _planned(tmp_path)
    monkeypatch.setenv("MAILER_LOCK_WAIT", "soon")
    result = invoke("print", "--db", db, "--today", TODAY, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "MAILER_LOCK_WAIT='soon' is not a number of seconds" in result.stderr


def test_a_printed_card_is_never_printed_again(ledger: Ledger, tmp_path: Path) -> None:
    # Chosen while unprinted, printed by someone else before these sheets are done: the
    # sheets are not kept and nothing changes; --reprint asks for them again on purpose.
    steps = [mail_step(call_record(f"C00{n}")) for n in range(1, 4)]
    ledger.record_plan(plan_of(*steps))
    config = config_for()
    first = print_batch(ledger, config, steps, tmp_path / "a" / "print.pdf", date(2026, 11, 23))
    assert first.cards == 3
    with pytest.raises(LedgerError, match="C001's offer card was printed already"):
        print_batch(ledger, config, steps, tmp_path / "b" / "print.pdf", date(2026, 11, 24))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == []
    assert {p.printed_at for p in ledger.pieces()} == {date(2026, 11, 23)}
    again = print_batch(
        ledger, config, steps, tmp_path / "b" / "print.pdf", date(2026, 11, 24), reprint=True
    )
    assert again.path == tmp_path / "b" / "print.pdf"
    assert {p.printed_at for p in ledger.pieces()} == {date(2026, 11, 24)}
