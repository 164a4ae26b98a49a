"""Sources: the presets as data, the seller's own mapping, the outcome columns ranked, the
columns that name calls, contact ids in any case, and the new outcomes (README, "Where your
calls come from")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.config import Config, from_mapping
from mailer.domain.identity import id_key, identity_aliases
from mailer.domain.models import Action, CallLog, ContactHistory, Outcome, PastMailing
from mailer.errors import ConfigError, UsageError
from mailer.ledger import Ledger
from mailer.planning.cadence import plan_steps
from mailer.planning.planner import make_plan
from mailer.reading.fields import OUTCOME_ALIASES, outcome_key, parse_outcome
from mailer.reading.misreads import decide_outcome, ids_name_calls
from mailer.reading.records import read_call_logs
from mailer.reading.sources import (
    OutcomeWords,
    SourceMapping,
    detect_preset,
    load_presets,
    map_header,
    mapping_for,
    preset_named,
)
from tests.builders import call_record, write_file

TODAY = date(2026, 11, 23)
ADDRESS = "12 Elm St,Springfield,IL,62704"


def read(path: Path, mapping: SourceMapping | None = None) -> CallLog:
    return read_call_logs([path], TODAY, mapping=mapping)


# -- presets as data ---------------------------------------------------------------------------


def test_every_preset_loads_with_known_fields_and_outcomes() -> None:
    presets = load_presets()
    assert {
        "hubspot",
        "salesforce",
        "zoho",
        "pipedrive",
        "close",
        "aircall",
        "ringcentral",
        "five9",
        "kixie",
        "vicidial",
        "google-voice",
        "party-plan",
    } <= set(presets)
    for preset in presets.values():
        assert preset.title
        assert preset.detect
        assert any(f == "outcome" for _, f in preset.columns), preset.key


def test_no_outcome_word_means_two_things() -> None:
    keys: dict[str, Outcome] = {}
    for alias, outcome in OUTCOME_ALIASES.items():
        assert keys.setdefault(outcome_key(alias), outcome) is outcome, alias


def test_hubspot_disposition_ids_and_words() -> None:
    hubspot = OutcomeWords(load_presets()["hubspot"])
    assert hubspot.read("f240bbac-87c9-4f6e-bf70-924b57d47db7") is Outcome.CONNECTED
    assert hubspot.read("b2cf5968-551e-4856-9783-52b3da59a7d0") is Outcome.VOICEMAIL
    assert hubspot.read("Left live message") is Outcome.VOICEMAIL
    vicidial = OutcomeWords(load_presets()["vicidial"])
    assert [vicidial.read(w) for w in ("A", "NA", "B", "DC", "CALLBK", "DNC", "NI", "SALE")] == [
        Outcome.VOICEMAIL,
        Outcome.NO_ANSWER,
        Outcome.BUSY,
        Outcome.WRONG_NUMBER,
        Outcome.CALLBACK,
        Outcome.OPT_OUT,
        Outcome.NOT_INTERESTED,
        Outcome.ORDERED,
    ]
    assert OutcomeWords().read("A") is None  # a bare letter means nothing without VICIdial


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("Gatekeeper", Outcome.NO_ANSWER),
        ("VM full", Outcome.NO_ANSWER),
        ("Mailbox full", Outcome.NO_ANSWER),
        ("take me off your list", Outcome.OPT_OUT),
        ("Do Not Call", Outcome.OPT_OUT),
        ("DNC", Outcome.OPT_OUT),
        ("remove me", Outcome.OPT_OUT),
        ("Not Interested", Outcome.NOT_INTERESTED),
        ("Meeting Booked", Outcome.APPOINTMENT),
        ("Texted", Outcome.TEXTED),
        ("Sale", Outcome.ORDERED),
        ("vm-left", Outcome.VOICEMAIL),
        ("Answering Machine", Outcome.VOICEMAIL),
        ("No response/Busy", Outcome.NO_ANSWER),
    ],
)
def test_built_in_words(word: str, outcome: Outcome) -> None:
    assert parse_outcome(word) is outcome


def test_detection_picks_the_tool_and_needs_its_own_header() -> None:
    assert detect_preset(["Record ID", "Call outcome", "Activity date"]) is None
    hubspot = detect_preset(["Record ID", "Call outcome", "Activity date", "Associated Contact"])
    assert hubspot is not None
    assert hubspot.key == "hubspot"
    assert detect_preset(["contact_id", "phone", "outcome", "called_at"]) is None


def test_unknown_source_lists_the_names() -> None:
    with pytest.raises(UsageError) as caught:
        preset_named("hubspott")
    assert "hubspot" in str(caught.value.hint)
    assert "vicidial" in str(caught.value.hint)


def test_forced_source_reads_a_header_detection_would_not(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "leads.csv",
        "lead_id,phone_number,status,call_date\n1001,217-555-0101,NI,2026-11-21 09:00\n",
    )
    log = read(calls, SourceMapping(source="vicidial"))
    (record,) = log.records
    assert (record.contact_id, record.outcome) == ("1001", Outcome.NOT_INTERESTED)
    assert any("VICIdial call log (as asked" in n.message for n in log.notices)


def test_footers_are_not_rows(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "report.csv",
        "Contact,Phone,Call Result,Date\nAmy Lee,217-555-0101,Left Message,11/21/2026\n\n"
        '"Grand Totals (1 records)"\n\n"Confidential Information - Do Not Distribute"\n'
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n',
    )
    log = read(calls)
    assert (log.rows, len(log.records), log.rejections) == (1, 1, ())


# -- your own mapping --------------------------------------------------------------------------


def test_config_mapping_wins_over_preset_and_aliases(tmp_path: Path) -> None:
    config = from_mapping(
        {
            "columns": {"outcome": "Result Code", "phone": "Mobile #", "ignore": ["Owner"]},
            "outcomes": {"LVM": "voicemail", "Hung up": "no_answer", "default": "no_answer"},
        }
    )
    calls = write_file(
        tmp_path,
        "mine.csv",
        "Owner,Mobile #,Result Code,Status,Date\n"
        "Jo,217-555-0101,LVM,Connected,2026-11-21\n"
        "Jo,217-555-0102,Hung up,,2026-11-21\n"
        "Jo,217-555-0103,Smoke signal,,2026-11-21\n",
    )
    log = read(calls, mapping_for(config))
    assert [r.outcome for r in log.records] == [
        Outcome.VOICEMAIL,
        Outcome.NO_ANSWER,
        Outcome.NO_ANSWER,
    ]
    assert any("'Status' says 'Connected'" in n.message and n.row == 2 for n in log.notices)
    assert any("[outcomes] default" in n.message and n.row == 4 for n in log.notices)
    assert all("Owner" not in n.message for n in log.notices)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"columns": {"phone_number": "Mobile"}}, "columns.phone_number"),
        ({"columns": {"phone": ""}}, "columns.phone"),
        ({"columns": {"ignore": "Owner"}}, "columns.ignore"),
        ({"outcomes": {"LVM": "left a voicemail"}}, 'outcomes."LVM"'),
        ({"outcomes": {"default": "maybe"}}, "outcomes.default"),
    ],
)
def test_mapping_errors_name_the_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping(data)
    assert f"'{key}'" in str(caught.value)
    assert caught.value.hint


def test_default_reject_is_todays_behaviour() -> None:
    config = from_mapping({"outcomes": {"default": "reject"}})
    assert mapping_for(config).default is None
    assert mapping_for(Config()).default is None
    assert mapping_for(from_mapping({"outcomes": {"default": "busy"}})).default is Outcome.BUSY


# -- no silent misreads --------------------------------------------------------------------------


def test_disposition_beats_status_and_do_not_call_wins_anywhere(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "both.csv",
        "Status,Disposition,Phone,Date\n"
        "Connected,Left Voicemail,217-555-0101,2026-11-21\n"
        "Do Not Call,Connected,217-555-0102,2026-11-21\n",
    )
    log = read(calls)
    assert [r.outcome for r in log.records] == [Outcome.VOICEMAIL, Outcome.OPT_OUT]
    assert {n.row for n in log.notices if "says" in n.message} == {2, 3}


def test_decide_outcome_falls_to_the_next_column_only_when_empty() -> None:
    words = OutcomeWords()
    assert decide_outcome([("Disposition", ""), ("Status", "busy")], words).outcome is Outcome.BUSY
    unknown = decide_outcome([("Disposition", ""), ("Status", "Completed")], words)
    assert unknown.outcome is None
    assert "no value in 'Disposition'" in unknown.problem


def test_an_id_for_several_phones_names_calls(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "close.csv",
        "id,name,phone,outcome,date\n"
        "7001,Amy Lee,217-555-0101,voicemail,2026-11-20\n"
        "7002,Amy Lee,217-555-0101,no answer,2026-11-21\n"
        "7003,Ben Ode,217-555-0102,voicemail,2026-11-21\n",
    )
    log = read(calls)
    assert len({r.contact_id for r in log.records}) == 2
    assert any("'id' names calls, not people" in n.message for n in log.notices)
    # Said once: not again as a header note about call-id columns.
    assert not any("names calls, not contacts" in n.message for n in log.notices)


def test_an_id_that_names_people_is_kept(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "crm.csv",
        "id,phone,outcome,date\nC1,217-555-0101,voicemail,2026-11-20\n"
        "C1,217-555-0101,no answer,2026-11-21\n",
    )
    assert {r.contact_id for r in read(calls).records} == {"C1"}


def test_ids_name_calls_rule() -> None:
    assert ids_name_calls([("1", "2175550101"), ("2", "2175550101")]) is not None
    assert ids_name_calls([("1", "2175550101"), ("1", "2175550102")]) is not None
    assert ids_name_calls([("1", "2175550101"), ("1", "217-555-0101")]) is None
    assert ids_name_calls([("1", ""), ("2", "")]) is None


def test_call_id_headers_are_never_the_contact_id() -> None:
    mapped = map_header(["Call ID", "Phone", "Outcome"], None)
    assert "contact_id" not in mapped.fields
    assert mapped.call_ids == {0}


# -- contact ids in any case ---------------------------------------------------------------------


def test_id_case_is_one_contact_in_a_file_and_across_runs(tmp_path: Path, ledger: Ledger) -> None:
    first = write_file(
        tmp_path,
        "one.csv",
        f"contact_id,address,city,state,zip,outcome,date\nC004,{ADDRESS},dnc,2026-11-20\n"
        f"c004,{ADDRESS},voicemail,2026-11-21\n",
    )
    (step,) = make_plan([first], Config(), ledger, TODAY).plan.steps
    assert (step.contact_id, step.action) == ("C004", Action.SUPPRESS)
    later = write_file(
        tmp_path,
        "two.csv",
        f"contact_id,address,city,state,zip,outcome,date\n c004 ,{ADDRESS},voicemail,2026-11-22\n",
    )
    (again,) = make_plan([later], Config(), ledger, TODAY).plan.steps
    assert again.action is Action.SKIP
    assert "suppression list" in again.reason


def test_lower_case_opt_out_holds_for_upper_case(tmp_path: Path, ledger: Ledger) -> None:
    head = "contact_id,address,city,state,zip,outcome,date\n"
    make_plan(
        [write_file(tmp_path, "a.csv", f"{head}c004,{ADDRESS},DNC,2026-11-20\n")],
        Config(),
        ledger,
        TODAY,
    )
    (step,) = make_plan(
        [write_file(tmp_path, "b.csv", f"{head}C004,{ADDRESS},voicemail,2026-11-21\n")],
        Config(),
        ledger,
        TODAY,
    ).plan.steps
    assert step.action is Action.SKIP


def test_id_key_and_aliases() -> None:
    assert id_key(" C 004 ") == id_key("c 004") == "c 004"
    assert "c004" in identity_aliases("C004", "", "")
    assert identity_aliases("c004", "", "") == set()


# -- the new outcomes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "action", "reason"),
    [
        (Outcome.NOT_INTERESTED, Action.SKIP, "not interested"),
        (Outcome.TEXTED, Action.SKIP, "texted them"),
        (Outcome.APPOINTMENT, Action.SKIP, "meeting booked"),
        (Outcome.ORDERED, Action.MAIL, "ordered: mail a thank-you card"),
    ],
)
def test_new_outcomes(outcome: Outcome, action: Action, reason: str) -> None:
    (step,) = plan_steps([call_record(outcome=outcome)], {}, Config(), TODAY)
    assert step.action is action
    assert step.reason.startswith(reason)
    assert step.follow_up_call is None
    if action is Action.MAIL:
        assert step.template == "thank-you"
        assert step.offer_expires is None


def test_an_order_gets_its_thank_you_inside_the_cooldown() -> None:
    mailed = ContactHistory("C001", mailings=(PastMailing("offer", date(2026, 11, 16)),))
    (ordered,) = plan_steps(
        [call_record(outcome=Outcome.ORDERED)], {"C001": mailed}, Config(), TODAY
    )
    assert ordered.action is Action.MAIL
    assert ordered.template == "thank-you"
    (voicemail,) = plan_steps([call_record()], {"C001": mailed}, Config(), TODAY)
    assert voicemail.action is Action.SKIP


# -- properties ----------------------------------------------------------------------------------

OPT_OUT_WORDS = ["Do Not Call", "DNC", "take me off your list", "remove me", "opt-out"]
OTHER_WORDS = ["Connected", "Left Voicemail", "No answer", "Busy", "Completed", "", "Sale"]
HEADERS = ["Disposition", "Call Result", "Outcome", "Status"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.sampled_from(OTHER_WORDS), min_size=4, max_size=4),
            st.one_of(st.none(), st.tuples(st.integers(0, 3), st.sampled_from(OPT_OUT_WORDS))),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_an_opt_out_in_any_outcome_column_is_never_mail(
    tmp_path: Path, rows: list[tuple[list[str], tuple[int, str] | None]]
) -> None:
    lines = [",".join(HEADERS) + ",Phone,Address,City,State,Zip,Date"]
    opted: set[int] = set()
    for n, (words, opt_out) in enumerate(rows):
        cells = list(words)
        if opt_out is not None:
            cells[opt_out[0]] = opt_out[1]
            opted.add(n + 2)
        lines.append(",".join(cells) + f",217-555-{100 + n:04d},{ADDRESS},2026-11-21")
    calls = write_file(tmp_path, "calls.csv", "\n".join(lines) + "\n")
    log = read(calls)
    records = {r.row: r for r in log.records}
    for row in opted:
        assert records[row].outcome is Outcome.OPT_OUT
    steps = plan_steps(log.records, {}, Config(), TODAY)
    assert all(s.action is not Action.MAIL for s in steps if s.record.row in opted)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spellings=st.lists(st.sampled_from(["C004", "c004", " C004", "C004 "]), min_size=2, max_size=5)
)
def test_one_id_in_any_case_is_one_contact(tmp_path: Path, spellings: list[str]) -> None:
    body = "".join(f"{s},voicemail,2026-11-{10 + i}\n" for i, s in enumerate(spellings))
    log = read(write_file(tmp_path, "ids.csv", "contact_id,outcome,date\n" + body))
    assert len({r.contact_id for r in log.records}) == 1
    assert len(plan_steps(log.records, {}, Config(), TODAY)) == 1
