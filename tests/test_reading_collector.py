"""The cyclic garbage collector is held off while call logs are read (`reading.collector`)
and comes back as it was: on after a plan, after a file that can't be read, and off when the
caller had turned it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import mailer.reading.records as records_module
from mailer.errors import InputError
from mailer.reading.quick_rows import quick_rows
from mailer.reading.records import read_call_logs
from tests.builders import invoke, write_file

LOG = (
    "contact_id,first_name,last_name,phone,outcome,called_at\n"
    "C1,Mary,Albright,217-555-0142,voicemail,2026-11-21 10:05\n"
    "C2,Ann,Baker,217-555-0143,busy,2026-11-21 10:06\n"
)


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


def test_the_collector_is_off_while_rows_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    seen: list[bool] = []
    real = quick_rows

    def watching(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records_module, "quick_rows", watching)
    log = read_call_logs([write_file(tmp_path, "log.csv", LOG)], date(2026, 11, 22))
    assert len(log.records) == 2
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_plan_and_after_a_refused_file(
    tmp_path: Path, collector_on: None
) -> None:
    db = tmp_path / "mailer.db"
    planned = invoke(
        "plan", write_file(tmp_path, "log.csv", LOG), "--today", "2026-11-22", "--db", db
    )
    assert planned.exit_code == 0, planned.output
    assert gc.isenabled()
    refused = invoke("plan", write_file(tmp_path, "bad.csv", "name,phone\nMary,217\n"), "--db", db)
    assert refused.exit_code != 0
    assert "outcome" in refused.output
    assert gc.isenabled()
    with pytest.raises(InputError):
        read_call_logs([tmp_path / "bad.csv"], date(2026, 11, 22))
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(tmp_path: Path) -> None:
    was_on = gc.isenabled()
    gc.disable()
    try:
        read_call_logs([write_file(tmp_path, "log.csv", LOG)], date(2026, 11, 22))
        assert not gc.isenabled()
    finally:
        if was_on:
            gc.enable()


def test_a_read_leaves_its_memories_to_no_cycle(tmp_path: Path) -> None:
    """Held off while reading, the collector must find nothing big to free after it: a
    cycle through the reader would keep its memories of every person and date (a few
    objects a contact) until the collector next looked, and planning's peak memory with
    them."""
    rows = "".join(
        f"C{i},Mary{i},Albright,217-555-{i:04d},voicemail,2026-11-21 10:{i % 60:02d}\n"
        for i in range(2000)
    )
    log = write_file(tmp_path, "log.csv", LOG + rows)
    read_call_logs([log], date(2026, 11, 22))  # the first read's imports and caches
    was_on = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        assert len(read_call_logs([log], date(2026, 11, 22)).records) == 2002
        assert gc.collect() < 50  # a few objects of the header's reading at most
    finally:
        if was_on:
            gc.enable()
