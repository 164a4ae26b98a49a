"""From call logs to a recorded plan (`mailer.planning.planner`): real files on disk, a real
ledger, and the history, suppression and kept cards that join the two."""

from __future__ import annotations

import dataclasses
import gc
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailer.config import Cadence, Config, Offer
from mailer.domain.models import Action, Address, CallPurpose, Outcome
from mailer.errors import ConfigError
from mailer.ledger import Ledger, RecordResult
from mailer.planning.cadence import plan_steps
from mailer.planning.planner import deciding_calls, make_plan
from mailer.project import DEMO
from tests.builders import call_record, write_file

CONFIG = Config()
HEADER = (
    "contact_id,first_name,last_name,phone,address_line1,city,state,postal_code,"
    "outcome,called_at,notes\n"
)
SESSION = HEADER + (
    "C001,Mary,Albright,217-555-0101,12 elm street apt 4,springfield,il,62704,voicemail,"
    "2026-11-21 10:05,\n"
    "C002,Zoë,Nguyễn,217-555-0102,14 Elm St,Springfield,IL,62704,callback,2026-11-21 10:10,"
    "call back Tuesday\n"
    "C003,Ann,Lee,217-555-0103,16 Elm St,Springfield,IL,62704,talked,2026-11-21 10:15,\n"
    "C004,Ben,Ode,217-555-0104,18 Elm St,Springfield,IL,62704,dnc,2026-11-21 10:20,\n"
    "C005,Cy,Dee,217-555-0105,20 Elm St,Springfield,IL,62704,maybe,2026-11-21 10:25,\n"
    "C001,Mary,Albright,217-555-0101,12 elm street apt 4,springfield,il,62704,no answer,"
    "2026-11-20 09:00,\n"
)
SUNDAY = date(2026, 11, 22)


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return write_file(tmp_path, "calls.csv", SESSION)


def test_a_call_log_becomes_a_recorded_plan(session: Path, ledger: Ledger) -> None:
    outcome = make_plan([session], CONFIG, ledger, SUNDAY)
    plan = outcome.plan
    assert plan.today == SUNDAY
    assert [(s.contact_id, s.action, s.template) for s in plan.steps] == [
        ("C001", Action.MAIL, "offer"),
        ("C002", Action.CALL, None),
        ("C003", Action.SKIP, None),
        ("C004", Action.SUPPRESS, None),
    ]
    mary, zoe, ann, ben = plan.steps
    # Mary's latest call decides; her earlier no-answer (row 7) is history.
    assert (mary.record.row, mary.record.outcome, mary.history_rows) == (2, Outcome.VOICEMAIL, (7,))
    assert mary.reason == "voicemail: mail a time-sensitive note (2nd attempt)"
    assert (mary.attempt, mary.purpose) == (2, CallPurpose.FOLLOW_UP)
    assert (mary.send_date, mary.follow_up_call) == (date(2026, 11, 23), date(2026, 11, 30))
    assert zoe.reason == "asked for a call back Tuesday (from the notes)"
    assert zoe.follow_up_call == date(2026, 11, 24)
    assert ann.reason == "spoke with them: no card needed (enable thank-you cards in [cadence])"
    assert ben.reason == "asked not to be contacted: added to the suppression list"
    assert plan.rows == 6
    assert [(r.row, r.values["contact_id"]) for r in plan.rejections] == [(6, "C005")]
    assert plan.rejections[0].error.startswith("unknown outcome 'maybe'")
    assert plan.files == (str(session),)
    assert plan.columns[str(session)] == tuple(HEADER.strip().split(","))
    assert outcome.recorded == RecordResult(new_calls=5, new_steps=4, new_suppressions=1)
    assert [s.step_key for s in ledger.steps()] == [s.step_key for s in plan.steps]
    assert ledger.is_suppressed("C004")


def test_only_mail_steps_get_the_address_cards_and_providers_use(
    session: Path, ledger: Ledger
) -> None:
    mary, zoe, *_ = make_plan([session], CONFIG, ledger, SUNDAY).plan.steps
    assert mary.record.address == Address("12 elm street apt 4", "", "springfield", "il", "62704")
    assert mary.record.mail_address == Address("12 ELM ST", "APT 4", "SPRINGFIELD", "IL", "62704")
    assert mary.record.mail_lines == ("12 ELM ST APT 4", "SPRINGFIELD IL 62704")
    assert (zoe.record.mail_address, zoe.record.mail_lines) == (None, ())


def test_planning_the_same_log_again_gives_the_same_plan_and_records_nothing(
    session: Path, ledger: Ledger
) -> None:
    first = make_plan([session], CONFIG, ledger, SUNDAY)
    again = make_plan([session], CONFIG, ledger, SUNDAY)
    assert again.plan == first.plan
    assert again.recorded == RecordResult()


