"""`mailer run --jobs 2` writes the follow-up files in a process of their own while the print
sheets are written (`session_followups.FollowUpsAhead`): the same files as `--jobs 1`,
none about a card lost meanwhile, nothing left behind when the run stops or that process
fails."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mailer import config as config_module
from mailer import session_followups
from mailer.config import Config
from mailer.errors import WriteError
from mailer.ledger import Ledger
from mailer.session import Advance, SessionHooks, SessionReport, SessionRequest, run_session
from tests.builders import (
    EXAMPLE_CALLS,
    EXAMPLE_CONFIG,
    REPO,
    broken_card_config,
    child_processes,
    process_alive,
    voicemail_log,
)

TODAY = date(2026, 11, 22)
FILES = ("followups.csv", "followups.ics", "followups.pdf")


def run(
    folder: Path, jobs: int, config: Config | None = None, hooks: SessionHooks | None = None
) -> SessionReport:
    settings = config or config_module.load(EXAMPLE_CONFIG)
    folder.mkdir(parents=True, exist_ok=True)
    with Ledger.open(folder / "m.db") as ledger:
        return run_session(
            SessionRequest([EXAMPLE_CALLS], folder / "out", TODAY, jobs=jobs),
            settings,
            ledger,
            hooks,
        )


def leftovers(folder: Path) -> list[str]:
    """What a run's own files don't explain: temporary files and folders."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def sheet_always_laid_out_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call sheet is always claimed by this process, never by the follow-up process."""
    parent = os.getpid()
    real_claim = session_followups.claim_sheet

    def claim(folder: Path) -> bool:
        return real_claim(folder) if os.getpid() == parent else False

    monkeypatch.setattr(session_followups, "claim_sheet", claim)


def assert_no_follow_up_files(out: Path) -> None:
    """A stopped run left none of the follow-up files, whole or in part."""
    assert [name for name in FILES if (out / name).exists()] == []
    assert leftovers(out) == []


def assert_written_by_a_run_again(folder: Path, out: Path) -> None:
    """Run again, the follow-up files are all written, and nothing is left over."""
    again = run(folder, 2)
    assert again.followups == 12
    assert all((out / name).exists() for name in FILES)
    assert leftovers(out) == []


def test_two_jobs_write_the_same_follow_up_files_as_one(tmp_path: Path) -> None:
    one = run(tmp_path / "one", 1)
    two = run(tmp_path / "two", 2)
    assert one.followups == two.followups == 12
    for name in FILES:
        before = (tmp_path / "one" / "out" / name).read_bytes()
        assert (tmp_path / "two" / "out" / name).read_bytes() == before, name
    assert two.written == one.written
    assert leftovers(tmp_path / "two" / "out") == []


def test_calls_about_cards_lost_while_drawing_are_left_off_with_two_jobs(tmp_path: Path) -> None:
    config = config_module.load(broken_card_config(tmp_path))
    one = run(tmp_path / "one", 1, config)
    two = run(tmp_path / "two", 2, config)
    assert one.cards is not None
    assert two.cards is not None
    assert len(one.cards.failures) == len(two.cards.failures) == 10
    # The ten offers' second calls are gone: the thank-you's, the phone-only call and the
    # callback stay.
    assert one.followups == two.followups == 2
    for name in FILES:
        before = (tmp_path / "one" / "out" / name).read_bytes()
        assert (tmp_path / "two" / "out" / name).read_bytes() == before, name
    assert leftovers(tmp_path / "two" / "out") == []


def test_a_run_stopped_while_drawing_leaves_no_follow_up_files(tmp_path: Path) -> None:
    drawn = 0

    @contextmanager
    def stop_at_the_fifth_card(_label: str, _total: int) -> Iterator[Advance]:
        def advance(_outcome: object) -> None:
            nonlocal drawn
            drawn += 1
            if drawn == 5:
                raise KeyboardInterrupt

        yield advance

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, 2, hooks=SessionHooks(progress=stop_at_the_fifth_card))
    out = tmp_path / "out"
    assert_no_follow_up_files(out)
    # Run again: the cards not drawn are drawn, the follow-up files written.
    assert_written_by_a_run_again(tmp_path, out)


