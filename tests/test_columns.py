"""`mailer columns FILE`: each header's field, each outcome word with its count and meaning,
sample dates, the preset, and a snippet for what could not be mapped; within 80 columns."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mailer.domain.models import Outcome
from mailer.reading.column_report import analyze_columns
from mailer.reading.sources import SourceMapping
from tests.builders import invoke, write_file

EXPORTS = Path(__file__).parent / "data" / "exports"
MINE = (
    "Owner,Mobile #,Result Code,Disposition,When,Notes\n"
    "Jo,217-555-0101,LVM,Left voicemail,2026-11-21 10:05,\n"
    "Jo,217-555-0102,Hung up,No answer,2026-11-21 10:10,\n"
    "Jo,217-555-0103,LVM,,11/21/2026,\n"
)


def test_a_preset_file_is_fully_understood() -> None:
    report = analyze_columns(EXPORTS / "five9_call_log.csv")
    assert report.preset is not None
    assert report.preset.key == "five9"
    assert report.rows == 6
    fields = {c.header: c.field for c in report.columns}
    assert fields["DISPOSITION"] == "outcome"
    assert fields["DATE"] == fields["TIME"] == "called_at"
    assert fields["CALL ID"] == "call id"
    assert fields["ANI"] == "ignored"
    assert {w.word: (w.count, w.outcome) for w in report.outcomes}["Sale"] == (1, Outcome.ORDERED)
    assert [d.text for d in report.dates][:1] == ["2026/11/21 09:00:14"]
    assert all(d.read_as is not None for d in report.dates)
    assert report.snippet == ""


def test_unknown_words_and_unused_headers_get_a_snippet(tmp_path: Path) -> None:
    report = analyze_columns(write_file(tmp_path, "mine.csv", MINE))
    assert report.preset is None
    fields = {c.header: c.field for c in report.columns}
    assert fields["Disposition"] == "outcome"
    assert fields["Mobile #"] == "unused"
    counts = {w.word: (w.count, w.outcome) for w in report.outcomes}
    assert counts["Left voicemail"] == (1, Outcome.VOICEMAIL)
    assert "LVM" not in counts  # "Result Code" is no outcome column until it is mapped
    assert 'called_at = "?"' in report.snippet
    assert '"Mobile #"' in report.snippet


def test_the_snippet_parses_as_toml_and_maps_with_the_config(tmp_path: Path) -> None:
    mapping = SourceMapping(columns={"outcome": "Result Code", "called_at": "When"})
    report = analyze_columns(write_file(tmp_path, "mine.csv", MINE), mapping=mapping)
    counts = {w.word: (w.count, w.outcome) for w in report.outcomes}
    assert counts["LVM"] == (2, None)
    assert counts["Hung up"] == (1, None)
    snippet = tomllib.loads(report.snippet)
    assert snippet["outcomes"] == {"LVM": "?", "Hung up": "?"}


def test_the_command_fits_80_columns(tmp_path: Path) -> None:
    result = invoke("columns", EXPORTS / "hubspot_calls.csv", "--config", tmp_path / "none.toml")
    assert result.exit_code != 0  # a config that is not there is an error, not the demo
    result = invoke("columns", EXPORTS / "hubspot_calls.csv")
    assert result.exit_code == 0, result.output
    assert "HubSpot calls export (detected from the header)" in result.output
    assert "Left voicemail" in result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_the_command_takes_a_source_and_refuses_an_unknown_one() -> None:
    result = invoke("columns", EXPORTS / "vicidial_call_log.txt", "--source", "vicidial")
    assert result.exit_code == 0, result.output
    assert "as asked (--source)" in result.output
    result = invoke("columns", EXPORTS / "vicidial_call_log.txt", "--source", "nope")
    assert result.exit_code == 2
    assert "hubspot" in result.output


def test_the_dates_name_the_zone_they_are_read_in(tmp_path: Path) -> None:
    config = write_file(tmp_path, "mailer.toml", '[calls]\ntimezone = "America/Los_Angeles"\n')
    result = invoke("columns", EXPORTS / "zoho_calls.csv", "--config", config)
    assert result.exit_code == 0, result.stderr
    assert "times are in America/Los_Angeles ([calls] timezone)" in result.stdout
    result = invoke("columns", EXPORTS / "zoho_calls.csv")
    assert "times are in this computer's zone ([calls] timezone)" in result.stdout


def test_an_id_that_names_calls_is_reported_as_plan_reads_it(tmp_path: Path) -> None:
    calls = write_file(
        tmp_path,
        "close.csv",
        "id,name,phone,outcome,date\n"
        "7001,Amy Lee,217-555-0101,voicemail,2026-11-20\n"
        "7002,Amy Lee,217-555-0101,no answer,2026-11-21\n"
        "7003,Ben Ode,217-555-0102,voicemail,2026-11-21\n",
    )
    report = analyze_columns(calls)
    uses = {c.header: c.field for c in report.columns}
    assert uses["id"] == "call id"
    assert any("'id' names calls, not people" in n.message for n in report.notices)
