"""Where a call log comes from: the presets for the tools sellers use, the seller's own
mapping from `mailer.toml`, and the rules that keep a file from being misread.

The presets are data (`mailer/data/sources.toml`): each names a tool's headers, the field
each one means, the tool's words for outcomes, the columns that name calls rather than people,
and the footer lines it writes after the data. A preset is chosen by the header (the one that
knows most of its cells) or by name (`--source`). Who wins (README, "Where your calls come
from"): `[columns]`/`[outcomes]` in mailer.toml, then the preset, then the built-in aliases of
`mailer.reading.fields`.

Also here: Google Voice Takeout, a folder of one HTML file per call, read into the lines of a
sheet. Pure functions over text, except `load_presets` (a bundled file) and `takeout_lines`
(a folder).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from mailer.config import Config
from mailer.domain.models import CALL_FIELDS, Outcome
from mailer.errors import UsageError
from mailer.reading.fields import (
    column_for,
    header_key,
    names_calls,
    outcome_column_rank,
    outcome_key,
    parse_outcome,
)

GOOGLE_VOICE = "google-voice"
BUILT_IN_FOOTERS = (
    "grand totals",
    "confidential information - do not distribute",
    "copyright (c)",
    "copyright ©",
)
"""Lines a report writes after its data, whatever the tool (Salesforce's, most of all)."""
_MIN_SCORE = 3
"""A preset is chosen when the header has one of its `detect` headers and at least this many
of the headers it knows: a "Phone" and a "Call Result" are anybody's."""
_SHORT_CALL_SECONDS = 30
"""A placed call shorter than this reached nobody (Google Voice logs no outcome)."""

Origin = Literal["config", "preset", "built-in"]


@dataclass(frozen=True)
class Preset:
    """One tool's export, as `sources.toml` describes it."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...]
    """(header key, field), in the order written: outcome columns most trusted first."""
    detect: frozenset[str]
    call_ids: frozenset[str]
    ignore: frozenset[str]
    outcomes: Mapping[str, Outcome]
    """outcome key of the tool's word -> outcome."""
    footers: tuple[str, ...] = ()
    blanks: frozenset[str] = frozenset()
    """Values the tool writes for an empty cell (VICIdial's `0000-00-00` birthday)."""
    joins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """field -> the header keys written as one value (a date and a time)."""
    fallbacks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """field -> the header keys read, as one value, when the field's own cell is empty
    (mailer's call sheet: the planned day and window when `called_at` is left empty)."""
    unfilled: str = ""
    """When set, a row whose outcome is left empty is skipped with this reason instead of
    rejected (a call sheet's calls not made yet)."""

    def knows(self) -> frozenset[str]:
        """Every header key this preset names."""
        joined = {h for _, headers in (*self.joins, *self.fallbacks) for h in headers}
        return frozenset(k for k, _ in self.columns) | self.call_ids | self.ignore | joined


def _parse_preset(key: str, entry: Mapping[str, object]) -> Preset:
    where = f"sources.toml [{key}]"

    def strings(name: str) -> list[str]:
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AssertionError(f"{where}: {name} must be a list of strings")
        return list(value)

    def table(name: str) -> dict[str, object]:
        value = entry.get(name, {})
        if not isinstance(value, dict):
            raise AssertionError(f"{where}: {name} must be a table")
        return value

    columns: list[tuple[str, str]] = []
    for header, wanted in table("columns").items():
        if wanted not in CALL_FIELDS:
            raise AssertionError(f"{where}: {header!r} maps to unknown field {wanted!r}")
        columns.append((header_key(header), str(wanted)))
    outcomes: dict[str, Outcome] = {}
    for word, value in table("outcomes").items():
        outcomes[outcome_key(word)] = Outcome(str(value))
    joins: dict[str, list[tuple[str, tuple[str, ...]]]] = {"join": [], "fallback": []}
    for name, found in joins.items():
        for wanted, headers in table(name).items():
            if wanted not in CALL_FIELDS or not isinstance(headers, list):
                raise AssertionError(f"{where}: {name} {wanted!r} must list headers")
            found.append((wanted, tuple(header_key(str(h)) for h in headers)))
    title, unfilled = entry.get("title"), entry.get("unfilled", "")
    if not isinstance(title, str) or not isinstance(unfilled, str):
        raise AssertionError(f"{where}: title missing, or unfilled not a string")
    return Preset(
        key=key,
        title=title,
        columns=tuple(columns),
        detect=frozenset(header_key(h) for h in strings("detect")),
        call_ids=frozenset(header_key(h) for h in strings("call_ids")),
        ignore=frozenset(header_key(h) for h in strings("ignore")),
        outcomes=outcomes,
        footers=tuple(f.casefold() for f in strings("footers")),
        blanks=frozenset(strings("blanks")),
        joins=tuple(joins["join"]),
        fallbacks=tuple(joins["fallback"]),
        unfilled=unfilled,
    )


@functools.cache
def load_presets() -> Mapping[str, Preset]:
    """The bundled presets by name (`hubspot`, `salesforce`, ...), in file order."""
    text = resources.files("mailer").joinpath("data/sources.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {key: _parse_preset(key, entry) for key, entry in data.items()}


def preset_names() -> tuple[str, ...]:
    return tuple(load_presets())


def preset_named(name: str) -> Preset:
    """The preset `--source NAME` asks for; `UsageError` listing the names otherwise."""
    presets = load_presets()
    key = name.strip().casefold()
    if key not in presets:
        raise UsageError(
            f"unknown source {name!r}",
            hint=f"use one of: {', '.join(presets)} (or leave --source out to detect it)",
        )
    return presets[key]


def detect_preset(headers: Sequence[str]) -> Preset | None:
    """The preset that knows most of `headers`, or None when none is clearly this file's: it
    must see one of its own `detect` headers and know at least three cells."""
    keys = {header_key(h) for h in headers if h.strip()}
    best: Preset | None = None
    best_score = 0
    for preset in load_presets().values():
        if not keys & preset.detect:
            continue
        score = len(keys & preset.knows())
        if score >= _MIN_SCORE and score > best_score:
            best, best_score = preset, score
    return best


def is_footer(cells: Sequence[str], preset: Preset | None) -> bool:
    """True for a report's footer line ("Grand Totals (12 records)", "Confidential
    Information - Do Not Distribute", "Copyright (c) 2000-2026 salesforce.com ..."): only
    its first cell filled, starting with a footer the preset or every report writes."""
    if not cells or not cells[0].strip() or any(c.strip() for c in cells[1:]):
        return False
    text = cells[0].strip().strip('"').casefold()
    footers = BUILT_IN_FOOTERS + (preset.footers if preset is not None else ())
    return any(text.startswith(f) for f in footers)


@dataclass(frozen=True)
class SourceMapping:
    """How to read a file's columns and words: a preset forced by name (`--source`), and the
    seller's `[columns]` and `[outcomes]` from mailer.toml."""

    source: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    default: Outcome | None = None

    def forced(self) -> Preset | None:
        """The preset `--source` names (`UsageError` for an unknown name), or None."""
        return preset_named(self.source) if self.source else None

    def how_chosen(self, folder: bool) -> str:
        """Why a file is read with its preset, for the notice that names it."""
        if self.source:
            return "as asked (--source)"
        return "a folder of call pages" if folder else "detected from the header"


# The header, mapped -------------------------------------------------------------------------


@dataclass
class HeaderMap:
    """Which column means which field in one file, and where each choice came from."""

    fields: dict[str, int] = field(default_factory=dict)
    """field -> column, for every field but the outcome."""
    outcomes: list[int] = field(default_factory=list)
    """The outcome-like columns, most trusted first."""
    joins: dict[str, tuple[int, ...]] = field(default_factory=dict)
    fallbacks: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """field -> the columns read when the field's cell is empty (`Preset.fallbacks`)."""
    ignored: set[int] = field(default_factory=set)
    call_ids: set[int] = field(default_factory=set)
    """Columns that name calls: never the contact id, kept as extra columns."""
    check_id: bool = False
    """The contact id column is a bare `id`: check across the file that it names people."""
    origin: dict[int, Origin] = field(default_factory=dict)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)
    """(field, column used, column kept as extra)."""
    missing: list[tuple[str, str]] = field(default_factory=list)
    """`[columns]` entries whose header this file lacks: (field, header)."""

    def field_of(self, index: int) -> str | None:
        if index in self.outcomes:
            return "outcome"
        for name, i in self.fields.items():
            if i == index:
                return name
        for name, indexes in self.joins.items():
            if index in indexes:
                return name
        for name, indexes in self.fallbacks.items():
            if index in indexes:
                return f"{name} if empty"  # what `mailer columns` shows
        return None


def map_header(
    names: Sequence[str],
    preset: Preset | None,
    columns: Mapping[str, str] | None = None,
    ignore: Iterable[str] = (),
) -> HeaderMap:
    """Map each header cell to a field: `[columns]` first, then the preset, then the built-in
    aliases. A column naming calls (`Call ID`, or one the preset names) is never the contact
    id; a bare `id` is, until the data says otherwise (`ids_name_calls`)."""
    keys = [header_key(n) for n in names]
    result = HeaderMap()
    taken: set[int] = set()
    ranked: list[tuple[int, int, int]] = []  # (origin rank, column rank, position)

    def find(key: str) -> int | None:
        return next((i for i, k in enumerate(keys) if k == key and i not in taken), None)

    def assign(wanted: str, index: int, origin: Origin, rank: int) -> None:
        taken.add(index)
        result.origin[index] = origin
        if wanted == "outcome":
            ranked.append((rank, outcome_column_rank(names[index]), index))
        elif wanted in result.fields or wanted in result.joins:
            first = result.fields.get(wanted, index)
            result.duplicates.append((wanted, first, index))
        else:
            result.fields[wanted] = index

    for wanted, header in (columns or {}).items():
        index = find(header_key(header))
        if index is None:
            result.missing.append((wanted, header))
        else:
            assign(wanted, index, "config", 0)
    for header in ignore:
        index = find(header_key(header))
        if index is not None:
            taken.add(index)
            result.ignored.add(index)
    if preset is not None:
        for order, (key, wanted) in enumerate(preset.columns, start=1):
            index = find(key)
            if index is not None:
                assign(wanted, index, "preset", order)
        for wanted, joined in preset.joins:
            indexes = [find(k) for k in joined]
            if wanted not in result.fields and all(i is not None for i in indexes):
                found = tuple(i for i in indexes if i is not None)
                result.joins[wanted] = found
                taken.update(found)
                for i in found:
                    result.origin[i] = "preset"
        for wanted, parts in preset.fallbacks:
            indexes = [find(k) for k in parts]
            if all(i is not None for i in indexes):
                found = tuple(i for i in indexes if i is not None)
                result.fallbacks[wanted] = found
                taken.update(found)
                for i in found:
                    result.origin[i] = "preset"
        for i, key in enumerate(keys):
            if i in taken:
                continue
            if key in preset.call_ids:
                result.call_ids.add(i)
                taken.add(i)
            elif key in preset.ignore:
                result.ignored.add(i)
                taken.add(i)
    for i, name in enumerate(names):
        if i in taken:
            continue
        if names_calls(name):
            result.call_ids.add(i)
            continue
        alias = column_for(name)
        if alias is not None:
            assign(alias, i, "built-in", 1000)
            if alias == "contact_id" and keys[i] == "id" and result.fields.get(alias) == i:
                result.check_id = True
    result.outcomes = [index for _, _, index in sorted(ranked)]
    return result


# Outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeWords:
    """The words for outcomes of one file: `[outcomes]`, then the preset, then built-in."""

    preset: Preset | None = None
    config: Mapping[str, Outcome] = field(default_factory=dict)
    default: Outcome | None = None

    def __post_init__(self) -> None:
        keyed = {outcome_key(w): o for w, o in self.config.items()}
        object.__setattr__(self, "_config", keyed)

    def read(self, text: str) -> Outcome | None:
        key = outcome_key(text)
        found: Outcome | None = getattr(self, "_config", {}).get(key)
        if found is None and self.preset is not None:
            found = self.preset.outcomes.get(key)
        return found if found is not None else parse_outcome(text)


def mapping_for(config: Config, source: str | None = None) -> SourceMapping:
    """The mapping a config (`[columns]`, `[outcomes]`, validated by `config.validate`) and
    a `--source` name ask for. `[outcomes] default = "reject"` (or none) rejects a row whose
    word nobody knows, as mailer always did."""
    default = config.outcomes.get("default", "reject")
    return SourceMapping(
        source=source,
        columns={k: str(v) for k, v in config.columns.items() if k != "ignore"},
        ignore=tuple(str(h) for h in config.columns.get("ignore", ())),
        outcomes={k: Outcome(v) for k, v in config.outcomes.items() if k != "default"},
        default=None if default == "reject" else Outcome(default),
    )
