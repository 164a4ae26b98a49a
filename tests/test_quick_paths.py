"""The quick ways through planning give exactly what the full ways give: a plain row read
from the reader's memories (`reading.quick_rows`) is the record the full reading makes, and
a contact's attempts counted without call keys (`attempts.count_input_attempts`) are the
ones `count_attempts` counts from the keys; the feasibility check's kept spans are the ones
its calendar simulation gives. Each is compared with its full way on messy
input, through the command line where a seller would meet a difference."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mailer.reading.records as records_module
from mailer.config import MAX_OFFER_DAYS
from mailer.domain.addresses import with_mail_address
from mailer.domain.identity import id_key
from mailer.domain.models import Address, CallLog, Outcome, PastCall
from mailer.planning import cadence, feasibility, planner
from mailer.planning.attempts import all_whole_minutes, count_attempts, count_input_attempts
from mailer.planning.cadence import call_order
from mailer.reading import misreads, plain_text
from mailer.reading.lines import MAX_CELL_CHARS
from mailer.reading.misreads import each_written_one_way
from mailer.reading.quick_rows import quick_rows
from mailer.reading.records import read_call_logs
from tests.builders import call_record, invoke, write_file

TODAY = date(2026, 11, 22)

# -- reading -----------------------------------------------------------------------------------

CLEAN = 3  # the plain value is drawn this many times as often: rows the quick way can make
CHOICES = {
    "contact_id": st.sampled_from(["C1"] * CLEAN + ["", "C2", " C3 ", "c1"]),
    "first_name": st.sampled_from(["Mary"] * CLEAN + ["", "MARY", "o'brien"]),
    "last_name": st.sampled_from(["Albright"] * CLEAN + ["", "MCDONALD"]),
    "phone": st.sampled_from(["217-555-0142"] * CLEAN + ["", "12"]),
    "email": st.sampled_from(["", "m@example.com"]),
    "address_line1": st.sampled_from(
        ["1418 Oak Ridge Dr"] * CLEAN + ["", "22 Maple Ave, Springfield, IL 62704"]
    ),
    "city": st.sampled_from(["Springfield"] * CLEAN + ["", "Boston"]),
    "state": st.sampled_from(["IL"] * CLEAN + ["", "MA"]),
    "postal_code": st.sampled_from(["62704"] * CLEAN + ["", "2134", "12"]),
    "country": st.sampled_from(["US"] * CLEAN + ["", "Atlantis"]),
    "outcome": st.sampled_from(["voicemail"] * CLEAN + ["VM", "opt-out", "??", "", " busy "]),
    "called_at": st.sampled_from(
        ["2026-11-21 10:05"] * CLEAN
        + ["", " 2026-11-21 10:05", "2026-11-21 10:06", "2026-11-25 09:00", "junk"]
        + ["2026-11-21T03:30:00Z", "1763700000000", "Sat 11/21/2026", "21/11/2026 10:05"]
    ),
    "notes": st.sampled_from(["", "call back Tuesday", " hi ", " \tnote "]),
}
CELLS = st.fixed_dictionaries(CHOICES)
PLAIN = {
    "contact_id": "C1", "first_name": "Mary", "last_name": "Albright", "phone": "217-555-0142",
    "email": "", "address_line1": "1418 Oak Ridge Dr", "city": "Springfield", "state": "IL",
    "postal_code": "62704", "country": "US", "outcome": "voicemail",
    "called_at": "2026-11-21 10:05", "notes": "",
}  # fmt: skip
"""Each field's plain value: a row the quick way can make."""
LAYOUTS = st.sampled_from(
    [
        list(CHOICES),
        ["phone", "outcome", "called_at", "notes"],  # one person field
        # the person's fields in order, after another column: never a slice from the start
        ["called_at", "contact_id", "first_name", "last_name", "outcome"],
        ["called_at", "phone", "outcome"],
        # the person's fields first but not in field order: cut once, never a slice
        ["first_name", "contact_id", "outcome", "called_at", "notes"],
        # the notes between the person's cells and the outcome: cut at the right places
        ["contact_id", "first_name", "notes", "outcome", "called_at"],
        # the person's cells apart, another column between them: never cut
        ["contact_id", "outcome", "first_name", "called_at"],
        ["outcome", "contact_id", "called_at"],  # the outcome first: a footer could be a row
        ["contact_id", "outcome", "called_at", "birthday"],  # a dated column: the full way
        ["contact_id", "outcome", "called_at", "Favorite"],  # an extra column: the full way
    ]
)


