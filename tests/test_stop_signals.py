"""A command stopped by a SIGTERM (`kill`, `timeout`) or a hang-up (the terminal closed)
stops as Ctrl-C stops it: exit 130, no temporary file left, what was finished kept; and a
hang-up the user asked to ignore (`nohup`) is ignored. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builders import EXAMPLE_CONFIG, PLAN_DAY, REPO, invoke, voicemail_log

ROWS = 600


def command(folder: Path, jobs: int) -> list[str]:
    return [
        sys.executable, "-m", "mailer", "run", str(voicemail_log(folder, ROWS)),
        "--jobs", str(jobs),
        "--out", str(folder / "out"), "--db", str(folder / "m.db"),
        "--today", "2026-11-22", "--config", str(EXAMPLE_CONFIG),
    ]  # fmt: skip


def started(
    folder: Path, jobs: int, before: Callable[[], None] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(folder, jobs),
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
        preexec_fn=before or as_a_terminal_starts_it,
    )


def as_a_terminal_starts_it() -> None:
    """A hang-up as a terminal's job gets it, whatever this test runs under (`nohup`)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def some_cards_drawn(run: subprocess.Popen[str], folder: Path) -> None:
    deadline = time.monotonic() + 120
    while len(list((folder / "out" / "cards").glob("*.pdf"))) < 20:
        assert run.poll() is None, "the run ended before it could be stopped"
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.02)


def temporary_files(out: Path) -> list[str]:
    """Names a finished or stopped run never leaves: `.part` files and hidden folders."""
    return sorted(p.name for p in out.rglob("*") if p.name.startswith(".") or ".part" in p.name)


@pytest.mark.parametrize(
    ("jobs", "stop"),
    [
        pytest.param(1, lambda pid: os.kill(pid, signal.SIGTERM), id="terminated"),
        pytest.param(2, lambda pid: os.killpg(pid, signal.SIGHUP), id="terminal-hung-up"),
    ],
)
def test_a_run_stopped_by_a_signal_stops_as_ctrl_c_does(
    tmp_path: Path, jobs: int, stop: Callable[[int], None]
) -> None:
    run = started(tmp_path, jobs)
    try:
        some_cards_drawn(run, tmp_path)
    finally:
        stop(run.pid)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert temporary_files(tmp_path / "out") == []
    again = subprocess.run(
        command(tmp_path, jobs),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == ROWS
    assert temporary_files(tmp_path / "out") == []


def test_a_hang_up_ignored_by_nohup_stays_ignored(tmp_path: Path) -> None:
    def as_nohup_starts_it() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    run = started(tmp_path, 1, as_nohup_starts_it)
    try:
        some_cards_drawn(run, tmp_path)
    finally:
        os.killpg(run.pid, signal.SIGHUP)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr[-2000:]
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == ROWS


def test_a_command_gives_the_signals_back_as_it_found_them(tmp_path: Path) -> None:
    """A program calling the CLI in its own process keeps its own SIGTERM handling."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    result = invoke("plan", voicemail_log(tmp_path, ROWS), "--config", EXAMPLE_CONFIG,
                    "--db", tmp_path / "m.db", "--today", PLAN_DAY.isoformat())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
