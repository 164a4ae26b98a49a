"""The header of a call log: which line it is, which column feeds which field (through
`sources.map_header`: `[columns]`, then the preset, then the built-in names), and the columns
kept for templates. Said as notices (README, "Where your calls come from").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from mailer.domain.slugs import extra_column_key
from mailer.errors import InputError
from mailer.reading.fields import COLUMN_ALIASES, column_for
from mailer.reading.misreads import drop_call_id, header_notes
from mailer.reading.source_files import EMPTY_FILE_HINT, Line, as_text
from mailer.reading.sources import (
    HeaderMap,
    OutcomeWords,
    Preset,
    SourceMapping,
    detect_preset,
    map_header,
)

_HEADER_SEARCH_ROWS = 10  # title lines above the header that a report export may carry


@dataclass
class Header:
    """The header of one file: its original cells and where each known column is."""

    names: tuple[str, ...]
    number: int
    index: dict[str, int] = field(default_factory=dict)
    extras: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    map: HeaderMap = field(default_factory=HeaderMap)
    words: OutcomeWords = field(default_factory=OutcomeWords)

    def date_columns(self) -> str:
        """Where a row's call date comes from, as a rejection names it: its column, and the
        columns read when it is empty (a call sheet's planned day and window)."""
        names = [self.names[i].strip() for i in self.map.fallbacks.get("called_at", ())]
        said = " and ".join(repr(n) for n in names)
        if "called_at" not in self.index:
            return f"columns {said}" if len(names) > 1 else f"column {said}"
        column = f"column {self.names[self.index['called_at']].strip()!r}"
        return f"{column} (or {said} when it is empty)" if names else column


@dataclass
class HeaderReader:
    """Finds and maps the header of one file; `preset` is the one forced, else the one the
    header line is detected as (set by `read`)."""

    file: str
    today: date
    mapping: SourceMapping
    preset: Preset | None = None
    forced: bool = False
    how: str = ""
    note: Callable[[int | None, str], None] = lambda _row, _message: None
    _rest: Iterator[Line] = field(default_factory=lambda: iter(()), repr=False)
    _head: list[Line] = field(default_factory=list, repr=False)

    def read(self, lines: Iterable[Line]) -> tuple[Header, Iterator[Line]]:
        """The header line (the first of the top lines with an outcome column), mapped; and
        every line of `lines` again, from the first, to read on. Only the top lines are read
        here (all of them only when a bare `id` column needs the rows, see `_mapped`), so a
        log's lines can come as they are split."""
        source = iter(lines)
        head: list[Line] = []
        candidates: list[Line] = []
        for line in source:
            head.append(line)
            if not line.is_blank:
                candidates.append(line)
                if len(candidates) == _HEADER_SEARCH_ROWS:
                    break
        self._rest = source
        if not candidates:
            raise InputError(f"{self.file} is empty: no header and no rows", EMPTY_FILE_HINT)
        chosen = next((line for line in candidates if self._maps_outcome(line)), None)
        if chosen is None:
            first = candidates[0]
            seen = ", ".join(repr(as_text(c)) for c in first.cells[:8] if as_text(c))
            accepted = ", ".join(("outcome", *COLUMN_ALIASES["outcome"]))
            if not any(column_for(as_text(c)) for c in first.cells):
                raise InputError(
                    f"{self.file}: no header row: the first row ({seen}) names no known column",
                    f"add a header row as line 1, with an outcome column ({accepted})",
                )
            raise InputError(
                f"{self.file}: no outcome column in the header ({seen})",
                f"name the column that holds each call's result with one of: {accepted}; "
                'or map it in mailer.toml: [columns] outcome = "Your header" '
                "(`mailer columns FILE` shows how each header is read)",
            )
        skipped = sum(1 for line in candidates if line.number < chosen.number)
        if skipped:
            self.note(
                chosen.number,
                f"header found on row {chosen.number}; {skipped} "
                f"{'row' if skipped == 1 else 'rows'} above it skipped",
            )
        header = self._map_header(chosen, head)
        self._head = head
        return header, itertools.chain(head, self._rest)

    def head(self) -> list[Line]:
        """The top lines `read` read to find the header (the header among them)."""
        return self._head

    def rest(self) -> Iterator[Line]:
        """The lines after `head`, not read yet: those `read` gives after the head."""
        return self._rest

    def _mapped(self, row: int, names: list[str], head: Sequence[Line]) -> HeaderMap:
        """The header mapped (`sources.map_header`) and said as notices; a bare `id` column
        that the rows show names calls is dropped as the contact id (`misreads`)."""
        mapped = map_header(names, self.preset, self.mapping.columns, self.mapping.ignore)
        lines: Iterable[Line] = head
        if mapped.check_id:  # the rows decide: every line is read now, and kept to read on
            rest = list(self._rest)
            self._rest = iter(rest)
            lines = itertools.chain(head, rest)
        data = (
            [as_text(c) for c in line.cells]
            for line in lines
            if line.number > row and not line.is_blank and not line.problem
        )
        # Said before the id is dropped: the drop's own notice says it once.
        notes = header_notes(mapped, names, self.preset, self.how)
        dropped = drop_call_id(mapped, names, data)
        for message in [*notes, dropped]:
            if message:
                self.note(row, message)
        return mapped

    def _maps_outcome(self, line: Line) -> bool:
        """True when `line` is a header with an outcome column, by the seller's mapping, the
        preset (forced, or detected from this line) or the built-in aliases."""
        names = [as_text(c) for c in line.cells]
        preset = self.preset if self.forced else detect_preset(names)
        mapped = map_header(names, preset, self.mapping.columns, self.mapping.ignore)
        if mapped.outcomes and not self.forced:
            self.preset = preset
        return bool(mapped.outcomes)

    def _map_header(self, line: Line, head: Sequence[Line] = ()) -> Header:
        raw = [c if isinstance(c, str) else as_text(c) for c in line.cells]
        while raw and not raw[-1].strip():
            raw.pop()  # trailing empty header cells: a spreadsheet's unused columns
        names: list[str] = []
        for position, text in enumerate(raw, start=1):
            name = text if text.strip() else f"column {position}"
            if not text.strip():
                self.note(line.number, f"column {position} has no header; kept as {name!r}")
            elif text != text.strip():
                self.note(
                    line.number, f"header {text!r} has stray spaces; read as {text.strip()!r}"
                )
            while name in names:
                name = f"{name} ({position})"
            names.append(name)
        header = Header(tuple(names), line.number)
        header.map = self._mapped(line.number, [n.strip() for n in raw], head)
        header.words = OutcomeWords(self.preset, self.mapping.outcomes, self.mapping.default)
        header.index = dict(header.map.fields)
        if header.map.outcomes:
            header.index["outcome"] = header.map.outcomes[0]
        for joined, indexes in header.map.joins.items():
            header.index[joined] = indexes[0]
        used = {*header.index.values(), *header.map.outcomes, *header.map.ignored}
        used.update(i for indexes in header.map.joins.values() for i in indexes)
        used.update(i for indexes in header.map.fallbacks.values() for i in indexes)
        duplicate = {extra: (column, first) for column, first, extra in header.map.duplicates}
        # An extra column is always reachable by its header; its template key (the one rule
        # templates use too) is added unless it would shadow a known field or another column.
        taken_keys: set[str] = set(COLUMN_ALIASES)
        unknown: list[str] = []
        for i, name in enumerate(names):
            if i in used:
                continue
            label = name.strip()
            if i in duplicate:
                column, first_index = duplicate[i]
                first = names[first_index].strip()
                self.note(
                    line.number,
                    f"columns {first!r} and {label!r} both mean {column}: "
                    f"using {first!r}, {label!r} kept as an extra column",
                )
            if label in taken_keys:
                label = f"{label} (column {i + 1})"
            keys = [label]
            ident = extra_column_key(label)
            if ident and ident != label and ident not in taken_keys:
                keys.append(ident)
            taken_keys.update(keys)
            header.extras.append((i, tuple(keys)))
            unknown.append(label)
        if unknown:
            self.note(line.number, f"extra columns kept for templates: {', '.join(unknown)}")
        if "called_at" not in header.index and "called_at" not in header.map.fallbacks:
            self.note(line.number, f"no call date column: every call is taken as made {self.today}")
        return header
