"""Reading call logs: real messy files written byte by byte, the way spreadsheets and dialers
export them, and the invariant that every data row is a record or a rejection."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.domain.addresses import mailability_problem
from mailer.domain.models import CallLog, Outcome
from mailer.errors import InputError, UsageError
from mailer.reading.records import read_call_logs
from tests.builders import SHARED_CALLS, write_file

TODAY = date(2026, 11, 22)
EXPECTED = (
    "voicemail, no_answer, busy, connected, callback, wrong_number, opt_out, "
    "not_interested, ordered, texted, appointment"
)


def read(path: Path, **options: object) -> CallLog:
    log = read_call_logs([path], TODAY, **options)  # type: ignore[arg-type]
    assert_accounted(log)
    return log


def assert_accounted(log: CallLog) -> None:
    assert len(log.records) + len(log.rejections) == log.rows
    keys = [(r.file, r.row) for r in log.records] + [(r.file, r.row) for r in log.rejections]
    assert len(set(keys)) == len(keys)


def rows_of(log: CallLog) -> list[int]:
    return sorted([r.row for r in log.records] + [r.row for r in log.rejections])


def messages(log: CallLog) -> str:
    return "\n".join(str(n) for n in log.notices)


# --- the sample and real exports ----------------------------------------------------------


def test_sample_session_reads_fully() -> None:
    if not SHARED_CALLS.exists():
        pytest.skip("shared example call log not present")
    log = read(SHARED_CALLS)
    assert log.rows == 17
    assert log.rejections == ()
    assert len({r.contact_id for r in log.records}) == 16
    assert rows_of(log) == list(range(2, 19))
    jose = next(r for r in log.records if r.contact_id == "C009")
    assert (jose.first_name, jose.last_name) == ("José", "Núñez")
    assert jose.birthday == date(1990, 12, 1)
    assert jose.called_at == datetime(2026, 11, 21, 11, 10)
    toronto = next(r for r in log.records if r.contact_id == "C016")
    assert (toronto.address.country, toronto.address.postal_code) == ("CA", "M5H 1J9")
    assert log.columns[str(SHARED_CALLS)][0] == "contact_id"


def test_excel_export_with_bom_crlf_and_aliases(tmp_path: Path) -> None:
    data = (
        b"\xef\xbb\xbfCustomer ID,First Name,Last Name,Phone Number,E-mail,Street Address,"
        b"Apt/Suite,Town,ST,Zip Code,Call Result,Call Date,Comments,,\r\n"
        b"C1,Mary,Albright,(217) 555-0142,mary@example.com,1418 Oak Ridge Dr,,Boston,MA,2134,"
        b'Left VM,11/21/26 3:15 PM,"Loves candles, the cinnamon ones",,\r\n'
        b"C2,Denise,Okafor,217-555-0199,,77 Maple Ave,Apt 3B,Springfield,IL,62702-1234,"
        b"didn't answer,11/21/2026 15:20,,,\r\n"
    )
    log = read(write_file(tmp_path, "export.csv", data))
    assert log.rows == 2
    assert log.rejections == ()
    mary, denise = log.records
    assert mary.contact_id == "C1"
    assert mary.outcome is Outcome.VOICEMAIL
    assert mary.called_at == datetime(2026, 11, 21, 15, 15)
    assert mary.address.postal_code == "02134"
    assert mary.address.city == "Boston"
    assert mary.notes == "Loves candles, the cinnamon ones"
    assert mary.email == "mary@example.com"
    assert denise.outcome is Outcome.NO_ANSWER
    assert denise.address.line2 == "Apt 3B"
    assert denise.address.postal_code == "62702-1234"
    assert "'2134' read as '02134'" in messages(log)
    assert log.columns[str(tmp_path / "export.csv")][0] == "Customer ID"  # BOM gone


def test_semicolon_cp1252(tmp_path: Path) -> None:
    data = (
        b"id;first_name;last_name;phone;outcome;called_at;notes\r\n"
        b"K1;Ren\xe9;Lef\xe8vre;555-201-3344;Didn\x92t answer;2026-11-21 09:00;"
        b"Caf\xe9 owner, likes \x93vanilla\x94\r\n"
    )
    log = read(write_file(tmp_path, "euro.csv", data))
    (rene,) = log.records
    assert (rene.first_name, rene.last_name) == ("René", "Lefèvre")
    assert rene.outcome is Outcome.NO_ANSWER
    assert rene.notes == "Café owner, likes “vanilla”"
    assert "cp1252" in messages(log)


def test_mixed_utf8_and_cp1252_keeps_both(tmp_path: Path) -> None:
    # Two exports pasted together: the first part UTF-8, the last row from a Windows tool.
    data = "id,name,outcome\nM1,José Núñez,vm\n".encode() + b"M2,Ren\xe9 Roy,vm\n"
    log = read(write_file(tmp_path, "mixed.csv", data))
    assert [r.first_name for r in log.records] == ["José", "René"]
    assert [n.row for n in log.notices if "cp1252" in n.message] == [3]


def test_repeated_header_text(tmp_path: Path) -> None:
    data = b"id,outcome,Phone,Phone\nQ1,vm,555-201-0001,555-201-0002\nQ2,vm\n"
    log = read(write_file(tmp_path, "twice.csv", data))
    assert log.columns[str(tmp_path / "twice.csv")] == ("id", "outcome", "Phone", "Phone (4)")
    assert log.records[0].phone == "555-201-0001"
    assert log.records[0].extra["Phone (4)"] == "555-201-0002"
    assert "'Phone' and 'Phone (4)' both mean phone" in messages(log)
    assert log.rejections[0].values["Phone (4)"] == ""


def test_tab_separated_with_quoted_newlines(tmp_path: Path) -> None:
    data = (
        b"contact_id\tname\toutcome\tcalled_at\tnotes\n"
        b'T1\tMary Albright\tvm\t2026-11-21T10:05\t"line one\nline two\twith a tab"\n'
        b"T2\tAlbright, John\tspoke\t2026-11-21T10:07:30\t\n"
    )
    log = read(write_file(tmp_path, "dialer.tsv", data))
    first, second = log.records
    assert first.notes == "line one\nline two\twith a tab"
    assert (first.first_name, first.last_name) == ("Mary", "Albright")
    assert (second.first_name, second.last_name) == ("John", "Albright")
    assert second.called_at == datetime(2026, 11, 21, 10, 7, 30)
    assert [first.row, second.row] == [2, 3]  # a row spanning lines is still one row


def test_utf16_unicode_text_export(tmp_path: Path) -> None:
    text = "id\tname\tresult\tdate\r\nU1\tNguyễn Văn An\tbusy\t2026-11-21\r\n"
    log = read(write_file(tmp_path, "unicode.txt", text.encode("utf-16")))
    assert log.records[0].first_name == "Nguyễn"
    assert log.records[0].outcome is Outcome.BUSY


def test_xlsx_typed_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    header = ["ID", "First", "Last", "Phone", "ST", "Zip", "Outcome", "Called On", "DOB", "Note"]
    sheet.append(header)
    called = datetime(2026, 11, 21, 10, 5)
    sheet.append(["X1", "Mary", "Albright", 2175550142, "ME", 4101, "VM", called])
    sheet.append([])
    sheet.append(
        ["X2", "Ann", "Lee", 12175550199.0, "MA", 2134.0, "busy", "2026-11-21", date(1980, 2, 3)]
    )
    sheet.append(
        [None, "Bob", "Kay", None, "IL", 62704, "talked", datetime(2026, 11, 21), None, "+1 call"]
    )
    sheet.cell(row=2, column=12, value=" ")  # a blank cell beyond the header
    path = tmp_path / "calls.xlsx"
    book.save(path)
    log = read(path)
    assert log.rows == 3
    assert rows_of(log) == [2, 4, 5]
    mary, ann, bob = log.records
    assert mary.address.postal_code == "04101"
    assert mary.phone == "2175550142"
    assert mary.contact_id == "X1"
    assert mary.called_at == datetime(2026, 11, 21, 10, 5)
    assert ann.address.postal_code == "02134"
    assert ann.phone == "12175550199"
    assert ann.birthday == date(1980, 2, 3)
    assert bob.contact_id == "n-bob-kay-62704"
    assert bob.called_at == datetime(2026, 11, 21)
    assert bob.notes == "+1 call"
    assert "'4101' read as '04101'" in messages(log)


def test_xlsx_named_csv_and_old_formats(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["outcome", "phone"])
    sheet.append(["vm", "2175550100"])
    buffer = io.BytesIO()
    book.save(buffer)
    log = read(write_file(tmp_path, "really-a-workbook.csv", buffer.getvalue()))
    assert log.records[0].contact_id == "p-2175550100"
    for name in ("old.xls", "sheet.numbers", "sheet.ods"):
        with pytest.raises(InputError) as caught:
            read(write_file(tmp_path, name, b"whatever"))
        assert name in caught.value.message
        assert ".xlsx" in caught.value.hint
    with pytest.raises(InputError, match="old-style Excel"):
        read(write_file(tmp_path, "renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"))
    with pytest.raises(InputError, match=r"not a readable \.xlsx"):
        read(write_file(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a zip"))


# --- rows that can't be used --------------------------------------------------------------


def test_truncated_and_overlong_rows(tmp_path: Path) -> None:
    data = (
        b"contact_id,first_name,last_name,phone,outcome,called_at\n"
        b"A1,Mary,Albright,555-201-0001,vm,2026-11-21\n"
        b"A2,Denise\n"
        b"A3,Lin,Marsh,555-201-0003,vm,2026-11-21,surprise\n"
        b"A4,Ann,Lee,555-201-0004,vm,2026-11-21,,\n"
    )
    log = read(write_file(tmp_path, "short.csv", data))
    errors = {r.row: r.error for r in log.rejections}
    assert errors == {3: "truncated row: 2 of 6 columns", 4: "row has 7 cells but the header has 6"}
    assert [r.row for r in log.records] == [2, 5]  # trailing empty cells are harmless
    truncated = next(r for r in log.rejections if r.row == 3)
    assert list(truncated.values) == [
        "contact_id",
        "first_name",
        "last_name",
        "phone",
        "outcome",
        "called_at",
    ]
    assert truncated.values["first_name"] == "Denise"


def test_unknown_and_missing_outcomes(tmp_path: Path) -> None:
    data = (
        b"Contact ID,Disposition,Date\n"
        b"B1,left a smoke signal,2026-11-21\n"
        b"B2,,2026-11-21\n"
        b"B3,Wrong #,2026-11-21\n"
    )
    log = read(write_file(tmp_path, "outcomes.csv", data))
    errors = {r.row: r.error for r in log.rejections}
    assert errors[2] == f"unknown outcome 'left a smoke signal'; expected one of: {EXPECTED}"
    assert errors[3] == f"missing outcome; expected one of: {EXPECTED}"
    assert log.records[0].outcome is Outcome.WRONG_NUMBER
    assert log.rejections[0].values == {
        "Contact ID": "B1",
        "Disposition": "left a smoke signal",
        "Date": "2026-11-21",
    }


def test_impossible_dates(tmp_path: Path) -> None:
    data = (
        b"id,outcome,Call Date,birthday\n"
        b"D1,vm,2026-02-30,\n"
        b"D2,vm,13/45/2026,\n"
        b"D3,vm,2026-11-21,1979-02-30\n"
        b"D4,vm,yesterday,\n"
    )
    log = read(write_file(tmp_path, "dates.csv", data))
    errors = {r.row: r.error for r in log.rejections}
    assert set(errors) == {2, 3, 5}
    assert "'Call Date'" in errors[2]
    assert "'2026-02-30'" in errors[2]
    assert "11/21/2026" in errors[2]  # the accepted formats, by example
    assert "'13/45/2026'" in errors[3]
    (kept,) = log.records
    assert kept.birthday is None  # a bad birthday costs the birthday, not the row
    assert "birthday '1979-02-30' is not a valid date" in messages(log)


def test_day_first_order(tmp_path: Path) -> None:
    data = b"id,outcome,called_at,birthday\nE1,vm,21/11/2026 15:15,03/12/1979\nE2,vm,11/21/2026,\n"
    log = read(write_file(tmp_path, "uk.csv", data), date_order="dmy")
    assert log.records[0].called_at == datetime(2026, 11, 21, 15, 15)
    assert log.records[0].birthday == date(1979, 12, 3)
    assert "21/11/2026" in log.rejections[0].error
    with pytest.raises(UsageError):
        read_call_logs([tmp_path / "uk.csv"], TODAY, date_order="ymd")  # type: ignore[arg-type]


def test_a_day_first_log_reads_the_dates_in_its_notes_day_first_too(tmp_path: Path) -> None:
    from mailer.ledger.rows import record_from_json, record_to_json
    from mailer.planning.callbacks import requested_callback

    data = b"id,outcome,called_at,notes\nE1,callback,01/12/2026 10:00,please try again 3/12\n"
    path = write_file(tmp_path, "uk.csv", data)
    (uk,) = read(path, date_order="dmy").records
    assert uk.day_first
    request = requested_callback(uk)
    assert request is not None
    assert (request.day, request.said) == (date(2026, 12, 3), "on 3/12")
    assert record_from_json(record_to_json(uk)) == uk  # the ledger keeps the order

    (us,) = read(path).records  # the same file month-first: called Jan 12, back on Mar 12
    assert not us.day_first
    request = requested_callback(us)
    assert request is not None
    assert request.day == date(2026, 3, 12)


def test_two_digit_birth_years_are_in_the_past(tmp_path: Path) -> None:
    data = b"id,outcome,dob\nY1,vm,12/10/62\nY2,vm,12/10/2062\n"
    log = read(write_file(tmp_path, "dob.csv", data))
    assert [r.birthday for r in log.records] == [date(1962, 12, 10), None]
    assert "birthday 2062-12-10 is in the future" in messages(log)


def test_missing_identity_is_rejected(tmp_path: Path) -> None:
    data = (
        b"first_name,last_name,phone,email,postal_code,outcome\n"
        b"Mary,Albright,,,,vm\n"
        b"Mary,Albright,+1 (217) 555-0142 ext. 12,,,vm\n"
        b"Mary,Albright,n/a,Mary.Albright@Example.com,,vm\n"
        b"Mary,Albright,,,62704,vm\n"
    )
    log = read(write_file(tmp_path, "who.csv", data))
    assert [r.row for r in log.rejections] == [2]
    assert log.rejections[0].error == (
        "no way to identify the contact: give a contact_id, phone, email, or a name and postal code"
    )
    assert [r.contact_id for r in log.records] == [
        "p-2175550142",
        "e-mary.albright@example.com",
        "n-mary-albright-62704",
    ]


def test_runaway_quote_is_loud_and_loses_no_row(tmp_path: Path) -> None:
    # The rows after the quote look like rows: each is read as its own (tests/test_file_faults).
    data = b'id,outcome,notes\nR1,vm,"never closed\nR2,vm,fine\nR3,vm,fine\n'
    log = read(write_file(tmp_path, "quote.csv", data))
    assert [(r.row, r.notes) for r in log.records] == [
        (2, '"never closed'),
        (3, "fine"),
        (4, "fine"),
    ]
    assert any("stray quote" in n.message and n.row == 2 for n in log.notices)
    # A quote that swallows lines that are no rows still rejects its row, loudly.
    data = b'id,outcome,notes\nR1,vm,"never closed\nmore words\nand more\n'
    log = read(write_file(tmp_path, "quote.csv", data))
    (rejected,) = log.rejections
    assert rejected.row == 2
    assert "never closed" in rejected.error
    assert "the 2 lines after it were read as one cell" in rejected.error
    # One line swallowed is one line.
    data = b'id,outcome,notes\nR1,vm,"never closed\nmore words\n'
    (rejected,) = read(write_file(tmp_path, "quote.csv", data)).rejections
    assert "so the 1 line after it was read as one cell" in rejected.error


# --- values kept as the user wrote them ---------------------------------------------------


def test_unicode_names_and_formula_looking_notes(tmp_path: Path) -> None:
    text = (
        "full name,zip,outcome,called_at,notes\n"
        'Nguyễn Thị Mai,62704,vm,2026-11-21,"=HYPERLINK(""http://example.com"",""x"")"\n'
        "Jan Łukasiewicz,62704,vm,2026-11-21,+1 call\n"
        "Zoë O'Brien,62704,vm,2026-11-21,-\n"
        "José Núñez,62704,vm,2026-11-21,@\n"
    )
    log = read(write_file(tmp_path, "names.csv", text.encode("utf-8")))
    names = [(r.first_name, r.last_name) for r in log.records]
    assert names == [
        ("Nguyễn", "Thị Mai"),
        ("Jan", "Łukasiewicz"),
        ("Zoë", "O'Brien"),
        ("José", "Núñez"),
    ]
    assert [r.notes for r in log.records] == [
        '=HYPERLINK("http://example.com","x")',
        "+1 call",
        "-",
        "@",
    ]
    assert [r.contact_id for r in log.records] == [
        "n-nguyen-thi-mai-62704",
        "n-jan-lukasiewicz-62704",
        "n-zoe-o-brien-62704",
        "n-jose-nunez-62704",
    ]


def test_blank_rows_are_not_data_rows(tmp_path: Path) -> None:
    data = b"id,outcome\n\nF1,vm\n , \n,,\nF2,busy\n\n"
    log = read(write_file(tmp_path, "blank.csv", data))
    assert log.rows == 2
    assert [r.row for r in log.records] == [3, 6]


def test_header_aliases_spaces_duplicates_and_extras(tmp_path: Path) -> None:
    data = (
        b" Contact_ID ,CALL-RESULT,call_date,Mobile,Phone,Favorite Scent,Callback Date,Country\n"
        b"G1,Call Back,2026-11-21 10:00,555-201-0001,555-999-0000,Cinnamon,11/30/2026,Canada\n"
        b"G2,DNC,2026-11-21 10:05,555-201-0002,,,not sure,usa\n"
    )
    log = read(write_file(tmp_path, "aliases.csv", data))
    first, second = log.records
    assert first.contact_id == "G1"
    assert first.outcome is Outcome.CALLBACK
    assert first.phone == "555-201-0001"  # the first phone column wins
    assert first.callback_on == date(2026, 11, 30)
    assert first.address.country == "CA"
    assert first.extra["Favorite Scent"] == "Cinnamon"
    assert first.extra["favorite_scent"] == "Cinnamon"
    assert first.extra["Phone"] == "555-999-0000"
    assert second.outcome is Outcome.OPT_OUT
    assert second.callback_on is None
    assert second.address.country == "US"
    notes = messages(log)
    assert "header ' Contact_ID ' has stray spaces" in notes
    assert "'Mobile' and 'Phone' both mean phone" in notes
    assert "callback date 'not sure' is not a valid date" in notes
    assert log.columns[str(tmp_path / "aliases.csv")][0] == " Contact_ID "


def test_missing_call_date_means_today(tmp_path: Path) -> None:
    data = b"id,outcome,called_at\nH1,vm,\nH2,vm,2026-11-20 09:30\n"
    log = read(write_file(tmp_path, "today.csv", data))
    assert log.records[0].called_at == datetime(2026, 11, 22, 0, 0)
    assert log.records[1].called_at == datetime(2026, 11, 20, 9, 30)
    assert [n.row for n in log.notices if "no call date" in n.message] == [2]

    no_column = read(write_file(tmp_path, "nodate.csv", b"id,outcome\nH1,vm\nH2,busy\n"))
    assert {r.called_at for r in no_column.records} == {datetime(2026, 11, 22)}
    assert [n.row for n in no_column.notices if "no call date" in n.message] == [1]


def test_zip_codes_and_countries(tmp_path: Path) -> None:
    data = (
        b"id,outcome,state,zip,country\n"
        b"Z1,vm,NY,501,\n"
        b"Z2,vm,MA,2134-1234,US\n"
        b"Z3,vm,ON,M5H 1J9,CA\n"
        b"Z4,vm,,M5H 1J9,\n"
        b"Z5,vm,Massachusetts,2134.0,United States\n"
        b"Z6,vm,IL,627,\n"
        b"Z7,vm,,4101,\n"
    )
    log = read(write_file(tmp_path, "zips.csv", data))
    assert [r.address.postal_code for r in log.records] == [
        "00501",
        "02134-1234",
        "M5H 1J9",
        "M5H 1J9",
        "02134",
        "627",  # "00627" would be a Puerto Rico ZIP
        "4101",  # no state, no telling which zeros went missing
    ]
    text = messages(log)
    assert "'M5H 1J9' is not a US ZIP code" in text
    assert "ZIP code '501' read as '00501' (a spreadsheet dropped its zeros)" in text
    assert "ZIP code '2134.0' read as '02134' (a spreadsheet dropped its zeros)" in text
    assert "'627' read as" not in text
    assert "'4101' read as" not in text
    illinois = next(r.address for r in log.records if r.contact_id == "Z6")
    street = dataclasses.replace(illinois, line1="1418 Oak Ridge Dr", city="Springfield")
    assert mailability_problem(street) == "ZIP code '627' is not 5 or 9 digits"


def test_title_row_above_header_and_delimiter_override(tmp_path: Path) -> None:
    data = b"Calls for Nov 21;;\nid;outcome;notes\nI1;vm;a, b\n"
    log = read(write_file(tmp_path, "report.csv", data))
    assert log.records[0].notes == "a, b"
    assert log.records[0].row == 3
    piped = read(write_file(tmp_path, "piped.txt", b"id|outcome\nP1|busy\n"), delimiter="pipe")
    assert piped.records[0].outcome is Outcome.BUSY
    with pytest.raises(UsageError):
        read(tmp_path / "piped.txt", delimiter="||")


def test_several_files(tmp_path: Path) -> None:
    one = write_file(tmp_path, "one.csv", b"id,outcome\nM1,vm\nM2,what\n")
    two = write_file(tmp_path, "two.csv", b"phone;result\n555-201-0009;busy\n")
    log = read_call_logs([one, two], TODAY)
    assert_accounted(log)
    assert log.rows == 3
    assert [(r.file, r.row) for r in log.records] == [(str(one), 2), (str(two), 2)]
    assert log.rejections[0].file == str(one)
    assert log.columns == {str(one): ("id", "outcome"), str(two): ("phone", "result")}


def test_whole_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="empty"):
        read(write_file(tmp_path, "empty.csv", b""))
    with pytest.raises(InputError, match="empty"):
        read(write_file(tmp_path, "blank.csv", b"\xef\xbb\xbf\r\n ,\r\n"))
    with pytest.raises(InputError, match="no header row") as caught:
        read(write_file(tmp_path, "data.csv", b"C001,Mary,voicemail\n"))
    assert "outcome" in caught.value.hint
    with pytest.raises(InputError, match="no outcome column") as caught:
        read(write_file(tmp_path, "nooutcome.csv", b"id,phone\nC1,555\n"))
    assert "call result" in caught.value.hint
    assert "nooutcome.csv" in caught.value.message
    with pytest.raises(InputError, match="unsupported file type"):
        read(write_file(tmp_path, "calls.pdf", b"%PDF-1.7"))


# --- the invariant, under garbage ---------------------------------------------------------

_GARBAGE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=12,
) | st.sampled_from(["vm", "busy", "2026-02-30", "11/21/26 3:15 PM", " ", '"', "=1+1", "\r\n"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_GARBAGE, min_size=0, max_size=6), max_size=12))
def test_garbage_cells_never_raise(tmp_path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["contact_id", "outcome", "called_at", "birthday", "postal_code"])
    writer.writerows(rows)
    path = write_file(tmp_path, "garbage.csv", buffer.getvalue().encode("utf-8"))
    log = read(path)
    expected = [n for n, row in enumerate(rows, start=2) if any(cell.strip() for cell in row)]
    assert rows_of(log) == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_garbage_bytes_never_raise(tmp_path: Path, body: bytes) -> None:
    path = write_file(tmp_path, "bytes.csv", b"id,outcome,called_at\r\n" + body)
    log = read(path)
    assert all(r.row >= 2 for r in log.rejections)