def test_a_dry_run_records_nothing_and_plans_the_same(session: Path, ledger: Ledger) -> None:
    dry = make_plan([session], CONFIG, ledger, SUNDAY, record=False)
    assert dry.recorded is None
    assert ledger.steps() == []
    assert not ledger.is_suppressed("C004")
    assert make_plan([session], CONFIG, ledger, SUNDAY).plan == dry.plan


def test_the_ledgers_history_shapes_a_later_plan(tmp_path: Path, ledger: Ledger) -> None:
    make_plan([write_file(tmp_path, "day1.csv", SESSION)], CONFIG, ledger, SUNDAY)
    later = write_file(
        tmp_path,
        "day2.csv",
        HEADER + "C001,Mary,Albright,217-555-0101,12 Elm St,Springfield,IL,62704,no answer,"
        "2026-11-27 10:05,\n"
        + "C004,Ben,Ode,217-555-0104,18 Elm St,Springfield,IL,62704,voicemail,2026-11-27 10:20,\n",
    )
    mary, ben = make_plan([later], CONFIG, ledger, date(2026, 11, 28)).plan.steps
    # Her third unanswered call (Nov 20, Nov 21, then this one): the next is the last try,
    # once the card's cooldown is over, instead of another offer (README, "Attempts").
    assert (mary.action, mary.attempt, mary.purpose) == (Action.CALL, 3, CallPurpose.LAST_TRY)
    assert mary.follow_up_call == date(2026, 12, 23)
    assert mary.reason == (
        "no answer, 3 unanswered calls: last try Wed Dec 23 (the message with an easy way "
        "out), then they rest 90 days (3rd attempt)"
    )
    assert ben.action is Action.SKIP
    assert ben.reason == (
        "on the suppression list since an earlier opt-out; `mailer unsuppress C004` to undo"
    )


def test_an_opt_out_holds_under_another_id_with_the_same_phone(
    tmp_path: Path, ledger: Ledger
) -> None:
    # The dialer's export has no ids: Amy is known by her phone. The CRM's has her id.
    dialer = write_file(
        tmp_path,
        "dialer.csv",
        HEADER + ",Amy,Carter,217-555-0150,22 Elm St,Springfield,IL,62704,do not call,"
        "2026-11-21 10:30,\n",
    )
    (opted,) = make_plan([dialer], CONFIG, ledger, SUNDAY).plan.steps
    assert (opted.contact_id, opted.action) == ("p-2175550150", Action.SUPPRESS)
    crm = write_file(
        tmp_path,
        "crm.csv",
        HEADER + "C042,Amy,Carter,(217) 555-0150,22 Elm St,Springfield,IL,62704,voicemail,"
        "2026-11-27 10:30,\n"
        + "C043,Dan,Carter,217-555-0160,22 Elm St,Springfield,IL,62704,voicemail,"
        "2026-11-27 10:35,\n",
    )
    amy, dan = make_plan([crm], CONFIG, ledger, date(2026, 11, 28)).plan.steps
    assert amy.contact_id == "C042"
    assert amy.action is Action.SKIP
    assert amy.reason.startswith("on the suppression list since an earlier opt-out")
    assert (dan.contact_id, dan.action) == ("C043", Action.MAIL)


def test_a_card_already_made_is_kept_when_the_settings_change(
    session: Path, ledger: Ledger
) -> None:
    mary = make_plan([session], CONFIG, ledger, SUNDAY).plan.steps[0]
    piece = ledger.ensure_piece(mary, "self", "4x6")
    ledger.record_render(piece.id, "cards/C001-offer.pdf", "ab" * 32)

    thanks = dataclasses.replace(CONFIG, cadence=Cadence(outcomes={"voicemail": "thank-you"}))
    outcome = make_plan([session], thanks, ledger, SUNDAY)
    kept = outcome.plan.steps[0]
    assert outcome.recorded is not None
    assert outcome.recorded.held_steps == (
        dataclasses.replace(mary, template="thank-you").step_key,
    )
    assert (kept.step_key, kept.template) == (mary.step_key, "offer")
    assert kept.reason == f"{mary.reason} (kept: its card was already made)"
    assert (kept.send_date, kept.offer_expires) == (mary.send_date, mary.offer_expires)
    assert [s.step_key for s in ledger.steps(Action.MAIL)] == [mary.step_key]


def test_an_infeasible_config_is_refused_before_any_file_is_read(
    tmp_path: Path, ledger: Ledger
) -> None:
    short = dataclasses.replace(CONFIG, offer=Offer(offer_days=3))
    with pytest.raises(ConfigError, match=r"offer\.offer_days"):
        make_plan([tmp_path / "not-there.csv"], short, ledger, SUNDAY)
    assert ledger.steps() == []