def _log(layout: list[str], rows: list[dict[str, str]], ragged: list[int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(layout)
    for i, row in enumerate(rows):
        cells = [row.get(name, "12/10/62" if name == "birthday" else "red") for name in layout]
        if i in ragged:
            cells = cells[:-1] if i % 2 else [*cells, "more"]  # a short row, a long one
        writer.writerow(cells)
    return out.getvalue()


def _full_way(monkeypatch: pytest.MonkeyPatch, path: Path) -> CallLog:
    with monkeypatch.context() as patched:
        patched.setattr(records_module, "quick_rows", lambda *_a, **_k: None)
        return read_call_logs([path], TODAY)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    layout=LAYOUTS,
    people=st.lists(CELLS, min_size=1, max_size=3),
    calls=st.lists(st.tuples(st.integers(0, 2), CELLS), min_size=1, max_size=10),
    ragged=st.lists(st.integers(0, 9), max_size=2),
)
@example(  # a plain person's calls with padded cells of their own
    layout=list(CHOICES),
    people=[PLAIN],
    calls=[
        (0, PLAIN | {"notes": " hi "}),
        (0, PLAIN | {"outcome": " busy "}),
        (0, PLAIN | {"called_at": " 2026-11-21 10:05"}),
        (0, PLAIN | {"notes": "call back Tuesday"}),
    ],
    ragged=[],
)
@example(  # a quote-free log's lines cut at their last delimiters, beside padded person
    # cells, another way of writing a phone, and a short and a long row: each its own way
    layout=list(CHOICES),
    people=[PLAIN, PLAIN | {"contact_id": " C1 "}, PLAIN | {"phone": "217 555 0142"}],
    calls=[(0, PLAIN), (1, PLAIN), (0, PLAIN), (2, PLAIN), (1, PLAIN), (2, PLAIN), (0, PLAIN)],
    ragged=[3, 4],
)
@example(  # one contact id, two ways of writing the rest: each row keeps its own person
    layout=list(CHOICES),
    people=[PLAIN, PLAIN | {"email": "m@example.com"}],
    calls=[(0, PLAIN), (1, PLAIN), (0, PLAIN), (1, PLAIN), (1, PLAIN), (0, PLAIN)],
    ragged=[],
)
@pytest.mark.parametrize("top", [0, 12])
def test_a_plain_row_reads_as_the_full_reading_reads_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    top: int,
    layout: list[str],
    people: list[dict[str, str]],
    calls: list[tuple[int, dict[str, str]]],
    ragged: list[int],
) -> None:
    """Records, rejections (with their row numbers and cells), notices and their order,
    all the same; and each record's fields the same objects a full reading shares. With
    `top` plain rows first, the rows drawn come after the top lines the header is looked
    for in (a quote-free log's are then read as lines, cut when their person comes first)."""
    person_fields = {"outcome", "called_at", "notes"}
    rows = [PLAIN] * top + [
        {k: v for k, v in people[who % len(people)].items() if k not in person_fields}
        | {k: v for k, v in call.items() if k in person_fields}
        for who, call in calls
    ]
    ragged = [i + top for i in ragged]
    path = write_file(tmp_path, "log.csv", _log(layout, rows, ragged))
    quick = read_call_logs([path], TODAY)
    full = _full_way(monkeypatch, path)
    assert quick == full
    assert [n.row for n in quick.notices] == [n.row for n in full.notices]
    shared = {(r.contact_id, r.address) for r in quick.records}
    assert len({id(r.address) for r in quick.records}) <= len(shared)


