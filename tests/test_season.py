"""A simulated season, through the command line as a seller lives it: 50 fictitious contacts
over twelve weekly calling sessions. Each Monday the seller runs `mailer run` on the last
sheets' rows (the outcome column filled in where the call was due, by a fixed table of how
each kind of customer behaves) and on the session's own calls; then every rule of the
method is checked across the whole season, one kind of customer at a time.

The season starts Monday 2026-02-02 (Presidents' Day, Feb 16, is a holiday on the way)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailer.followups.sheet import CSV_COLUMNS
from tests.builders import EXAMPLE_CONFIG, invoke, read_csv_dicts

START = date(2026, 2, 2)
WEEKS = 12
HUGE_LAST = "-".join(["Bartholomew-Fitzgerald-Worthington"] * 3)  # no card can hold it

# How each kind of customer answers their 1st, 2nd, ... call (the last word repeats).
BEHAVIOUR: dict[str, tuple[str, ...]] = {
    "never answers": ("voicemail",),
    "rings out": ("no_answer", "busy", "voicemail"),
    "orders on the 2nd call": ("voicemail", "ordered", "connected"),
    "not interested": ("voicemail", "not_interested", "voicemail"),
    "opts out": ("voicemail", "opt_out", "voicemail"),
    "asks for Friday after 3": ("voicemail", "callback", "ordered", "connected"),
    "has no address": ("voicemail", "no_answer", "voicemail"),
    "lives in Canada": ("voicemail",),
    "name too long for a card": ("voicemail",),
    "answers the first call": ("connected",),
}
NOTES = {"callback": "call me back Friday after 3"}
WINDOWS = {"morning": (9, 0, 12, 0), "afternoon": (13, 0, 17, 0), "evening": (17, 30, 19, 30)}
LOG_COLUMNS = [
    "contact_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "address_line1",
    "city",
    "state",
    "postal_code",
    "country",
    "outcome",
    "called_at",
    "notes",
]


@dataclass
class Contact:
    cid: str
    kind: str
    start: int
    """The week of the first call; the seller calls again 4 and 8 weeks later."""
    calls: int = 0
    last_miss: datetime | None = None

    def answer(self) -> str:
        said = BEHAVIOUR[self.kind]
        outcome = said[min(self.calls, len(said) - 1)]
        self.calls += 1
        return outcome

    def log_row(self, number: int) -> dict[str, str]:
        last = HUGE_LAST if self.kind == "name too long for a card" else f"Season{number:02d}"
        address = ("", "", "", "", "")
        if self.kind == "lives in Canada":
            address = ("24 Sussex Dr", "Ottawa", "ON", "K1M 1M4", "CA")
        elif self.kind != "has no address":
            address = (f"{100 + number} Oak Ridge Dr", "Springfield", "IL", "62704", "US")
        street, city, state, code, country = address
        return {
            "contact_id": self.cid,
            "first_name": "Pat",
            "last_name": last,
            "phone": f"(217) 555-{number:04d}",
            "email": f"{self.cid.lower()}@example.com",
            "address_line1": street,
            "city": city,
            "state": state,
            "postal_code": code,
            "country": country,
        }


@dataclass
class Season:
    """What happened, kept for the checks: every plan step, every sheet row."""

    steps: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    sheet_rows: dict[str, list[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    missed_before: list[tuple[dict[str, str], datetime]] = field(default_factory=list)
    rejects: list[dict[str, str]] = field(default_factory=list)
    forgotten: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    """How many calls each contact had, sheets and sessions."""
    cards: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    """The cards drawn each week, by contact: (week, template)."""

    def of(self, cid: str) -> list[dict[str, Any]]:
        return [s for _, s in self.steps[cid]]


def contacts() -> list[Contact]:
    kinds = list(BEHAVIOUR)
    return [Contact(f"S{n:02d}", kinds[n % len(kinds)], n % 4) for n in range(50)]


def window_of(moment: time) -> str:
    """The window a call time falls in, or the nearest one (as mailer counts a miss)."""
    minutes = moment.hour * 60 + moment.minute

    def distance(bounds: tuple[int, int, int, int]) -> int:
        low, high = bounds[0] * 60 + bounds[1], bounds[2] * 60 + bounds[3]
        return max(low - minutes, 0, minutes - high)

    return min(WINDOWS, key=lambda name: distance(WINDOWS[name]))


def write_rows(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def play(tmp_path: Path) -> Season:
    config = tmp_path / "mailer.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    config.write_text(text.replace("birthday = true", "birthday = false"), encoding="utf-8")
    people = contacts()
    numbers = {c.cid: n for n, c in enumerate(people)}
    season = Season()
    pending: list[dict[str, str]] = []  # sheet rows not called yet
    for week in range(WEEKS):
        today = START + timedelta(weeks=week)
        folder = tmp_path / f"week{week:02d}"
        folder.mkdir()
        files: list[Path] = []
        due_ids: set[str] = set()
        forgotten: list[int] = []  # lines of a time typed in, the outcome forgotten
        if pending:
            sheet: list[dict[str, str]] = []
            for row in pending:
                row = dict(row)
                if date.fromisoformat(row["date"]) > today and not forgotten:
                    row["called_at"] = "3:15 PM"
                    forgotten.append(len(sheet) + 2)
                elif date.fromisoformat(row["date"]) <= today:
                    person = people[numbers[row["contact_id"]]]
                    row["outcome"] = person.answer()
                    row["notes"] = NOTES.get(row["outcome"], "")
                    made = datetime.combine(
                        date.fromisoformat(row["date"]),
                        time.fromisoformat(row["time_window"].split("-")[0]),
                    )
                    if person.last_miss is not None and row["purpose"] != "callback":
                        season.missed_before.append((row, person.last_miss))
                    unanswered = row["outcome"] in ("voicemail", "no_answer", "busy")
                    person.last_miss = made if unanswered else None
                    due_ids.add(row["contact_id"])
                sheet.append(row)
            files.append(write_rows(folder / "sheet.csv", list(CSV_COLUMNS), sheet))
        session = []
        for person in people:
            if week - person.start in (0, 4, 8) and person.cid not in due_ids:
                if any(r["contact_id"] == person.cid for r in pending):
                    continue  # a call is on the sheet already
                row = person.log_row(numbers[person.cid])
                made = datetime.combine(today, time(10, numbers[person.cid]))
                row |= {"outcome": person.answer(), "called_at": f"{made:%Y-%m-%d %H:%M}"}
                row["notes"] = NOTES.get(row["outcome"], "")
                unanswered = row["outcome"] in ("voicemail", "no_answer", "busy")
                person.last_miss = made if unanswered else None
                session.append(row)
        if session:
            files.append(write_rows(folder / "calls.csv", LOG_COLUMNS, session))
        result = invoke(
            "run", *files, "--today", today.isoformat(), "--config", config,
            "--db", tmp_path / "mailer.db", "--out", folder / "out",
        )  # fmt: skip
        assert result.exit_code in (0, 3), result.stderr  # 3: a card that can't be drawn
        check_rows_accounted(folder, files, week, forgotten)
        season.forgotten += len(forgotten)
        doc = json.loads((folder / "out" / "plan.json").read_text(encoding="utf-8"))
        for step in doc["steps"]:
            season.steps[step["contact_id"]].append((week, step))
        new = read_csv_dicts(folder / "out" / "followups.csv")
        for row in new:
            season.sheet_rows[row["contact_id"]].append((week, row))
        for pdf in sorted((folder / "out" / "cards").glob("*.pdf")):
            cid, template = pdf.stem.split("-", 1)
            season.cards[cid].append((week, template))
        if (folder / "out" / "rejects.csv").exists():
            season.rejects += read_csv_dicts(folder / "out" / "rejects.csv")
        pending = [r for r in pending if date.fromisoformat(r["date"]) > today] + new
    season.calls = {person.cid: person.calls for person in people}
    return season


def check_rows_accounted(folder: Path, files: list[Path], week: int, forgotten: list[int]) -> None:
    """Every row of every file fed in is planned, skipped (not called yet) or rejected with
    its line number: a sheet row with a call time but no outcome is rejected, never lost."""
    doc = json.loads((folder / "out" / "plan.json").read_text(encoding="utf-8"))
    only = str(files[0]) if len(files) == 1 else None
    seen = [(s.get("file", only), s["row"]) for s in doc["steps"]]
    seen += [(s.get("file", only), s["row"]) for s in doc.get("skipped", [])]
    seen += [(s.get("file", only), s["row"]) for s in doc["rejected"]]
    expected = [
        (str(path), line) for path in files for line in range(2, len(read_csv_dicts(path)) + 2)
    ]
    assert sorted(seen) == sorted(expected), f"week {week}"
    for skipped in doc.get("skipped", []):
        assert skipped["reason"] == "not called yet"
    rejected = [r for r in doc["rejected"] if r.get("file", only) == str(files[0])]
    assert [r["row"] for r in rejected] == forgotten, f"week {week}"
    assert len(doc["rejected"]) == len(forgotten), doc["rejected"]


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Season]:
    folder = tmp_path_factory.mktemp("season")
    yield play(folder)
    shutil.rmtree(folder, ignore_errors=True)


def of_kind(kind: str) -> list[str]:
    return [c.cid for c in contacts() if c.kind == kind]


def test_every_contact_is_planned_each_time_they_are_called(season: Season) -> None:
    assert season.forgotten >= 1  # a rejected row was checked too
    for person in contacts():
        # one filled-in row a session at most: each call is one step of its session's plan
        assert len(season.of(person.cid)) == season.calls[person.cid] >= 3, person.cid


@pytest.mark.parametrize("kind", ["never answers", "rings out"])
def test_after_three_unanswered_calls_the_last_try_then_a_rest(season: Season, kind: str) -> None:
    for cid in of_kind(kind):
        steps = season.of(cid)
        tries = [s for s in steps if s["purpose"] == "last-try"]
        assert len(tries) == 1, (cid, steps)
        (last,) = tries
        assert last["action"] == "call"
        assert last["attempt"] == 3
        # The sheet's row for it carries the exit message, to leave on the machine.
        (row,) = [r for _, r in season.sheet_rows[cid] if r["purpose"] == "last-try"]
        assert "last call for now" in row["voicemail"]
        assert row["leave_message"] == "yes"
        assert row["attempt"] == "4"
        after = steps[steps.index(last) + 1 :]
        assert after, cid  # the last try was made, and the seller called during the rest
        for step in after:
            assert (step["action"], "resting until" in step["reason"]) == ("skip", True), step
        # Nothing during the rest: no card, no call on any later sheet.
        week_of_try = next(w for w, s in season.steps[cid] if s is last)
        assert not [w for w, _ in season.sheet_rows[cid] if w > week_of_try]


def test_an_order_inside_the_cooldown_gets_a_thank_you(season: Season) -> None:
    for kind in ("orders on the 2nd call", "asks for Friday after 3"):
        for cid in of_kind(kind):
            steps = season.of(cid)
            assert steps[0]["template"] == "offer"
            ordered = next(s for s in steps if s["outcome"] == "ordered")
            assert (ordered["action"], ordered["template"]) == ("mail", "thank-you")
            assert ordered["follow_up_call"] is None
            assert ordered["reason"].endswith(": mail a thank-you card, no sales message")
            assert "cooldown over" not in ordered["reason"]  # it isn't: they just bought
            assert date.fromisoformat(ordered["send_date"]) < date.fromisoformat(
                steps[0]["send_date"]
            ) + timedelta(days=30)


def test_a_callback_friday_after_3_goes_on_friday_afternoon(season: Season) -> None:
    for cid in of_kind("asks for Friday after 3"):
        (row,) = [r for _, r in season.sheet_rows[cid] if r["purpose"] == "callback"]
        assert date.fromisoformat(row["date"]).weekday() == 4
        assert row["time_window"].startswith("15:")


def test_not_interested_rests(season: Season) -> None:
    for cid in of_kind("not interested"):
        steps = season.of(cid)
        said_no = next(i for i, s in enumerate(steps) if s["outcome"] == "not_interested")
        for step in steps[said_no:]:
            assert (step["action"], "resting until" in step["reason"]) == ("skip", True), step
        assert [s["template"] for s in steps if s["action"] == "mail"] == ["offer"]


def test_no_address_gets_a_phone_only_cycle(season: Season) -> None:
    for cid in of_kind("has no address"):
        steps = season.of(cid)
        assert steps[0]["action"] == "call"
        assert "phone-only" in steps[0]["reason"]
        assert not [s for s in steps if s["action"] == "mail"]
        first_row = season.sheet_rows[cid][0][1]
        assert (first_row["purpose"], first_row["attempt"]) == ("follow-up", "2")


def test_a_card_to_canada_is_called_about_after_its_longer_journey(season: Season) -> None:
    for cid in of_kind("lives in Canada"):
        card = season.of(cid)[0]
        sent, call = (date.fromisoformat(card[k]) for k in ("send_date", "follow_up_call"))
        assert card["template"] == "offer"
        assert (call - sent).days >= 7  # five delivery days, then a business day


def test_follow_ups_go_in_a_window_other_than_the_one_that_missed(season: Season) -> None:
    assert len(season.missed_before) > 40
    for row, missed in season.missed_before:
        planned = time.fromisoformat(row["time_window"].split("-")[0])
        assert window_of(planned) != window_of(missed.time()), (row["contact_id"], row)


def test_no_call_about_a_card_that_was_not_drawn(season: Season) -> None:
    for cid in of_kind("name too long for a card"):
        steps = season.of(cid)
        offers = [s for s in steps if s["template"] == "offer"]
        assert offers
        assert not season.cards[cid]
        # the second card planned is the second attempt's, never "on the first call"
        assert "first call" not in offers[1]["reason"]
        assert offers[1]["reason"].endswith("(2nd attempt)")
        for step in offers:
            assert any(
                r["contact_id"] == cid and r["row"] == str(step["row"])
                and "mailer contacts edit" in r["error"]
                for r in season.rejects
            )  # fmt: skip
        # Never "did my note reach you?"; the last try after three unanswered calls says
        # nothing of a note.
        rows = [r for _, r in season.sheet_rows[cid]]
        assert all(r["purpose"] == "last-try" for r in rows), rows
        assert not [r for r in rows if "note" in r["script"] + r["voicemail"]]


def test_an_opt_out_is_honoured_for_the_rest_of_the_season(season: Season) -> None:
    for cid in of_kind("opts out"):
        steps = season.of(cid)
        out = next(i for i, s in enumerate(steps) if s["action"] == "suppress")
        later = steps[out + 1 :]
        assert later, cid  # the seller called again, from an old list
        for step in later:
            assert step["action"] == "skip"
            assert "suppression list" in step["reason"]
        week = next(w for w, s in season.steps[cid] if s is steps[out])
        assert not [w for w, _ in season.sheet_rows[cid] if w >= week]


def test_never_more_than_one_offer_card_a_cycle(season: Season) -> None:
    drawn = 0
    for person in contacts():
        offers = [week for week, template in season.cards[person.cid] if template == "offer"]
        drawn += len(offers)
        # Cycles end in a 90-day rest or an answer, and no rest ends within twelve weeks:
        # nobody may get a second offer card this season.
        assert len(offers) <= 1, (person.cid, season.of(person.cid))
    assert drawn >= 30


def test_a_contact_who_answered_the_first_call_is_thanked_and_left_alone(
    season: Season,
) -> None:
    for cid in of_kind("answers the first call"):
        steps = season.of(cid)
        assert (steps[0]["action"], steps[0]["template"]) == ("mail", "thank-you")
        assert not season.sheet_rows[cid]
