"""The quick way through a call log's rows: a plain row of a plain file made into its record
with the answers the full reading (`records`) already gave for its cells, and nothing else.

Most rows of a log are plain: as wide as the header, one outcome word, a call date and a
person already seen on an earlier row, none of them with anything to say. Such a row's
record is the one the full reading would make (the same fields, the same objects), so it
is made here from the reader's memories alone: the outcome decided for the word, the moment
read from the date cell, the person read from the person cells. Anything else (an outcome
word seen for the first time, a notice or a problem to give, a short or long row, a file
with birthday, callback or extra columns, a call sheet, a preset reading some text as
blank) goes the full way, so the rules stay in `records` and each row gets what it would
get there. The memories hold only what the full reading put in them: a person or a date
cell seen for the first time is read here by the full reading's own memories, as it would
be there, so the first row with a new outcome word always goes the full way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from mailer.domain.models import CallRecord, CallRecordSlots, Outcome
from mailer.reading.misreads import RowOutcome
from mailer.reading.people import Person
from mailer.reading.row_fields import RowFields
from mailer.reading.source_files import Cell

Rows = Iterable[tuple[int, list[Cell] | str]]
"""Rows as their numbers and cells, or (a quote-free text's) their line without its ending,
split at the delimiter here."""
Full = Callable[[int, list[Cell]], None]
"""The full reading of a row (`records`): its record, rejection or nothing (a blank line)."""
QuickRows = Callable[[Rows, Full, Mapping[int, str], str], int]
"""Reads rows in order, each the quick way or else the full way (`Full`: always for a row
whose number is among the problems given, a runaway cell's), and returns how many were made
the quick way. The last argument is the delimiter a row given as its line is split at ("":
every row is given as its cells)."""

Moments = Mapping[str, tuple[datetime | None, str, str]]


def quick_rows(
    file: str,
    width: int,
    columns: RowFields,
    records: list[CallRecord],
    *,
    plain: bool,
    day_first: bool,
    decided: Mapping[tuple[str, ...], RowOutcome],
    moments: Moments,
    read_moment: Callable[[str], tuple[datetime | None, str, str]],
    known: Mapping[tuple[str, ...], Person],
    read_person: Callable[[tuple[str, ...]], Person],
    no_extras: Mapping[str, str],
) -> QuickRows | None:
    """The quick reading of one file's rows (`width` cells each, read as `columns` says),
    each record made appended to `records`; None when the file's rows must all go the full
    way. `plain`: nothing about the file itself asks more of a row (no extra or dated
    columns, not a call sheet, no preset blanks). The memories are the full reader's, read
    here and never written, but for a person or call-date cell seen for the first
    time: `read_person` (`People.reader`) and `read_moment` (`RowDates.reader`) read and
    remember them as the full reading would, so a row that then goes the full way finds them
    there, notices and all. `no_extras` is the extras every
    record of a file without extra columns shares."""
    outcome, called, person_key = columns.outcome, columns.called_cell, columns.quick_key()
    if not plain or columns.dated or outcome is None or called is None or person_key is None:
        return None
    if "notes" in columns.joins:
        return None
    if not 0 < outcome < width or called >= width:
        return None  # an outcome in the first column: a row may be a footer line
    notes_at = columns.index.get("notes")
    fields = columns.person
    lead = columns.index[fields[0]]  # the first person cell (a plain cell: `quick_key`)
    strip = str.strip
    get_decided = decided.get
    get_moment = cast("Callable[[Cell], tuple[datetime | None, str, str] | None]", moments.get)
    get_person = known.get
    keep, slots = records.append, CallRecordSlots
    # What a plain row needs of each memory, kept apart once a row has shown it has nothing
    # to say (no notice, no problem): a row then needs one look-up a memory and no checks.
    # Filled only from the memories above, so each is never larger than its memory.
    outcomes: dict[Cell, Outcome] = {}
    at_moments: dict[Cell, datetime] = {}
    # A person by their first cell (most often the contact id), with all their cells: one
    # cell hashed a row, the others only compared (a row's cells are new strings, each
    # hashed anew). The person of other cells under the same first cell replaces it.
    persons: dict[Cell, tuple[tuple[Cell, ...], Person]] = {}
    get_outcome, get_at, get_plain_person = outcomes.get, at_moments.get, persons.get
    cells_key = cast("Callable[[list[Cell]], tuple[Cell, ...]]", person_key)
    # A line whose person cells come first (mailer's own order, most CRMs') is cut once, at
    # its last delimiters: its person cells stay one text, by which a person seen before is
    # found (one text hashed, not a tuple of cells made and compared); its other cells are
    # split off. `lined` keeps the persons of such texts, as `persons` keeps those of rows
    # given as cells (a cut line's person is kept only by its text: every later line of
    # theirs is cut too, and a row given as cells finds them in the full memory).
    person_at = sorted(columns.index[f] for f in fields)
    people_first = person_at == list(range(len(person_at)))
    # The person's cells are a row's first, in the order of `fields`: their key is a slice.
    # (Both: in order after another column, a slice from the start would be other cells.)
    in_order = [columns.index[f] for f in fields] == person_at
    leading = len(fields) if people_first and in_order else 0
    after = width - len(person_at)  # the cells after the person's
    person_delimiters = len(person_at) - 1  # a line's before its last `after` ones
    outcome_cut, called_cut = outcome - len(person_at) + 1, called - len(person_at) + 1
    notes_cut = notes_at - len(person_at) + 1 if notes_at is not None else None
    lined: dict[str, Person] = {}
    get_lined = lined.get

    def read(rows: Rows, full: Full, problems: Mapping[int, str], delimiter: str) -> int:
        # One loop for the rows, not a call a row: a plain row is three look-ups, one
        # comparison and its record. Cells read before as they are here, each with nothing
        # to say: the memories are keyed by stripped texts, so a cell found as it is needs
        # no stripping (a datetime or a padded cell is simply not found, and goes the
        # careful way below).
        made = 0
        cut = people_first and bool(delimiter)
        for number, row in rows:
            text = None  # a line's person cells as one text, when it was cut
            person = None  # the row's person once it is found, with nothing to say
            if row.__class__ is str:
                line = row
                # (A line cut into `after` + 1 parts whose first is a known person's text
                # has the header's cells: that text had its person's delimiters when it
                # was kept. Other lines are counted only when their person is not known.)
                if (
                    cut
                    and len(parts := line.rsplit(delimiter, after)) > after
                    and not (problems and number in problems)
                ):
                    outcome_of = get_outcome(parts[outcome_cut])
                    at = get_at(parts[called_cut])
                    person = get_lined(parts[0])
                    if outcome_of is not None and at is not None and person is not None:
                        notes = strip(parts[notes_cut]) if notes_cut is not None else ""
                    elif parts[0].count(delimiter) == person_delimiters:
                        # Not a person seen so: the row's cells, its person's split from
                        # their text (its outcome and date already looked up, the same cells).
                        person = None
                        text = parts[0]
                        cells: list[Cell] = text.split(delimiter)  # type: ignore[assignment]
                        cells += parts[1:]
                    else:  # not the header's cells: the full way
                        person = None
                        cells = line.split(delimiter)  # type: ignore[assignment]
                else:
                    # As the csv module splits a quote-free line: no cell for a blank one.
                    cells = line.split(delimiter) if line else []  # type: ignore[assignment]
            else:
                cells = cast("list[Cell]", row)
            if person is None:
                if len(cells) != width or (problems and number in problems):
                    full(number, cells)
                    continue
                if text is None:
                    outcome_of = get_outcome(cells[outcome])
                    at = get_at(cells[called])
                    known_person = get_plain_person(cells[lead])
                else:  # a cut line's person seen before was found by their text
                    known_person = None
                if (
                    outcome_of is not None
                    and at is not None
                    and known_person is not None
                    and cells_key(cells) == known_person[0]
                ):
                    try:
                        notes = strip(cells[notes_at]) if notes_at is not None else ""  # type: ignore[arg-type]
                    except TypeError:  # a workbook's date cell
                        full(number, cells)
                        continue
                    person = known_person[1]
                else:
                    found = careful(cells, outcome_of, at, text is None)
                    if found is None:
                        full(number, cells)
                        continue
                    person, outcome_of, at, notes = found
                if text is not None:
                    lined[text] = person
            # The record, made as `read_call_record` makes it (no birthday, callback or
            # extras), in line: a call a row costs about a sixth of a record.
            first, last_name, phone, email, address, contact_id, _ = person
            record: Any = slots()
            record.file, record.row, record.contact_id = file, number, contact_id
            record.outcome, record.called_at = outcome_of, at
            record.first_name, record.last_name = first, last_name
            record.phone, record.email = phone, email
            record.address, record.birthday, record.callback_on = address, None, None
            record.notes, record.extra, record.undated = notes, no_extras, False
            record.day_first, record.mail_lines, record.mail_address = day_first, (), None
            record.__class__ = CallRecord
            keep(record)
            made += 1
        return made

    def careful(
        cells: list[Cell], outcome_of: Outcome | None, at: datetime | None, by_cells: bool
    ) -> tuple[Person, Outcome, datetime, str] | None:
        """A row with a cell not in the quick memories above (`outcome_of` and `at`: what
        they gave for its outcome and date cells): read from the full memories (and a new
        person read), each answer with nothing to say then kept above; its person, outcome,
        call moment and notes, or None when the row goes the full way. `by_cells`: the
        person is kept by their cells too (a cut line's is kept by its text instead)."""
        new_word = new_moment = False
        if outcome_of is not None and at is not None:
            # (Most rows here: a new contact's first.) Only its person and notes cells
            # are read: its outcome and date were found as they are.
            try:
                key = tuple(map(strip, cells[:leading] if leading else cells_key(cells)))  # type: ignore[arg-type]
                notes = strip(cells[notes_at]) if notes_at is not None else ""  # type: ignore[arg-type]
            except TypeError:  # a workbook's date cell
                return None
        else:
            try:
                texts: list[str] = list(map(strip, cells))  # type: ignore[arg-type]
            except TypeError:  # a workbook's date cell
                return None
            word = texts[outcome]
            new_word = outcome_of is None
            if outcome_of is None:
                said = get_decided((word,)) if word else None
                if said is None or said.note or said.outcome is None:
                    return None
                outcome_of = said.outcome
            cell = cells[called]
            new_moment = at is None
            if at is None:
                if not texts[called]:
                    return None
                read = get_moment(cell)
                if read is None:
                    try:
                        read = read_moment(cell)  # type: ignore[arg-type]
                    except (ValueError, OverflowError, UnicodeError):
                        return None  # the full way rejects the row
                if read[1] or read[2] or read[0] is None:
                    return None
                at = read[0]
            key = person_key(texts)
            notes = texts[notes_at] if notes_at is not None else ""
        person = get_person(key)
        if person is None:
            try:
                person = read_person(key)
            except (ValueError, OverflowError, UnicodeError):
                return None  # the full way rejects the row
        if person.notices or not person.contact_id:
            return None
        # (Each kept only when it was not: most rows here are a new contact's first.)
        if new_word:
            outcomes[word] = outcome_of
        if new_moment and cell in moments:  # the date memory stops at its size: so does this
            at_moments[cell] = at
        if by_cells:  # `key` in the order of `fields`: its first is `lead`
            persons[key[0]] = (key, person)
        return person, outcome_of, at, notes

    return read