def test_a_line_with_too_few_cells_to_cut_is_read_the_full_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quote-free line whose person cells come first is cut at its last delimiters only
    when it has the header's cells: shorter lines, down to one cell, a longer one and a
    footer, after the top lines the header is looked for in, are read the full way, as when
    no line is cut."""
    plain = "C1,Mary,voicemail,2026-11-21 10:05,\n"
    text = (
        "contact_id,first_name,outcome,called_at,notes\n"
        + plain * 12
        + ("C1\nC1,Mary\nC1,Mary,voicemail\n" + plain + "C1,Mary,voicemail,2026-11-21 10:05,,x\n")
    )
    path = write_file(tmp_path, "log.csv", text + "Grand Totals (16 records)\n")
    quick = read_call_logs([path], TODAY)
    assert quick == _full_way(monkeypatch, path)
    assert [r.row for r in quick.records] == [*range(2, 14), 17]
    assert [r.row for r in quick.rejections] == [14, 15, 16, 18]


def test_the_quick_way_is_taken_for_a_plain_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain log's rows after each cell's first are made the quick way (else the test
    above compares the full way with itself)."""
    slow: list[int] = []
    real = quick_rows

    def counting(*args: object, **kwargs: object) -> object:
        quick = real(*args, **kwargs)  # type: ignore[arg-type]
        assert quick is not None

        def counted(rows: object, full: Any, problems: object, delimiter: str) -> int:
            def noted(number: int, cells: object) -> None:
                slow.append(number)
                full(number, cells)

            return quick(rows, noted, problems, delimiter)  # type: ignore[arg-type]

        return counted

    monkeypatch.setattr(records_module, "quick_rows", counting)
    text = "contact_id,first_name,outcome,called_at,notes\n" + "".join(
        f"C{i % 3},Mary,voicemail,2026-11-21 10:0{i % 2},\n" for i in range(8)
    )
    log = read_call_logs([write_file(tmp_path, "log.csv", text)], TODAY)
    assert len(log.records) == 8
    # Row 2 reads the outcome word the full way; row 3 reads its new minute the quick way,
    # by the full reading's date memory, as every later row is made.
    assert slow == [2]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("Cc0/ \t\u00a0\u212aK\u00df"), max_size=5),
        unique=True,
    )
)
@example(["C1", "c1"])
@example(["C 1", "C  1"])
@example(["C1", " C1"])
@example(["\u212a1", "k1"])  # the Kelvin sign folds to "k"
@example(["C1", "K0", "C/K"])  # upper-case ASCII ids, one with a "/"
def test_ids_counted_by_their_keys_without_asking_each(ids: list[str]) -> None:
    """Whether two distinct ids share a key is what working out every id's key says, with
    spacing, case and folding of every kind (`misreads.each_written_one_way`)."""
    assert each_written_one_way(ids) == (len({id_key(i) for i in ids}) == len(ids))


PLAIN_LINE = "C1,Mary,voicemail,2026-11-21 10:05"
RUNAWAY_LINE = "C4," + "x" * (MAX_CELL_CHARS + 1) + ",voicemail,2026-11-21 10:05"
"""A row the quick way could make but for its runaway cell, which rejects it."""


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("a/ \t\n\r\v\f\x1c\x1f\x85\u00a0\u3000"), max_size=8))
@example(" a")
@example("a/ b")
@example("a /b")
@example("a\n")
def test_spacing_found_by_substrings_is_spacing_the_pattern_finds(joined: str) -> None:
    """The ids' spacing asked by substring searches (`misreads.untidy`) is what the pattern
    finds, in ASCII text and not."""
    assert misreads.untidy(joined) == (misreads._UNTIDY.search(joined) is not None)


LINES = st.sampled_from(
    [
        PLAIN_LINE,
        "C2,Ann,busy,2026-11-21 10:06",
        "",
        "C3,Bo,no_answer,2026-11-21 10:07,extra",
        RUNAWAY_LINE,
        "C5,Jo,??,junk",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINES, min_size=1, max_size=12),
    breaks=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3),
    part=st.integers(1, 80),
)
@example(lines=[PLAIN_LINE] * 12 + [RUNAWAY_LINE], breaks=["\n"], part=80)  # past the top lines
def test_a_text_split_a_part_at_a_time_reads_as_one_split_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    breaks: list[str],
    part: int,
) -> None:
    """A quote-free log split into lines a part of its text at a time (`plain_text`), the
    parts cut anywhere after a line break: every record, rejection with its row number and
    notice as when the whole text is split at once, and as when every row is a `Line`."""
    text = "contact_id,first_name,outcome,called_at\n" + "".join(
        line + breaks[i % len(breaks)] for i, line in enumerate(lines)
    )
    path = write_file(tmp_path, "log.csv", text)
    whole = read_call_logs([path], TODAY)
    with monkeypatch.context() as patched:
        patched.setattr(plain_text, "_PART_CHARS", part)
        assert read_call_logs([path], TODAY) == whole
    # The rows read as numbers and cells, without a `Line` each, read as the lines do.
    with monkeypatch.context() as patched:
        patched.setattr(records_module, "PlainRows", type("NotPlain", (), {}))
        assert read_call_logs([path], TODAY) == whole


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.sampled_from([",", ";", "\t", " ", "a", "é", "\x00", "\u2028", "\n", "\r"])),
    delimiter=st.sampled_from([",", ";", "\t", " "]),
    part=st.integers(1, 40),
)
@example(text="a,b\n\nc,\r\n\r\n,\r", delimiter=",", part=40)  # blank lines
@example(text="a,b\r\nc\u2028d,e\n", delimiter=",", part=40)  # a break csv keeps in a cell
@example(text="a,b\n\nc,\n,\n\nlast", delimiter=",", part=3)  # parts broken at "\n" alone
@example(text="a,b\n\nc,\r\n,\n", delimiter=",", part=2)  # one part with "\r", others not
def test_a_quote_free_text_splits_into_the_csv_modules_cells(
    text: str, delimiter: str, part: int
) -> None:
    """A quote-free text's rows, split by `str.split` where they can be (`plain_text`: a
    part of the text without "\r" into lines, a line into cells), are the cells and row
    numbers the csv module gives for its lines, blank lines included."""
    expected = list(enumerate(csv.reader(plain_text.physical_lines(text), delimiter=delimiter), 1))
    original = plain_text._PART_CHARS
    try:
        plain_text._PART_CHARS = part
        assert list(plain_text.PlainRows(text, delimiter).pairs()) == expected
    finally:
        plain_text._PART_CHARS = original


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(".'\"`!?()[]{}*,;: \taZ\u00e91\u00df")))
def test_an_address_text_without_punctuation_is_cleaned_up_as_with_it(text: str) -> None:
    """An address text is upper-cased and spaced the same whether its punctuation is looked
    for first (`addresses._plain` translates only a text that has some) or not."""
    from mailer.domain import addresses

    expected = " ".join(text.upper().translate(addresses._DROPPED).split())
    assert addresses._plain.__wrapped__(text) == expected


