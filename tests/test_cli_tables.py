"""The plan and the follow-up calls in an 80-column terminal: nothing cut, the reason wrapped
under its row, and a summary instead of every row for a long list unless --all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke, write_file

TODAY = "2026-11-22"
HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,called_at\n"
)
LONG_NAME = ("Maria-Fernanda", "Castellanos-Villanueva de la Torre")


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def flat(text: str) -> str:
    """The words of the output in order, whatever the wrapping."""
    return " ".join(text.split())


def assert_fits(text: str) -> None:
    assert [line for line in text.splitlines() if len(line) > 80] == []


def calls_file(folder: Path, count: int, *, long_name: bool = False) -> Path:
    rows = [
        f"C{n:03d},Amy{n},Carter,217-555-{n:04d},{n} Oak St,Springfield,IL,62704,voicemail,"
        f"2026-11-21 10:{n % 60:02d}\n"
        for n in range(1, count + 1)
    ]
    if long_name:
        first, last = LONG_NAME
        rows.append(
            f"C999,{first},{last},217-555-0999,9 Elm St,Springfield,IL,62704,no_answer,"
            "2026-11-21 11:00\n"
        )
    return write_file(folder, "calls.csv", HEADER + "".join(rows))


def test_the_plan_fits_80_columns_with_every_reason_and_date(tmp_path: Path) -> None:
    result = invoke(
        "plan", EXAMPLE_CALLS, "--config", EXAMPLE_CONFIG, "--today", TODAY,
        "--db", tmp_path / "m.db",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout)
    words = flat(result.stdout)
    # Each reason whole (wrapped under its row), each date whole: nothing cut with an ellipsis.
    assert "voicemail on the first call: mail a time-sensitive note" in words
    assert "asked for a call back after Thanksgiving (from the notes)" in words
    assert "…" not in result.stdout
    mary = next(line for line in result.stdout.splitlines() if "Mary Albright" in line)
    assert mary.split() == [
        "2",
        "Mary",
        "Albright",
        "mail",
        "offer",
        *["Mon", "11/23", "Mon", "11/30", "Mon", "12/07"],
    ]


def test_a_long_name_wraps_and_is_never_cut(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, 2, long_name=True)
    result = invoke(
        "plan", calls, "--config", EXAMPLE_CONFIG, "--today", TODAY, "--db", tmp_path / "m.db"
    )
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout)
    # Wrapped in its column over the next lines, every word of it there, none cut.
    words = result.stdout.split()
    assert all(word in words for word in " ".join(LONG_NAME).split())
    assert "…" not in result.stdout
    assert "Mon 11/23" in result.stdout


def test_a_long_plan_shows_a_summary_unless_all(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, 35)
    args = ("plan", calls, "--config", EXAMPLE_CONFIG, "--today", TODAY, "--dry-run")
    short = invoke(*args, "--db", tmp_path / "a.db")
    assert short.exit_code == 0, short.output
    assert_fits(short.stdout)
    assert "Plan for Sunday, November 22: 35 contacts" in short.stdout
    offer = next(line for line in short.stdout.splitlines() if line.startswith("mail offer"))
    assert offer.split() == ["mail", "offer", "35", "Mon", "11/23", "Mon", "11/30", "Mon", "12/07"]
    assert "Amy1 Carter" not in short.stdout
    assert "add --all to list each one" in short.stderr

    every = invoke(*args, "--all", "--db", tmp_path / "b.db")
    assert every.exit_code == 0, every.output
    assert_fits(every.stdout)
    assert all(f"Amy{n} Carter" in every.stdout for n in range(1, 36))
    assert "--all" not in every.stderr


def test_thirty_contacts_are_still_listed(tmp_path: Path) -> None:
    calls = calls_file(tmp_path, 30)
    result = invoke(
        "plan",
        calls,
        "--config",
        EXAMPLE_CONFIG,
        "--today",
        TODAY,
        "--dry-run",
        "--db",
        tmp_path / "m.db",
    )
    assert "Amy30 Carter" in result.stdout
    assert "--all" not in result.stderr


def test_followups_fit_80_columns_with_overdue_and_the_script(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    planned = invoke(
        "plan", EXAMPLE_CALLS, "--config", EXAMPLE_CONFIG, "--today", TODAY, "--db", db
    )
    assert planned.exit_code == 0, planned.output
    result = invoke("followups", "--config", EXAMPLE_CONFIG, "--today", "2026-11-30", "--db", db)
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout)
    nancy = next(line for line in result.stdout.splitlines() if "Nancy Delgado" in line)
    assert nancy.split() == ["Fri", "11/27", "09:00-09:15", "Nancy", "Delgado", "217-555-0164"]
    words = flat(result.stdout)
    assert "overdue · asked for a call back" in words
    assert 'The offer on it, "Your holiday candles, 20% off", is good until Monday, December 7' in (
        words
    )
    assert "voicemail: Hi Mary, it's Jamie from Prairie Lantern Candles. I popped a note" in words
    # The call after a card leaves a message (above); a phone-only try in between does not.
    assert "a phone-only cycle" in words
    assert "voicemail: no message this time" in words
    assert "…" not in result.stdout


def test_a_long_list_of_calls_is_counted_by_day_unless_all(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    calls = calls_file(tmp_path, 33)
    assert (
        invoke("plan", calls, "--config", EXAMPLE_CONFIG, "--today", TODAY, "--db", db).exit_code
        == 0
    )
    args = ("followups", "--config", EXAMPLE_CONFIG, "--today", "2026-12-01", "--db", db)
    short = invoke(*args)
    assert short.exit_code == 0, short.output
    assert_fits(short.stdout)
    day = next(line for line in short.stdout.splitlines() if line.startswith("Mon 11/30"))
    assert day.split() == ["Mon", "11/30", "33", "overdue"]
    assert "Amy1 Carter" not in short.stdout
    every = invoke(*args, "--all")
    assert all(f"Amy{n} Carter" in every.stdout for n in range(1, 34))
    assert_fits(every.stdout)


def test_run_shows_the_summary_of_a_long_plan_and_writes_every_row(tmp_path: Path) -> None:
    import json

    calls = calls_file(tmp_path, 31)
    out = tmp_path / "out"
    result = invoke(
        "run", calls, "--config", EXAMPLE_CONFIG, "--today", TODAY, "--db", tmp_path / "m.db",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout)
    assert "Plan for Sunday, November 22: 31 contacts" in result.stdout
    assert "Amy1 Carter" not in result.stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert len(plan["steps"]) == 31  # the file holds every row
