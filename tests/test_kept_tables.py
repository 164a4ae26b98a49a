"""The tables planning reads from libraries (the USPS holidays of a year, scourgify's street
words), kept in the cache folder: the same plans cold and warm, a damaged or refused file
made again, two processes filling one folder at once, scourgify's own settings never
kept."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from mailer import cache_folder
from mailer.domain import postal_days as postal
from mailer.domain import street_lines

PLAN = """
import datetime, pathlib, sys
from mailer.config import DEFAULT
from mailer.ledger import Ledger
from mailer.planning.planner import make_plan
log, db = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with Ledger.open(db) as ledger:
    plan = make_plan([log], DEFAULT, ledger, datetime.date(2026, 12, 21), record=False).plan
print(repr(plan.steps), repr(plan.rejections), repr(plan.notices))
"""

LOG = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,outcome,"
    "called_at\n"
    "C1,Mary,Albright,217-555-0101,100 Oak Ridge Dr,Springfield,IL,62701,voicemail,"
    "2026-12-21 10:00\n"
    "C2,Ann,Baker,217-555-0102,12 North Maple Ave,Springfield,IL,62702,no_answer,"
    "2026-12-21 10:05\n"
    "C3,Joe,Carter,217-555-0103,7 Elm St Apt 4,Chatham,IL,62629,voicemail,2026-12-21 10:10\n"
    "C4,Sue,Dale,503-555-0104,88 Grand Ave,Portland,OR,97201,busy,2026-12-21 10:15\n"
    "C5,Al,Eton,503-555-0105,PO Box 12,Portland,OR,97202,voicemail,2026-12-21 10:20\n"
)


def _plan_in_a_process(tmp_path: Path, cache: Path) -> str:
    log = tmp_path / "calls.csv"
    log.write_text(LOG)
    db = tmp_path / f"{len(list(tmp_path.glob('*.db')))}.db"
    env = os.environ | {cache_folder.CACHE_ENV: str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PLAN, str(log), str(db)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def test_a_plan_is_the_same_cold_warm_and_with_nothing_kept(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _plan_in_a_process(tmp_path, cache)
    kept = sorted({p.name.split("-")[0] for p in (cache / "tables").iterdir()})
    assert kept == ["holidays", "street"]  # 2026's holidays, the street words
    assert _plan_in_a_process(tmp_path, cache) == cold
    (tmp_path / "a file").write_text("in the way")
    assert _plan_in_a_process(tmp_path, tmp_path / "a file" / "cache") == cold
    assert cold.count("MailStep(") == 5
    assert "datetime.date(2026, 12, 25)" not in cold  # the holidays were asked about


def test_a_kept_year_is_the_librarys_year_in_its_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    for _ in ("cold", "warm"):
        postal._holidays_in.cache_clear()
        for year in range(2020, 2036):
            kept = postal.federal_holidays(year)
            assert list(kept.items()) == list(postal._library_days(year).items()), year
    postal._holidays_in.cache_clear()
    assert len(list((tmp_path / "tables").glob("holidays-*.json"))) == 16


NAMES = """
from datetime import date
from mailer.domain import postal_days
from mailer.planning.callbacks import day_from_notes
print(postal_days.closed_because(date(2026, 11, 26)))
print(day_from_notes("call back after thanksgiving", date(2026, 11, 10)))
"""


def test_the_holidays_are_named_in_english_whatever_the_locale_of_the_process_that_kept_them(
    tmp_path: Path,
) -> None:
    """The library names the days in the language of LANGUAGE or LANG (Thai, for one): a
    Thai process's kept year must not stop an English one reading "after thanksgiving"."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    env[cache_folder.CACHE_ENV] = str(tmp_path)
    runs = [
        subprocess.run(
            [sys.executable, "-c", NAMES],
            env=env | extra,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for extra in ({"LANGUAGE": "th"}, {}, {"LANG": "th_TH.UTF-8"})
    ]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0].splitlines()[0].startswith("Thanksgiving")
    assert "2026, 11, 27" in runs[0]
    assert "after thanksgiving" in runs[0]


def test_the_kept_street_words_are_scourgifys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    from_library = street_lines._read_words(street_lines._library_words())
    assert street_lines._kept_words() == from_library  # cold
    assert street_lines._kept_words() == from_library  # warm
    assert len(list((tmp_path / "tables").glob("street-words-*.json"))) == 1
    directions, special = from_library
    assert directions["NORTH"] == "N"
    assert {"RIDGE", "APT"} <= special