NAME_TEXTS = st.text(st.sampled_from("aZ\u00e9\u00c9\u00df1 \t-'.,"), max_size=6)
"""Names with letters in both cases, digits, spacing and punctuation."""


@settings(max_examples=400, deadline=None)
@given(
    first=NAME_TEXTS,
    last=NAME_TEXTS,
    street=st.sampled_from(["1418 Oak Ridge Dr", "", "22 Maple Ave, Springfield, IL 62704"]),
    city=st.sampled_from(["Springfield", ""]),
    state=st.sampled_from(["IL", "", "ma"]),
    postal=st.sampled_from(["62704", "", "2134", "12", "62704.0"]),
    country=st.sampled_from(["US", "", "usa", "Atlantis", "Canada"]),
)
def test_a_person_reads_as_the_domains_rules_read_their_cells(
    first: str, last: str, street: str, city: str, state: str, postal: str, country: str
) -> None:
    """A person's names, country, address parts and ZIP code as `people` reads them (names
    with no spacing to tidy and not in one case kept as written, the address's cells kept
    when a city, state or ZIP is given, countries and ZIP codes remembered) are what the
    domain's rules make of the cells, notices in the same order."""
    from mailer.domain.address_text import address_parts
    from mailer.domain.countries import read_country
    from mailer.domain.names import tidy_names
    from mailer.reading import people

    values = {
        "contact_id": "C1", "first_name": first, "last_name": last, "address_line1": street,
        "city": city, "state": state, "postal_code": postal, "country": country,
    }  # fmt: skip
    for _ in range(2):  # the second time from the memories
        said: list[str] = []
        person = people.read_person(values, said)
        names = tidy_names(first, last) if first or last else ("", "")
        code, unknown = read_country(country)
        parts, unsplit = address_parts(street, "", city, state, postal, code)
        zip_code, zip_note = people.read_postal_code.__wrapped__(
            parts.postal_code, parts.state, parts.country
        )
        assert (person.first_name, person.last_name) == names
        assert person.address == Address(*parts._replace(postal_code=zip_code))
        assert said == [m for m in (unknown, unsplit, zip_note) if m]


# -- attempts ----------------------------------------------------------------------------------

ZONE = timezone(timedelta(hours=-5))
MOMENTS = st.sampled_from(
    [
        datetime(2026, 11, 21, 10, 5),
        datetime(2026, 11, 21, 10, 5, 30),  # the same minute as a key sees it
        datetime(2026, 11, 21, 10, 5, tzinfo=ZONE),
        datetime(2026, 11, 21, 15, 5),  # the same moment as the zoned one
        datetime(2026, 11, 20, 9, 0),
        datetime(2026, 9, 1, 9, 0),
        datetime(2026, 5, 1, 9, 0),
        datetime(2026, 11, 25, 9, 0),
    ]
)


