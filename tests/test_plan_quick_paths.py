"""Planning's quick ways held to the full ones: the decisions a plan keeps for contacts alike
(`cadence._Contacts`), a log's calls asked once whether they are dated to the whole minute,
and a contact's single call counted without a walk (`attempts.count_input_attempts`).

Each test plans the same calls twice, once the quick way and once the full way, and compares
the whole steps (record, action, reason, card, dates, rows, attempt, purpose, missed calls).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.config import Config
from mailer.domain.models import Address, CallRecord, ContactHistory, Outcome, PastMailing
from mailer.planning import cadence
from mailer.planning.attempts import count_attempts, count_input_attempts
from mailer.planning.cadence import plan_steps
from mailer.planning.plan_days import PlanDays
from tests.builders import call_record, invoke, write_file

TODAY = date(2026, 11, 23)
ADDRESSES = [
    Address("12 Elm St", "", "Springfield", "IL", "62704"),
    Address("400 Oak Ridge Dr", "Apt 4", "Chatham", "IL", "62629"),
    Address("12 Elm St", "", "", "IL", "62704"),  # no city: no card
    Address("5 Pine Rd", "", "Springfield", "ZZ", "62704"),  # no such state
    Address(),  # no address at all
    Address("10 King St W", "", "Toronto", "ON", "M5H 1A1", "CA"),
    Address("10 Downing Street", "", "London", "", "SW1A 2AA", "GB"),
]
MOMENTS = [
    datetime(2026, 11, 20, 10, 5),
    datetime(2026, 11, 20, 10, 5),
    datetime(2026, 11, 21, 9, 0),
    datetime(2026, 11, 22, 18, 30),
    datetime(2026, 8, 1, 12, 0),
    datetime(2025, 11, 2, 12, 0),
]
ODD_MOMENTS = [
    datetime(2026, 11, 21, 9, 0, 30),  # seconds: the call keys decide
    datetime(2026, 11, 21, 14, 0, tzinfo=UTC),  # a zone
]
CONFIGS = [
    Config(),
    dataclasses.replace(
        Config(),
        cadence=dataclasses.replace(Config().cadence, exit_after=1, rest_days=30, thank_you=True),
    ),
    dataclasses.replace(
        Config(),
        cadence=dataclasses.replace(
            Config().cadence,
            exit_after=2,
            rest_days=7,
            outcomes={**Config().cadence.outcomes, "voicemail": "call", "connected": "call"},
        ),
    ),
]


def _calls(
    picks: list[tuple[int, int, int, int]], odd: bool
) -> tuple[list[CallRecord], dict[str, ContactHistory]]:
    """Calls to a few contacts (each with an address of its own), and a history for some."""
    moments = MOMENTS + (ODD_MOMENTS if odd else [])
    records = []
    for row, (contact, outcome, moment, place) in enumerate(picks, start=2):
        records.append(
            call_record(
                f"C{contact}",
                list(Outcome)[outcome % len(Outcome)],
                moments[moment % len(moments)],
                row=row,
                address=ADDRESSES[(contact + place // 3) % len(ADDRESSES)],
            )
        )
    mailed = PastMailing("offer", TODAY - timedelta(days=10))
    history = {
        "C1": ContactHistory("C1", mailings=(mailed,)),
        "C2": ContactHistory("C2", suppressed=True),
        "C3": ContactHistory("C3"),  # known to the ledger, nothing to say
    }
    return records, history


def _alone(
    records: list[CallRecord], history: dict[str, ContactHistory], config: Config
) -> list[Any]:
    """Each contact planned by itself, every call counted by its key: no decision kept from
    another contact, no quick count."""
    steps = []
    for calls in cadence.group_calls(records).values():
        steps += plan_steps(calls, history, config, TODAY)
    return steps


def calls_picked(most: int) -> st.SearchStrategy[list[tuple[int, int, int, int]]]:
    """One to `most` calls, each picked as (contact, outcome, moment, place) indexes."""
    one = st.tuples(st.integers(0, 7), st.integers(0, 10), st.integers(0, 7), st.integers(0, 9))
    return st.lists(one, min_size=1, max_size=most)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=calls_picked(most=30),
    odd=st.booleans(),
    which=st.integers(0, len(CONFIGS) - 1),
    with_history=st.booleans(),
)
def test_contacts_planned_together_get_the_steps_they_get_alone(
    picks: list[tuple[int, int, int, int]], odd: bool, which: int, with_history: bool
) -> None:
    """A plan keeps the rules' decisions by what they read and counts a single call without
    a walk: every contact still gets the step it gets when planned by itself, the full way."""
    records, history = _calls(picks, odd)
    history = history if with_history else {}
    config = CONFIGS[which]
    together = plan_steps(records, history, config, TODAY)
    keyed = count_attempts
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(
            cadence,
            "count_input_attempts",
            lambda deciding, calls, exit_after, rest_days, **_: keyed(
                deciding,
                [cadence._past(r) for r in calls],
                exit_after=exit_after,
                rest_days=rest_days,
            ),
        )
        assert together == _alone(records, history, config)


@settings(max_examples=200, deadline=None)
@given(
    outcome=st.sampled_from(list(Outcome)),
    moment=st.sampled_from(MOMENTS + ODD_MOMENTS),
    exit_after=st.integers(0, 3),
    rest_days=st.sampled_from([1, 30, 90]),
)
def test_a_single_call_is_counted_as_the_walk_counts_it(
    outcome: Outcome, moment: datetime, exit_after: int, rest_days: int
) -> None:
    record = call_record("C1", outcome, moment)
    past = [cadence._past(record)]
    expected = count_attempts(record, past, exit_after=exit_after, rest_days=rest_days)
    got = count_input_attempts(record, [record], exit_after=exit_after, rest_days=rest_days)
    assert got == expected


def test_the_kept_decisions_read_nothing_else_of_the_record() -> None:
    """Two contacts alike in what the decisions are kept by, different in everything else
    (names, notes, rows, times of day): the same decision, each with its own record."""
    first = call_record("C1", Outcome.VOICEMAIL, "2026-11-21 09:00", notes="left a message")
    second = call_record(
        "C2", Outcome.VOICEMAIL, "2026-11-21 16:45", first="Ann", row=3, address=first.address
    )
    one, two = plan_steps([first, second], {}, Config(), TODAY)
    assert (one.action, one.reason, one.template, one.send_date, one.follow_up_call) == (
        two.action, two.reason, two.template, two.send_date, two.follow_up_call,
    )  # fmt: skip
    assert (one.record, two.record) == (first, second)
    assert (one.missed_at, two.missed_at) == ((first.called_at,), (second.called_at,))
    days = PlanDays(Config(), TODAY)
    assert one.send_date == days.send


def test_a_plan_with_birthdays_decides_each_contact_afresh(tmp_path: Path) -> None:
    """Through `mailer plan`: with birthday cards on, two contacts alike but for the
    birthday get different steps (a birthday is read from the record itself)."""
    text = "contact_id,first_name,address_line1,city,state,postal_code,outcome,called_at,birthday\n"
    text += "C1,Mary,12 Elm St,Springfield,IL,62704,connected,2026-11-21 10:05,11/30/1980\n"
    text += "C2,Ann,14 Elm St,Springfield,IL,62704,connected,2026-11-21 10:15,\n"
    log = write_file(tmp_path, "calls.csv", text)
    config = write_file(tmp_path, "mailer.toml", "[cadence]\nbirthday = true\n")
    result = invoke(
        "plan", log, "--dry-run", "--format", "json", "--today", "2026-11-23",
        "--db", tmp_path / "m.db", "--config", config,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    steps = {s["contact_id"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["C1"]["template"] == "birthday"
    assert steps["C2"]["action"] == "skip"


def test_a_log_plans_the_same_without_kept_decisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `mailer plan`: a log of many contacts alike, with misses, answers, opt-outs,
    callbacks, bad addresses and a contact called four times, plans to the same plan.json
    with the kept decisions turned off."""
    outcomes = ["voicemail", "no_answer", "connected", "callback", "not_interested", "busy"]
    rows = []
    for i in range(60):
        street = "" if i % 11 == 0 else f"{10 + i % 4} Elm St"
        outcome = outcomes[i % len(outcomes)] if i % 17 else "opt_out"
        contact = f"C{i % 23}"
        when = f"2026-11-{15 + i % 7} 10:{i:02d}"
        rows.append(f"{contact},Mary,{street},Springfield,IL,62704,{outcome},{when}")
    text = "contact_id,first_name,address_line1,city,state,postal_code,outcome,called_at\n"
    log = write_file(tmp_path, "calls.csv", text + "\n".join(rows) + "\n")

    def plan() -> str:
        result = invoke(
            "plan", log, "--dry-run", "--format", "json", "--today", "2026-11-23",
            "--db", tmp_path / "m.db",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return result.stdout

    quick = plan()
    made = cadence._Contacts.__init__

    def forgetful(self: Any, *args: Any) -> None:
        made(self, *args)
        self._decisions = None  # every contact decided by the rules themselves

    monkeypatch.setattr(cadence._Contacts, "__init__", forgetful)
    assert plan() == quick
    steps = json.loads(quick)["steps"]
    assert {s["action"] for s in steps} == {"mail", "call", "skip", "suppress"}


@settings(max_examples=100, deadline=None)
@given(
    picks=calls_picked(most=20),
    odd=st.booleans(),
    which=st.integers(0, len(CONFIGS) - 1),
    order=st.randoms(use_true_random=False),
)
def test_the_records_given_as_read_plan_as_the_records_gathered_from_the_groups(
    picks: list[tuple[int, int, int, int]], odd: bool, which: int, order: Any
) -> None:
    """The planner gives the cadence the log's records as read, in any order, beside their
    groups (`plan_contacts(records=...)`): the steps are those of the groups alone."""
    records, history = _calls(picks, odd)
    grouped = cadence.group_calls(records)
    shuffled = list(records)
    order.shuffle(shuffled)
    expected = cadence.plan_contacts(grouped, history, CONFIGS[which], TODAY)
    assert cadence.plan_contacts(grouped, history, CONFIGS[which], TODAY, records=shuffled) == (
        expected
    )