def test_when_the_other_process_fails_the_run_writes_the_files_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = session_followups.write_follow_ups
    children: list[int] = []

    def fails_apart(*args: object, **kwargs: object) -> int:
        if os.getpid() != parent:
            raise OSError("disk full")
        children.append(0)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session_followups, "write_follow_ups", fails_apart)
    report = run(tmp_path / "two", 2)
    assert children == [0]  # written once here, after the other process failed
    assert report.followups == 12
    out = tmp_path / "two" / "out"
    assert all((out / name).exists() for name in FILES)
    assert leftovers(out) == []
    one = run(tmp_path / "one", 1)
    assert one.followups == 12
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "one" / "out" / name).read_bytes()


@pytest.mark.parametrize("first", ["this process", "the follow-up process"])
def test_the_call_sheet_is_the_same_whichever_process_lays_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """The call sheet goes to whichever process is free first (this one after its print
    sheets, or the follow-up process after the other two files): either way the same bytes
    as `--jobs 1`, written once, and nothing left behind."""
    from mailer.followups import export

    parent = os.getpid()
    real_claim = session_followups.claim_sheet
    real_write = export.write_call_sheet
    by = tmp_path / "sheet-by"

    def claim(folder: Path) -> bool:
        here = "this process" if os.getpid() == parent else "the follow-up process"
        # The other one never gets it (and makes no claim): this one, when it asks, does.
        return real_claim(folder) if here == first else False

    def write(*args: Any, **kwargs: Any) -> None:
        with by.open("a") as f:
            f.write(f"{os.getpid()}\n")
        real_write(*args, **kwargs)

    monkeypatch.setattr(session_followups, "claim_sheet", claim)
    monkeypatch.setattr(export, "write_call_sheet", write)
    two = run(tmp_path / "two", 2)
    writers = by.read_text().split()
    assert len(writers) == 1  # laid out once
    assert (writers[0] == str(parent)) == (first == "this process")
    one = run(tmp_path / "one", 1)
    assert one.followups == two.followups == 12
    for name in FILES:
        before = (tmp_path / "one" / "out" / name).read_bytes()
        assert (tmp_path / "two" / "out" / name).read_bytes() == before, name
    assert leftovers(tmp_path / "two" / "out") == []


def test_a_run_stopped_while_it_lays_out_the_call_sheet_leaves_no_follow_up_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in this process while it lays out the call sheet from the other process's
    calls: no follow-up file, no hidden folder, and the next run writes them all."""
    from mailer.followups import export

    sheet_always_laid_out_here(monkeypatch)
    real_write = export.write_call_sheet

    def interrupted(calls: Iterator[Any], path: Path, counts: Any) -> None:
        def some() -> Iterator[Any]:
            for n, call in enumerate(calls):
                if n == 5:
                    raise KeyboardInterrupt
                yield call

        real_write(some(), path, counts)

    monkeypatch.setattr(export, "write_call_sheet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, 2)
    out = tmp_path / "out"
    assert_no_follow_up_files(out)
    monkeypatch.setattr(export, "write_call_sheet", real_write)
    assert_written_by_a_run_again(tmp_path, out)


def test_a_hidden_folder_made_again_while_the_other_process_fails_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process claims the call sheet just as the follow-up process fails and removes
    its hidden folder: laying out the sheet makes the folder again, finds no calls, and the
    files are written here instead; the folder made again is not left in the output."""
    from mailer.followups import export

    sheet_always_laid_out_here(monkeypatch)
    real_write = export.write_call_sheet

    def after_the_other_failed(calls: Iterator[Any], path: Path, counts: Any) -> None:
        import multiprocessing

        (other,) = [p for p in multiprocessing.active_children() if p.name == "mailer follow-ups"]
        os.kill(other.pid or 0, signal.SIGKILL)  # it ends as a failure would end it ...
        other.join()
        shutil.rmtree(path.parent)  # ... its folder removed, as a failing process removes it
        real_write(calls, path, counts)

    monkeypatch.setattr(export, "write_call_sheet", after_the_other_failed)
    two = run(tmp_path / "two", 2)
    one = run(tmp_path / "one", 1)
    assert two.followups == one.followups == 12
    for name in FILES:
        before = (tmp_path / "one" / "out" / name).read_bytes()
        assert (tmp_path / "two" / "out" / name).read_bytes() == before, name
    assert leftovers(tmp_path / "two" / "out") == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_follow_up_file_that_cannot_be_replaced_leaves_the_previous_ones(
    tmp_path: Path, jobs: int
) -> None:
    """The three files go into place pdf first: when one can't, the run stops at it and the
    others are still the previous session's, at any --jobs."""
    run(tmp_path, jobs)
    out = tmp_path / "out"
    before = {name: (out / name).read_bytes() for name in FILES[:2]}
    (out / "followups.pdf").unlink()
    (out / "followups.pdf" / "in-the-way").mkdir(parents=True)
    settings = config_module.load(EXAMPLE_CONFIG)
    later = SessionRequest([EXAMPLE_CALLS], out, date(2026, 11, 24), jobs=jobs)
    with Ledger.open(tmp_path / "m.db") as ledger, pytest.raises(WriteError, match="followups"):
        run_session(later, settings, ledger, None)
    assert {name: (out / name).read_bytes() for name in FILES[:2]} == before
    assert leftovers(out) == []