OUTCOMES = st.sampled_from(
    [
        Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.CONNECTED, Outcome.NOT_INTERESTED,
        Outcome.TEXTED, Outcome.OPT_OUT, Outcome.CALLBACK,
    ]
)  # fmt: skip
"""Unanswered, answered, neutral and resting outcomes: fewer than all, so calls repeat."""
SECONDS_APART = [
    (datetime(2026, 11, 21, 10, 5), Outcome.VOICEMAIL, 1),
    (datetime(2026, 11, 21, 10, 5, 30), Outcome.VOICEMAIL, 1),
]


@settings(max_examples=600, deadline=None)
@example(calls=SECONDS_APART, exit_after=3, rest_days=90)
@example(  # two calls in one minute, the later row first: each counted, the other first
    calls=[
        (datetime(2026, 11, 21, 10, 5), Outcome.VOICEMAIL, 1),
        (datetime(2026, 11, 21, 10, 5), Outcome.CONNECTED, 1),
    ],
    exit_after=1,
    rest_days=90,
)
@example(  # the same call twice: counted once
    calls=[(datetime(2026, 11, 21, 10, 5), Outcome.VOICEMAIL, 1)] * 2, exit_after=1, rest_days=1
)
@example(
    calls=[*SECONDS_APART, (datetime(2026, 11, 25, 9, 0), Outcome.BUSY, 1)],
    exit_after=1,
    rest_days=90,
)
@given(
    calls=st.lists(st.tuples(MOMENTS, OUTCOMES, st.integers(0, 19)), min_size=1, max_size=7),
    exit_after=st.integers(1, 3),
    rest_days=st.sampled_from([1, 30, 90]),
)
def test_attempts_without_keys_are_the_attempts_with_them(
    calls: list[tuple[datetime, Outcome, int]], exit_after: int, rest_days: int
) -> None:
    """Duplicates, calls in one minute, zones, undated calls, calls after the deciding one:
    the same answer as counting from every call's key."""
    records = [
        call_record("C1", outcome, moment, row=row, undated=undated == 0, notes=str(undated % 2))
        for row, (moment, outcome, undated) in enumerate(calls, start=2)
    ]
    latest = max(enumerate(records), key=call_order)[1]
    keyed = [PastCall(r.call_key, r.called_at, r.outcome) for r in records]
    expected = count_attempts(latest, keyed, exit_after=exit_after, rest_days=rest_days)
    assert (
        count_input_attempts(latest, records, exit_after=exit_after, rest_days=rest_days)
        == expected
    )
    # told, as the cadence tells it, whether every call is dated to the whole minute
    whole = all_whole_minutes(records)
    assert count_input_attempts(latest, records, exit_after, rest_days, whole_minutes=whole) == (
        expected
    )


