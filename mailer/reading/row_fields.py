"""Where each field of a call log's rows is, resolved once from its header, so reading a row
is list indexing (`records` reads them).

Joined columns (a date and a time in two columns) are their parts' texts joined by a space;
any other field is its cell, or empty when the preset counts its text as blank; a field the
header lacks is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter

from mailer.domain.models import PERSON_FIELDS
from mailer.reading.header import Header
from mailer.reading.source_files import Cell
from mailer.reading.sources import Preset


class RowFields:
    """The fields of one file's rows (see the module doc)."""

    def __init__(self, header: Header, preset: Preset | None) -> None:
        self.joins = header.map.joins
        self.index = header.index
        self.blanks = preset.blanks if preset is not None else frozenset()
        # The person fields this file has, and (when they are plain cells) one C-level
        # getter for their texts: `People`'s key.
        self.person = tuple(c for c in PERSON_FIELDS if c in self.index)
        plain = not self.blanks and not any(c in self.joins for c in self.person)
        indexes = [self.index[c] for c in self.person]
        self._person_key = itemgetter(*indexes) if plain and len(indexes) > 1 else None
        self.notes = self.getter("notes")
        self.called_at = self.getter("called_at")
        self.birthday = self.getter("birthday")
        self.callback_on = self.getter("callback_on")
        # Where a field's typed cell is (a workbook's date): None when it is joined or absent.
        self.called_cell = self._cell_index("called_at")
        self.dated = "birthday" in self.index or "callback_on" in self.index
        outcomes = header.map.outcomes
        self.outcome = outcomes[0] if len(outcomes) == 1 else None
        """The one outcome column, when there is one (else every outcome-like column is read)."""

    def text(self, texts: Sequence[str], column: str) -> str:
        """A field's text in a row."""
        parts = self.joins.get(column)
        if parts is not None:
            width = len(texts)
            return " ".join(p for p in (texts[j] for j in parts if j < width) if p)
        i = self.index.get(column)
        if i is None or i >= len(texts):
            return ""
        value = texts[i]
        return "" if value in self.blanks else value

    def getter(self, column: str) -> Callable[[Sequence[str]], str]:
        """`text` for one field, its lookups done once."""
        i = self.index.get(column)
        if column in self.joins or self.blanks:
            return lambda texts: self.text(texts, column)
        if i is None:
            return lambda _texts: ""
        return lambda texts: texts[i] if i < len(texts) else ""

    def person_key(self, texts: Sequence[str]) -> tuple[str, ...]:
        """The texts of the row's person fields (`self.person`, in that order)."""
        if self._person_key is not None:
            try:
                found: tuple[str, ...] = self._person_key(texts)
                return found
            except IndexError:
                pass  # a short row: the fields past its end are empty
        return tuple(self.text(texts, c) for c in self.person)

    def quick_key(self) -> Callable[[Sequence[str]], tuple[str, ...]] | None:
        """`person_key` for a row as wide as the header, in one C-level call; None when the
        person fields are not all plain cells (joined, or a preset's blanks)."""
        if self._person_key is not None:
            return self._person_key
        if len(self.person) == 1 and not self.blanks and self.person[0] not in self.joins:
            i = self.index[self.person[0]]
            return lambda texts: (texts[i],)
        return None

    def _cell_index(self, column: str) -> int | None:
        return None if column in self.joins else self.index.get(column)

    def cell(self, cells: Sequence[Cell], value: str, column: str) -> Cell:
        """A field's cell as the sheet typed it (a date a workbook typed stays a datetime),
        given its text `value`."""
        i = self.index.get(column)
        if not value or i is None or i >= len(cells) or column in self.joins:
            return value
        return cells[i]