def drawing(out: Path, children: list[int]) -> bool:
    """Both drawing workers at work, some cards drawn."""
    return len(children) >= 2 and len(list((out / "cards").glob("*.pdf"))) >= 20


def writing_follow_ups(out: Path, children: list[int]) -> bool:
    """The follow-up process at work (its hidden folder made) while this process writes the
    sheets: the sheets not in place yet, so no file has been told to take its name."""
    started = any(out.glob(".followups.*.part"))
    return bool(children) and started and not (out / "print.pdf").exists()


def after_the_sheets(out: Path, children: list[int]) -> bool:
    """The print sheets in place, the follow-up files not yet: the call sheet being laid
    out (by either process) or the files about to be moved into place."""
    started = any(out.glob(".followups.*.part"))
    done = [name for name in FILES if (out / name).exists()]
    return bool(children) and started and (out / "print.pdf").exists() and not done


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize(
    "moment", [drawing, writing_follow_ups, after_the_sheets], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda pid: os.kill(pid, signal.SIGKILL), id="parent-killed"),
        # A closed terminal or a dropped SSH session hangs up the whole group; Ctrl-\ quits it.
        pytest.param(lambda pid: os.killpg(pid, signal.SIGHUP), id="terminal-hung-up"),
        pytest.param(lambda pid: os.killpg(pid, signal.SIGQUIT), id="quit-key"),
    ],
)
def test_stopping_run_jobs_2_outright_leaves_no_follow_up_files_and_no_process(
    tmp_path: Path, stop: Callable[[int], None], moment: Callable[[Path, list[int]], bool]
) -> None:
    # A moment can be short (the call sheet laid out beside the other files takes a few
    # tenths of a second): a run that ends before it is caught is tried again, at most
    # three times, so a busy machine can't fail the test by scheduling alone.
    for attempt in range(3):
        caught = _stopped_at(tmp_path / f"try{attempt}", stop, moment)
        if caught is not None:
            break
    else:
        pytest.fail("three runs ended before they could be stopped at that moment")
    out, children = caught
    deadline = time.monotonic() + 15
    while alive := [pid for pid in children if process_alive(pid)]:
        assert time.monotonic() < deadline, f"still running: {alive}"
        time.sleep(0.05)
    assert_no_follow_up_files(out)


def _stopped_at(
    folder: Path, stop: Callable[[int], None], moment: Callable[[Path, list[int]], bool]
) -> tuple[Path, list[int]] | None:
    """`mailer run --jobs 2` stopped by `stop` at `moment`: its output folder and the
    processes it had then; None when the run ended before the moment could be caught."""
    folder.mkdir()
    calls = voicemail_log(folder, 600)
    out = folder / "out"
    command = [
        sys.executable, "-m", "mailer", "run", str(calls), "--jobs", "2", "--out", str(out),
        "--db", str(folder / "m.db"), "--today", "2026-11-22", "--config", str(EXAMPLE_CONFIG),
    ]  # fmt: skip
    run = subprocess.Popen(
        command,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group, as a terminal's foreground job
        # and a hang-up as a terminal's job gets it, whatever this test runs under (`nohup`)
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL) and None,
    )
    deadline = time.monotonic() + 120
    children: list[int] = []
    try:
        while True:
            if run.poll() is not None:
                return None  # ended before the moment was caught
            assert time.monotonic() < deadline, "the run never got there"
            children = child_processes(run.pid)
            if moment(out, children):
                # The whole group held still, so the moment can't pass before the stop.
                os.killpg(run.pid, signal.SIGSTOP)
                children = child_processes(run.pid)
                if moment(out, children):
                    break
                os.killpg(run.pid, signal.SIGCONT)
            time.sleep(0.02)
    finally:
        if run.poll() is None:
            stop(run.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGCONT)
        run.wait()
    return out, children