def test_scourgifys_own_settings_are_read_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    try:
        assert not street_lines.scourgify_settings()
        monkeypatch.setenv("ADDRESS_CONFIG_DIR", "mine")
        street_lines.scourgify_release.cache_clear()
        assert street_lines.scourgify_settings()
        street_lines._kept_words()
        monkeypatch.delenv("ADDRESS_CONFIG_DIR")
        # A table's own name, read by yamlconf without a prefix when none is set.
        monkeypatch.setenv("STREET_TYPE_ABBREVIATIONS", "{}")
        street_lines.scourgify_release.cache_clear()
        assert street_lines.scourgify_settings()
        monkeypatch.delenv("STREET_TYPE_ABBREVIATIONS")
        street_lines.scourgify_release.cache_clear()
        assert not street_lines.scourgify_settings()
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "address_constants.yaml").write_text("insertion_method: update\n")
        street_lines.scourgify_release.cache_clear()
        assert street_lines.scourgify_settings()
        street_lines._kept_words()
        assert not (tmp_path / "cache").exists()
    finally:
        street_lines.scourgify_release.cache_clear()


def _counting(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def make() -> object:
        calls.append(1)
        return value

    return calls, make


def _a_table(kept: object) -> dict[str, str]:
    if not isinstance(kept, dict) or not all(isinstance(v, str) for v in kept.values()):
        raise TypeError("not a table of text")
    return dict(kept)


@pytest.mark.parametrize("damage", ["cut", "changed", "empty", "refused"])
def test_a_damaged_or_refused_kept_table_is_made_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    table = {"2026-12-25": "Christmas Day", "2026-01-01": "New Year's Day"}
    calls, make = _counting(table)
    assert cache_folder.kept_table("days", b"release 1", make, _a_table) == table
    assert cache_folder.kept_table("days", b"release 1", make, _a_table) == table
    assert len(calls) == 1
    (path,) = (tmp_path / "tables").iterdir()
    whole = path.read_bytes()
    if damage == "cut":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "changed":
        path.write_bytes(whole[:10] + b"X" + whole[11:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # whole, its digest right, but not what the reader takes
        data = json.dumps(["Christmas Day"]).encode()
        path.write_bytes(data + hashlib.sha256(data).digest())
    found = cache_folder.kept_table("days", b"release 1", make, _a_table)
    assert list(found.items()) == list(table.items())
    assert len(calls) == 2
    assert path.read_bytes() == whole
    # Another release is another file.
    cache_folder.kept_table("days", b"release 2", make, _a_table)
    assert len(calls) == 3


FILL = """
import hashlib, sys
from mailer.domain import postal_days, street_lines
days = [sorted(postal_days.federal_holidays(y).items()) for y in range(2024, 2040)]
types, directions, special = street_lines._tables()
words = (sorted(types.items()), sorted(directions.items()), sorted(special))
print(hashlib.sha256(repr((days, words)).encode()).hexdigest())
"""


def test_processes_filling_one_cache_at_once_read_the_same_whole_tables(tmp_path: Path) -> None:
    env = os.environ | {cache_folder.CACHE_ENV: str(tmp_path)}
    started = [
        subprocess.Popen([sys.executable, "-c", FILL], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    answers = {process.communicate()[0].strip() for process in started}
    assert all(process.returncode == 0 for process in started)
    kept = list((tmp_path / "tables").iterdir())
    assert len(kept) == 17  # 16 years and the street words, no temporary file left
    for path in kept:
        assert cache_folder.whole(path.read_bytes()) is not None, path
    answers.add(subprocess.run(
        [sys.executable, "-c", FILL], capture_output=True, text=True, env=env, check=True
    ).stdout.strip())  # fmt: skip
    assert len(answers) == 1


def test_a_library_is_named_by_its_release_without_importing_it() -> None:
    from importlib.metadata import version

    release = cache_folder.library_release("holidays", "holidays")
    assert release == f"holidays-{version('holidays')}.dist-info".encode()
    assert cache_folder.library_release("no_such_package_here", "no_such") is None
    # A package installed without its own `.dist-info` beside it is not named.
    assert cache_folder.library_release("mailer", "mailer_not_its_name") is None
    # Named without importing it (importing `holidays` is most of what keeping it saves).
    code = (
        "import sys; from mailer import cache_folder; "
        "cache_folder.library_release('holidays', 'holidays'); print('holidays' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_year_is_never_another_years() -> None:
    read = postal._days_of(2026)
    assert read({"2026-12-25": "Christmas Day"}) == {date(2026, 12, 25): "Christmas Day"}
    with pytest.raises(ValueError):
        read({"2027-12-25": "Christmas Day"})
    with pytest.raises(TypeError):
        read(["2026-12-25"])
