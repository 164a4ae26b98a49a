"""Hostile text stays text: escape sequences and control characters from a call log reach
neither the terminal nor the files, provider text is never read as Rich markup, every CSV is
formula-safe, the ledger is private, and drawing workers never outlive their command."""

from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.files import clean_text
from mailer.ledger import Ledger
from tests.builders import (
    EXAMPLE_CONFIG,
    REPO,
    child_processes,
    invoke,
    process_alive,
    provider_config,
    read_csv,
    read_csv_dicts,
    voicemail_log,
)
from tests.fake_provider import LOB_KEY, FakeProvider

TODAY = "2026-11-22"
# What a hostile (or just broken) export can carry: colours, a screen clear, a window title
# (OSC 0), a hyperlink (OSC 8), a bell, a backspace, a carriage return and a right-to-left
# override that shows the text backwards.
RED = "\x1b[31m"
CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;you have been hacked\x07"
LINK = "\x1b]8;;https://example.com/x\x1b\\click\x1b]8;;\x1b\\"
RAW = ("\x1b", "\x07", "\x08", "\x9b", "\u202e", "\r")


def _hostile_calls(folder: Path) -> Path:
    path = folder / "calls.csv"
    header = "contact_id first_name last_name phone address_line1 city state postal_code"
    rows = [
        [*header.split(), "outcome", "called_at", "notes"],
        [
            *["C001", f"{RED}Mary{CLEAR}", f"Albright{TITLE}", "(217) 555-0142"],
            *["1418 Oak Ridge Dr", "Springfield", "IL", "62704"],
            *["voicemail", "2026-11-21 10:05", f"likes {LINK}"],
        ],
        [
            *["C002", "Denise\x07\x08", "Oka\u202efor", "217-555-0199"],
            *["77 Maple Ave\r\x9b2J", "Springfield", "IL", "62702"],
            *["no_answer", "2026-11-21 10:12", ""],
        ],
        [
            *["C003", "Linda", "Marsh", "217-555-0110", "9 Fairview Ct", "Chatham", "IL", "62629"],
            *[f"{RED}left a smoke signal", "2026-11-21 10:20", ""],
        ],
        [
            *["=1+2", "Amy", "Carter", "217-555-0123", "5 Elm St", "Springfield", "IL", "62704"],
            *["voicemail", "2026-11-21 10:40", ""],
        ],
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _assert_clean(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{where} holds {raw!r}"


def test_a_hostile_call_log_reaches_neither_terminal_nor_files_raw(tmp_path: Path) -> None:
    calls = _hostile_calls(tmp_path)
    db, out = tmp_path / "mailer.db", tmp_path / "out"
    common: list[str | Path] = ["--db", db, "--today", TODAY, "--config", EXAMPLE_CONFIG]
    results = [
        invoke("plan", calls, "--dry-run", *common),
        invoke("plan", calls, "--dry-run", "--format", "csv", *common),
        invoke("run", calls, "--out", out, *common),
        invoke("followups", "--db", db, "--today", "2026-11-30"),
        invoke("contacts", "import", calls, "--db", db),
        invoke("contacts", "list", "--db", db),
        invoke("contacts", "show", "C002", "--db", db),
    ]
    for result in results:
        assert result.exit_code in (0, 3), result.stderr
        _assert_clean(result.stdout, "stdout")
        _assert_clean(result.stderr, "stderr")
    # The text around the sequences is kept, only the sequences go.
    table = results[0].stdout
    assert "MaryAlbright" in table.replace(" ", "") or "Mary Albright" in table
    assert "you have been hacked" not in table
    assert "left a smoke signal" in " ".join(results[0].stderr.split() + table.split())
    for name in ("followups.csv", "followups.ics", "rejects.csv", "manifest.csv", "plan.json"):
        _assert_clean((out / name).read_text(encoding="utf-8-sig"), name)
    # plan.json and `plan --format json` are valid JSON holding the names cleaned, never the
    # codes (JSON escapes no C1 code and no right-to-left override: they would go raw).
    shown = invoke("plan", calls, "--dry-run", "--format", "json", *common)
    assert shown.exit_code == 3, shown.stderr
    for doc in (shown.stdout, (out / "plan.json").read_text(encoding="utf-8")):
        _assert_clean(doc, "plan json")
        assert "\\u001b" not in doc
        assert "\\u0007" not in doc
        names = {s["contact_id"]: s["name"] for s in json.loads(doc)["steps"]}
        assert names["C002"] == "Denise Okafor"
        assert names["C001"] == "Mary Albright"
    followups = read_csv_dicts(out / "followups.csv")
    assert {f["name"] for f in followups} >= {"Mary Albright", "Denise Okafor"}
    ics = (out / "followups.ics").read_text(encoding="utf-8")
    assert "SUMMARY:Call Mary Albright (217) 555-0142" in ics
    # CSV injection: every CSV neutralizes a cell a spreadsheet would run, the manifest too.
    manifest = read_csv(out / "manifest.csv")
    assert "'=1+2" in [row[0] for row in manifest]
    assert "=1+2" not in [row[0] for row in manifest]
    assert "'=1+2" in [row["contact_id"] for row in followups]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (f"{RED}Mary\x1b[0m", "Mary"),
        (f"A{TITLE}B", "AB"),
        (f"A{LINK}B", "AclickB"),
        ("x\x07y\x08z\x7f\x00", "xyz"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("Oka\u202efor \u2066x\u2069", "Okafor x"),
        ("\x9b2Jcsi in C1", "csi in C1"),
        ("\x1b(Bcharset", "charset"),
        ("José Ñúñez 😀 O'Brien-Smith\ttab", "José Ñúñez 😀 O'Brien-Smith\ttab"),
    ],
)
def test_clean_text_removes_sequences_whole_and_keeps_the_text(written: str, shown: str) -> None:
    assert clean_text(written) == shown
    assert clean_text(shown) == shown
    assert "\n" not in clean_text(written, one_line=True)


def test_provider_text_is_printed_literally_never_as_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_lob: FakeProvider
) -> None:
    from mailer.config import load
    from mailer.planning.planner import make_plan

    config = provider_config(tmp_path)
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome,called_at\n"
        "C001,Mary,Albright,1418 Oak Ridge Dr,Springfield,IL,62704,voicemail,2026-11-21\n",
        encoding="utf-8",
    )
    db = tmp_path / "mailer.db"
    odd_id = "psc_[/]x[bold red]y[/bold red]:warning:"
    with Ledger.open(db) as ledger:
        plan = make_plan([calls], load(config), ledger, date(2026, 11, 22))
        step = next(s for s in plan.plan.steps if s.template)
        piece = ledger.ensure_piece(step, "provider", "4x6")
        ledger.begin_submit(piece.id, "lob")
        ledger.record_submitted(piece.id, odd_id, "[blink]processed[/blink]", None, None)
    monkeypatch.setenv("LOB_API_KEY", LOB_KEY)
    monkeypatch.setenv("LOB_BASE_URL", fake_lob.url)
    shown = invoke("status", "--db", db, "--config", config)
    assert shown.exit_code == 0, shown.stderr
    assert odd_id in shown.stdout.replace("\n", "").replace(" ", "") or odd_id in shown.stdout
    assert "[blink]processed[/blink]" in shown.stdout
    refreshed = invoke("status", "--refresh", "--db", db, "--config", config)
    assert refreshed.exit_code == 0, refreshed.stderr
    # The provider does not know the id: its answer, with the id, is shown as written.
    assert f"warning: {odd_id} (C001):" in " ".join(refreshed.stderr.split())


