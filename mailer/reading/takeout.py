"""Google Voice Takeout: a folder of one HTML page per call, read as the lines of a sheet.

Takeout writes `Calls/<name> - <Placed|Received|Missed|Voicemail|Text> - <time>.html`; each
page holds the other party's name and number (`a.tel`), when (`abbr.published`) and how long
(`abbr.duration`). The preset `google-voice` in `mailer/data/sources.toml` says what the
types mean (README, "Where your calls come from").
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from mailer.errors import InputError
from mailer.reading.source_files import Line

_SHORT_CALL_SECONDS = 30
"""A placed call shorter than this reached nobody (Google Voice logs no outcome)."""

TAKEOUT_HEADER = ("File", "Type", "Contact", "Phone", "Date", "Duration", "Title")


class _CallPage(HTMLParser):
    """The few tags of a Takeout call page: its title, the other party's name and number,
    when (`abbr.published`, or `abbr.dt` in a text thread) and how long (`abbr.duration`)."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.name = ""
        self.phone = ""
        self.when = ""
        self.duration = ""
        self._in_title = False
        self._in_tel = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "title":
            self._in_title = True
        elif tag == "a" and "tel" in classes and not self.phone:
            href = a.get("href", "")
            if href.startswith("tel:") and href[4:]:
                self.phone = href[4:]
                self._in_tel = True
        elif tag == "abbr" and ("published" in classes or "dt" in classes) and not self.when:
            self.when = a.get("title", "")
        elif tag == "abbr" and "duration" in classes:
            self.duration = a.get("title", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "a":
            self._in_tel = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._in_tel and not self.name:
            self.name = " ".join(data.split())


def _seconds(iso_duration: str) -> int | None:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", iso_duration.strip())
    if not match or not iso_duration.strip()[2:]:
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return int(hours * 3600 + minutes * 60 + seconds)


def _call_type(title: str, file_name: str) -> str:
    """Placed, Received, Missed, Voicemail or Text: from the file name ("Mary Albright -
    Placed - 2026-11-21T19_05_12Z.html"), else the page title ("Placed call to ...")."""
    parts = file_name.rsplit(" - ", 2)
    if len(parts) == 3:
        return parts[1].strip()
    first = title.split()[0] if title.split() else ""
    return first.capitalize()


def _local_clock(stamp: str) -> str:
    """A Takeout time ("2026-11-21T11:05:12.000-08:00") as the wall clock it was written in:
    Takeout writes the account's own zone, the seller's."""
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return stamp.strip()
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def takeout_folder(path: Path) -> Path | None:
    """The folder of call pages in a Google Voice Takeout: `path` itself, or its `Calls`
    (also under `Voice/` or `Takeout/Voice/`); None when `path` is not a folder."""
    if not path.is_dir():
        return None
    for inner in ("Calls", "Voice/Calls", "Takeout/Voice/Calls"):
        if (path / inner).is_dir():
            return path / inner
    return path


def takeout_lines(folder: Path, file: str) -> list[Line]:
    """A Takeout folder as the lines of a sheet: a header (`TAKEOUT_HEADER`), then one line
    per call page (`*.html`, by name), numbered from 2. A page that is no call (no number,
    no time) still gets its line, with the problem, so the row is accounted for."""
    pages = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".html" and p.is_file())
    if not pages:
        raise InputError(
            f"{file}: no call pages (.html) in this folder",
            "give the Calls folder of a Google Voice Takeout, or a call log file",
        )
    lines = [Line(1, list(TAKEOUT_HEADER))]
    for number, page in enumerate(pages, start=2):
        parser = _CallPage()
        try:
            parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            lines.append(Line(number, [page.name], problem=f"can't read {page.name}: {exc}"))
            continue
        title = " ".join(parser.title.split())
        kind = _call_type(title, page.stem)
        seconds = _seconds(parser.duration)
        if kind == "Placed" and seconds is not None and seconds < _SHORT_CALL_SECONDS:
            kind = "Placed, short"
        duration = "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"
        cells: list[str | datetime] = [
            page.name,
            kind,
            parser.name,
            parser.phone,
            _local_clock(parser.when),
            duration,
            title,
        ]
        lines.append(Line(number, list(cells), strict_width=False))
    return lines