def test_the_delimiter_and_the_date_order_reach_the_reader(tmp_path: Path, ledger: Ledger) -> None:
    log = write_file(
        tmp_path,
        "export.txt",
        "contact_id;name;address;city;state;zip;result;date;notes\n"
        "C9;Albright, Mary;1 Main St;Springfield;IL;62704;callback;21/11/2026 10:05;"
        "call back 1/12\n"
        "C8;Lee, Ann;2 Main St;Springfield;IL;62704;voicemail;20/11/2026;\n",
    )
    mary, ann = make_plan([log], CONFIG, ledger, SUNDAY, delimiter=";", date_order="dmy").plan.steps
    assert (mary.record.first_name, mary.record.last_name) == ("Mary", "Albright")
    assert mary.record.called_at == datetime(2026, 11, 21, 10, 5)
    assert mary.record.day_first
    assert (mary.action, mary.follow_up_call) == (Action.CALL, date(2026, 12, 1))
    assert mary.reason == "asked for a call back on 1/12 (from the notes)"
    assert (ann.record.called_at, ann.action) == (datetime(2026, 11, 20), Action.MAIL)


def test_several_files_are_one_plan(tmp_path: Path, ledger: Ledger) -> None:
    first = write_file(tmp_path, "a.csv", SESSION)
    second = write_file(
        tmp_path,
        "b.csv",
        "id,outcome,called_at,address,city,state,zip\n"
        "C006,busy,2026-11-21 11:00,24 Elm St,Springfield,IL,62704\n",
    )
    plan = make_plan([first, second], CONFIG, ledger, SUNDAY).plan
    assert plan.files == (str(first), str(second))
    assert set(plan.columns) == {str(first), str(second)}
    assert plan.rows == 7
    assert [s.contact_id for s in plan.steps][-1] == "C006"
    assert plan.steps[-1].record.file == str(second)


# --- deciding_calls -------------------------------------------------------------------------


def test_each_contacts_latest_call_decides() -> None:
    early = call_record("C001", Outcome.NO_ANSWER, "2026-11-20 09:00", row=2)
    late = call_record("C001", Outcome.VOICEMAIL, "2026-11-21 10:05", row=3)
    other = call_record("C002", Outcome.BUSY, "2026-11-19 08:00", row=4)
    assert deciding_calls([late, early, other]) == {late.call_key, other.call_key}


def test_a_tie_goes_to_the_later_row() -> None:
    first = call_record("C001", Outcome.NO_ANSWER, row=2)
    second = call_record("C001", Outcome.VOICEMAIL, row=3)
    assert deciding_calls([first, second]) == {second.call_key}
    assert deciding_calls([second, first]) == {first.call_key}


def test_times_with_and_without_a_zone_compare_as_written() -> None:
    aware = call_record("C001", Outcome.NO_ANSWER, datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    naive = call_record("C001", Outcome.VOICEMAIL, datetime(2026, 11, 21, 10, 0))
    assert deciding_calls([naive, aware]) == {naive.call_key}
    assert deciding_calls([]) == set()


# --- the work a plan skips or shares --------------------------------------------------------


def test_history_is_asked_for_once_anything_is_recorded(session: Path, ledger: Ledger) -> None:
    assert not ledger.has_history()
    make_plan([session], CONFIG, ledger, SUNDAY, record=False)
    assert not ledger.has_history()  # a dry run records nothing
    first = make_plan([session], CONFIG, ledger, SUNDAY).plan
    assert ledger.has_history()
    # Planned again, the same input gives the same plan: its own calls are not history.
    assert make_plan([session], CONFIG, ledger, SUNDAY).plan.steps == first.steps


@pytest.mark.parametrize("running", [True, False])
def test_the_collector_is_left_as_it_was(session: Path, ledger: Ledger, running: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if running else gc.disable)()
        make_plan([session], CONFIG, ledger, SUNDAY, record=False)
        assert gc.isenabled() is running
        assert gc.get_freeze_count() == 0  # nothing left out of the collector's reach
    finally:
        (gc.enable if was else gc.disable)()


def test_the_deciding_call_is_the_cadence_s_across_a_clock_change() -> None:
    # 01:30 at -05:00 comes before 01:10 at -06:00 (the hour repeated in November): the
    # history question and the cadence must agree on which call decides.
    before = call_record(
        called_at=datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-5))), row=2
    )
    after = call_record(
        outcome=Outcome.NO_ANSWER,
        called_at=datetime(2026, 11, 1, 1, 10, tzinfo=timezone(timedelta(hours=-6))),
        row=3,
    )
    (step,) = plan_steps([before, after], {}, DEMO, date(2026, 11, 2))
    assert step.record.row == 3
    assert deciding_calls([before, after]) == {after.call_key}