def test_a_ledger_others_can_read_is_made_private_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    with Ledger.open(db):
        pass
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # a new ledger is private
    db.chmod(0o644)
    result = invoke("followups", "--db", db)
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert f"warning: {db} could be read by other users of this computer (permissions 0644)" in said
    assert "made it private (0600)" in said
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    again = invoke("followups", "--db", db)
    assert "could be read" not in again.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_killing_only_the_parent_of_render_jobs_2_leaves_no_worker(tmp_path: Path) -> None:
    calls = voicemail_log(tmp_path, 1500, called_at="2026-11-21")
    db = tmp_path / "mailer.db"
    common = ["--db", str(db), "--today", TODAY, "--config", str(EXAMPLE_CONFIG)]
    assert invoke("plan", calls, *common).exit_code == 0
    render = subprocess.Popen(
        [sys.executable, "-m", "mailer", "render", "--jobs", "2", "--out", "out", *common],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cards = tmp_path / "out" / "cards"
    deadline = time.monotonic() + 120
    workers: list[int] = []
    try:
        # Both workers at work, and some cards drawn already.
        while len(workers) < 2 or len(list(cards.glob("*.pdf"))) < 20:
            assert render.poll() is None, "render ended before it could be killed"
            assert time.monotonic() < deadline, "the workers never got going"
            workers = child_processes(render.pid)
            time.sleep(0.02)
    finally:
        os.kill(render.pid, signal.SIGKILL)
        render.wait()
    deadline = time.monotonic() + 15
    while any(process_alive(w) for w in workers):
        assert time.monotonic() < deadline, f"workers still running: {workers}"
        time.sleep(0.05)
    # A worker told to stop finished the card in hand: no temporary file is left.
    time.sleep(0.2)
    assert list(cards.glob(".*.part")) == []
    drawn = len(list(cards.glob("*.pdf")))
    time.sleep(1.0)
    assert len(list(cards.glob("*.pdf"))) == drawn  # nobody draws any more


@pytest.mark.parametrize("one_line", [False, True])
@given(text=st.text(st.sampled_from("ab \n\t\r\x1b[]\x07\x9b\u202e\u00e9;,\\")))
def test_clean_text_quick_path_gives_what_both_passes_give(text: str, one_line: bool) -> None:
    # Text whose only unprintable character is a newline (a call's description) skips the
    # two passes: it must come out as the passes would make it.
    from mailer.files import _CONTROLS, _ESCAPES

    passed = _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    assert clean_text(text, one_line=one_line) == (" ".join(passed.split()) if one_line else passed)