def test_a_plan_with_repeated_calls_counts_each_call_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `mailer plan`: a log repeating a contact's calls (an export run twice into
    one file) plans as the keyed count plans it, attempt by attempt."""
    rows = [
        ("C1", "voicemail", "2026-11-16 10:05"),
        ("C1", "voicemail", "2026-11-16 10:05"),  # the same call twice
        ("C1", "busy", "2026-11-16 10:05"),  # another result at the same minute
        ("C1", "no_answer", "2026-11-20 10:05"),
        ("C2", "voicemail", "2026-11-20 10:05:30"),  # seconds: the keyed count
        ("C2", "voicemail", "2026-11-20 10:05:10"),
        ("C3", "connected", "2026-11-18 09:00"),
        ("C3", "voicemail", "2026-11-21 09:00"),
    ]
    text = "contact_id,first_name,address_line1,city,state,postal_code,outcome,called_at\n"
    text += "".join(f"{c},Mary,12 Elm St,Springfield,IL,62704,{o},{t}\n" for c, o, t in rows)
    log = write_file(tmp_path, "calls.csv", text)

    def plan() -> dict[str, tuple[int, str]]:
        result = invoke(
            "plan", log, "--dry-run", "--format", "json", "--today", "2026-11-22",
            "--db", tmp_path / "m.db",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        steps = json.loads(result.stdout)["steps"]
        return {s["contact_id"]: (s["attempt"], s["reason"]) for s in steps}

    quick = plan()
    with monkeypatch.context() as patched:
        keyed = count_attempts
        patched.setattr(
            cadence,
            "count_input_attempts",
            lambda deciding, records, exit_after, rest_days, **_: keyed(
                deciding,
                [PastCall(r.call_key, r.called_at, r.outcome) for r in records],
                exit_after=exit_after,
                rest_days=rest_days,
            ),
        )
        assert plan() == quick
    assert quick["C1"][0] == 3  # voicemail and busy at 10:05 (one each), no answer
    assert quick["C2"][0] == 1  # two rows of one minute: one call
    assert quick["C3"][0] == 1  # the answer closed the first cycle


def test_one_plans_addresses_are_the_records_mail_addresses(tmp_path: Path) -> None:
    """The plan's cards take their normalized address by the address object's identity
    (`planner._mail_addresses`): for every record of a log with households, the record
    `with_mail_address` gives."""
    text = "contact_id,first_name,address_line1,city,state,postal_code,outcome,called_at\n"
    text += "".join(
        f"C{i},Mary,{12 + i % 3} Elm St,Springfield,IL,6270{i % 2},voicemail,2026-11-21 10:0{i}\n"
        for i in range(9)
    )
    log = read_call_logs([write_file(tmp_path, "log.csv", text)], TODAY)
    addressed = planner._mail_addresses()
    for record in [*log.records, *log.records]:
        assert addressed(record) == with_mail_address(record)
        assert addressed(record).mail_lines == with_mail_address(record).mail_lines


# -- feasibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("transit", range(1, 23))
def test_the_counted_spans_are_the_simulated_ones(transit: int) -> None:
    """The feasibility check's kept table of follow-up spans is what simulating the whole
    calendar cycle gives, for every transit the settings allow (a new federal holiday in
    the holiday tables would fail here: count the table again)."""
    ordinary, monday, worst, worst_send = feasibility.COUNTED_SPANS[transit]
    assert (ordinary, monday) == feasibility.simulated_ordinary_span(transit)
    if transit + 2 <= MAX_OFFER_DAYS:  # else the settings are refused before the worst
        assert (ordinary, worst, worst_send) == feasibility.simulated_follow_up_spans(transit)
    else:
        assert worst is None
    assert set(feasibility.COUNTED_SPANS) == set(range(1, 23))


# -- the whole plan ----------------------------------------------------------------------------

EXPORTS = sorted((Path(__file__).parent / "data" / "exports").glob("*.csv"))


@pytest.mark.parametrize("log", EXPORTS, ids=[p.stem for p in EXPORTS])
def test_a_real_export_plans_the_same_the_full_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log: Path
) -> None:
    """`mailer plan` on each tool's export, with a contact called twice (the log appended
    to itself, a row changed): the same plan.json, rejections and notices with every quick
    way turned off."""
    lines = log.read_text(encoding="utf-8-sig").splitlines()
    doubled = write_file(tmp_path, log.name, "\n".join([*lines, *lines[1:]]) + "\n")

    def plan() -> tuple[str, str, int]:
        result = invoke(
            "plan", doubled, "--dry-run", "--format", "json", "--today", "2026-11-22",
            "--db", tmp_path / "m.db",
        )  # fmt: skip
        return result.stdout, result.stderr, result.exit_code

    quick = plan()
    with monkeypatch.context() as patched:
        patched.setattr(records_module, "quick_rows", lambda *_a, **_k: None)
        patched.setattr(
            cadence,
            "count_input_attempts",
            lambda deciding, records, exit_after, rest_days, **_: count_attempts(
                deciding,
                [PastCall(r.call_key, r.called_at, r.outcome) for r in records],
                exit_after=exit_after,
                rest_days=rest_days,
            ),
        )
        assert plan() == quick
    assert quick[2] in (0, 3), quick[1]


@pytest.mark.parametrize(
    ("header", "person"),
    [
        ("called_at,contact_id,first_name,last_name,outcome", "C00{n},Mary{n},Smith"),
        ("called_at,phone,outcome", "217-555-010{n}"),
    ],
)
def test_a_log_whose_person_columns_follow_another_keeps_every_contact(
    tmp_path: Path, header: str, person: str
) -> None:
    """The person's columns in order but after the date: each row its own contact, as
    written (a slice from the start of the row once took the date for the contact)."""
    rows = "".join(f"2026-11-21,{person.format(n=n)},voicemail\n" for n in range(1, 7))
    path = write_file(tmp_path, "log.csv", f"{header}\n{rows}")
    log = read_call_logs([path], TODAY)
    assert len({r.contact_id for r in log.records}) == 6
    assert all("2026" not in r.contact_id for r in log.records)
    assert [r.row for r in log.records] == list(range(2, 8))
