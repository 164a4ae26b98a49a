"""What `mailer render` loads to start: only what drawing cards in one process needs. Every
module costs its import on every run, a large part of a small batch's time."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from mailer.domain.addresses import with_mail_address
from tests.builders import PLAN_DAY, card_step, invoke, open_ledger, plan_of

NOT_NEEDED = ("holidays", "concurrent.futures", "multiprocessing", "fontTools", "logging",
              "pydantic", "reportlab.pdfgen.canvas", "rich.progress", "ctypes")  # fmt: skip
"""The postal calendar's holiday tables (no card asks about a holiday), the worker pool
(`--jobs 1` draws in this process), fontTools and the logging it sets up (the pen font is
read from the cache on disk once made, its key naming fontTools' release without importing
it), pydantic (typer from 0.29 imports it to check options), ReportLab's canvas (the card
writer draws every card that has no font only ReportLab handles), the progress bar (stderr
is not a terminal here: no bar would show) and ctypes (only a worker process asks the
kernel to end it with its parent)."""


PLANNING_ONLY = ("scourgify", "usaddress", "holidays", "dateutil", "phonenumbers", "nameparser")
"""Libraries that read call logs and contact books: no card drawn from the ledger needs
them (a card's address and name are stored as read)."""


def imported(stderr: str) -> set[str]:
    """The modules `python -X importtime` reports as imported."""
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


def test_render_at_one_job_loads_no_holiday_tables_and_no_worker_pool(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(card_step(), card_step("C002", "Ngozi", "Okafor")))
    first = tmp_path / "first.db"
    first.write_bytes(db.read_bytes())
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    # The first run makes the pen font if the cache on disk doesn't hold it yet.
    for ledger_file, out_dir in ((first, tmp_path / "first"), (db, out)):
        command = [sys.executable, "-X", "importtime", "-m", "mailer", "render", "--demo",
                   "--jobs", "1", "--db", str(ledger_file), "--out", str(out_dir),
                   "--today", PLAN_DAY.isoformat()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((out / "cards").glob("*.pdf"))) == 2
    loaded = imported(done.stderr)
    assert "mailer.drawing.card_writer" in loaded  # the report is the one expected
    assert not loaded & set(NOT_NEEDED)


OTHER_COMMANDS = tuple(
    f"mailer.cli.{name}"
    for name in ("run_cmd", "planning_cmds", "columns_cmd", "preview_cmd", "followups_cmd",
                 "report_cmd", "send_cmds", "init_cmd", "contacts_cmds", "responses_cmd")
)  # fmt: skip
"""The modules of the other commands: `mailer render` builds only its own."""

LOADED_AT_EXIT = """
import atexit, json, runpy, sys
listing = sys.argv.pop(1)
atexit.register(lambda: json.dump(sorted(sys.modules), open(listing, "w")))
sys.argv[0] = "mailer"
runpy.run_module("mailer", run_name="__main__", alter_sys=True)
"""
"""Runs `mailer` and writes the names of every module loaded when it exits into the file
named by its first argument (`-X importtime` leaves out what `importlib` imports)."""


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    listing = tmp_path / "modules.json"
    command = [sys.executable, "-c", LOADED_AT_EXIT, str(listing), *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(listing.read_text()))


def test_render_builds_no_other_command_and_loads_no_planning_libraries(
    tmp_path: Path,
) -> None:
    db = tmp_path / "mailer.db"
    step = card_step()
    # As the planner records a card: its address read once, the printed lines kept.
    planned = dataclasses.replace(step, record=with_mail_address(step.record))
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(planned))
    loaded = loaded_by(tmp_path, "render", "--demo", "--db", str(db), "--out",
                       str(tmp_path / "out"), "--today", PLAN_DAY.isoformat())  # fmt: skip
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == 1
    assert {"mailer.cli.card_cmds", "mailer.drawing.card_writer"} <= loaded
    assert not loaded & set(OTHER_COMMANDS)
    assert "mailer.domain.datetext" not in loaded  # --today YYYY-MM-DD needs no date reader
    libraries = {name.split(".")[0] for name in loaded}
    assert not libraries & set(PLANNING_ONLY)
    # The help lists every command, so it builds them all: the check above can fail.
    assert set(OTHER_COMMANDS) <= loaded_by(tmp_path, "--help")


def test_render_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path) -> None:
    """Start-up's objects are set aside from the collector only while the cards are drawn:
    a program that runs the command in its own process gets its collector back as it was."""
    db = tmp_path / "mailer.db"
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(card_step()))
    assert gc.get_freeze_count() == 0
    result = invoke("render", "--demo", "--db", db, "--out", tmp_path / "out",
                    "--today", PLAN_DAY.isoformat())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / "cards").glob("*.pdf"))) == 1
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
