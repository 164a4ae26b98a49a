"""`mailer columns FILE`: how mailer reads a call log, before planning anything.

For each header the field it feeds (or why none), each outcome word with its count and what
it means, a few dates as read, the preset used, and a `[columns]`/`[outcomes]` snippet for
what could not be mapped (README, "Where your calls come from"). Reads the file; never
touches the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailer.domain.datetext import DateOrder, Zone, parse_call_moment
from mailer.domain.models import Notice, Outcome
from mailer.errors import InputError
from mailer.reading.fields import OUTCOME_MEANINGS, column_for
from mailer.reading.misreads import drop_call_id
from mailer.reading.source_files import Line, as_text, parse_delimiter, read_lines
from mailer.reading.sources import (
    GOOGLE_VOICE,
    OutcomeWords,
    Preset,
    SourceMapping,
    detect_preset,
    is_footer,
    load_presets,
    map_header,
)
from mailer.reading.takeout import takeout_folder, takeout_lines

_SAMPLE_DATES = 3
_HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class ColumnUse:
    header: str
    field: str
    """The field it feeds, or "unused", "ignored", "call id"."""
    origin: str = ""
    """Who said so: "[columns]", the preset's title, "built-in", or ""."""


@dataclass(frozen=True)
class OutcomeWord:
    word: str
    count: int
    outcome: Outcome | None
    """None: no one knows this word (rows with it are rejected unless `[outcomes] default`)."""

    @property
    def meaning(self) -> str:
        return OUTCOME_MEANINGS[self.outcome] if self.outcome is not None else "not known"


@dataclass(frozen=True)
class SampleDate:
    text: str
    read_as: datetime | None


@dataclass
class ColumnsReport:
    file: str
    header_row: int
    preset: Preset | None
    how: str
    """Why the preset was used: asked for, a Takeout folder, or detected."""
    rows: int
    columns: list[ColumnUse] = field(default_factory=list)
    outcomes: list[OutcomeWord] = field(default_factory=list)
    dates: list[SampleDate] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    snippet: str = ""
    """TOML for mailer.toml covering what could not be mapped; empty when all is mapped."""


def analyze_columns(
    path: Path,
    *,
    mapping: SourceMapping | None = None,
    delimiter: str | None = None,
    date_order: DateOrder = "mdy",
    zone: Zone = None,
    sheet: str | None = None,
) -> ColumnsReport:
    """How `path` would be read. Raises `InputError` when it can't be read at all."""
    mapping = mapping or SourceMapping()
    file = str(path)
    notices: list[Notice] = []
    forced = mapping.forced()
    folder = takeout_folder(path)
    if folder is not None:
        lines = takeout_lines(folder, file)
        forced = forced or load_presets()[GOOGLE_VOICE]
    else:
        chosen = parse_delimiter(delimiter) if delimiter is not None else None
        lines = read_lines(path, file, chosen, notices, sheet)
    header, preset = _find_header(lines, forced, mapping, file)
    names = [as_text(c) for c in header.cells]
    while names and not names[-1]:
        names.pop()
    mapped = map_header(names, preset, mapping.columns, mapping.ignore)
    words = OutcomeWords(preset, mapping.outcomes, mapping.default)
    how = mapping.how_chosen(folder is not None)
    report = ColumnsReport(file, header.number, preset, how, 0, notices=notices)
    data = [
        line
        for line in lines
        if line.number > header.number
        and not line.is_blank
        and not is_footer([as_text(c) for c in line.cells], preset)
    ]
    # As `mailer plan` reads it: a bare `id` the rows show names calls is no contact id.
    texts = ([as_text(c) for c in line.cells] for line in data if not line.problem)
    dropped = drop_call_id(mapped, names, texts)
    if dropped:
        notices.append(Notice(file, header.number, dropped))
    origin_names = {
        "config": "[columns]",
        "preset": f"preset {preset.key}" if preset else "",
        "built-in": "built-in",
    }
    for i, name in enumerate(names):
        wanted = mapped.field_of(i)
        if wanted is not None:
            use = ColumnUse(name, wanted, origin_names.get(mapped.origin.get(i, ""), ""))
        elif i in mapped.call_ids:
            use = ColumnUse(name, "call id")
        elif i in mapped.ignored:
            use = ColumnUse(name, "ignored")
        else:
            use = ColumnUse(name, "unused")
        report.columns.append(use)
    counts: Counter[str] = Counter()
    report.rows = len(data)
    for line in data:
        for i in mapped.outcomes:
            value = as_text(line.cells[i]) if i < len(line.cells) else ""
            if value:
                counts[value] += 1
        if len(report.dates) < _SAMPLE_DATES:
            text = _date_text(line, mapped.joins.get("called_at"), mapped.fields.get("called_at"))
            if text:
                moment = parse_call_moment(text, date_order, zone)
                report.dates.append(SampleDate(text, moment))
    report.outcomes = [OutcomeWord(w, n, words.read(w)) for w, n in counts.most_common()]
    report.snippet = _snippet(
        report, mapped.outcomes, "called_at" in mapped.fields or "called_at" in mapped.joins
    )
    return report


def _find_header(
    lines: list[Line], forced: Preset | None, mapping: SourceMapping, file: str
) -> tuple[Line, Preset | None]:
    candidates = [line for line in lines if not line.is_blank][:_HEADER_SEARCH_ROWS]
    if not candidates:
        raise InputError(f"{file} is empty: no header and no rows", "export it with a header row")
    for line in candidates:
        names = [as_text(c) for c in line.cells]
        preset = forced or detect_preset(names)
        if map_header(names, preset, mapping.columns, mapping.ignore).outcomes:
            return line, preset
    # No outcome column anywhere: show the line that names most known columns.
    best = max(candidates, key=lambda ln: sum(1 for c in ln.cells if column_for(as_text(c))))
    return best, forced or detect_preset([as_text(c) for c in best.cells])


def _date_text(line: Line, joined: tuple[int, ...] | None, index: int | None) -> str:
    cells = line.cells
    if joined:
        return " ".join(as_text(cells[j]) for j in joined if j < len(cells) and as_text(cells[j]))
    if index is None or index >= len(cells):
        return ""
    cell = cells[index]
    return cell.isoformat(sep=" ") if isinstance(cell, datetime) else as_text(cell)


def _toml_key(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _snippet(report: ColumnsReport, outcome_columns: list[int], dated: bool) -> str:
    """TOML to paste into mailer.toml: `[columns]` when no outcome (or date) column was
    found, with the unused headers to ignore, and `[outcomes]` for the unknown words."""
    unused = [c.header for c in report.columns if c.field == "unused"]
    lines: list[str] = []
    if not outcome_columns or not dated or unused:
        lines.append("[columns]")
        if not outcome_columns:
            lines.append('outcome = "?"  # the header of the column with each call\'s result')
        if not dated:
            lines.append('called_at = "?"  # the header of the call date column')
        if unused:
            lines.append('# kept for templates; map one (e.g. notes = "...") or ignore them:')
            lines.append("# ignore = [" + ", ".join(_toml_key(h) for h in unused) + "]")
    unknown = [w for w in report.outcomes if w.outcome is None]
    if unknown:
        if lines:
            lines.append("")
        lines.append("[outcomes]")
        names = [o.value for o in Outcome]
        half = len(names) // 2
        lines.append("# replace each ? with one of: " + ", ".join(names[:half]) + ",")
        lines.append("#   " + ", ".join(names[half:]))
        lines.extend(f'{_toml_key(w.word)} = "?"' for w in unknown)
    return "\n".join(lines) + ("\n" if lines else "")
